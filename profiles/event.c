/*
 * event.c — the append-only event log: every change to a record appends an
 * event (sequence, type, entity, id, actor, time, payload) to DB_EVENTS
 * keyed by its big-endian sequence number, in the same transaction as the
 * change.  Delivering events to subscribers is the daemon's business.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "profiles.h"

/*
 * The stored event, version 1, is a msgpack array:
 *
 *	[1, type, id, actor, at, data]
 *	[1, type, id, actor, at, entity, data]
 *
 * type is the type's index in event_type_names (a positive fixint; the
 * table only grows at its end), or its name for a type outside the table;
 * id an unsigned integer; actor a string or nil; at unix seconds; data,
 * always last, the payload (a map) or nil.  The entity is written only
 * where it is not the type's part before its dot (interest.created is
 * about an offer): a string or nil.  The sequence number is the key.
 * Stores written before hold a map {"seq", "type", "entity", "id",
 * "actor", "at", "data"}; event_decode reads both forms alike.
 */
#define EVENT_VERSION	1

/* The last sequence number is kept in DB_META beside the id sequences. */
uint64_t
event_last(struct txn *t)
{
	const void	*v;
	size_t		 len;

	if (store_get(t, DB_META, "eventseq", 8, &v, &len) == 0 && len == 8)
		return (key_get_u64(v));
	return (0);
}

static void
pack_cstr(msgpack_packer *pk, const char *s)
{
	size_t	len = s != NULL ? strlen(s) : 0;

	if (s == NULL) {
		msgpack_pack_nil(pk);
		return;
	}
	msgpack_pack_str(pk, len);
	msgpack_pack_str_body(pk, s, len);
}

/* 1 if entity is type's part before its dot, which the stored form then
 * leaves out. */
static int
entity_implied(const char *type, const char *entity)
{
	size_t	n;

	if (entity == NULL)
		return (0);
	n = strlen(entity);
	return (strncmp(type, entity, n) == 0 && type[n] == '.' &&
	    memchr(entity, '.', n) == NULL);
}

/* The stored form up to its data, which the caller packs next; ti is
 * type's index in event_type_names, -1 if it has none. */
static void
pack_head(msgpack_packer *pk, int ti, const char *type, const char *entity,
    uint64_t id, const char *actor, int64_t at)
{
	int	implied = entity_implied(type, entity);

	msgpack_pack_array(pk, implied ? 6 : 7);
	msgpack_pack_uint8(pk, EVENT_VERSION);
	if (ti >= 0)
		msgpack_pack_uint8(pk, (uint8_t)ti);
	else
		pack_cstr(pk, type);
	msgpack_pack_uint64(pk, id);
	pack_cstr(pk, actor);
	msgpack_pack_int64(pk, at);
	if (!implied)
		pack_cstr(pk, entity);
}

/*
 * One buffer for every event: LMDB lets one write transaction run at a
 * time, and an event is stored before event_close returns, so the bytes
 * of one event never meet another's.  Kept between events, never shrunk;
 * so is the index of the last type seen, most events following one of
 * their own type.
 */
static struct {
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	uint64_t	 seq;		/* 0: nothing to store */
	int		 ti;		/* the last type's index, or -1 */
} ev_w = {
	.pk = { .data = &ev_w.sb, .callback = msgpack_sbuffer_write },
	.ti = -1
};

msgpack_packer *
event_open(struct txn *t, const char *type, const char *entity, uint64_t id,
    const char *actor)
{
	msgpack_packer	*pk = &ev_w.pk;
	uint8_t		 v[8];

	ev_w.sb.size = 0;
	ev_w.seq = 0;
	if (t->rc != 0)
		return (pk);
	ev_w.seq = event_last(t) + 1;
	if (store_put(t, DB_META, "eventseq", 8, v, key_u64(v, ev_w.seq)) != 0)
		ev_w.seq = 0;
	if (ev_w.ti < 0 || strcmp(event_type_names[ev_w.ti], type) != 0)
		ev_w.ti = evtype_index(type, strlen(type));
	pack_head(pk, ev_w.ti, type, entity, id, actor, (int64_t)time(NULL));
	return (pk);
}

uint64_t
event_close(struct txn *t)
{
	uint64_t	seq = ev_w.seq;

	ev_w.seq = 0;
	if (seq == 0 || t->rc != 0)
		return (0);
	store_append_id(t, DB_EVENTS, seq, ev_w.sb.data, ev_w.sb.size);
	return (t->rc == 0 ? seq : 0);
}

