/*
 * Fuzz target "github": GitHub's registry_package and package events (lib/src-github.c),
 * through tests/fuzz/source.c's checks.
 */
#include "fuzz.h"
#include "source.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_source(data, size, HT_SRC_GITHUB);
}
