/*
 * The six exported quote_ex functions. Argument checks, request fields and
 * reply handling follow Intel's client (reference "AESM protocol"
 * sections 3.2-3.6), except where that client is fragile: a reply without
 * the matching sub-message is SGX_ERROR_UNEXPECTED instead of a crash, and
 * the size query of sgx_init_quote_ex never reads *p_pub_key_id_size.
 *
 * Protobuf-c wants mutable byte pointers; the caller's const buffers are
 * copied into locals rather than cast.
 */
#include "sgx_uae_quote_ex.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "client.h"

/* One call in progress: where it goes and what came back. */
struct call {
	struct client_conf conf;
	enum client_op op;
	Aesm__Message__Response *res;
};

static void
call_begin(struct call *c, enum client_op op)
{
	client_conf_from_env(&c->conf);
	c->op = op;
	c->res = NULL;
}

static sgx_status_t
call_invalid(struct call *c, const char *what)
{
	client_debug(&c->conf, c->op, what, "invalid argument from the caller");
	return SGX_ERROR_INVALID_PARAMETER;
}

static sgx_status_t
call_run(struct call *c, const Aesm__Message__Request *req)
{
	return client_transact(&c->conf, c->op, req, &c->res);
}

/* The reply decoded but lacks the sub-message answering our request. */
static sgx_status_t
call_mismatch(struct call *c)
{
	client_debug(&c->conf, c->op, "reply lacks the matching response",
	             "the peer is not a compatible AESM service");
	wire_response_free(c->res);
	return SGX_ERROR_UNEXPECTED;
}

/*
 * Ends a call that got its reply: a field too long for the caller's
 * buffer overrides the errorCode, as in Intel's client.
 */
static sgx_status_t
call_finish(struct call *c, bool fits, uint32_t code)
{
	sgx_status_t s =
	        fits ? client_map_aesm(c->op, code) : SGX_ERROR_UNEXPECTED;
	char msg[96];

	wire_response_free(c->res);
	if (!fits) {
		client_debug(&c->conf, c->op, "reply field too long",
		             "the service does not follow the protocol");
	} else if (s != SGX_SUCCESS) {
		snprintf(msg, sizeof(msg), "service answered errorCode=%u (%s)",
		         code, client_status_name(s));
		client_debug(&c->conf, c->op, msg, "see the service's log");
	}
	return s;
}

/* Copies a reply field of at most cap bytes; false when longer. */
static bool
reply_copy(const ProtobufCBinaryData *field, void *dst, size_t cap)
{
	if (field->len > cap)
		return false;
	if (field->len > 0)
		memcpy(dst, field->data, field->len);
	return true;
}

sgx_status_t
sgx_select_att_key_id(const uint8_t *p_att_key_id_list,
                      uint32_t att_key_id_list_size,
                      sgx_att_key_id_t *p_selected_key_id)
{
	Aesm__Message__Request__SelectAttKeyIDRequest sub =
	        AESM__MESSAGE__REQUEST__SELECT_ATT_KEY_IDREQUEST__INIT;
	Aesm__Message__Request req = AESM__MESSAGE__REQUEST__INIT;
	Aesm__Message__Response__SelectAttKeyIDResponse *r;
	struct call c;
	uint8_t list[8 + SGX_QL_MAX_ATT_KEY_IDS * SGX_ATT_KEY_ID_SIZE];
	sgx_status_t s;
	bool fits = true;

	call_begin(&c, CLIENT_OP_SELECT_ATT_KEY_ID);
	if ((p_att_key_id_list == NULL && att_key_id_list_size != 0) ||
	    p_selected_key_id == NULL)
		return call_invalid(&c,
		                    "NULL list with a size, or NULL output");

	/* The service takes at most ten keys; a longer list gets its
	 * parameter error without being sent. */
	if (p_att_key_id_list != NULL && att_key_id_list_size != 0) {
		if (att_key_id_list_size > sizeof(list))
			return call_invalid(&c, "key ID list too long");
		memcpy(list, p_att_key_id_list, att_key_id_list_size);
		sub.has_att_key_id_list = true;
		sub.att_key_id_list.data = list;
		sub.att_key_id_list.len = att_key_id_list_size;
	}
	sub.has_timeout = true;
	sub.timeout = CLIENT_TIMEOUT_MS;
	req.selectattkeyidreq = &sub;

	if ((s = call_run(&c, &req)) != SGX_SUCCESS)
		return s;
	if ((r = c.res->selectattkeyidres) == NULL)
		return call_mismatch(&c);
	if (r->has_selected_att_key_id)
		fits = reply_copy(&r->selected_att_key_id, p_selected_key_id,
		                  sizeof(*p_selected_key_id));
	return call_finish(&c, fits, r->errorcode);
}

/* Copies the InitQuoteEx reply fields out (section 3.4). pub_key_id is
 * taken only when its length matches the size the service states. */
