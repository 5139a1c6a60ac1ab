/*
 * faults.c — a fault shim for the daemon's tests, loaded with LD_PRELOAD.
 * While the file named by IOD_FAULT_TRIGGER exists, writes to regular
 * files (write, pwrite, writev, ftruncate) fail with ENOSPC and the disk
 * looks full to statvfs (unless IOD_FAULT_STATVFS=0).  IOD_FAULT_PATH=S:
 * only files whose path holds S.
 * IOD_FAULT_SYNC=1: fsync and fdatasync fail with EIO instead.
 * IOD_FAULT_DELAY_MS=N: writes do not fail but each takes N ms more (a
 * slow disk).  Sockets and pipes (the replies, the log) are left alone.
 * IOD_FAULT_MAPFULL=F: while file F exists, the next commit of a
 * top-level write transaction fails with MDB_MAP_FULL, as LMDB says when
 * a commit does not fit in the map (the transaction aborted), and F is
 * removed: one full map per F created.
 * Not part of the daemon.
 */
#define _GNU_SOURCE
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int
sync_faults(void)
{
	const char	*s = getenv("IOD_FAULT_SYNC");

	return (s != NULL && strcmp(s, "1") == 0);
}

/* Is the trigger there, and is fd a regular file? */
static int
armed(int fd)
{
	const char	*trigger = getenv("IOD_FAULT_TRIGGER");
	struct stat	 sb;
	int		 saved = errno;

	if (trigger == NULL || access(trigger, F_OK) != 0) {
		errno = saved;
		return (0);
	}
	if (fd >= 0 && (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))) {
		errno = saved;
		return (0);
	}
	if (fd >= 0 && getenv("IOD_FAULT_PATH") != NULL) {
		char	link[64], path[4096];
		ssize_t	n;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		if ((n = readlink(link, path, sizeof(path) - 1)) < 0)
			n = 0;
		path[n] = '\0';
		if (strstr(path, getenv("IOD_FAULT_PATH")) == NULL) {
			errno = saved;
			return (0);
		}
	}
	errno = saved;
	return (1);
}

/* A slow disk: 1 if the write goes on, after a pause. */
static int
slow(int fd)
{
	const char	*s = getenv("IOD_FAULT_DELAY_MS");
	struct timespec	 ts;
	long		 ms;

	if (s == NULL || (ms = atol(s)) <= 0 || !armed(fd))
		return (0);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	nanosleep(&ts, NULL);
	return (1);
}

/* Should this write fail? */
static int
fails(int fd)
{
	if (getenv("IOD_FAULT_DELAY_MS") != NULL)
		return (slow(fd), 0);
	return (!sync_faults() && armed(fd));
}


#define REAL(name)	static __typeof__(name) *real_##name;		\
	if (real_##name == NULL)					\
		real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

ssize_t
write(int fd, const void *buf, size_t n)
{
	REAL(write);
	if (fails(fd)) {
		errno = ENOSPC;
		return (-1);
	}
	return (real_write(fd, buf, n));
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	REAL(pwrite);
	if (fails(fd)) {
		errno = ENOSPC;
		return (-1);
	}
	return (real_pwrite(fd, buf, n, off));
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	return (pwrite(fd, buf, n, off));
}

ssize_t
writev(int fd, const struct iovec *iov, int n)
{
	REAL(writev);
	if (fails(fd)) {
		errno = ENOSPC;
		return (-1);
	}
	return (real_writev(fd, iov, n));
}

int
ftruncate(int fd, off_t len)
{
	REAL(ftruncate);
	if (fails(fd)) {
		errno = ENOSPC;
		return (-1);
	}
	return (real_ftruncate(fd, len));
}

int
fsync(int fd)
{
	REAL(fsync);
	if (sync_faults() && armed(fd)) {
		errno = EIO;
		return (-1);
	}
	return (real_fsync(fd));
}

int
fdatasync(int fd)
{
	REAL(fdatasync);
	if (sync_faults() && armed(fd)) {
		errno = EIO;
		return (-1);
	}
	return (real_fdatasync(fd));
}

int
statvfs(const char *path, struct statvfs *sv)
{
	REAL(statvfs);
	if (real_statvfs(path, sv) != 0)
		return (-1);
	if (!sync_faults() && getenv("IOD_FAULT_DELAY_MS") == NULL &&
	    (getenv("IOD_FAULT_STATVFS") == NULL ||
	    strcmp(getenv("IOD_FAULT_STATVFS"), "0") != 0) && armed(-1))
		sv->f_bavail = sv->f_bfree = 0;
	return (0);
}

/* LMDB's, declared here: the shim builds without its header. */
typedef struct MDB_env	MDB_env;
typedef struct MDB_txn	MDB_txn;
int	mdb_txn_begin(MDB_env *, MDB_txn *, unsigned int, MDB_txn **);
int	mdb_txn_commit(MDB_txn *);
void	mdb_txn_abort(MDB_txn *);
#define SHIM_MDB_RDONLY		0x20000
#define SHIM_MDB_MAP_FULL	(-30792)

/* The top-level write transaction begun last (only one is open at once). */
static MDB_txn	*top_write;

int
mdb_txn_begin(MDB_env *env, MDB_txn *parent, unsigned int flags,
    MDB_txn **txn)
{
	int	rc;

	REAL(mdb_txn_begin);
	rc = real_mdb_txn_begin(env, parent, flags, txn);
	if (rc == 0 && parent == NULL && !(flags & SHIM_MDB_RDONLY))
		top_write = *txn;
	return (rc);
}

int
mdb_txn_commit(MDB_txn *txn)
{
	const char	*f = getenv("IOD_FAULT_MAPFULL");

	REAL(mdb_txn_commit);
	if (txn != NULL && txn == top_write && f != NULL &&
	    access(f, F_OK) == 0 && unlink(f) == 0) {
		top_write = NULL;
		mdb_txn_abort(txn);
		return (SHIM_MDB_MAP_FULL);
	}
	if (txn == top_write)
		top_write = NULL;
	return (real_mdb_txn_commit(txn));
}
