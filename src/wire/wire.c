#include "wire.h"

#include <stdbool.h>
#include <stdlib.h>

#include "common/cursor.h"

/* The order in which Intel's server looks for a request field (reference
 * "AESM protocol" section 1.3.1): the first one present wins. */
static const enum wire_kind request_order[] = {
        WIRE_KIND_GET_LAUNCH_TOKEN,
        WIRE_KIND_INIT_QUOTE,
        WIRE_KIND_GET_QUOTE,
        WIRE_KIND_REPORT_ATT_ERROR,
        WIRE_KIND_CHECK_UPDATE_STATUS,
        WIRE_KIND_GET_WHITE_LIST_SIZE,
        WIRE_KIND_GET_WHITE_LIST,
        WIRE_KIND_GET_EXT_EPID_GROUP_ID,
        WIRE_KIND_SWITCH_EXT_EPID_GROUP,
        WIRE_KIND_SGX_REGISTER,
        WIRE_KIND_INIT_QUOTE_EX,
        WIRE_KIND_GET_QUOTE_SIZE_EX,
        WIRE_KIND_GET_QUOTE_EX,
        WIRE_KIND_SELECT_ATT_KEY_ID,
        WIRE_KIND_GET_SUPPORTED_ATT_KEY_ID_NUM,
        WIRE_KIND_GET_SUPPORTED_ATT_KEY_IDS,
};

#define N_REQUEST_KINDS (sizeof(request_order) / sizeof(request_order[0]))

const char *
wire_kind_name(enum wire_kind kind)
{
	switch (kind) {
	case WIRE_KIND_NONE:
		return "none";
	case WIRE_KIND_INIT_QUOTE:
		return "InitQuote";
	case WIRE_KIND_GET_QUOTE:
		return "GetQuote";
	case WIRE_KIND_GET_LAUNCH_TOKEN:
		return "GetLaunchToken";
	case WIRE_KIND_REPORT_ATT_ERROR:
		return "ReportAttestationError";
	case WIRE_KIND_GET_WHITE_LIST_SIZE:
		return "GetWhiteListSize";
	case WIRE_KIND_GET_WHITE_LIST:
		return "GetWhiteList";
	case WIRE_KIND_GET_EXT_EPID_GROUP_ID:
		return "SGXGetExtendedEpidGroupId";
	case WIRE_KIND_SWITCH_EXT_EPID_GROUP:
		return "SGXSwitchExtendedEpidGroup";
	case WIRE_KIND_SGX_REGISTER:
		return "SGXRegister";
	case WIRE_KIND_INIT_QUOTE_EX:
		return "InitQuoteEx";
	case WIRE_KIND_GET_QUOTE_SIZE_EX:
		return "GetQuoteSizeEx";
	case WIRE_KIND_GET_QUOTE_EX:
		return "GetQuoteEx";
	case WIRE_KIND_CHECK_UPDATE_STATUS:
		return "CheckUpdateStatus";
	case WIRE_KIND_SELECT_ATT_KEY_ID:
		return "SelectAttKeyID";
	case WIRE_KIND_UNSUPPORTED:
		return "UnsupportedRequest";
	case WIRE_KIND_GET_SUPPORTED_ATT_KEY_ID_NUM:
		return "GetSupportedAttKeyIDNum";
	case WIRE_KIND_GET_SUPPORTED_ATT_KEY_IDS:
		return "GetSupportedAttKeyIDs";
	}
	return "unknown";
}

enum err
wire_frame_len(const uint8_t prefix[static WIRE_LEN_SIZE], uint32_t max,
               uint32_t *len)
{
	struct cursor c;
	uint32_t n;

	cursor_init(&c, prefix, WIRE_LEN_SIZE);
	if (cursor_u32le(&c, &n) != ERR_OK)
		return ERR_TRUNCATED;
	if (n == 0)
		return ERR_INVALID;
	if (n > max)
		return ERR_RANGE;
	*len = n;
	return ERR_OK;
}

