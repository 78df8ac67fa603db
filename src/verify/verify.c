/*
 * The verification of one quote, in the order of Intel's QvE/QVL
 * (reference "quote format" section 3.4): PCK chain and CRLs, TCB info,
 * QE identity, QE report signature and binding, QE identity match, the
 * quote's signature, then the TCB level (section 3.5). Every check either
 * passes or ends the verification with a message naming the check and the
 * object; only date checks are collected and judged at the end, so that a
 * message lists everything outside its validity window at once.
 */
#include "verify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "common/cursor.h"
#include "common/hex.h"
#include "common/timeutil.h"
#include "quote/pck.h"
#include "quote/quote.h"
#include "verify/cache.h"
#include "verify/pki.h"
#include "verify/signed_json.h"
#include "verify/tcbinfo.h"

#define VERIFY_CACHE_MAX  8192
#define VERIFY_CACHE_ROOM 64 /* more than one verification ever adds */
#define PCK_CHAIN_LEN     3

struct verify_ctx {
	X509 *anchor;
	uint8_t anchor_digest[32];
	struct vcache *cache;
};

/* A PCK chain whose links were checked; a cache value. */
struct pck_chain {
	X509 *certs[PCK_CHAIN_LEN]; /* leaf, CA, root */
	uint8_t leaf_digest[32];
	uint8_t ca_digest[32];
	struct pck_ext ext;
};

/* The state of one verification. */
struct vrun {
	struct verify_ctx *ctx;
	const struct collateral *col;
	const struct verify_opts *opts;
	struct verify_result *res;
	struct quote q;
	const struct pck_chain *pck;
	bool col_checked; /* the collateral's signatures are known good */
	uint8_t col_key[32];
	size_t premature_count;
	struct verify_date_issue premature[VERIFY_MAX_DATE_ISSUES];
};

static const char *const verify_skip_names[VERIFY_SKIP_COUNT] = {
        "root_ca_crl",
        "pck_crl",
        "qe_identity",
};

const char *
verify_skip_name(unsigned bit)
{
	for (unsigned i = 0; i < VERIFY_SKIP_COUNT; i++) {
		if (bit == 1u << i)
			return verify_skip_names[i];
	}
	return "unknown";
}

static enum err __attribute__((format(printf, 4, 5)))
vfail(struct vrun *v, enum err e, const char *check, const char *fmt, ...)
{
	struct verify_result *res = v->res;
	va_list ap;
	int n;

	snprintf(res->check, sizeof(res->check), "%s", check);
	n = snprintf(res->message, sizeof(res->message), "%s: ", check);
	if (n < 0 || (size_t)n >= sizeof(res->message))
		return e;
	va_start(ap, fmt);
	vsnprintf(res->message + n, sizeof(res->message) - (size_t)n, fmt, ap);
	va_end(ap);
	return e == ERR_OK ? ERR_INVALID : e;
}

/* Remembers a checked fact; a full cache only means checking it again. */
static void
vremember(struct vrun *v, const uint8_t key[static 32], void *value,
          void (*free_fn)(void *))
{
	if (vcache_put(v->ctx->cache, key, value, free_fn) != ERR_OK &&
	    free_fn != NULL)
		free_fn(value);
}

static void
vcn(const X509 *x, char out[static 80])
{
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName,
	                              out, 80) <= 0)
		snprintf(out, 80, "(no common name)");
}

/* Dates: collected now, judged at the end (see the top of the file). */

static void
vdate_add(struct verify_date_issue *list, size_t *count, const char *object,
          const char *field, time_t when)
{
	struct verify_date_issue *d;

	for (size_t i = 0; i < *count; i++) {
		if (list[i].when == when && strcmp(list[i].field, field) == 0 &&
		    strncmp(list[i].object, object,
		            sizeof(list[i].object) - 1) == 0)
			return; /* one certificate in two chains */
	}
	if (*count >= VERIFY_MAX_DATE_ISSUES)
		return;
	d = &list[(*count)++];
	snprintf(d->object, sizeof(d->object), "%s", object);
	snprintf(d->field, sizeof(d->field), "%s", field);
	d->when = when;
}

static void
vdate_window(struct vrun *v, const char *object, const char *from_field,
             time_t from, const char *to_field, const time_t *to)
{
	struct verify_result *res = v->res;

	if (v->opts->at < from)
		vdate_add(v->premature, &v->premature_count, object, from_field,
		          from);
	if (to != NULL && v->opts->at > *to)
		vdate_add(res->expired, &res->expired_count, object, to_field,
		          *to);
}

