#include "err.h"

const char *
err_str(enum err e)
{
	switch (e) {
	case ERR_OK:
		return "success";
	case ERR_TRUNCATED:
		return "truncated input";
	case ERR_INVALID:
		return "invalid value";
	case ERR_UNSUPPORTED:
		return "not supported";
	case ERR_NOMEM:
		return "out of memory";
	case ERR_RANGE:
		return "size out of range";
	case ERR_IO:
		return "input/output error";
	case ERR_CRYPTO:
		return "cryptographic operation failed";
	case ERR_NOTFOUND:
		return "not found";
	case ERR_TIMEOUT:
		return "timed out";
	}
	return "unknown error";
}
