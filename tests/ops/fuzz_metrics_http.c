/*
 * libFuzzer target for the metrics endpoint's reading of a scraper's
 * request head, the one parser there of bytes from the network: any
 * prefix a scraper may have sent so far is judged as the endpoint judges
 * it after each read.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "daemon/metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int status;

	/* Each read ends somewhere: the first byte picks where. */
	for (size_t len = size > 0 ? data[0] % 8 : 0; len <= size; len += 97) {
		status = metrics_http_status(data, len);
		if (status != 0 && status != 200 && status != 404 &&
		    status != 400)
			abort();
	}
	status = metrics_http_status(data, size);
	if (status != 0 && status != 200 && status != 404 && status != 400)
		abort();
	return 0;
}
