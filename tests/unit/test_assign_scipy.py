#!/usr/bin/python3
"""Check assign_solve's answers against scipy's linear_sum_assignment.

Generates nothing: it reads the inst_NN.txt files that test_assign writes
when ASSIGN_DUMP_DIR is set (format in tests/unit/test_assign.c), and for
each one checks that the matching written by assign_solve is valid (every
pair eligible, no column twice, scores adding up to the written total) and
that the total equals the optimum scipy finds on the dense matrix where an
ineligible pair scores 0 (a zero pair is the same as an unmatched row, as
scores are > 0).

    d=$(mktemp -d) && ASSIGN_DUMP_DIR=$d build/tests/test_assign &&
        /usr/bin/python3 tests/unit/test_assign_scipy.py $d

Prints "N passed, M failed"; exits 1 if anything failed or if the
directory holds no instance (a check that checked nothing is a failure).
"""
import glob
import os
import sys

import numpy as np
from scipy.optimize import linear_sum_assignment


def check(path):
    """Return None if the instance in path agrees with scipy, else why."""
    with open(path) as f:
        tokens = f.read().split()
    nrows, ncols, nedges, total = (int(t) for t in tokens[:4])
    pos = 4
    w = np.zeros((nrows, ncols), dtype=np.int64)
    for _ in range(nedges):
        r, c, s = (int(t) for t in tokens[pos:pos + 3])
        pos += 3
        if not (0 <= r < nrows and 0 <= c < ncols and s > 0):
            return "bad edge %d %d %d" % (r, c, s)
        if w[r, c] != 0:
            return "repeated pair %d %d" % (r, c)
        w[r, c] = s
    cols = [int(t) for t in tokens[pos:pos + nrows]]
    if len(cols) != nrows or len(tokens) != pos + nrows:
        return "expected %d assignment lines" % nrows

    used = set()
    got = 0
    for r, c in enumerate(cols):
        if c == -1:
            continue
        if not 0 <= c < ncols or w[r, c] == 0:
            return "row %d matched to ineligible column %d" % (r, c)
        if c in used:
            return "column %d matched twice" % c
        used.add(c)
        got += int(w[r, c])
    if got != total:
        return "matched scores add up to %d, total says %d" % (got, total)

    rows, scols = linear_sum_assignment(w, maximize=True)
    best = sum(int(w[r, c]) for r, c in zip(rows, scols))
    if best != total:
        return "total %d, scipy finds %d" % (total, best)
    return None


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: test_assign_scipy.py DIR")
    paths = sorted(glob.glob(os.path.join(sys.argv[1], "inst_*.txt")))
    passed = failed = 0
    for path in paths:
        why = check(path)
        if why is None:
            passed += 1
        else:
            failed += 1
            print("FAIL %s: %s" % (os.path.basename(path), why))
    if not paths:
        print("no inst_*.txt in %s" % sys.argv[1])
        failed += 1
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
