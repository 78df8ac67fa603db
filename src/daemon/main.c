/*
 * sgx-quote-helper: the AESM-compatible quote service daemon. Runs in the
 * foreground and logs to stderr; containers and systemd supervise it.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "daemon/listener.h"
#include "daemon/ops.h"
#include "daemon/server.h"
#include "wire/wire.h"
#ifdef SQH_HAVE_BACKEND_SIM
#include "backends/sim.h"
#endif
#ifdef SQH_HAVE_BACKEND_DCAP
#include "backends/dcap.h"
#endif

#define DEFAULT_SOCKET    "/var/run/aesmd/aesm.socket"
#define DEFAULT_STATE_DIR "/var/lib/sgx-quote-helper"
#define DEFAULT_MODE      0666
/* Intel's aesmd listens with 32; bursts of one-shot clients need more. */
#define LISTEN_BACKLOG 1024
/* The largest real request (GetQuoteEx with a QE report info) is under
 * 1.5 KiB; a smaller cap would refuse legitimate clients. */
#define MIN_REQUEST_BYTES 2048
/* Without --max-connections-per-uid, one uid may hold this fraction of
 * --max-connections (256 of the default 1024): no tenant can take every
 * slot, yet a pod keeps far fewer open even when busy, since a connection
 * lasts one request, about a millisecond. */
#define DEFAULT_PER_UID_DIVISOR 4
/* Neither cap can usefully exceed the descriptors a process may have. */
#define MAX_CONNECTIONS_MOST 1000000

struct options {
	const char *socket;
	const char *state_dir;
	const char *backend;
	const char *dcap_library; /* NULL: Intel's soname */
	const char *sgx_dev_dir;  /* NULL: /dev */
	bool check;
	unsigned workers;
	unsigned request_timeout_ms;
	unsigned max_connections;
	unsigned max_connections_per_uid;
	bool per_uid_set; /* else derived from max_connections */
	unsigned max_request_bytes;
	struct peer_policy peers;
	mode_t socket_mode;
	bool replace;
	enum log_level log_level;
	struct ops_options ops;
};

/* Set from signal handlers: a stop asked before the server exists is
 * remembered and applied once it does. */
static struct server *_Atomic running_server;
static volatile sig_atomic_t stop_requested;

static void
usage(FILE *out)
{
	fprintf(out,
	        "Usage: sgx-quote-helper [options]\n"
	        "\n"
	        "Serves SGX quotes over the AESM protocol on a Unix socket, "
	        "in the\nforeground, logging to stderr.\n"
	        "\n"
	        "  --socket PATH             socket path (default %s)\n"
	        "  --socket-mode MODE        octal mode of the socket "
	        "(default 0666)\n"
	        "  --replace                 take the socket (and a metrics "
	        "socket) over even\n"
	        "                            when a daemon answers there\n"
	        "  --state-dir DIR           keys and certificates kept "
	        "across restarts\n"
	        "                            (default %s)\n"
	        "  --backend auto|sim|dcap   quote backend (default auto: "
	        "dcap when the SGX\n"
	        "                            devices and Intel's library "
	        "are present, else sim\n"
	        "                            with a warning)\n"
	        "  --dcap-library PATH       Intel's DCAP quote library "
	        "(default\n"
	        "                            libsgx_dcap_ql.so.1)\n"
	        "  --sgx-dev-dir DIR         where sgx_enclave and "
	        "sgx_provision are\n"
	        "                            (default /dev)\n"
	        "  --check                   check the SGX platform for "
	        "the dcap backend, one\n"
	        "                            line per finding; exit 0 "
	        "when all is well\n"
	        "  --workers N               serving threads (default: "
	        "online CPUs, max %d)\n"
	        "  --request-timeout-ms N    deadline for a whole request "
	        "(default %d)\n"
	        "  --max-connections N       open connections at once, "
	        "more are closed\n"
	        "                            (default %d)\n"
	        "  --max-connections-per-uid N\n"
	        "                            open connections of one peer "
	        "uid at once, more\n"
	        "                            are closed (default: a "
	        "quarter of\n"
	        "                            --max-connections, so that no "
	        "tenant holds them\n"
	        "                            all, yet far more than a busy "
	        "pod keeps open;\n"
	        "                            0: no cap per uid)\n"
	        "  --max-request-bytes N     longest request accepted, "
	        "before any allocation\n"
	        "                            (default and most %u)\n"
	        "  --allow-uid LIST          serve only these user ids "
	        "(comma-separated;\n"
	        "                            with --allow-gid, either "
	        "list admits)\n"
	        "  --allow-gid LIST          serve only these group ids, "
	        "primary or\n"
	        "                            supplementary\n"
	        "  --log-level LEVEL         error, warn, info or debug "
	        "(default info)\n"
	        "  --log-format FORMAT       text (key=value) or json, one "
	        "object a line\n"
	        "  --metrics-listen ADDR     serve Prometheus metrics on "
	        "HOST:PORT or a\n"
	        "                            Unix socket path (GET "
	        "/metrics)\n"
	        "  --policy FILE             JSON allowlist of enclaves "
	        "that get quotes\n"
	        "                            (reloaded on SIGHUP)\n"
	        "  --aesmd-conf PATH         Intel's aesmd.conf (default "
	        "/etc/aesmd.conf\n"
	        "                            when present)\n"
	        "  --help                    this text\n"
	        "  --version                 print the version\n"
	        "\n"
	        "In sim mode the simulated report key is published next "
	        "to the socket,\nas %s.\n"
	        "SIGHUP: read the --policy file and aesmd.conf again.\n"
	        "SIGTERM or SIGINT: stop accepting, finish requests in "
	        "flight, exit 0.\n",
	        DEFAULT_SOCKET, DEFAULT_STATE_DIR, SERVER_MAX_WORKERS,
	        SERVER_DEFAULT_REQUEST_TIMEOUT_MS,
	        SERVER_DEFAULT_MAX_CONNECTIONS, WIRE_MAX_REQUEST,
	        "sim-report.key");
}

