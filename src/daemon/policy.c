#include "policy.h"

#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/file.h"
#include "common/hex.h"
#include "common/log.h"
#include "daemon/metrics.h"
#include "daemon/reqlog.h"

struct policy_rule {
	bool has_mrenclave, has_mrsigner, has_prodid;
	uint8_t mrenclave[SGX_HASH_SIZE];
	uint8_t mrsigner[SGX_HASH_SIZE];
	uint16_t prodid;
};

struct policy {
	bool allow_debug;
	size_t n;
	struct policy_rule rules[];
};

static void why_set(char *why, size_t size, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void
why_set(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
}

/* A 32-byte measurement as 64 hex digits. */
static bool
rule_hash(json_t *v, uint8_t out[static SGX_HASH_SIZE])
{
	return json_is_string(v) &&
	       hex_decode(json_string_value(v), json_string_length(v), out,
	                  SGX_HASH_SIZE) == ERR_OK;
}

static enum err
rule_parse(json_t *obj, size_t i, struct policy_rule *r, char *why, size_t size)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj) || json_object_size(obj) == 0) {
		why_set(why, size, "allow[%zu]: not a non-empty object", i);
		return ERR_INVALID;
	}
	json_object_foreach(obj, key, v)
	{
		if (strcmp(key, "mrenclave") == 0)
			r->has_mrenclave = rule_hash(v, r->mrenclave);
		else if (strcmp(key, "mrsigner") == 0)
			r->has_mrsigner = rule_hash(v, r->mrsigner);
		else if (strcmp(key, "isvprodid") == 0 && json_is_integer(v) &&
		         json_integer_value(v) >= 0 &&
		         json_integer_value(v) <= UINT16_MAX) {
			r->has_prodid = true;
			r->prodid = (uint16_t)json_integer_value(v);
		} else {
			why_set(why, size, "allow[%zu]: bad key or value '%s'",
			        i, key);
			return ERR_INVALID;
		}
		if ((strcmp(key, "mrenclave") == 0 && !r->has_mrenclave) ||
		    (strcmp(key, "mrsigner") == 0 && !r->has_mrsigner)) {
			why_set(why, size, "allow[%zu].%s: not 64 hex digits",
			        i, key);
			return ERR_INVALID;
		}
	}
	return ERR_OK;
}

/* Checks the top-level keys and the type of allow_debug. */
static enum err
policy_top(json_t *root, json_t **allow, bool *allow_debug, char *why,
           size_t size)
{
	const char *key;
	json_t *v;

	*allow = NULL;
	*allow_debug = false;
	if (!json_is_object(root)) {
		why_set(why, size, "not a JSON object");
		return ERR_INVALID;
	}
	json_object_foreach(root, key, v)
	{
		if (strcmp(key, "allow") == 0 && json_is_array(v))
			*allow = v;
		else if (strcmp(key, "allow_debug") == 0 && json_is_boolean(v))
			*allow_debug = json_is_true(v);
		else {
			why_set(why, size, "bad key or value '%s'", key);
			return ERR_INVALID;
		}
	}
	if (*allow == NULL || json_array_size(*allow) > POLICY_MAX_RULES) {
		why_set(why, size,
		        "'allow' must be an array of at most %d "
		        "rules",
		        POLICY_MAX_RULES);
		return ERR_INVALID;
	}
	return ERR_OK;
}

static enum err
policy_from_json(json_t *root, struct policy **out, char *why, size_t size)
{
	struct policy *p;
	bool allow_debug;
	json_t *allow;
	enum err e;

	if ((e = policy_top(root, &allow, &allow_debug, why, size)) != ERR_OK)
		return e;
	p = calloc(1,
	           sizeof(*p) + json_array_size(allow) * sizeof(p->rules[0]));
	if (p == NULL)
		return ERR_NOMEM;
	p->allow_debug = allow_debug;
	p->n = json_array_size(allow);
	for (size_t i = 0; i < p->n; i++) {
		e = rule_parse(json_array_get(allow, i), i, &p->rules[i], why,
		               size);
		if (e != ERR_OK) {
			free(p);
			return e;
		}
	}
	*out = p;
	return ERR_OK;
}

enum err
policy_parse(const char *text, size_t len, struct policy **out, char *why,
             size_t why_size)
{
	json_error_t jerr;
	json_t *root;
	enum err e;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		why_set(why, why_size, "line %d: %s", jerr.line, jerr.text);
		return ERR_INVALID;
	}
	e = policy_from_json(root, out, why, why_size);
	json_decref(root);
	return e;
}

static bool
rule_matches(const struct policy_rule *r, const sgx_report_body_t *body)
{
	return (!r->has_mrenclave ||
	        memcmp(r->mrenclave, body->mr_enclave.m, SGX_HASH_SIZE) == 0) &&
	       (!r->has_mrsigner ||
	        memcmp(r->mrsigner, body->mr_signer.m, SGX_HASH_SIZE) == 0) &&
	       (!r->has_prodid || r->prodid == body->isv_prod_id);
}

