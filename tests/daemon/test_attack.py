"""Clients that must not stop the daemon: slow heads, event streams that
never read, unauthenticated uploads, smuggled framing.  Under each attack
a legitimate client (a new connection each time) must be answered within
a second, and the daemon must stay under 256 MB; the figures seen (the
legitimate latency, the RSS, the connections held) go to stderr.  Then
the framing and header checks: two Content-Lengths, Content-Length with
Transfer-Encoding, a corrupt chunk, the exact Content-Type, Retry-After,
and a refusal that comes before the body."""
import http.client
import json
import os
import resource
import select
import socket
import sys
import tempfile
import threading
import time
import unittest

from iodtest import ADMIN, ROOT, Daemon

RSS_MAX_KB = 256 * 1024
LEGIT_MAX_S = 1.0
SAN = "san" in os.environ.get("IOD_BUILD", "")


def setUpModule():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 4096 if hard == resource.RLIM_INFINITY else min(hard, 4096)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def config(**limits):
    """etc/iod.yaml with these limits (set, or added), in a temporary
    file."""
    with open(os.path.join(ROOT, "etc", "iod.yaml")) as f:
        lines = f.read().split("\n")
    out = []
    for line in lines:
        key = line.strip().split(":")[0]
        if line.startswith("  ") and key in limits:
            out.append("  %s: %s" % (key, limits[key]))
            continue
        out.append(line)
        if line.startswith("limits:"):
            out += ["  %s: %s" % (k, v) for k, v in limits.items()
                    if not any(l.strip().startswith(k + ":") for l in lines)]
    fd, path = tempfile.mkstemp(suffix=".yaml")
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(out))
    return path


