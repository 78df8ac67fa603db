/*
 * For tests of what the program writes to stderr (log lines).
 */
#ifndef SQH_TESTS_COMMON_CAPTURE_H
#define SQH_TESTS_COMMON_CAPTURE_H

/* Runs fn(arg) with stderr sent to a temporary file; returns what it
 * wrote (at most 4095 bytes, NUL-terminated; free it). */
char *capture_stderr(void (*fn)(void *), void *arg);

#endif
