/* What both of the launcher's requests are built in (launch-wire.h's, daemon-run.h's) and sent with. */
#ifndef NONO_WIRE_BUFFER_H
#define NONO_WIRE_BUFFER_H

#include <stdbool.h>
#include <stddef.h>

struct wire_buffer {
	char *data;
	size_t length, capacity;
};

/* Room for `more` bytes past length; false when out of memory. */
bool wire_reserve(struct wire_buffer *b, size_t more);
/* Appends n bytes, refusing to grow past limit bytes in all. */
bool wire_add(struct wire_buffer *b, const void *data, size_t n, size_t limit);
/* Appends text with its NUL. */
bool wire_add_string(struct wire_buffer *b, const char *text, size_t limit);
/* Wipes (it holds the daemon's secret) and frees. */
void wire_free(struct wire_buffer *b);
/* Sends all n bytes (no SIGPIPE); false when the peer is gone. */
bool send_all(int sock, const void *data, size_t n);

#endif
