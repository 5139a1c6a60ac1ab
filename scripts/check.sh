#!/bin/sh
# Run every test against the build in $1: the unit tests (cmocka), the
# fuzz targets' seed corpora, the dataset generator, and the daemon tests
# (the real iodd on loopback, driven over HTTP).  Prints one closing line
# "N passed, M failed" and exits non-zero if anything failed.
B=${1:-build}
PY=/usr/bin/python3
pass=0
fail=0
failed=""

run() {
	name=$1
	shift
	if "$@" >"$B/log.$name" 2>&1; then
		pass=$((pass + 1))
		echo "ok     $name"
	else
		fail=$((fail + 1))
		failed="$failed $name"
		echo "FAILED $name"
		tail -n 40 "$B/log.$name" | sed 's/^/    /'
	fi
}

# The layers: includes and calls go one way, no file over 800 lines.
run "layers" $PY scripts/layers.py
for t in "$B"/tests/test_*; do
	[ -x "$t" ] || continue
	run "unit:$(basename "$t")" "$t"
done
for t in "$B"/fuzz/fuzz_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	run "fuzz-replay:$n" "$t" "tests/fuzz/corpus/${n#fuzz_}"
done
if [ -x "$B/bench/gen" ]; then
	run "bench:gen-tiny" sh -c "$B/bench/gen --scale tiny --seed 1 --check --out $B/gen-tiny"
fi
if [ -x "$B/bench/bench_match" ] && [ -x "$B/bench/hload" ]; then
	run "bench:smoke" sh bench/run.sh "$B" --smoke
fi
if [ -x "$B/tests/test_assign" ]; then
	d=$(mktemp -d)
	run "scipy:assign" sh -c "ASSIGN_DUMP_DIR=$d $B/tests/test_assign \
	    >/dev/null && $PY tests/unit/test_assign_scipy.py $d"
	rm -rf "$d"
fi
for t in tests/daemon/test_*.py; do
	[ -f "$t" ] || continue
	run "daemon:$(basename "$t" .py)" env IOD_BUILD="$B" PYTHONPATH=tests/daemon $PY -m unittest -v "$(basename "$t" .py)"
done
# The web console in Debian's Chromium, with the plain build only (the
# static handler runs under the sanitizers in daemon:test_console): its
# pages, the whole day of the method signed in as each person, and the
# method's own pages (positionnement, replay, team, calendar links).
if [ "$B" = build ]; then
	run "e2e:console" node tests/e2e/run.mjs "$B"
	run "e2e:day" node tests/e2e/day.mjs "$B"
	run "e2e:method" node tests/e2e/method.mjs "$B"
fi
echo "$B: $pass passed, $fail failed"
[ "$fail" -eq 0 ] || { echo "failed:$failed"; exit 1; }