uint64_t
event_append(struct txn *t, const char *type, const char *entity, uint64_t id,
    const char *actor, json_t *data)
{
	msgpack_packer	*pk;

	pk = event_open(t, type, entity, id, actor);
	if (data != NULL)
		json_pack_mp(data, pk);
	else
		msgpack_pack_nil(pk);
	return (event_close(t));
}

void
event_pack_id(msgpack_packer *pk, const char *key, uint64_t v)
{
	pack_cstr(pk, key);
	msgpack_pack_int64(pk, (int64_t)v);
}

void
event_pack_str(msgpack_packer *pk, const char *key, const char *v)
{
	pack_cstr(pk, key);
	pack_cstr(pk, v);
}

int
event_encode(const struct event *ev, char **buf, size_t *len)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;
	int		rc = 0;

	*buf = NULL;
	*len = 0;
	if (ev->type == NULL)
		return (IOD_EINVAL);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	pack_head(&pk, evtype_index(ev->type, strlen(ev->type)), ev->type,
	    ev->entity, ev->id, ev->actor, ev->at);
	if (ev->data != NULL)
		rc = json_pack_mp(ev->data, &pk);
	else
		rc = msgpack_pack_nil(&pk);
	if (rc != 0 || sb.data == NULL) {
		msgpack_sbuffer_destroy(&sb);
		return (IOD_ENOMEM);
	}
	*len = sb.size;
	*buf = msgpack_sbuffer_release(&sb);
	return (0);
}

/* A stored string, or nil as NULL: 0, IOD_ECORRUPT if o is neither,
 * IOD_ENOMEM. */
static int
str_of(const msgpack_object *o, char **out)
{
	char	*s;

	free(*out);
	*out = NULL;
	if (o->type == MSGPACK_OBJECT_NIL)
		return (0);
	if (o->type != MSGPACK_OBJECT_STR)
		return (IOD_ECORRUPT);
	if ((s = malloc(o->via.str.size + 1)) == NULL)
		return (IOD_ENOMEM);
	if (o->via.str.size > 0)	/* "" may come with a NULL ptr */
		memcpy(s, o->via.str.ptr, o->via.str.size);
	s[o->via.str.size] = '\0';
	*out = s;
	return (0);
}

/* A stored time: any integer that fits an int64_t. */
static int
at_of(const msgpack_object *o, int64_t *at)
{
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		*at = o->via.i64;
	else if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
	    o->via.u64 <= INT64_MAX)
		*at = (int64_t)o->via.u64;
	else
		return (IOD_ECORRUPT);
	return (0);
}

/* The payload, nil as NULL; one JSON cannot hold (a string that is not
 * UTF-8) as NULL too, as the event was always read. */
static void
data_of(const msgpack_object *o, json_t **data)
{
	char	*cause;

	json_decref(*data);
	*data = NULL;
	if (o->type != MSGPACK_OBJECT_NIL) {
		*data = mp_to_json(o, &cause);
		free(cause);
	}
}

/* Version 1, the array. */
static int
decode_array(const msgpack_object *a, struct event *ev)
{
	const msgpack_object	*o = a->via.array.ptr;
	const char		*name;
	uint32_t		 n = a->via.array.size;
	int			 rc;

	if ((n != 6 && n != 7) || o[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    o[0].via.u64 != EVENT_VERSION)
		return (IOD_ECORRUPT);
	if (o[1].type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		if (o[1].via.u64 > 64 ||	/* before the cast can wrap */
		    (name = evtype_name((unsigned)o[1].via.u64)) == NULL)
			return (IOD_ECORRUPT);
		if ((ev->type = strdup(name)) == NULL)
			return (IOD_ENOMEM);
	} else if ((rc = str_of(&o[1], &ev->type)) != 0)
		return (rc);
	if (ev->type == NULL || o[2].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return (IOD_ECORRUPT);
	ev->id = o[2].via.u64;
	if ((rc = str_of(&o[3], &ev->actor)) != 0 ||
	    (rc = at_of(&o[4], &ev->at)) != 0)
		return (rc);
	if (n == 7)
		rc = str_of(&o[5], &ev->entity);
	else if ((ev->entity = strndup(ev->type, strcspn(ev->type, "."))) ==
	    NULL)
		rc = IOD_ENOMEM;
	if (rc == 0)
		data_of(&o[n - 1], &ev->data);
	return (rc);
}

/* The form stores held before: a map, its keys in any order. */
static int
decode_map(const msgpack_object *m, struct event *ev)
{
	const msgpack_object	*k, *v;
	uint32_t		 i;
	int			 rc = 0;

	for (i = 0; i < m->via.map.size && rc == 0; i++) {
		k = &m->via.map.ptr[i].key;
		v = &m->via.map.ptr[i].val;
		if (k->type != MSGPACK_OBJECT_STR)
			return (IOD_ECORRUPT);
#define KEY(s)	(k->via.str.size == sizeof(s) - 1 && \
		    memcmp(k->via.str.ptr, s, sizeof(s) - 1) == 0)
		if ((KEY("seq") || KEY("id")) &&
		    v->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
			rc = IOD_ECORRUPT;
		else if (KEY("seq"))
			ev->seq = v->via.u64;
		else if (KEY("type"))
			rc = str_of(v, &ev->type);
		else if (KEY("entity"))
			rc = str_of(v, &ev->entity);
		else if (KEY("id"))
			ev->id = v->via.u64;
		else if (KEY("actor"))
			rc = str_of(v, &ev->actor);
		else if (KEY("at"))
			rc = at_of(v, &ev->at);
		else if (KEY("data"))
			data_of(v, &ev->data);
#undef KEY
	}
	if (rc == 0 && ev->type == NULL)
		rc = IOD_ECORRUPT;
	return (rc);
}

int
event_decode(uint64_t seq, const void *buf, size_t len, struct event *ev)
{
	msgpack_unpacked	 u;
	size_t			 off = 0;
	int			 rc = IOD_ECORRUPT;

	memset(ev, 0, sizeof(*ev));
	if (mp_check(buf, len) != 0)
		return (IOD_ECORRUPT);
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, buf, len, &off) == MSGPACK_UNPACK_SUCCESS) {
		ev->seq = seq;
		if (u.data.type == MSGPACK_OBJECT_ARRAY)
			rc = decode_array(&u.data, ev);
		else if (u.data.type == MSGPACK_OBJECT_MAP)
			rc = decode_map(&u.data, ev);
	}
	msgpack_unpacked_destroy(&u);
	if (rc != 0)
		event_clear(ev);
	return (rc);
}

