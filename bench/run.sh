#!/bin/sh
# The benchmark suite: iod against its peers (the naive C scan, PostgreSQL,
# scipy) on one dataset made by bench/gen with a fixed seed.
#
#   sh bench/run.sh BUILD SCALE	  make bench SCALE=iod|plie|metro, make
#				  bench-quick (plie); national by hand
#   sh bench/run.sh BUILD --smoke	  make test: scale iod, every check, no
#				  result file, no timing asserted
#
# Extra arguments go to bench/bench.py (--seed N, --pg-sample N, --no-pg,
# --keep, ...).  Prints one table; writes bench/out/SCALE-DATE.json and
# appends to bench/RESULTS.md.  Exits non-zero on any wrong answer.
B=${1:-build}
[ $# -gt 0 ] && shift
S=${1:-metro}
[ $# -gt 0 ] && shift
PY=/usr/bin/python3
for f in iodd bench/gen bench/bench_match bench/hello bench/hload; do
	if [ ! -x "$B/$f" ]; then
		echo "bench: $B/$f is missing: run make first" >&2
		exit 2
	fi
done
if [ "$S" = "--smoke" ]; then
	exec $PY bench/bench.py --build "$B" --scale iod --smoke "$@"
fi
exec $PY bench/bench.py --build "$B" --scale "$S" "$@"
