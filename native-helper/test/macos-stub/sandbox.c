/*
 * A test double for macOS's sandbox_init, so the macOS helper's procedure can
 * run on Linux: it confines nothing. It writes the profile it gets to the file
 * $NONO_STUB_SBPL_OUT names, and refuses (as Seatbelt refuses a profile it
 * cannot compile) any profile without "(version 1)".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox.h"

static int refuse(const char *reason, char **errorbuf)
{
	*errorbuf = strdup(reason);
	return -1;
}

int sandbox_init(const char *profile, uint64_t flags, char **errorbuf)
{
	const char *out = getenv("NONO_STUB_SBPL_OUT");

	if (flags != 0)
		return refuse("stub: flags must be 0 (an SBPL string)", errorbuf);
	if (!strstr(profile, "(version 1)"))
		return refuse("stub: the profile has no (version 1)", errorbuf);
	if (!out)
		return 0;
	FILE *file = fopen(out, "w");
	if (!file)
		return refuse("stub: cannot open $NONO_STUB_SBPL_OUT", errorbuf);
	int written = fputs(profile, file) != EOF;
	if (fclose(file) != 0 || !written)
		return refuse("stub: cannot write $NONO_STUB_SBPL_OUT", errorbuf);
	return 0;
}

void sandbox_free_error(char *errorbuf)
{
	free(errorbuf);
}
