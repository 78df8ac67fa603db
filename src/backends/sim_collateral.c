#include "backends/sim_collateral.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "backends/sim_pki.h"
#include "backends/sim_platform.h"
#include "backends/sim_state.h"
#include "common/buf.h"
#include "common/file.h"
#include "common/hex.h"
#include "common/log.h"
#include "common/timeutil.h"

/* Bumped when the simulated TCB changes, as Intel bumps theirs. */
#define SIM_TCB_EVALUATION_NUMBER 1
#define SIM_TCB_DATE_CURRENT      "2024-11-12T00:00:00Z"
#define SIM_TCB_DATE_OLD          "2023-08-08T00:00:00Z"

/* QE identity masks of Intel's QE3 identity (section 3.3): MODE64BIT and
 * XFRM are not part of the identity. */
static const uint8_t qe_attributes_mask[16] = {
        0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

struct collateral_dates {
	char issue[TIMEUTIL_RFC3339_SIZE];
	char next[TIMEUTIL_RFC3339_SIZE];
	time_t now;
	time_t until;
};

static char *
hex_upper(const uint8_t *data, size_t len, char *out)
{
	hex_encode_upper(data, len, out);
	return out;
}

/* ---- TCB info v3 (section 3.2) ---- */

static json_t *
tcb_components(const uint8_t svn[static 16])
{
	json_t *arr = json_array();

	for (int i = 0; arr != NULL && i < 16; i++) {
		if (json_array_append_new(
		            arr, json_pack("{s:i}", "svn", (int)svn[i])) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* A TCB level (of TCB info or QE identity) with its advisory, if any;
 * NULL, and the level freed, when something fails. */
static json_t *
level_with_advisory(json_t *level, const char *advisory)
{
	if (level != NULL && advisory != NULL &&
	    json_object_set_new(level, "advisoryIDs",
	                        json_pack("[s]", advisory)) != 0) {
		json_decref(level);
		return NULL;
	}
	return level;
}

static json_t *
tcb_level(const uint8_t svn[static 16], int pcesvn, const char *date,
          const char *status, const char *advisory)
{
	json_t *level =
	        json_pack("{s:{s:o,s:i},s:s,s:s}", "tcb", "sgxtcbcomponents",
	                  tcb_components(svn), "pcesvn", pcesvn, "tcbDate",
	                  date, "tcbStatus", status);

	return level_with_advisory(level, advisory);
}

static json_t *
tcb_info_new(const struct collateral_dates *d)
{
	char fmspc[2 * sizeof(sim_fmspc) + 1];
	char pceid[2 * sizeof(sim_pceid) + 1];

	return json_pack(
	        "{s:s,s:i,s:s,s:s,s:s,s:s,s:i,s:i,s:[o,o]}", "id", "SGX",
	        "version", 3, "issueDate", d->issue, "nextUpdate", d->next,
	        "fmspc", hex_upper(sim_fmspc, sizeof(sim_fmspc), fmspc),
	        "pceId", hex_upper(sim_pceid, sizeof(sim_pceid), pceid),
	        "tcbType", 0, "tcbEvaluationDataNumber",
	        SIM_TCB_EVALUATION_NUMBER, "tcbLevels",
	        tcb_level(sim_comp_svn, SIM_PCK_PCESVN, SIM_TCB_DATE_CURRENT,
	                  "UpToDate", NULL),
	        tcb_level(sim_old_comp_svn, SIM_OLD_PCESVN, SIM_TCB_DATE_OLD,
	                  "OutOfDate", SIM_ADVISORY_ID));
}

/* ---- QE identity v2 (section 3.3) ---- */

static json_t *
qe_level(int isvsvn, const char *date, const char *status, const char *advisory)
{
	json_t *level = json_pack("{s:{s:i},s:s,s:s}", "tcb", "isvsvn", isvsvn,
	                          "tcbDate", date, "tcbStatus", status);

	return level_with_advisory(level, advisory);
}

/* ATTRIBUTES as the identity states them: the QE's, under the mask. */
static void
qe_attributes(const sgx_report_body_t *qe, uint8_t out[static 16])
{
	struct buf b;

	buf_init(&b, 16);
	buf_put_u64le(&b, qe->attributes.flags);
	buf_put_u64le(&b, qe->attributes.xfrm);
	memset(out, 0, 16);
	if (b.err == ERR_OK && b.len == 16) {
		for (size_t i = 0; i < 16; i++)
			out[i] = b.data[i] & qe_attributes_mask[i];
	}
	buf_free(&b);
}

static json_t *
qe_identity_new(const struct collateral_dates *d)
{
	sgx_report_body_t qe;
	uint8_t attributes[16];
	char attr_hex[33], mask_hex[33], signer_hex[65];

	sim_qe_identity_body(&qe);
	qe_attributes(&qe, attributes);
	return json_pack(
	        "{s:s,s:i,s:s,s:s,s:i,s:s,s:s,s:s,s:s,s:s,s:i,s:[o,o]}", "id",
	        "QE", "version", 2, "issueDate", d->issue, "nextUpdate",
	        d->next, "tcbEvaluationDataNumber", SIM_TCB_EVALUATION_NUMBER,
	        "miscselect", "00000000", "miscselectMask", "FFFFFFFF",
	        "attributes", hex_upper(attributes, 16, attr_hex),
	        "attributesMask", hex_upper(qe_attributes_mask, 16, mask_hex),
	        "mrsigner", hex_upper(qe.mr_signer.m, 32, signer_hex),
	        "isvprodid", (int)qe.isv_prod_id, "tcbLevels",
	        qe_level(SIM_QE_SVN, SIM_TCB_DATE_CURRENT, "UpToDate", NULL),
	        qe_level(SIM_OLD_QE_SVN, SIM_TCB_DATE_OLD, "OutOfDate",
	                 SIM_ADVISORY_ID));
}

/*
 * A PCS response body: {"<name>":<object>,"signature":"<r||s hex>"}, the
 * signature over the exact compact bytes of the object as they appear.
 */
static enum err
signed_body(json_t *obj, const char *name, EVP_PKEY *key, struct buf *out)
{
	uint8_t sig[SIM_SIG_SIZE];
	char sig_hex[2 * SIM_SIG_SIZE + 1];
	char *text;
	enum err e;

	if (obj == NULL || (text = json_dumps(obj, JSON_COMPACT)) == NULL)
		return ERR_NOMEM;
	if ((e = sim_pki_sign(key, text, strlen(text), sig)) == ERR_OK) {
		hex_encode(sig, sizeof(sig), sig_hex);
		buf_put(out, "{\"", 2);
		buf_put(out, name, strlen(name));
		buf_put(out, "\":", 2);
		buf_put(out, text, strlen(text));
		buf_put(out, ",\"signature\":\"", 14);
		buf_put(out, sig_hex, strlen(sig_hex));
		buf_put(out, "\"}", 2);
		e = out->err;
	}
	free(text);
	return e;
}

/* ---- files ---- */

static enum err
export_write(const char *dir, const char *name, const void *data, size_t len)
{
	char path[PATH_MAX];
	enum err e;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path)) {
		errno = ENAMETOOLONG;
		return ERR_IO;
	}
	if ((e = file_write_atomic(path, data, len, 0644)) != ERR_OK)
		log_error_errno("event=collateral_write path=%s", path);
	return e;
}

static void
buf_put_pem(struct buf *b, X509 *cert)
{
	char *pem;
	size_t len;

	if (b->err != ERR_OK)
		return;
	if ((b->err = sim_state_cert_pem(cert, &pem, &len)) != ERR_OK)
		return;
	buf_put(b, pem, len);
	free(pem);
}

/* Concatenated PEM, leaf first, as PCS issuer-chain headers give it. */
static enum err
export_chain(const char *dir, const char *name, X509 *first, X509 *second)
{
	struct buf b;
	enum err e;

	buf_init(&b, 0);
	buf_put_pem(&b, first);
	if (second != NULL)
		buf_put_pem(&b, second);
	e = b.err;
	if (e == ERR_OK)
		e = export_write(dir, name, b.data, b.len);
	buf_free(&b);
	return e;
}

static enum err
export_crl(const char *dir, const char *name, X509 *issuer, EVP_PKEY *key,
           const struct collateral_dates *d)
{
	X509_CRL *crl;
	unsigned char *der = NULL;
	int len;
	enum err e;

	if ((e = sim_pki_crl_new(issuer, key, d->now, d->until, &crl)) !=
	    ERR_OK)
		return e;
	len = i2d_X509_CRL(crl, &der);
	X509_CRL_free(crl);
	if (len <= 0)
		return ERR_CRYPTO;
	e = export_write(dir, name, der, (size_t)len);
	OPENSSL_free(der);
	return e;
}

static enum err
export_json(const char *dir, const char *name, json_t *obj, const char *key,
            EVP_PKEY *signer)
{
	struct buf b;
	enum err e;

	buf_init(&b, 0);
	e = signed_body(obj, key, signer, &b);
	json_decref(obj);
	if (e == ERR_OK)
		e = export_write(dir, name, b.data, b.len);
	buf_free(&b);
	return e;
}

static enum err
export_all(const struct sim_state *st, const char *dir,
           const struct collateral_dates *d)
{
	enum err e;

	if ((e = export_chain(dir, "root_ca.pem", st->root, NULL)) != ERR_OK ||
	    (e = export_chain(dir, "tcb_info_issuer_chain.pem", st->tcb,
	                      st->root)) != ERR_OK ||
	    (e = export_chain(dir, "qe_identity_issuer_chain.pem", st->tcb,
	                      st->root)) != ERR_OK ||
	    (e = export_chain(dir, "pck_crl_issuer_chain.pem", st->ca,
	                      st->root)) != ERR_OK)
		return e;
	if ((e = export_crl(dir, "pck_crl.der", st->ca, st->ca_key, d)) !=
	            ERR_OK ||
	    (e = export_crl(dir, "root_ca_crl.der", st->root, st->root_key,
	                    d)) != ERR_OK)
		return e;
	if ((e = export_json(dir, "tcb_info.json", tcb_info_new(d), "tcbInfo",
	                     st->tcb_key)) != ERR_OK)
		return e;
	return export_json(dir, "qe_identity.json", qe_identity_new(d),
	                   "enclaveIdentity", st->tcb_key);
}

enum err
sim_collateral_export(const char *state_dir, const char *out_dir, time_t now)
{
	struct collateral_dates d = {
	        .now = now,
	        .until = now + (time_t)SIM_COLLATERAL_DAYS * 86400,
	};
	struct sim_state *st;
	enum err e;

	timeutil_format_rfc3339(d.now, d.issue);
	timeutil_format_rfc3339(d.until, d.next);
	if ((e = sim_state_open(state_dir, &st)) != ERR_OK)
		return e;
	if ((e = file_mkdir_p(out_dir, 0755)) != ERR_OK)
		log_error_errno("event=collateral_dir dir=%s", out_dir);
	else
		e = export_all(st, out_dir, &d);
	sim_state_free(st);
	return e;
}