int
event_get(struct txn *t, uint64_t seq, struct event *ev)
{
	const void	*buf;
	size_t		 len;
	int		 rc;

	memset(ev, 0, sizeof(*ev));
	if ((rc = store_get_id(t, DB_EVENTS, seq, &buf, &len)) != 0)
		return (rc);
	return (event_decode(seq, buf, len, ev));
}

void
event_clear(struct event *ev)
{
	free(ev->type);
	free(ev->entity);
	free(ev->actor);
	json_decref(ev->data);
	memset(ev, 0, sizeof(*ev));
}

json_t *
event_to_json(const struct event *ev)
{
	return (json_pack("{s:I, s:s, s:s, s:I, s:s?, s:I, s:O?}",
	    "seq", (json_int_t)ev->seq, "type", ev->type,
	    "entity", ev->entity != NULL ? ev->entity : "",
	    "id", (json_int_t)ev->id, "actor", ev->actor,
	    "at", (json_int_t)ev->at, "data", ev->data));
}

json_t *
event_stored_json(uint64_t seq, const void *buf, size_t len)
{
	struct event	 ev;
	json_t		*j;

	if (event_decode(seq, buf, len, &ev) != 0)
		return (NULL);
	j = event_to_json(&ev);
	event_clear(&ev);
	return (j);
}

int
event_stored_type(const void *v, size_t vl)
{
	const unsigned char	*b = v;
	const msgpack_object	*k, *o;
	msgpack_unpacked	 u;
	size_t			 off = 0;
	uint32_t		 i;
	int			 ti = -1;

	/* The array with a table type: its third byte. */
	if (vl >= 3 && (b[0] == 0x96 || b[0] == 0x97) &&
	    b[1] == EVENT_VERSION && b[2] < 0x80)
		return (evtype_name(b[2]) != NULL ? b[2] : -1);
	if (mp_check(v, vl) != 0)
		return (-1);
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, v, vl, &off) != MSGPACK_UNPACK_SUCCESS)
		goto done;
	o = &u.data;
	if (o->type == MSGPACK_OBJECT_ARRAY && o->via.array.size >= 2 &&
	    o->via.array.ptr[1].type == MSGPACK_OBJECT_STR)
		ti = evtype_index(o->via.array.ptr[1].via.str.ptr,
		    o->via.array.ptr[1].via.str.size);
	for (i = 0; o->type == MSGPACK_OBJECT_MAP && i < o->via.map.size;
	    i++) {
		k = &o->via.map.ptr[i].key;
		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == 4 &&
		    memcmp(k->via.str.ptr, "type", 4) == 0 &&
		    o->via.map.ptr[i].val.type == MSGPACK_OBJECT_STR)
			ti = evtype_index(o->via.map.ptr[i].val.via.str.ptr,
			    o->via.map.ptr[i].val.via.str.size);
	}
done:
	msgpack_unpacked_destroy(&u);
	return (ti);
}
