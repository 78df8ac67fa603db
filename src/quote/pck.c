/*
 * The SGX extension of PCK certificates (reference "quote format" section
 * 2.2): SEQUENCE OF SEQUENCE { OID, value }, two levels deep. OpenSSL
 * decodes and encodes every TLV; this file checks that each OID appears
 * once, with the ASN.1 type and size the reference gives it.
 */
#include "quote/pck.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

/* Arcs under PCK_SGX_EXT_OID. */
enum pck_arc {
	PCK_ARC_PPID = 1,
	PCK_ARC_TCB = 2,
	PCK_ARC_PCEID = 3,
	PCK_ARC_FMSPC = 4,
	PCK_ARC_SGX_TYPE = 5,
	PCK_ARC_PLATFORM_INSTANCE_ID = 6,
	PCK_ARC_CONFIGURATION = 7,
};

/* Arcs under .2 (TCB): 1..16 component SVNs, then these two. */
#define PCK_TCB_COMPONENTS 16
#define PCK_TCB_ARC_PCESVN 17
#define PCK_TCB_ARC_CPUSVN 18
#define PCK_TCB_ENTRIES    18

/* Arcs under .7 (Configuration). */
#define PCK_CONF_ARC_DYNAMIC_PLATFORM 1
#define PCK_CONF_ARC_CACHED_KEYS      2
#define PCK_CONF_ARC_SMT_ENABLED      3

#define PCK_PROCESSOR_CA_ENTRIES 5
#define PCK_PLATFORM_CA_ENTRIES  7

/* Long enough for any OID of the tree, with room to spot longer ones. */
#define PCK_OID_TEXT_MAX 80

/* Called for each {OID, value} of a sequence, with the OID's last arc. */
typedef enum err (*pck_field_fn)(unsigned arc, const ASN1_TYPE *value,
                                 struct pck_ext *ext);

/*
 * Returns the arc that follows parent in oid ("parent.N"), or 0 when oid
 * is not a direct child of parent.
 */
static unsigned
pck_child_arc(const ASN1_OBJECT *oid, const char *parent)
{
	char text[PCK_OID_TEXT_MAX];
	size_t plen = strlen(parent);
	unsigned long arc;
	char *end;
	int n;

	n = OBJ_obj2txt(text, sizeof(text), oid, 1);
	if (n <= 0 || (size_t)n >= sizeof(text))
		return 0;
	if (strncmp(text, parent, plen) != 0 || text[plen] != '.')
		return 0;
	if (text[plen + 1] < '1' || text[plen + 1] > '9')
		return 0;
	errno = 0;
	arc = strtoul(text + plen + 1, &end, 10);
	if (errno != 0 || *end != '\0' || arc > 31)
		return 0;
	return (unsigned)arc;
}

/* Decodes a SEQUENCE held in an ASN1_TYPE into its elements. */
static STACK_OF(ASN1_TYPE) * pck_open_sequence(const ASN1_TYPE *t)
{
	const unsigned char *p;

	if (ASN1_TYPE_get(t) != V_ASN1_SEQUENCE)
		return NULL;
	p = ASN1_STRING_get0_data(t->value.sequence);
	return d2i_ASN1_SEQUENCE_ANY(NULL, &p,
	                             ASN1_STRING_length(t->value.sequence));
}

/*
 * One entry SEQUENCE { OID, value }: checks that the OID is a child of
 * parent not seen before, then hands the value to fn.
 */
static enum err
pck_read_entry(const ASN1_TYPE *entry, const char *parent, pck_field_fn fn,
               struct pck_ext *ext, uint32_t *seen)
{
	STACK_OF(ASN1_TYPE) * pair;
	const ASN1_TYPE *oid;
	enum err e = ERR_INVALID;
	unsigned arc;

	if ((pair = pck_open_sequence(entry)) == NULL)
		return ERR_INVALID;
	if (sk_ASN1_TYPE_num(pair) != 2)
		goto out;
	oid = sk_ASN1_TYPE_value(pair, 0);
	if (ASN1_TYPE_get(oid) != V_ASN1_OBJECT)
		goto out;
	arc = pck_child_arc(oid->value.object, parent);
	if (arc == 0 || (*seen & (1u << arc)) != 0)
		goto out;
	*seen |= 1u << arc;
	e = fn(arc, sk_ASN1_TYPE_value(pair, 1), ext);
out:
	sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
	return e;
}

