/*
 * Quote codec. Parsing reads every field through a bounded cursor, one
 * guarded read per field, in the order of the structures quoted above each
 * parser (reference "quote format" section 1). Building writes the same
 * fields into a buffer whose size was computed first.
 */
#include "quote/quote.h"

#include <string.h>

#include <openssl/asn1.h>

#include "common/cursor.h"
#include "common/size.h"

const uint8_t quote_intel_qe_vendor_id[16] = {
        0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
        0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07,
};

#define QUOTE_BODY_SGX  1
#define QUOTE_BODY_TD10 2
#define QUOTE_BODY_TD15 3

static const char pem_begin[] = "-----BEGIN CERTIFICATE-----";
static const char pem_end[] = "-----END CERTIFICATE-----";

const char *
quote_kind_name(enum quote_kind kind)
{
	switch (kind) {
	case QUOTE_KIND_SGX_V3:
		return "SGX quote v3";
	case QUOTE_KIND_TDX_V4:
		return "TDX quote v4";
	case QUOTE_KIND_TDX_V5:
		return "TDX quote v5";
	case QUOTE_KIND_SGX_V5:
		return "SGX quote v5";
	}
	return "unknown quote";
}

const char *
quote_cert_type_name(uint16_t type)
{
	switch (type) {
	case QUOTE_CERT_PPID_CLEARTEXT:
		return "PPID in clear text";
	case QUOTE_CERT_PPID_RSA2048:
		return "PPID encrypted with RSA-2048";
	case QUOTE_CERT_PPID_RSA3072:
		return "PPID encrypted with RSA-3072";
	case QUOTE_CERT_PCK_CLEARTEXT:
		return "PCK certificate";
	case QUOTE_CERT_PCK_CHAIN:
		return "PCK certificate chain";
	case QUOTE_CERT_QE_REPORT:
		return "QE report certification data";
	case QUOTE_CERT_PLATFORM_MANIFEST:
		return "platform manifest";
	}
	return "unknown";
}

/* True when the next bytes are s (n bytes); the cursor does not move. */
static bool
quote_peek_is(const struct cursor *c, const char *s, size_t n)
{
	struct cursor probe = *c;
	const uint8_t *p;

	return cursor_bytes(&probe, n, &p) == ERR_OK && memcmp(p, s, n) == 0;
}

static bool
quote_peek_u8(const struct cursor *c, uint8_t *out)
{
	struct cursor probe = *c;

	return cursor_u8(&probe, out) == ERR_OK;
}

/*
 * Quote header, 48 bytes (section 1.1): version u16, att_key_type u16,
 * tee_type u32 (att_key_data_0 in v3), qe_svn u16, pce_svn u16,
 * qe_vendor_id[16], user_data[20].
 */
static enum err
quote_read_header(struct cursor *c, struct quote_header *h)
{
	ERR_TRY(cursor_u16le(c, &h->version));
	ERR_TRY(cursor_u16le(c, &h->att_key_type));
	ERR_TRY(cursor_u32le(c, &h->tee_type));
	ERR_TRY(cursor_u16le(c, &h->qe_svn));
	ERR_TRY(cursor_u16le(c, &h->pce_svn));
	ERR_TRY(cursor_copy(c, h->qe_vendor_id, sizeof(h->qe_vendor_id)));
	return cursor_copy(c, h->user_data, sizeof(h->user_data));
}

/*
 * sgx_report_body_t, 384 bytes (section 1.2; aesm-protocol section 7.2),
 * read field by field so that the copy does not depend on host layout.
 */
