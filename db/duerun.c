/* duerun.c - run entries of the due index: their data, and their making
 * in a transaction (see duerun.h). */
#include <stdlib.h>
#include <string.h>

#include "db/dbenv.h"
#include "db/duerun.h"
#include "db/rec.h"

/* A member at most: id \0, length, record. */
#define DUERUN_MEMBER_MAX (STORE_ID_MAX + 1 + 2 + REC_DUE_MAX)

/* The run a transaction is making (struct store_txn's duerun): its
 * data as it will be written, the first member's id at d + 1. */
struct duerun {
	int64_t at;
	size_t n;		/* members */
	size_t len;		/* bytes in d, the version byte included */
	size_t last;		/* where the last member's id starts in d */
	unsigned char d[DUERUN_DATA_MAX + DUERUN_MEMBER_MAX];
};

int
duerun_is(const void *data, size_t n)
{
	return n > 0 && *(const unsigned char *)data == DUERUN_V1;
}

int
duerun_next(const unsigned char *d, size_t n, size_t *off, const char *prev,
    struct duerun_member *m)
{
	const unsigned char *nul;
	size_t at = *off, idlen;

	if (at >= n)
		return 0;
	if ((nul = memchr(d + at, '\0', n - at)) == NULL)
		return -1;
	idlen = (size_t)(nul - (d + at));
	if (idlen == 0 || idlen > STORE_ID_MAX || n - at - idlen - 1 < 2)
		return -1;
	m->id = (const char *)d + at;
	if (prev != NULL && strcmp(prev, m->id) >= 0)
		return -1;
	at += idlen + 1;
	m->rec_len = (size_t)d[at] << 8 | d[at + 1];
	at += 2;
	if (m->rec_len == 0 || m->rec_len > n - at)
		return -1;
	m->rec = d + at;
	*off = at + m->rec_len;
	return 1;
}

void
duerun_put_member(unsigned char *out, size_t *len, const char *id,
    const unsigned char *rec, size_t rec_len)
{
	size_t idlen = strlen(id);

	memcpy(out + *len, id, idlen);
	*len += idlen;
	out[(*len)++] = '\0';
	out[(*len)++] = (unsigned char)(rec_len >> 8);
	out[(*len)++] = (unsigned char)rec_len;
	memcpy(out + *len, rec, rec_len);
	*len += rec_len;
}

int
duerun_has(const unsigned char *d, size_t n, const char *id)
{
	struct duerun_member m;
	const char *prev = NULL;
	size_t off = 1;
	int r, c;

	while ((r = duerun_next(d, n, &off, prev, &m)) == 1) {
		if ((c = strcmp(m.id, id)) == 0)
			return 1;
		if (c > 0)
			return 0;	/* ascending: not further on */
		prev = m.id;
	}
	return r;
}

int
duerun_flush(struct store_txn *t)
{
	struct duerun *r = t->duerun;
	struct duerun_member m;
	struct key k;
	size_t off = 1;
	int rc;

	if (r == NULL || r->n == 0)
		return STORE_OK;
	key_at(&k, r->at, (const char *)r->d + 1);
	if (r->n == 1 && duerun_next(r->d, r->len, &off, NULL, &m) == 1)
		/* a plain entry */
		rc = dbenv_put(t, DBI_DLV_DUE, &k, m.rec, m.rec_len, 0);
	else
		rc = dbenv_put(t, DBI_DLV_DUE, &k, r->d, r->len, 0);
	r->n = 0;
	r->len = 0;
	return rc;
}

int
duerun_add(struct store_txn *t, const struct store_delivery *d)
{
	unsigned char rec[REC_DUE_MAX];
	struct duerun *r = t->duerun;
	size_t rlen, idlen = strlen(d->id);
	int rc;

	if (rec_due_enc(d, rec, sizeof(rec), &rlen) == -1 ||
	    idlen == 0 || idlen > STORE_ID_MAX)
		return dbenv_fail(t, "due entry field too long");
	if (r == NULL) {
		if ((r = malloc(sizeof(*r))) == NULL)
			return dbenv_fail(t, "out of memory");
		r->n = 0;
		r->len = 0;
		t->duerun = r;
	}
	if (r->n > 0 && (r->at != d->next_attempt_at ||
	    strcmp((const char *)r->d + r->last, d->id) >= 0 ||
	    r->len + idlen + 3 + rlen > DUERUN_DATA_MAX) &&
	    (rc = duerun_flush(t)) != STORE_OK)
		return rc;
	if (r->n == 0) {
		r->at = d->next_attempt_at;
		r->d[0] = DUERUN_V1;
		r->len = 1;
	}
	r->last = r->len;
	duerun_put_member(r->d, &r->len, d->id, rec, rlen);
	r->n++;
	return STORE_OK;
}

int
duerun_end(struct store_txn *t, int rc)
{
	int r;

	if (t->duerun == NULL)
		return rc;
	if (rc == STORE_OK && (r = duerun_flush(t)) != STORE_OK)
		rc = r;
	free(t->duerun);
	t->duerun = NULL;
	return rc;
}
