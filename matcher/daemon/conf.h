/*
 * conf.h — the daemon's configuration file (etc/iod.yaml): where it
 * listens, where its store and its reference data live, the rule sets it
 * starts with, its limits and its log level.  conf.c reads and checks it
 * with rules/' yamltree; applying it (binding, opening the store) is
 * iodd's.  Relative paths are relative to the daemon's current directory.
 */
#ifndef IOD_CONF_H
#define IOD_CONF_H

#include <stddef.h>

struct conf_ruleset {
	char		*name;		/* as the rule set names itself */
	char		*path;		/* its YAML file */
};

struct conf_limits {
	int		 max_body_bytes;	/* of one request */
	int		 max_buffered_bytes;	/* bodies of all requests */
	int		 max_connections;	/* of requests, open at once */
	int		 max_streams;		/* event streams, in all */
	int		 max_streams_per_token;
	int		 header_timeout_s;	/* to send a request's head */
	int		 request_timeout_s;	/* idle, reading or writing */
	int		 requests_per_minute;	/* per token */
};

/* E-mail through the operator's relay; url NULL: no mail. */
enum conf_tls { CONF_TLS_REQUIRED, CONF_TLS_OPTIONAL, CONF_TLS_NONE };
struct conf_smtp {
	char		*url;		/* smtp://host:port, smtps://host:port */
	char		*from;		/* the sender's address */
	char		*username;	/* NULL: no AUTH */
	char		*password_file;	/* the password's first line */
	int		 tls;		/* enum conf_tls: STARTTLS */
	char		*ca_file;	/* NULL: the system's CAs */
	char		*console_url;	/* links in the mail */
	char		*digest_at;	/* "HH:MM", local time */
	int		 timeout_s;	/* one delivery, at most */
};

struct conf {
	char		*listen;	/* "ADDR:PORT" as written */
	char		*listen_addr;	/* ADDR, an IPv6 one without brackets */
	int		 listen_port;
	char		*data;		/* directory of the LMDB store */
	char		*refdata;	/* reference CSVs, and the territory
					   files rule sets name */
	struct conf_ruleset *rulesets;	/* in the file's order, at least one */
	size_t		 nrulesets;
	char		*default_ruleset; /* one of their names */
	struct conf_limits limits;
	int		 map_size_mb;	/* LMDB map size at start... */
	int		 map_max_mb;	/* ...grown up to this */
	int		 log_level;	/* enum log_level (matcher.h) */
	int		 audit_retention_days;	/* audit entries kept */
	int		 session_hours;	/* a signed-in session lasts */
	int		 session_idle_minutes;	/* ...unless unused this long */
	int		 session_idle_s;	/* ...or this, if not 0 */
	int		 sign_in_threads;	/* hashing passwords */
	int		 sign_in_queue;		/* hashings waiting, at most */
	int		 sign_ins_per_minute;	/* per client address; 0: any */
	struct conf_smtp smtp;
};

/*
 * Read and check the configuration file path.  Returns 0 with *out set
 * (caller frees with conf_free), or IOD_EINVAL with *out untouched and
 * *errors every error, one "file:line:col: message" per line (caller
 * frees; NULL if out of memory).  Rule sets are named, not loaded.
 */
int	 conf_load(const char *path, struct conf **out, char **errors);

/*
 * What `iodd -n` runs: conf_load, then load the reference data (unless
 * already loaded, and then only for the check) and every rule set, and
 * check that each is named as the configuration says.  Returns 0, or
 * IOD_EINVAL with *errors as for conf_load, covering the rule sets too.
 */
int	 conf_check(const char *path, char **errors);

void	 conf_free(struct conf *);	/* accepts NULL */

#endif