static enum err
vdate_cert(struct vrun *v, const char *object, const X509 *x)
{
	time_t from, to;

	if (pki_asn1_time(X509_get0_notBefore(x), &from) != ERR_OK ||
	    pki_asn1_time(X509_get0_notAfter(x), &to) != ERR_OK)
		return vfail(v, ERR_INVALID, "validity",
		             "%s: unreadable validity dates", object);
	vdate_window(v, object, "notBefore", from, "notAfter", &to);
	return ERR_OK;
}

static enum err
vdate_crl(struct vrun *v, const char *object, const X509_CRL *crl)
{
	const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);
	time_t from, to;

	if (pki_asn1_time(X509_CRL_get0_lastUpdate(crl), &from) != ERR_OK ||
	    (next != NULL && pki_asn1_time(next, &to) != ERR_OK))
		return vfail(v, ERR_INVALID, "validity",
		             "%s: unreadable update dates", object);
	vdate_window(v, object, "thisUpdate", from, "nextUpdate",
	             next != NULL ? &to : NULL);
	return ERR_OK;
}

/* Certificate links and chains. */

/* One link: subject's name and signature come from issuer (cached). */
static enum err
vlink(struct vrun *v, X509 *subject, X509 *issuer)
{
	uint8_t ds[32], di[32], key[32];
	struct vcache_part parts[2] = {{ds, 32}, {di, 32}};

	if (pki_cert_digest(subject, ds) != ERR_OK ||
	    pki_cert_digest(issuer, di) != ERR_OK)
		return ERR_CRYPTO;
	vcache_key(key, "x509-link", parts, 2);
	if (vcache_get(v->ctx->cache, key, NULL))
		return ERR_OK;
	if (X509_check_issued(issuer, subject) != X509_V_OK ||
	    X509_verify(subject, X509_get0_pubkey(issuer)) != 1) {
		ERR_clear_error();
		return ERR_CRYPTO;
	}
	vremember(v, key, NULL, NULL);
	return ERR_OK;
}

/* certs[0..n-1], leaf first; the last one must be the trust anchor. */
static enum err
vchain(struct vrun *v, const char *check, X509 *const *certs, size_t n)
{
	char a[80], b[80];

	if (X509_cmp(certs[n - 1], v->ctx->anchor) != 0) {
		vcn(certs[n - 1], a);
		return vfail(v, ERR_CRYPTO, check,
		             "root certificate \"%s\" is not the trust anchor",
		             a);
	}
	for (size_t i = 0; i + 1 < n; i++) {
		if (vlink(v, certs[i], certs[i + 1]) == ERR_OK &&
		    X509_check_ca(certs[i + 1]) > 0)
			continue;
		vcn(certs[i], a);
		vcn(certs[i + 1], b);
		return vfail(v, ERR_CRYPTO, check,
		             "certificate \"%s\" is not signed by CA \"%s\"", a,
		             b);
	}
	return ERR_OK;
}

static enum err
vchain_dates(struct vrun *v, const char *what, X509 *const *certs, size_t n)
{
	char cn[80], object[128];

	for (size_t i = 0; i < n; i++) {
		vcn(certs[i], cn);
		snprintf(object, sizeof(object), "%s \"%s\"", what, cn);
		if (vdate_cert(v, object, certs[i]) != ERR_OK)
			return ERR_INVALID;
	}
	return ERR_OK;
}

/* The PCK chain (section 2.1), from the quote or from the collateral. */

static void
pck_chain_free(void *p)
{
	struct pck_chain *pc = p;

	for (size_t i = 0; i < PCK_CHAIN_LEN; i++)
		X509_free(pc->certs[i]);
	free(pc);
}

static enum err
vpck_check_names(struct vrun *v, X509 *const *certs)
{
	char cn[80];

	if (!pki_cn_contains(certs[0], "SGX PCK Certificate")) {
		vcn(certs[0], cn);
		return vfail(v, ERR_INVALID, "pck_chain",
		             "leaf \"%s\" is not an SGX PCK Certificate", cn);
	}
	if (!pki_cn_contains(certs[1], "SGX PCK") ||
	    !pki_cn_contains(certs[1], " CA")) {
		vcn(certs[1], cn);
		return vfail(v, ERR_INVALID, "pck_chain",
		             "intermediate \"%s\" is not an SGX PCK CA", cn);
	}
	return ERR_OK;
}

