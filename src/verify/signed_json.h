/*
 * Intel's signed collateral documents: {"tcbInfo": {...}, "signature":
 * "<r||s hex>"} and {"enclaveIdentity": {...}, "signature": ...}
 * (reference "quote format" sections 3.2 and 3.3).
 *
 * The signature covers the bytes of the inner object exactly as Intel
 * served them, so the object is cut out of the document text rather than
 * re-encoded. Stored copies are sometimes pretty-printed; for those the
 * signature is checked over the compact re-serialisation in the original
 * key order, which is what Intel's QVL verifies in every case.
 */
#ifndef SQH_VERIFY_SIGNED_JSON_H
#define SQH_VERIFY_SIGNED_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "common/err.h"

/*
 * Finds the member named key in the top-level object of text and points
 * *value at its text (len *value_len), inside text. ERR_NOTFOUND when the
 * member is absent, ERR_INVALID when text is not a JSON object.
 */
MUST_CHECK enum err sjson_member(const char *text, size_t len, const char *key,
                                 const char **value, size_t *value_len);

/* Reads the "signature" member: 64 bytes as 128 hex digits. */
MUST_CHECK enum err sjson_signature(const char *text, size_t len,
                                    uint8_t sig[static 64]);

/*
 * Checks sig over the object text, then over its compact
 * re-serialisation. ERR_CRYPTO when neither verifies.
 */
MUST_CHECK enum err sjson_verify(EVP_PKEY *key, const char *object, size_t len,
                                 const uint8_t sig[static 64]);

#endif
