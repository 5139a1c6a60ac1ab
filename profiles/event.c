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

/*
 * One buffer for every event: LMDB lets one write transaction run at a
 * time, and an event is stored before event_close returns, so the bytes of
 * one event never meet another's.  Kept between events, never shrunk.
 */
static struct {
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	uint64_t	 seq;		/* 0: nothing to store */
} ev_w = { .pk = { .data = &ev_w.sb, .callback = msgpack_sbuffer_write } };

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
	msgpack_pack_map(pk, 7);
	pack_cstr(pk, "seq");
	msgpack_pack_uint64(pk, ev_w.seq);
	pack_cstr(pk, "type");
	pack_cstr(pk, type);
	pack_cstr(pk, "entity");
	pack_cstr(pk, entity);
	pack_cstr(pk, "id");
	msgpack_pack_uint64(pk, id);
	pack_cstr(pk, "actor");
	pack_cstr(pk, actor);
	pack_cstr(pk, "at");
	msgpack_pack_int64(pk, (int64_t)time(NULL));
	pack_cstr(pk, "data");
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

static char *
str_of(const msgpack_object *o)
{
	char	*s;

	if (o->type != MSGPACK_OBJECT_STR)
		return (NULL);
	if ((s = malloc(o->via.str.size + 1)) == NULL)
		return (NULL);
	memcpy(s, o->via.str.ptr, o->via.str.size);
	s[o->via.str.size] = '\0';
	return (s);
}

int
event_get(struct txn *t, uint64_t seq, struct event *ev)
{
	msgpack_unpacked	 u;
	const msgpack_object	*k, *v;
	const void		*buf;
	size_t			 len, off = 0;
	uint32_t		 i;
	char			*cause;
	int			 rc;

	memset(ev, 0, sizeof(*ev));
	if ((rc = store_get_id(t, DB_EVENTS, seq, &buf, &len)) != 0)
		return (rc);
	if (mp_check(buf, len) != 0)
		return (IOD_ECORRUPT);
	msgpack_unpacked_init(&u);
	rc = IOD_ECORRUPT;
	if (msgpack_unpack_next(&u, buf, len, &off) != MSGPACK_UNPACK_SUCCESS ||
	    u.data.type != MSGPACK_OBJECT_MAP)
		goto done;
	for (i = 0; i < u.data.via.map.size; i++) {
		k = &u.data.via.map.ptr[i].key;
		v = &u.data.via.map.ptr[i].val;
		if (k->type != MSGPACK_OBJECT_STR)
			goto done;
#define KEY(s)	(k->via.str.size == strlen(s) && \
		    memcmp(k->via.str.ptr, s, k->via.str.size) == 0)
		if (KEY("seq"))
			ev->seq = v->via.u64;
		else if (KEY("type"))
			ev->type = str_of(v);
		else if (KEY("entity"))
			ev->entity = str_of(v);
		else if (KEY("id"))
			ev->id = v->via.u64;
		else if (KEY("actor"))
			ev->actor = str_of(v);
		else if (KEY("at"))
			ev->at = v->via.i64;
		else if (KEY("data") && v->type != MSGPACK_OBJECT_NIL) {
			ev->data = mp_to_json(v, &cause);
			free(cause);
		}
#undef KEY
	}
	rc = ev->type != NULL ? 0 : IOD_ECORRUPT;
done:
	msgpack_unpacked_destroy(&u);
	if (rc != 0)
		event_clear(ev);
	return (rc);
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
