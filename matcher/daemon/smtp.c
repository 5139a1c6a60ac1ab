/*
 * smtp.c — one mail at a time to the operator's SMTP relay, in a thread of
 * its own, with libcurl's SMTP (a well-kept client: STARTTLS, AUTH, the
 * relay's replies, dot-stuffing), so the event loop never waits on the
 * network.  The loop hands over a mail (smtp_submit), the thread sends it
 * and writes a byte to a pipe, the loop takes the outcome (smtp_take).
 * The message is text/plain UTF-8, quoted-printable, its subject in
 * RFC 2047 words.  What to send and when, and what an outcome means for
 * the outbox, are mail.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <sodium.h>

#include "daemon.h"
#include "conf.h"

struct job {				/* the worker's one mail */
	char		*to, *msg;
	size_t		 len, off;
	struct smtp_outcome out;
};

static struct {
	const struct conf_smtp	*cf;
	char			*password;
	void			(*done)(void);
	pthread_t		 thr;
	int			 thr_on, curl_on;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct job		*job;		/* handed to the worker */
	struct job		*back;		/* back from it */
	int			 quit;
	int			 busy;		/* a job is out */
	int			 pipe[2];
	struct event		*done_ev;
} sm = { .pipe = { -1, -1 } };

/* ---- the message ------------------------------------------------------- */

/* Subject: as RFC 2047 encoded words of at most 45 bytes each. */
static void
put_subject(FILE *f, const char *s)
{
	char	b64[80];
	size_t	len = strlen(s), n;

	fputs("Subject:", f);
	while (len > 0) {
		n = len < 45 ? len : 45;
		while (n < len && n > 1 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;	/* not inside a character */
		sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)s, n,
		    sodium_base64_VARIANT_ORIGINAL);
		fprintf(f, " =?UTF-8?B?%s?=\r\n", b64);
		s += n;
		len -= n;
	}
}

/* The body as quoted-printable, its lines CRLF. */
static void
put_qp(FILE *f, const char *s)
{
	int		col = 0;
	unsigned char	c;

	for (; (c = (unsigned char)*s) != '\0'; s++) {
		if (c == '\r' && s[1] == '\n') {
			fputs("\r\n", f);
			s++;
			col = 0;
			continue;
		}
		if (col >= 72) {
			fputs("=\r\n", f);
			col = 0;
		}
		if (((c == ' ' || c == '\t') && (s[1] == '\r' || s[1] == '\0')) ||
		    c == '=' || c < 32 || c > 126 || (c == '.' && col == 0))
			col += fprintf(f, "=%02X", c);
		else {
			fputc(c, f);
			col++;
		}
	}
}

/* The whole message (caller frees), or NULL. */
static char *
message(uint64_t id, const char *to, const char *subject, const char *body,
    size_t *len)
{
	const char	*at = strchr(sm.cf->from, '@');
	char		 date[64], *s = NULL;
	time_t		 now = time(NULL);
	struct tm	 tm;
	FILE		*f;

	if ((f = open_memstream(&s, len)) == NULL)
		return (NULL);
	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	fprintf(f, "Date: %s\r\nFrom: %s\r\nTo: %s\r\n", date, sm.cf->from,
	    to);
	put_subject(f, subject);
	fprintf(f, "Message-ID: <iod.%s.%llu@%s>\r\n", store_identity(srv->st),
	    (unsigned long long)id, at != NULL ? at + 1 : "localhost");
	fputs("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8"
	    "\r\nContent-Transfer-Encoding: quoted-printable\r\n"
	    "Auto-Submitted: auto-generated\r\n\r\n", f);
	put_qp(f, body);
	fputs("\r\n", f);
	if (fclose(f) != 0) {
		free(s);
		return (NULL);
	}
	return (s);
}

/* ---- the worker thread ------------------------------------------------- */

static size_t
read_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct job	*j = arg;
	size_t		 left = j->len - j->off;

	if (left > size * n)
		left = size * n;
	memcpy(buf, j->msg + j->off, left);
	j->off += left;
	return (left);
}

/* The daemon stops: leave the relay at once. */
static int
progress_cb(void *arg, curl_off_t a, curl_off_t b, curl_off_t c,
    curl_off_t d)
{
	(void)arg; (void)a; (void)b; (void)c; (void)d;
	return (__atomic_load_n(&sm.quit, __ATOMIC_RELAXED));
}

/* Hand j to the relay; its outcome in j->out. */
static void
send_one(struct job *j)
{
	struct curl_slist	*rcpt = NULL;
	char			 from[300], to[300], err[CURL_ERROR_SIZE];
	CURLcode		 rc;
	CURL			*c;

	snprintf(from, sizeof(from), "<%s>", sm.cf->from);
	snprintf(to, sizeof(to), "<%s>", j->to);
	err[0] = '\0';
	if ((c = curl_easy_init()) == NULL ||
	    (rcpt = curl_slist_append(NULL, to)) == NULL) {
		snprintf(j->out.error, sizeof(j->out.error), "out of memory");
		goto done;
	}
	curl_easy_setopt(c, CURLOPT_URL, sm.cf->url);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, j);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)j->len);
	curl_easy_setopt(c, CURLOPT_USE_SSL, (long)(sm.cf->tls ==
	    CONF_TLS_REQUIRED ? CURLUSESSL_ALL : sm.cf->tls ==
	    CONF_TLS_OPTIONAL ? CURLUSESSL_TRY : CURLUSESSL_NONE));
	if (sm.cf->ca_file != NULL)	/* the relay's CA, or its own cert */
		curl_easy_setopt(c, CURLOPT_CAINFO, sm.cf->ca_file);
	if (sm.cf->username != NULL) {
		curl_easy_setopt(c, CURLOPT_USERNAME, sm.cf->username);
		if (sm.password != NULL)
			curl_easy_setopt(c, CURLOPT_PASSWORD, sm.password);
	}
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)sm.cf->timeout_s);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &j->out.code);
	j->out.sent = rc == CURLE_OK;
	if (rc != CURLE_OK)
		snprintf(j->out.error, sizeof(j->out.error), "%s",
		    err[0] != '\0' ? err : curl_easy_strerror(rc));
