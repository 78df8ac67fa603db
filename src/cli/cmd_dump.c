/*
 * sgx-quote dump QUOTE [--json]: decodes every field of a quote file.
 *
 * The dump is built once as a JSON tree; --json prints it as JSON, and
 * the human-readable form is the same tree printed as indented
 * "key: value" lines, so the two can never disagree.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cli.h"
#include "common/file.h"
#include "common/hex.h"
#include "quote/pck.h"
#include "quote/quote.h"

/* Far above any real quote (about 5 KiB), small enough to read at once. */
#define DUMP_QUOTE_MAX (1024 * 1024)

/* Longest hex string a dump prints: the certification data of a quote. */
#define DUMP_HEX_MAX DUMP_QUOTE_MAX

static void
dump_usage(FILE *out)
{
	fprintf(out,
	        "usage: sgx-quote dump QUOTE [--json]\n"
	        "\n"
	        "Decode every field of a DCAP quote file: SGX quotes v3 (and "
	        "v5),\n"
	        "TDX quotes v4 and v5. Byte fields are printed in hex, "
	        "integers in\n"
	        "decimal. For a PCK certificate chain, each certificate's "
	        "subject,\n"
	        "issuer, serial and validity, and the SGX extension of the "
	        "PCK\n"
	        "certificate. Nothing is verified: use 'sgx-quote verify' "
	        "for that.\n"
	        "\n"
	        "  --json     print one JSON object instead of text\n"
	        "  -h, --help show this help\n"
	        "\n"
	        "Exit status: 0 decoded, 1 unreadable or malformed quote, 2 "
	        "bad usage.\n");
}

/* A JSON string of lowercase hex; NULL on allocation failure. */
static json_t *
dump_hex(const uint8_t *data, size_t len)
{
	json_t *j;
	char *s;

	if (len > DUMP_HEX_MAX || (s = malloc(2 * len + 1)) == NULL)
		return NULL;
	hex_encode(data, len, s);
	j = json_string(s);
	free(s);
	return j;
}

/* Intel writes FMSPC and PCE-ID in uppercase in its collateral. */
static json_t *
dump_hex_upper(const uint8_t *data, size_t len)
{
	char s[2 * 16 + 1];

	if (len > 16)
		return NULL;
	hex_encode_upper(data, len, s);
	return json_string(s);
}

/* Integers above JSON's signed 64-bit range become hex strings. */
static json_t *
dump_u64(uint64_t v)
{
	char s[2 + 16 + 1];

	if (v <= INT64_MAX)
		return json_integer((json_int_t)v);
	snprintf(s, sizeof(s), "0x%016" PRIx64, v);
	return json_string(s);
}

static void
dump_set(json_t *obj, const char *key, json_t *value)
{
	json_object_set_new(obj, key, value != NULL ? value : json_null());
}

struct dump_flag {
	uint64_t bit;
	const char *name;
};

static json_t *
dump_flag_names(uint64_t v, const struct dump_flag *flags, size_t n)
{
	json_t *names = json_array();

	for (size_t i = 0; i < n; i++) {
		if ((v & flags[i].bit) != 0)
			json_array_append_new(names,
			                      json_string(flags[i].name));
	}
	return names;
}

static json_t *
dump_sgx_attributes(const sgx_attributes_t *a)
{
	static const struct dump_flag flags[] = {
	        {SGX_FLAGS_INITTED, "INIT"},
	        {SGX_FLAGS_DEBUG, "DEBUG"},
	        {SGX_FLAGS_MODE64BIT, "MODE64BIT"},
	        {SGX_FLAGS_PROVISION_KEY, "PROVISIONKEY"},
	        {SGX_FLAGS_EINITTOKEN_KEY, "EINITTOKENKEY"},
	        {SGX_FLAGS_KSS, "KSS"},
	};
	json_t *o = json_object();

	dump_set(o, "flags", dump_u64(a->flags));
	dump_set(o, "flag_names",
	         dump_flag_names(a->flags, flags,
	                         sizeof(flags) / sizeof(flags[0])));
	dump_set(o, "xfrm", dump_u64(a->xfrm));
	return o;
}

