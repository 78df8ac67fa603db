/*
 * A latency histogram in microseconds for sgx-quote bench: exact below
 * 1024 us, then 64 buckets per power of two (under 1.6% error) up to
 * 2^32 us. Fixed size, so that each load thread keeps its own and adds to
 * it without a lock or an allocation; the threads' histograms are merged
 * at the end.
 */
#ifndef SQH_CLI_HIST_H
#define SQH_CLI_HIST_H

#include <stdint.h>

#define HIST_EXACT    1024u
#define HIST_EXACT_LG 10
#define HIST_SUB_LG   6
#define HIST_SUB      (1u << HIST_SUB_LG)
#define HIST_BUCKETS  (HIST_EXACT + (32 - HIST_EXACT_LG) * HIST_SUB)

struct hist {
	uint64_t count[HIST_BUCKETS];
	uint64_t n;
	uint64_t max_us;
};

/* Zero-initialised is empty. Values above 2^32 - 1 count in the last
 * bucket (max_us keeps the true largest). */
void hist_add(struct hist *h, uint64_t us);
void hist_merge(struct hist *into, const struct hist *h);
/* The value at or below which a fraction p (0 to 1) of the samples fall,
 * by rank ceil(p * n): the upper end of the bucket holding that sample,
 * never above the largest sample. 0 when empty. */
uint64_t hist_percentile(const struct hist *h, double p);

#endif
