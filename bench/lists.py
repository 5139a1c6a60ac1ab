"""What a page of a list costs: GET /v1/candidates page 1 and a deep page
(page 100, or the last one when the list has fewer), without a filter,
with programme=plie and with q=martin, as the admin and as the référent
with the most candidates; each the median of a few requests, each on a
new connection, the reply read whole (its JSON not parsed in the
timing).

bench.py calls measure() on the store of its daemon step (the "lists"
section of its output); run alone, it loads bench/gen's files into a
store once (referents, companies, candidates, in file order) and measures
one or more iodd binaries on copies of it, so that before and after run
on the same records:

    python3 bench/lists.py --gen DIR --store DIR build/lists/iodd [...]
"""
import argparse
import collections
import http.client
import json
import os
import shutil
import statistics
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

PAGE = 50
DEEP = 100
QUERIES = [("no filter", {}), ("programme=plie", {"programme": "plie"}),
           ("q=martin", {"q": "martin"})]


def get(conn, token, path):
    conn.request("GET", path, headers={"Authorization": "Bearer " + token})
    r = conn.getresponse()
    raw = r.read()
    if r.status != 200:
        raise RuntimeError("GET %s: HTTP %d %s" % (path, r.status, raw[:200]))
    return raw


def path_of(query, cursor=None, limit=PAGE):
    qs = dict(query, limit=limit)
    if cursor is not None:
        qs["cursor"] = cursor
    return "/v1/candidates?" + urllib.parse.urlencode(qs)


def deep_cursor(conn, token, query):
    """The cursor of page DEEP (or of the last page) and its number."""
    ids, cursor = [], None
    while len(ids) < (DEEP - 1) * PAGE:
        j = json.loads(get(conn, token, path_of(query, cursor, 1000)))
        ids += [x["id"] for x in j["items"]]
        cursor = j["next_cursor"]
        if cursor is None:
            break
    page = min(DEEP, max(1, (len(ids) + PAGE - 1) // PAGE))
    return (ids[(page - 1) * PAGE - 1] if page > 1 else None), page


def timed(port, token, path, reps):
    """Each on a new connection: on a kept one, iodd's reply waits for the
    client's delayed ACK (Nagle's algorithm), some 40 ms whatever the
    work."""
    ms = []
    for _ in range(reps):
        t0 = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        raw = get(conn, token, path)
        conn.close()
        ms.append((time.perf_counter() - t0) * 1000)
    return statistics.median(ms), json.loads(raw)["total"]


def referent_token(conn, admin, referent_id):
    body = json.dumps({"role": "referent", "referent_id": referent_id,
                       "subject": "bench-referent"}).encode()
    conn.request("POST", "/v1/tokens", body=body,
                 headers={"Authorization": "Bearer " + admin,
                          "Content-Type": "application/json"})
    r = conn.getresponse()
    raw = r.read()
    if r.status != 201:
        raise RuntimeError("POST /v1/tokens: HTTP %d %s" % (r.status, raw))
    return json.loads(raw)["token"]


def busiest_referent(candidates_jsonl):
    n = collections.Counter()
    with open(candidates_jsonl, "rb") as f:
        for line in f:
            n[json.loads(line).get("referent_id")] += 1
    return n.most_common(1)[0][0]


def measure(port, admin, referent_id, reps=5, log=print):
    """The figures, one row per (who, query, page): ms and total."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    who = [("admin", admin),
           ("référent %d" % referent_id,
            referent_token(conn, admin, referent_id))]
    rows = []
    for wname, tok in who:
        for qname, query in QUERIES:
            cursor, deep = deep_cursor(conn, tok, query)
            pages = [(1, None)] + ([(deep, cursor)] if deep > 1 else [])
            for page, cur in pages:
                ms, total = timed(port, tok, path_of(query, cur), reps)
                rows.append({"who": wname, "query": qname, "page": page,
                             "ms": round(ms, 2), "total": total})
                log("lists: %-14s %-15s page %3d: %8.2f ms (total %d)"
                    % (wname, qname, page, ms, total))
    conn.close()
    return rows


def main():
    import bench
    ap = argparse.ArgumentParser()
    ap.add_argument("--gen", required=True, help="bench/gen's output")
    ap.add_argument("--store", required=True, help="the loaded store, "
                    "made if absent")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("iodd", nargs="+")
    a = ap.parse_args()
    referent = busiest_referent(os.path.join(a.gen, "candidates.jsonl"))
    if not os.path.exists(a.store):
        d = bench.Daemon(os.path.dirname(os.path.abspath(a.iodd[0])),
                         a.store).start()
        try:
            t0 = time.monotonic()
            for kind in ("referents", "companies", "candidates"):
                bench.load_ordered(d, kind, bench.read_lines(a.gen, kind))
            print("loaded in %.0f s" % (time.monotonic() - t0))
        finally:
            d.stop()
    out = {}
    for iodd in a.iodd:
        data = a.store + ".run"
        shutil.rmtree(data, ignore_errors=True)
        shutil.copytree(a.store, data)
        d = bench.Daemon(os.path.dirname(os.path.abspath(iodd)), data)
        d.start()
        try:
            print("== %s" % iodd)
            out[iodd] = measure(d.port, bench.TOKEN, referent, a.reps)
        finally:
            d.stop()
            shutil.rmtree(data, ignore_errors=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