/* sgx_report_body_t: the enclave's or the QE's report body. */
static json_t *
dump_report_body(const sgx_report_body_t *r)
{
	json_t *o = json_object();

	dump_set(o, "cpu_svn", dump_hex(r->cpu_svn.svn, sizeof(r->cpu_svn)));
	dump_set(o, "misc_select", json_integer(r->misc_select));
	dump_set(o, "isv_ext_prod_id",
	         dump_hex(r->isv_ext_prod_id, sizeof(r->isv_ext_prod_id)));
	dump_set(o, "attributes", dump_sgx_attributes(&r->attributes));
	dump_set(o, "mr_enclave", dump_hex(r->mr_enclave.m, SGX_HASH_SIZE));
	dump_set(o, "mr_signer", dump_hex(r->mr_signer.m, SGX_HASH_SIZE));
	dump_set(o, "config_id", dump_hex(r->config_id, SGX_CONFIGID_SIZE));
	dump_set(o, "isv_prod_id", json_integer(r->isv_prod_id));
	dump_set(o, "isv_svn", json_integer(r->isv_svn));
	dump_set(o, "config_svn", json_integer(r->config_svn));
	dump_set(o, "isv_family_id",
	         dump_hex(r->isv_family_id, sizeof(r->isv_family_id)));
	dump_set(o, "report_data",
	         dump_hex(r->report_data.d, SGX_REPORT_DATA_SIZE));
	return o;
}

static json_t *
dump_td_attributes(uint64_t v)
{
	static const struct dump_flag flags[] = {
	        {1ULL << 0, "DEBUG"},    {1ULL << 28, "SEPT_VE_DISABLE"},
	        {1ULL << 30, "PKS"},     {1ULL << 31, "KL"},
	        {1ULL << 63, "PERFMON"},
	};
	json_t *o = json_object();

	dump_set(o, "value", dump_u64(v));
	dump_set(o, "flag_names",
	         dump_flag_names(v, flags, sizeof(flags) / sizeof(flags[0])));
	return o;
}

static json_t *
dump_rtmrs(const struct quote_td_report *t)
{
	json_t *a = json_array();

	for (size_t i = 0; i < 4; i++)
		json_array_append_new(a, dump_hex(t->rtmr[i], 48));
	return a;
}

static json_t *
dump_td_report(const struct quote *q)
{
	struct quote_td_report t;
	json_t *o;

	if (quote_td_report_parse(q, &t) != ERR_OK)
		return NULL;
	o = json_object();
	dump_set(o, "tee_tcb_svn", dump_hex(t.tee_tcb_svn, 16));
	dump_set(o, "mr_seam", dump_hex(t.mr_seam, 48));
	dump_set(o, "mr_signer_seam", dump_hex(t.mr_signer_seam, 48));
	dump_set(o, "seam_attributes", dump_u64(t.seam_attributes));
	dump_set(o, "td_attributes", dump_td_attributes(t.td_attributes));
	dump_set(o, "xfam", dump_u64(t.xfam));
	dump_set(o, "mr_td", dump_hex(t.mr_td, 48));
	dump_set(o, "mr_config_id", dump_hex(t.mr_config_id, 48));
	dump_set(o, "mr_owner", dump_hex(t.mr_owner, 48));
	dump_set(o, "mr_owner_config", dump_hex(t.mr_owner_config, 48));
	dump_set(o, "rtmr", dump_rtmrs(&t));
	dump_set(o, "report_data", dump_hex(t.report_data, 64));
	if (t.is_td15) {
		dump_set(o, "tee_tcb_svn2", dump_hex(t.tee_tcb_svn2, 16));
		dump_set(o, "mr_service_td", dump_hex(t.mr_service_td, 48));
	}
	return o;
}

static json_t *
dump_header(const struct quote_header *h)
{
	json_t *o = json_object();
	bool intel = memcmp(h->qe_vendor_id, quote_intel_qe_vendor_id,
	                    sizeof(h->qe_vendor_id)) == 0;

	dump_set(o, "version", json_integer(h->version));
	dump_set(o, "att_key_type", json_integer(h->att_key_type));
	dump_set(o, "tee_type", json_integer(h->tee_type));
	dump_set(o, "qe_svn", json_integer(h->qe_svn));
	dump_set(o, "pce_svn", json_integer(h->pce_svn));
	dump_set(o, "qe_vendor_id", dump_hex(h->qe_vendor_id, 16));
	dump_set(o, "qe_vendor", json_string(intel ? "Intel" : "unknown"));
	dump_set(o, "user_data", dump_hex(h->user_data, 20));
	dump_set(o, "qe_id", dump_hex(h->user_data, 16));
	return o;
}