/* Checks a chain and keeps it with its SGX extension; takes the certs. */
static enum err
vpck_build(struct vrun *v, X509 **certs, struct pck_chain **out)
{
	struct pck_chain *pc;
	enum err e;

	if ((pc = calloc(1, sizeof(*pc))) == NULL) {
		for (size_t i = 0; i < PCK_CHAIN_LEN; i++)
			X509_free(certs[i]);
		return ERR_NOMEM;
	}
	memcpy(pc->certs, certs, sizeof(pc->certs));
	if ((e = vchain(v, "pck_chain", pc->certs, PCK_CHAIN_LEN)) != ERR_OK ||
	    (e = vpck_check_names(v, pc->certs)) != ERR_OK)
		goto fail;
	if ((e = pck_ext_from_cert(pc->certs[0], &pc->ext)) != ERR_OK) {
		e = vfail(v, e, "pck_chain",
		          "PCK certificate: unreadable SGX extension (%s)",
		          err_str(e));
		goto fail;
	}
	if ((e = pki_cert_digest(pc->certs[0], pc->leaf_digest)) != ERR_OK ||
	    (e = pki_cert_digest(pc->certs[1], pc->ca_digest)) != ERR_OK)
		goto fail;
	*out = pc;
	return ERR_OK;

fail:
	pck_chain_free(pc);
	return e;
}

static enum err
vpck_parse_one(const struct quote_cert_data *cd, size_t i, X509 **out)
{
	const unsigned char *p;

	if (!cd->cert_der)
		return pki_cert_from_pem(cd->certs[i].pem, cd->certs[i].len,
		                         out);
	p = cd->certs[i].der;
	*out = d2i_X509(NULL, &p, (long)cd->certs[i].len);
	ERR_clear_error();
	return *out != NULL ? ERR_OK : ERR_INVALID;
}

static enum err
vpck_from_quote(struct vrun *v, X509 *certs[static PCK_CHAIN_LEN])
{
	const struct quote_cert_data *cd = &v->q.cert;
	size_t i;

	for (i = 0; i < PCK_CHAIN_LEN; i++) {
		if (vpck_parse_one(cd, i, &certs[i]) != ERR_OK)
			break;
	}
	if (i == PCK_CHAIN_LEN)
		return ERR_OK;

	vfail(v, ERR_INVALID, "pck_chain",
	      "quote: certificate %zu does not parse", i + 1);
	while (i-- > 0)
		X509_free(certs[i]);
	return ERR_INVALID;
}

static enum err
vpck_from_collateral(struct vrun *v, X509 *certs[static PCK_CHAIN_LEN])
{
	STACK_OF(X509) *chain = v->col->pck_chain;

	/* vpck_source() has checked that there are three. */
	for (int i = 0; i < PCK_CHAIN_LEN; i++) {
		certs[i] = sk_X509_value(chain, i);
		X509_up_ref(certs[i]);
	}
	return ERR_OK;
}

/* Where the chain comes from, and the cache key of its checked form. */
static enum err
vpck_source(struct vrun *v, bool *in_quote, uint8_t key[static 32])
{
	const struct quote_cert_data *cd = &v->q.cert;
	struct vcache_part parts[1 + PCK_CHAIN_LEN];
	uint8_t digests[PCK_CHAIN_LEN][32];

	parts[0] = (struct vcache_part){v->ctx->anchor_digest, 32};
	*in_quote = cd->type == QUOTE_CERT_PCK_CHAIN;
	if (*in_quote && cd->cert_count != PCK_CHAIN_LEN)
		return vfail(v, ERR_INVALID, "pck_chain",
		             "quote: %zu certificates, expected 3",
		             cd->cert_count);
	if (*in_quote) {
		for (size_t i = 0; i < PCK_CHAIN_LEN; i++)
			parts[i + 1] = (struct vcache_part){cd->certs[i].pem,
			                                    cd->certs[i].len};
		vcache_key(key, "pck-chain", parts, 1 + PCK_CHAIN_LEN);
		return ERR_OK;
	}
	if (v->col->pck_chain == NULL)
		return vfail(v, ERR_NOTFOUND, "pck_chain",
		             "quote: no PCK certificate chain (certification "
		             "data type %u) and none in the collateral",
		             cd->type);
	/* The key covers exactly three certificates: count them first. */
	if (sk_X509_num(v->col->pck_chain) != PCK_CHAIN_LEN)
		return vfail(v, ERR_INVALID, "pck_chain",
		             "pck_cert_chain: %d certificates, expected 3",
		             sk_X509_num(v->col->pck_chain));
	for (int i = 0; i < PCK_CHAIN_LEN; i++) {
		if (pki_cert_digest(sk_X509_value(v->col->pck_chain, i),
		                    digests[i]) != ERR_OK)
			return ERR_CRYPTO;
		parts[i + 1] = (struct vcache_part){digests[i], 32};
	}
	vcache_key(key, "pck-chain-col", parts, 1 + PCK_CHAIN_LEN);
	return ERR_OK;
}

