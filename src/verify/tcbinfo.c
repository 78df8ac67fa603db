#include "tcbinfo.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "common/timeutil.h"

static enum err __attribute__((format(printf, 2, 3)))
tcbinfo_fail(char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, TCBINFO_ERROR_SIZE, fmt, ap);
	va_end(ap);
	return ERR_INVALID;
}

static enum err
json_get_int(const json_t *obj, const char *key, json_int_t min, json_int_t max,
             json_int_t *out, char *why)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v))
		return tcbinfo_fail(why, "%s: missing or not an integer", key);
	*out = json_integer_value(v);
	if (*out < min || *out > max)
		return tcbinfo_fail(why, "%s: %lld out of range", key,
		                    (long long)*out);
	return ERR_OK;
}

static enum err
json_get_str(const json_t *obj, const char *key, const char **s, size_t *len,
             char *why)
{
	const json_t *v = json_object_get(obj, key);

	*s = NULL;
	*len = 0;
	if (!json_is_string(v))
		return tcbinfo_fail(why, "%s: missing or not a string", key);
	*s = json_string_value(v);
	*len = json_string_length(v);
	return ERR_OK;
}

static enum err
json_get_hex(const json_t *obj, const char *key, uint8_t *out, size_t n,
             char *why)
{
	const char *s;
	size_t len;

	if (json_get_str(obj, key, &s, &len, why) != ERR_OK)
		return ERR_INVALID;
	if (hex_decode(s, len, out, n) != ERR_OK)
		return tcbinfo_fail(why, "%s: not %zu hex bytes", key, n);
	return ERR_OK;
}

static enum err
json_get_time(const json_t *obj, const char *key, time_t *out, char *why)
{
	const char *s;
	size_t len;

	if (json_get_str(obj, key, &s, &len, why) != ERR_OK)
		return ERR_INVALID;
	if (timeutil_parse_rfc3339(s, len, out) != ERR_OK)
		return tcbinfo_fail(why, "%s: not an RFC 3339 time", key);
	return ERR_OK;
}

static enum err
json_get_id(const json_t *obj, char id[static TCBINFO_MAX_ID], char *why)
{
	const char *s;
	size_t len;

	if (json_get_str(obj, "id", &s, &len, why) != ERR_OK)
		return ERR_INVALID;
	if (len == 0 || len >= TCBINFO_MAX_ID || strlen(s) != len)
		return tcbinfo_fail(why, "id: unexpected value");
	memcpy(id, s, len + 1);
	return ERR_OK;
}

/* The status and advisories every level has (sections 3.2 and 3.3). */
static enum err
level_get_status(const json_t *level, enum tcb_status *status,
                 const json_t **advisories, char *why)
{
	const json_t *adv = json_object_get(level, "advisoryIDs");
	const char *s;
	size_t len, i;
	const json_t *v;
	time_t date;

	if (json_get_str(level, "tcbStatus", &s, &len, why) != ERR_OK)
		return ERR_INVALID;
	if (tcb_status_parse(s, len, status) != ERR_OK)
		return tcbinfo_fail(why, "tcbStatus: unknown status \"%.40s\"",
		                    s);
	if (json_get_time(level, "tcbDate", &date, why) != ERR_OK)
		return ERR_INVALID;

	*advisories = NULL;
	if (adv == NULL)
		return ERR_OK;
	if (!json_is_array(adv))
		return tcbinfo_fail(why, "advisoryIDs: not an array");
	json_array_foreach(adv, i, v)
	{
		if (!json_is_string(v))
			return tcbinfo_fail(why, "advisoryIDs: not a string");
	}
	*advisories = adv;
	return ERR_OK;
}

/* Version 2: "sgxtcbcomp01svn" .. "sgxtcbcomp16svn" beside "pcesvn". */
static enum err
level_get_svns_v2(const json_t *tcb, uint8_t comp[static 16], char *why)
{
	char key[24];
	json_int_t v;

	for (int i = 0; i < TCBINFO_COMPONENTS; i++) {
		snprintf(key, sizeof(key), "sgxtcbcomp%02dsvn", i + 1);
		if (json_get_int(tcb, key, 0, 255, &v, why) != ERR_OK)
			return ERR_INVALID;
		comp[i] = (uint8_t)v;
	}
	return ERR_OK;
}

/* Version 3: "sgxtcbcomponents": exactly 16 objects with "svn". */
static enum err
level_get_svns_v3(const json_t *tcb, uint8_t comp[static 16], char *why)
{
	const json_t *arr = json_object_get(tcb, "sgxtcbcomponents");
	json_int_t v;

	if (!json_is_array(arr) || json_array_size(arr) != TCBINFO_COMPONENTS)
		return tcbinfo_fail(why, "sgxtcbcomponents: not 16 entries");
	for (size_t i = 0; i < TCBINFO_COMPONENTS; i++) {
		if (json_get_int(json_array_get(arr, i), "svn", 0, 255, &v,
		                 why) != ERR_OK)
			return ERR_INVALID;
		comp[i] = (uint8_t)v;
	}
	return ERR_OK;
}

