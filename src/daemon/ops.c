#include "ops.h"

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "daemon/aesmd_conf.h"
#include "daemon/metrics.h"
#include "daemon/policy.h"
#include "daemon/reqlog.h"
#include "daemon/sd.h"

static struct {
	struct metrics_http *metrics;
	const char *aesmd_conf;
	bool aesmd_conf_required;
	pthread_t reloader;
	bool reloader_started;
	atomic_bool stopping;
	char key_path[PATH_MAX];
} ops;

void
ops_options_init(struct ops_options *o)
{
	memset(o, 0, sizeof(*o));
}

bool
ops_options_set(struct ops_options *o, const char *name, const char *arg)
{
	enum log_format format;

	if (strcmp(name, "metrics-listen") == 0)
		o->metrics_listen = arg;
	else if (strcmp(name, "policy") == 0)
		o->policy = arg;
	else if (strcmp(name, "aesmd-conf") == 0)
		o->aesmd_conf = arg;
	else if (strcmp(name, "log-format") == 0 &&
	         log_parse_format(arg, &format))
		log_set_format(format);
	else
		return false;
	return true;
}

static enum err
ops_load_aesmd_conf(void)
{
	struct aesmd_conf c;
	enum err e;

	e = aesmd_conf_load(ops.aesmd_conf, ops.aesmd_conf_required, &c);
	if (e != ERR_OK)
		return e;
	aesmd_conf_apply(&c);
	log_info("event=aesmd_conf path=%s default_quoting_type=%u",
	         ops.aesmd_conf, c.quoting_type);
	return ERR_OK;
}

/* SIGHUP, as for Intel's aesmd: read the configuration again. A file
 * that does not load leaves what was in force. */
static void *
ops_reloader_main(void *arg)
{
	sigset_t set;
	int sig;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	while (sigwait(&set, &sig) == 0 && !atomic_load(&ops.stopping)) {
		sd_notify_reloading();
		log_info("event=reload signal=SIGHUP");
		if (ops_load_aesmd_conf() != ERR_OK)
			log_warn("event=aesmd_conf_reload_failed "
			         "action=\"kept the previous setting\"");
		if (policy_reload() != ERR_OK) {
			/* Logged with its reason by the policy. */
		}
		sd_notify_ready();
	}
	return NULL;
}

static enum err
ops_start_reloader(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0 ||
	    pthread_create(&ops.reloader, NULL, ops_reloader_main, NULL) != 0)
		return ERR_IO;
	ops.reloader_started = true;
	return ERR_OK;
}

/* The file whose age is the attestation key's age, when the backend
 * keeps one. */
static const char *
ops_key_path(const struct backend *b, const char *state_dir)
{
	int n;

	/* XXX: the file name is the simulated platform's layout; the dcap
	 * backend keeps its key elsewhere, so its age is not reported. */
	if (strcmp(b->name, "sim") != 0)
		return NULL;
	n = snprintf(ops.key_path, sizeof(ops.key_path), "%s/attestation.key",
	             state_dir);
	return n > 0 && (size_t)n < sizeof(ops.key_path) ? ops.key_path : NULL;
}

enum err
ops_start(const struct ops_options *o, const struct backend *b,
          const char *state_dir)
{
	enum err e;

	sd_notify_init();
	ops.aesmd_conf =
	        o->aesmd_conf != NULL ? o->aesmd_conf : AESMD_CONF_DEFAULT_PATH;
	ops.aesmd_conf_required = o->aesmd_conf != NULL;
	if ((e = ops_load_aesmd_conf()) != ERR_OK)
		return e;
	if (o->policy != NULL && (e = policy_install(o->policy)) != ERR_OK)
		return e;
	metrics_set_info(b->name, ops_key_path(b, state_dir));
	if ((e = ops_start_reloader()) != ERR_OK) {
		log_error_errno("event=reloader_start");
		return e;
	}
	if (o->metrics_listen != NULL &&
	    (e = metrics_http_start(o->metrics_listen, o->replace,
	                            &ops.metrics)) != ERR_OK)
		return e;
	return ERR_OK;
}

enum err
ops_listener_open(const struct listener_config *cfg, struct listener *l)
{
	bool activated;

	if (sd_listener(l, &activated) != ERR_OK)
		return ERR_INVALID;
	if (activated)
		return ERR_OK;
	return listener_open(cfg, l);
}

void
ops_ready(void)
{
	sd_notify_ready();
}

void
ops_stopping(void)
{
	sd_notify_stopping();
}

void
ops_stop(void)
{
	/* The server has logged its last request: no failure count left
	 * out may be lost with the process. */
	reqlog_flush_all();
	atomic_store(&ops.stopping, true);
	if (ops.reloader_started) {
		pthread_kill(ops.reloader, SIGHUP);
		pthread_join(ops.reloader, NULL);
		ops.reloader_started = false;
	}
	metrics_http_stop(ops.metrics);
	ops.metrics = NULL;
	policy_uninstall();
	sd_notify_close();
}