/* Every entry of a SEQUENCE OF { OID, value } under parent. */
static enum err
pck_read_entries(const STACK_OF(ASN1_TYPE) * seq, const char *parent,
                 pck_field_fn fn, struct pck_ext *ext, uint32_t *seen)
{
	for (int i = 0; i < sk_ASN1_TYPE_num(seq); i++)
		ERR_TRY(pck_read_entry(sk_ASN1_TYPE_value(seq, i), parent, fn,
		                       ext, seen));
	return ERR_OK;
}

/* A nested SEQUENCE OF { OID, value } with count entries. */
static enum err
pck_read_nested(const ASN1_TYPE *value, const char *parent, int min_count,
                int max_count, pck_field_fn fn, struct pck_ext *ext)
{
	STACK_OF(ASN1_TYPE) * seq;
	uint32_t seen = 0;
	enum err e = ERR_INVALID;
	int n;

	if ((seq = pck_open_sequence(value)) == NULL)
		return ERR_INVALID;
	n = sk_ASN1_TYPE_num(seq);
	if (n >= min_count && n <= max_count)
		e = pck_read_entries(seq, parent, fn, ext, &seen);
	sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
	return e;
}

static enum err
pck_read_octets(const ASN1_TYPE *t, uint8_t *out, size_t n)
{
	if (ASN1_TYPE_get(t) != V_ASN1_OCTET_STRING ||
	    ASN1_STRING_length(t->value.octet_string) != (int)n)
		return ERR_INVALID;
	memcpy(out, ASN1_STRING_get0_data(t->value.octet_string), n);
	return ERR_OK;
}

static enum err
pck_read_integer(const ASN1_TYPE *t, int64_t max, int64_t *out)
{
	if (ASN1_TYPE_get(t) != V_ASN1_INTEGER ||
	    ASN1_INTEGER_get_int64(out, t->value.integer) != 1)
		return ERR_INVALID;
	return *out >= 0 && *out <= max ? ERR_OK : ERR_INVALID;
}

static enum err
pck_read_boolean(const ASN1_TYPE *t, bool *out)
{
	if (ASN1_TYPE_get(t) != V_ASN1_BOOLEAN)
		return ERR_INVALID;
	*out = t->value.boolean != 0;
	return ERR_OK;
}

/* .2.1-.2.16 INTEGER 0-255, .2.17 PCESVN INTEGER, .2.18 CPUSVN[16]. */
static enum err
pck_tcb_field(unsigned arc, const ASN1_TYPE *value, struct pck_ext *ext)
{
	int64_t v;

	if (arc == PCK_TCB_ARC_CPUSVN)
		return pck_read_octets(value, ext->cpusvn, sizeof(ext->cpusvn));
	if (arc == PCK_TCB_ARC_PCESVN) {
		ERR_TRY(pck_read_integer(value, UINT16_MAX, &v));
		ext->pcesvn = (uint16_t)v;
		return ERR_OK;
	}
	if (arc > PCK_TCB_COMPONENTS)
		return ERR_INVALID;
	ERR_TRY(pck_read_integer(value, UINT8_MAX, &v));
	ext->comp_svn[arc - 1] = (uint8_t)v;
	return ERR_OK;
}

/* .7.1 DynamicPlatform, .7.2 CachedKeys, .7.3 SMTEnabled: BOOLEAN. */
static enum err
pck_config_field(unsigned arc, const ASN1_TYPE *value, struct pck_ext *ext)
{
	switch (arc) {
	case PCK_CONF_ARC_DYNAMIC_PLATFORM:
		return pck_read_boolean(value, &ext->dynamic_platform);
	case PCK_CONF_ARC_CACHED_KEYS:
		return pck_read_boolean(value, &ext->cached_keys);
	case PCK_CONF_ARC_SMT_ENABLED:
		return pck_read_boolean(value, &ext->smt_enabled);
	default:
		return ERR_INVALID;
	}
}

static enum err
pck_read_sgx_type(const ASN1_TYPE *t, int *out)
{
	int64_t v;

	if (ASN1_TYPE_get(t) != V_ASN1_ENUMERATED ||
	    ASN1_ENUMERATED_get_int64(&v, t->value.enumerated) != 1)
		return ERR_INVALID;
	if (v < PCK_SGX_TYPE_STANDARD ||
	    v > PCK_SGX_TYPE_SCALABLE_WITH_INTEGRITY)
		return ERR_INVALID;
	*out = (int)v;
	return ERR_OK;
}

