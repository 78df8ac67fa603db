/*
 * Intel DCAP quotes: parse (v3 SGX; v4/v5 TDX recognized) and build (v3).
 *
 * Layout: reference "quote format" sections 1.1-1.7 (Intel's sgx_quote_3.h,
 * sgx_quote_4.h, sgx_quote_5.h). A parsed quote is a view: its pointers
 * point into the caller's buffer, which must outlive it.
 */
#ifndef SQH_QUOTE_QUOTE_H
#define SQH_QUOTE_QUOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "sgxqh/sgx_types.h"

#define QUOTE_HEADER_SIZE           48
#define QUOTE_V3_SIGNED_SIZE        432 /* header + SGX report body */
#define QUOTE_SIG_SIZE              64  /* ECDSA P-256 r||s, big-endian */
#define QUOTE_ATT_KEY_SIZE          64  /* P-256 X||Y, big-endian */
#define QUOTE_ECDSA_FIXED_SIZE      576 /* sig, key, QE report, QE sig */
#define QUOTE_V3_MIN_SIZE           1020
#define QUOTE_MAX_CERTS             8
#define QUOTE_ATT_KEY_TYPE_ECDSA256 2
#define QUOTE_TEE_TYPE_SGX          0x00000000u
#define QUOTE_TEE_TYPE_TDX          0x00000081u
#define QUOTE_TD10_BODY_SIZE        584
#define QUOTE_TD15_BODY_SIZE        648

extern const uint8_t quote_intel_qe_vendor_id[16];

enum quote_kind {
	QUOTE_KIND_SGX_V3 = 0,
	QUOTE_KIND_TDX_V4, /* TD report 1.0 */
	QUOTE_KIND_TDX_V5, /* TD report 1.0 or 1.5, with body descriptor */
	QUOTE_KIND_SGX_V5, /* SGX report body in a v5 envelope */
};

enum quote_cert_type {
	QUOTE_CERT_PPID_CLEARTEXT = 1,
	QUOTE_CERT_PPID_RSA2048 = 2,
	QUOTE_CERT_PPID_RSA3072 = 3,
	QUOTE_CERT_PCK_CLEARTEXT = 4,
	QUOTE_CERT_PCK_CHAIN = 5,
	QUOTE_CERT_QE_REPORT = 6,
	QUOTE_CERT_PLATFORM_MANIFEST = 7,
};

struct quote_header {
	uint16_t version;
	uint16_t att_key_type;
	uint32_t tee_type; /* att_key_data_0 in v3 */
	uint16_t qe_svn;
	uint16_t pce_svn;
	uint8_t qe_vendor_id[16];
	uint8_t user_data[20]; /* QE_ID (16) and four zero bytes */
};

struct quote_pem {
	union {
		/* "-----BEGIN CERTIFICATE-----" .. "-----END ...-----" */
		const char *pem;
		const uint8_t *der; /* when the chain is DER (cert_der) */
	};
	size_t len;
};

struct quote_cert_data {
	uint16_t type;
	const uint8_t *data;
	uint32_t size;

	/* Types 1-3: encrypted (or clear) PPID and the platform's TCB. */
	const uint8_t *ppid;
	size_t ppid_len; /* 16, 256 or 384 */
	uint8_t cpusvn[16];
	uint16_t pcesvn;
	uint16_t pceid;
	bool has_pceid; /* false in Intel's synthetic 34-byte type-1 sample */

	/* Type 5 (and 4): the PEM certificates, leaf first. */
	size_t cert_count;
	struct quote_pem certs[QUOTE_MAX_CERTS];
	bool cert_der; /* concatenated DER instead of PEM (synthetic data) */
};

struct quote {
	const uint8_t *raw;
	size_t raw_len;
	size_t len; /* up to the end of the signature data */
	enum quote_kind kind;
	struct quote_header header;

	/* The attested body: SGX report body or TD report. */
	uint16_t body_type; /* v5 descriptor; 1 SGX, 2 TD 1.0, 3 TD 1.5 */
	const uint8_t *body;
	size_t body_len;
	sgx_report_body_t report; /* copy of the body, SGX quotes only */
	size_t signed_len;        /* bytes [0, signed_len) are signed */

