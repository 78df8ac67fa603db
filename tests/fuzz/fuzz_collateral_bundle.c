/*
 * libFuzzer target for the one-file collateral bundle (the JSON object
 * whose members are described in src/verify/collateral.h): member lookup,
 * hex and PEM decoding, the signed TCB info and QE identity, CRLs and
 * issuer chains, all through collateral_load() itself. The input is
 * handed over as an anonymous memory file, so nothing is written to disk.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "verify/collateral.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
memfile(const uint8_t *data, size_t size)
{
	int fd = memfd_create("collateral", MFD_CLOEXEC);
	size_t off = 0;
	ssize_t n;

	if (fd < 0)
		abort();
	while (off < size) {
		n = write(fd, data + off, size - off);
		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	return fd;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], why[COLLATERAL_ERROR_SIZE];
	struct collateral *col = NULL;
	int fd;

	if (size > COLLATERAL_MAX_FILE)
		return 0;
	fd = memfile(data, size);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (collateral_load(path, &col, why) == ERR_OK) {
		if (!col->tcb_doc.present)
			abort();
		collateral_free(col);
	}
	close(fd);
	return 0;
}
