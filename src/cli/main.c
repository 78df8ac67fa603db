/*
 * sgx-quote: get, make, inspect and verify SGX quotes.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static int cmd_version(int argc, char **argv);

static const struct command commands[] = {
        {"bench", cmd_bench, "load the service and measure quotes/s"},
        {"collateral", cmd_collateral, "export simulated collateral"},
        {"dump", cmd_dump, "decode every field of a quote file"},
        {"probe", cmd_probe, "check that the AESM service answers"},
        {"quote", cmd_quote, "get a quote as a simulated enclave"},
        {"sim-report", cmd_sim_report, "make a simulated enclave report"},
        {"verify", cmd_verify, "verify quotes against collateral"},
        {"version", cmd_version, "print the version"},
};

static int
cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("sgx-quote %s\n", SQH_VERSION);
	return CLI_EXIT_OK;
}

static void
usage(FILE *out)
{
	fprintf(out, "usage: sgx-quote COMMAND [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-12s %s\n", commands[i].name,
		        commands[i].summary);
	fprintf(out, "\nRun 'sgx-quote COMMAND --help' for a command's "
	             "options.\n");
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, "sgx-quote: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return CLI_EXIT_USAGE;
}