static enum err
quote_read_report_body(struct cursor *c, sgx_report_body_t *r)
{
	ERR_TRY(cursor_copy(c, r->cpu_svn.svn, sizeof(r->cpu_svn.svn)));
	ERR_TRY(cursor_u32le(c, &r->misc_select));
	ERR_TRY(cursor_copy(c, r->reserved1, sizeof(r->reserved1)));
	ERR_TRY(cursor_copy(c, r->isv_ext_prod_id, sizeof(r->isv_ext_prod_id)));
	ERR_TRY(cursor_u64le(c, &r->attributes.flags));
	ERR_TRY(cursor_u64le(c, &r->attributes.xfrm));
	ERR_TRY(cursor_copy(c, r->mr_enclave.m, sizeof(r->mr_enclave.m)));
	ERR_TRY(cursor_copy(c, r->reserved2, sizeof(r->reserved2)));
	ERR_TRY(cursor_copy(c, r->mr_signer.m, sizeof(r->mr_signer.m)));
	ERR_TRY(cursor_copy(c, r->reserved3, sizeof(r->reserved3)));
	ERR_TRY(cursor_copy(c, r->config_id, sizeof(r->config_id)));
	ERR_TRY(cursor_u16le(c, &r->isv_prod_id));
	ERR_TRY(cursor_u16le(c, &r->isv_svn));
	ERR_TRY(cursor_u16le(c, &r->config_svn));
	ERR_TRY(cursor_copy(c, r->reserved4, sizeof(r->reserved4)));
	ERR_TRY(cursor_copy(c, r->isv_family_id, sizeof(r->isv_family_id)));
	return cursor_copy(c, r->report_data.d, sizeof(r->report_data.d));
}

static enum err
quote_kind_v3(struct quote *q)
{
	if (q->header.tee_type != QUOTE_TEE_TYPE_SGX)
		return ERR_INVALID;
	q->kind = QUOTE_KIND_SGX_V3;
	q->body_type = QUOTE_BODY_SGX;
	q->body_len = SGX_REPORT_BODY_SIZE;
	return ERR_OK;
}

static enum err
quote_kind_v4(struct quote *q)
{
	if (q->header.tee_type == QUOTE_TEE_TYPE_SGX)
		return ERR_UNSUPPORTED; /* SGX body in a v4 envelope */
	if (q->header.tee_type != QUOTE_TEE_TYPE_TDX)
		return ERR_INVALID;
	q->kind = QUOTE_KIND_TDX_V4;
	q->body_type = QUOTE_BODY_TD10;
	q->body_len = QUOTE_TD10_BODY_SIZE;
	return ERR_OK;
}

/* v5 body descriptor (section 1.7): body_type u16, body_size u32. */
static enum err
quote_kind_v5(struct cursor *c, struct quote *q)
{
	uint32_t size;
	bool tdx = q->header.tee_type == QUOTE_TEE_TYPE_TDX;

	ERR_TRY(cursor_u16le(c, &q->body_type));
	ERR_TRY(cursor_u32le(c, &size));
	if (!tdx && q->header.tee_type != QUOTE_TEE_TYPE_SGX)
		return ERR_INVALID;
	if (q->body_type == QUOTE_BODY_SGX && !tdx) {
		q->kind = QUOTE_KIND_SGX_V5;
		q->body_len = SGX_REPORT_BODY_SIZE;
	} else if (q->body_type == QUOTE_BODY_TD10 && tdx) {
		q->kind = QUOTE_KIND_TDX_V5;
		q->body_len = QUOTE_TD10_BODY_SIZE;
	} else if (q->body_type == QUOTE_BODY_TD15 && tdx) {
		q->kind = QUOTE_KIND_TDX_V5;
		q->body_len = QUOTE_TD15_BODY_SIZE;
	} else {
		return ERR_INVALID;
	}
	return size == q->body_len ? ERR_OK : ERR_INVALID;
}

static enum err
quote_read_kind(struct cursor *c, struct quote *q)
{
	if (q->header.att_key_type != QUOTE_ATT_KEY_TYPE_ECDSA256)
		return ERR_UNSUPPORTED;
	switch (q->header.version) {
	case 3:
		return quote_kind_v3(q);
	case 4:
		return quote_kind_v4(q);
	case 5:
		return quote_kind_v5(c, q);
	default:
		return ERR_UNSUPPORTED;
	}
}

