/*
 * fuzz_proto.c - libFuzzer target for the relay protocol decoder
 * (common/proto.h).  It runs the input through the same steps as the
 * daemon's control connection (decode, type and descriptor rules, one
 * request per read) and the library's reply and frame parsers, checking
 * that no decoded length ever reaches past the input.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Icommon fuzz_proto.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "proto.h"

static void
check(int cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t		buf[XP_HDRLEN + XP_MAXPAYLOAD];
	struct xp_msg	m;
	struct xp_reply	r;
	size_t		have = 0, off = 0, chunk;
	ssize_t		n;
	uint8_t		mt;
	uint32_t	len;

	/* As the daemon reads: into a bounded buffer, in pieces. */
	while (off < size) {
		chunk = (size_t)(data[off] % 64) + 1;
		if (chunk > size - off)
			chunk = size - off;
		if (chunk > sizeof(buf) - have)
			break;
		memcpy(buf + have, data + off, chunk);
		have += chunk;
		off += chunk;
		while ((n = xp_decode(buf, have, &m)) > 0) {
			check((size_t)n <= have);
			check(m.len <= XP_MAXPAYLOAD);
			check(m.pay + m.len <= buf + have);
			check(xp_len_ok(m.type, m.len));
			(void)xp_is_request(m.type);
			check(xp_wants_fds(m.type) <= XP_MAXFDS);
			(void)xp_has_reply(m.type);
			if (m.type == XP_ADOPT || m.type == XP_ADOPT_PAGE)
				(void)xp_get64(m.pay);
			if (m.type == XP_EVENT)
				(void)xp_frame_type_ok(m.pay[4]);
			memmove(buf, buf + n, have - (size_t)n);
			have -= (size_t)n;
		}
		if (n < 0)
			return (0);	/* the daemon closes the client */
		check(have < sizeof(buf));
	}
	/* The library's parsers. */
	if (size >= XP_REPLYLEN && xp_get_reply(data, &r) == 0)
		check(xp_get16(data) == XP_REPLY);
	for (off = 0; off < size;) {
		if (xp_frame_parse(data + off, size - off, &mt, &len) == 0)
			break;
		off += XP_FRAMEHDR;
		if (len > size - off)
			break;
		off += len;
	}
	return (0);
}
