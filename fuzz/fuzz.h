/*
 * fuzz.h - the entry point every fuzz target defines (libFuzzer's), so
 * that one target builds both under libFuzzer (-DSWITCHOVER_FUZZ=ON with
 * clang) and as a plain program that replays a corpus (replay_main.c).
 */
#ifndef SWITCHOVER_FUZZ_H
#define SWITCHOVER_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
