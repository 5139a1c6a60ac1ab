#!/usr/bin/python3
"""Events per second delivered to many Server-Sent Events subscribers.

Starts build/iodd on a free loopback port with a fresh store, opens N
streams (GET /v1/events/stream, admin tokens: each sees every event) from
P reader processes, then writes E events (candidates, in batches) and
measures, from the first write to the moment the last subscriber has the
last event:

    live fan-out   E events x N subscribers / elapsed   (deliveries/s)
                   E / elapsed                          (events/s, all N)

and the same for a replay: N new streams asking for the E events from the
durable log (?after=) at once.  Readers count frames ("\\nid: ") and do
not parse them; the daemon renders each event once per view.

    /usr/bin/python3 bench/sse_fanout.py [--build build] [--subscribers 1000]
        [--events 5000] [--procs 4] [--batch 1000]
"""
import argparse
import http.client
import json
import multiprocessing
import os
import re
import resource
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADMIN = "bench-admin-token-0123456789"
REFERENT = {"name": "Nadia Benali", "structure": "PLIE",
            "email": "n.benali@allies.example"}


def candidate(i):
    return {"first_name": "P%d" % i, "last_name": "Bench",
            "birth_date": "1985-05-05", "sex": "F", "commune": "69388",
            "qpv": False, "programme": "plie", "referent_id": 1,
            "oriented_on": "2025-11-24", "publics": ["rsa"],
            "rome": ["K2204"], "contracts": ["CDI", "CDD"],
            "max_weekly_hours": 35, "schedule_ok": ["early"],
            "mobility": {"licence_b": False, "vehicle": False,
                         "zone": "territory"},
            "available_on": "2026-12-01",
            "consent": {"on": "2025-11-24", "scope": "matching_followup"}}


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Daemon:
    def __init__(self, build, subscribers):
        self.tmp = tempfile.mkdtemp(prefix="iod-sse-")
        with open(os.path.join(ROOT, "etc", "iod.yaml")) as f:
            conf = f.read()
        conf = re.sub(r"max_connections: *\d+",
                      "max_connections: %d" % (2 * subscribers + 64), conf)
        self.conf = os.path.join(self.tmp, "iod.yaml")
        with open(self.conf, "w") as f:
            f.write(conf)
        env = dict(os.environ, IOD_BOOTSTRAP_TOKEN=ADMIN)
        self.proc = subprocess.Popen(
            [os.path.join(ROOT, build, "iodd"), "--config", self.conf,
             "--data", os.path.join(self.tmp, "data"), "--listen",
             "127.0.0.1:0", "--refdata", os.path.join(ROOT, "data"),
             "--log-level", "warn"], cwd=ROOT, env=env,
            stderr=subprocess.PIPE, text=True, preexec_fn=raise_nofile)
        self.port = None
        self.log = []
        # --log-level warn hides "listening on": ask the kernel instead.
        threading.Thread(target=self._drain, daemon=True).start()
        deadline = time.monotonic() + 30
        while self.port is None and time.monotonic() < deadline:
            self.port = self._find_port()
            time.sleep(0.05)
        if self.port is None:
            raise RuntimeError("iodd did not start:\n" + "".join(self.log))

    def _drain(self):
        for line in self.proc.stderr:
            self.log.append(line)

    def _find_port(self):
        out = subprocess.run(["ss", "-Htlnp"], capture_output=True,
                             text=True).stdout
        for line in out.splitlines():
            if "pid=%d," % self.proc.pid in line:
                return int(line.split()[3].rsplit(":", 1)[1])
        return None

    def request(self, method, path, body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        h = {"Authorization": "Bearer " + ADMIN}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        out = json.loads(r.read() or b"null")
        c.close()
        if r.status >= 300:
            raise RuntimeError("%s %s: %d %s" % (method, path, r.status, out))
        return out

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)
        shutil.rmtree(self.tmp, ignore_errors=True)


