#include "hist.h"

#include <math.h>

static unsigned
hist_index(uint64_t us)
{
	unsigned lg;

	if (us < HIST_EXACT)
		return (unsigned)us;
	if (us > UINT32_MAX)
		us = UINT32_MAX;
	lg = 63u - (unsigned)__builtin_clzll(us);
	return HIST_EXACT + (lg - HIST_EXACT_LG) * HIST_SUB +
	       (unsigned)((us >> (lg - HIST_SUB_LG)) & (HIST_SUB - 1));
}

/* The largest value that falls into bucket i. */
static uint64_t
hist_upper(unsigned i)
{
	unsigned lg, sub;

	if (i < HIST_EXACT)
		return i;
	lg = (i - HIST_EXACT) / HIST_SUB + HIST_EXACT_LG;
	sub = (i - HIST_EXACT) % HIST_SUB;
	return (((uint64_t)HIST_SUB + sub + 1) << (lg - HIST_SUB_LG)) - 1;
}

void
hist_add(struct hist *h, uint64_t us)
{
	h->count[hist_index(us)]++;
	h->n++;
	if (us > h->max_us)
		h->max_us = us;
}

void
hist_merge(struct hist *into, const struct hist *h)
{
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		into->count[i] += h->count[i];
	into->n += h->n;
	if (h->max_us > into->max_us)
		into->max_us = h->max_us;
}

uint64_t
hist_percentile(const struct hist *h, double p)
{
	uint64_t rank = (uint64_t)ceil(p * (double)h->n), seen = 0;

	if (h->n == 0)
		return 0;
	if (rank == 0)
		rank = 1;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->count[i];
		if (seen >= rank)
			return hist_upper(i) < h->max_us ? hist_upper(i)
			                                 : h->max_us;
	}
	return h->max_us;
}