static enum err
vpck(struct vrun *v)
{
	X509 *certs[PCK_CHAIN_LEN];
	struct pck_chain *pc = NULL;
	uint8_t key[32];
	void *cached;
	bool in_quote;
	enum err e;

	if ((e = vpck_source(v, &in_quote, key)) != ERR_OK)
		return e;
	if (vcache_get(v->ctx->cache, key, &cached)) {
		v->pck = cached;
	} else {
		e = in_quote ? vpck_from_quote(v, certs)
		             : vpck_from_collateral(v, certs);
		if (e != ERR_OK || (e = vpck_build(v, certs, &pc)) != ERR_OK)
			return e;
		if (vcache_put(v->ctx->cache, key, pc, pck_chain_free) !=
		    ERR_OK) {
			/* Not expected: vcache_make_room leaves room for all
			 * one verification adds. */
			pck_chain_free(pc);
			return vfail(v, ERR_NOMEM, "pck_chain", "cache full");
		}
		v->pck = pc;
	}
	v->res->has_fmspc = true;
	memcpy(v->res->fmspc, v->pck->ext.fmspc, sizeof(v->res->fmspc));
	return vchain_dates(v, "PCK chain certificate", v->pck->certs,
	                    PCK_CHAIN_LEN);
}

/* CRLs (section 2.1): issuer, extensions, signature, dates. */

/* The issuer, extensions and signature of a CRL, then its dates. */
static enum err
vcrl(struct vrun *v, const char *name, X509_CRL *crl, X509 *issuer,
     const uint8_t crl_digest[static 32],
     const uint8_t issuer_digest[static 32])
{
	struct vcache_part parts[2] = {{crl_digest, 32}, {issuer_digest, 32}};
	uint8_t key[32];
	char cn[80];

	vcache_key(key, "crl", parts, 2);
	if (vcache_get(v->ctx->cache, key, NULL))
		return vdate_crl(v, name, crl);

	vcn(issuer, cn);
	if (X509_NAME_cmp(X509_CRL_get_issuer(crl),
	                  X509_get_subject_name(issuer)) != 0)
		return vfail(v, ERR_INVALID, name, "not issued by \"%s\"", cn);
	if (X509_CRL_get_ext_by_NID(crl, NID_crl_number, -1) < 0 ||
	    X509_CRL_get_ext_by_NID(crl, NID_authority_key_identifier, -1) < 0)
		return vfail(v, ERR_INVALID, name,
		             "lacks the CRL Number or Authority Key Identifier "
		             "extension");
	if (X509_CRL_verify(crl, X509_get0_pubkey(issuer)) != 1) {
		ERR_clear_error();
		return vfail(v, ERR_CRYPTO, name,
		             "signature does not verify with the key of \"%s\"",
		             cn);
	}
	vremember(v, key, NULL, NULL);
	return vdate_crl(v, name, crl);
}

static enum err
vnot_revoked(struct vrun *v, X509_CRL *crl, const char *crl_name, X509 *cert)
{
	X509_REVOKED *rev;
	char cn[80];

	if (X509_CRL_get0_by_cert(crl, &rev, cert) != 1)
		return ERR_OK;
	vcn(cert, cn);
	return vfail(v, ERR_CRYPTO, "revocation",
	             "certificate \"%s\" is revoked by the %s", cn, crl_name);
}

static enum err
vcrls(struct vrun *v)
{
	X509 *const *certs = v->pck->certs;
	enum err e;

	if (v->col->root_crl == NULL) {
		v->res->skipped |= VERIFY_SKIP_ROOT_CA_CRL;
	} else if ((e = vcrl(v, "root_ca_crl", v->col->root_crl, v->ctx->anchor,
	                     v->col->root_crl_digest, v->ctx->anchor_digest)) !=
	                   ERR_OK ||
	           (e = vnot_revoked(v, v->col->root_crl, "root_ca_crl",
	                             certs[1])) != ERR_OK) {
		return e;
	}

	if (v->col->pck_crl == NULL) {
		v->res->skipped |= VERIFY_SKIP_PCK_CRL;
		return ERR_OK;
	}
	if ((e = vcrl(v, "pck_crl", v->col->pck_crl, certs[1],
	              v->col->pck_crl_digest, v->pck->ca_digest)) != ERR_OK)
		return e;
	return vnot_revoked(v, v->col->pck_crl, "pck_crl", certs[0]);
}

/* Signed collateral (sections 3.2, 3.3): chain, signer, signature. */

static enum err
vdoc_signature(struct vrun *v, const char *name, const struct signed_doc *doc,
               X509 *signer)
{
	uint8_t ds[32], key[32];
	struct vcache_part parts[3] = {
	        {doc->body, doc->body_len}, {doc->signature, 64}, {ds, 32}};

	if (pki_cert_digest(signer, ds) != ERR_OK)
		return ERR_CRYPTO;
	vcache_key(key, "signed-doc", parts, 3);
	if (vcache_get(v->ctx->cache, key, NULL))
		return ERR_OK;
	if (sjson_verify(X509_get0_pubkey(signer), doc->body, doc->body_len,
	                 doc->signature) != ERR_OK)
		return vfail(v, ERR_CRYPTO, name,
		             "signature does not verify with the TCB Signing "
		             "certificate");
	vremember(v, key, NULL, NULL);
	return ERR_OK;
}

