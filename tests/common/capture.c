#include "capture.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

char *
capture_stderr(void (*fn)(void *), void *arg)
{
	char path[] = "/tmp/sqh-test-stderr-XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	char *text = calloc(1, 4096);
	ssize_t n;

	assert_true(fd >= 0 && saved >= 0);
	assert_non_null(text);
	unlink(path);
	fflush(stderr);
	assert_int_equal(dup2(fd, 2), 2);
	fn(arg);
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	n = pread(fd, text, 4095, 0);
	assert_true(n >= 0);
	close(fd);
	return text;
}
