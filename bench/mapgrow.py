#!/usr/bin/env python3
"""The stall when the LMDB map fills: what a write waits while iodd grows
the map and takes the index back to the store before the turn runs again.

One dataset of `bench/gen --seed 1` (--scale, metro by default) loaded
into a store that starts at a 1 MB map (--map-size 1), 1,000 candidates a
request on one connection, each request timed: the map grows many times
during the load.  Then, the whole dataset in, single candidate writes
timed one by one: alternately a plain one, and one whose turn's commit
fails with MDB_MAP_FULL (the fault shim's IOD_FAULT_MAPFULL,
tests/faults/faults.c), so that the turn is undone and runs again in a
grown map (each doubles the map: --writes stays small).  Each build given is measured the same way, one after the
other; the figures are printed as one JSON object per build.

    python3 bench/mapgrow.py --build build [--build OTHER] [--scale metro]
"""
import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKEN = "mapgrow-bench-token"


def post(c, path, body):
    c.request("POST", path, body=body, headers={
        "Authorization": "Bearer " + TOKEN,
        "Content-Type": "application/json"})
    r = c.getresponse()
    return r.status, r.read()


def lines(path):
    with open(path, "rb") as f:
        return [l.rstrip(b"\n") for l in f if l.strip()]


def start(build, data, env):
    cmd = [os.path.join(build, "iodd"), "--config",
           os.path.join(ROOT, "etc", "iod.yaml"), "--data", data,
           "--listen", "127.0.0.1:0", "--refdata",
           os.path.join(ROOT, "data"), "--map-size", "1"]
    p = subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE,
                         text=True)
    log = []
    for line in p.stderr:
        log.append(line)
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        if m:
            port = int(m.group(1))
            break
    else:
        raise RuntimeError("iodd did not start:\n" + "".join(log))

    def drain():
        for line in p.stderr:
            log.append(line)
    threading.Thread(target=drain, daemon=True).start()
    return p, port, log


def measure(build, gen, shim, writes):
    tmp = tempfile.mkdtemp(prefix="iod-mapgrow-")
    trigger = os.path.join(tmp, "mapfull")
    env = dict(os.environ, IOD_BOOTSTRAP_TOKEN=TOKEN,
               IOD_TODAY="2026-11-01", LD_PRELOAD=shim,
               IOD_FAULT_MAPFULL=trigger)
    p, port, log = start(build, os.path.join(tmp, "data"), env)
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        for res in ("referents", "companies"):
            rows = lines(os.path.join(gen, res + ".jsonl"))
            for i in range(0, len(rows), 1000):
                st, raw = post(c, "/v1/%s:batch" % res,
                               b"[" + b",".join(rows[i:i + 1000]) + b"]")
                if st != 200:
                    raise RuntimeError("%s: %d %s" % (res, st, raw[:200]))
        cands = lines(os.path.join(gen, "candidates.jsonl"))
        batch = []
        t0 = time.monotonic()
        for i in range(0, len(cands), 1000):
            t = time.monotonic()
            st, raw = post(c, "/v1/candidates:batch",
                           b"[" + b",".join(cands[i:i + 1000]) + b"]")
            batch.append(time.monotonic() - t)
            if st != 200:
                raise RuntimeError("candidates: %d %s" % (st, raw[:200]))
        load_s = time.monotonic() - t0
        in_load = "".join(log).count("runs again")
        plain, full = [], []
        for i in range(writes):
            for arm, into in ((False, plain), (True, full)):
                if arm:
                    open(trigger, "w").close()
                t = time.monotonic()
                st, raw = post(c, "/v1/candidates", cands[i])
                into.append(time.monotonic() - t)
                if st != 201:
                    raise RuntimeError("write: %d %s\n%s" % (
                        st, raw[:200], "".join(log[-8:])))
                if arm and os.path.exists(trigger):
                    raise RuntimeError("the shim did not fill the map")
        c.request("GET", "/metrics",
                  headers={"Authorization": "Bearer " + TOKEN})
        metrics = c.getresponse().read().decode()
        m = re.search(r"^iod_index_rebuilds_total (\d+)", metrics, re.M)
        text = "".join(log)
        return {
            "build": build,
            "candidates": len(cands),
            "load_s": round(load_s, 2),
            "batch_median_ms": round(statistics.median(batch) * 1e3, 1),
            "batch_max_ms": round(max(batch) * 1e3, 1),
            "map_full_in_load": in_load,
            "write_median_ms": round(statistics.median(plain) * 1e3, 2),
            "write_map_full_median_ms":
                round(statistics.median(full) * 1e3, 2),
            "write_map_full_max_ms": round(max(full) * 1e3, 2),
            "index_rebuilds": int(m.group(1)) if m else None,
            "rebuild_log_lines": text.count("rebuilding the index"),
        }
    finally:
        p.terminate()
        p.wait(timeout=60)
        shutil.rmtree(tmp, True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", action="append", required=True)
    ap.add_argument("--scale", default="metro")
    ap.add_argument("--gen", help="gen's output already there")
    ap.add_argument("--writes", type=int, default=5)
    ap.add_argument("--shim", help="libfaults.so (else the first build's)")
    a = ap.parse_args()
    gen = a.gen
    if gen is None:
        gen = tempfile.mkdtemp(prefix="iod-mapgrow-gen-")
        subprocess.run([os.path.join(a.build[0], "bench", "gen"), "--scale",
                        a.scale, "--seed", "1", "--out", gen, "--format",
                        "jsonl"], check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
    shim = a.shim or os.path.join(a.build[0], "faults", "libfaults.so")
    if not os.path.exists(shim):
        subprocess.run(["make", "B=" + a.build[0], shim], check=True,
                       cwd=ROOT, stdout=subprocess.DEVNULL)
    for b in a.build:
        print(json.dumps(measure(b, gen, shim, a.writes)), flush=True)
    if a.gen is None:
        shutil.rmtree(gen, True)


if __name__ == "__main__":
    sys.exit(main())