done:
	curl_slist_free_all(rcpt);
	if (c != NULL)
		curl_easy_cleanup(c);
}

static void *
worker(void *arg)
{
	struct job	*j;
	ssize_t		 w;

	(void)arg;
	pthread_mutex_lock(&sm.mu);
	for (;;) {
		while (sm.job == NULL && !sm.quit)
			pthread_cond_wait(&sm.cv, &sm.mu);
		if (sm.quit)
			break;
		j = sm.job;
		pthread_mutex_unlock(&sm.mu);
		send_one(j);
		pthread_mutex_lock(&sm.mu);
		sm.job = NULL;
		sm.back = j;
		do
			w = write(sm.pipe[1], "", 1);
		while (w == -1 && errno == EINTR);
	}
	pthread_mutex_unlock(&sm.mu);
	return (NULL);
}

static void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	free(j->to);
	free(j->msg);
	free(j);
}

/* ---- the loop's side --------------------------------------------------- */

static void
done_cb(evutil_socket_t fd, short what, void *arg)
{
	char	buf[16];

	(void)what; (void)arg;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	sm.done();
}

/* The password file's first line, or NULL. */
static char *
read_password(const char *path)
{
	char	buf[512], *nl;
	FILE	*f;

	if ((f = fopen(path, "r")) == NULL) {
		log_error("smtp.password_file %s: %s", path, strerror(errno));
		return (NULL);
	}
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	if ((nl = strpbrk(buf, "\r\n")) != NULL)
		*nl = '\0';
	nl = strdup(buf);
	sodium_memzero(buf, sizeof(buf));
	return (nl);
}

int
smtp_start(struct event_base *base, const struct conf_smtp *cf,
    void (*done)(void))
{
	sm.cf = cf;
	sm.done = done;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return (IOD_ENOMEM);
	sm.curl_on = 1;
	if (cf->password_file != NULL &&
	    (sm.password = read_password(cf->password_file)) == NULL)
		return (IOD_EINVAL);
	if (pipe2(sm.pipe, O_NONBLOCK | O_CLOEXEC) != 0 ||
	    (sm.done_ev = event_new(base, sm.pipe[0], EV_READ | EV_PERSIST,
	    done_cb, NULL)) == NULL || event_add(sm.done_ev, NULL) != 0)
		return (IOD_ENOMEM);
	pthread_mutex_init(&sm.mu, NULL);
	pthread_cond_init(&sm.cv, NULL);
	if (pthread_create(&sm.thr, NULL, worker, NULL) != 0)
		return (IOD_ENOMEM);
	sm.thr_on = 1;
	return (0);
}

int
smtp_busy(void)
{
	return (sm.busy || !sm.thr_on);
}

int
smtp_submit(uint64_t id, const char *to, const char *subject,
    const char *body)
{
	struct job	*j;

	if (smtp_busy())
		return (-1);
	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (j->to = strdup(to)) == NULL ||
	    (j->msg = message(id, to, subject, body, &j->len)) == NULL) {
		job_free(j);
		return (-1);
	}
	j->out.id = id;
	sm.busy = 1;
	pthread_mutex_lock(&sm.mu);
	sm.job = j;
	pthread_cond_signal(&sm.cv);
	pthread_mutex_unlock(&sm.mu);
	return (0);
}

int
smtp_take(struct smtp_outcome *o)
{
	struct job	*j;

	if (!sm.thr_on && sm.back == NULL)
		return (0);
	if (sm.thr_on)
		pthread_mutex_lock(&sm.mu);
	j = sm.back;
	sm.back = NULL;
	if (sm.thr_on)
		pthread_mutex_unlock(&sm.mu);
	if (j == NULL)
		return (0);
	*o = j->out;
	job_free(j);
	sm.busy = 0;
	return (1);
}

void
smtp_stop(void)
{
	if (!sm.thr_on)
		return;
	pthread_mutex_lock(&sm.mu);
	__atomic_store_n(&sm.quit, 1, __ATOMIC_RELAXED);
	pthread_cond_signal(&sm.cv);
	pthread_mutex_unlock(&sm.mu);
	pthread_join(sm.thr, NULL);
	sm.thr_on = 0;
	job_free(sm.job);	/* handed over as it stopped: not sent */
	sm.job = NULL;
	pthread_mutex_destroy(&sm.mu);
	pthread_cond_destroy(&sm.cv);
}

void
smtp_free(void)
{
	struct smtp_outcome	o;

	smtp_stop();
	(void)smtp_take(&o);
	if (sm.done_ev != NULL)
		event_free(sm.done_ev);
	sm.done_ev = NULL;
	if (sm.pipe[0] != -1) {
		close(sm.pipe[0]);
		close(sm.pipe[1]);
		sm.pipe[0] = sm.pipe[1] = -1;
	}
	if (sm.password != NULL) {
		sodium_memzero(sm.password, strlen(sm.password));
		free(sm.password);
		sm.password = NULL;
	}
	if (sm.curl_on)
		curl_global_cleanup();
	sm.curl_on = 0;
}