/* "YYYY-MM-DDTHH:MM:SSZ" of a certificate time. */
static json_t *
dump_time(const ASN1_TIME *t)
{
	struct tm tm;
	char s[32];

	if (ASN1_TIME_to_tm(t, &tm) != 1 ||
	    strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return NULL;
	return json_string(s);
}

static json_t *
dump_name(const X509_NAME *name)
{
	BIO *bio = BIO_new(BIO_s_mem());
	json_t *j = NULL;
	char *text;
	long n;

	if (bio == NULL)
		return NULL;
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0 &&
	    (n = BIO_get_mem_data(bio, &text)) >= 0)
		j = json_stringn(text, (size_t)n);
	BIO_free(bio);
	return j;
}

static json_t *
dump_serial(const X509 *cert)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	char *s = bn != NULL ? BN_bn2hex(bn) : NULL;
	json_t *j = s != NULL ? json_string(s) : NULL;

	OPENSSL_free(s);
	BN_free(bn);
	return j;
}

static json_t *
dump_fingerprint(const X509 *cert)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	if (X509_digest(cert, EVP_sha256(), md, &n) != 1)
		return NULL;
	return dump_hex(md, n);
}

static const char *
dump_sgx_type_name(int type)
{
	switch (type) {
	case PCK_SGX_TYPE_STANDARD:
		return "Standard";
	case PCK_SGX_TYPE_SCALABLE:
		return "Scalable";
	case PCK_SGX_TYPE_SCALABLE_WITH_INTEGRITY:
		return "ScalableWithIntegrity";
	}
	return "unknown";
}

static json_t *
dump_tcb(const struct pck_ext *e)
{
	json_t *o = json_object(), *comps = json_array();

	for (size_t i = 0; i < sizeof(e->comp_svn); i++)
		json_array_append_new(comps, json_integer(e->comp_svn[i]));
	dump_set(o, "sgx_tcb_components", comps);
	dump_set(o, "pcesvn", json_integer(e->pcesvn));
	dump_set(o, "cpusvn", dump_hex(e->cpusvn, sizeof(e->cpusvn)));
	return o;
}

static json_t *
dump_configuration(const struct pck_ext *e)
{
	json_t *o = json_object();

	dump_set(o, "dynamic_platform", json_boolean(e->dynamic_platform));
	dump_set(o, "cached_keys", json_boolean(e->cached_keys));
	dump_set(o, "smt_enabled", json_boolean(e->smt_enabled));
	return o;
}

static json_t *
dump_pck_ext(const struct pck_ext *e)
{
	json_t *o = json_object();

	dump_set(o, "ppid", dump_hex(e->ppid, sizeof(e->ppid)));
	dump_set(o, "tcb", dump_tcb(e));
	dump_set(o, "pceid", dump_hex_upper(e->pceid, sizeof(e->pceid)));
	dump_set(o, "fmspc", dump_hex_upper(e->fmspc, sizeof(e->fmspc)));
	dump_set(o, "sgx_type", json_integer(e->sgx_type));
	dump_set(o, "sgx_type_name",
	         json_string(dump_sgx_type_name(e->sgx_type)));
	if (e->has_platform_instance_id)
		dump_set(o, "platform_instance_id",
		         dump_hex(e->platform_instance_id,
		                  sizeof(e->platform_instance_id)));
	if (e->has_configuration)
		dump_set(o, "configuration", dump_configuration(e));
	return o;
}

static X509 *
dump_load_cert(const struct quote_cert_data *cd, size_t i)
{
	const unsigned char *p = cd->certs[i].der;
	BIO *bio;
	X509 *cert;

	if (cd->certs[i].len > INT32_MAX)
		return NULL;
	if (cd->cert_der)
		return d2i_X509(NULL, &p, (long)cd->certs[i].len);
	bio = BIO_new_mem_buf(cd->certs[i].pem, (int)cd->certs[i].len);
	if (bio == NULL)
		return NULL;
	cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return cert;
}