static enum err
vdoc(struct vrun *v, const char *name, const struct signed_doc *doc)
{
	X509 *certs[PKI_MAX_CHAIN];
	char check[40], cn[80];
	int n = sk_X509_num(doc->issuer_chain);
	enum err e;

	snprintf(check, sizeof(check), "%s_issuer_chain", name);
	if (n < 2 || n > PKI_MAX_CHAIN)
		return vfail(v, ERR_INVALID, check,
		             "%d certificates, expected the TCB Signing "
		             "certificate and the root",
		             n);
	for (int i = 0; i < n; i++)
		certs[i] = sk_X509_value(doc->issuer_chain, i);
	if (!v->col_checked &&
	    (e = vchain(v, check, certs, (size_t)n)) != ERR_OK)
		return e;
	if (!pki_cn_contains(certs[0], "SGX TCB Signing")) {
		vcn(certs[0], cn);
		return vfail(v, ERR_INVALID, check,
		             "signer \"%s\" is not an SGX TCB Signing "
		             "certificate",
		             cn);
	}
	if (vchain_dates(v, "TCB signing chain certificate", certs,
	                 (size_t)n) != ERR_OK)
		return ERR_INVALID;
	if (v->col->root_crl != NULL &&
	    (e = vnot_revoked(v, v->col->root_crl, "root_ca_crl", certs[0])) !=
	            ERR_OK)
		return e;
	return v->col_checked ? ERR_OK : vdoc_signature(v, name, doc, certs[0]);
}

static enum err
vtcb_info(struct vrun *v)
{
	const struct tcb_info *ti = &v->col->tcb_info;
	const struct pck_ext *ext = &v->pck->ext;
	char a[16], b[16];
	enum err e;

	if ((e = vdoc(v, "tcb_info", &v->col->tcb_doc)) != ERR_OK)
		return e;
	if (ti->version == 3 && strcmp(ti->id, "SGX") != 0)
		return vfail(v, ERR_INVALID, "tcb_info", "id \"%s\" is not SGX",
		             ti->id);
	if (memcmp(ti->fmspc, ext->fmspc, sizeof(ti->fmspc)) != 0) {
		hex_encode_upper(ti->fmspc, sizeof(ti->fmspc), a);
		hex_encode_upper(ext->fmspc, sizeof(ext->fmspc), b);
		return vfail(v, ERR_INVALID, "tcb_info",
		             "FMSPC %s differs from the PCK certificate's %s",
		             a, b);
	}
	if (memcmp(ti->pceid, ext->pceid, sizeof(ti->pceid)) != 0) {
		hex_encode_upper(ti->pceid, sizeof(ti->pceid), a);
		hex_encode_upper(ext->pceid, sizeof(ext->pceid), b);
		return vfail(v, ERR_INVALID, "tcb_info",
		             "PCE-ID %s differs from the PCK certificate's %s",
		             a, b);
	}
	vdate_window(v, "tcb_info", "issueDate", ti->issue_date, "nextUpdate",
	             &ti->next_update);
	return ERR_OK;
}

/*
 * The chains and signatures of the collateral depend only on it and the
 * trust anchor: once they passed, one digest stands for all of them.
 */
static void
vcollateral_lookup(struct vrun *v)
{
	struct vcache_part parts[2] = {{v->col->digest, 32},
	                               {v->ctx->anchor_digest, 32}};

	vcache_key(v->col_key, "collateral", parts, 2);
	v->col_checked = vcache_get(v->ctx->cache, v->col_key, NULL);
}

static void
vcollateral_remember(struct vrun *v)
{
	if (!v->col_checked)
		vremember(v, v->col_key, NULL, NULL);
}

static enum err
vqe_identity_doc(struct vrun *v)
{
	const struct qe_identity *qe = &v->col->qe_identity;
	enum err e;

	if (!v->col->qe_doc.present) {
		v->res->skipped |= VERIFY_SKIP_QE_IDENTITY;
		return ERR_OK;
	}
	if ((e = vdoc(v, "qe_identity", &v->col->qe_doc)) != ERR_OK)
		return e;
	if (strcmp(qe->id, "QE") != 0)
		return vfail(v, ERR_INVALID, "qe_identity",
		             "id \"%s\" is not QE (SGX quoting enclave)",
		             qe->id);
	vdate_window(v, "qe_identity", "issueDate", qe->issue_date,
	             "nextUpdate", &qe->next_update);
	return ERR_OK;
}