static enum err
pck_top_field(unsigned arc, const ASN1_TYPE *value, struct pck_ext *ext)
{
	switch (arc) {
	case PCK_ARC_PPID:
		return pck_read_octets(value, ext->ppid, sizeof(ext->ppid));
	case PCK_ARC_TCB:
		return pck_read_nested(value, PCK_SGX_EXT_OID ".2",
		                       PCK_TCB_ENTRIES, PCK_TCB_ENTRIES,
		                       pck_tcb_field, ext);
	case PCK_ARC_PCEID:
		return pck_read_octets(value, ext->pceid, sizeof(ext->pceid));
	case PCK_ARC_FMSPC:
		return pck_read_octets(value, ext->fmspc, sizeof(ext->fmspc));
	case PCK_ARC_SGX_TYPE:
		return pck_read_sgx_type(value, &ext->sgx_type);
	case PCK_ARC_PLATFORM_INSTANCE_ID:
		ext->has_platform_instance_id = true;
		return pck_read_octets(value, ext->platform_instance_id,
		                       sizeof(ext->platform_instance_id));
	case PCK_ARC_CONFIGURATION:
		ext->has_configuration = true;
		return pck_read_nested(value, PCK_SGX_EXT_OID ".7", 0, 3,
		                       pck_config_field, ext);
	default:
		return ERR_INVALID;
	}
}

/*
 * The top level holds 5 entries (Processor-CA PCK: .1-.5) or 7
 * (Platform-CA PCK: also .6 and .7), each once.
 */
static enum err
pck_read_top(const STACK_OF(ASN1_TYPE) * seq, struct pck_ext *out)
{
	int n = sk_ASN1_TYPE_num(seq);
	uint32_t seen = 0, want;

	if (n != PCK_PROCESSOR_CA_ENTRIES && n != PCK_PLATFORM_CA_ENTRIES)
		return ERR_INVALID;
	ERR_TRY(pck_read_entries(seq, PCK_SGX_EXT_OID, pck_top_field, out,
	                         &seen));
	want = ((1u << ((unsigned)n + 1)) - 1) & ~1u; /* arcs 1..n */
	return seen == want ? ERR_OK : ERR_INVALID;
}

enum err
pck_ext_parse(const uint8_t *der, size_t len, struct pck_ext *out)
{
	STACK_OF(ASN1_TYPE) * seq;
	const unsigned char *p = der;
	enum err e = ERR_INVALID;

	memset(out, 0, sizeof(*out));
	if (der == NULL || len == 0 || len > INT32_MAX)
		return ERR_INVALID;
	if ((seq = d2i_ASN1_SEQUENCE_ANY(NULL, &p, (long)len)) == NULL)
		return ERR_INVALID;
	/* Re-encoding gives the input's length only if nothing trails. */
	if (i2d_ASN1_SEQUENCE_ANY(seq, NULL) == (int)len)
		e = pck_read_top(seq, out);
	sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
	if (e != ERR_OK)
		memset(out, 0, sizeof(*out));
	return e;
}

enum err
pck_ext_from_cert(const X509 *cert, struct pck_ext *out)
{
	const ASN1_OCTET_STRING *value;
	ASN1_OBJECT *oid;
	int idx, again;

	memset(out, 0, sizeof(*out));
	if ((oid = OBJ_txt2obj(PCK_SGX_EXT_OID, 1)) == NULL)
		return ERR_NOMEM;
	idx = X509_get_ext_by_OBJ(cert, oid, -1);
	again = idx < 0 ? -1 : X509_get_ext_by_OBJ(cert, oid, idx);
	ASN1_OBJECT_free(oid);
	if (idx < 0)
		return ERR_NOTFOUND;
	if (again >= 0)
		return ERR_INVALID;
	value = X509_EXTENSION_get_data(X509_get_ext(cert, idx));
	return pck_ext_parse(ASN1_STRING_get0_data(value),
	                     (size_t)ASN1_STRING_length(value), out);
}

/*
 * Building: each helper returns a new ASN1_TYPE or NULL; the pair and
 * sequence helpers take ownership of what they are given, also on
 * failure, so that a builder can chain calls and check once.
 */