/* The attested body; SGX bodies are also decoded into q->report. */
static enum err
quote_read_body(struct cursor *c, struct quote *q)
{
	struct cursor body;

	ERR_TRY(cursor_bytes(c, q->body_len, &q->body));
	if (q->kind == QUOTE_KIND_SGX_V3 || q->kind == QUOTE_KIND_SGX_V5) {
		cursor_init(&body, q->body, q->body_len);
		ERR_TRY(quote_read_report_body(&body, &q->report));
	}
	q->signed_len = cursor_offset(c);
	return ERR_OK;
}

static bool
pem_body_char(uint8_t ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	       (ch >= '0' && ch <= '9') || ch == '+' || ch == '/' ||
	       ch == '=' || ch == '\r' || ch == '\n';
}

static void
pem_skip_space(struct cursor *c)
{
	uint8_t ch;

	while (quote_peek_u8(c, &ch) &&
	       (ch == '\n' || ch == '\r' || ch == ' ' || ch == '\t')) {
		if (cursor_skip(c, 1) != ERR_OK)
			return;
	}
}

/*
 * One PEM certificate: the BEGIN line, base64 lines ending in LF or CRLF,
 * the END line. The view runs from the first dash to the last one.
 */
static enum err
quote_read_pem_cert(struct cursor *c, struct quote_pem *out)
{
	struct cursor start = *c;
	const uint8_t *p;
	uint8_t ch;

	ERR_TRY(cursor_skip(c, sizeof(pem_begin) - 1));
	while (!quote_peek_is(c, pem_end, sizeof(pem_end) - 1)) {
		if (cursor_u8(c, &ch) != ERR_OK || !pem_body_char(ch))
			return ERR_INVALID;
	}
	ERR_TRY(cursor_skip(c, sizeof(pem_end) - 1));

	out->len = cursor_offset(c) - cursor_offset(&start);
	ERR_TRY(cursor_bytes(&start, out->len, &p));
	out->pem = (const char *)p;
	return ERR_OK;
}

/*
 * Type 5 (section 1.4): concatenated PEM certificates, leaf first, with
 * whitespace between them and optionally one terminating NUL that real
 * QEs count in the size.
 */
static enum err
quote_read_pem_chain(struct cursor *c, struct quote_cert_data *cd)
{
	uint8_t ch;

	pem_skip_space(c);
	while (quote_peek_is(c, pem_begin, sizeof(pem_begin) - 1)) {
		if (cd->cert_count == QUOTE_MAX_CERTS)
			return ERR_RANGE;
		ERR_TRY(quote_read_pem_cert(c, &cd->certs[cd->cert_count]));
		cd->cert_count++;
		pem_skip_space(c);
	}
	if (cd->cert_count == 0)
		return ERR_INVALID;
	if (cursor_remaining(c) == 1 && quote_peek_u8(c, &ch) && ch == 0)
		ERR_TRY(cursor_skip(c, 1));
	return cursor_remaining(c) == 0 ? ERR_OK : ERR_INVALID;
}

/*
 * One DER certificate: a universal constructed SEQUENCE whose header
 * OpenSSL decodes; the cursor then takes exactly header and content.
 */
static enum err
quote_read_der_cert(struct cursor *c, struct quote_pem *out)
{
	struct cursor probe = *c;
	const uint8_t *p, *after;
	size_t avail, total;
	long content;
	int tag, xclass, ret;

	cursor_rest(&probe, &p, &avail);
	if (avail > (size_t)INT32_MAX)
		return ERR_RANGE;
	after = p;
	ret = ASN1_get_object(&after, &content, &tag, &xclass, (long)avail);
	if ((ret & 0x80) != 0 || ret != V_ASN1_CONSTRUCTED ||
	    tag != V_ASN1_SEQUENCE || xclass != V_ASN1_UNIVERSAL)
		return ERR_INVALID;
	/* after - p is the header length OpenSSL consumed, at most avail. */
	if (!size_add((size_t)(after - p), (size_t)content, &total))
		return ERR_RANGE;
	ERR_TRY(cursor_bytes(c, total, &out->der));
	out->len = total;
	return ERR_OK;
}