void
wire_frame_put_len(uint8_t prefix[static WIRE_LEN_SIZE], uint32_t len)
{
	prefix[0] = (uint8_t)len;
	prefix[1] = (uint8_t)(len >> 8);
	prefix[2] = (uint8_t)(len >> 16);
	prefix[3] = (uint8_t)(len >> 24);
}

Aesm__Message__Request *
wire_request_decode(const uint8_t *body, size_t len)
{
	return aesm__message__request__unpack(NULL, len, body);
}

void
wire_request_free(Aesm__Message__Request *req)
{
	if (req != NULL)
		aesm__message__request__free_unpacked(req, NULL);
}

Aesm__Message__Response *
wire_response_decode(const uint8_t *body, size_t len)
{
	return aesm__message__response__unpack(NULL, len, body);
}

void
wire_response_free(Aesm__Message__Response *res)
{
	if (res != NULL)
		aesm__message__response__free_unpacked(res, NULL);
}

/* Whether the request carries the envelope field of a kind. */
static bool
request_has(const Aesm__Message__Request *r, enum wire_kind kind)
{
	switch (kind) {
	case WIRE_KIND_INIT_QUOTE:
		return r->initquotereq != NULL;
	case WIRE_KIND_GET_QUOTE:
		return r->getquotereq != NULL;
	case WIRE_KIND_GET_LAUNCH_TOKEN:
		return r->getlictokenreq != NULL;
	case WIRE_KIND_REPORT_ATT_ERROR:
		return r->reporterrreq != NULL;
	case WIRE_KIND_GET_WHITE_LIST_SIZE:
		return r->getwhitelistsizereq != NULL;
	case WIRE_KIND_GET_WHITE_LIST:
		return r->getwhitelistreq != NULL;
	case WIRE_KIND_GET_EXT_EPID_GROUP_ID:
		return r->sgxgetextendedepidgroupidreq != NULL;
	case WIRE_KIND_SWITCH_EXT_EPID_GROUP:
		return r->sgxswitchextendedepidgroupreq != NULL;
	case WIRE_KIND_SGX_REGISTER:
		return r->sgxregisterreq != NULL;
	case WIRE_KIND_INIT_QUOTE_EX:
		return r->initquoteexreq != NULL;
	case WIRE_KIND_GET_QUOTE_SIZE_EX:
		return r->getquotesizeexreq != NULL;
	case WIRE_KIND_GET_QUOTE_EX:
		return r->getquoteexreq != NULL;
	case WIRE_KIND_CHECK_UPDATE_STATUS:
		return r->checkupdatestatusreq != NULL;
	case WIRE_KIND_SELECT_ATT_KEY_ID:
		return r->selectattkeyidreq != NULL;
	case WIRE_KIND_GET_SUPPORTED_ATT_KEY_ID_NUM:
		return r->getsupportedattkeyidnumreq != NULL;
	case WIRE_KIND_GET_SUPPORTED_ATT_KEY_IDS:
		return r->getsupportedattkeyidsreq != NULL;
	case WIRE_KIND_NONE:
	case WIRE_KIND_UNSUPPORTED:
		break;
	}
	return false;
}

enum wire_kind
wire_request_kind(const Aesm__Message__Request *req)
{
	for (size_t i = 0; i < N_REQUEST_KINDS; i++) {
		if (request_has(req, request_order[i]))
			return request_order[i];
	}
	return WIRE_KIND_NONE;
}

/* Reads a protobuf base-128 varint of at most 10 bytes. */
static enum err
scan_varint(struct cursor *c, uint64_t *out)
{
	uint64_t v = 0;
	uint8_t b;

	for (unsigned shift = 0; shift < 70; shift += 7) {
		if (cursor_u8(c, &b) != ERR_OK)
			return ERR_TRUNCATED;
		v |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0) {
			*out = v;
			return ERR_OK;
		}
	}
	return ERR_INVALID;
}