/* The QE (section 1.5): PCK signature over its report, key binding. */

static enum err
vqe_report_signature(struct vrun *v)
{
	uint8_t key[32];
	struct vcache_part parts[3] = {
	        {v->pck->leaf_digest, 32},
	        {v->q.qe_report_raw, SGX_REPORT_BODY_SIZE},
	        {v->q.qe_report_sig, QUOTE_SIG_SIZE},
	};

	vcache_key(key, "qe-report", parts, 3);
	if (vcache_get(v->ctx->cache, key, NULL))
		return ERR_OK;
	if (pki_verify_raw(X509_get0_pubkey(v->pck->certs[0]),
	                   v->q.qe_report_raw, SGX_REPORT_BODY_SIZE,
	                   v->q.qe_report_sig) != ERR_OK)
		return vfail(
		        v, ERR_CRYPTO, "qe_report_signature",
		        "QE report: signature does not verify with the PCK "
		        "certificate's key");
	vremember(v, key, NULL, NULL);
	return ERR_OK;
}

static enum err
vqe_binding(struct vrun *v)
{
	uint8_t md[32];
	unsigned int n = sizeof(md);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok;

	ok = ctx != NULL && EVP_DigestInit_ex(ctx, pki_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, v->q.att_key, QUOTE_ATT_KEY_SIZE) == 1 &&
	     EVP_DigestUpdate(ctx, v->q.auth_data, v->q.auth_data_len) == 1 &&
	     EVP_DigestFinal_ex(ctx, md, &n) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return ERR_CRYPTO;
	/* Only the first half is compared: QE3 zeroes the rest. */
	if (CRYPTO_memcmp(md, v->q.qe_report.report_data.d, 32) != 0)
		return vfail(v, ERR_CRYPTO, "qe_binding",
		             "QE report: report data is not SHA-256 of the "
		             "attestation key and QE authentication data");
	return ERR_OK;
}

static void
vadd_advisories(struct verify_result *res, const json_t *ids)
{
	size_t i, j;
	const json_t *id;

	json_array_foreach(ids, i, id)
	{
		const char *s = json_string_value(id);

		for (j = 0; j < res->advisory_count; j++) {
			if (strcmp(res->advisory_ids[j], s) == 0)
				break;
		}
		if (j < res->advisory_count ||
		    res->advisory_count == VERIFY_MAX_ADVISORIES)
			continue;
		snprintf(res->advisory_ids[res->advisory_count++],
		         VERIFY_ADVISORY_SIZE, "%s", s);
	}
}

/* Section 3.4 F6: masked MISCSELECT and attributes, signer, product. */
static enum err
vqe_match_identity(struct vrun *v, const struct qe_identity *qe)
{
	const sgx_report_body_t *r = &v->q.qe_report;
	uint8_t attr[16];

	for (int i = 0; i < 8; i++) {
		attr[i] = (uint8_t)(r->attributes.flags >> (8 * i));
		attr[8 + i] = (uint8_t)(r->attributes.xfrm >> (8 * i));
	}
	if ((r->misc_select & qe->miscselect_mask) != qe->miscselect)
		return vfail(v, ERR_INVALID, "qe_identity",
		             "QE MISCSELECT %08x does not match",
		             r->misc_select);
	for (int i = 0; i < 16; i++) {
		if ((attr[i] & qe->attributes_mask[i]) != qe->attributes[i])
			return vfail(v, ERR_INVALID, "qe_identity",
			             "QE attributes do not match");
	}
	if (memcmp(r->mr_signer.m, qe->mrsigner, sizeof(qe->mrsigner)) != 0)
		return vfail(v, ERR_INVALID, "qe_identity",
		             "QE MRSIGNER does not match");
	if (r->isv_prod_id != qe->isvprodid)
		return vfail(v, ERR_INVALID, "qe_identity",
		             "QE ISVPRODID %u is not %u", r->isv_prod_id,
		             qe->isvprodid);
	return ERR_OK;
}

static enum err
vqe_identity(struct vrun *v)
{
	const struct qe_identity *qe = &v->col->qe_identity;
	const struct qe_level *level;
	enum err e;

	if (!v->col->qe_doc.present)
		return ERR_OK;
	if ((e = vqe_match_identity(v, qe)) != ERR_OK)
		return e;
	if ((level = qeid_match(qe, v->q.qe_report.isv_svn)) == NULL)
		return vfail(
		        v, ERR_INVALID, "qe_identity",
		        "no TCB level for QE ISVSVN %u (TCB not supported)",
		        v->q.qe_report.isv_svn);
	v->res->has_qe_status = true;
	v->res->qe_status = level->status;
	return ERR_OK;
}