/* Type 5 as concatenated DER, as in Intel's synthetic TDX sample. */
static enum err
quote_read_der_chain(struct cursor *c, struct quote_cert_data *cd)
{
	cd->cert_der = true;
	while (cursor_remaining(c) > 0) {
		if (cd->cert_count == QUOTE_MAX_CERTS)
			return ERR_RANGE;
		ERR_TRY(quote_read_der_cert(c, &cd->certs[cd->cert_count]));
		cd->cert_count++;
	}
	return cd->cert_count > 0 ? ERR_OK : ERR_INVALID;
}

static enum err
quote_read_chain(struct cursor *c, struct quote_cert_data *cd)
{
	uint8_t ch;

	if (quote_peek_u8(c, &ch) && ch == 0x30)
		return quote_read_der_chain(c, cd);
	return quote_read_pem_chain(c, cd);
}

/*
 * Types 1-3 (section 1.4): PPID (16, 256 or 384 bytes) || CPUSVN[16] ||
 * PCESVN u16 || PCEID u16.
 */
static enum err
quote_read_ppid(struct cursor *c, struct quote_cert_data *cd)
{
	static const size_t ppid_sizes[] = {16, 256, 384};

	cd->ppid_len = ppid_sizes[cd->type - QUOTE_CERT_PPID_CLEARTEXT];
	ERR_TRY(cursor_bytes(c, cd->ppid_len, &cd->ppid));
	ERR_TRY(cursor_copy(c, cd->cpusvn, sizeof(cd->cpusvn)));
	ERR_TRY(cursor_u16le(c, &cd->pcesvn));
	/* XXX: Intel's QVL sample data ends type 1 after PCESVN; accept it. */
	if (cd->type == QUOTE_CERT_PPID_CLEARTEXT && cursor_remaining(c) == 0)
		return ERR_OK;
	ERR_TRY(cursor_u16le(c, &cd->pceid));
	cd->has_pceid = true;
	return cursor_remaining(c) == 0 ? ERR_OK : ERR_INVALID;
}

/* Certification data (section 1.3): type u16, size u32, data[size]. */
static enum err
quote_read_cert_data(struct cursor *c, struct quote_cert_data *cd)
{
	struct cursor data;

	ERR_TRY(cursor_u16le(c, &cd->type));
	ERR_TRY(cursor_u32le(c, &cd->size));
	ERR_TRY(cursor_bytes(c, cd->size, &cd->data));
	cursor_init(&data, cd->data, cd->size);

	switch (cd->type) {
	case QUOTE_CERT_PPID_CLEARTEXT:
	case QUOTE_CERT_PPID_RSA2048:
	case QUOTE_CERT_PPID_RSA3072:
		return quote_read_ppid(&data, cd);
	case QUOTE_CERT_PCK_CLEARTEXT:
		/* XXX: no type-4 quote seen; read like a chain of one. */
	case QUOTE_CERT_PCK_CHAIN:
		return quote_read_chain(&data, cd);
	case QUOTE_CERT_PLATFORM_MANIFEST:
		return ERR_UNSUPPORTED;
	default:
		return ERR_INVALID; /* type 6 only wraps, never nests */
	}
}

/*
 * The QE part (sections 1.3 and 1.7): QE report body[384], QE report
 * signature[64], auth data size u16, auth data, certification data.
 * Nothing may follow it inside its enclosing structure.
 */
