/*
 * Request dispatch with Intel's server semantics (reference "AESM
 * protocol" sections 1.2, 3 and 9).
 *
 * Every handler fills the response sub-message of its own kind, so the
 * reply always carries the envelope field that matches the request (Intel's
 * client dereferences it without checking). errorCode is a proto2 required
 * field and protobuf-c always writes it, 0 included.
 */
#include "dispatch.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/cursor.h"
#include "common/keyid.h"
#include "common/size.h"
#include "daemon/aesmd_conf.h"
#include "daemon/policy.h"

/* Room for any response sub-message, for the error-only replies. */
union any_response {
	Aesm__Message__Response__InitQuoteExResponse init_quote_ex;
	Aesm__Message__Response__GetQuoteExResponse quote_ex;
	Aesm__Message__Response__CheckUpdateStatusResponse check_update;
	Aesm__Message__Response__InitQuoteResponse init_quote;
	Aesm__Message__Response__GetQuoteResponse quote;
	uint8_t bytes[256];
};

/*
 * Frames the Response whose envelope field number kind holds sub. The
 * envelope field is found through protobuf-c's descriptor, which knows
 * where each field lives in the generated struct.
 */
static enum err
reply_encode(enum wire_kind kind, ProtobufCMessage *sub, uint32_t code,
             struct dispatch_result *out)
{
	Aesm__Message__Response res = AESM__MESSAGE__RESPONSE__INIT;
	const ProtobufCFieldDescriptor *f;

	f = protobuf_c_message_descriptor_get_field(
	        &aesm__message__response__descriptor, (unsigned)kind);
	if (f == NULL || f->type != PROTOBUF_C_TYPE_MESSAGE ||
	    f->descriptor != sub->descriptor)
		return ERR_INVALID;
	memcpy((uint8_t *)&res + f->offset, &sub, sizeof(sub));
	out->kind = kind;
	out->code = code;
	return wire_encode(&res.base, WIRE_MAX_RESPONSE, &out->reply,
	                   &out->reply_len);
}

/*
 * A response of the given kind that carries only errorCode: for
 * recognized but unsupported requests (30) and for requests that miss a
 * required field (1).
 */
static enum err
reply_error_only(enum wire_kind kind, uint32_t code,
                 struct dispatch_result *out)
{
	const ProtobufCFieldDescriptor *env, *ec;
	const ProtobufCMessageDescriptor *d;
	union any_response storage;
	ProtobufCMessage *sub = (ProtobufCMessage *)&storage;

	env = protobuf_c_message_descriptor_get_field(
	        &aesm__message__response__descriptor, (unsigned)kind);
	if (env == NULL || env->type != PROTOBUF_C_TYPE_MESSAGE)
		return ERR_INVALID;
	d = env->descriptor;
	ec = protobuf_c_message_descriptor_get_field(d, 1);
	if (d->sizeof_message > sizeof(storage) || ec == NULL ||
	    ec->type != PROTOBUF_C_TYPE_UINT32)
		return ERR_INVALID;
	protobuf_c_message_init(d, sub);
	memcpy((uint8_t *)sub + ec->offset, &code, sizeof(code));
	return reply_encode(kind, sub, code, out);
}

/*
 * Reads a wire key ID: exactly the 256 bytes of sgx_att_key_id_ext_t
 * (reference section 3.1). Missing or of another size is a parameter
 * error.
 */
static enum aesm_error
key_id_parse(protobuf_c_boolean has, const ProtobufCBinaryData *bytes,
             sgx_att_key_id_ext_t *out)
{
	struct cursor c;

	if (!has || bytes->len != sizeof(*out))
		return AESM_PARAMETER_ERROR;
	cursor_init(&c, bytes->data, bytes->len);
	if (cursor_copy(&c, out, sizeof(*out)) != ERR_OK)
		return AESM_PARAMETER_ERROR;
	return AESM_SUCCESS;
}

