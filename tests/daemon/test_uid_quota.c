/*
 * The per-uid connection counts: the limit is exact per uid, uids that
 * share a stripe keep counts of their own, given-back entries are reused,
 * and threads taking and releasing at once never pass the limit nor lose
 * a count.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>

#include "daemon/uid_quota.h"

static void
test_limit_per_uid(void **state)
{
	struct uid_quota *q;

	(void)state;
	assert_int_equal(uid_quota_create(0, &q), ERR_INVALID);
	assert_int_equal(uid_quota_create(3, &q), ERR_OK);
	for (int i = 0; i < 3; i++)
		assert_int_equal(uid_quota_take(q, 1000), ERR_OK);
	assert_int_equal(uid_quota_take(q, 1000), ERR_RANGE);
	assert_int_equal(uid_quota_held(q, 1000), 3);
	/* Another uid is not charged for the first one's. */
	assert_int_equal(uid_quota_take(q, 1001), ERR_OK);
	assert_int_equal(uid_quota_held(q, 1001), 1);
	/* One given back: one more may come, not two. */
	uid_quota_release(q, 1000);
	assert_int_equal(uid_quota_held(q, 1000), 2);
	assert_int_equal(uid_quota_take(q, 1000), ERR_OK);
	assert_int_equal(uid_quota_take(q, 1000), ERR_RANGE);
	/* The extremes of uid_t, (uid_t)-1 being "not known". */
	assert_int_equal(uid_quota_take(q, 0), ERR_OK);
	assert_int_equal(uid_quota_take(q, (uid_t)-1), ERR_OK);
	assert_int_equal(uid_quota_held(q, 0), 1);
	assert_int_equal(uid_quota_held(q, (uid_t)-1), 1);
	assert_int_equal(uid_quota_held(q, 4242), 0);
	uid_quota_free(q);
	uid_quota_free(NULL);
}

/* Far more uids than stripes, so that many share one (pigeonhole, with
 * no knowledge of the hash): each still gets exactly its own limit, and
 * high bits alone (user namespace ranges) tell uids apart. */
static void
test_colliding_uids_counted_apart(void **state)
{
	const unsigned n = 1000, limit = 2;
	struct uid_quota *q;
	uid_t uid;

	(void)state;
	assert_int_equal(uid_quota_create(limit, &q), ERR_OK);
	for (unsigned round = 0; round < 2; round++) {
		for (unsigned i = 0; i < n; i++) {
			uid = (uid_t)(i % 2 ? i : i << 16);
			assert_int_equal(uid_quota_take(q, uid), ERR_OK);
			assert_int_equal(uid_quota_take(q, uid), ERR_OK);
			assert_int_equal(uid_quota_take(q, uid), ERR_RANGE);
		}
		for (unsigned i = 0; i < n; i++) {
			uid = (uid_t)(i % 2 ? i : i << 16);
			assert_int_equal(uid_quota_held(q, uid), limit);
			uid_quota_release(q, uid);
			uid_quota_release(q, uid);
			assert_int_equal(uid_quota_held(q, uid), 0);
		}
	}
	/* Entries given back serve new uids: all 1000 free entries are
	 * taken by uids never seen before. */
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(uid_quota_take(q, 5000000 + i), ERR_OK);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(uid_quota_held(q, 5000000 + i), 1);
	uid_quota_free(q);
}

#define THREADS 4
#define LIMIT   50
#define ROUNDS  2000

struct race {
	struct uid_quota *q;
	pthread_barrier_t start;
	atomic_uint taken; /* successful takes, all threads */
	atomic_uint held;  /* taken and not yet given back */
	atomic_uint most;  /* the most held at once */
};

/* Takes as many as it can for one uid, then gives them all back, again
 * and again: every thread on the same uid, at once. */
static void *
race_main(void *arg)
{
	struct race *r = arg;
	unsigned mine, now, most;

	pthread_barrier_wait(&r->start);
	for (int round = 0; round < ROUNDS; round++) {
		mine = 0;
		while (mine < LIMIT && uid_quota_take(r->q, 77) == ERR_OK) {
			mine++;
			now = atomic_fetch_add(&r->held, 1) + 1;
			most = atomic_load(&r->most);
			while (now > most && !atomic_compare_exchange_weak(
			                             &r->most, &most, now))
				continue;
		}
		atomic_fetch_add(&r->taken, mine);
		for (; mine > 0; mine--) {
			atomic_fetch_sub(&r->held, 1);
			uid_quota_release(r->q, 77);
		}
	}
	return NULL;
}

static void
test_threads_never_pass_the_limit(void **state)
{
	pthread_t t[THREADS];
	struct race r = {0};

	(void)state;
	assert_int_equal(uid_quota_create(LIMIT, &r.q), ERR_OK);
	assert_int_equal(pthread_barrier_init(&r.start, NULL, THREADS), 0);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race_main, &r), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	assert_true(atomic_load(&r.most) <= LIMIT);
	assert_true(atomic_load(&r.taken) >= ROUNDS);
	/* Nothing lost or left over: the whole limit is there again. */
	assert_int_equal(uid_quota_held(r.q, 77), 0);
	for (int i = 0; i < LIMIT; i++)
		assert_int_equal(uid_quota_take(r.q, 77), ERR_OK);
	assert_int_equal(uid_quota_take(r.q, 77), ERR_RANGE);
	pthread_barrier_destroy(&r.start);
	uid_quota_free(r.q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_limit_per_uid),
	        cmocka_unit_test(test_colliding_uids_counted_apart),
	        cmocka_unit_test(test_threads_never_pass_the_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