static enum err
quote_read_qe_part(struct cursor *c, struct quote *q)
{
	struct cursor body;

	ERR_TRY(cursor_bytes(c, SGX_REPORT_BODY_SIZE, &q->qe_report_raw));
	cursor_init(&body, q->qe_report_raw, SGX_REPORT_BODY_SIZE);
	ERR_TRY(quote_read_report_body(&body, &q->qe_report));
	ERR_TRY(cursor_bytes(c, QUOTE_SIG_SIZE, &q->qe_report_sig));
	ERR_TRY(cursor_u16le(c, &q->auth_data_len));
	ERR_TRY(cursor_bytes(c, q->auth_data_len, &q->auth_data));
	ERR_TRY(quote_read_cert_data(c, &q->cert));
	return cursor_remaining(c) == 0 ? ERR_OK : ERR_INVALID;
}

/* v4/v5 outer certification data: type 6 wrapping the QE part. */
static enum err
quote_read_wrapped_qe_part(struct cursor *c, struct quote *q)
{
	struct cursor inner;
	uint32_t size;

	ERR_TRY(cursor_u16le(c, &q->outer_cert_type));
	ERR_TRY(cursor_u32le(c, &size));
	if (q->outer_cert_type != QUOTE_CERT_QE_REPORT)
		return ERR_INVALID;
	ERR_TRY(cursor_sub(c, size, &inner));
	ERR_TRY(quote_read_qe_part(&inner, q));
	return cursor_remaining(c) == 0 ? ERR_OK : ERR_INVALID;
}

/*
 * Signature data (sections 1.3, 1.7): signature_data_len u32, then
 * signature[64], attestation key[64] and the QE part, directly (v3) or
 * wrapped in certification data of type 6 (v4, v5).
 */
static enum err
quote_read_sig_data(struct cursor *c, struct quote *q)
{
	struct cursor sig;

	ERR_TRY(cursor_u32le(c, &q->sig_data_len));
	ERR_TRY(cursor_sub(c, q->sig_data_len, &sig));
	q->len = cursor_offset(c);

	ERR_TRY(cursor_bytes(&sig, QUOTE_SIG_SIZE, &q->signature));
	ERR_TRY(cursor_bytes(&sig, QUOTE_ATT_KEY_SIZE, &q->att_key));
	if (q->kind != QUOTE_KIND_SGX_V3)
		return quote_read_wrapped_qe_part(&sig, q);
	ERR_TRY(quote_read_qe_part(&sig, q));
	q->outer_cert_type = q->cert.type;
	return ERR_OK;
}

enum err
quote_parse(const uint8_t *data, size_t len, struct quote *q)
{
	struct cursor c;

	memset(q, 0, sizeof(*q));
	q->raw = data;
	q->raw_len = len;
	cursor_init(&c, data, len);

	ERR_TRY(quote_read_header(&c, &q->header));
	ERR_TRY(quote_read_kind(&c, q));
	ERR_TRY(quote_read_body(&c, q));
	return quote_read_sig_data(&c, q);
}

/*
 * TD report (section 1.7): TEE_TCB_SVN[16], MRSEAM[48], MRSIGNERSEAM[48],
 * SEAMATTRIBUTES u64, TDATTRIBUTES u64, XFAM u64, MRTD[48],
 * MRCONFIGID[48], MROWNER[48], MROWNERCONFIG[48], RTMR0..3[48],
 * REPORTDATA[64]; TD 1.5 adds TEE_TCB_SVN2[16] and MRSERVICETD[48].
 */
static enum err
quote_read_td_report(struct cursor *c, struct quote_td_report *t)
{
	ERR_TRY(cursor_copy(c, t->tee_tcb_svn, sizeof(t->tee_tcb_svn)));
	ERR_TRY(cursor_copy(c, t->mr_seam, sizeof(t->mr_seam)));
	ERR_TRY(cursor_copy(c, t->mr_signer_seam, sizeof(t->mr_signer_seam)));
	ERR_TRY(cursor_u64le(c, &t->seam_attributes));
	ERR_TRY(cursor_u64le(c, &t->td_attributes));
	ERR_TRY(cursor_u64le(c, &t->xfam));
	ERR_TRY(cursor_copy(c, t->mr_td, sizeof(t->mr_td)));
	ERR_TRY(cursor_copy(c, t->mr_config_id, sizeof(t->mr_config_id)));
	ERR_TRY(cursor_copy(c, t->mr_owner, sizeof(t->mr_owner)));
	ERR_TRY(cursor_copy(c, t->mr_owner_config, sizeof(t->mr_owner_config)));
	ERR_TRY(cursor_copy(c, t->rtmr, sizeof(t->rtmr)));
	ERR_TRY(cursor_copy(c, t->report_data, sizeof(t->report_data)));
	if (cursor_remaining(c) == 0)
		return ERR_OK;
	t->is_td15 = true;
	ERR_TRY(cursor_copy(c, t->tee_tcb_svn2, sizeof(t->tee_tcb_svn2)));
	ERR_TRY(cursor_copy(c, t->mr_service_td, sizeof(t->mr_service_td)));
	return cursor_remaining(c) == 0 ? ERR_OK : ERR_INVALID;
}