/* Whether the backend advertises a key whose 158-byte base equals id's. */
static bool
key_id_supported(struct backend *b, const sgx_att_key_id_ext_t *id)
{
	const sgx_att_key_id_ext_t *ids;
	size_t n;

	ids = b->ops->key_ids(b, &n);
	for (size_t i = 0; i < n; i++) {
		if (keyid_base_equal(&ids[i], id))
			return true;
	}
	return false;
}

/* Parses a request's key ID and checks that the backend serves it. */
static enum aesm_error
key_id_check(struct backend *b, protobuf_c_boolean has,
             const ProtobufCBinaryData *bytes, sgx_att_key_id_ext_t *out)
{
	enum aesm_error rc;

	if ((rc = key_id_parse(has, bytes, out)) != AESM_SUCCESS)
		return rc;
	if (!key_id_supported(b, out))
		return AESM_UNSUPPORTED_ATT_KEY_ID;
	return AESM_SUCCESS;
}

/* GetSupportedAttKeyIDNum (reference section 3.3): no keys is error 30. */
static enum err
handle_key_id_num(struct backend *b, struct dispatch_result *out)
{
	Aesm__Message__Response__GetSupportedAttKeyIDNumResponse r =
	        AESM__MESSAGE__RESPONSE__GET_SUPPORTED_ATT_KEY_IDNUM_RESPONSE__INIT;
	size_t n;

	b->ops->key_ids(b, &n);
	r.has_att_key_id_num = true;
	r.att_key_id_num = (uint32_t)n;
	r.errorcode = n == 0 ? AESM_SERVICE_UNAVAILABLE : AESM_SUCCESS;
	return reply_encode(WIRE_KIND_GET_SUPPORTED_ATT_KEY_ID_NUM, &r.base,
	                    r.errorcode, out);
}

/*
 * GetSupportedAttKeyIDs (reference section 3.3): buf_size must be exactly
 * the advertised count times 256; the reply holds that many bytes.
 */
static enum err
handle_key_ids(struct backend *b,
               const Aesm__Message__Request__GetSupportedAttKeyIDsRequest *req,
               struct dispatch_result *out)
{
	Aesm__Message__Response__GetSupportedAttKeyIDsResponse r =
	        AESM__MESSAGE__RESPONSE__GET_SUPPORTED_ATT_KEY_IDS_RESPONSE__INIT;
	const sgx_att_key_id_ext_t *ids;
	size_t n, size;

	ids = b->ops->key_ids(b, &n);
	if (n == 0)
		r.errorcode = AESM_SERVICE_UNAVAILABLE;
	else if (!size_mul(n, sizeof(*ids), &size) || req->buf_size != size)
		r.errorcode = AESM_PARAMETER_ERROR;
	else {
		r.errorcode = AESM_SUCCESS;
		r.has_att_key_ids = true;
		r.att_key_ids.data = (uint8_t *)(uintptr_t)ids;
		r.att_key_ids.len = size;
	}
	return reply_encode(WIRE_KIND_GET_SUPPORTED_ATT_KEY_IDS, &r.base,
	                    r.errorcode, out);
}

/*
 * The candidates of a select list: sgx_ql_att_key_id_list_t (reference
 * section 3.1), an 8-byte header { u16 id = 0, u16 version = 0,
 * u32 num_att_ids <= 10 } and exactly num_att_ids 256-byte ext entries.
 * Only entries the backend advertises are kept, as the caller sent them.
 */
static enum aesm_error
select_list_parse(struct backend *b, const ProtobufCBinaryData *list,
                  sgx_att_key_id_ext_t cand[static SGX_QL_MAX_ATT_KEY_IDS],
                  size_t *n_cand)
{
	sgx_att_key_id_ext_t entry;
	uint16_t id, version;
	struct cursor c;
	uint32_t num;

	cursor_init(&c, list->data, list->len);
	if (list->len < 8 + sizeof(entry) || cursor_u16le(&c, &id) != ERR_OK ||
	    cursor_u16le(&c, &version) != ERR_OK ||
	    cursor_u32le(&c, &num) != ERR_OK)
		return AESM_PARAMETER_ERROR;
	if (id != 0 || version != 0 || num > SGX_QL_MAX_ATT_KEY_IDS ||
	    cursor_remaining(&c) != num * sizeof(entry))
		return AESM_PARAMETER_ERROR;

	*n_cand = 0;
	for (uint32_t i = 0; i < num; i++) {
		if (cursor_copy(&c, &entry, sizeof(entry)) != ERR_OK)
			return AESM_PARAMETER_ERROR;
		if (key_id_supported(b, &entry))
			cand[(*n_cand)++] = entry;
	}
	return AESM_SUCCESS;
}

