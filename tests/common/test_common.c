/* Unit tests for the common layer: cursor, buffer, hex, files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "common/buf.h"
#include "common/cursor.h"
#include "common/file.h"
#include "common/hex.h"
#include "common/keyid.h"
#include "common/log.h"
#include "common/size.h"

static void
test_cursor_reads_little_endian(void **state)
{
	const uint8_t data[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	                        0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
	struct cursor c;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	(void)state;
	cursor_init(&c, data, sizeof(data));
	assert_int_equal(cursor_u8(&c, &u8), ERR_OK);
	assert_int_equal(u8, 0x01);
	assert_int_equal(cursor_u16le(&c, &u16), ERR_OK);
	assert_int_equal(u16, 0x0302);
	assert_int_equal(cursor_u32le(&c, &u32), ERR_OK);
	assert_int_equal(u32, 0x07060504);
	assert_int_equal(cursor_u64le(&c, &u64), ERR_OK);
	assert_true(u64 == 0x0f0e0d0c0b0a0908ULL);
	assert_int_equal(cursor_remaining(&c), 0);
	assert_int_equal(cursor_u8(&c, &u8), ERR_TRUNCATED);
}

/* A read that does not fit fails and leaves the cursor where it was. */
static void
test_cursor_short_read_does_not_advance(void **state)
{
	const uint8_t data[7] = {0};
	uint8_t out[8];
	struct cursor c, sub;
	const uint8_t *p;
	uint64_t u64;
	uint32_t u32;

	(void)state;
	cursor_init(&c, data, sizeof(data));
	assert_int_equal(cursor_skip(&c, 1), ERR_OK);
	assert_int_equal(cursor_u64le(&c, &u64), ERR_TRUNCATED);
	assert_int_equal(cursor_offset(&c), 1);
	assert_int_equal(cursor_copy(&c, out, 7), ERR_TRUNCATED);
	assert_int_equal(cursor_bytes(&c, SIZE_MAX, &p), ERR_TRUNCATED);
	assert_int_equal(cursor_sub(&c, 7, &sub), ERR_TRUNCATED);
	assert_int_equal(cursor_offset(&c), 1);
	assert_int_equal(cursor_sub(&c, 4, &sub), ERR_OK);
	assert_int_equal(cursor_remaining(&sub), 4);
	assert_int_equal(cursor_u32le(&sub, &u32), ERR_OK);
	assert_int_equal(cursor_u8(&sub, out), ERR_TRUNCATED);
	assert_int_equal(cursor_remaining(&c), 2);
}

static void
test_cursor_null_is_empty(void **state)
{
	struct cursor c;
	uint8_t u8;

	(void)state;
	cursor_init(&c, NULL, 100);
	assert_int_equal(cursor_remaining(&c), 0);
	assert_int_equal(cursor_u8(&c, &u8), ERR_TRUNCATED);
}

static void
test_buf_builds_and_caps(void **state)
{
	struct buf b;
	uint8_t *data;
	size_t len;
	const uint8_t want[] = {0xaa, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12,
	                        0,    0,    0xff, 0xff, 0xff, 0xff};

	(void)state;
	buf_init(&b, 0);
	buf_put_u8(&b, 0xaa);
	buf_put_u16le(&b, 0x1234);
	buf_put_u32le(&b, 0x12345678);
	buf_put_zero(&b, 2);
	buf_put_u32le(&b, 0);
	buf_patch_u32le(&b, 9, 0xffffffff);
	assert_int_equal(buf_take(&b, &data, &len), ERR_OK);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(data, want, len);
	free(data);

	buf_init(&b, 4);
	buf_put_u32le(&b, 1);
	buf_put_u8(&b, 1);
	buf_put_u8(&b, 2);
	assert_int_equal(buf_take(&b, &data, &len), ERR_RANGE);

	buf_init(&b, 0);
	buf_put_u8(&b, 1);
	buf_patch_u32le(&b, 0, 1);
	assert_int_equal(buf_take(&b, &data, &len), ERR_RANGE);
}

static void
test_hex_round_trip_and_rejects(void **state)
{
	const uint8_t in[] = {0x00, 0xa0, 0x67, 0x11, 0xff};
	uint8_t out[5];
	char text[11];
	size_t n;

	(void)state;
	hex_encode(in, sizeof(in), text);
	assert_string_equal(text, "00a06711ff");
	hex_encode_upper(in, sizeof(in), text);
	assert_string_equal(text, "00A06711FF");
	assert_int_equal(hex_decode(text, 10, out, sizeof(out)), ERR_OK);
	assert_memory_equal(out, in, sizeof(in));
	assert_int_equal(hex_decode("00A0671", 7, out, 4), ERR_INVALID);
	assert_int_equal(hex_decode("00A06711", 8, out, 5), ERR_INVALID);
	assert_int_equal(hex_decode("0g", 2, out, 1), ERR_INVALID);
	assert_int_equal(hex_decode_var("0011223344556677", 16, out, 5, &n),
	                 ERR_INVALID);
	assert_int_equal(hex_decode_var("0011", 4, out, 5, &n), ERR_OK);
	assert_int_equal(n, 2);
}