/* One certificate of the chain; the SGX extension when it has one. */
static json_t *
dump_cert(const struct quote_cert_data *cd, size_t i)
{
	X509 *cert = dump_load_cert(cd, i);
	struct pck_ext ext;
	enum err e;
	json_t *o = json_object();

	if (cert == NULL) {
		dump_set(o, "error", json_string("not a valid certificate"));
		return o;
	}
	dump_set(o, "subject", dump_name(X509_get_subject_name(cert)));
	dump_set(o, "issuer", dump_name(X509_get_issuer_name(cert)));
	dump_set(o, "serial", dump_serial(cert));
	dump_set(o, "not_before", dump_time(X509_get0_notBefore(cert)));
	dump_set(o, "not_after", dump_time(X509_get0_notAfter(cert)));
	dump_set(o, "sha256", dump_fingerprint(cert));
	e = pck_ext_from_cert(cert, &ext);
	if (e == ERR_OK)
		dump_set(o, "sgx_extension", dump_pck_ext(&ext));
	else if (e != ERR_NOTFOUND)
		dump_set(o, "sgx_extension_error", json_string(err_str(e)));
	X509_free(cert);
	return o;
}

static json_t *
dump_chain(const struct quote_cert_data *cd)
{
	json_t *a = json_array();

	for (size_t i = 0; i < cd->cert_count; i++)
		json_array_append_new(a, dump_cert(cd, i));
	return a;
}

static void
dump_ppid(json_t *o, const struct quote_cert_data *cd)
{
	const char *key = cd->type == QUOTE_CERT_PPID_CLEARTEXT
	                          ? "ppid"
	                          : "encrypted_ppid";

	dump_set(o, key, dump_hex(cd->ppid, cd->ppid_len));
	dump_set(o, "cpusvn", dump_hex(cd->cpusvn, sizeof(cd->cpusvn)));
	dump_set(o, "pcesvn", json_integer(cd->pcesvn));
	if (cd->has_pceid)
		dump_set(o, "pceid", json_integer(cd->pceid));
}

static json_t *
dump_cert_data(const struct quote *q)
{
	const struct quote_cert_data *cd = &q->cert;
	json_t *o = json_object();

	if (q->outer_cert_type != cd->type)
		dump_set(o, "outer_type", json_integer(q->outer_cert_type));
	dump_set(o, "type", json_integer(cd->type));
	dump_set(o, "type_name", json_string(quote_cert_type_name(cd->type)));
	dump_set(o, "size", json_integer(cd->size));
	if (cd->ppid != NULL)
		dump_ppid(o, cd);
	if (cd->cert_count > 0) {
		dump_set(o, "encoding",
		         json_string(cd->cert_der ? "DER" : "PEM"));
		dump_set(o, "certificates", dump_chain(cd));
	}
	return o;
}

static json_t *
dump_sig_data(const struct quote *q)
{
	json_t *o = json_object();

	dump_set(o, "size", json_integer(q->sig_data_len));
	dump_set(o, "signature", dump_hex(q->signature, QUOTE_SIG_SIZE));
	dump_set(o, "attestation_key",
	         dump_hex(q->att_key, QUOTE_ATT_KEY_SIZE));
	dump_set(o, "qe_report", dump_report_body(&q->qe_report));
	dump_set(o, "qe_report_signature",
	         dump_hex(q->qe_report_sig, QUOTE_SIG_SIZE));
	dump_set(o, "qe_auth_data", dump_hex(q->auth_data, q->auth_data_len));
	dump_set(o, "certification_data", dump_cert_data(q));
	return o;
}

static json_t *
dump_quote(const struct quote *q)
{
	json_t *o = json_object();
	bool sgx = q->kind == QUOTE_KIND_SGX_V3 || q->kind == QUOTE_KIND_SGX_V5;

	dump_set(o, "kind", json_string(quote_kind_name(q->kind)));
	dump_set(o, "tee", json_string(sgx ? "SGX" : "TDX"));
	dump_set(o, "size", json_integer((json_int_t)q->len));
	dump_set(o, "trailing_bytes",
	         json_integer((json_int_t)(q->raw_len - q->len)));
	dump_set(o, "header", dump_header(&q->header));
	if (q->header.version >= 5)
		dump_set(o, "body_type", json_integer(q->body_type));
	if (sgx)
		dump_set(o, "report_body", dump_report_body(&q->report));
	else
		dump_set(o, "td_report", dump_td_report(q));
	dump_set(o, "signature_data", dump_sig_data(q));
	return o;
}

