#include "uid_quota.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

/* A power of two; with a few workers, contention on a stripe needs two
 * connections of uids of the same stripe accepted at the same moment. */
#define UID_QUOTA_STRIPE_BITS 6
#define UID_QUOTA_STRIPES     (1u << UID_QUOTA_STRIPE_BITS)

struct uid_entry {
	struct uid_entry *next;
	uid_t uid;
	unsigned held; /* 0: free for the next uid of this stripe */
};

struct uid_stripe {
	pthread_mutex_t lock;
	struct uid_entry *entries;
};

struct uid_quota {
	unsigned limit;
	struct uid_stripe stripes[UID_QUOTA_STRIPES];
};

/* Fibonacci hashing: the top bits of the product, so that uids that
 * differ only in high bits (user namespace ranges) still spread. */
static struct uid_stripe *
uid_quota_stripe(struct uid_quota *q, uid_t uid)
{
	uint32_t h = (uint32_t)uid * UINT32_C(0x9e3779b1);

	return &q->stripes[h >> (32 - UID_QUOTA_STRIPE_BITS)];
}

enum err
uid_quota_create(unsigned limit, struct uid_quota **out)
{
	struct uid_quota *q;
	unsigned i;

	if (limit == 0)
		return ERR_INVALID;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return ERR_NOMEM;
	q->limit = limit;
	for (i = 0; i < UID_QUOTA_STRIPES; i++) {
		if (pthread_mutex_init(&q->stripes[i].lock, NULL) != 0)
			break;
	}
	if (i < UID_QUOTA_STRIPES) {
		while (i-- > 0)
			pthread_mutex_destroy(&q->stripes[i].lock);
		free(q);
		return ERR_NOMEM;
	}
	*out = q;
	return ERR_OK;
}

void
uid_quota_free(struct uid_quota *q)
{
	struct uid_entry *e, *next;

	if (q == NULL)
		return;
	for (unsigned i = 0; i < UID_QUOTA_STRIPES; i++) {
		for (e = q->stripes[i].entries; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
		pthread_mutex_destroy(&q->stripes[i].lock);
	}
	free(q);
}

/* The entry counting uid's connections, or NULL; *unused gets the first
 * free entry on the way. Called with the stripe locked. */
static struct uid_entry *
uid_stripe_find(struct uid_stripe *s, uid_t uid, struct uid_entry **unused)
{
	*unused = NULL;
	for (struct uid_entry *e = s->entries; e != NULL; e = e->next) {
		if (e->held > 0 && e->uid == uid)
			return e;
		if (e->held == 0 && *unused == NULL)
			*unused = e;
	}
	return NULL;
}

enum err
uid_quota_take(struct uid_quota *q, uid_t uid)
{
	struct uid_stripe *s = uid_quota_stripe(q, uid);
	struct uid_entry *e, *unused;
	enum err result = ERR_OK;

	pthread_mutex_lock(&s->lock);
	if ((e = uid_stripe_find(s, uid, &unused)) != NULL) {
		if (e->held >= q->limit)
			result = ERR_RANGE;
		else
			e->held++;
	} else if (unused != NULL) {
		unused->uid = uid;
		unused->held = 1;
	} else if ((e = calloc(1, sizeof(*e))) != NULL) {
		e->uid = uid;
		e->held = 1;
		e->next = s->entries;
		s->entries = e;
	} else {
		result = ERR_NOMEM;
	}
	pthread_mutex_unlock(&s->lock);
	return result;
}

void
uid_quota_release(struct uid_quota *q, uid_t uid)
{
	struct uid_stripe *s = uid_quota_stripe(q, uid);
	struct uid_entry *e, *unused;

	pthread_mutex_lock(&s->lock);
	if ((e = uid_stripe_find(s, uid, &unused)) != NULL)
		e->held--;
	pthread_mutex_unlock(&s->lock);
}

unsigned
uid_quota_held(struct uid_quota *q, uid_t uid)
{
	struct uid_stripe *s = uid_quota_stripe(q, uid);
	struct uid_entry *e, *unused;
	unsigned held;

	pthread_mutex_lock(&s->lock);
	e = uid_stripe_find(s, uid, &unused);
	held = e != NULL ? e->held : 0;
	pthread_mutex_unlock(&s->lock);
	return held;
}
