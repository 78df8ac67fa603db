/*
 * The sgx-quote command-line tool: one function per command, each taking
 * its own argv (argv[0] is the command name) and returning the exit code.
 */
#ifndef SQH_CLI_CLI_H
#define SQH_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "sgxqh/sgx_types.h"

/* Exit codes shared by every command. */
#define CLI_EXIT_OK       0
#define CLI_EXIT_FAIL     1 /* the operation failed (bad quote, no service) */
#define CLI_EXIT_USAGE    2 /* bad command line */
#define CLI_EXIT_REJECTED 3 /* verified, but with a status not accepted */

/* Commands, one per file cmd_<name>.c, listed in main.c. */
int cmd_collateral(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_quote(int argc, char **argv);
int cmd_sim_report(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_bench(int argc, char **argv);

/*
 * Shared by quote and sim-report (cmd_sim_report.c). The socket path is
 * opt (made absolute), else SGX_AESM_ADDR when it is a path, else the
 * default; the report key is opt, else sim-report.key beside the socket.
 */
void cli_socket_path(const char *opt, char *out, size_t size);
void cli_report_key_path(const char *opt, const char *socket, char *out,
                         size_t size);
/* 0, or -1 after a message: at most 64 bytes of hex, zero-padded. */
int cli_report_data_parse(const char *hex, sgx_report_data_t *out);
/* Makes the simulated enclave's report for target; -1 after a message. */
int cli_sim_report(const char *key_path, const sgx_target_info_t *target,
                   const sgx_report_data_t *data, sgx_report_t *report);

/*
 * The simulated enclave's first quote_ex calls (enclave.c), shared by
 * quote and bench; who prefixes the messages. False after a message.
 */
bool cli_quote_ex_check(const char *who, const char *call, sgx_status_t status);
/* The first ECDSA P-256 key the service supports. */
bool cli_enclave_pick_key(const char *who, sgx_att_key_id_t *key);
/* The QE's target info for key (size query, then the full call). */
bool cli_enclave_target_info(const char *who, const sgx_att_key_id_t *key,
                             sgx_target_info_t *ti);

#endif