bool
policy_allows(const struct policy *p, const sgx_report_body_t *body)
{
	if ((body->attributes.flags & SGX_FLAGS_DEBUG) != 0 && !p->allow_debug)
		return false;
	for (size_t i = 0; i < p->n; i++) {
		if (rule_matches(&p->rules[i], body))
			return true;
	}
	return false;
}

size_t
policy_rule_count(const struct policy *p)
{
	return p->n;
}

void
policy_free(struct policy *p)
{
	free(p);
}

/* ---- the daemon's policy ---- */

static pthread_rwlock_t policy_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct policy *policy_current;
static atomic_bool policy_active;
static char *policy_path;

static enum err
policy_load(const char *path, struct policy **out)
{
	char why[256] = "";
	uint8_t *text;
	size_t len;
	enum err e;

	e = file_read_config(path, POLICY_MAX_FILE, &text, &len);
	if (e != ERR_OK) {
		log_error_errno("event=policy_load path=%s status=%s", path,
		                err_str(e));
		return e;
	}
	e = policy_parse((const char *)text, len, out, why, sizeof(why));
	free(text);
	if (e != ERR_OK)
		log_error("event=policy_load path=%s err=%s reason=\"%s\"",
		          path, err_str(e), why);
	return e;
}

/* Swaps p in; the old policy is freed once no reader holds it. */
static void
policy_swap(struct policy *p)
{
	struct policy *old;

	pthread_rwlock_wrlock(&policy_lock);
	old = policy_current;
	policy_current = p;
	pthread_rwlock_unlock(&policy_lock);
	atomic_store(&policy_active, p != NULL);
	policy_free(old);
}

enum err
policy_install(const char *path)
{
	struct policy *p;
	enum err e;

	if ((e = policy_load(path, &p)) != ERR_OK)
		return e;
	free(policy_path);
	if ((policy_path = strdup(path)) == NULL) {
		policy_free(p);
		return ERR_NOMEM;
	}
	log_info("event=policy_loaded path=%s rules=%zu allow_debug=%s", path,
	         p->n, p->allow_debug ? "yes" : "no");
	policy_swap(p);
	return ERR_OK;
}

enum err
policy_reload(void)
{
	struct policy *p;
	enum err e;

	if (policy_path == NULL)
		return ERR_OK;
	if ((e = policy_load(policy_path, &p)) != ERR_OK) {
		log_warn("event=policy_reload_failed path=%s "
		         "action=\"kept the previous policy\"",
		         policy_path);
		metrics_policy_reloaded(0);
		return e;
	}
	log_info("event=policy_reloaded path=%s rules=%zu allow_debug=%s",
	         policy_path, p->n, p->allow_debug ? "yes" : "no");
	policy_swap(p);
	metrics_policy_reloaded(1);
	return ERR_OK;
}

void
policy_uninstall(void)
{
	policy_swap(NULL);
	free(policy_path);
	policy_path = NULL;
}

/* Names the refused enclave; its measurements are public, not secrets. */
static void
policy_log_refusal(const sgx_report_body_t *body)
{
	char mre[2 * SGX_HASH_SIZE + 1], mrs[2 * SGX_HASH_SIZE + 1];
	const struct reqlog_ctx *ctx = reqlog_current();
	unsigned long repeated;

	if (!reqlog_limit(ctx, "policy_refused", POLICY_REFUSED_CODE,
	                  &repeated))
		return;
	hex_encode(body->mr_enclave.m, SGX_HASH_SIZE, mre);
	hex_encode(body->mr_signer.m, SGX_HASH_SIZE, mrs);
	log_warn("event=policy_refused req=%llu pid=%ld uid=%ld "
	         "mrenclave=%s mrsigner=%s isvprodid=%u debug=%s code=%d "
	         "repeated=%lu",
	         (unsigned long long)ctx->id, ctx->pid, ctx->uid, mre, mrs,
	         body->isv_prod_id,
	         (body->attributes.flags & SGX_FLAGS_DEBUG) ? "yes" : "no",
	         POLICY_REFUSED_CODE, repeated);
}

enum aesm_error
policy_check(const sgx_report_body_t *body)
{
	bool ok;

	if (!atomic_load_explicit(&policy_active, memory_order_relaxed))
		return AESM_SUCCESS;
	pthread_rwlock_rdlock(&policy_lock);
	ok = policy_current == NULL || policy_allows(policy_current, body);
	pthread_rwlock_unlock(&policy_lock);
	if (ok)
		return AESM_SUCCESS;
	metrics_policy_refused();
	policy_log_refusal(body);
	return POLICY_REFUSED_CODE;
}
