/*
 * outbox.h — the mail queue in the store (outbox.c): the rows mail.c
 * sends, and the purge that an erasure makes of them.
 */
#ifndef IOD_OUTBOX_H
#define IOD_OUTBOX_H

#include "domain.h"

#define OUTBOX_MAIL		'M'	/* DB_META 'M' + id: a mail to send */
#define OUTBOX_DIGEST		'G'	/* DB_META 'G' + key: a day's digest */
#define OUTBOX_DIGEST_MAX	250	/* lines in a digest, then a count */
/* The DB_META key of a row; its length. */
size_t	 outbox_key(uint8_t k[9], int tag, uint64_t id);
/* A row (caller's json), or NULL. */
json_t	*outbox_get(struct txn *, int tag, uint64_t id);
void	 outbox_put(struct txn *, int tag, uint64_t id, json_t *row);
/* Queue a mail to to of items [{line, link, candidate_id}] and more
 * events counted only; subject NULL: the day's digest's.  Its id, or 0
 * with t->rc set. */
uint64_t outbox_queue(struct txn *, const char *to, const char *subject,
	    json_t *items, json_int_t more);
/* Add n to its recipient's digest (due on due if it is a new one): 1 if
 * the digest is new, else 0; t->rc on failure. */
int	 outbox_digest_add(struct txn *, const struct notice *n, iod_date due);
/* Queue the digest of key as one mail and drop it: 1, or 0 if none. */
int	 outbox_digest_send(struct txn *, uint64_t key);
/* Take every line about the candidate out of the queued mails and the
 * digests (a mail left with nothing goes), in t: 0 or t->rc. */
int	 outbox_erase(struct txn *, uint64_t candidate_id);

#endif