enum err
quote_td_report_parse(const struct quote *q, struct quote_td_report *out)
{
	struct cursor c;

	memset(out, 0, sizeof(*out));
	if (q->kind != QUOTE_KIND_TDX_V4 && q->kind != QUOTE_KIND_TDX_V5)
		return ERR_INVALID;
	cursor_init(&c, q->body, q->body_len);
	return quote_read_td_report(&c, out);
}

/*
 * Output of the builder. The caller has checked the total size first, so
 * a write past the end is a programming error and stops the process.
 */
struct quote_writer {
	uint8_t *p;
	size_t cap;
	size_t pos;
};

static void
quote_put(struct quote_writer *w, const void *data, size_t n)
{
	if (n > w->cap - w->pos)
		__builtin_trap();
	if (n > 0)
		memcpy(w->p + w->pos, data, n);
	w->pos += n;
}

static void
quote_put_u16(struct quote_writer *w, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};

	quote_put(w, b, sizeof(b));
}

static void
quote_put_u32(struct quote_writer *w, uint32_t v)
{
	quote_put_u16(w, (uint16_t)v);
	quote_put_u16(w, (uint16_t)(v >> 16));
}

static void
quote_put_u64(struct quote_writer *w, uint64_t v)
{
	quote_put_u32(w, (uint32_t)v);
	quote_put_u32(w, (uint32_t)(v >> 32));
}

/* The mirror of quote_read_report_body(). */
static void
quote_put_report_body(struct quote_writer *w, const sgx_report_body_t *r)
{
	quote_put(w, r->cpu_svn.svn, sizeof(r->cpu_svn.svn));
	quote_put_u32(w, r->misc_select);
	quote_put(w, r->reserved1, sizeof(r->reserved1));
	quote_put(w, r->isv_ext_prod_id, sizeof(r->isv_ext_prod_id));
	quote_put_u64(w, r->attributes.flags);
	quote_put_u64(w, r->attributes.xfrm);
	quote_put(w, r->mr_enclave.m, sizeof(r->mr_enclave.m));
	quote_put(w, r->reserved2, sizeof(r->reserved2));
	quote_put(w, r->mr_signer.m, sizeof(r->mr_signer.m));
	quote_put(w, r->reserved3, sizeof(r->reserved3));
	quote_put(w, r->config_id, sizeof(r->config_id));
	quote_put_u16(w, r->isv_prod_id);
	quote_put_u16(w, r->isv_svn);
	quote_put_u16(w, r->config_svn);
	quote_put(w, r->reserved4, sizeof(r->reserved4));
	quote_put(w, r->isv_family_id, sizeof(r->isv_family_id));
	quote_put(w, r->report_data.d, sizeof(r->report_data.d));
}

static void
quote_put_signed_region(struct quote_writer *w, const struct quote_v3_parts *p)
{
	const uint8_t *vendor = p->qe_vendor_id != NULL
	                                ? p->qe_vendor_id
	                                : quote_intel_qe_vendor_id;

	quote_put_u16(w, 3);
	quote_put_u16(w, QUOTE_ATT_KEY_TYPE_ECDSA256);
	quote_put_u32(w, 0);
	quote_put_u16(w, p->qe_svn);
	quote_put_u16(w, p->pce_svn);
	quote_put(w, vendor, sizeof(quote_intel_qe_vendor_id));
	quote_put(w, p->user_data, sizeof(p->user_data));
	quote_put_report_body(w, p->report);
}