def rss_kb(d):
    with open("/proc/%d/status" % d.proc.pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def sockets_held(d):
    n = 0
    fds = "/proc/%d/fd" % d.proc.pid
    for name in os.listdir(fds):
        try:
            if os.readlink(os.path.join(fds, name)).startswith("socket:"):
                n += 1
        except OSError:
            pass
    return n


def raw(d, data, timeout=5):
    """Send data on a new connection; every byte the daemon answers until
    it closes (or timeout)."""
    s = socket.create_connection(("127.0.0.1", d.port), timeout=timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            out += chunk
        return out
    finally:
        s.close()


def replies(data):
    """The (status, headers, body) of each HTTP reply in data."""
    out = []
    while data.startswith(b"HTTP/"):
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            headers[k.decode().strip().lower()] = v.decode().strip()
        n = int(headers.get("content-length", "0"))
        out.append((status, headers, rest[:n]))
        data = rest[n:]
    return out


class Legit:
    """A legitimate client measuring the daemon under attack: /healthz
    and an authenticated GET /v1/offers, a new connection each time."""

    def __init__(self, d):
        self.d = d
        self.lat = []
        self.failed = []

    def probe(self):
        for path, token in (("/healthz", None), ("/v1/offers", ADMIN)):
            t0 = time.monotonic()
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.d.port,
                                               timeout=10)
                h = {"Authorization": "Bearer " + token} if token else {}
                c.request("GET", path, headers=h)
                r = c.getresponse()
                r.read()
                c.close()
                if r.status != 200:
                    self.failed.append((path, r.status))
            except OSError as e:
                self.failed.append((path, repr(e)))
            self.lat.append(time.monotonic() - t0)

    def report(self, name, rss, held):
        lat = sorted(self.lat)
        p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
        sys.stderr.write(
            "\n%s: legitimate p50 %.3f s, p99 %.3f s, max %.3f s (%d "
            "samples); RSS %d MB at most; %d sockets held at most\n" % (
                name, p(0.5), p(0.99), lat[-1], len(lat), rss // 1024, held))


class AttackCase(unittest.TestCase):
    LIMITS = {}

    def setUp(self):
        path = config(**self.LIMITS)
        self.addCleanup(os.unlink, path)
        self.d = Daemon(args=["--config", path]).start()
        self.addCleanup(self.d.cleanup)
        self.stop = threading.Event()
        self.rss = self.held = 0

    def watch(self, legit, seconds):
        """Probe while the attack runs, a few samples a second; stop the
        attack early if the daemon outgrows the bound."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            legit.probe()
            self.rss = max(self.rss, rss_kb(self.d))
            self.held = max(self.held, sockets_held(self.d))
            if self.rss > RSS_MAX_KB and not SAN:
                break
            time.sleep(0.2)

    def verdict(self, name, legit):
        legit.report(name, self.rss, self.held)
        self.assertEqual(legit.failed, [])
        self.assertLess(max(legit.lat), LEGIT_MAX_S,
                        "a legitimate client waited %.1f s" % max(legit.lat))
        # (ASan's heap keeps what is freed: no measure there.)
        if not SAN:
            self.assertLess(self.rss, RSS_MAX_KB, "the daemon grew to "
                            "%d MB" % (self.rss // 1024))


class Slowloris(AttackCase):
    LIMITS = {"max_connections": 1024}
    N = 1100

    def test_slow_heads_do_not_hold_the_others(self):
        head = (b"GET /v1/offers HTTP/1.1\r\nHost: x\r\n"
                b"X-Padding: " + b"a" * 4000)
        socks = []

        def connect():
            try:
                s = socket.create_connection(("127.0.0.1", self.d.port),
                                             timeout=2)
                s.setblocking(False)
                return [s, 0]
            except OSError:
                return None

        def attack():
            while len(socks) < self.N and not self.stop.is_set():
                s = connect()
                if s is not None:
                    socks.append(s)
            while not self.stop.is_set():
                for i, entry in enumerate(socks):
                    if entry is None:
                        socks[i] = connect()
                        continue
                    s, sent = entry
                    try:
                        s.send(head[sent % len(head):sent % len(head) + 1])
                        entry[1] += 1
                    except OSError:
                        s.close()
                        socks[i] = connect()
                self.stop.wait(0.5)

        t = threading.Thread(target=attack, daemon=True)
        t.start()
        try:
            # Every slot taken, and some.
            deadline = time.monotonic() + 20
            while len(socks) < self.N and time.monotonic() < deadline:
                time.sleep(0.05)
            legit = Legit(self.d)
            self.watch(legit, 6)
        finally:
            self.stop.set()
            t.join(timeout=10)
            for entry in socks:
                if entry is not None:
                    entry[0].close()
        self.verdict("1,100 slow heads", legit)


class UnreadStreams(AttackCase):
    # Streams have their own budget: 1024 in all, 16 per token.
    LIMITS = {"max_connections": 1024}
    N = 1030

    def tokens(self, n):
        out = []
        for i in range(n):
            r = self.d.post("/v1/tokens", {"role": "iod",
                                           "subject": "reader-%d" % i})
            self.assertEqual(r.status, 201, r)
            out.append(r.body["token"])
        return out

    def stream(self, token):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(2)
        s.connect(("127.0.0.1", self.d.port))
        s.sendall(b"GET /v1/events/stream?after=0 HTTP/1.1\r\nHost: x\r\n"
                  b"Authorization: Bearer " + token.encode() + b"\r\n\r\n")
        return s

    def test_streams_that_never_read_do_not_hold_the_others(self):
        tokens = self.tokens(self.N // 16 + 1)
        socks = []
        first = []      # the first token's streams

        def attack():
            i = 0
            while len(socks) < self.N and not self.stop.is_set():
                try:
                    socks.append(self.stream(tokens[i // 16]))
                    if i < 16:
                        first.append(socks[-1])
                except OSError:
                    pass
                i += 1

        def produce():
            n = 0
            while not self.stop.is_set():
                try:
                    self.d.post("/v1/referents:batch", [
                        {"name": "R%d" % (n + i), "structure": "S"}
                        for i in range(20)])
                except OSError:
                    pass
                n += 20
                self.stop.wait(0.1)

        threads = [threading.Thread(target=attack, daemon=True),
                   threading.Thread(target=produce, daemon=True)]
        for t in threads:
            t.start()
        try:
            deadline = time.monotonic() + 20
            while len(socks) < self.N and time.monotonic() < deadline:
                time.sleep(0.05)
            legit = Legit(self.d)
            self.watch(legit, 6)
            self.verdict("1,030 unread event streams", legit)
            # A token's streams are bounded: its 17th is refused, and
            # told when to come back.
            over = raw(self.d, b"GET /v1/events/stream HTTP/1.1\r\n"
                       b"Host: x\r\nAuthorization: Bearer " +
                       tokens[0].encode() + b"\r\n\r\n", timeout=3)
            status, headers, body = replies(over)[0]
            if status == 200:
                # At max_streams a new stream replaces one far behind,
                # which may have been one of this token's: it had room
                # only if the daemon closed one of its 16.
                self.assertTrue(any(closed(s) for s in first),
                                "a 17th stream with 16 held: %r" % over[:300])
                return
            self.assertEqual(status, 429, over[:300])
            self.assertEqual(json.loads(body)["error"]["code"],
                             "too_many_streams")
            self.assertIn("retry-after", headers)
        finally:
            self.stop.set()
            for t in threads:
                t.join(timeout=10)
            for s in socks:
                s.close()



def closed(s, budget=2.0):
    """True if the server closed stream s: what it sent read to the end."""
    s.settimeout(0.2)
    end = time.monotonic() + budget
    while time.monotonic() < end:
        try:
            if s.recv(65536) == b"":
                return True
        except socket.timeout:
            return False
        except OSError:
            return True
    return False

class Uploads(AttackCase):
    N = 100
    SIZE = 32 << 20

    def test_unauthenticated_uploads_are_refused_before_their_body(self):
        # Half declare 32 MiB where a batch may have less (413), half 8
        # MiB where it may (401): neither is read.
        heads = [b"POST /v1/candidates:batch HTTP/1.1\r\nHost: x\r\n"
                 b"Content-Type: application/json\r\n"
                 b"Content-Length: %d\r\n\r\n" % self.SIZE,
                 b"POST /v1/referents:batch HTTP/1.1\r\nHost: x\r\n"
                 b"Content-Type: application/json\r\n"
                 b"Content-Length: %d\r\n\r\n" % (8 << 20)]
        chunk = b"[" + b" " * 65535
        answers = []

        def connect(i):
            try:
                s = socket.create_connection(("127.0.0.1", self.d.port),
                                             timeout=2)
                s.sendall(heads[i % 2])
                s.setblocking(False)
                return [s, 0, b"", i]
            except OSError:
                return None

        def attack():
            conns = [connect(i) for i in range(self.N)]
            while not self.stop.is_set():
                live = [c for c in conns if c is not None]
                _, w, _ = select.select([], [c[0] for c in live], [], 0.1)
                for c in live:
                    s = c[0]
                    try:
                        data = s.recv(4096)
                        c[2] += data
                        if len(answers) < 5 and c[2].count(b"\r\n\r\n"):
                            answers.append((c[1], c[2]))
                    except (BlockingIOError, InterruptedError):
                        pass
                    except OSError:
                        pass
                    if s not in w:
                        continue
                    try:
                        c[1] += s.send(chunk[:min(len(chunk),
                                                  self.SIZE - c[1])])
                    except (BlockingIOError, InterruptedError):
                        pass
                    except OSError:     # refused and closed: again
                        s.close()
                        conns[conns.index(c)] = connect(c[3])
                conns = [c if c is not None else connect(i)
                         for i, c in enumerate(conns)]
            for c in conns:
                if c is not None:
                    c[0].close()

        t = threading.Thread(target=attack, daemon=True)
        t.start()
        try:
            legit = Legit(self.d)
            self.watch(legit, 6)
        finally:
            self.stop.set()
            t.join(timeout=10)
        self.verdict("100 unauthenticated 32 MiB uploads", legit)
        # Refused on their head (the size or the token), long before
        # their 32 MiB were sent.
        self.assertTrue(answers, "no upload was answered")
        for sent, reply in answers:
            status, _, body = replies(reply)[0]
            self.assertIn(status, (401, 413), reply[:300])
            self.assertIn(json.loads(body)["error"]["code"],
                          ("unauthorized", "body_too_large"))
            self.assertLess(sent, self.SIZE)


class Budget(AttackCase):
    def test_bodies_in_all_are_bounded(self):
        """64 MiB of bodies at most, all connections together: eight
        referent batches of 8 MiB being sent fill it; a ninth is told at
        once to come back."""
        head = (b"POST /v1/referents:batch HTTP/1.1\r\nHost: x\r\n"
                b"Authorization: Bearer " + ADMIN.encode() + b"\r\n"
                b"Content-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n" % (8 << 20))
        held = []
        for _ in range(8):
            a = socket.create_connection(("127.0.0.1", self.d.port),
                                         timeout=5)
            self.addCleanup(a.close)
            a.sendall(head + b"[" + b" " * 1000)
            held.append(a)
        t0 = time.monotonic()
        out = raw(self.d, head, timeout=3)
        self.assertLess(time.monotonic() - t0, 1)
        status, headers, body = replies(out)[0]
        self.assertEqual(status, 503, out[:300])
        self.assertEqual(json.loads(body)["error"]["code"], "busy")
        self.assertEqual(headers.get("retry-after"), "1")
        self.assertEqual(headers.get("connection"), "close")
        # Once one is done, there is room again.
        a = held[0]
        a.sendall(b"]" + b" " * ((8 << 20) - 1002))
        a.settimeout(10)
        status, _, body = replies(a.recv(65536))[0]
        self.assertLess(status, 500, body)      # an empty batch
        a.close()
        c = socket.create_connection(("127.0.0.1", self.d.port), timeout=5)
        self.addCleanup(c.close)
        c.sendall(head + b"[" + b" " * 1000)
        c.settimeout(0.5)
        self.assertRaises(socket.timeout, c.recv, 100)  # being read


class Framing(AttackCase):
    AUTH = b"Authorization: Bearer " + ADMIN.encode() + b"\r\n"

    def post(self, headers, body=b"", path=b"/v1/referents"):
        return raw(self.d, b"POST " + path + b" HTTP/1.1\r\nHost: x\r\n" +
                   self.AUTH + headers + b"\r\n" + body, timeout=3)

    def test_two_lengths_are_one_refusal(self):
        smuggled = b"GET /v1/whoami HTTP/1.1\r\nHost: x\r\n\r\n"
        out = self.post(b"Content-Type: application/json\r\n"
                        b"Content-Length: 5\r\nContent-Length: 44\r\n",
                        b'{"a":' + smuggled)
        got = replies(out)
        self.assertEqual(len(got), 1, out)
        status, headers, body = got[0]
        self.assertEqual(status, 400)
        err = json.loads(body)["error"]
        self.assertEqual(err["code"], "bad_length")
        self.assertIn("different", err["message"])
        # The same length twice is one length.
        body = b'{"name": "A", "structure": "B"}'
        out = self.post(b"Content-Type: application/json\r\n"
                        b"Content-Length: %d\r\nContent-Length: %d\r\n"
                        b"Connection: close\r\n" % (len(body), len(body)),
                        body)
        self.assertEqual(replies(out)[0][0], 201, out)

    def test_length_with_chunked_is_refused(self):
        out = self.post(b"Content-Type: application/json\r\n"
                        b"Content-Length: 4\r\n"
                        b"Transfer-Encoding: chunked\r\n",
                        b"1e\r\n" + b'{"name": "A", "structure": "B"}'
                        b"\r\n0\r\n\r\n")
        got = replies(out)
        self.assertEqual(len(got), 1, out)
        self.assertEqual(got[0][0], 400)
        self.assertEqual(json.loads(got[0][2])["error"]["code"],
                         "bad_length")

    def test_chunks(self):
        body = b'{"name": "A", "structure": "B"}'
        out = self.post(b"Content-Type: application/json\r\n"
                        b"Transfer-Encoding: chunked\r\n"
                        b"Connection: close\r\n",
                        b"5\r\n" + body[:5] + b"\r\n%x;ext=1\r\n" %
                        (len(body) - 5) + body[5:] + b"\r\n0\r\n\r\n")
        self.assertEqual(replies(out)[0][0], 201, out)
        # A corrupt chunk is a bad request, not one too large.
        out = self.post(b"Content-Type: application/json\r\n"
                        b"Transfer-Encoding: chunked\r\n",
                        b"zz\r\n" + body + b"\r\n0\r\n\r\n")
        status, _, reply = replies(out)[0]
        self.assertEqual(status, 400, out)
        self.assertEqual(json.loads(reply)["error"]["code"], "bad_body")

    def test_content_type_is_exact(self):
        body = b'{"name": "A", "structure": "B"}'
        for ctype, want in ((b"application/jsonxyz", 415),
                            (b"application/json; charset=utf-8", 201),
                            (b"text/plain", 415)):
            out = self.post(b"Content-Type: " + ctype + b"\r\n"
                            b"Content-Length: %d\r\nConnection: close\r\n"
                            % len(body), body)
            self.assertEqual(replies(out)[0][0], want, (ctype, out))

    def test_refused_on_the_head(self):
        """No token, no role, too long, a bad type: answered at once,
        without the body (which never comes)."""
        cases = [
            (b"Host: x\r\nContent-Type: application/json\r\n", 401),
            (self.AUTH + b"Content-Type: application/jsonx\r\n", 415),
            (self.AUTH + b"Content-Type: application/json\r\n", 413),
        ]
        for headers, want in cases:
            length = 1 << 20 if want != 413 else 64 << 20
            t0 = time.monotonic()
            out = raw(self.d, b"POST /v1/referents:batch HTTP/1.1\r\n" +
                      headers + b"Content-Length: %d\r\n\r\n" % length,
                      timeout=3)
            self.assertLess(time.monotonic() - t0, 1, (want, out))
            status, headers_out, body = replies(out)[0]
            self.assertEqual(status, want, out)
            self.assertEqual(headers_out.get("connection"), "close")
            self.assertIn("error", json.loads(body))

    def test_pipelined_requests_each_answered(self):
        """Requests sent one after the other without waiting are each
        answered, in order; one refused on its head ends the connection
        (its body is not read, so nothing after it is a request)."""
        body = b'{"name": "A", "structure": "B"}'
        out = raw(self.d, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"POST /v1/referents HTTP/1.1\r\nHost: x\r\n" + self.AUTH +
                  b"Content-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body) + body +
                  b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"POST /v1/referents HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Length: 1000\r\n\r\n"
                  b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", timeout=3)
        self.assertEqual([s for s, _, _ in replies(out)],
                         [200, 201, 200, 401], out)

    def test_expect_continue(self):
        """A client that waits for 100 Continue is told no at once when
        its head is refused, and to go on when it is not."""
        body = b'{"name": "A", "structure": "B"}'
        head = (b"POST /v1/referents HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/json\r\nExpect: 100-continue"
                b"\r\nContent-Length: %d\r\n" % len(body))
        s = socket.create_connection(("127.0.0.1", self.d.port), timeout=3)
        self.addCleanup(s.close)
        s.sendall(head + b"\r\n")
        self.assertTrue(s.recv(100).startswith(b"HTTP/1.1 401 "))
        s = socket.create_connection(("127.0.0.1", self.d.port), timeout=3)
        self.addCleanup(s.close)
        s.sendall(head + self.AUTH + b"\r\n")
        self.assertTrue(s.recv(100).startswith(b"HTTP/1.1 100 Continue"))
        s.sendall(body)
        self.assertIn(b" 201 ", s.recv(4096).split(b"\r\n")[0])


class RateLimit(AttackCase):
    LIMITS = {"requests_per_minute": 3}

    def test_too_many_requests_says_when_to_retry(self):
        for _ in range(3):
            self.assertEqual(self.d.get("/v1/whoami").status, 200)
        r = self.d.get("/v1/whoami")
        self.assertEqual(r.status, 429, r)
        self.assertIn(int(r.headers["Retry-After"]), range(1, 61))


if __name__ == "__main__":
    unittest.main()
