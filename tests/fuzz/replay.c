/*
 * replay.c — runs a libFuzzer target without libFuzzer: every file named
 * on the command line, or found in a directory named there, is passed to
 * LLVMFuzzerTestOneInput once.  `make test` replays the seed corpora this
 * way under AddressSanitizer and UndefinedBehaviorSanitizer.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
replay_file(const char *path)
{
	FILE	*f;
	uint8_t	*buf;
	long	 len;

	if ((f = fopen(path, "rb")) == NULL)
		return (-1);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	if (len < 0 || (buf = malloc((size_t)len + 1)) == NULL ||
	    fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fclose(f);
		return (-1);
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	return (0);
}

int
main(int argc, char **argv)
{
	struct dirent	*de;
	struct stat	 sb;
	DIR		*d;
	char		 path[4096];
	int		 i, n = 0;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &sb) == -1) {
			perror(argv[i]);
			return (1);
		}
		if (!S_ISDIR(sb.st_mode)) {
			if (replay_file(argv[i]) != 0)
				return (1);
			n++;
			continue;
		}
		if ((d = opendir(argv[i])) == NULL)
			return (1);
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i],
			    de->d_name);
			if (replay_file(path) != 0) {
				closedir(d);
				return (1);
			}
			n++;
		}
		closedir(d);
	}
	printf("replayed %d inputs\n", n);
	return (n > 0 ? 0 : 1);
}
