"""The benchmark suite: iod side by side with its peers, on one dataset.

bench/run.sh calls it (make bench SCALE=..., make bench-quick, and the
smoke run of make test).  In one go, on a dataset bench/gen makes with a
fixed seed, it measures:

1. ingest through the API, durable (the daemon's group commit fsyncs):
   candidates per second through /v1/candidates:batch, JSON and msgpack,
   on several connections, each into a fresh store, and the store's size;
   then a third store is loaded in file order (one connection), so that
   record n of each file has id n, as bench_match and PostgreSQL number
   them;
2. one proposal per offer, for every offer a proposal can be made for
   (open, visited): in-process (bench_match: match_run against the naive
   scan), through HTTP (hload walking POST /v1/offers/{id}/proposal, each a
   durable write; and GET /v1/offers/{id}/candidates?limit=1, whose answer
   must be bench_match's), and in PostgreSQL (peer_pg.py: same answer);
3. the batch assignment of the first --batch-max of those offers against
   every candidate: in-process (bench_match) and through POST
   /v1/match:batch {"dry_run": true}, against scipy's two solvers on the
   same edges (peer_scipy.py: same optimum);
4. start-up: the index ready (index_load, then every sorted list) on
   the store of step 1, and on a synthetic store; the index's memory;
5. HTTP on one core (iodd pinned to one core, the load on another):
   rounds of POST /v1/offers/{id}/proposal on every offer, durable, the
   proposals withdrawn between rounds, and GET .../candidates?limit=1
   against bench/hello, the evhttp hello-world, in the same run
   (--only http: this step alone);
6. the lists: GET /v1/candidates page 1 and page 100, without a filter,
   with programme=plie and with q=martin, as the admin and as a référent,
   on the store of step 1 before the offers (bench/lists.py; the "lists"
   section of the JSON, and the log).

It prints one table (iod, each peer, the ratio), writes the figures as
JSON to bench/out/<scale>-<date>.json and appends the table to
bench/RESULTS.md with a description of the machine.  Any wrong answer
(a peer or the naive scan disagreeing with iod) makes it exit 1 after
writing everything; --smoke skips the files and is what make test runs.
Nothing leaves loopback: the daemon listens on 127.0.0.1, PostgreSQL on a
unix socket only.
"""
import argparse
import datetime
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import lists  # noqa: E402  (bench/lists.py: the lists' pages)

TODAY = "2026-11-01"			# bench/gen's REF_DATE
TOKEN = "bench-admin-token-0123456789"
BATCH = 1000				# records per ingest request

# Per scale: the batch's rows (offers), the synthetic store's candidates
# for the start-up figure, and how many offers (0: all of them) the naive
# scan, the HTTP walks and PostgreSQL answer: a fixed sample, evenly spread.
SCALES = {
    "tiny": dict(batch=5000, synth=1000, naive=0, http=0, pg_sample=0),
    "iod": dict(batch=5000, synth=10000, naive=0, http=0, pg_sample=0),
    "plie": dict(batch=5000, synth=100000, naive=0, http=0, pg_sample=0),
    "metro": dict(batch=5000, synth=1000000, naive=0, http=0, pg_sample=0),
    "national": dict(batch=5000, synth=1000000, naive=2000, http=20000,
                     pg_sample=500),
}

failures = []


def log(*a):
    print("bench:", *a, file=sys.stderr, flush=True)


def fail(msg):
    log("FAILED:", msg)
    failures.append(msg)


# ---- the machine ------------------------------------------------------------

def machine():
    model = "unknown"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    try:
        nproc = int(subprocess.run(["nproc"], capture_output=True,
                                   text=True).stdout)
    except (OSError, ValueError):
        nproc = os.cpu_count()
    return {"nproc": nproc, "model": model, "mem_bytes": mem,
            "kernel": os.uname().release, "loadavg": os.getloadavg()}


# ---- the daemon -------------------------------------------------------------

class Daemon:
    """build/iodd on 127.0.0.1:0 with its store in datadir."""

    def __init__(self, build, datadir, cpu=None):
        self.build = build
        self.datadir = datadir
        self.cpu = cpu			# pinned to this core (taskset)
        self.proc = None
        self.log = []

    def start(self):
        env = dict(os.environ, IOD_BOOTSTRAP_TOKEN=TOKEN, IOD_TODAY=TODAY)
        cmd = [os.path.join(self.build, "iodd"), "--config",
               os.path.join(ROOT, "etc", "iod.yaml"), "--data", self.datadir,
               "--listen", "127.0.0.1:0", "--refdata",
               os.path.join(ROOT, "data")]
        self.proc = subprocess.Popen(pinned(self.cpu, cmd), cwd=ROOT, env=env,
                                     stderr=subprocess.PIPE, text=True)
        self.port = None
        for line in self.proc.stderr:
            self.log.append(line)
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
            if m:
                self.port = int(m.group(1))
                break
        if self.port is None:
            raise RuntimeError("iodd did not start:\n" + "".join(self.log))
        self.drain = threading.Thread(target=self._drain, daemon=True)
        self.drain.start()
        return self

    def _drain(self):
        for line in self.proc.stderr:
            self.log.append(line)

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=120)
        self.drain.join(timeout=5)
        rc = self.proc.returncode
        self.proc = None
        if rc != 0:
            fail("iodd exited with status %s:\n%s" % (rc,
                 "".join(self.log[-20:])))

    def conn(self):
        return http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=600)

    def size(self):
        return os.path.getsize(os.path.join(self.datadir, "data.mdb"))


def db_bytes(datadir, name):
    """The pages of one LMDB database (mdb_stat, lmdb-utils), in bytes."""
    try:
        out = subprocess.run(["mdb_stat", "-e", "-s", name, datadir],
                             capture_output=True, text=True).stdout
    except OSError:
        return None
    page, pages = None, 0
    for line in out.splitlines():
        k, _, v = line.strip().partition(":")
        if k == "Page size":
            page = int(v)
        elif k in ("Branch pages", "Leaf pages", "Overflow pages"):
            pages += int(v)
    return page * pages if page else None


def post(conn, path, body, ctype="application/json"):
    conn.request("POST", path, body=body,
                 headers={"Authorization": "Bearer " + TOKEN,
                          "Content-Type": ctype})
    r = conn.getresponse()
    return r.status, r.read()