/* The candidate Intel picks: the first of the default quoting type
 * (ECDSA P-256 unless aesmd.conf says otherwise), else the first. */
static const sgx_att_key_id_ext_t *
select_pick(const sgx_att_key_id_ext_t *cand, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (cand[i].base.algorithm_id == aesmd_conf_quoting_type())
			return &cand[i];
	}
	return n > 0 ? &cand[0] : NULL;
}

/* SelectAttKeyID (reference section 3.2). */
static enum err
handle_select(struct backend *b,
              const Aesm__Message__Request__SelectAttKeyIDRequest *req,
              struct dispatch_result *out)
{
	Aesm__Message__Response__SelectAttKeyIDResponse r =
	        AESM__MESSAGE__RESPONSE__SELECT_ATT_KEY_IDRESPONSE__INIT;
	sgx_att_key_id_ext_t cand[SGX_QL_MAX_ATT_KEY_IDS];
	const sgx_att_key_id_ext_t *pick;
	size_t n = 0;

	r.errorcode = AESM_SUCCESS;
	if (!req->has_att_key_id_list) {
		const sgx_att_key_id_ext_t *ids = b->ops->key_ids(b, &n);

		pick = select_pick(ids, n);
	} else {
		r.errorcode =
		        select_list_parse(b, &req->att_key_id_list, cand, &n);
		pick = select_pick(cand, n);
	}
	if (r.errorcode == AESM_SUCCESS && pick == NULL)
		r.errorcode = AESM_UNSUPPORTED_ATT_KEY_ID;
	if (r.errorcode == AESM_SUCCESS) {
		r.has_selected_att_key_id = true;
		r.selected_att_key_id.data = (uint8_t *)(uintptr_t)pick;
		r.selected_att_key_id.len = sizeof(*pick);
	}
	return reply_encode(WIRE_KIND_SELECT_ATT_KEY_ID, &r.base, r.errorcode,
	                    out);
}

/*
 * InitQuoteEx (reference section 3.4). A size query (b_pub_key_id false)
 * ignores buf_size, which some clients leave uninitialised, and answers
 * like Intel: 512 zero bytes of target info and the size 32, without
 * touching the attestation key. The full call requires buf_size 32. On
 * error pub_key_id_size carries the request's buf_size.
 */
static enum err
handle_init_quote_ex(struct backend *b,
                     const Aesm__Message__Request__InitQuoteExRequest *req,
                     struct dispatch_result *out)
{
	Aesm__Message__Response__InitQuoteExResponse r =
	        AESM__MESSAGE__RESPONSE__INIT_QUOTE_EX_RESPONSE__INIT;
	uint8_t pub_key_id[BACKEND_PUB_KEY_ID_SIZE];
	sgx_target_info_t ti;
	sgx_att_key_id_ext_t key;

	memset(&ti, 0, sizeof(ti));
	r.has_pub_key_id_size = true;
	r.pub_key_id_size = req->has_buf_size ? req->buf_size : 0;
	r.errorcode =
	        key_id_check(b, req->has_att_key_id, &req->att_key_id, &key);
	if (r.errorcode == AESM_SUCCESS && req->b_pub_key_id &&
	    r.pub_key_id_size != BACKEND_PUB_KEY_ID_SIZE)
		r.errorcode = AESM_PARAMETER_ERROR;
	if (r.errorcode == AESM_SUCCESS && req->b_pub_key_id)
		r.errorcode = b->ops->init_quote(b, &key, &ti, pub_key_id);
	if (r.errorcode != AESM_SUCCESS)
		return reply_encode(WIRE_KIND_INIT_QUOTE_EX, &r.base,
		                    r.errorcode, out);

