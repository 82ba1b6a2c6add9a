/*
 * The macOS helper: Seatbelt instead of namespaces, Landlock and seccomp.
 * Compiled only on macOS (and, against a stub <sandbox.h>, by make check-macos).
 */
#ifndef NONO_SEATBELT_H
#define NONO_SEATBELT_H

/*
 * The whole procedure on macOS: read the spec → chdir → close inherited fds →
 * sandbox_init(profile) → resource limits → exec. Returns only for --probe;
 * any failure before exec exits 125, so the command never runs unconfined.
 */
int seatbelt_main(int argc, char **argv);

#endif
