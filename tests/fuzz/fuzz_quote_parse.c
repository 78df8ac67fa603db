/*
 * libFuzzer target for quote_parse(). Beyond "no crash": every view the
 * parser returns must lie inside the input (the sanitizer checks each
 * byte read here), and a v3 quote that parses must be rebuilt from its
 * parts byte for byte, so the parser accepts nothing the builder would
 * write differently.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quote/quote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint8_t sink;

static void
touch(const void *p, size_t n)
{
	const volatile uint8_t *b = p;
	uint8_t x = 0;

	for (size_t i = 0; i < n; i++)
		x ^= b[i];
	sink = x;
}

static void
touch_views(const struct quote *q)
{
	touch(q->body, q->body_len);
	touch(q->signature, QUOTE_SIG_SIZE);
	touch(q->att_key, QUOTE_ATT_KEY_SIZE);
	touch(q->qe_report_raw, SGX_REPORT_BODY_SIZE);
	touch(q->qe_report_sig, QUOTE_SIG_SIZE);
	touch(q->auth_data, q->auth_data_len);
	touch(q->cert.data, q->cert.size);
	if (q->cert.ppid != NULL)
		touch(q->cert.ppid, q->cert.ppid_len);
	for (size_t i = 0; i < q->cert.cert_count; i++)
		touch(q->cert.certs[i].der, q->cert.certs[i].len);
}

static void
check_rebuild(const struct quote *q)
{
	struct quote_v3_parts parts;
	uint8_t *out;
	size_t len;

	if (quote_v3_parts_from_quote(q, &parts) != ERR_OK)
		abort();
	if ((out = malloc(q->len)) == NULL)
		return;
	if (quote_v3_build(&parts, out, q->len, &len) != ERR_OK ||
	    len != q->len || memcmp(out, q->raw, len) != 0)
		abort();
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct quote_td_report td;
	struct quote q;

	if (quote_parse(data, size, &q) != ERR_OK)
		return 0;
	if (q.len > size)
		abort();
	touch_views(&q);
	if (q.kind == QUOTE_KIND_SGX_V3)
		check_rebuild(&q);
	else if (quote_td_report_parse(&q, &td) != ERR_OK &&
	         q.kind != QUOTE_KIND_SGX_V5)
		abort();
	return 0;
}
