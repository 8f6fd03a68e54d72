/*
 * Fuzz target "registry": the distribution registry's notifications (lib/src-registry.c),
 * through tests/fuzz/source.c's checks.
 */
#include "fuzz.h"
#include "source.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_source(data, size, HT_SRC_REGISTRY);
}