static void
test_size_overflow(void **state)
{
	size_t r;

	(void)state;
	assert_true(size_add(1, 2, &r) && r == 3);
	assert_false(size_add(SIZE_MAX, 1, &r));
	assert_false(size_mul(SIZE_MAX / 2 + 1, 2, &r));
	assert_false(size_sub(1, 2, &r));
}

static void
test_file_atomic_write_and_bounded_read(void **state)
{
	char dir[] = "/tmp/sqh-test-XXXXXX";
	char path[512], sub[256];
	uint8_t *data;
	size_t len;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/a/b/state", dir);
	assert_int_equal(file_mkdir_p(sub, 0700), ERR_OK);
	assert_int_equal(file_mkdir_p(sub, 0700), ERR_OK);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	snprintf(path, sizeof(path), "%s/key", sub);
	assert_int_equal(file_write_atomic(path, "first", 5, 0600), ERR_OK);
	assert_int_equal(file_write_atomic(path, "second", 6, 0600), ERR_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(file_read_all(path, 6, &data, &len), ERR_OK);
	assert_int_equal(len, 6);
	assert_string_equal((char *)data, "second");
	free(data);
	assert_int_equal(file_read_all(path, 5, &data, &len), ERR_RANGE);

	snprintf(path, sizeof(path), "%s/missing", sub);
	errno = 0;
	assert_int_equal(file_read_all(path, 5, &data, &len), ERR_IO);
	assert_int_equal(errno, ENOENT);

	snprintf(path, sizeof(path), "%s/nodir/key", sub);
	assert_int_equal(file_write_atomic(path, "x", 1, 0600), ERR_IO);

	/* Configuration: a FIFO is refused at once, a device is read. */
	snprintf(path, sizeof(path), "%s/key", sub);
	assert_int_equal(file_read_config(path, 6, &data, &len), ERR_OK);
	assert_string_equal((char *)data, "second");
	free(data);
	assert_int_equal(file_read_config("/dev/null", 6, &data, &len), ERR_OK);
	assert_int_equal(len, 0);
	free(data);
	snprintf(path, sizeof(path), "%s/fifo", sub);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(file_read_config(path, 6, &data, &len), ERR_INVALID);
	assert_int_equal(errno, EINVAL);

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

static void
test_default_key_id_layout(void **state)
{
	sgx_att_key_id_ext_t k, other;
	const uint8_t *raw = (const uint8_t *)&k;

	(void)state;
	keyid_default_ecdsa(&k);
	/* Byte positions from Intel's sgx_ql_att_key_id_t. */
	assert_int_equal(raw[4], 32);
	assert_int_equal(raw[6], 0x8c);
	assert_int_equal(raw[37], 0xff);
	assert_int_equal(raw[54], 1);
	assert_int_equal(raw[154], 2);
	keyid_default_ecdsa(&other);
	other.spid[0] = 1;
	assert_true(keyid_base_equal(&k, &other));
	other.base.algorithm_id = 3;
	assert_false(keyid_base_equal(&k, &other));
}

static int errno_after[3];

/* Each call sets errno first: the line must not change it. */
static void
log_some_text(void *unused)
{
	(void)unused;
	log_set_level(LOG_LEVEL_WARN);
	errno = ENOENT;
	log_info("event=hidden n=%d", 1);
	errno_after[0] = errno;
	errno = EACCES;
	log_warn("event=shown path=%s n=%d", "/a b", 7);
	errno_after[1] = errno;
	errno = ECONNREFUSED;
	log_error_errno("event=connect socket=%s", "/x.sock");
	errno_after[2] = errno;
	log_set_level(LOG_LEVEL_ERROR);
}

/* Text lines: ts and level first, the caller's pairs, levels filtered,
 * errno preserved and named by the _errno form. */
static void
test_log_text_levels_and_errno(void **state)
{
	char *text = capture_stderr(log_some_text, NULL);
	char *second;

	(void)state;
	assert_int_equal(errno_after[0], ENOENT);
	assert_int_equal(errno_after[1], EACCES);
	assert_int_equal(errno_after[2], ECONNREFUSED);
	assert_null(strstr(text, "hidden"));
	assert_int_equal(strncmp(text, "ts=", 3), 0);
	assert_non_null(
	        strstr(text, " level=warn event=shown path=/a b n=7\n"));
	second = strchr(text, '\n');
	assert_non_null(second);
	assert_non_null(strstr(second + 1, " level=error event=connect "
	                                   "socket=/x.sock err=\""));
	assert_non_null(strstr(second + 1, strerror(ECONNREFUSED)));
	assert_int_equal(strchr(second + 1, '\n')[1], '\0');
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_cursor_reads_little_endian),
	        cmocka_unit_test(test_cursor_short_read_does_not_advance),
	        cmocka_unit_test(test_cursor_null_is_empty),
	        cmocka_unit_test(test_buf_builds_and_caps),
	        cmocka_unit_test(test_hex_round_trip_and_rejects),
	        cmocka_unit_test(test_size_overflow),
	        cmocka_unit_test(test_file_atomic_write_and_bounded_read),
	        cmocka_unit_test(test_default_key_id_layout),
	        cmocka_unit_test(test_log_text_levels_and_errno),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