static ASN1_TYPE *
pck_new_type(int type, void *value)
{
	ASN1_TYPE *t;

	if (value == NULL && type != V_ASN1_BOOLEAN)
		return NULL;
	if ((t = ASN1_TYPE_new()) == NULL)
		return NULL;
	ASN1_TYPE_set(t, type, value);
	return t;
}

static ASN1_TYPE *
pck_new_octets(const uint8_t *data, size_t n)
{
	ASN1_OCTET_STRING *s = ASN1_OCTET_STRING_new();
	ASN1_TYPE *t;

	if (s == NULL || !ASN1_OCTET_STRING_set(s, data, (int)n)) {
		ASN1_OCTET_STRING_free(s);
		return NULL;
	}
	if ((t = pck_new_type(V_ASN1_OCTET_STRING, s)) == NULL)
		ASN1_OCTET_STRING_free(s);
	return t;
}

static ASN1_TYPE *
pck_new_integer(int64_t v)
{
	ASN1_INTEGER *i = ASN1_INTEGER_new();
	ASN1_TYPE *t;

	if (i == NULL || !ASN1_INTEGER_set_int64(i, v)) {
		ASN1_INTEGER_free(i);
		return NULL;
	}
	if ((t = pck_new_type(V_ASN1_INTEGER, i)) == NULL)
		ASN1_INTEGER_free(i);
	return t;
}

static ASN1_TYPE *
pck_new_enumerated(int64_t v)
{
	ASN1_ENUMERATED *i = ASN1_ENUMERATED_new();
	ASN1_TYPE *t;

	if (i == NULL || !ASN1_ENUMERATED_set_int64(i, v)) {
		ASN1_ENUMERATED_free(i);
		return NULL;
	}
	if ((t = pck_new_type(V_ASN1_ENUMERATED, i)) == NULL)
		ASN1_ENUMERATED_free(i);
	return t;
}

static ASN1_TYPE *
pck_new_boolean(bool v)
{
	static int true_marker;

	/* ASN1_TYPE_set stores any non-NULL value as TRUE (0xff). */
	return pck_new_type(V_ASN1_BOOLEAN, v ? &true_marker : NULL);
}

/* Encodes items as a SEQUENCE; frees items. */
static ASN1_TYPE *
pck_new_sequence(STACK_OF(ASN1_TYPE) * items)
{
	ASN1_STRING *s = NULL;
	ASN1_TYPE *t = NULL;
	unsigned char *der = NULL;
	int n;

	if (items == NULL)
		return NULL;
	n = i2d_ASN1_SEQUENCE_ANY(items, &der);
	sk_ASN1_TYPE_pop_free(items, ASN1_TYPE_free);
	if (n <= 0)
		return NULL;
	if ((s = ASN1_STRING_type_new(V_ASN1_SEQUENCE)) != NULL) {
		ASN1_STRING_set0(s, der, n);
		der = NULL;
		if ((t = pck_new_type(V_ASN1_SEQUENCE, s)) == NULL)
			ASN1_STRING_free(s);
	}
	OPENSSL_free(der);
	return t;
}

/* Appends SEQUENCE { parent.arc, value } to seq; takes value. */
static bool
pck_push_entry(STACK_OF(ASN1_TYPE) * seq, const char *parent, unsigned arc,
               ASN1_TYPE *value)
{
	char text[PCK_OID_TEXT_MAX];
	STACK_OF(ASN1_TYPE) *pair = sk_ASN1_TYPE_new_null();
	ASN1_TYPE *oid, *entry;

	snprintf(text, sizeof(text), "%s.%u", parent, arc);
	oid = pck_new_type(V_ASN1_OBJECT, OBJ_txt2obj(text, 1));
	if (pair == NULL || oid == NULL || value == NULL ||
	    !sk_ASN1_TYPE_push(pair, oid)) {
		ASN1_TYPE_free(oid);
		ASN1_TYPE_free(value);
		sk_ASN1_TYPE_free(pair);
		return false;
	}
	if (!sk_ASN1_TYPE_push(pair, value)) {
		ASN1_TYPE_free(value);
		sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
		return false;
	}
	entry = pck_new_sequence(pair);
	if (entry == NULL || !sk_ASN1_TYPE_push(seq, entry)) {
		ASN1_TYPE_free(entry);
		return false;
	}
	return true;
}