static enum err
tcbinfo_parse_level(const json_t *level, int version, struct tcb_level *out,
                    char *why)
{
	const json_t *tcb = json_object_get(level, "tcb");
	json_int_t pcesvn;
	enum err e;

	if (!json_is_object(tcb))
		return tcbinfo_fail(why, "tcbLevels: entry without tcb");
	e = version == 2 ? level_get_svns_v2(tcb, out->comp_svn, why)
	                 : level_get_svns_v3(tcb, out->comp_svn, why);
	if (e != ERR_OK)
		return e;
	if (json_get_int(tcb, "pcesvn", 0, UINT16_MAX, &pcesvn, why) != ERR_OK)
		return ERR_INVALID;
	out->pcesvn = (uint16_t)pcesvn;
	return level_get_status(level, &out->status, &out->advisory_ids, why);
}

/* Highest first: component SVNs in order, then PCESVN (section 3.5). */
static int
tcb_level_cmp_desc(const void *a, const void *b)
{
	const struct tcb_level *x = a, *y = b;
	int c = memcmp(y->comp_svn, x->comp_svn, TCBINFO_COMPONENTS);

	if (c != 0)
		return c;
	return (int)y->pcesvn - (int)x->pcesvn;
}

static enum err
tcbinfo_parse_levels(const json_t *root, struct tcb_info *ti, char *why)
{
	const json_t *arr = json_object_get(root, "tcbLevels");
	size_t n = json_array_size(arr);

	if (!json_is_array(arr) || n == 0 || n > TCBINFO_MAX_LEVELS)
		return tcbinfo_fail(why, "tcbLevels: missing, empty or too "
		                         "long");
	if ((ti->levels = calloc(n, sizeof(*ti->levels))) == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		if (tcbinfo_parse_level(json_array_get(arr, i), ti->version,
		                        &ti->levels[i], why) != ERR_OK)
			return ERR_INVALID;
	}
	ti->level_count = n;

	qsort(ti->levels, n, sizeof(*ti->levels), tcb_level_cmp_desc);
	for (size_t i = 1; i < n; i++) {
		if (tcb_level_cmp_desc(&ti->levels[i - 1], &ti->levels[i]) == 0)
			return tcbinfo_fail(why, "tcbLevels: duplicate level");
	}
	return ERR_OK;
}

static enum err
tcbinfo_parse_header(const json_t *root, struct tcb_info *ti, char *why)
{
	json_int_t v;

	if (json_get_int(root, "version", 2, 3, &v, why) != ERR_OK)
		return ERR_INVALID;
	ti->version = (int)v;
	if (ti->version == 3 && json_get_id(root, ti->id, why) != ERR_OK)
		return ERR_INVALID;
	if (json_get_time(root, "issueDate", &ti->issue_date, why) != ERR_OK ||
	    json_get_time(root, "nextUpdate", &ti->next_update, why) !=
	            ERR_OK ||
	    json_get_hex(root, "fmspc", ti->fmspc, sizeof(ti->fmspc), why) !=
	            ERR_OK ||
	    json_get_hex(root, "pceId", ti->pceid, sizeof(ti->pceid), why) !=
	            ERR_OK)
		return ERR_INVALID;
	if (json_get_int(root, "tcbType", 0, 0, &v, why) != ERR_OK)
		return ERR_INVALID;
	return json_get_int(root, "tcbEvaluationDataNumber", 0, UINT32_MAX, &v,
	                    why);
}

static enum err
tcbinfo_load_object(const char *text, size_t len, json_t **out, char *why)
{
	json_error_t jerr;

	*out = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (*out == NULL)
		return tcbinfo_fail(why, "JSON: %s at line %d", jerr.text,
		                    jerr.line);
	if (!json_is_object(*out))
		return tcbinfo_fail(why, "JSON: not an object");
	return ERR_OK;
}

enum err
tcbinfo_parse(const char *text, size_t len, struct tcb_info *out,
              char why[static TCBINFO_ERROR_SIZE])
{
	enum err e;

	memset(out, 0, sizeof(*out));
	if ((e = tcbinfo_load_object(text, len, &out->json, why)) != ERR_OK ||
	    (e = tcbinfo_parse_header(out->json, out, why)) != ERR_OK ||
	    (e = tcbinfo_parse_levels(out->json, out, why)) != ERR_OK) {
		tcbinfo_free(out);
		return e;
	}
	return ERR_OK;
}

void
tcbinfo_free(struct tcb_info *ti)
{
	free(ti->levels);
	json_decref(ti->json);
	memset(ti, 0, sizeof(*ti));
}

