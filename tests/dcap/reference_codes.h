/*
 * Every quote3_error_t of the reference ("AESM protocol" section 6.4)
 * with the AESM code Intel's service answers for it (section 4.4, the
 * server-side table; values it does not list are 1), written out by value
 * so that the tests do not read the table they check.
 */
#ifndef SQH_TESTS_DCAP_REFERENCE_CODES_H
#define SQH_TESTS_DCAP_REFERENCE_CODES_H

#include <stdint.h>

static const struct {
	uint32_t q3;
	uint32_t aesm;
} reference_codes[] = {
        {0x0000, 0},  {0xE001, 1},  {0xE002, 3},  {0xE003, 21}, {0xE004, 32},
        {0xE005, 33}, {0xE006, 15}, {0xE007, 34}, {0xE008, 35}, {0xE009, 36},
        {0xE00A, 37}, {0xE00B, 38}, {0xE00C, 39}, {0xE00D, 40}, {0xE00E, 41},
        {0xE00F, 42}, {0xE010, 43}, {0xE011, 44}, {0xE012, 29}, {0xE013, 45},
        {0xE014, 46}, {0xE015, 47}, {0xE016, 48}, {0xE017, 49}, {0xE018, 50},
        {0xE019, 12}, {0xE01A, 22}, {0xE035, 1},  {0xE03E, 1},  {0xE03F, 1},
        {0xE040, 1},  {0xE041, 1},  {0xE042, 1},  {0xE043, 1},
};

#define REFERENCE_CODES_COUNT \
	(sizeof(reference_codes) / sizeof(*reference_codes))

#endif