static bool
dump_is_scalar_array(const json_t *a)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v)
	{
		if (json_is_object(v) || json_is_array(v))
			return false;
	}
	return true;
}

static void
text_print_scalar(FILE *out, const json_t *v)
{
	if (json_is_string(v))
		fputs(json_string_value(v), out);
	else if (json_is_integer(v))
		fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_boolean(v))
		fputs(json_is_true(v) ? "yes" : "no", out);
	else
		fputs("-", out);
}

static void
text_print_scalars(FILE *out, const json_t *a)
{
	size_t i;
	json_t *v;

	fputc('[', out);
	json_array_foreach(a, i, v)
	{
		if (i > 0)
			fputs(", ", out);
		text_print_scalar(out, v);
	}
	fputc(']', out);
}

static void text_print_object(FILE *out, json_t *o, int depth);

static void
text_print_member(FILE *out, const char *key, json_t *v, int depth)
{
	size_t i;
	json_t *item;

	if (json_is_object(v)) {
		fprintf(out, "%*s%s:\n", 2 * depth, "", key);
		text_print_object(out, v, depth + 1);
	} else if (json_is_array(v) && !dump_is_scalar_array(v)) {
		json_array_foreach(v, i, item)
		{
			fprintf(out, "%*s%s[%zu]:\n", 2 * depth, "", key, i);
			text_print_object(out, item, depth + 1);
		}
	} else {
		fprintf(out, "%*s%s: ", 2 * depth, "", key);
		if (json_is_array(v))
			text_print_scalars(out, v);
		else
			text_print_scalar(out, v);
		fputc('\n', out);
	}
}

static void
text_print_object(FILE *out, json_t *o, int depth)
{
	const char *key;
	json_t *v;

	json_object_foreach(o, key, v) text_print_member(out, key, v, depth);
}

/* Parses the command line; returns -1 to go on, else an exit code. */
static int
dump_args(int argc, char **argv, const char **path, bool *json)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			dump_usage(stdout);
			return CLI_EXIT_OK;
		} else if (strcmp(argv[i], "--json") == 0) {
			*json = true;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "sgx-quote dump: unknown option '%s'\n",
			        argv[i]);
			return CLI_EXIT_USAGE;
		} else if (*path != NULL) {
			fprintf(stderr,
			        "sgx-quote dump: one quote file only\n");
			return CLI_EXIT_USAGE;
		} else {
			*path = argv[i];
		}
	}
	if (*path == NULL) {
		dump_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	return -1;
}

static void
dump_parse_error(const char *path, enum err e, const struct quote *q)
{
	if (e == ERR_UNSUPPORTED)
		fprintf(stderr,
		        "sgx-quote dump: %s: unsupported quote (version %u, "
		        "attestation key type %u, TEE type 0x%08x)\n",
		        path, q->header.version, q->header.att_key_type,
		        q->header.tee_type);
	else
		fprintf(stderr, "sgx-quote dump: %s: not a valid quote: %s\n",
		        path, err_str(e));
}

static int
dump_print(const struct quote *q, bool as_json)
{
	json_t *root = dump_quote(q);
	int rc = CLI_EXIT_OK;

	if (as_json) {
		if (json_dumpf(root, stdout, JSON_INDENT(2)) != 0)
			rc = CLI_EXIT_FAIL;
		fputc('\n', stdout);
	} else {
		text_print_object(stdout, root, 0);
	}
	json_decref(root);
	if (fflush(stdout) != 0)
		rc = CLI_EXIT_FAIL;
	return rc;
}

int
cmd_dump(int argc, char **argv)
{
	const char *path = NULL;
	bool as_json = false;
	struct quote q;
	uint8_t *data;
	size_t len;
	enum err e;
	int rc;

	if ((rc = dump_args(argc, argv, &path, &as_json)) >= 0)
		return rc;
	if ((e = file_read_all(path, DUMP_QUOTE_MAX, &data, &len)) != ERR_OK) {
		fprintf(stderr, "sgx-quote dump: %s: %s\n", path,
		        e == ERR_IO ? strerror(errno) : err_str(e));
		return CLI_EXIT_FAIL;
	}
	if ((e = quote_parse(data, len, &q)) != ERR_OK) {
		dump_parse_error(path, e, &q);
		free(data);
		return CLI_EXIT_FAIL;
	}
	rc = dump_print(&q, as_json);
	free(data);
	return rc;
}
