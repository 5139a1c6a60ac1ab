/*
 * pwhash.c — passwords' hashing off the event loop.  Checking or making
 * an argon2id hash takes tens of milliseconds and 64 MiB on purpose; a
 * few worker threads (pwhash_start) do it, at a lower CPU priority than
 * the loop, from a bounded queue: pwhash_submit refuses a job when the
 * queue is full, and a finished job comes back to the loop through
 * pwhash_done after a byte on the notify pipe.  A job carries copies of
 * the passwords and of the hash to check, so that a thread never reads
 * the store nor a request: what the answer means (a session, a failure
 * counted, a hash stored) is accounts.c's, on the loop, and the request
 * held meanwhile is the daemon's.
 */
#include <sys/resource.h>
#include <sys/syscall.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "domain.h"

#define PWHASH_THREADS_MAX	8
#define PWHASH_NICE		10	/* the loop comes first */

static struct {
	pthread_mutex_t	 lock;
	pthread_cond_t	 work;
	struct pwjob	*queue, *queue_tail;	/* submitted */
	struct pwjob	*done, *done_tail;	/* answered */
	size_t		 queued, queue_max;	/* waiting, not yet taken */
	size_t		 busy;			/* taken, not yet answered */
	pthread_t	 threads[PWHASH_THREADS_MAX];
	int		 nthreads;
	int		 notify_fd;
	int		 stopping;
} pw = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.work = PTHREAD_COND_INITIALIZER,
	.notify_fd = -1,
};

/* The hash of a random password nobody knows, made once. */
static pthread_once_t	dummy_once = PTHREAD_ONCE_INIT;
static char		dummy[crypto_pwhash_STRBYTES];

static void
dummy_make(void)
{
	uint8_t	raw[32];
	char	pw_text[65];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(pw_text, sizeof(pw_text), raw, sizeof(raw));
	if (crypto_pwhash_str(dummy, pw_text, strlen(pw_text),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		dummy[0] = '\0';
	sodium_memzero(pw_text, sizeof(pw_text));
}

/* new_hash = the hash of password; 0 or -1 (out of memory). */
static int
make_hash(struct pwjob *j, const char *password)
{
	char	h[crypto_pwhash_STRBYTES];

	if (crypto_pwhash_str(h, password, strlen(password),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0 ||
	    (j->new_hash = strdup(h)) == NULL)
		return (-1);
	return (0);
}

void
pwjob_run(struct pwjob *j)
{
	const char	*h = j->hash;

	if (j->kind == PWJOB_HASH) {
		j->failed = make_hash(j, j->password) != 0;
		return;
	}
	if (h == NULL) {
		/* An unknown login costs what a known one does. */
		pthread_once(&dummy_once, dummy_make);
		if (dummy[0] == '\0') {
			j->failed = 1;
			return;
		}
		h = dummy;
	}
	j->match = crypto_pwhash_str_verify(h, j->password,
	    strlen(j->password)) == 0 && j->hash != NULL;
	if (!j->match)
		return;
	if (j->kind == PWJOB_CHANGE)
		j->failed = make_hash(j, j->new_password) != 0;
	else if (crypto_pwhash_str_needs_rehash(h,
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		j->failed = make_hash(j, j->password) != 0;
}

int
pwjob_set(struct pwjob *j, enum pwjob_kind kind, const char *password,
    const char *new_password, const char *hash)
{
	memset(j, 0, sizeof(*j));
	j->kind = kind;
	if ((j->password = strdup(password)) == NULL ||
	    (new_password != NULL &&
	    (j->new_password = strdup(new_password)) == NULL) ||
	    (hash != NULL && (j->hash = strdup(hash)) == NULL)) {
		pwjob_clear(j);
		return (-1);
	}
	return (0);
}

static void
wipe_free(char *s)
{
	if (s != NULL) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}

void
pwjob_clear(struct pwjob *j)
{
	wipe_free(j->password);
	wipe_free(j->new_password);
	free(j->hash);
	free(j->new_hash);
	j->password = j->new_password = j->hash = j->new_hash = NULL;
}

static void *
worker(void *arg)
{
	struct pwjob	*j;
	ssize_t		 n;

	(void)arg;
	(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid),
	    PWHASH_NICE);
	pthread_mutex_lock(&pw.lock);
	for (;;) {
		while (pw.queue == NULL && !pw.stopping)
			pthread_cond_wait(&pw.work, &pw.lock);
		if (pw.stopping)
			break;
		j = pw.queue;
		if ((pw.queue = j->next) == NULL)
			pw.queue_tail = NULL;
		pw.queued--;
		pw.busy++;
		pthread_mutex_unlock(&pw.lock);
		pwjob_run(j);
		pthread_mutex_lock(&pw.lock);
		pw.busy--;
		j->next = NULL;
		if (pw.done_tail != NULL)
			pw.done_tail->next = j;
		else
			pw.done = j;
		pw.done_tail = j;
		n = write(pw.notify_fd, "p", 1);
		(void)n;	/* a full pipe has said it already */
	}
	pthread_mutex_unlock(&pw.lock);
	return (NULL);
}

int
pwhash_start(int threads, size_t queue_max, int notify_fd)
{
	int	i;

	if (threads < 1)
		threads = 1;
	if (threads > PWHASH_THREADS_MAX)
		threads = PWHASH_THREADS_MAX;
	pw.queue_max = queue_max > 0 ? queue_max : 1;
	pw.notify_fd = notify_fd;
	pw.stopping = 0;
	for (i = 0; i < threads; i++) {
		if (pthread_create(&pw.threads[i], NULL, worker, NULL) != 0)
			break;
		pw.nthreads++;
	}
	return (pw.nthreads > 0 ? 0 : -1);
}

int
pwhash_submit(struct pwjob *j)
{
	int	rc = -1;

	j->next = NULL;
	j->match = j->failed = 0;
	pthread_mutex_lock(&pw.lock);
	if (pw.nthreads > 0 && !pw.stopping && pw.queued < pw.queue_max) {
		if (pw.queue_tail != NULL)
			pw.queue_tail->next = j;
		else
			pw.queue = j;
		pw.queue_tail = j;
		pw.queued++;
		pthread_cond_signal(&pw.work);
		rc = 0;
	}
	pthread_mutex_unlock(&pw.lock);
	return (rc);
}

struct pwjob *
pwhash_done(void)
{
	struct pwjob	*j;

	pthread_mutex_lock(&pw.lock);
	if ((j = pw.done) != NULL && (pw.done = j->next) == NULL)
		pw.done_tail = NULL;
	pthread_mutex_unlock(&pw.lock);
	if (j != NULL)
		j->next = NULL;
	return (j);
}

size_t
pwhash_waiting(void)
{
	size_t	n;

	pthread_mutex_lock(&pw.lock);
	n = pw.queued + pw.busy;
	pthread_mutex_unlock(&pw.lock);
	return (n);
}

struct pwjob *
pwhash_stop(void)
{
	struct pwjob	*left;
	int		 i;

	pthread_mutex_lock(&pw.lock);
	pw.stopping = 1;
	pthread_cond_broadcast(&pw.work);
	pthread_mutex_unlock(&pw.lock);
	for (i = 0; i < pw.nthreads; i++)
		pthread_join(pw.threads[i], NULL);
	pw.nthreads = 0;
	/* What was never taken, then what was answered and not collected. */
	left = pw.queue != NULL ? pw.queue : pw.done;
	if (pw.queue_tail != NULL)
		pw.queue_tail->next = pw.done;
	pw.queue = pw.queue_tail = pw.done = pw.done_tail = NULL;
	pw.queued = pw.busy = 0;
	return (left);
}
