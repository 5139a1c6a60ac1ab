/*
 * schema-fast.h — stored records read in place (schema-fast.c): the
 * decoders of the start-up, the lists and the hot reads.  Included by
 * profiles.h; not on its own.
 */
#ifndef IOD_SCHEMA_FAST_H
#define IOD_SCHEMA_FAST_H

/* ---- schema-fast.c: stored records read in place ------------------------
 * Where the strings and arrays of records decoded one after another go:
 * one block reused from record to record.  Zero it to start; free it
 * with rec_arena_free.
 */
struct rec_arena {
	char		*mem;
	size_t		 used, cap;
	void		*more;		/* blocks taken once mem was full */
	size_t		 spilled;	/* their bytes: mem grows by them */
};
void	 rec_arena_free(struct rec_arena *);
/* The mask of the top-level fields named in names (NULL-terminated) for
 * rec_decode_fields; a name the schema lacks adds nothing. */
uint64_t rec_fields_mask(const struct schema *, const char *const *names);
/*
 * Decode the stored record (buf, len) into the zeroed struct rec as
 * rec_decode does, field for field, but read in place, with no msgpack
 * tree and no mp_check first: for the store's own records, whose bytes
 * were checked when it opened (a read never leaves the buffer, whatever
 * it holds).  Only the top-level fields whose bit is set in want (bit i:
 * the schema's field i; those from 64 on always) are decoded, the others
 * and unknown keys skipped; an embedded object is decoded whole.  With
 * arena NULL, strings and arrays are malloc'd (rec_clear frees them);
 * with an arena, they are taken from it, valid until its next use: do not
 * rec_clear such a record.  Returns 0, IOD_ECORRUPT (rec freeable as
 * after rec_decode) or IOD_ENOMEM.  Any thread.
 */
int	 rec_decode_fields(const struct schema *, void *rec, const void *buf,
	    size_t len, uint64_t want, struct rec_arena *arena);
void	*rec_new(const struct schema *);	/* zeroed, enums unset */

/* Check that buf holds exactly one msgpack value whose every declared
 * length fits in len: 0 or IOD_EINVAL.  Call before msgpack_unpack_next
 * on bytes from outside. */
int	 mp_check(const void *buf, size_t len);
/* Generic conversions between the two wire formats.  mp_to_json refuses
 * a map with a key twice, as JSON bodies are refused. */
json_t	*mp_to_json(const msgpack_object *, char **cause);
/* The one msgpack value in buf (checked first) as JSON, or NULL if buf is
 * not one well-formed value; for stored records read schema-free. */
json_t	*mp_bytes_to_json(const void *buf, size_t len);
/* A stored record of schema sc (positional, or a map as stored before)
 * as a JSON object of its stored values by name: "v", then the fields as
 * the store keeps them (enums by name, dates as YYYYMMDD numbers); sc
 * NULL: buf's one value as it is (mp_bytes_to_json); NULL if buf is not
 * one. */
json_t	*rec_stored_json(const struct schema *sc, const void *buf,
	    size_t len);
/* "a, b or c" from a NULL-terminated names table, for messages; caller
 * frees, NULL without memory. */
char	*names_list(const char *const *names);
int	 json_pack_mp(json_t *, msgpack_packer *);

/*
 * The items of a wire body that is one array (JSON or msgpack), decoded
 * one at a time so that a big body never becomes one big tree: the cost
 * of a body is its bytes plus one item's tree.  The struct only borrows
 * buf.
 */
#define ITEM_VALUES_MAX	1024	/* values (keys too) in one item: a full
				   company record has about 400 */
struct wire_items {
	const char	*buf;
	size_t		 len, off;
	size_t		 n, i;		/* items in all, items read */
	int		 msgpack;
};
/*
 * Open buf as an array and count its items without decoding them.
 * Returns 0; IOD_ETOOBIG if there are more than max (w->n says how many);
 * IOD_EINVAL if buf is not one array (*cause says why, caller frees).
 */
int	 wire_items_open(struct wire_items *, const char *buf, size_t len,
	    int msgpack, size_t max, char **cause);
/* wire_items_open of a body it accepted before, not walked again (each
 * item is, by wire_items_next_raw): a JSON body's w->n is SIZE_MAX until
 * its last item is read. */
int	 wire_items_reopen(struct wire_items *, const char *buf, size_t len,
	    int msgpack, size_t max, char **cause);
/*
 * Decode the next item to JSON.  Returns 1 and *item (caller decrefs);
 * 0 after the last; IOD_ETOOBIG for an item of more than ITEM_VALUES_MAX
 * values, IOD_EINVAL for a malformed one, IOD_ENOMEM, each with *cause
 * (caller frees); the next call goes on with the item after it.
 */
int	 wire_items_next(struct wire_items *, json_t **item, char **cause);
/* wire_items_next in two steps: the next item's bytes (*item, *len,
 * borrowed from the body), with the same returns but for decoding;
 * then those bytes (an item of w) to JSON, as wire_items_next returns. */
int	 wire_items_next_raw(struct wire_items *, const char **item,
	    size_t *len, char **cause);
int	 wire_item_json(const struct wire_items *, const char *buf,
	    size_t len, json_t **item, char **cause);
/* wire-json.c: the JSON item (json, len) as the msgpack value it stands
 * for, into *buf (of *cap bytes, grown as needed: caller frees), for
 * rec_from_mp; *outlen its bytes.  0; IOD_EINVAL for an item it leaves
 * to jansson (a real, anything unusual or invalid); IOD_ENOMEM. */
int	 wire_json_mp(const char *json, size_t len, char **buf, size_t *cap,
	    size_t *outlen);
/* wire_json_mp of the one value json starts with, whatever follows it:
 * *used its bytes (blanks around it included), *values its values as
 * wire_items_next_raw counts an item's. */
int	 wire_json_mp_next(const char *json, size_t len, char **buf,
	    size_t *cap, size_t *outlen, size_t *used, uint64_t *values);
/* wire_items_next_raw that also rewrites a JSON item as msgpack for
 * rec_from_mp (wire_json_mp) in the same pass: 2 when *mp holds it
 * (*mplen bytes; *mp, of *mpcap, grown as needed, caller frees), else as
 * wire_items_next_raw returns. */
int	 wire_items_next_mp(struct wire_items *, const char **item,
	    size_t *len, char **mp, size_t *mpcap, size_t *mplen,
	    char **cause);

#include "records.h"

#endif /* IOD_SCHEMA_FAST_H */
