#!/usr/bin/python3
"""What replaying a proposal costs: a year of activity on a bench/gen
dataset (--scale plie: the Lyon PLIE), then every proposal replayed.

The dataset is loaded through the API (:batch), then, week after week
(the daemon restarted with IOD_TODAY moved on), proposals are made for
open offers, some refused, some hired, some withdrawn, and candidates'
records edited (PATCH).  It prints, as JSON: the proposals, the record
versions kept (DB_HISTORY's entries and bytes, from mdb_stat) and the
time of each replay as the client sees it (median, p90, max), with
whether every replay gave the same result, and the time another client
waits for /healthz meanwhile (the replays run off the event loop).

    bench/replay.py [--build build] [--scale plie] [--weeks 52]
        [--per-week 20] [--edits 40] [--replays 0 (all)]
"""
import argparse
import datetime
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--scale", default="plie")
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--per-week", type=int, default=20)
    ap.add_argument("--edits", type=int, default=40)
    ap.add_argument("--replays", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    os.environ["IOD_BUILD"] = a.build
    sys.path.insert(0, os.path.join(ROOT, "tests", "daemon"))
    from iodtest import Daemon

    rng = random.Random(a.seed)
    tmp = tempfile.mkdtemp(prefix="iodreplay-")
    gen = os.path.join(tmp, "gen")
    subprocess.run([os.path.join(ROOT, a.build, "bench", "gen"), "--scale",
                    a.scale, "--seed", str(a.seed), "--out", gen],
                   check=True, capture_output=True, cwd=ROOT)
    start = datetime.date(2026, 11, 2)
    d = Daemon(env={"IOD_TODAY": start.isoformat()}).start()
    try:
        for res in ("referents", "companies", "offers", "candidates"):
            with open(os.path.join(gen, res + ".jsonl"), "rb") as f:
                lines = f.read().splitlines()
            for i in range(0, len(lines), 1000):
                r = d.request("POST", "/v1/%s:batch" % res,
                              raw=b"[" + b",".join(lines[i:i + 1000]) + b"]",
                              ctype="application/json")
                if r.status != 200 or r.body.get("refused"):
                    raise RuntimeError("%s: %r" % (res, r))
            if res == "offers":
                offers = list(range(1, len(lines) + 1))
        ncand = len(lines)
        proposals = []
        for week in range(a.weeks):
            today = start + datetime.timedelta(weeks=week)
            d.stop()
            d.env["IOD_TODAY"] = today.isoformat()
            d.start()
            rng.shuffle(offers)
            made = 0
            for oid in list(offers):
                if made == a.per_week:
                    break
                r = d.post("/v1/offers/%d/proposal" % oid)
                if r.status != 201:
                    if r.status != 200:     # 200: nobody eligible
                        offers.remove(oid)  # not open, or not to propose
                    continue
                made += 1
                p = r.body["proposal"]
                proposals.append(p["id"])
                url = "/v1/proposals/%d/" % p["id"]
                fate = rng.random()
                if fate < 0.3:
                    d.post(url + "refuse", {"reason": "profil"})
                elif fate < 0.5:
                    d.post(url + "meeting", {"meeting": {
                        "at": today.isoformat() + "T10:00", "place": "poste"}})
                    r = d.post(url + "hire", {
                        "contract": "CDI", "start_on": (today +
                        datetime.timedelta(days=14)).isoformat(),
                        "weekly_hours": 24})
                    if r.status == 200:
                        offers.remove(oid)
                elif fate < 0.65:
                    d.post(url + "withdraw", {"reason": "autre"})
            for _ in range(a.edits):
                cid = rng.randrange(1, ncand + 1)
                d.request("PATCH", "/v1/candidates/%d" % cid,
                          raw=json.dumps({"max_weekly_hours": rng.choice(
                              [20, 24, 35])}).encode(),
                          ctype="application/merge-patch+json")
        d.stop()
        st = subprocess.run(["mdb_stat", "-s", "history", d.data],
                            capture_output=True, text=True).stdout
        stat = {}
        for line in st.splitlines():
            k, _, v = line.strip().partition(":")
            if v.strip().isdigit():
                stat[k] = int(v)
        pages = sum(stat.get(k, 0) for k in ("Branch pages", "Leaf pages",
                                             "Overflow pages"))
        d.start()
        sample = proposals if a.replays == 0 else rng.sample(
            proposals, min(a.replays, len(proposals)))
        times, same = [], 0
        # Meanwhile another client asks /healthz, a few times a second:
        # the replays run off the event loop, so it is answered at once.
        probes, done = [], threading.Event()

        def probe():
            while not done.is_set():
                t0 = time.monotonic()
                c = http.client.HTTPConnection("127.0.0.1", d.port,
                                               timeout=30)
                c.request("GET", "/healthz")
                c.getresponse().read()
                c.close()
                probes.append(time.monotonic() - t0)
                time.sleep(0.02)
        prober = threading.Thread(target=probe)
        d.get("/healthz")   # after the start's own first turns
        prober.start()
        for pid in sample:
            t0 = time.monotonic()
            r = d.get("/v1/proposals/%d/replay" % pid)
            times.append(time.monotonic() - t0)
            if r.status != 200:
                raise RuntimeError("replay %d: %r" % (pid, r))
            same += r.body["same"]
        done.set()
        prober.join()
        times.sort()
        probes.sort()
        out = {
            "scale": a.scale, "candidates": ncand, "weeks": a.weeks,
            "proposals": len(proposals), "replayed": len(sample),
            "same": same,
            "replay_ms": {"median": 1000 * times[len(times) // 2],
                          "p90": 1000 * times[int(len(times) * 0.9)],
                          "max": 1000 * times[-1]},
            "healthz_meanwhile_ms": {
                "n": len(probes), "median": 1000 * probes[len(probes) // 2],
                "p99": 1000 * probes[int(len(probes) * 0.99)],
                "max": 1000 * probes[-1], "over_50ms": sum(
                    x > 0.05 for x in probes)},
            "history_entries": stat.get("Entries"),
            "history_bytes": pages * stat.get("Page size", 4096),
            "bytes_per_version": (pages * stat.get("Page size", 4096) /
                                  max(1, stat.get("Entries", 0))),
            "store_bytes": os.path.getsize(os.path.join(d.data, "data.mdb")),
            "loadavg": os.getloadavg(), "nproc": os.cpu_count()}
        print(json.dumps(out, indent=1))
    finally:
        d.cleanup()


if __name__ == "__main__":
    main()
