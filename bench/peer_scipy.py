"""scipy as a peer of the batch assignment, on iod's own edges.

bench_match --edges writes the batch exactly as api_match_batch builds it:
rows are offers, columns the candidates with at least one edge, and each
edge's weight is score * (offers + 1) + 1, so that the largest total weight
is the largest total score and, among those, the most pairs.  Both scipy
solvers get those integer weights:

- scipy.optimize.linear_sum_assignment (dense, maximize=True): the matrix
  has a 0 where a pair is not eligible, so a 0 "pair" is no pair.  Only the
  columns that have an edge are in it (bench_match numbers no other), not
  every candidate; it is skipped if it would not fit in the memory given.
- scipy.sparse.csgraph.min_weight_full_bipartite_matching (sparse,
  maximize=True): it needs a matching that covers every row, which offers
  nobody is eligible for prevent; so each row gets a column of its own
  ("nobody") of weight 1 / (2 * rows), less than the smallest difference of
  two totals of integer weights, and those pairs are left out of the total.

Each solver's total must equal iod's (bench_match's total_scaled).  Only
bench/bench.py calls it; it needs python3-scipy.
"""
import time

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching


def read_edges(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:8] != b"IODEDGE1":
        raise ValueError("%s: not a bench_match edge file" % path)
    nr, nc, ne, scale = (int(x) for x in
                         np.frombuffer(raw, "<i8", 4, 8))
    off = 40
    rows = np.frombuffer(raw, "<u4", ne, off)
    off += 4 * ne
    cols = np.frombuffer(raw, "<u4", ne, off)
    off += 4 * ne
    w = np.frombuffer(raw, "<i8", ne, off)
    return nr, nc, scale, rows, cols, w


def sparse(nr, nc, rows, cols, w):
    t0 = time.perf_counter()
    dummy = 0.5 / max(nr, 1)
    r = np.concatenate([rows, np.arange(nr, dtype=np.uint32)])
    c = np.concatenate([cols, nc + np.arange(nr, dtype=np.uint32)])
    v = np.concatenate([w.astype(np.float64), np.full(nr, dummy)])
    m = csr_matrix((v, (r, c)), shape=(nr, nc + nr))
    t1 = time.perf_counter()
    ri, ci = min_weight_full_bipartite_matching(m, maximize=True)
    t2 = time.perf_counter()
    real = ci < nc
    total = int(np.rint(np.asarray(m[ri[real], ci[real]]).ravel()
                        .astype(np.float64).sum()))
    return {"build_s": t1 - t0, "solve_s": t2 - t1, "total": total,
            "assigned": int(real.sum())}


def dense(nr, nc, rows, cols, w, mem_limit):
    need = nr * nc * 8
    if need > mem_limit:
        return {"skipped": "a %d x %d matrix needs %.1f GB, over the %.1f GB "
                "allowed" % (nr, nc, need / 1e9, mem_limit / 1e9)}
    t0 = time.perf_counter()
    m = np.zeros((nr, nc))
    m[rows, cols] = w
    t1 = time.perf_counter()
    ri, ci = linear_sum_assignment(m, maximize=True)
    t2 = time.perf_counter()
    vals = m[ri, ci]
    total = int(vals.sum())
    assigned = int((vals > 0).sum())
    del m
    return {"build_s": t1 - t0, "solve_s": t2 - t1, "total": total,
            "assigned": assigned, "bytes": need}


def mem_available():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 4 << 30


def run(edges, expect_total, mem_limit=None):
    """Both solvers on the edge file; ok is True when both totals (or the
    one that ran) equal expect_total."""
    nr, nc, scale, rows, cols, w = read_edges(edges)
    if mem_limit is None:
        mem_limit = mem_available() // 2
    out = {"rows": nr, "cols": nc, "edges": len(w), "scale": scale}
    if nr == 0 or len(w) == 0:
        none = {"build_s": 0.0, "solve_s": 0.0, "total": 0, "assigned": 0}
        out.update(sparse=dict(none), dense=dict(none), ok=expect_total == 0)
        return out
    out["sparse"] = sparse(nr, nc, rows, cols, w)
    out["dense"] = dense(nr, nc, rows, cols, w, mem_limit)
    ok = out["sparse"]["total"] == expect_total
    if "total" in out["dense"]:
        ok = ok and out["dense"]["total"] == expect_total
    out["ok"] = ok
    return out
