#include "collateral.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/file.h"
#include "common/hex.h"
#include "pki.h"
#include "signed_json.h"

/* Where items come from: files in a directory or members of one JSON. */
struct col_source {
	const char *dir;
	json_t *json;
};

/* How one signed document is found in either form. */
struct col_doc_spec {
	const char *file;       /* PCS response body in a directory */
	const char *outer_key;  /* its signed member */
	const char *member;     /* the object's text in the JSON form */
	const char *sig_member; /* its signature in the JSON form */
	const char *chain_file;
	const char *chain_member;
};

static const struct col_doc_spec col_tcb_spec = {
        "tcb_info.json",
        "tcbInfo",
        "tcb_info",
        "tcb_info_signature",
        "tcb_info_issuer_chain.pem",
        "tcb_info_issuer_chain",
};

static const struct col_doc_spec col_qe_spec = {
        "qe_identity.json",
        "enclaveIdentity",
        "qe_identity",
        "qe_identity_signature",
        "qe_identity_issuer_chain.pem",
        "qe_identity_issuer_chain",
};

static enum err __attribute__((format(printf, 3, 4)))
col_fail(char *why, enum err e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, COLLATERAL_ERROR_SIZE, fmt, ap);
	va_end(ap);
	return e;
}

static enum err
col_read_file(const char *dir, const char *name, char **data, size_t *len)
{
	char path[4096];
	uint8_t *p;
	enum err e;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return ERR_RANGE;
	e = file_read_all(path, COLLATERAL_MAX_FILE, &p, len);
	if (e == ERR_IO && errno == ENOENT)
		return ERR_NOTFOUND;
	if (e == ERR_OK)
		*data = (char *)p;
	return e;
}

static enum err
col_read_member(json_t *json, const char *name, char **data, size_t *len)
{
	const json_t *v = json_object_get(json, name);

	if (v == NULL || json_is_null(v))
		return ERR_NOTFOUND;
	if (!json_is_string(v))
		return ERR_INVALID;
	*len = json_string_length(v);
	if ((*data = malloc(*len + 1)) == NULL)
		return ERR_NOMEM;
	memcpy(*data, json_string_value(v), *len + 1);
	return ERR_OK;
}

/* Reads an item as a NUL-terminated copy; ERR_NOTFOUND when absent. */
static enum err
col_read(const struct col_source *src, const char *file, const char *member,
         char **data, size_t *len)
{
	if (src->dir != NULL)
		return col_read_file(src->dir, file, data, len);
	return col_read_member(src->json, member, data, len);
}

static enum err
col_load_chain(const struct col_source *src, const char *file,
               const char *member, STACK_OF(X509) * *out, char *why)
{
	char *pem;
	size_t len;
	enum err e;

	if ((e = col_read(src, file, member, &pem, &len)) != ERR_OK)
		return e == ERR_NOTFOUND ? e
		                         : col_fail(why, e, "%s: cannot read",
		                                    src->dir ? file : member);
	e = pki_chain_from_pem(pem, len, out);
	free(pem);
	if (e != ERR_OK)
		return col_fail(why, e, "%s: not a PEM certificate chain",
		                src->dir ? file : member);
	return ERR_OK;
}

static enum err
col_load_crl(const struct col_source *src, const char *file, const char *member,
             X509_CRL **out, char *why)
{
	char *data;
	size_t len;
	enum err e;

	if ((e = col_read(src, file, member, &data, &len)) != ERR_OK)
		return e == ERR_NOTFOUND ? e
		                         : col_fail(why, e, "%s: cannot read",
		                                    src->dir ? file : member);
	e = pki_crl_load((const uint8_t *)data, len, out);
	free(data);
	if (e != ERR_OK)
		return col_fail(why, e, "%s: not a CRL (DER, PEM or hex)",
		                src->dir ? file : member);
	return ERR_OK;
}

/* A PCS response body: cut out the signed object, read the signature. */
static enum err
col_split_body(char *text, size_t len, const struct col_doc_spec *spec,
               struct signed_doc *doc, char *why)
{
	const char *obj;
	size_t obj_len;

	if (sjson_member(text, len, spec->outer_key, &obj, &obj_len) != ERR_OK)
		return col_fail(why, ERR_INVALID, "%s: no \"%s\" object",
		                spec->file, spec->outer_key);
	if (sjson_signature(text, len, doc->signature) != ERR_OK)
		return col_fail(why, ERR_INVALID,
		                "%s: no signature of 64 hex bytes", spec->file);
	if ((doc->body = malloc(obj_len + 1)) == NULL)
		return ERR_NOMEM;
	memcpy(doc->body, obj, obj_len);
	doc->body[obj_len] = '\0';
	doc->body_len = obj_len;
	return ERR_OK;
}