const struct tcb_level *
tcbinfo_match(const struct tcb_info *ti, const uint8_t comp_svn[static 16],
              uint16_t pcesvn)
{
	for (size_t i = 0; i < ti->level_count; i++) {
		const struct tcb_level *l = &ti->levels[i];
		size_t c = 0;

		while (c < TCBINFO_COMPONENTS && comp_svn[c] >= l->comp_svn[c])
			c++;
		if (c == TCBINFO_COMPONENTS && pcesvn >= l->pcesvn)
			return l;
	}
	return NULL;
}

/* A little-endian u32 written as 8 hex digits (section 3.3). */
static enum err
json_get_hex_u32le(const json_t *obj, const char *key, uint32_t *out, char *why)
{
	uint8_t b[4];

	if (json_get_hex(obj, key, b, sizeof(b), why) != ERR_OK)
		return ERR_INVALID;
	*out = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
	return ERR_OK;
}

static enum err
qeid_parse_level(const json_t *level, struct qe_level *out, char *why)
{
	const json_t *tcb = json_object_get(level, "tcb");
	json_int_t v;

	if (!json_is_object(tcb))
		return tcbinfo_fail(why, "tcbLevels: entry without tcb");
	if (json_get_int(tcb, "isvsvn", 0, UINT16_MAX, &v, why) != ERR_OK)
		return ERR_INVALID;
	out->isvsvn = (uint16_t)v;
	if (level_get_status(level, &out->status, &out->advisory_ids, why) !=
	    ERR_OK)
		return ERR_INVALID;
	if (!tcb_status_valid_for_qe(out->status))
		return tcbinfo_fail(why, "tcbStatus: %s not allowed for a QE",
		                    tcb_status_name(out->status));
	return ERR_OK;
}

static enum err
qeid_parse_levels(const json_t *root, struct qe_identity *qe, char *why)
{
	const json_t *arr = json_object_get(root, "tcbLevels");
	size_t n = json_array_size(arr);

	if (!json_is_array(arr) || n == 0 || n > TCBINFO_MAX_LEVELS)
		return tcbinfo_fail(why, "tcbLevels: missing, empty or too "
		                         "long");
	if ((qe->levels = calloc(n, sizeof(*qe->levels))) == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		if (qeid_parse_level(json_array_get(arr, i), &qe->levels[i],
		                     why) != ERR_OK)
			return ERR_INVALID;
	}
	qe->level_count = n;
	return ERR_OK;
}

static enum err
qeid_parse_header(const json_t *root, struct qe_identity *qe, char *why)
{
	json_int_t v;

	if (json_get_id(root, qe->id, why) != ERR_OK ||
	    json_get_int(root, "version", 2, 2, &v, why) != ERR_OK)
		return ERR_INVALID;
	qe->version = (int)v;
	if (json_get_time(root, "issueDate", &qe->issue_date, why) != ERR_OK ||
	    json_get_time(root, "nextUpdate", &qe->next_update, why) != ERR_OK)
		return ERR_INVALID;
	if (json_get_hex_u32le(root, "miscselect", &qe->miscselect, why) !=
	            ERR_OK ||
	    json_get_hex_u32le(root, "miscselectMask", &qe->miscselect_mask,
	                       why) != ERR_OK ||
	    json_get_hex(root, "attributes", qe->attributes, 16, why) !=
	            ERR_OK ||
	    json_get_hex(root, "attributesMask", qe->attributes_mask, 16,
	                 why) != ERR_OK ||
	    json_get_hex(root, "mrsigner", qe->mrsigner, 32, why) != ERR_OK)
		return ERR_INVALID;
	if (json_get_int(root, "isvprodid", 0, UINT16_MAX, &v, why) != ERR_OK)
		return ERR_INVALID;
	qe->isvprodid = (uint16_t)v;
	return json_get_int(root, "tcbEvaluationDataNumber", 0, UINT32_MAX, &v,
	                    why);
}

enum err
qeid_parse(const char *text, size_t len, struct qe_identity *out,
           char why[static TCBINFO_ERROR_SIZE])
{
	enum err e;

	memset(out, 0, sizeof(*out));
	if ((e = tcbinfo_load_object(text, len, &out->json, why)) != ERR_OK ||
	    (e = qeid_parse_header(out->json, out, why)) != ERR_OK ||
	    (e = qeid_parse_levels(out->json, out, why)) != ERR_OK) {
		qeid_free(out);
		return e;
	}
	return ERR_OK;
}

void
qeid_free(struct qe_identity *qe)
{
	free(qe->levels);
	json_decref(qe->json);
	memset(qe, 0, sizeof(*qe));
}

const struct qe_level *
qeid_match(const struct qe_identity *qe, uint16_t isvsvn)
{
	for (size_t i = 0; i < qe->level_count; i++) {
		if (isvsvn >= qe->levels[i].isvsvn)
			return &qe->levels[i];
	}
	return NULL;
}
