"""Test harness: the real iodd on a free loopback port, driven over HTTP.

A Daemon starts build/iodd with --listen 127.0.0.1:0 in a temporary data
directory, waits for its "listening on" log line (readiness, never a
sleep), and speaks HTTP/1.1 to it with http.client.  Nothing is mocked.
"""
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
import unittest

try:
    import msgpack
except ImportError:  # the msgpack tests skip themselves
    msgpack = None

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("IOD_BUILD", "build"))
IODD = os.path.join(BUILD, "iodd")
IODCTL = os.path.join(BUILD, "iodctl")
ADMIN = "test-admin-token-0123456789"


class Reply:
    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw
        ctype = headers.get("Content-Type", "")
        if not raw:
            self.body = None
        elif ctype.startswith("application/msgpack"):
            self.body = msgpack.unpackb(raw, raw=False)
        elif ctype.startswith("application/json"):
            self.body = json.loads(raw)
        else:
            self.body = None        # CSV, metrics, a backup: see .raw

    def error(self):
        return self.body["error"]

    def __repr__(self):
        return "Reply(%d, %r)" % (self.status, self.raw[:300])


class Daemon:
    def __init__(self, data=None, args=(), env=None, demo=False):
        self.tmp = None
        if data is None:
            self.tmp = tempfile.mkdtemp(prefix="iodtest-")
            data = os.path.join(self.tmp, "data")
        self.data = data
        self.args = list(args)
        self.env = dict(os.environ, IOD_BOOTSTRAP_TOKEN=ADMIN,
                        IOD_TODAY="2026-11-24")
        if env:
            self.env.update(env)
        if demo:
            self.args += ["--demo", os.path.join(ROOT, "demo")]
        self.proc = None
        self.log = []

    def start(self):
        cmd = [IODD, "--config", os.path.join(ROOT, "etc", "iod.yaml"),
               "--data", self.data, "--listen", "127.0.0.1:0",
               "--refdata", os.path.join(ROOT, "data")] + self.args
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env,
                                     stderr=subprocess.PIPE, text=True)
        self.port = None
        for line in self.proc.stderr:
            self.log.append(line)
            m = re.search(r'listening on 127\.0\.0\.1:(\d+)', line)
            if m:
                self.port = int(m.group(1))
                break
        if self.port is None:
            raise RuntimeError("iodd did not start:\n" + "".join(self.log))
        # Keep draining the log so the daemon never blocks on stderr.
        self.drain = threading.Thread(target=self._drain, daemon=True)
        self.drain.start()
        return self

    def _drain(self):
        for line in self.proc.stderr:
            self.log.append(line)

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)
        if self.proc:
            self.drain.join(timeout=5)
            self.proc.stderr.close()
        rc = self.proc.returncode if self.proc else None
        if rc not in (None, 0, -signal.SIGKILL):
            # A crash or a sanitizer report: show what the daemon said.
            sys.stderr.write("iodd exited with %s:\n%s" % (
                rc, "".join(self.log[-60:])))
        self.proc = None
        return rc

    def cleanup(self):
        rc = self.stop()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
        # A daemon must stop cleanly on SIGTERM: exit 0, no leak report.
        if rc not in (None, 0, -signal.SIGKILL):
            raise AssertionError("iodd exited with %s" % rc)

    def conn(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def request(self, method, path, body=None, token=ADMIN, headers=None,
                mp=False, raw=None, ctype=None):
        h = {}
        if token:
            h["Authorization"] = "Bearer " + token
        data = raw
        if body is not None:
            if mp:
                data = msgpack.packb(body, use_bin_type=True)
                h["Content-Type"] = "application/msgpack"
                h["Accept"] = "application/msgpack"
            else:
                data = json.dumps(body).encode()
                h["Content-Type"] = "application/json"
        if ctype:
            h["Content-Type"] = ctype
        if headers:
            h.update(headers)
        c = self.conn()
        try:
            c.request(method, path, body=data, headers=h)
            r = c.getresponse()
            return Reply(r.status, dict(r.getheaders()), r.read())
        finally:
            c.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


def store_layout():
    """docs/store-layout.txt: {path: (version, [(name, type)] in order)},
    the newest section of each path."""
    out, path = {}, None
    with open(os.path.join(ROOT, "docs", "store-layout.txt")) as f:
        for line in f:
            m = re.match(r"\[([a-z_.]+)\] version (\d+)$", line.rstrip())
            if m:
                path = m.group(1)
                out[path] = (int(m.group(2)), [])
            elif path and line.strip():
                out[path][1].append(tuple(line.split()[1:3]))
            else:
                path = None
    return out


def stored_record(path, value, layout=None):
    """A stored record (a positional list as msgpack gives it) as the
    dict of its fields by name, "v" first, as docs/store-layout.txt reads
    it; a dict (a record stored by name) as it is."""
    if not isinstance(value, list):
        return value
    layout = layout or store_layout()
    rec = {"v": value[0]}
    for (name, kind), v in zip(layout[path][1], value[1:]):
        sub = path + "." + name
        if kind == "objects" and v is not None:
            v = [stored_record(sub, x, layout) for x in v]
        elif kind == "object" and v is not None:
            v = stored_record(sub, v, layout)
        rec[name] = v
    return rec


def stored_value(path, rec, layout=None):
    """The dict rec (stored_record's) as the positional list stored."""
    layout = layout or store_layout()
    out = [rec["v"]]
    for name, kind in layout[path][1]:
        v = rec.get(name)
        sub = path + "." + name
        if kind == "objects" and v is not None:
            v = [stored_value(sub, x, layout) for x in v]
        elif kind == "object" and v is not None:
            v = stored_value(sub, v, layout)
        out.append(v)
    return out


def load_demo(name):
    with open(os.path.join(ROOT, "demo", name + ".json")) as f:
        return json.load(f)


class DaemonCase(unittest.TestCase):
    """A test case with a fresh daemon (with the demo data if DEMO)."""
    DEMO = False
    ARGS = ()

    def setUp(self):
        self.d = Daemon(demo=self.DEMO, args=self.ARGS).start()
        self.addCleanup(self.d.cleanup)

    def assertError(self, reply, status, field=None, code=None, contains=None):
        self.assertEqual(reply.status, status, reply)
        err = reply.error()
        if field is not None:
            self.assertEqual(err["field"], field, reply)
        if code is not None:
            self.assertEqual(err["code"], code, reply)
        if contains is not None:
            self.assertIn(contains, err["message"], reply)
        return err
