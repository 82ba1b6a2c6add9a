/*
 * A stand-in for macOS's <sandbox.h> with only what src/seatbelt.c calls, at
 * the SDK's signatures and deprecation, so `make check-macos` can compile the
 * macOS helper on Linux.
 */
#ifndef NONO_MACOS_STUB_SANDBOX_H
#define NONO_MACOS_STUB_SANDBOX_H

#include <stdint.h>

__attribute__((deprecated)) int sandbox_init(const char *profile, uint64_t flags, char **errorbuf);
__attribute__((deprecated)) void sandbox_free_error(char *errorbuf);

#endif
