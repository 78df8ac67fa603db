/*
 * Error values shared by every layer. Functions that can fail return
 * enum err and are marked MUST_CHECK so that a caller cannot drop a failure
 * by accident.
 */
#ifndef SQH_COMMON_ERR_H
#define SQH_COMMON_ERR_H

#define MUST_CHECK __attribute__((warn_unused_result))

enum err {
	ERR_OK = 0,
	ERR_TRUNCATED,   /* input ended before a complete field */
	ERR_INVALID,     /* input is well-formed but its value is not allowed */
	ERR_UNSUPPORTED, /* recognized but not handled (version, type) */
	ERR_NOMEM,
	ERR_RANGE, /* size arithmetic overflowed or a cap was exceeded */
	ERR_IO,    /* system call failed; errno holds the cause */
	ERR_CRYPTO,
	ERR_NOTFOUND,
	ERR_TIMEOUT,
};

const char *err_str(enum err e);

/* Returns from the calling function with expr's error when it fails: keeps
 * a parser to one guarded read per line. */
#define ERR_TRY(expr)                       \
	do {                                \
		enum err try_err_ = (expr); \
		if (try_err_ != ERR_OK)     \
			return try_err_;    \
	} while (0)

#endif
