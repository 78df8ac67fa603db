#include "cache.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "pki.h"

struct vcache_entry {
	bool used;
	uint8_t key[VCACHE_KEY_SIZE];
	void *value;
	void (*free_fn)(void *);
};

struct vcache {
	struct vcache_entry *slots;
	size_t cap; /* a power of two, at least twice max */
	size_t count;
	size_t max;
};

enum err
vcache_new(size_t max_entries, struct vcache **out)
{
	struct vcache *vc;
	size_t cap = 16;

	if (max_entries == 0 || max_entries > (1u << 20))
		return ERR_RANGE;
	while (cap < 2 * max_entries)
		cap *= 2;
	if ((vc = calloc(1, sizeof(*vc))) == NULL)
		return ERR_NOMEM;
	if ((vc->slots = calloc(cap, sizeof(*vc->slots))) == NULL) {
		free(vc);
		return ERR_NOMEM;
	}
	vc->cap = cap;
	vc->max = max_entries;
	*out = vc;
	return ERR_OK;
}

static void
vcache_clear(struct vcache *vc)
{
	for (size_t i = 0; i < vc->cap; i++) {
		struct vcache_entry *e = &vc->slots[i];

		if (e->used && e->free_fn != NULL)
			e->free_fn(e->value);
	}
	memset(vc->slots, 0, vc->cap * sizeof(*vc->slots));
	vc->count = 0;
}

void
vcache_free(struct vcache *vc)
{
	if (vc == NULL)
		return;
	vcache_clear(vc);
	free(vc->slots);
	free(vc);
}

void
vcache_key(uint8_t out[static VCACHE_KEY_SIZE], const char *tag,
           const struct vcache_part *parts, size_t n)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = VCACHE_KEY_SIZE;
	uint64_t plen;
	bool ok;

	ok = ctx != NULL && EVP_DigestInit_ex(ctx, pki_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, tag, strlen(tag) + 1) == 1;
	for (size_t i = 0; ok && i < n; i++) {
		plen = parts[i].len;
		ok = EVP_DigestUpdate(ctx, &plen, sizeof(plen)) == 1 &&
		     EVP_DigestUpdate(ctx, parts[i].data, parts[i].len) == 1;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, out, &len) == 1;
	EVP_MD_CTX_free(ctx);
	/* An all-zero key is never looked up with success: see vcache_get. */
	if (!ok)
		memset(out, 0, VCACHE_KEY_SIZE);
}

static bool
vcache_key_valid(const uint8_t key[static 32])
{
	static const uint8_t zero[VCACHE_KEY_SIZE];

	return memcmp(key, zero, VCACHE_KEY_SIZE) != 0;
}

static size_t
vcache_slot(const struct vcache *vc, const uint8_t key[static 32])
{
	size_t h;

	memcpy(&h, key, sizeof(h));
	return h & (vc->cap - 1);
}

bool
vcache_get(const struct vcache *vc, const uint8_t key[static 32], void **value)
{
	size_t i;

	if (!vcache_key_valid(key))
		return false;
	for (i = vcache_slot(vc, key); vc->slots[i].used;
	     i = (i + 1) & (vc->cap - 1)) {
		if (memcmp(vc->slots[i].key, key, VCACHE_KEY_SIZE) == 0) {
			if (value != NULL)
				*value = vc->slots[i].value;
			return true;
		}
	}
	return false;
}

enum err
vcache_put(struct vcache *vc, const uint8_t key[static 32], void *value,
           void (*free_fn)(void *))
{
	size_t i;

	if (!vcache_key_valid(key))
		return ERR_CRYPTO;
	if (vcache_get(vc, key, NULL))
		return ERR_INVALID;
	if (vc->count >= vc->max)
		return ERR_RANGE;

	for (i = vcache_slot(vc, key); vc->slots[i].used;
	     i = (i + 1) & (vc->cap - 1))
		;
	vc->slots[i].used = true;
	memcpy(vc->slots[i].key, key, VCACHE_KEY_SIZE);
	vc->slots[i].value = value;
	vc->slots[i].free_fn = free_fn;
	vc->count++;
	return ERR_OK;
}

void
vcache_make_room(struct vcache *vc, size_t n)
{
	if (vc->count + n > vc->max)
		vcache_clear(vc);
}

size_t
vcache_count(const struct vcache *vc)
{
	return vc->count;
}
