/* The launcher's growable request buffer and its one send loop (wire-buffer.h). */
#include "wire-buffer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

bool wire_reserve(struct wire_buffer *b, size_t more)
{
	if (b->length + more <= b->capacity)
		return true;
	size_t next = b->capacity ? b->capacity : 65536;
	while (next < b->length + more)
		next *= 2;
	char *grown = realloc(b->data, next);
	if (!grown)
		return false;
	b->data = grown;
	b->capacity = next;
	return true;
}

bool wire_add(struct wire_buffer *b, const void *data, size_t n, size_t limit)
{
	if (b->length + n > limit || !wire_reserve(b, n))
		return false;
	memcpy(b->data + b->length, data, n);
	b->length += n;
	return true;
}

bool wire_add_string(struct wire_buffer *b, const char *text, size_t limit)
{
	return wire_add(b, text, strlen(text) + 1, limit);
}

void wire_free(struct wire_buffer *b)
{
	if (b->data)
		explicit_bzero(b->data, b->capacity);
	free(b->data);
	*b = (struct wire_buffer){ 0 };
}

bool send_all(int sock, const void *data, size_t n)
{
	const char *p = data;
	while (n > 0) {
		ssize_t sent = send(sock, p, n, MSG_NOSIGNAL);
		if (sent < 0 && errno == EINTR)
			continue;
		if (sent <= 0)
			return false;
		p += sent;
		n -= (size_t)sent;
	}
	return true;
}