static bool
init_reply_copy(const Aesm__Message__Response__InitQuoteExResponse *r,
                sgx_target_info_t *ti, size_t *p_size, uint8_t *pub, size_t cap)
{
	if (r->has_target_info && !reply_copy(&r->target_info, ti, sizeof(*ti)))
		return false;
	/* XXX: truncates on 32-bit hosts; only 64-bit builds are made. */
	if (r->has_pub_key_id_size)
		*p_size = (size_t)r->pub_key_id_size;
	if (pub != NULL && r->has_pub_key_id && r->pub_key_id.len == *p_size)
		return reply_copy(&r->pub_key_id, pub, cap);
	return true;
}

sgx_status_t
sgx_init_quote_ex(const sgx_att_key_id_t *p_att_key_id,
                  sgx_target_info_t *p_qe_target_info,
                  size_t *p_pub_key_id_size, uint8_t *p_pub_key_id)
{
	Aesm__Message__Request__InitQuoteExRequest sub =
	        AESM__MESSAGE__REQUEST__INIT_QUOTE_EX_REQUEST__INIT;
	Aesm__Message__Request req = AESM__MESSAGE__REQUEST__INIT;
	Aesm__Message__Response__InitQuoteExResponse *r;
	sgx_att_key_id_t key;
	size_t cap = 0;
	struct call c;
	sgx_status_t s;
	bool fits;

	call_begin(&c, CLIENT_OP_INIT_QUOTE_EX);
	if (p_att_key_id == NULL || p_qe_target_info == NULL ||
	    p_pub_key_id_size == NULL)
		return call_invalid(&c, "NULL key ID, target info or size");
	/* Without an output buffer this is a size query and the size is an
	 * output only: DCAP's wrapper passes it uninitialised. */
	if (p_pub_key_id != NULL) {
		cap = *p_pub_key_id_size;
		if (cap == 0 || cap >= UINT32_MAX)
			return call_invalid(&c, "bad public key ID size");
	}

	key = *p_att_key_id;
	sub.has_att_key_id = true;
	sub.att_key_id.data = key.att_key_id;
	sub.att_key_id.len = sizeof(key);
	sub.b_pub_key_id = p_pub_key_id != NULL;
	sub.has_buf_size = cap != 0;
	sub.buf_size = cap;
	sub.has_timeout = true;
	sub.timeout = CLIENT_TIMEOUT_MS;
	req.initquoteexreq = &sub;

	if ((s = call_run(&c, &req)) != SGX_SUCCESS)
		return s;
	if ((r = c.res->initquoteexres) == NULL)
		return call_mismatch(&c);
	fits = init_reply_copy(r, p_qe_target_info, p_pub_key_id_size,
	                       p_pub_key_id, cap);
	return call_finish(&c, fits, r->errorcode);
}

sgx_status_t
sgx_get_quote_size_ex(const sgx_att_key_id_t *p_att_key_id,
                      uint32_t *p_quote_size)
{
	Aesm__Message__Request__GetQuoteSizeExRequest sub =
	        AESM__MESSAGE__REQUEST__GET_QUOTE_SIZE_EX_REQUEST__INIT;
	Aesm__Message__Request req = AESM__MESSAGE__REQUEST__INIT;
	Aesm__Message__Response__GetQuoteSizeExResponse *r;
	sgx_att_key_id_t key;
	struct call c;
	sgx_status_t s;

	call_begin(&c, CLIENT_OP_GET_QUOTE_SIZE_EX);
	if (p_quote_size == NULL)
		return call_invalid(&c, "NULL quote size");

	/* A NULL key is sent as absent, as Intel does; the service answers
	 * with a parameter error. */
	if (p_att_key_id != NULL) {
		key = *p_att_key_id;
		sub.has_att_key_id = true;
		sub.att_key_id.data = key.att_key_id;
		sub.att_key_id.len = sizeof(key);
	}
	sub.has_timeout = true;
	sub.timeout = CLIENT_TIMEOUT_MS;
	req.getquotesizeexreq = &sub;

	if ((s = call_run(&c, &req)) != SGX_SUCCESS)
		return s;
	if ((r = c.res->getquotesizeexres) == NULL)
		return call_mismatch(&c);
	*p_quote_size = r->has_quote_size ? r->quote_size : 0;
	return call_finish(&c, true, r->errorcode);
}

/* Copies the GetQuoteEx reply fields out (section 3.6). */
static bool
quote_reply_copy(const Aesm__Message__Response__GetQuoteExResponse *r,
                 sgx_qe_report_info_t *info, uint8_t *quote, uint32_t cap)
{
	if (r->has_quote && !reply_copy(&r->quote, quote, cap))
		return false;
	if (info != NULL && r->has_qe_report_info)
		return reply_copy(&r->qe_report_info, info, sizeof(*info));
	return true;
}