	r.has_target_info = true;
	r.target_info.data = (uint8_t *)&ti;
	r.target_info.len = sizeof(ti);
	r.pub_key_id_size = BACKEND_PUB_KEY_ID_SIZE;
	if (req->b_pub_key_id) {
		r.has_pub_key_id = true;
		r.pub_key_id.data = pub_key_id;
		r.pub_key_id.len = sizeof(pub_key_id);
	}
	return reply_encode(WIRE_KIND_INIT_QUOTE_EX, &r.base, r.errorcode, out);
}

/* GetQuoteSizeEx (reference section 3.5): quote_size is always sent, 0 on
 * error. */
static enum err
handle_quote_size_ex(struct backend *b,
                     const Aesm__Message__Request__GetQuoteSizeExRequest *req,
                     struct dispatch_result *out)
{
	Aesm__Message__Response__GetQuoteSizeExResponse r =
	        AESM__MESSAGE__RESPONSE__GET_QUOTE_SIZE_EX_RESPONSE__INIT;
	sgx_att_key_id_ext_t key;

	r.has_quote_size = true;
	r.quote_size = 0;
	r.errorcode =
	        key_id_check(b, req->has_att_key_id, &req->att_key_id, &key);
	if (r.errorcode == AESM_SUCCESS)
		r.errorcode = b->ops->quote_size(b, &key, &r.quote_size);
	if (r.errorcode != AESM_SUCCESS)
		r.quote_size = 0;
	return reply_encode(WIRE_KIND_GET_QUOTE_SIZE_EX, &r.base, r.errorcode,
	                    out);
}

/*
 * The fixed-size inputs of GetQuoteEx (reference section 3.6): a 432-byte
 * report and, when sent, a 960-byte QE report info. *qri_ok tells whether
 * qri holds the caller's info, so that it can be echoed whatever fails
 * later.
 */
static enum aesm_error
quote_ex_parse(const Aesm__Message__Request__GetQuoteExRequest *req,
               sgx_report_t *report, sgx_qe_report_info_t *qri, bool *qri_ok)
{
	struct cursor c;

	*qri_ok = false;
	if (req->has_qe_report_info) {
		cursor_init(&c, req->qe_report_info.data,
		            req->qe_report_info.len);
		if (req->qe_report_info.len != sizeof(*qri) ||
		    cursor_copy(&c, qri, sizeof(*qri)) != ERR_OK)
			return AESM_PARAMETER_ERROR;
		*qri_ok = true;
	}
	cursor_init(&c, req->report.data, req->report.len);
	if (req->report.len != sizeof(*report) ||
	    cursor_copy(&c, report, sizeof(*report)) != ERR_OK)
		return AESM_PARAMETER_ERROR;
	return AESM_SUCCESS;
}

/*
 * Makes the quote into a buffer of the backend's quote size, never of the
 * caller's buf_size: a buf_size below the quote size is a parameter error,
 * and anything above it is not allocated.
 */
static enum aesm_error
quote_ex_make(struct backend *b, const sgx_report_t *report,
              const sgx_att_key_id_ext_t *key, uint32_t buf_size,
              sgx_qe_report_info_t *qri, uint8_t **quote, uint32_t *len)
{
	enum aesm_error rc;
	uint32_t size;

	if ((rc = b->ops->quote_size(b, key, &size)) != AESM_SUCCESS)
		return rc;
	if (size == 0 || buf_size < size)
		return AESM_PARAMETER_ERROR;
	if ((*quote = malloc(size)) == NULL)
		return AESM_OUT_OF_MEMORY_ERROR;
	rc = b->ops->get_quote(b, report, key, qri, *quote, size, len);
	if (rc == AESM_SUCCESS && *len > size)
		rc = AESM_UNEXPECTED_ERROR;
	return rc;
}