static enum err
col_read_signature(const struct col_source *src,
                   const struct col_doc_spec *spec, struct signed_doc *doc,
                   char *why)
{
	char *hex;
	size_t len;
	enum err e;

	if ((e = col_read_member(src->json, spec->sig_member, &hex, &len)) !=
	    ERR_OK)
		return col_fail(why, ERR_INVALID, "%s: missing",
		                spec->sig_member);
	e = hex_decode(hex, len, doc->signature, sizeof(doc->signature));
	free(hex);
	if (e != ERR_OK)
		return col_fail(why, e, "%s: not 64 hex bytes",
		                spec->sig_member);
	return ERR_OK;
}

static enum err
col_load_doc(const struct col_source *src, const struct col_doc_spec *spec,
             struct signed_doc *doc, char *why)
{
	char *text;
	size_t len;
	enum err e;

	e = col_read(src, spec->file, spec->member, &text, &len);
	if (e != ERR_OK)
		return e == ERR_NOTFOUND
		               ? e
		               : col_fail(why, e, "%s: cannot read",
		                          src->dir ? spec->file : spec->member);
	if (src->dir != NULL) {
		e = col_split_body(text, len, spec, doc, why);
		free(text);
	} else {
		doc->body = text;
		doc->body_len = len;
		e = col_read_signature(src, spec, doc, why);
	}
	if (e != ERR_OK)
		return e;
	doc->present = true;

	e = col_load_chain(src, spec->chain_file, spec->chain_member,
	                   &doc->issuer_chain, why);
	return e == ERR_NOTFOUND ? ERR_OK : e;
}

static enum err
col_load_tcb(const struct col_source *src, struct collateral *col, char *why)
{
	char detail[TCBINFO_ERROR_SIZE];
	enum err e;

	e = col_load_doc(src, &col_tcb_spec, &col->tcb_doc, why);
	if (e == ERR_NOTFOUND)
		return col_fail(why, e, "tcb info: missing");
	if (e != ERR_OK)
		return e;
	if (col->tcb_doc.issuer_chain == NULL)
		return col_fail(why, ERR_NOTFOUND,
		                "tcb info: issuer chain "
		                "missing");
	if ((e = tcbinfo_parse(col->tcb_doc.body, col->tcb_doc.body_len,
	                       &col->tcb_info, detail)) != ERR_OK)
		return col_fail(why, e, "tcb info: %s", detail);
	return ERR_OK;
}

static enum err
col_load_qe(const struct col_source *src, struct collateral *col, char *why)
{
	char detail[TCBINFO_ERROR_SIZE];
	enum err e;

	e = col_load_doc(src, &col_qe_spec, &col->qe_doc, why);
	if (e == ERR_NOTFOUND)
		return ERR_OK;
	if (e != ERR_OK)
		return e;
	if (col->qe_doc.issuer_chain == NULL &&
	    (col->qe_doc.issuer_chain =
	             X509_chain_up_ref(col->tcb_doc.issuer_chain)) == NULL)
		return ERR_NOMEM;
	if ((e = qeid_parse(col->qe_doc.body, col->qe_doc.body_len,
	                    &col->qe_identity, detail)) != ERR_OK) {
		col->qe_doc.present = false;
		return col_fail(why, e, "qe identity: %s", detail);
	}
	return ERR_OK;
}

static enum err
col_load_root(const struct col_source *src, struct collateral *col, char *why)
{
	STACK_OF(X509) *chain = NULL;
	enum err e;

	e = col_load_chain(src, "root_ca.pem", "root_ca", &chain, why);
	if (e != ERR_OK)
		return e == ERR_NOTFOUND ? ERR_OK : e;
	if (sk_X509_num(chain) != 1) {
		sk_X509_pop_free(chain, X509_free);
		return col_fail(why, ERR_INVALID,
		                "root_ca: not exactly one "
		                "certificate");
	}
	col->root = sk_X509_shift(chain);
	sk_X509_free(chain);
	return ERR_OK;
}

static enum err
col_optional(enum err e)
{
	return e == ERR_NOTFOUND ? ERR_OK : e;
}

static enum err
col_load_all(const struct col_source *src, struct collateral *col, char *why)
{
	enum err e;

	if ((e = col_load_tcb(src, col, why)) != ERR_OK ||
	    (e = col_load_qe(src, col, why)) != ERR_OK ||
	    (e = col_load_root(src, col, why)) != ERR_OK)
		return e;
	if ((e = col_optional(col_load_crl(src, "root_ca_crl.der",
	                                   "root_ca_crl", &col->root_crl,
	                                   why))) != ERR_OK ||
	    (e = col_optional(col_load_crl(src, "pck_crl.der", "pck_crl",
	                                   &col->pck_crl, why))) != ERR_OK)
		return e;
	if ((e = col_optional(col_load_chain(
	             src, "pck_crl_issuer_chain.pem", "pck_crl_issuer_chain",
	             &col->pck_crl_issuer_chain, why))) != ERR_OK)
		return e;
	return col_optional(col_load_chain(src, "pck_cert_chain.pem",
	                                   "pck_cert_chain", &col->pck_chain,
	                                   why));
}