def created_ids(status, raw, what):
    if status != 200:
        raise RuntimeError("%s: HTTP %d %s" % (what, status, raw[:300]))
    j = json.loads(raw)
    if j["refused"]:
        raise RuntimeError("%s: refused %s" % (what, j["refused"][:3]))
    return [c["id"] for c in j["created"]]


def load_ordered(d, res, lines, first_id=1):
    """POST the JSON lines in order on one connection; ids must follow."""
    c = d.conn()
    want = first_id
    for i in range(0, len(lines), 10000):
        chunk = lines[i:i + 10000]
        ids = created_ids(*post(c, "/v1/%s:batch" % res,
                                b"[" + b",".join(chunk) + b"]"), res)
        if ids != list(range(want, want + len(chunk))):
            raise RuntimeError("%s: ids %s.. where %d.. were expected"
                               % (res, ids[:3], want))
        want += len(chunk)
    c.close()


def json_bodies(lines):
    return [b"[" + b",".join(lines[i:i + BATCH]) + b"]"
            for i in range(0, len(lines), BATCH)]


def msgpack_bodies(path):
    """gen's .msgpack is a sequence of arrays of 1,000: cut it there."""
    import msgpack
    with open(path, "rb") as f:
        raw = f.read()
    u = msgpack.Unpacker(raw=True, max_buffer_size=len(raw) + 1)
    u.feed(raw)
    out, off = [], 0
    for _ in u:
        end = u.tell()
        out.append(raw[off:end])
        off = end
    return out