	uint32_t sig_data_len;
	const uint8_t *signature; /* QUOTE_SIG_SIZE */
	const uint8_t *att_key;   /* QUOTE_ATT_KEY_SIZE */

	const uint8_t *qe_report_raw; /* 384 bytes */
	sgx_report_body_t qe_report;
	const uint8_t *qe_report_sig; /* QUOTE_SIG_SIZE */
	const uint8_t *auth_data;
	uint16_t auth_data_len;

	uint16_t outer_cert_type;    /* 6 in v4/v5, equal to cert.type in v3 */
	struct quote_cert_data cert; /* the innermost certification data */
};

/*
 * Parses a quote of any supported kind. Every length is checked against
 * the bytes present; bytes after the signature data are tolerated
 * (q->len < q->raw_len). ERR_TRUNCATED or ERR_INVALID on malformed input,
 * ERR_UNSUPPORTED for well-formed quotes of a kind this parser does not
 * handle (q->header is then filled in).
 */
MUST_CHECK enum err quote_parse(const uint8_t *data, size_t len,
                                struct quote *q);

/* Short human name of the kind: "SGX quote v3", "TDX quote v4", ... */
const char *quote_kind_name(enum quote_kind kind);

/* Name of a certification data type: "PCK certificate chain", ... */
const char *quote_cert_type_name(uint16_t type);

/* TD report 1.0 / 1.5: reference "quote format" section 1.7. */
struct quote_td_report {
	uint8_t tee_tcb_svn[16];
	uint8_t mr_seam[48];
	uint8_t mr_signer_seam[48];
	uint64_t seam_attributes;
	uint64_t td_attributes;
	uint64_t xfam;
	uint8_t mr_td[48];
	uint8_t mr_config_id[48];
	uint8_t mr_owner[48];
	uint8_t mr_owner_config[48];
	uint8_t rtmr[4][48];
	uint8_t report_data[64];
	bool is_td15; /* the two fields below are present */
	uint8_t tee_tcb_svn2[16];
	uint8_t mr_service_td[48];
};

/* Decodes the body of a parsed TDX quote; ERR_INVALID for SGX quotes. */
MUST_CHECK enum err quote_td_report_parse(const struct quote *q,
                                          struct quote_td_report *out);

/*
 * Everything a QE puts into a v3 quote. The caller signs the first
 * QUOTE_V3_SIGNED_SIZE bytes, as written by quote_v3_signed_region().
 */
struct quote_v3_parts {
	uint16_t qe_svn;
	uint16_t pce_svn;
	uint8_t user_data[20];
	const sgx_report_body_t *report;
	const uint8_t *signature; /* 64 bytes */
	const uint8_t *att_key;   /* 64 bytes */
	const sgx_report_body_t *qe_report;
	const uint8_t *qe_report_sig; /* 64 bytes */
	const uint8_t *auth_data;
	uint16_t auth_data_len;
	uint16_t cert_type;
	const uint8_t *cert_data;
	uint32_t cert_data_len;
	const uint8_t *qe_vendor_id; /* 16 bytes; NULL for Intel's */
};

/* Writes the 432 signed bytes (header and report body) of a v3 quote. */
void quote_v3_signed_region(const struct quote_v3_parts *p,
                            uint8_t out[static QUOTE_V3_SIGNED_SIZE]);

/* Size of the quote quote_v3_build() would produce; 0 on overflow. */
size_t quote_v3_size(const struct quote_v3_parts *p);

/* Writes the whole quote into out (cap bytes); *len gets its size. */
MUST_CHECK enum err quote_v3_build(const struct quote_v3_parts *p, uint8_t *out,
                                   size_t cap, size_t *len);

/*
 * Fills parts from a parsed v3 quote (pointers into q and its buffer), so
 * that quote_v3_build() reproduces the quote's bytes up to q->len.
 */
MUST_CHECK enum err quote_v3_parts_from_quote(const struct quote *q,
                                              struct quote_v3_parts *p);

#endif