def reader(port, n, query, want, ready, done):
    """One process: n streams; reports when every one has `want` frames."""
    raise_nofile()
    sel = selectors.DefaultSelector()
    req = ("GET /v1/events/stream%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           "Authorization: Bearer %s\r\nAccept: text/event-stream\r\n\r\n"
           % (query, ADMIN)).encode()
    state = {}
    t_open = time.monotonic()
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(req)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        state[s] = [False, 0, b""]      # headers seen, frames, tail
    waiting = left = n
    while left:
        for key, _ in sel.select(timeout=60):
            st = state[key.fileobj]
            data = key.fileobj.recv(1 << 20)
            if not data:
                raise RuntimeError("a stream ended early")
            buf = st[2] + data
            if not st[0]:               # the headers, then frames
                if b"\r\n\r\n" not in buf:
                    st[2] = buf
                    continue
                st[0] = True
                buf = buf[buf.index(b"\r\n\r\n"):]
                waiting -= 1
                if waiting == 0:
                    ready.send(t_open)
            st[1] += buf.count(b"\nid: ")
            st[2] = buf[-4:]
            if st[1] >= want:
                sel.unregister(key.fileobj)
                left -= 1
    done.send(time.monotonic())
    for s in state:
        s.close()


def recv(conn, workers, timeout=300):
    """A reader's report; fails rather than waits on a dead reader."""
    deadline = time.monotonic() + timeout
    while not conn.poll(1):
        if time.monotonic() > deadline or any(
                p.exitcode not in (None, 0) for p in workers):
            raise RuntimeError("a reader died or stalled")
    return conn.recv()


def fan_out(d, subscribers, procs, query, want, write=None):
    ctx = multiprocessing.get_context("fork")
    pipes, workers = [], []
    per = [subscribers // procs + (i < subscribers % procs)
           for i in range(procs)]
    for n in per:
        r_ready, w_ready = ctx.Pipe(False)
        r_done, w_done = ctx.Pipe(False)
        p = ctx.Process(target=reader, args=(d.port, n, query, want,
                                             w_ready, w_done), daemon=True)
        p.start()
        workers.append(p)
        pipes.append((r_ready, r_done))
    opened = [recv(r_ready, workers) for r_ready, _ in pipes]
    # Live: from the first write, all streams open.  Replay: from the
    # first stream opened (connecting counts).
    t0 = time.monotonic() if write is not None else min(opened)
    wrote = write() if write is not None else None
    ends = [recv(r_done, workers) for _, r_done in pipes]
    for p in workers:
        p.join()
    return max(ends) - t0, wrote


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--subscribers", type=int, default=1000)
    ap.add_argument("--events", type=int, default=5000)
    ap.add_argument("--procs", type=int, default=4)
    ap.add_argument("--batch", type=int, default=1000)
    a = ap.parse_args()
    raise_nofile()
    d = Daemon(a.build, a.subscribers)
    try:
        d.request("POST", "/v1/referents", REFERENT)
        start = d.request("GET", "/healthz")["events"]

        def write():
            t = time.monotonic()
            for i in range(0, a.events, a.batch):
                d.request("POST", "/v1/candidates:batch", [
                    candidate(j) for j in range(i, min(i + a.batch,
                                                       a.events))])
            return time.monotonic() - t

        live, wrote = fan_out(d, a.subscribers, a.procs, "", a.events, write)
        replay, _ = fan_out(d, a.subscribers, a.procs, "?after=%d" % start,
                            a.events)
        n, e = a.subscribers, a.events
        print("iodd %s, %d subscribers, %d events (%d per write), "
              "%d reader processes" % (a.build, n, e, a.batch, a.procs))
        print("  writes took         %.3f s" % wrote)
        print("  live fan-out        %.3f s: %.0f events/s to all, "
              "%.0f deliveries/s" % (live, e / live, e * n / live))
        print("  replay from the log %.3f s: %.0f events/s to all, "
              "%.0f deliveries/s" % (replay, e / replay, e * n / replay))
    finally:
        d.stop()


if __name__ == "__main__":
    sys.exit(main())