/* The quote's own signature (section 1.5), with a cached key. */

struct att_key {
	EVP_PKEY *key;
	EVP_PKEY_CTX *verifier;
};

static void
att_key_free(void *p)
{
	struct att_key *ak = p;

	EVP_PKEY_CTX_free(ak->verifier);
	EVP_PKEY_free(ak->key);
	free(ak);
}

static enum err
att_key_new(const uint8_t xy[static 64], struct att_key **out)
{
	struct att_key *ak = calloc(1, sizeof(*ak));
	enum err e;

	if (ak == NULL)
		return ERR_NOMEM;
	if ((e = pki_key_from_raw(xy, &ak->key)) != ERR_OK ||
	    (e = pki_verifier_new(ak->key, &ak->verifier)) != ERR_OK) {
		att_key_free(ak);
		return e;
	}
	*out = ak;
	return ERR_OK;
}

static enum err
vatt_key(struct vrun *v, struct att_key **out)
{
	struct vcache_part part = {v->q.att_key, QUOTE_ATT_KEY_SIZE};
	uint8_t key[32];
	void *cached;

	vcache_key(key, "att-key", &part, 1);
	if (vcache_get(v->ctx->cache, key, &cached)) {
		*out = cached;
		return ERR_OK;
	}
	if (att_key_new(v->q.att_key, out) != ERR_OK)
		return vfail(v, ERR_INVALID, "quote_signature",
		             "attestation key is not a P-256 point");
	if (vcache_put(v->ctx->cache, key, *out, att_key_free) != ERR_OK) {
		att_key_free(*out);
		return vfail(v, ERR_NOMEM, "quote_signature", "cache full");
	}
	return ERR_OK;
}

static enum err
vquote_signature(struct vrun *v)
{
	const uint8_t *signed_part;
	struct att_key *ak = NULL;
	struct cursor c;
	enum err e;

	if ((e = vatt_key(v, &ak)) != ERR_OK)
		return e;
	cursor_init(&c, v->q.raw, v->q.raw_len);
	if (cursor_bytes(&c, v->q.signed_len, &signed_part) != ERR_OK ||
	    pki_verify_with(ak->verifier, signed_part, v->q.signed_len,
	                    v->q.signature) != ERR_OK)
		return vfail(v, ERR_CRYPTO, "quote_signature",
		             "quote: signature does not verify with the "
		             "attestation key");
	return ERR_OK;
}

/* Section 3.5: the platform's level, then convergence with the QE. */
static enum err
vtcb_level(struct vrun *v)
{
	const struct pck_ext *ext = &v->pck->ext;
	const struct tcb_level *level;
	struct verify_result *res = v->res;
	char comps[40];

	level = tcbinfo_match(&v->col->tcb_info, ext->comp_svn, ext->pcesvn);
	if (level == NULL) {
		hex_encode(ext->comp_svn, sizeof(ext->comp_svn), comps);
		return vfail(v, ERR_INVALID, "tcb_level",
		             "TCB not supported: no level of tcb_info is at or "
		             "below the PCK certificate's TCB (components %s, "
		             "PCESVN %u)",
		             comps, ext->pcesvn);
	}
	res->has_status = true;
	res->platform_status = level->status;
	res->status = level->status;
	vadd_advisories(res, level->advisory_ids);
	if (res->has_qe_status) {
		res->status =
		        tcb_status_converge(level->status, res->qe_status);
		vadd_advisories(res, qeid_match(&v->col->qe_identity,
		                                v->q.qe_report.isv_svn)
		                             ->advisory_ids);
	}
	return ERR_OK;
}

static enum err
vdates_final(struct vrun *v)
{
	char at[TIMEUTIL_RFC3339_SIZE], when[TIMEUTIL_RFC3339_SIZE];
	char *msg = v->res->message;
	size_t len;

	v->res->collateral_expired = v->res->expired_count > 0;
	if (v->premature_count == 0)
		return ERR_OK;
	timeutil_format_rfc3339(v->opts->at, at);
	vfail(v, ERR_INVALID, "validity", "not yet valid at %s:", at);
	for (size_t i = 0; i < v->premature_count; i++) {
		const struct verify_date_issue *d = &v->premature[i];

		timeutil_format_rfc3339(d->when, when);
		len = strlen(msg);
		snprintf(msg + len, VERIFY_MESSAGE_SIZE - len, "%s %s %s %s",
		         i == 0 ? "" : ",", d->object, d->field, when);
	}
	return ERR_INVALID;
}