static ASN1_TYPE *
pck_build_tcb(const struct pck_ext *ext)
{
	const char *parent = PCK_SGX_EXT_OID ".2";
	STACK_OF(ASN1_TYPE) *seq = sk_ASN1_TYPE_new_null();
	bool ok = seq != NULL;

	for (unsigned i = 0; ok && i < PCK_TCB_COMPONENTS; i++)
		ok = pck_push_entry(seq, parent, i + 1,
		                    pck_new_integer(ext->comp_svn[i]));
	ok = ok && pck_push_entry(seq, parent, PCK_TCB_ARC_PCESVN,
	                          pck_new_integer(ext->pcesvn));
	ok = ok &&
	     pck_push_entry(seq, parent, PCK_TCB_ARC_CPUSVN,
	                    pck_new_octets(ext->cpusvn, sizeof(ext->cpusvn)));
	if (!ok) {
		sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
		return NULL;
	}
	return pck_new_sequence(seq);
}

static ASN1_TYPE *
pck_build_configuration(const struct pck_ext *ext)
{
	const char *parent = PCK_SGX_EXT_OID ".7";
	STACK_OF(ASN1_TYPE) *seq = sk_ASN1_TYPE_new_null();
	bool ok = seq != NULL;

	ok = ok && pck_push_entry(seq, parent, PCK_CONF_ARC_DYNAMIC_PLATFORM,
	                          pck_new_boolean(ext->dynamic_platform));
	ok = ok && pck_push_entry(seq, parent, PCK_CONF_ARC_CACHED_KEYS,
	                          pck_new_boolean(ext->cached_keys));
	ok = ok && pck_push_entry(seq, parent, PCK_CONF_ARC_SMT_ENABLED,
	                          pck_new_boolean(ext->smt_enabled));
	if (!ok) {
		sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
		return NULL;
	}
	return pck_new_sequence(seq);
}

/* The entries in the order Intel's PCK certificates carry them. */
static bool
pck_build_top(STACK_OF(ASN1_TYPE) * seq, const struct pck_ext *ext)
{
	const char *top = PCK_SGX_EXT_OID;
	bool ok;

	ok = pck_push_entry(seq, top, PCK_ARC_PPID,
	                    pck_new_octets(ext->ppid, sizeof(ext->ppid)));
	ok = ok && pck_push_entry(seq, top, PCK_ARC_TCB, pck_build_tcb(ext));
	ok = ok &&
	     pck_push_entry(seq, top, PCK_ARC_PCEID,
	                    pck_new_octets(ext->pceid, sizeof(ext->pceid)));
	ok = ok &&
	     pck_push_entry(seq, top, PCK_ARC_FMSPC,
	                    pck_new_octets(ext->fmspc, sizeof(ext->fmspc)));
	ok = ok && pck_push_entry(seq, top, PCK_ARC_SGX_TYPE,
	                          pck_new_enumerated(ext->sgx_type));
	if (!ext->has_platform_instance_id)
		return ok;
	ok = ok &&
	     pck_push_entry(seq, top, PCK_ARC_PLATFORM_INSTANCE_ID,
	                    pck_new_octets(ext->platform_instance_id,
	                                   sizeof(ext->platform_instance_id)));
	return ok && pck_push_entry(seq, top, PCK_ARC_CONFIGURATION,
	                            pck_build_configuration(ext));
}

enum err
pck_ext_build(const struct pck_ext *ext, uint8_t **der, size_t *len)
{
	STACK_OF(ASN1_TYPE) * seq;
	unsigned char *out = NULL;
	int n = -1;

	*der = NULL;
	*len = 0;
	if (ext->has_platform_instance_id != ext->has_configuration ||
	    ext->sgx_type < PCK_SGX_TYPE_STANDARD ||
	    ext->sgx_type > PCK_SGX_TYPE_SCALABLE_WITH_INTEGRITY)
		return ERR_INVALID;
	if ((seq = sk_ASN1_TYPE_new_null()) == NULL)
		return ERR_NOMEM;
	if (pck_build_top(seq, ext))
		n = i2d_ASN1_SEQUENCE_ANY(seq, &out);
	sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
	if (n <= 0)
		return ERR_NOMEM;
	*der = out;
	*len = (size_t)n;
	return ERR_OK;
}