void
quote_v3_signed_region(const struct quote_v3_parts *p,
                       uint8_t out[static QUOTE_V3_SIGNED_SIZE])
{
	struct quote_writer w = {out, QUOTE_V3_SIGNED_SIZE, 0};

	quote_put_signed_region(&w, p);
}

/* Length of the signature data, the part after signature_data_len. */
static bool
quote_v3_sig_data_len(const struct quote_v3_parts *p, uint32_t *out)
{
	size_t n = QUOTE_ECDSA_FIXED_SIZE + 2 + 2 + 4;

	if (!size_add(n, p->auth_data_len, &n) ||
	    !size_add(n, p->cert_data_len, &n) || n > UINT32_MAX)
		return false;
	*out = (uint32_t)n;
	return true;
}

size_t
quote_v3_size(const struct quote_v3_parts *p)
{
	uint32_t sig_len;
	size_t n;

	if (!quote_v3_sig_data_len(p, &sig_len) ||
	    !size_add(QUOTE_V3_SIGNED_SIZE + 4, sig_len, &n))
		return 0;
	return n;
}

static bool
quote_v3_parts_complete(const struct quote_v3_parts *p)
{
	return p->report != NULL && p->signature != NULL &&
	       p->att_key != NULL && p->qe_report != NULL &&
	       p->qe_report_sig != NULL &&
	       (p->auth_data != NULL || p->auth_data_len == 0) &&
	       (p->cert_data != NULL || p->cert_data_len == 0);
}

enum err
quote_v3_build(const struct quote_v3_parts *p, uint8_t *out, size_t cap,
               size_t *len)
{
	struct quote_writer w = {out, cap, 0};
	uint32_t sig_len;
	size_t size;

	if (!quote_v3_parts_complete(p))
		return ERR_INVALID;
	if ((size = quote_v3_size(p)) == 0 || size > cap ||
	    !quote_v3_sig_data_len(p, &sig_len))
		return ERR_RANGE;

	quote_put_signed_region(&w, p);
	quote_put_u32(&w, sig_len);
	quote_put(&w, p->signature, QUOTE_SIG_SIZE);
	quote_put(&w, p->att_key, QUOTE_ATT_KEY_SIZE);
	quote_put_report_body(&w, p->qe_report);
	quote_put(&w, p->qe_report_sig, QUOTE_SIG_SIZE);
	quote_put_u16(&w, p->auth_data_len);
	quote_put(&w, p->auth_data, p->auth_data_len);
	quote_put_u16(&w, p->cert_type);
	quote_put_u32(&w, p->cert_data_len);
	quote_put(&w, p->cert_data, p->cert_data_len);

	*len = w.pos;
	return ERR_OK;
}

enum err
quote_v3_parts_from_quote(const struct quote *q, struct quote_v3_parts *p)
{
	if (q->kind != QUOTE_KIND_SGX_V3)
		return ERR_UNSUPPORTED;
	memset(p, 0, sizeof(*p));
	p->qe_vendor_id = q->header.qe_vendor_id;
	p->qe_svn = q->header.qe_svn;
	p->pce_svn = q->header.pce_svn;
	memcpy(p->user_data, q->header.user_data, sizeof(p->user_data));
	p->report = &q->report;
	p->signature = q->signature;
	p->att_key = q->att_key;
	p->qe_report = &q->qe_report;
	p->qe_report_sig = q->qe_report_sig;
	p->auth_data = q->auth_data;
	p->auth_data_len = q->auth_data_len;
	p->cert_type = q->cert.type;
	p->cert_data = q->cert.data;
	p->cert_data_len = q->cert.size;
	return ERR_OK;
}
