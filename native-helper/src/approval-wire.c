/*
 * Threat: the answer decides what an unconfined process opens for the
 * sandbox, so a line that is not exactly an answer is refused, never
 * guessed at; the request carries the path byte for byte or not at all.
 */
#include "approval-wire.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Length of the UTF-8 sequence at s (at most left bytes), or 0 if malformed. */
static size_t utf8_sequence(const unsigned char *s, size_t left)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > left)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	static const uint32_t smallest[] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (cp < smallest[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* path as a JSON string body; false if it is not UTF-8 or does not fit. */
static bool append_json_string(char *out, size_t size, size_t *at, const char *path)
{
	const unsigned char *s = (const unsigned char *)path;
	size_t left = strlen(path);

	while (left > 0) {
		size_t len = utf8_sequence(s, left);
		char escape[8];
		const char *piece = (const char *)s;
		size_t piece_len = len;

		if (len == 0)
			return false;
		if (*s == '"' || *s == '\\' || *s < 0x20) {
			piece_len = (size_t)snprintf(escape, sizeof(escape), "\\u%04x", *s);
			piece = escape;
		}
		if (*at + piece_len >= size)
			return false;
		memcpy(out + *at, piece, piece_len);
		*at += piece_len;
		s += len;
		left -= len;
	}
	return true;
}

size_t approval_format_request(char *out, size_t size, uint64_t id,
			       const struct open_request *request)
{
	int n = snprintf(out, size, "{\"id\":%" PRIu64 ",\"pid\":%d,\"path\":\"", id,
			 (int)request->pid);
	size_t at;

	if (n < 0 || (size_t)n >= size)
		return 0;
	at = (size_t)n;
	if (!append_json_string(out, size, &at, request->path))
		return 0;
	n = snprintf(out + at, size - at, "\",\"access\":\"%s\",\"flags\":%d}\n",
		     request->write ? "write" : "read", request->flags);
	if (n < 0 || (size_t)n >= size - at)
		return 0;
	return at + (size_t)n;
}

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	return s;
}

static const char *parse_bool(const char *s, bool *out)
{
	if (strncmp(s, "true", 4) == 0) {
		*out = true;
		return s + 4;
	}
	if (strncmp(s, "false", 5) == 0) {
		*out = false;
		return s + 5;
	}
	return NULL;
}

static const char *parse_u64(const char *s, uint64_t *out)
{
	uint64_t value = 0;
	const char *start = s;

	/* JSON allows no leading zeros; "0" alone is fine. */
	if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
		return NULL;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned digit = (unsigned)(*s - '0');

		if (value > (UINT64_MAX - digit) / 10)
			return NULL;
		value = value * 10 + digit;
	}
	*out = value;
	return s == start ? NULL : s;
}

enum { SEEN_ID = 1, SEEN_ALLOW = 2, SEEN_READ_ONLY = 4 };

/* One "key":value member; NULL on anything else, a key seen twice included. */
static const char *parse_member(const char *s, struct approval_answer *answer, unsigned *seen)
{
	static const struct {
		const char *key;
		unsigned bit;
	} keys[] = { { "\"id\"", SEEN_ID }, { "\"allow\"", SEEN_ALLOW },
		     { "\"readOnly\"", SEEN_READ_ONLY } };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t len = strlen(keys[i].key);

		if (strncmp(s, keys[i].key, len) != 0)
			continue;
		if (*seen & keys[i].bit)
			return NULL;
		*seen |= keys[i].bit;
		s = skip_space(s + len);
		if (*s != ':')
			return NULL;
		s = skip_space(s + 1);
		if (keys[i].bit == SEEN_ID)
			return parse_u64(s, &answer->id);
		return parse_bool(s, keys[i].bit == SEEN_ALLOW ? &answer->allow : &answer->read_only);
	}
	return NULL;
}

bool approval_parse_answer(const char *line, struct approval_answer *answer)
{
	unsigned seen = 0;
	const char *s = skip_space(line);

	*answer = (struct approval_answer){ 0 };
	if (*s++ != '{')
		return false;
	for (;;) {
		s = parse_member(skip_space(s), answer, &seen);
		if (!s)
			return false;
		s = skip_space(s);
		if (*s == ',') {
			s++;
			continue;
		}
		if (*s != '}')
			return false;
		break;
	}
	return (seen & (SEEN_ID | SEEN_ALLOW)) == (SEEN_ID | SEEN_ALLOW) && *skip_space(s + 1) == '\0';
}