sgx_status_t
sgx_get_quote_ex(const sgx_report_t *p_app_report,
                 const sgx_att_key_id_t *p_att_key_id,
                 sgx_qe_report_info_t *p_qe_report_info, uint8_t *p_quote,
                 uint32_t quote_size)
{
	Aesm__Message__Request__GetQuoteExRequest sub =
	        AESM__MESSAGE__REQUEST__GET_QUOTE_EX_REQUEST__INIT;
	Aesm__Message__Request req = AESM__MESSAGE__REQUEST__INIT;
	Aesm__Message__Response__GetQuoteExResponse *r;
	sgx_report_t report;
	sgx_att_key_id_t key;
	struct call c;
	sgx_status_t s;
	bool fits;

	call_begin(&c, CLIENT_OP_GET_QUOTE_EX);
	if (p_app_report == NULL || p_att_key_id == NULL || p_quote == NULL ||
	    quote_size == 0)
		return call_invalid(&c, "NULL report, key ID or quote buffer, "
		                        "or zero quote size");

	report = *p_app_report;
	key = *p_att_key_id;
	sub.report.data = (uint8_t *)&report;
	sub.report.len = sizeof(report);
	sub.has_att_key_id = true;
	sub.att_key_id.data = key.att_key_id;
	sub.att_key_id.len = sizeof(key);
	if (p_qe_report_info != NULL) {
		sub.has_qe_report_info = true;
		sub.qe_report_info.data = (uint8_t *)p_qe_report_info;
		sub.qe_report_info.len = sizeof(*p_qe_report_info);
	}
	sub.buf_size = quote_size;
	sub.has_timeout = true;
	sub.timeout = CLIENT_TIMEOUT_MS;
	req.getquoteexreq = &sub;

	if ((s = call_run(&c, &req)) != SGX_SUCCESS)
		return s;
	if ((r = c.res->getquoteexres) == NULL)
		return call_mismatch(&c);
	fits = quote_reply_copy(r, p_qe_report_info, p_quote, quote_size);
	return call_finish(&c, fits, r->errorcode);
}

sgx_status_t
sgx_get_supported_att_key_id_num(uint32_t *p_att_key_id_num)
{
	Aesm__Message__Request__GetSupportedAttKeyIDNumRequest sub =
	        AESM__MESSAGE__REQUEST__GET_SUPPORTED_ATT_KEY_IDNUM_REQUEST__INIT;
	Aesm__Message__Request req = AESM__MESSAGE__REQUEST__INIT;
	Aesm__Message__Response__GetSupportedAttKeyIDNumResponse *r;
	struct call c;
	sgx_status_t s;

	call_begin(&c, CLIENT_OP_GET_SUPPORTED_NUM);
	if (p_att_key_id_num == NULL)
		return call_invalid(&c, "NULL count");

	sub.has_timeout = true;
	sub.timeout = CLIENT_TIMEOUT_MS;
	req.getsupportedattkeyidnumreq = &sub;

	if ((s = call_run(&c, &req)) != SGX_SUCCESS)
		return s;
	if ((r = c.res->getsupportedattkeyidnumres) == NULL)
		return call_mismatch(&c);
	*p_att_key_id_num = r->has_att_key_id_num ? r->att_key_id_num : 0;
	return call_finish(&c, true, r->errorcode);
}

sgx_status_t
sgx_get_supported_att_key_ids(sgx_att_key_id_ext_t *p_att_key_id_list,
                              uint32_t att_key_id_num)
{
	Aesm__Message__Request__GetSupportedAttKeyIDsRequest sub =
	        AESM__MESSAGE__REQUEST__GET_SUPPORTED_ATT_KEY_IDS_REQUEST__INIT;
	Aesm__Message__Request req = AESM__MESSAGE__REQUEST__INIT;
	Aesm__Message__Response__GetSupportedAttKeyIDsResponse *r;
	uint32_t cap;
	struct call c;
	sgx_status_t s;
	bool fits = true;

	call_begin(&c, CLIENT_OP_GET_SUPPORTED_IDS);
	if (p_att_key_id_list == NULL || att_key_id_num == 0 ||
	    att_key_id_num > UINT32_MAX / SGX_ATT_KEY_ID_SIZE)
		return call_invalid(&c, "NULL list or bad count");

	cap = att_key_id_num * SGX_ATT_KEY_ID_SIZE;
	sub.buf_size = cap;
	sub.has_timeout = true;
	sub.timeout = CLIENT_TIMEOUT_MS;
	req.getsupportedattkeyidsreq = &sub;

	if ((s = call_run(&c, &req)) != SGX_SUCCESS)
		return s;
	if ((r = c.res->getsupportedattkeyidsres) == NULL)
		return call_mismatch(&c);
	if (r->has_att_key_ids)
		fits = reply_copy(&r->att_key_ids, p_att_key_id_list, cap);
	return call_finish(&c, fits, r->errorcode);
}
