/*
 * fuzz — the entry point every fuzz target defines.
 *
 * Each tests/fuzz/<target>.c is built twice: with clang's libFuzzer
 * (`make fuzz`, bin/libfuzzer/<target>), which supplies main() and mutates
 * inputs, and with replay.c's main() under the compiler and sanitizers of
 * `make check` (bin/fuzz/<target>), which runs the seed corpus
 * tests/fuzz/<target>/ once, so that no harness rots and every crash once
 * found stays fixed.
 */
#ifndef HT_FUZZ_H
#define HT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* One input, borrowed.  Returns 0; a bug aborts. */
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The registries' targets (tests/fuzz/source.c): data as one payload of
 * source (an enum ht_source).  Returns 0; a bug aborts.
 */
int	fuzz_source(const uint8_t *data, size_t size, int source);

#endif