/*
 * GetQuoteEx (reference section 3.6). The quote field holds the actual
 * quote, not Intel's zero padding up to buf_size: every known client
 * (Intel's, Open Enclave, DCAP, Gramine) accepts a field no longer than
 * its buffer, and padding would only make the reply as large as the
 * caller claims. qe_report_info is echoed only when it was sent, also on
 * failure, as Intel's server does.
 */
static enum err
handle_quote_ex(struct backend *b,
                const Aesm__Message__Request__GetQuoteExRequest *req,
                struct dispatch_result *out)
{
	Aesm__Message__Response__GetQuoteExResponse r =
	        AESM__MESSAGE__RESPONSE__GET_QUOTE_EX_RESPONSE__INIT;
	sgx_qe_report_info_t qri;
	sgx_att_key_id_ext_t key;
	sgx_report_t report;
	uint8_t *quote = NULL;
	uint32_t len = 0;
	bool qri_ok;
	enum err e;

	r.errorcode = quote_ex_parse(req, &report, &qri, &qri_ok);
	if (r.errorcode == AESM_SUCCESS)
		r.errorcode = policy_check(&report.body);
	if (r.errorcode == AESM_SUCCESS)
		r.errorcode = key_id_check(b, req->has_att_key_id,
		                           &req->att_key_id, &key);
	if (r.errorcode == AESM_SUCCESS)
		r.errorcode = quote_ex_make(b, &report, &key, req->buf_size,
		                            qri_ok ? &qri : NULL, &quote, &len);
	if (r.errorcode == AESM_SUCCESS) {
		r.has_quote = true;
		r.quote.data = quote;
		r.quote.len = len;
	}
	if (req->has_qe_report_info) {
		r.has_qe_report_info = true;
		r.qe_report_info = req->qe_report_info;
		if (qri_ok)
			r.qe_report_info.data = (uint8_t *)&qri;
	}
	e = reply_encode(WIRE_KIND_GET_QUOTE_EX, &r.base, r.errorcode, out);
	free(quote);
	return e;
}

/* Recognized requests other than quote_ex are answered with 30. */
static enum err
dispatch_decoded(struct backend *b, const Aesm__Message__Request *req,
                 enum wire_kind kind, struct dispatch_result *out)
{
	switch (kind) {
	case WIRE_KIND_INIT_QUOTE_EX:
		return handle_init_quote_ex(b, req->initquoteexreq, out);
	case WIRE_KIND_GET_QUOTE_SIZE_EX:
		return handle_quote_size_ex(b, req->getquotesizeexreq, out);
	case WIRE_KIND_GET_QUOTE_EX:
		return handle_quote_ex(b, req->getquoteexreq, out);
	case WIRE_KIND_SELECT_ATT_KEY_ID:
		return handle_select(b, req->selectattkeyidreq, out);
	case WIRE_KIND_GET_SUPPORTED_ATT_KEY_ID_NUM:
		return handle_key_id_num(b, out);
	case WIRE_KIND_GET_SUPPORTED_ATT_KEY_IDS:
		return handle_key_ids(b, req->getsupportedattkeyidsreq, out);
	default:
		return reply_error_only(kind, AESM_SERVICE_UNAVAILABLE, out);
	}
}

enum err
dispatch_request(struct backend *b, const uint8_t *body, size_t len,
                 struct dispatch_result *out)
{
	Aesm__Message__Request *req;
	enum wire_kind kind;
	enum err e, status;

	memset(out, 0, sizeof(*out));
	req = wire_request_decode(body, len);
	if (req == NULL) {
		/* protobuf-c refuses a message that misses a required field;
		 * Intel answers such a request of a known kind with error 1,
		 * and closes on anything that is not protobuf, down to the
		 * request message's own fields. */
		kind = wire_request_scan_kind(body, len, &status);
		if (status != ERR_OK || kind == WIRE_KIND_NONE)
			return ERR_OK;
		return reply_error_only(kind, AESM_UNEXPECTED_ERROR, out);
	}

	kind = wire_request_kind(req);
	e = kind == WIRE_KIND_NONE ? ERR_OK
	                           : dispatch_decoded(b, req, kind, out);
	wire_request_free(req);
	return e;
}
