/*
 * Fuzz target "harbor": Harbor's webhook, default JSON and CloudEvents (lib/src-harbor.c),
 * through tests/fuzz/source.c's checks.
 */
#include "fuzz.h"
#include "source.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_source(data, size, HT_SRC_HARBOR);
}