/* Parses an unsigned number in [min, max] in the given base. */
static bool
parse_uint(const char *s, int base, unsigned long min, unsigned long max,
           unsigned long *out)
{
	unsigned long v;
	char *end;

	if (*s == '\0' || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoul(s, &end, base);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static unsigned
online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > SERVER_MAX_WORKERS ? SERVER_MAX_WORKERS : (unsigned)n;
}

enum {
	OPT_SOCKET = 256,
	OPT_SOCKET_MODE,
	OPT_REPLACE,
	OPT_STATE_DIR,
	OPT_BACKEND,
	OPT_WORKERS,
	OPT_REQUEST_TIMEOUT,
	OPT_MAX_CONNECTIONS,
	OPT_MAX_REQUEST_BYTES,
	OPT_ALLOW_UID,
	OPT_ALLOW_GID,
	OPT_LOG_LEVEL,
	OPT_HELP,
	OPT_VERSION,
	OPT_DCAP_LIBRARY,
	OPT_SGX_DEV_DIR,
	OPT_CHECK,
	OPT_LOG_FORMAT,
	OPT_METRICS_LISTEN,
	OPT_POLICY,
	OPT_AESMD_CONF,
	OPT_MAX_CONNECTIONS_PER_UID,
};

static const struct option long_options[] = {
        {"socket", required_argument, NULL, OPT_SOCKET},
        {"socket-mode", required_argument, NULL, OPT_SOCKET_MODE},
        {"replace", no_argument, NULL, OPT_REPLACE},
        {"state-dir", required_argument, NULL, OPT_STATE_DIR},
        {"backend", required_argument, NULL, OPT_BACKEND},
        {"workers", required_argument, NULL, OPT_WORKERS},
        {"request-timeout-ms", required_argument, NULL, OPT_REQUEST_TIMEOUT},
        {"max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS},
        {"max-request-bytes", required_argument, NULL, OPT_MAX_REQUEST_BYTES},
        {"allow-uid", required_argument, NULL, OPT_ALLOW_UID},
        {"allow-gid", required_argument, NULL, OPT_ALLOW_GID},
        {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
        {"help", no_argument, NULL, OPT_HELP},
        {"version", no_argument, NULL, OPT_VERSION},
        {"dcap-library", required_argument, NULL, OPT_DCAP_LIBRARY},
        {"sgx-dev-dir", required_argument, NULL, OPT_SGX_DEV_DIR},
        {"check", no_argument, NULL, OPT_CHECK},
        {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
        {"metrics-listen", required_argument, NULL, OPT_METRICS_LISTEN},
        {"policy", required_argument, NULL, OPT_POLICY},
        {"aesmd-conf", required_argument, NULL, OPT_AESMD_CONF},
        {"max-connections-per-uid", required_argument, NULL,
         OPT_MAX_CONNECTIONS_PER_UID},
        {NULL, 0, NULL, 0},
};

/* Applies one option with a value; false when the value is invalid. */
static bool
options_set(struct options *o, int opt, const char *arg)
{
	unsigned long v;

	switch (opt) {
	case OPT_SOCKET:
		o->socket = arg;
		return true;
	case OPT_STATE_DIR:
		o->state_dir = arg;
		return true;
	case OPT_DCAP_LIBRARY:
		o->dcap_library = arg;
		return true;
	case OPT_SGX_DEV_DIR:
		o->sgx_dev_dir = arg;
		return true;
	case OPT_BACKEND:
		o->backend = arg;
		return strcmp(arg, "auto") == 0 || strcmp(arg, "sim") == 0 ||
		       strcmp(arg, "dcap") == 0;
	case OPT_SOCKET_MODE:
		if (!parse_uint(arg, 8, 0, 0777, &v))
			return false;
		o->socket_mode = (mode_t)v;
		return true;
	case OPT_WORKERS:
		if (!parse_uint(arg, 10, 1, SERVER_MAX_WORKERS, &v))
			return false;
		o->workers = (unsigned)v;
		return true;
	case OPT_REQUEST_TIMEOUT:
		if (!parse_uint(arg, 10, 1, 3600000, &v))
			return false;
		o->request_timeout_ms = (unsigned)v;
		return true;
	case OPT_MAX_CONNECTIONS:
		if (!parse_uint(arg, 10, 1, MAX_CONNECTIONS_MOST, &v))
			return false;
		o->max_connections = (unsigned)v;
		return true;
	case OPT_MAX_CONNECTIONS_PER_UID:
		if (!parse_uint(arg, 10, 0, MAX_CONNECTIONS_MOST, &v))
			return false;
		o->max_connections_per_uid = (unsigned)v;
		o->per_uid_set = true;
		return true;
	case OPT_MAX_REQUEST_BYTES:
		if (!parse_uint(arg, 10, MIN_REQUEST_BYTES, WIRE_MAX_REQUEST,
		                &v))
			return false;
		o->max_request_bytes = (unsigned)v;
		return true;
	case OPT_ALLOW_UID:
		return peer_policy_add_uids(&o->peers, arg) == ERR_OK;
	case OPT_ALLOW_GID:
		return peer_policy_add_gids(&o->peers, arg) == ERR_OK;
	case OPT_LOG_LEVEL:
		return log_parse_level(arg, &o->log_level);
	case OPT_LOG_FORMAT:
	case OPT_METRICS_LISTEN:
	case OPT_POLICY:
	case OPT_AESMD_CONF:
		return ops_options_set(
		        &o->ops, long_options[opt - OPT_SOCKET].name, arg);
	default:
		return false;
	}
}

/* Returns -1 to go on, else the exit status. */
static int
options_parse(struct options *o, int argc, char **argv)
{
	int opt;

	*o = (struct options){
	        .socket = DEFAULT_SOCKET,
	        .state_dir = DEFAULT_STATE_DIR,
	        .backend = "auto",
	        .workers = online_cpus(),
	        .request_timeout_ms = SERVER_DEFAULT_REQUEST_TIMEOUT_MS,
	        .max_connections = SERVER_DEFAULT_MAX_CONNECTIONS,
	        .max_request_bytes = WIRE_MAX_REQUEST,
	        .socket_mode = DEFAULT_MODE,
	        .log_level = LOG_LEVEL_INFO,
	};
	while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		if (opt == OPT_HELP) {
			usage(stdout);
			return 0;
		}
		if (opt == OPT_VERSION) {
			printf("sgx-quote-helper %s\n", SQH_VERSION);
			return 0;
		}
		if (opt == OPT_REPLACE) {
			o->replace = true;
			o->ops.replace = true;
			continue;
		}
		if (opt == OPT_CHECK) {
			o->check = true;
			continue;
		}
		if (opt == '?' || !options_set(o, opt, optarg)) {
			if (opt != '?')
				fprintf(stderr,
				        "sgx-quote-helper: invalid value "
				        "'%s' for --%s\n",
				        optarg,
				        long_options[opt - OPT_SOCKET].name);
			fprintf(stderr, "Try 'sgx-quote-helper --help'.\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sgx-quote-helper: unexpected argument '%s'\n",
		        argv[optind]);
		return 2;
	}
	/* Before anything is made on disk: the state directory and the
	 * socket's directory would otherwise be left behind. */
	if (!listener_path_ok(o->socket)) {
		fprintf(stderr,
		        "sgx-quote-helper: invalid --socket '%s' (%zu bytes): "
		        "a socket path must be 1 to %zu bytes long (the %zu "
		        "bytes of a Unix socket address less %zu for the "
		        "temporary name bound first) and not end in '/'\n",
		        o->socket, strlen(o->socket), LISTENER_SOCKET_PATH_MAX,
		        LISTENER_PATH_MAX - 1, LISTENER_TMP_SUFFIX_MAX);
		return 2;
	}
	if (!o->per_uid_set)
		o->max_connections_per_uid =
		        o->max_connections >= DEFAULT_PER_UID_DIVISOR
		                ? o->max_connections / DEFAULT_PER_UID_DIVISOR
		                : 1;
	return -1;
}

#ifdef SQH_HAVE_BACKEND_SIM
static enum err
backend_open_sim(const struct options *o, struct backend **out)
{
	char key_path[PATH_MAX];
	const char *slash = strrchr(o->socket, '/');
	struct sim_config cfg;
	int n;

	if (slash == NULL)
		n = snprintf(key_path, sizeof(key_path), "%s",
		             SIM_REPORT_KEY_FILE);
	else
		n = snprintf(key_path, sizeof(key_path), "%.*s/%s",
		             (int)(slash - o->socket), o->socket,
		             SIM_REPORT_KEY_FILE);
	if (n < 0 || (size_t)n >= sizeof(key_path))
		return ERR_RANGE;
	cfg.state_dir = o->state_dir;
	cfg.report_key_path = key_path;
	log_info("event=backend_open backend=sim state_dir=%s "
	         "report_key_path=%s",
	         o->state_dir, key_path);
	return backend_sim_open(&cfg, out);
}
#endif

/* dcap for --backend dcap and auto; why says what is missing. */
static enum err
backend_open_dcap(const struct options *o, struct backend **out, char *why,
                  size_t why_len)
{
#ifdef SQH_HAVE_BACKEND_DCAP
	struct dcap_config cfg = {.library = o->dcap_library,
	                          .dev_dir = o->sgx_dev_dir};

	return backend_dcap_open(&cfg, out, why, why_len);
#else
	(void)o;
	(void)out;
	snprintf(why, why_len, "no dcap backend in this build");
	return ERR_UNSUPPORTED;
#endif
}

/* --check: the platform diagnosis alone; the exit status. */
static int
check_run(const struct options *o)
{
#ifdef SQH_HAVE_BACKEND_DCAP
	struct dcap_config cfg = {.library = o->dcap_library,
	                          .dev_dir = o->sgx_dev_dir};

	return dcap_check_run(&cfg) == 0 ? 0 : 1;
#else
	(void)o;
	log_error("event=check reason=\"no dcap backend in this build\"");
	return 1;
#endif
}

static enum err
backend_open(const struct options *o, struct backend **out)
{
	char why[512];
	enum err e;

	if (strcmp(o->backend, "sim") != 0) {
		e = backend_open_dcap(o, out, why, sizeof(why));
		if (e == ERR_OK && strcmp(o->backend, "auto") == 0)
			log_info("event=backend_auto backend=dcap "
			         "reason=\"SGX devices and Intel's DCAP "
			         "library present\"");
		if (e == ERR_OK)
			return e;
		if (strcmp(o->backend, "dcap") == 0) {
			log_error("event=backend_unavailable backend=dcap "
			          "reason=\"%s\"",
			          why);
			return e;
		}
		log_warn("event=backend_auto backend=sim reason=\"%s\" "
		         "warning=\"QUOTES ARE SIMULATED AND CHAIN TO A "
		         "SIMULATED ROOT, NEVER TO INTEL\"",
		         why);
	}
#ifdef SQH_HAVE_BACKEND_SIM
	return backend_open_sim(o, out);
#else
	(void)out;
	log_error("event=backend_unavailable backend=sim "
	          "reason=\"not built\"");
	return ERR_UNSUPPORTED;
#endif
}

static void
on_stop_signal(int sig)
{
	struct server *s = running_server;

	(void)sig;
	stop_requested = 1;
	ops_stopping();
	if (s != NULL)
		server_stop(s);
}

/*
 * SIGHUP's default action ends the process, and the reloader that takes
 * it starts only once the backend is open, which on a first start takes a
 * while (keys are made). Blocked here, before anything else runs and
 * before any thread exists (threads inherit the mask), a SIGHUP during
 * start-up stays pending and the reloader's sigwait takes it as soon as it
 * runs: the reload is done once, when the daemon is ready.
 */
static void
sighup_block(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

static enum err
signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		return ERR_IO;
	sa.sa_handler = on_stop_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) < 0 ||
	    sigaction(SIGINT, &sa, NULL) < 0)
		return ERR_IO;
	return ERR_OK;
}

static void
log_settings(const struct options *o, const struct backend *b)
{
	static const char *const levels[] = {"error", "warn", "info", "debug"};
	char peers[2 * PEER_LIST_MAX * 11 + 32];

	peer_policy_describe(&o->peers, peers, sizeof(peers));

	log_info("event=start version=%s socket=%s socket_mode=%04o "
	         "state_dir=%s backend=%s workers=%u request_timeout_ms=%u "
	         "max_connections=%u max_connections_per_uid=%u "
	         "max_request_bytes=%u backlog=%d log_level=%s replace=%s %s",
	         SQH_VERSION, o->socket, (unsigned)o->socket_mode, o->state_dir,
	         b->name, o->workers, o->request_timeout_ms, o->max_connections,
	         o->max_connections_per_uid, o->max_request_bytes,
	         LISTEN_BACKLOG, levels[o->log_level],
	         o->replace ? "yes" : "no", peers);
}

/* Opens the socket and serves until a stop signal. */
static int
serve(const struct options *o, struct backend *b)
{
	struct listener_config lc = {.path = o->socket,
	                             .mode = o->socket_mode,
	                             .backlog = LISTEN_BACKLOG,
	                             .replace = o->replace};
	struct server_config sc = {.backend = b,
	                           .workers = o->workers,
	                           .request_timeout_ms = o->request_timeout_ms,
	                           .max_connections = o->max_connections,
	                           .max_connections_per_uid =
	                                   o->max_connections_per_uid,
	                           .max_request_bytes = o->max_request_bytes,
	                           .peers = &o->peers};
	struct listener l;
	struct server *s;
	enum err e;

	if (stop_requested)
		return 0;
	if (ops_listener_open(&lc, &l) != ERR_OK)
		return 1;
	sc.listener = &l;
	if ((e = server_create(&sc, &s)) != ERR_OK) {
		log_error("event=server_create err=%s", err_str(e));
		listener_close(&l);
		return 1;
	}
	running_server = s;
	if (stop_requested)
		server_stop(s);
	ops_ready();
	e = server_run(s);
	running_server = NULL;
	server_free(s);
	return e == ERR_OK ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct backend *b;
	struct options o;
	int rc;

	sighup_block();
	if ((rc = options_parse(&o, argc, argv)) >= 0)
		return rc;
	log_set_level(o.log_level);
	if (o.check)
		return check_run(&o);
	if (signals_install() != ERR_OK) {
		log_error_errno("event=signals_install");
		return 1;
	}
	if (backend_open(&o, &b) != ERR_OK) {
		log_error("event=exit reason=\"no backend\"");
		return 1;
	}
	log_settings(&o, b);
	rc = ops_start(&o.ops, b, o.state_dir) == ERR_OK ? serve(&o, b) : 1;
	ops_stop();
	b->ops->destroy(b);
	log_info("event=exit status=%d", rc);
	return rc;
}
