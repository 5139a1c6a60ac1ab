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

Each solver's total must equal iod's (bench_match's total_scaled).

End to end, scipy builds its edges too: bench_match also writes, beside
the edges, what iod's edge building reads (EDGES.lists: each candidate
list's columns, the offers' fields, the rule set's filters and weights),
and numpy_edges() applies the same filters and scores to them, offer by
offer, vectorised over each list; its edges must be iod's, exactly.  The
offer-independent part of each score comes computed, as a column would in
a numpy user's table.  The end-to-end figure is then numpy's edges + the
sparse matrix + the solver, against bench_match's total_s (edges, solve on
each offer's best edges, proof).

bench/bench.py calls run(); by hand, with bench.py --keep's directory:

    /usr/bin/python3 bench/peer_scipy.py DIR/edges.bin TOTAL_SCALED IOD_S

It needs python3-scipy.
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


def read_lists(path):
    """bench_match's EDGES.lists (see write_lists there), as numpy arrays."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:8] != b"IODLIST1":
        raise ValueError("%s: not a bench_match list file" % path)
    h = [int(x) for x in np.frombuffer(raw, "<i8", 20, 8)]
    names = ("nl nrows nslots ncommunes programmes contracts hours schedule "
             "availability_days licence zone same_commune same_territory "
             "favoured_public exclusive scale zone_commune zone_territory "
             "active_consent licence_vehicle").split()
    hd = dict(zip(names, h))
    off = 8 + 8 * 20
    nl = hd["nl"]
    lens = np.frombuffer(raw, "<i8", nl, off)
    off += 8 * nl
    total = int(lens.sum())
    cols = {}
    for name, t in (("slot", "<u4"), ("base", "<i4"), ("commune", "<i2"),
                    ("available", "<u2"), ("flags", "u1"),
                    ("programme", "u1"), ("zone", "u1"),
                    ("schedule_ok", "u1"), ("max_hours", "u1"),
                    ("contracts", "u1"), ("publics", "u1")):
        a = np.frombuffer(raw, t, total, off)
        off += a.nbytes
        cols[name] = a
    nr = hd["nrows"]
    offers = np.frombuffer(raw, "<i4", 9 * nr, off).reshape(nr, 9)
    off += offers.nbytes
    terr = np.frombuffer(raw, "<i2", hd["ncommunes"], off)
    off += terr.nbytes
    busy = np.frombuffer(raw, "u1", hd["nslots"], off)
    starts = np.concatenate([[0], np.cumsum(lens)])
    lists = [{k: v[starts[i]:starts[i + 1]] for k, v in cols.items()}
             for i in range(nl)]
    return hd, lists, offers, terr, busy


POPCOUNT8 = np.array([bin(i).count("1") for i in range(256)], np.int32)


def numpy_edges(hd, lists, offers, terr, busy):
    """The batch's edges as iod's filters and scores make them (match.c
    check() and variable()), vectorised over each offer's list: rows,
    slots and weights score * scale + 1, row by row."""
    ac = hd["active_consent"]
    lic, veh = hd["licence_vehicle"] >> 8, hd["licence_vehicle"] & 0xff
    pre = []
    for L in lists:
        # What does not depend on the offer, once per list.
        ok = (L["flags"] & ac) == ac
        if hd["programmes"]:
            ok &= ((hd["programmes"] >> L["programme"].astype(np.int64))
                   & 1) == 1
        if hd["exclusive"]:
            ok &= busy[L["slot"]] == 0
        c = L["commune"].astype(np.int64)
        t = np.where(c >= 0, terr[np.maximum(c, 0)], -1)
        pre.append((ok, c, t, L["contracts"].astype(np.int64),
                    POPCOUNT8[L["publics"]]))
    rows, slots, weights = [], [], []
    for r in range(len(offers)):
        li, com, ter, con, hrs, sch, req, fav, start = (
            int(x) for x in offers[r])
        L = lists[li]
        ok, c, t, contracts, _ = pre[li]
        ok = ok.copy()
        if hd["contracts"]:
            ok &= (contracts == 0) | (((contracts >> con) & 1) == 1)
        if hd["hours"]:
            ok &= (L["max_hours"] == 0) | (hrs <= L["max_hours"])
        if hd["schedule"]:
            ok &= (sch & ~L["schedule_ok"].astype(np.int64)) == 0
        if hd["availability_days"] >= 0 and start != 0:
            ok &= (L["available"] == 0) | (
                L["available"] <= start + hd["availability_days"])
        if hd["licence"]:
            if req & 1:
                ok &= (L["flags"] & lic) != 0
            if req & 2:
                ok &= (L["flags"] & veh) != 0
        if hd["zone"]:
            z = L["zone"]
            zc = (z == hd["zone_commune"]) & (c == com)
            zt = (z == hd["zone_territory"]) & ((c == com) | (
                (c >= 0) & (t >= 0) & (t == ter)))
            zm = (z != hd["zone_commune"]) & (z != hd["zone_territory"]) & (
                (c >= 0) & (com >= 0))
            ok &= zc | zt | zm
        idx = np.flatnonzero(ok)
        s = L["base"][idx].astype(np.int64)
        cs = c[idx]
        s += np.where((cs >= 0) & (cs == com), hd["same_commune"], 0)
        s += np.where((cs >= 0) & (ter >= 0) & (t[idx] == ter),
                      hd["same_territory"], 0)
        if fav:
            s += hd["favoured_public"] * POPCOUNT8[L["publics"][idx] & fav]
        rows.append(np.full(len(idx), r, np.uint32))
        slots.append(L["slot"][idx])
        weights.append(s * hd["scale"] + 1)
    return (np.concatenate(rows), np.concatenate(slots),
            np.concatenate(weights))


def end_to_end(edges, nr, rows, cols, w):
    """numpy's edges from EDGES.lists, checked equal to iod's, then the
    sparse solver on them: seconds and total."""
    lp = edges + ".lists"
    try:
        lists = read_lists(lp)
    except OSError:
        return {"skipped": "no %s (a company refused someone?)" % lp}
    hd = lists[0]
    t0 = time.perf_counter()
    er, es, ew = numpy_edges(*lists)
    # Columns numbered by first use, as bench_match numbers them.
    uniq, first = np.unique(es, return_index=True)
    order = np.argsort(first)
    colof = np.empty(hd["nslots"] + 1, np.int64)
    colof[uniq[order]] = np.arange(len(uniq))
    ec = colof[es].astype(np.uint32)
    t1 = time.perf_counter()
    same = (len(er) == len(rows) and np.array_equal(er, rows) and
            np.array_equal(ec, cols) and np.array_equal(ew, w))
    sp = sparse(nr, len(uniq), er, ec, ew)
    return {"edges_s": t1 - t0, "edges": len(er), "same_edges": bool(same),
            "build_s": sp["build_s"], "solve_s": sp["solve_s"],
            "total": sp["total"], "total_s": t1 - t0 + sp["build_s"] +
            sp["solve_s"]}


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
    out["end_to_end"] = end_to_end(edges, nr, rows, cols, w)
    ok = out["sparse"]["total"] == expect_total
    if "total" in out["end_to_end"]:
        ok = (ok and out["end_to_end"]["total"] == expect_total and
              out["end_to_end"]["same_edges"])
    if "total" in out["dense"]:
        ok = ok and out["dense"]["total"] == expect_total
    out["ok"] = ok
    return out


if __name__ == "__main__":
    import json
    import sys
    if len(sys.argv) != 4:
        sys.exit("usage: peer_scipy.py EDGES TOTAL_SCALED IOD_TOTAL_S")
    res = run(sys.argv[1], int(sys.argv[2]))
    e2e = res["end_to_end"]
    iod_s = float(sys.argv[3])
    print(json.dumps(res, indent=1))
    if "total_s" in e2e:
        print("end to end: iod %.3f s, scipy %.3f s (numpy edges %.3f, "
              "matrix %.3f, solve %.3f): %.1fx; same edges: %s; optimum "
              "equal: %s" % (iod_s, e2e["total_s"], e2e["edges_s"],
                             e2e["build_s"], e2e["solve_s"],
                             e2e["total_s"] / iod_s, e2e["same_edges"],
                             res["ok"]))
    sys.exit(0 if res["ok"] else 1)
