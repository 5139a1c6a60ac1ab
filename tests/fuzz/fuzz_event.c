/*
 * fuzz_event.c — bytes as a stored event (what a damaged store would hand
 * event_get): decoded in either form and its type peeked at; a decoded
 * event written back (an erasure's rewrite) must read back the same, its
 * payload too where it is a map (what the log writes: msgpack-c may hand
 * a bare "" with a NULL pointer, which reads as no payload).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profiles.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
same_str(const char *a, const char *b)
{
	return (a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct event	 ev, back;
	char		*buf;
	size_t		 blen;

	json_decref(event_stored_json(7, data, len));
	if (event_stored_type(data, len) >= 64)
		abort();
	if (event_decode(7, data, len, &ev) != 0)
		return (0);
	json_decref(event_to_json(&ev));
	if (event_encode(&ev, &buf, &blen) == 0) {
		if (event_decode(7, buf, blen, &back) != 0 ||
		    !same_str(ev.type, back.type) ||
		    !same_str(ev.entity, back.entity) ||
		    !same_str(ev.actor, back.actor) || ev.id != back.id ||
		    ev.at != back.at || (json_is_object(ev.data) &&
		    !json_equal(ev.data, back.data)))
			abort();
		event_clear(&back);
		free(buf);
	}
	event_clear(&ev);
	return (0);
}