/* Skips the value of one field of the given wire type. */
static enum err
scan_skip_value(struct cursor *c, unsigned wire_type)
{
	uint64_t v;
	enum err e;

	switch (wire_type) {
	case 0: /* varint */
		return scan_varint(c, &v);
	case 1: /* 64-bit */
		return cursor_skip(c, 8);
	case 2: /* length-delimited */
		if ((e = scan_varint(c, &v)) != ERR_OK)
			return e;
		if (v > cursor_remaining(c))
			return ERR_TRUNCATED;
		return cursor_skip(c, (size_t)v);
	case 5: /* 32-bit */
		return cursor_skip(c, 4);
	default:
		return ERR_INVALID;
	}
}

/* Reads a field's key; field number 0 is not protobuf. */
static enum err
scan_key(struct cursor *c, uint64_t *key)
{
	enum err e = scan_varint(c, key);

	if (e == ERR_OK && (*key >> 3) == 0)
		return ERR_INVALID;
	return e;
}

/* Checks that len bytes are a sequence of well-formed fields. */
static enum err
scan_fields(const uint8_t *data, size_t len)
{
	struct cursor c;
	uint64_t key;
	enum err e;

	cursor_init(&c, data, len);
	while (cursor_remaining(&c) > 0) {
		if ((e = scan_key(&c, &key)) != ERR_OK ||
		    (e = scan_skip_value(&c, (unsigned)(key & 7))) != ERR_OK)
			return e == ERR_TRUNCATED ? ERR_INVALID : e;
	}
	return ERR_OK;
}

static bool
scan_known_kind(uint64_t field)
{
	for (size_t i = 0; i < N_REQUEST_KINDS; i++) {
		if ((uint64_t)request_order[i] == field)
			return true;
	}
	return false;
}

enum wire_kind
wire_request_scan_kind(const uint8_t *body, size_t len, enum err *status)
{
	bool present[32] = {false};
	const uint8_t *sub;
	struct cursor c;
	uint64_t key, sub_len;
	enum err e;

	cursor_init(&c, body, len);
	while (cursor_remaining(&c) > 0) {
		if ((e = scan_key(&c, &key)) != ERR_OK)
			goto malformed;
		if ((key & 7) != 2 || !scan_known_kind(key >> 3)) {
			if ((e = scan_skip_value(&c, (unsigned)(key & 7))) !=
			    ERR_OK)
				goto malformed;
			continue;
		}
		/* A request message: Intel's parser reads it too, so bytes
		 * in it that are not protobuf make the whole request
		 * malformed. */
		if ((e = scan_varint(&c, &sub_len)) != ERR_OK)
			goto malformed;
		if (sub_len > cursor_remaining(&c) ||
		    cursor_bytes(&c, (size_t)sub_len, &sub) != ERR_OK) {
			e = ERR_INVALID;
			goto malformed;
		}
		if ((e = scan_fields(sub, (size_t)sub_len)) != ERR_OK)
			goto malformed;
		present[key >> 3] = true;
	}
	*status = ERR_OK;
	for (size_t i = 0; i < N_REQUEST_KINDS; i++) {
		if (present[request_order[i]])
			return request_order[i];
	}
	return WIRE_KIND_NONE;

malformed:
	*status = e == ERR_TRUNCATED ? ERR_INVALID : e;
	return WIRE_KIND_NONE;
}

enum err
wire_encode(const ProtobufCMessage *msg, uint32_t max, uint8_t **out,
            size_t *out_len)
{
	size_t body = protobuf_c_message_get_packed_size(msg);
	uint8_t *p;

	if (body > max)
		return ERR_RANGE;
	if ((p = malloc(WIRE_LEN_SIZE + body)) == NULL)
		return ERR_NOMEM;
	wire_frame_put_len(p, (uint32_t)body);
	if (protobuf_c_message_pack(msg, p + WIRE_LEN_SIZE) != body) {
		free(p);
		return ERR_INVALID;
	}
	*out = p;
	*out_len = WIRE_LEN_SIZE + body;
	return ERR_OK;
}
