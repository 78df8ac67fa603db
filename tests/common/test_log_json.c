/*
 * JSON log lines with values that are not all valid UTF-8: every line must
 * parse (jansson refuses invalid UTF-8 itself), valid sequences must come
 * through as the same bytes, and each byte of an invalid one (overlong,
 * surrogate, above U+10FFFF, cut short, stray continuation) must become
 * U+FFFD.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "common/log.h"

/* U+FFFD as UTF-8, what a parser gives back for "\ufffd". */
#define R "\xef\xbf\xbd"

struct utf8_case {
	const char *name;
	const char *in;
	const char *want; /* the value as a JSON reader decodes it */
};

static const struct utf8_case cases[] = {
        /* Valid: kept byte for byte, the bounds of each length. */
        {"ascii", "plain", "plain"},
        {"two bytes, lowest", "\xc2\x80", "\xc2\x80"},
        {"two bytes, highest", "\xdf\xbf", "\xdf\xbf"},
        {"e acute", "caf\xc3\xa9", "caf\xc3\xa9"},
        {"three bytes, lowest", "\xe0\xa0\x80", "\xe0\xa0\x80"},
        {"euro sign", "\xe2\x82\xac", "\xe2\x82\xac"},
        {"below the surrogates", "\xed\x9f\xbf", "\xed\x9f\xbf"},
        {"above the surrogates", "\xee\x80\x80", "\xee\x80\x80"},
        {"three bytes, highest", "\xef\xbf\xbf", "\xef\xbf\xbf"},
        {"four bytes, lowest", "\xf0\x90\x80\x80", "\xf0\x90\x80\x80"},
        {"emoji", "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},
        {"U+10FFFF", "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"},
        {"mixed",
         "a\xc3\xa9"
         "b\xe2\x82\xac"
         "c",
         "a\xc3\xa9"
         "b\xe2\x82\xac"
         "c"},
        /* Stray bytes. */
        {"lone continuation", "\x80", R},
        {"last continuation", "\xbf", R},
        {"continuation between ascii",
         "a\x80"
         "b",
         "a" R "b"},
        {"fe", "\xfe", R},
        {"ff", "\xff", R},
        /* Overlong forms. */
        {"overlong nul", "\xc0\x80", R R},
        {"overlong c1", "\xc1\xbf", R R},
        {"overlong three bytes", "\xe0\x80\x80", R R R},
        {"overlong three bytes, highest", "\xe0\x9f\xbf", R R R},
        {"overlong four bytes", "\xf0\x80\x80\x80", R R R R},
        {"overlong four bytes, highest", "\xf0\x8f\xbf\xbf", R R R R},
        /* UTF-16 surrogates. */
        {"high surrogate", "\xed\xa0\x80", R R R},
        {"low surrogate", "\xed\xbf\xbf", R R R},
        {"surrogate pair", "\xed\xa0\xbd\xed\xb8\x80", R R R R R R},
        /* Above U+10FFFF and the old five- and six-byte forms. */
        {"U+110000", "\xf4\x90\x80\x80", R R R R},
        {"f5 lead", "\xf5\x80\x80\x80", R R R R},
        {"five bytes", "\xf8\x88\x80\x80\x80", R R R R R},
        {"six bytes", "\xfc\x84\x80\x80\x80\x80", R R R R R R},
        /* Cut short, at the end and before other characters. */
        {"two bytes cut", "\xc3", R},
        {"three bytes cut after one", "\xe2", R},
        {"three bytes cut after two", "\xe2\x82", R R},
        {"four bytes cut after three", "\xf0\x9f\x98", R R R},
        {"cut before ascii",
         "\xe2\x82"
         "A",
         R R "A"},
        {"cut before a valid one", "\xe2\xc3\xa9", R "\xc3\xa9"},
        {"valid then invalid", "\xc3\xa9\xff", "\xc3\xa9" R},
};

struct kv {
	const char *key, *value;
};

static void
log_kv(void *arg)
{
	const struct kv *kv = arg;

	log_set_level(LOG_LEVEL_INFO);
	log_set_format(LOG_FORMAT_JSON);
	log_info("event=utf8 %s=%s n=1", kv->key, kv->value);
	log_set_format(LOG_FORMAT_TEXT);
	log_set_level(LOG_LEVEL_ERROR);
}

/* Runs the log line through a temporary stderr; returns what it wrote. */
static char *
log_captured(const char *key, const char *value)
{
	struct kv kv = {key, value};
	char *text = capture_stderr(log_kv, &kv);

	assert_true(text[0] != '\0');
	return text;
}

static json_t *
parse_line(const char *name, const char *line)
{
	json_error_t err;
	json_t *o = json_loads(line, JSON_DISABLE_EOF_CHECK, &err);

	if (o == NULL)
		fail_msg("%s: not JSON (%s): %s", name, err.text, line);
	return o;
}

static void
test_log_json_utf8_values(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct utf8_case *c = &cases[i];
		char *line = log_captured("v", c->in);
		json_t *o = parse_line(c->name, line);
		const char *got = json_string_value(json_object_get(o, "v"));

		if (got == NULL || strcmp(got, c->want) != 0)
			fail_msg("%s: got \"%s\" in %s", c->name,
			         got != NULL ? got : "(none)", line);
		/* Valid text is written as it is, not escaped. */
		if (strcmp(c->in, c->want) == 0)
			assert_non_null(strstr(line, c->in));
		else
			assert_non_null(strstr(line, "\\ufffd"));
		/* The pairs after the value are still there. */
		assert_int_equal(json_integer_value(json_object_get(o, "n")),
		                 1);
		json_decref(o);
		free(line);
	}
}

/* Keys are written the same way. */
static void
test_log_json_utf8_key(void **state)
{
	char *line = log_captured("k\xff", "1");
	json_t *o = parse_line("key", line);

	(void)state;
	assert_int_equal(json_integer_value(json_object_get(o, "k" R)), 1);
	json_decref(o);
	free(line);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_log_json_utf8_values),
	        cmocka_unit_test(test_log_json_utf8_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