def ingest(d, bodies, ctype, conns, ncand):
    """Send the bodies on conns connections; returns candidates/s."""
    lock = threading.Lock()
    state = {"next": 0, "err": None, "n": 0}

    def worker():
        c = d.conn()
        while True:
            with lock:
                k = state["next"]
                if k >= len(bodies) or state["err"]:
                    break
                state["next"] += 1
            try:
                ids = created_ids(*post(c, "/v1/candidates:batch", bodies[k],
                                        ctype), "candidates")
                with lock:
                    state["n"] += len(ids)
            except Exception as e:  # reported below
                with lock:
                    state["err"] = e
        c.close()
    t0 = time.monotonic()
    ts = [threading.Thread(target=worker) for _ in range(conns)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    wall = time.monotonic() - t0
    if state["err"]:
        raise RuntimeError(state["err"])
    if state["n"] != ncand:
        raise RuntimeError("ingest created %d of %d candidates"
                           % (state["n"], ncand))
    return {"conns": conns, "wall_s": wall, "per_s": ncand / wall}


# ---- the dataset ------------------------------------------------------------

def read_lines(gen, name):
    with open(os.path.join(gen, name + ".jsonl"), "rb") as f:
        return f.read().splitlines()


def proposable(offer_lines):
    """Offer ids a proposal can be made for under iod-plie: open, with a
    workstation visit (bench_match keeps the same ones)."""
    ids = []
    for i, line in enumerate(offer_lines):
        o = json.loads(line)
        if (o.get("status", "open") == "open" and
                o.get("ruleset", "iod-plie") == "iod-plie" and
                (o.get("workstation_visit") or {}).get("on")):
            ids.append(i + 1)
    return ids


def read_tsv(path):
    with open(path) as f:
        next(f)
        return [tuple(int(x) for x in line.split("\t")) for line in f]


def pinned(cpu, cmd):
    """cmd on one core (taskset, util-linux) where cpu is not None."""
    if cpu is None or not shutil.which("taskset"):
        return cmd
    return ["taskset", "-c", str(cpu)] + cmd


def hload(build, port, method, paths, conns, tmp, name, save=False,
          body=None, times=None, cpu=None):
    pf = os.path.join(tmp, name + ".paths")
    with open(pf, "w") as f:
        f.write("\n".join(paths) + "\n")
    cmd = [os.path.join(build, "bench", "hload"), "--port", str(port),
           "--method", method, "--conns", str(conns), "--token", TOKEN]
    sf = os.path.join(tmp, name + ".replies")
    if save:
        cmd += ["--save", sf]
    if body is not None:
        cmd += ["--body", body]
    if times is not None:
        cmd += ["--times", times]
    cmd.append(pf)
    p = subprocess.run(pinned(cpu, cmd), capture_output=True, text=True)
    if p.returncode not in (0, 1) or not p.stdout.strip():
        raise RuntimeError("hload: %s" % p.stderr)
    out = json.loads(p.stdout)
    replies = None
    if save:
        replies = {}
        with open(sf) as f:
            for line in f:
                k, st, body = line.rstrip("\n").split("\t", 2)
                replies[int(k)] = (int(st), body)
    return out, replies


# ---- the steps --------------------------------------------------------------

def step_ingest(a, gen, tmp, ncand):
    out = {}
    refs = read_lines(gen, "referents")
    cos = read_lines(gen, "companies")
    for fmt, ctype in (("json", "application/json"),
                       ("msgpack", "application/msgpack")):
        if fmt == "json":
            bodies = json_bodies(read_lines(gen, "candidates"))
        else:
            bodies = mb = msgpack_bodies(os.path.join(gen,
                                                      "candidates.msgpack"))
        d = Daemon(a.build, os.path.join(tmp, "store-" + fmt)).start()
        try:
            load_ordered(d, "referents", refs)
            load_ordered(d, "companies", cos)
            r = ingest(d, bodies, ctype, a.conns, ncand)
        finally:
            d.stop()
        r["store_bytes"] = d.size()
        r["candidates_db_bytes"] = db_bytes(d.datadir, "candidates")
        r["bytes_per_candidate"] = r["store_bytes"] / max(ncand, 1)
        out[fmt] = r
        bodies = None
        shutil.rmtree(d.datadir, ignore_errors=True)
        log("ingest %s, %d connections: %.0f candidates/s, %.0f bytes each"
            % (fmt, a.conns, r["per_s"], r["bytes_per_candidate"]))
    return out, refs, cos, mb


def sample(ids, n):
    """n of the ids, evenly spread (all of them if n is 0)."""
    if not n or n >= len(ids):
        return list(ids)
    step = len(ids) / n
    return [ids[int(i * step)] for i in range(n)]


def step_daemon(a, gen, tmp, refs, cos, mb, ncand, batch_rows, http_max):
    """The store kept: ordered load, the batch, ranked reads, proposals."""
    out = {}
    offer_lines = read_lines(gen, "offers")
    prop = proposable(offer_lines)
    # Offers up to the batch_rows-th proposable one, for a batch of that.
    k = prop[batch_rows - 1] if len(prop) > batch_rows else len(offer_lines)
    d = Daemon(a.build, os.path.join(tmp, "store")).start()
    try:
        load_ordered(d, "referents", refs)
        load_ordered(d, "companies", cos)
        c = d.conn()
        t0 = time.monotonic()
        want = 1
        for body in mb:
            ids = created_ids(*post(c, "/v1/candidates:batch", body,
                                    "application/msgpack"), "candidates")
            if ids != list(range(want, want + len(ids))):
                raise RuntimeError("candidates: ids out of order")
            want += len(ids)
        wall = time.monotonic() - t0
        c.close()
        out["ordered"] = {"conns": 1, "wall_s": wall,
                          "per_s": ncand / wall}
        log("ingest msgpack, 1 connection, in order: %.0f candidates/s"
            % (ncand / wall))
        out["lists"] = lists.measure(d.port, TOKEN, lists.busiest_referent(
            os.path.join(gen, "candidates.jsonl")), log=log)
        load_ordered(d, "offers", offer_lines[:k])
        c = d.conn()
        t0 = time.monotonic()
        st, raw = post(c, "/v1/match:batch", b'{"dry_run": true}')
        wall = time.monotonic() - t0
        c.close()
        if st != 200:
            raise RuntimeError("match:batch: HTTP %d %s" % (st, raw[:300]))
        j = json.loads(raw)
        out["batch"] = {"wall_s": wall, "objective": j["objective"],
                        "offers": j["offers"], "candidates": j["candidates"],
                        "edges": j["edges"], "assigned": j["assigned"],
                        "assignments": sorted(
                            (x["offer_id"], x["candidate_id"], x["score"])
                            for x in j["assignments"])}
        log("match:batch dry run: %d offers, %d edges, objective %d in "
            "%.2f s" % (j["offers"], j["edges"], j["objective"], wall))
        if k < len(offer_lines):
            load_ordered(d, "offers", offer_lines[k:], k + 1)
        walk = sample(prop, http_max)
        paths = ["/v1/offers/%d/candidates?limit=1" % i for i in walk]
        r, replies = hload(a.build, d.port, "GET", paths, a.http_conns, tmp,
                           "ranked", save=True)
        ranked = {}
        for i, (st, body) in replies.items():
            if st != 200:
                ranked[walk[i]] = ("status", st)
                continue
            b = json.loads(body)
            top = b["candidates"][0] if b["candidates"] else None
            ranked[walk[i]] = (top["candidate_id"] if top else 0,
                               top["score"] if top else 0, b["eligible"])
        out["ranked"] = r
        out["ranked_answers"] = ranked
        log("GET candidates?limit=1, %d connections: %.0f/s, median %.0f us"
            % (a.http_conns, r["per_s"], r["median_us"]))
        r, _ = hload(a.build, d.port, "GET", paths, 1, tmp, "ranked1")
        out["ranked1"] = r
        log("GET candidates?limit=1, 1 connection: %.0f/s, median %.0f us"
            % (r["per_s"], r["median_us"]))
        paths = ["/v1/offers/%d/proposal" % i for i in walk]
        r, _ = hload(a.build, d.port, "POST", paths, a.http_conns, tmp,
                     "propose")
        out["propose"] = r
        log("POST proposal, %d connections: %.0f/s, median %.0f us, "
            "statuses %s" % (a.http_conns, r["per_s"], r["median_us"],
                             r["status"]))
        bad = {s: n for s, n in r["status"].items() if s not in ("200",
                                                                 "201")}
        if bad:
            fail("POST proposal: unexpected statuses %s" % bad)
    finally:
        d.stop()
    out["store_bytes_after"] = d.size()
    out["proposable"] = prop
    out["offers_first"] = k
    return out, d.datadir


def step_match(a, gen, tmp, store, batch_rows, synth, naive_max):
    files = {n: os.path.join(tmp, n) for n in ("best.tsv", "edges.bin",
                                                "assign.tsv")}
    cmd = [os.path.join(a.build, "bench", "bench_match"), "--gen", gen,
           "--refdata", os.path.join(ROOT, "data"), "--rules",
           os.path.join(ROOT, "rules", "iod-plie.yaml"),
           "--batch-max", str(batch_rows), "--best", files["best.tsv"],
           "--edges", files["edges.bin"], "--assign", files["assign.tsv"],
           "--naive-max", str(naive_max), "--tmp", tmp]
    if store:
        cmd += ["--store", store]
    if synth:
        cmd += ["--synth", str(synth)]
    env = dict(os.environ, IOD_TODAY=TODAY)
    p = subprocess.run(cmd, capture_output=True, text=True, env=env,
                       cwd=ROOT)
    sys.stderr.write(p.stderr)
    if p.returncode not in (0, 1) or not p.stdout.strip():
        raise RuntimeError("bench_match failed (status %d)" % p.returncode)
    out = json.loads(p.stdout)
    if p.returncode == 1 or out["mismatches"]:
        fail("match_run and match_naive disagree on %d offers"
             % out["mismatches"])
    if not out["batch"]["consistent"]:
        fail("assign_solve's total is not the sum of score * scale + 1")
    m = out["match"]
    log("in-process: %d offers, mean %.1f us, median %.1f us, p99 %.1f us "
        "(naive mean %.1f us); batch %d x %d, %d edges, solved in %.3f s"
        % (m["n"], m["mean_us"], m["median_us"], m["p99_us"],
           out["naive"]["mean_us"],
           out["batch"]["rows"], out["batch"]["cols"], out["batch"]["edges"],
           out["batch"]["solve_s"]))
    return out, files


def check_daemon(dm, mt, files):
    """The daemon's answers against bench_match's."""
    best = {o: (c, s if c else 0, e) for o, c, s, e in
            read_tsv(files["best.tsv"])}
    bad = [(o, best.get(o), got) for o, got in
           sorted(dm["ranked_answers"].items()) if best.get(o) != got]
    for o, w, g in bad[:20]:
        log("MISMATCH offer %d: bench_match %s, GET candidates?limit=1 %s"
            % (o, w, g))
    if bad:
        fail("the daemon's ranked answer differs from bench_match's on %d "
             "offers" % len(bad))
    b = dm["batch"]
    mine = sorted(read_tsv(files["assign.tsv"]))
    if b["objective"] != mt["batch"]["objective"]:
        fail("match:batch objective %d, bench_match's %d"
             % (b["objective"], mt["batch"]["objective"]))
    if b["offers"] != mt["batch"]["rows"] or b["edges"] != mt["batch"][
            "edges"]:
        fail("match:batch had %d offers and %d edges, bench_match %d and %d"
             % (b["offers"], b["edges"], mt["batch"]["rows"],
                mt["batch"]["edges"]))
    same = b["assignments"] == mine
    return {"ranked_mismatches": len(bad), "batch_same_assignment": same}


def step_scipy(files, mt):
    import peer_scipy
    out = peer_scipy.run(files["edges.bin"], mt["batch"]["total_scaled"])
    sc = out["scale"]
    for k in ("sparse", "dense"):
        r = out[k]
        if "total" in r:
            r["objective"] = (r["total"] - r["assigned"]) // sc if sc else 0
    if not out["ok"]:
        fail("scipy's optimum differs from iod's: iod %d, sparse %s, dense "
             "%s" % (mt["batch"]["total_scaled"], out["sparse"].get("total"),
                     out["dense"].get("total", out["dense"].get("skipped"))))
    log("scipy: sparse %.3f s, dense %s" % (
        out["sparse"]["solve_s"], "%.3f s" % out["dense"]["solve_s"]
        if "solve_s" in out["dense"] else out["dense"]["skipped"]))
    return out


def step_pg(a, gen, files, tmp, sample):
    try:
        import peer_pg
    except ImportError as e:
        log("PostgreSQL peer skipped (%s): make bench-deps installs "
            "python3-psycopg2 and python3-yaml" % e)
        return None
    if not peer_pg.available():
        log("PostgreSQL peer skipped: initdb not found (make bench-deps "
            "installs postgresql)")
        return None
    out = peer_pg.run(gen, os.path.join(ROOT, "data"),
                      os.path.join(ROOT, "rules", "iod-plie.yaml"),
                      files["best.tsv"], TODAY, sample=sample,
                      tmp=None,  # not ours (0700): the server runs as postgres
                      log=log)
    if out["mismatches"]:
        fail("PostgreSQL's best candidate differs from iod's on %d of %d "
             "offers" % (out["mismatches"], out["offers"]))
    log("PostgreSQL %s: %d offers, median %.0f us, %d mismatches"
        % (out["version"].split()[0], out["offers"], out["median_us"],
           out["mismatches"]))
    return out


# ---- HTTP on one core -------------------------------------------------------

HTTP_PROPOSALS = 30000		# successful proposals to time, at least
HTTP_ROUNDS = 20		# propose/withdraw rounds, at most
HTTP_READS = 40000		# requests of the ranked walk and of hello
HTTP_TURNS = 3			# ranked and hello in turn, this many times


class Hello:
    """bench/hello (the evhttp hello-world) on 127.0.0.1:0."""

    def __init__(self, build, cpu=None):
        self.proc = subprocess.Popen(
            pinned(cpu, [os.path.join(build, "bench", "hello")]),
            stderr=subprocess.PIPE, text=True)
        line = self.proc.stderr.readline()
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError("hello did not start: " + line)
        self.port = int(m.group(1))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


def cpu_s(pid):
    """User and system CPU seconds process pid has used so far."""
    with open("/proc/%d/stat" % pid) as f:
        st = f.read().rsplit(")", 1)[1].split()
    return (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")


def sync_probe(where, n=200):
    """The median fdatasync of a 4 KiB write in directory where, in µs:
    what the disk gives a commit at this moment."""
    fn = os.path.join(where, "sync-probe")
    fd = os.open(fn, os.O_RDWR | os.O_CREAT, 0o600)
    ts = []
    try:
        for i in range(n):
            os.pwrite(fd, b"x" * 4096, (i % 16) * 4096)
            t = time.perf_counter()
            os.fdatasync(fd)
            ts.append(time.perf_counter() - t)
    finally:
        os.close(fd)
        os.unlink(fn)
    ts.sort()
    return ts[len(ts) // 2] * 1e6


def latencies(files):
    """Mean, median and p99 (nearest rank) in µs of hload's --times."""
    ns = []
    for fn in files:
        with open(fn) as f:
            ns += [int(x) for x in f]
    ns.sort()
    if not ns:
        return {}

    def rank(p):
        return ns[min(len(ns), max(1, -(-len(ns) * p // 100))) - 1] / 1e3
    return {"mean_us": sum(ns) / len(ns) / 1e3, "median_us": rank(50),
            "p99_us": rank(99), "max_us": ns[-1] / 1e3}


def step_http(a, gen, tmp):
    """iodd and hello each pinned to one core (the load on the other):
    rounds of one proposal per offer, every 201 a durable write, withdrawn
    between rounds (not timed); then, proposals open, the ranked read of
    each offer against hello in the same run."""
    two = (os.cpu_count() or 1) >= 2
    srv, cli = (0, 1) if two else (None, None)
    offer_lines = read_lines(gen, "offers")
    prop = proposable(offer_lines)
    out = {"pinned": two and bool(shutil.which("taskset")),
           "conns": a.http_conns}
    d = Daemon(a.build, os.path.join(tmp, "store-http"), cpu=srv).start()
    try:
        load_ordered(d, "referents", read_lines(gen, "referents"))
        load_ordered(d, "companies", read_lines(gen, "companies"))
        c = d.conn()
        for body in msgpack_bodies(os.path.join(gen, "candidates.msgpack")):
            created_ids(*post(c, "/v1/candidates:batch", body,
                              "application/msgpack"), "candidates")
        c.close()
        load_ordered(d, "offers", offer_lines)
        paths = ["/v1/offers/%d/proposal" % i for i in prop]
        want = 0 if a.smoke else HTTP_PROPOSALS
        made, wall, rounds, st, tf, cpu = 0, 0.0, 0, {}, [], 0.0
        rates = []			# each round's proposals a second
        out["sync_us_before"] = sync_probe(tmp)
        while rounds < HTTP_ROUNDS and (made < want or rounds < 2):
            tf.append(os.path.join(tmp, "propose%d.ns" % rounds))
            c0 = cpu_s(d.proc.pid)
            r, rep = hload(a.build, d.port, "POST", paths, a.http_conns,
                           tmp, "propose", save=True, times=tf[-1], cpu=cli)
            cpu += cpu_s(d.proc.pid) - c0
            rounds += 1
            wall += r["wall_s"]
            for k, n in r["status"].items():
                st[k] = st.get(k, 0) + n
            ids = [json.loads(b)["proposal"]["id"]
                   for s_, b in rep.values() if s_ == 201]
            made += len(ids)
            rates.append(len(ids) / r["wall_s"] if r["wall_s"] else 0)
            log("  round %d: %d proposals in %.2f s (%d requests/s)"
                % (rounds, len(ids), r["wall_s"], r["per_s"]))
            if not ids:
                break
            if made >= want and rounds >= 2:
                break		# the last round's proposals stay open
            w, _ = hload(a.build, d.port, "POST",
                         ["/v1/proposals/%d/withdraw" % i for i in ids],
                         a.http_conns, tmp, "withdraw",
                         body='{"reason": "bench"}', cpu=cli)
            if w["status"] != {"200": len(ids)}:
                raise RuntimeError("withdraw: statuses %s" % w["status"])
        out["sync_us_after"] = sync_probe(tmp)
        nreq = sum(st.values())
        out["propose"] = dict(latencies(tf), rounds=rounds, offers=len(prop),
                              made=made, wall_s=wall, status=st,
                              per_s=made / wall if wall else 0,
                              cpu_s=cpu, cpu_us=cpu / max(nreq, 1) * 1e6,
                              cpu_per_s=made / cpu if cpu else 0,
                              rounds_per_s=rates,
                              median_round_per_s=sorted(rates)[
                                  len(rates) // 2] if rates else 0,
                              best_round_per_s=max(rates) if rates else 0)
        bad = {k: n for k, n in st.items() if k not in ("200", "201")}
        if bad:
            fail("POST proposal (one core): unexpected statuses %s" % bad)
        log("POST proposal, one core, %d connections: %.0f proposals/s "
            "(%d in %d rounds), median %.0f us, p99 %.0f us; iodd's CPU "
            "%.0f us a request; fdatasync %.0f us, then %.0f us"
            % (a.http_conns, out["propose"]["per_s"], made, rounds,
               out["propose"].get("median_us", 0),
               out["propose"].get("p99_us", 0), out["propose"]["cpu_us"],
               out["sync_us_before"], out["sync_us_after"]))
        n = len(prop) if a.smoke else max(HTTP_READS, len(prop))
        walk = [prop[i % len(prop)] for i in range(n)]
        ranked = ["/v1/offers/%d/candidates?limit=1" % i for i in walk]
        # iodd and hello in turn on the same core, HTTP_TURNS times each:
        # the other processes' load on this machine comes and goes.
        h = Hello(a.build, cpu=srv)
        rk, hl = [], []
        try:
            for k in range(1 if a.smoke else HTTP_TURNS):
                c0 = cpu_s(d.proc.pid)
                r, _ = hload(a.build, d.port, "GET", ranked, a.http_conns,
                             tmp, "ranked-1core", cpu=cli)
                r["cpu_s"] = cpu_s(d.proc.pid) - c0
                rk.append(r)
                if r["status"] != {"200": n}:
                    fail("GET candidates (one core): statuses %s"
                         % r["status"])
                c0 = cpu_s(h.proc.pid)
                r, _ = hload(a.build, h.port, "GET", ["/"] * n,
                             a.http_conns, tmp, "hello", cpu=cli)
                r["cpu_s"] = cpu_s(h.proc.pid) - c0
                hl.append(r)
                log("  turn %d: ranked %.0f/s, hello %.0f/s" % (
                    k + 1, rk[-1]["per_s"], r["per_s"]))
        finally:
            h.stop()
    finally:
        d.stop()
        shutil.rmtree(d.datadir, ignore_errors=True)

    def median(runs):
        return sorted(runs, key=lambda x: x["per_s"])[len(runs) // 2]
    for key, runs in (("ranked", rk), ("hello", hl)):
        out[key] = dict(median(runs), runs_per_s=[x["per_s"] for x in runs],
                        best_per_s=max(x["per_s"] for x in runs),
                        cpu_us=sum(x["cpu_s"] for x in runs) /
                        (n * len(runs)) * 1e6)
    r, h = out["ranked"], out["hello"]
    out["ratio"] = r["per_s"] / h["per_s"] if h["per_s"] else 0
    out["ratio_best"] = r["best_per_s"] / h["best_per_s"] \
        if h["best_per_s"] else 0
    out["ratio_cpu"] = h["cpu_us"] / r["cpu_us"] if r["cpu_us"] else 0
    log("GET candidates?limit=1, one core, %d connections: %.0f/s; hello "
        "%.0f/s (medians of %d); ratio %.2f (best runs: %.2f); CPU a "
        "request %.0f us, hello's %.0f us (%.2f)"
        % (a.http_conns, r["per_s"], h["per_s"], len(rk), out["ratio"],
           out["ratio_best"], r["cpu_us"], h["cpu_us"], out["ratio_cpu"]))
    return out


# ---- the table --------------------------------------------------------------

COLS = ("iod", "naive", "pg", "scipy")


def row(name, unit, better, iod=None, naive=None, pg=None, scipy=None,
        note=None):
    vals = {"iod": iod, "naive": naive, "pg": pg, "scipy": scipy}
    peers = [v for k, v in vals.items() if k != "iod" and v is not None]
    ratio = None
    if iod is not None and peers and better in ("lower", "higher"):
        if better == "lower":
            best = min(peers)
            ratio = best / iod if iod > 0 else None
        else:
            best = max(peers)
            ratio = iod / best if best > 0 else None
    return {"figure": name, "unit": unit, "better": better, **vals,
            "ratio": ratio, "note": note}


def figures(a, res):
    ing, dm, mt = res["ingest"], res.get("daemon"), res["match"]
    pg, sc = res.get("pg"), res.get("scipy")
    n = mt["candidates"]
    copy = pg.get("copy_per_s") if pg else None
    rows = [
        row("ingest JSON, %d connections" % a.conns, "candidates/s",
            "higher", iod=ing["json"]["per_s"], pg=copy,
            note="iod: POST /v1/candidates:batch, 1,000 a request, "
            "durable (fsync'd group commit), each record validated, "
            "indexed and logged; PostgreSQL: COPY of the same rows from "
            "CSV into the candidate table with its primary key, fsync "
            "off"),
        row("ingest msgpack, %d connections" % a.conns, "candidates/s",
            "higher", iod=ing["msgpack"]["per_s"], pg=copy),
    ]
    if dm:
        rows.append(row("ingest msgpack, 1 connection, in order",
                        "candidates/s", "higher", iod=dm["ordered"]["per_s"]))
    cdb = ing["msgpack"].get("candidates_db_bytes")
    rows.append(row("candidate records, per candidate", "bytes", "lower",
                    iod=cdb / n if cdb else None,
                    pg=pg["loaded_bytes"] / n if pg else None,
                    note="iod: the candidates database of data.mdb; "
                    "PostgreSQL: the table as COPY loaded it, with its "
                    "primary key"))
    rows.append(row("whole store after ingest, per candidate", "bytes",
                    "lower", iod=ing["msgpack"]["bytes_per_candidate"],
                    pg=pg["bytes"] / n if pg else None,
                    note="iod: data.mdb (every record, the indexes, the "
                    "event log); PostgreSQL: the candidate table ready for "
                    "the query (derived columns, indexes)"))
    m, nv, sn = mt["match"], mt["naive"], mt.get("scan")
    for key, name in (("mean_us", "mean"), ("median_us", "median"),
                      ("p99_us", "p99"), ("max_us", "max")):
        note = None
        if key == "mean_us":
            note = ("service state (%d proposals open); iod: match_run "
                    "(want 1); naive C: match_naive, every candidate "
                    "scanned" % mt.get("proposals_open", 0) +
                    (" (%d of %d offers)" % (nv["n"], m["n"])
                     if nv["n"] < m["n"] else "") +
                    "; PostgreSQL: the same query, prepared, no proposal "
                    "open" + ("; mean %.0f× the naive scan" %
                              (nv[key] / m[key]) if m[key] > 0 else "") +
                    ("; %.0f× PostgreSQL" % (pg[key] / m[key])
                     if pg and pg.get(key) and m[key] > 0 else "") +
                    ("; match_scan (the lists one entry at a time): mean "
                     "%.1f µs, p99 %.1f µs" % (sn["mean_us"], sn["p99_us"])
                     if sn else ""))
        rows.append(row("best candidate, in-process: %s" % name, "µs",
                        "lower", iod=m[key], naive=nv[key],
                        pg=pg.get(key) if pg else None, note=note))
    rows.append(row("best candidate, in-process: rate", "offers/s",
                    "higher", iod=m["per_s"], naive=nv["per_s"]))
    r1 = dm["ranked1"] if dm else {}
    sub = " (%d of %d offers)" % (pg["offers"], pg["of"]) \
        if pg and pg["sampled"] else ""
    for key, name in (("median_us", "median"), ("p99_us", "p99"),
                      ("max_us", "max")):
        rows.append(row("best candidate, 1 client, one request at a "
                        "time: %s" % name, "µs", "lower", iod=r1.get(key),
                        pg=pg[key] if pg else None,
                        note="iod: GET /v1/offers/{id}/candidates?limit=1 "
                        "over TCP loopback (the JSON answer carries the "
                        "score's parts); PostgreSQL: EXECUTE of a prepared "
                        "statement over its unix socket" + sub
                        if key == "median_us" else None))
    rows.append(row("best candidate, 1 client: rate", "offers/s", "higher",
                    iod=r1.get("per_s"), pg=pg["per_s"] if pg else None))
    if dm:
        p, r = dm["propose"], dm["ranked"]
        rows += [
            row("POST /v1/offers/{id}/proposal, %d conns: rate"
                % a.http_conns, "proposals/s", "higher", iod=p["per_s"],
                note="each proposal a durable write (group commit); "
                "statuses %s" % ", ".join("%s: %d" % kv for kv in
                                          sorted(p["status"].items()))),
            row("POST proposal, %d conns: median latency" % a.http_conns,
                "µs", "lower", iod=p["median_us"]),
            row("POST proposal, %d conns: p99 latency" % a.http_conns, "µs",
                "lower", iod=p["p99_us"], note="max %.0f µs"
                % p["max_us"]),
            row("GET /v1/offers/{id}/candidates?limit=1, %d conns: rate"
                % a.http_conns, "requests/s", "higher", iod=r["per_s"],
                note="ranked, records nothing"),
            row("GET candidates, %d conns: median latency" % a.http_conns,
                "µs", "lower", iod=r["median_us"]),
            row("GET candidates, %d conns: p99 latency" % a.http_conns,
                "µs", "lower", iod=r["p99_us"], note="max %.0f µs"
                % r["max_us"]),
        ]
    b = mt["batch"]
    rows += [
        row("batch {:,} offers × {:,} candidates: edges (match_each)"
            .format(b["rows"], n), "s", "info", iod=b["edges_s"],
            note="{:,} edges over {:,} candidates".format(b["edges"],
                                                          b["cols"])),
    ]
    if sc:
        sp, de = sc["sparse"], sc["dense"]
        rows.append(row("batch: solve, vs sparse "
                        "min_weight_full_bipartite_matching", "s", "lower",
                        iod=b["solve_s"], scipy=sp["solve_s"],
                        note="iod: assign_solve; scipy: the solver call, "
                        "a dummy column per offer"))
        rows.append(row("batch: solve, vs dense linear_sum_assignment", "s",
                        "lower", iod=b["solve_s"],
                        scipy=de.get("solve_s"),
                        note=("dense over the %d candidates with an edge "
                              "(%.1f GB)" % (b["cols"], de["bytes"] / 1e9))
                        if "bytes" in de else de.get("skipped")))
    else:
        rows.append(row("batch: solve (assign_solve)", "s", "info",
                        iod=b["solve_s"]))
    rows.append(row("batch: time to the optimum, in-process", "s", "info",
                    iod=b["total_s"], note="edges + problem + solve"))
    if dm:
        rows.append(row("batch: POST /v1/match:batch dry run", "s", "info",
                        iod=dm["batch"]["wall_s"]))
    rows.append(row("batch: objective (total score)", "points", "equal",
                    iod=b["objective"],
                    scipy=sc["sparse"]["objective"] if sc else None,
                    note="{:,} pairs".format(b["assigned"])))
    for key in ("index_load", "synth"):
        if key not in mt:
            continue
        il = mt[key]
        k = il["candidates"]
        rows.append(row("start-up: index ready (lists sorted), {:,} "
                        "candidates".format(k), "s", "info",
                        iod=il.get("ready_s", il["load_s"] + il["view_s"]),
                        note="median of %d runs (%s s): index_load %.3f s "
                        "(the records read in place), then %.3f s for the "
                        "sorted lists (radix)" % (
                            len(il.get("ready_runs_s", [])),
                            ", ".join("%.3f" % x for x in
                                      il.get("ready_runs_s", [])),
                            il["load_s"], il["view_s"]) +
                        ("; synthetic store (%.0f MB), page cache warm"
                         % (il["store_bytes"] / 1e6)
                         if "store_bytes" in il else "")))
        if il.get("heap_bytes"):
            rows.append(row("start-up: memory per candidate, {:,} "
                            "candidates".format(k), "bytes", "info",
                            iod=il["heap_bytes"] / k,
                            note="the index's heap (malloc's bytes in "
                            "use); RSS %.0f bytes a candidate, the store's "
                            "pages read (shared with the page cache) "
                            "included" % (il["rss_bytes"] / k)))
    rows.append(row("wrong answers (offers)", "", "equal", iod=0,
                    naive=mt["mismatches"],
                    pg=pg["mismatches"] if pg else None,
                    scipy=0 if not sc or sc["ok"] else 1,
                    note="naive (and match_scan): best candidate, score, "
                    "eligible count and each removal per offer, in service "
                    "state; PostgreSQL: best candidate, score and eligible "
                    "count per offer, no proposal open; scipy: the "
                    "optimum" +
                    ("; HTTP ranked: %d" % res["checks"]["ranked_mismatches"]
                     if "checks" in res else "")))
    return rows + http_rows(a, res.get("http"))


def http_rows(a, ht):
    """The one-core HTTP figures: the ranked read against hello, and the
    durable proposals."""
    if not ht:
        return []
    r, h, p = ht["ranked"], ht["hello"], ht["propose"]
    where = ("iodd and hello each pinned to core 0, hload (one thread) to "
             "core 1" if ht["pinned"] else "not pinned (one core)")
    hello = row("GET hello-world (bench/hello, evhttp), one core, %d conns:"
                " rate" % ht["conns"], "requests/s", "info", iod=h["per_s"],
                note="the peer: the smallest evhttp server, a 17-byte JSON "
                "body; median %.0f µs, p99 %.0f µs" % (h["median_us"],
                                                         h["p99_us"]))
    return [
        row("GET /v1/offers/{id}/candidates?limit=1, one core, %d conns: "
            "rate" % ht["conns"], "requests/s", "info", iod=r["per_s"],
            note="%s; %s requests a run, each offer in turn, proposals "
            "open; iodd and hello run in turn, %d times each: median run "
            "%.2f× hello's median (goal ≥ 0.5×), best runs %.2f× (runs: "
            "iodd %s, hello %s requests/s); CPU time a request (user and "
            "system, /proc): iodd %.0f µs, hello %.0f µs, so %.2f× hello's "
            "rate where the core is the limit" % (
                where, "{:,}".format(r["n"]), len(r["runs_per_s"]),
                ht["ratio"], ht["ratio_best"],
                "/".join("{:,}".format(int(x)) for x in r["runs_per_s"]),
                "/".join("{:,}".format(int(x)) for x in h["runs_per_s"]),
                r["cpu_us"], h["cpu_us"], ht["ratio_cpu"])),
        row("GET candidates, one core: mean / median / p99 latency", "µs",
            "info", iod="%.0f / %.0f / %.0f" % (r["mean_us"], r["median_us"],
                                               r["p99_us"])),
        hello,
        row("POST /v1/offers/{id}/proposal, one core, %d conns: rate"
            % ht["conns"], "proposals/s", "info", iod=p["per_s"],
            note="successful proposals (201), each acknowledged after its "
            "fsync'd commit (one transaction and one sync per loop turn), "
            "over the time of the proposal walks: %s in %d rounds of one "
            "proposal per offer (%s offers), withdrawn between rounds "
            "(untimed); statuses %s (200: nobody eligible left); goal "
            "≥ 10,000/s; rounds: median %s/s, best %s/s; iodd's CPU "
            "%.0f µs a request (%.0f proposals a CPU second); the disk's "
            "fdatasync of 4 KiB: median %.0f µs before, %.0f µs after" % (
                "{:,}".format(p["made"]), p["rounds"],
                "{:,}".format(p["offers"]),
                ", ".join("%s: %d" % kv for kv in
                          sorted(p["status"].items())),
                "{:,}".format(int(p["median_round_per_s"])),
                "{:,}".format(int(p["best_round_per_s"])),
                p["cpu_us"], p["cpu_per_s"], ht["sync_us_before"],
                ht["sync_us_after"])),
        row("POST proposal, one core: mean / median / p99 latency", "µs",
            "info", iod="%.0f / %.0f / %.0f" % (p["mean_us"], p["median_us"],
                                               p["p99_us"])),
    ]


def fmt(v, unit):
    if v is None:
        return "—"
    if isinstance(v, str):
        return v
    if unit in ("candidates/s", "proposals/s", "requests/s", "offers/s",
                "bytes",
                "points", ""):
        return "{:,}".format(int(round(v)))
    if unit == "µs":
        return "%.1f" % v if v < 100 else "{:,}".format(int(round(v)))
    if unit == "s":
        return "%.3f" % v if v < 10 else "%.1f" % v
    return str(v)


def table(rows, pg_version):
    head = ("| figure | unit | iod | naive C | %s | scipy | ratio |"
            % ("PostgreSQL " + pg_version if pg_version else "PostgreSQL"))
    out = [head, "|" + "---|" * 7]
    for r in rows:
        ratio = "—" if r["ratio"] is None else ("%.1f×" % r["ratio"] if
                                                 r["ratio"] >= 1 else
                                                 "%.2f×" % r["ratio"])
        out.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            r["figure"], r["unit"], *(fmt(r[c], r["unit"]) for c in COLS),
            ratio))
    return "\n".join(out)


def notes(rows):
    return ["- %s: %s" % (r["figure"].strip(), r["note"]) for r in rows
            if r["note"]]


# ---- main -------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--scale", default="metro", choices=sorted(SCALES))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--smoke", action="store_true",
                    help="checks only: write no result file")
    ap.add_argument("--conns", type=int, default=4,
                    help="connections of the ingest")
    ap.add_argument("--http-conns", type=int, default=16,
                    help="connections of the proposal walk")
    ap.add_argument("--batch", type=int, help="rows of the batch")
    ap.add_argument("--synth", type=int,
                    help="candidates of the synthetic start-up store")
    ap.add_argument("--pg-sample", type=int,
                    help="offers PostgreSQL answers (0: all)")
    ap.add_argument("--no-pg", action="store_true")
    ap.add_argument("--no-daemon", action="store_true")
    ap.add_argument("--only", choices=("http",),
                    help="this step only (http: the one-core HTTP figures)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the working directory")
    a = ap.parse_args()
    a.build = os.path.abspath(a.build)
    sc = SCALES[a.scale]
    batch_rows = a.batch or sc["batch"]
    synth = sc["synth"] if a.synth is None else a.synth
    pg_sample = sc["pg_sample"] if a.pg_sample is None else a.pg_sample

    started = time.monotonic()
    date = datetime.date.today().isoformat()
    mach = machine()
    tmp = tempfile.mkdtemp(prefix="iodbench-")
    res = {"scale": a.scale, "seed": a.seed, "date": date, "today": TODAY,
           "machine": mach}
    try:
        gen = os.path.join(tmp, "gen")
        p = subprocess.run([os.path.join(a.build, "bench", "gen"),
                            "--scale", a.scale, "--seed", str(a.seed),
                            "--out", gen], capture_output=True, text=True,
                           cwd=ROOT)
        if p.returncode != 0:
            raise RuntimeError("gen: " + p.stderr)
        log(p.stdout.strip())
        res["gen"] = p.stdout.strip()
        ncand = sum(1 for _ in open(os.path.join(gen, "candidates.jsonl"),
                                    "rb"))
        store = None
        if a.only == "http":
            res["http"] = step_http(a, gen, tmp)
            rows = http_rows(a, res["http"])
            print(table(rows, ""))
            print("\n".join(notes(rows)))
            return 1 if failures else 0
        if not a.no_daemon:
            res["ingest"], refs, cos, mb = step_ingest(a, gen, tmp, ncand)
            dm, store = step_daemon(a, gen, tmp, refs, cos, mb, ncand,
                                    batch_rows, sc["http"])
            res["daemon"] = dm
        else:
            res["ingest"] = {k: {"per_s": None, "bytes_per_candidate": None}
                             for k in ("json", "msgpack")}
        mt, files = step_match(a, gen, tmp, store, batch_rows, synth,
                               sc["naive"])
        res["match"] = mt
        if not a.no_daemon:
            res["checks"] = check_daemon(res["daemon"], mt, files)
        res["scipy"] = step_scipy(files, mt)
        if not a.no_pg:
            res["pg"] = step_pg(a, gen, files, tmp, pg_sample)
        if not a.no_daemon:
            res["http"] = step_http(a, gen, tmp)
    finally:
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            log("kept", tmp)
    res["wall_s"] = time.monotonic() - started
    rows = figures(a, res)
    res["figures"] = rows
    res["failures"] = failures
    pgv = res["pg"]["version"].split()[0] if res.get("pg") else ""
    t = table(rows, pgv)
    mem = mach["mem_bytes"] / 2**30
    mach["loadavg_end"] = os.getloadavg()
    desc = ("%d × %s, %.0f GiB, Linux %s; load average %.2f at the start, "
            "%.2f at the end" % (mach["nproc"], mach["model"], mem,
                                 mach["kernel"], mach["loadavg"][0],
                                 mach["loadavg_end"][0]))
    title = ("%s, scale %s (seed %d): {:,} candidates, {:,} offers a "
             "proposal can be made for; IOD_TODAY=%s" % (date, a.scale,
                                                        a.seed, TODAY)
             ).format(ncand, mt["proposable"])
    print()
    print(title)
    print("Machine: " + desc)
    print()
    print(t)
    print()
    print("\n".join(notes(rows)))
    print("ratio: how many times better iod is than the best peer on that "
          "line (below 1: the peer wins); %.0f s in all" % res["wall_s"])
    for k in ("daemon",):
        if k in res:
            res[k] = {x: y for x, y in res[k].items()
                      if x not in ("ranked_answers", "proposable")}
            res[k]["batch"].pop("assignments", None)
    if not a.smoke:
        outdir = os.path.join(HERE, "out")
        os.makedirs(outdir, exist_ok=True)
        path = os.path.join(outdir, "%s-%s.json" % (a.scale, date))
        with open(path, "w") as f:
            json.dump(res, f, indent=1, ensure_ascii=False)
            f.write("\n")
        with open(os.path.join(HERE, "RESULTS.md"), "a") as f:
            f.write("\n## %s\n\nMachine: %s (`nproc` %d).  Took %.0f s.\n\n"
                    "%s\n\n%s\n" % (title, desc, mach["nproc"],
                                    res["wall_s"], t, "\n".join(notes(rows))))
            if failures:
                f.write("\n**Wrong answers:** %s\n" % "; ".join(failures))
        log("wrote", path, "and appended to bench/RESULTS.md")
    if failures:
        log("%d checks failed:" % len(failures))
        for x in failures:
            log("  " + x)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