static bool
col_hash_chain(EVP_MD_CTX *md, STACK_OF(X509) * chain)
{
	uint8_t d[32];

	for (int i = 0; i < sk_X509_num(chain); i++) {
		if (pki_cert_digest(sk_X509_value(chain, i), d) != ERR_OK ||
		    EVP_DigestUpdate(md, d, sizeof(d)) != 1)
			return false;
	}
	return EVP_DigestUpdate(md, "|", 1) == 1;
}

static bool
col_hash_doc(EVP_MD_CTX *md, const struct signed_doc *doc)
{
	uint64_t len = doc->body_len;

	if (!doc->present)
		return EVP_DigestUpdate(md, "-", 1) == 1;
	return EVP_DigestUpdate(md, &len, sizeof(len)) == 1 &&
	       EVP_DigestUpdate(md, doc->body, doc->body_len) == 1 &&
	       EVP_DigestUpdate(md, doc->signature, 64) == 1 &&
	       col_hash_chain(md, doc->issuer_chain);
}

static bool
col_crl_digest(X509_CRL *crl, uint8_t out[static 32])
{
	unsigned int n = 32;

	if (crl == NULL) {
		memset(out, 0, 32);
		return true;
	}
	return X509_CRL_digest(crl, pki_sha256(), out, &n) == 1;
}

/* Digests computed once, so that verifications only look them up. */
static enum err
col_digest(struct collateral *col)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int n = 32;
	bool ok;

	ok = md != NULL && EVP_DigestInit_ex(md, pki_sha256(), NULL) == 1 &&
	     col_crl_digest(col->root_crl, col->root_crl_digest) &&
	     col_crl_digest(col->pck_crl, col->pck_crl_digest) &&
	     col_hash_doc(md, &col->tcb_doc) &&
	     col_hash_doc(md, &col->qe_doc) &&
	     EVP_DigestUpdate(md, col->root_crl_digest, 32) == 1 &&
	     EVP_DigestUpdate(md, col->pck_crl_digest, 32) == 1 &&
	     col_hash_chain(md, col->pck_chain) &&
	     EVP_DigestFinal_ex(md, col->digest, &n) == 1;
	EVP_MD_CTX_free(md);
	return ok ? ERR_OK : ERR_CRYPTO;
}

static enum err
col_open_json(const char *path, json_t **out, char *why)
{
	json_error_t jerr;
	uint8_t *data;
	size_t len;
	enum err e;

	if ((e = file_read_all(path, COLLATERAL_MAX_FILE, &data, &len)) !=
	    ERR_OK)
		return col_fail(why, e, "%s: cannot read (%s)", path,
		                e == ERR_IO ? strerror(errno) : err_str(e));
	*out = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES,
	                  &jerr);
	free(data);
	if (*out == NULL)
		return col_fail(why, ERR_INVALID, "%s: JSON: %s at line %d",
		                path, jerr.text, jerr.line);
	if (!json_is_object(*out)) {
		json_decref(*out);
		return col_fail(why, ERR_INVALID, "%s: not a JSON object",
		                path);
	}
	return ERR_OK;
}

enum err
collateral_load(const char *path, struct collateral **out,
                char why[static COLLATERAL_ERROR_SIZE])
{
	struct col_source src = {NULL, NULL};
	struct collateral *col;
	struct stat st;
	enum err e;

	if (stat(path, &st) != 0)
		return col_fail(why, ERR_IO, "%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		src.dir = path;
	else if ((e = col_open_json(path, &src.json, why)) != ERR_OK)
		return e;

	if ((col = calloc(1, sizeof(*col))) == NULL) {
		json_decref(src.json);
		return ERR_NOMEM;
	}
	e = col_load_all(&src, col, why);
	json_decref(src.json);
	if (e == ERR_OK && (e = col_digest(col)) != ERR_OK)
		snprintf(why, COLLATERAL_ERROR_SIZE, "cannot compute digests");
	if (e != ERR_OK) {
		collateral_free(col);
		return e;
	}
	*out = col;
	return ERR_OK;
}

static void
col_free_doc(struct signed_doc *doc)
{
	free(doc->body);
	sk_X509_pop_free(doc->issuer_chain, X509_free);
}

void
collateral_free(struct collateral *col)
{
	if (col == NULL)
		return;
	col_free_doc(&col->tcb_doc);
	tcbinfo_free(&col->tcb_info);
	col_free_doc(&col->qe_doc);
	qeid_free(&col->qe_identity);
	X509_CRL_free(col->root_crl);
	X509_CRL_free(col->pck_crl);
	sk_X509_pop_free(col->pck_crl_issuer_chain, X509_free);
	X509_free(col->root);
	sk_X509_pop_free(col->pck_chain, X509_free);
	free(col);
}