static enum err
vstrict(struct vrun *v)
{
	char *msg = v->res->message;
	size_t len;

	if (!v->opts->strict || v->res->skipped == 0)
		return ERR_OK;
	vfail(v, ERR_NOTFOUND, "strict",
	      "checks not made for lack of "
	      "collateral:");
	for (unsigned bit = 1; bit < 1u << VERIFY_SKIP_COUNT; bit <<= 1) {
		if ((v->res->skipped & bit) == 0)
			continue;
		len = strlen(msg);
		snprintf(msg + len, VERIFY_MESSAGE_SIZE - len, " %s",
		         verify_skip_name(bit));
	}
	return ERR_NOTFOUND;
}

static enum err
vparse(struct vrun *v, const uint8_t *quote, size_t len)
{
	enum err e = quote_parse(quote, len, &v->q);
	bool tdx = v->q.header.tee_type == QUOTE_TEE_TYPE_TDX;

	if ((e == ERR_OK || e == ERR_UNSUPPORTED) && tdx)
		return vfail(v, ERR_UNSUPPORTED, "unsupported",
		             "quote: TDX quotes are not supported yet");
	if (e != ERR_OK)
		return vfail(v, e, "quote",
		             "malformed or unsupported quote (%s)", err_str(e));
	if (v->q.kind != QUOTE_KIND_SGX_V3 && v->q.kind != QUOTE_KIND_SGX_V5)
		return vfail(v, ERR_UNSUPPORTED, "unsupported", "quote: %s",
		             quote_kind_name(v->q.kind));
	v->res->has_enclave = true;
	v->res->enclave = v->q.report;
	if (memcmp(v->q.header.qe_vendor_id, quote_intel_qe_vendor_id, 16) != 0)
		return vfail(v, ERR_INVALID, "quote",
		             "QE vendor ID is not Intel's");
	return ERR_OK;
}

/* Every failure names a check: one that failed without saying which (a
 * digest or an allocation that failed) is an internal error. */
static enum err
vnamed(struct vrun *v, enum err e)
{
	if (e != ERR_OK && v->res->check[0] == '\0')
		return vfail(v, e, "internal", "%s", err_str(e));
	return e;
}

enum err
verify_quote(struct verify_ctx *ctx, const struct collateral *col,
             const uint8_t *quote, size_t len, const struct verify_opts *opts,
             struct verify_result *res)
{
	struct vrun v = {.ctx = ctx, .col = col, .opts = opts, .res = res};
	enum err e;

	memset(res, 0, sizeof(*res));
	vcache_make_room(ctx->cache, VERIFY_CACHE_ROOM);

	vcollateral_lookup(&v);
	if ((e = vparse(&v, quote, len)) != ERR_OK ||
	    (e = vpck(&v)) != ERR_OK || (e = vcrls(&v)) != ERR_OK ||
	    (e = vtcb_info(&v)) != ERR_OK ||
	    (e = vqe_identity_doc(&v)) != ERR_OK)
		return vnamed(&v, e);
	vcollateral_remember(&v);

	if ((e = vqe_report_signature(&v)) != ERR_OK ||
	    (e = vqe_binding(&v)) != ERR_OK ||
	    (e = vqe_identity(&v)) != ERR_OK ||
	    (e = vquote_signature(&v)) != ERR_OK ||
	    (e = vtcb_level(&v)) != ERR_OK || (e = vdates_final(&v)) != ERR_OK)
		return vnamed(&v, e);
	return vnamed(&v, vstrict(&v));
}

enum err
verify_ctx_new(X509 *anchor, struct verify_ctx **out)
{
	struct verify_ctx *ctx;
	enum err e;

	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		return ERR_NOMEM;
	if (anchor != NULL && X509_up_ref(anchor) == 1)
		ctx->anchor = anchor;
	else if (anchor == NULL && (e = pki_intel_root(&ctx->anchor)) != ERR_OK)
		goto fail;
	e = ERR_CRYPTO;
	if (ctx->anchor == NULL ||
	    X509_check_issued(ctx->anchor, ctx->anchor) != X509_V_OK ||
	    X509_verify(ctx->anchor, X509_get0_pubkey(ctx->anchor)) != 1 ||
	    pki_cert_digest(ctx->anchor, ctx->anchor_digest) != ERR_OK)
		goto fail;
	if ((e = vcache_new(VERIFY_CACHE_MAX, &ctx->cache)) != ERR_OK)
		goto fail;
	*out = ctx;
	return ERR_OK;

fail:
	ERR_clear_error();
	verify_ctx_free(ctx);
	return e;
}

void
verify_ctx_free(struct verify_ctx *ctx)
{
	if (ctx == NULL)
		return;
	vcache_free(ctx->cache);
	X509_free(ctx->anchor);
	free(ctx);
}

size_t
verify_ctx_cached(const struct verify_ctx *ctx)
{
	return vcache_count(ctx->cache);
}
