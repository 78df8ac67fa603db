/*
 * The sgx-quote command-line tool: one function per command, each taking
 * its own argv (argv[0] is the command name) and returning the exit code.
 */
#ifndef SQH_CLI_CLI_H
#define SQH_CLI_CLI_H

/* Exit codes shared by every command. */
#define CLI_EXIT_OK       0
#define CLI_EXIT_FAIL     1 /* the operation failed (bad quote, no service) */
#define CLI_EXIT_USAGE    2 /* bad command line */
#define CLI_EXIT_REJECTED 3 /* verified, but with a status not accepted */

/* Commands, one per file cmd_<name>.c, listed in main.c. */
int cmd_collateral(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_verify(int argc, char **argv);

#endif
