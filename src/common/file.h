/*
 * Files that must never be half-written or read without bound.
 */
#ifndef SQH_COMMON_FILE_H
#define SQH_COMMON_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

/*
 * Reads a whole file of at most max bytes into a new buffer with a NUL
 * after the last byte (not counted in *len). ERR_RANGE when larger,
 * ERR_IO with errno set when it cannot be read.
 */
MUST_CHECK enum err file_read_all(const char *path, size_t max, uint8_t **data,
                                  size_t *len);

/*
 * As file_read_all, for a daemon's configuration: never waits, and refuses
 * a FIFO or a socket with ERR_INVALID (reading one would block the reader
 * until some writer came). Regular files and devices such as /dev/null
 * are read.
 */
MUST_CHECK enum err file_read_config(const char *path, size_t max,
                                     uint8_t **data, size_t *len);

/*
 * Replaces path atomically: writes a temporary file in the same directory
 * with the given mode, fsyncs it, renames it over path and fsyncs the
 * directory. A crash at any point leaves either the old or the new file.
 */
MUST_CHECK enum err file_write_atomic(const char *path, const void *data,
                                      size_t len, mode_t mode);

/*
 * Creates a directory and its missing parents. The last component gets
 * mode; parents get 0755. An existing directory is accepted as it is.
 */
MUST_CHECK enum err file_mkdir_p(const char *path, mode_t mode);

/*
 * Waits for an exclusive flock() on fd, retrying when a signal interrupts
 * the wait. ERR_IO with errno set on failure; closing fd drops the lock.
 */
MUST_CHECK enum err file_lock(int fd);

#endif
