/*
 * The approvals channel's two JSON lines (native-helper/README.md, "File
 * approvals"): the request the supervisor writes, the answer nonod sends back.
 */
#ifndef NONO_APPROVAL_WIRE_H
#define NONO_APPROVAL_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "open-request.h"

struct approval_answer {
	uint64_t id;
	bool allow;
	bool read_only;
};

/*
 * One request line with its newline into out; the length, or 0 when the
 * path is not UTF-8 (JSON would carry another path than the one decided).
 */
size_t approval_format_request(char *out, size_t size, uint64_t id,
			       const struct open_request *request);

/* Parses one answer line (without its newline); false when it is not one. */
bool approval_parse_answer(const char *line, struct approval_answer *answer);

#endif
