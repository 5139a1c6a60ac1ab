"""Sign-ins that must not stop the daemon nor tell who has an account: a
flood of bad sign-ins from several clients leaves everyone else served
(the passwords are checked by threads, off the event loop, from a bounded
queue: 401, 429 or 503, never a wait without end), each client address
has its number of sign-ins a minute, an unknown login is locked out
exactly as a real one is, and a session unused for a while ends.  The
figures seen (the legitimate latency, the RSS, the replies) go to
stderr."""
import collections
import http.client
import itertools
import json
import os
import socket
import tempfile
import threading
import time
import unittest

from iodtest import ADMIN, ROOT, Daemon

RSS_MAX_KB = 256 * 1024
SAN = "san" in os.environ.get("IOD_BUILD", "")
PASSWORD = "correct horse battery"


def config(**keys):
    """etc/iod.yaml with these top-level keys (set, or added), in a
    temporary file the caller unlinks."""
    with open(os.path.join(ROOT, "etc", "iod.yaml")) as f:
        lines = [l for l in f.read().split("\n")
                 if l.split(":")[0].strip() not in keys]
    lines += ["%s: %s" % kv for kv in keys.items()]
    fd, path = tempfile.mkstemp(suffix=".yaml")
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def rss_kb(d):
    with open("/proc/%d/status" % d.proc.pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def sign_in(d, login, password, timeout=30):
    """(status, headers without Date, body) of a sign-in, on a new
    connection."""
    c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=timeout)
    try:
        c.request("POST", "/v1/session", body=json.dumps(
            {"login": login, "password": password}),
            headers={"Content-Type": "application/json"})
        r = c.getresponse()
        body = r.read()
        headers = {k.lower(): v for k, v in r.getheaders()
                   if k.lower() != "date"}
        return r.status, headers, body
    finally:
        c.close()


class SignInCase(unittest.TestCase):
    KEYS = {}

    def setUp(self):
        path = config(**self.KEYS)
        self.addCleanup(os.unlink, path)
        self.d = Daemon(args=["--config", path]).start()
        self.addCleanup(self.d.cleanup)

    def account(self, login, password=PASSWORD):
        r = self.d.post("/v1/accounts", {"login": login, "password": password,
                                         "role": "iod"})
        self.assertEqual(r.status, 201, r)
        return r.body


class Flood(SignInCase):
    """No limit by address here: the queue of the threads is what holds."""
    KEYS = {"sign_ins_per_minute": 0, "sign_in_threads": 2,
            "sign_in_queue": 4}
    N = 200
    CLIENTS = 8         # more than the threads and the queue hold

    def test_bad_sign_ins_do_not_stall_the_others(self):
        self.account("c.durand")
        statuses = collections.Counter()
        errors = []
        retry_missing = []
        lock = threading.Lock()

        # N sent in all; after a refusal for a full queue (503) a client
        # pauses a little before its next one.
        n = itertools.count()
        inflight = [0]

        def attacker():
            while True:
                with lock:
                    if sum(statuses.values()) + inflight[0] >= self.N:
                        return
                    i = next(n)
                    inflight[0] += 1
                login = "c.durand" if i % 4 == 0 else "nobody%d" % i
                try:
                    st, h, _ = sign_in(self.d, login, "wrong %d" % i)
                except OSError as e:
                    with lock:
                        inflight[0] -= 1
                        errors.append(repr(e))
                    return
                with lock:
                    inflight[0] -= 1
                    statuses[st] += 1
                    if st in (429, 503) and "retry-after" not in h:
                        retry_missing.append(st)
                if st == 503:
                    time.sleep(0.2)

        threads = [threading.Thread(target=attacker)
                   for _ in range(self.CLIENTS)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        lat, failed, rss = [], [], 0
        while any(t.is_alive() for t in threads):
            for path, token in (("/healthz", None), ("/v1/offers", ADMIN)):
                s = time.monotonic()
                try:
                    r = self.d.get(path, token=token)
                    if r.status != 200:
                        failed.append((path, r.status))
                except OSError as e:
                    failed.append((path, repr(e)))
                lat.append(time.monotonic() - s)
            rss = max(rss, rss_kb(self.d))
            time.sleep(0.05)
            self.assertLess(time.monotonic() - t0, 120, "the sign-ins hang")
        for t in threads:
            t.join()
        lat.sort()
        p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
        os.sys.stderr.write(
            "\nsign-in flood (%d bad, %d clients): %s in %.1f s; "
            "legitimate "
            "p50 %.3f s, p99 %.3f s, max %.3f s (%d samples); RSS %d MB at "
            "most\n" % (self.N, self.CLIENTS, dict(statuses),
                        time.monotonic() - t0, p(0.5), p(0.99), lat[-1],
                        len(lat), rss // 1024))
        self.assertEqual(errors, [])
        self.assertEqual(sum(statuses.values()), self.N)
        self.assertGreater(statuses[401], 0)    # passwords were checked
        self.assertLessEqual(set(statuses), {401, 429, 503}, statuses)
        self.assertGreater(statuses[429], 0)    # the real login locked
        self.assertGreater(statuses[503], 0)    # the queue was full
        self.assertEqual(retry_missing, [])
        self.assertEqual(failed, [])
        self.assertLess(p(0.99), 1.0)
        self.assertLess(p(0.5), 0.1)
        if not SAN:
            self.assertLess(rss, RSS_MAX_KB)
        # The real login was locked by the flood; the daemon still signs in
        # the others at once.
        self.account("cm-petit")
        st, h, body = sign_in(self.d, "cm-petit", PASSWORD)
        self.assertEqual(st, 200, body)
        self.assertIn("iod_session=", h.get("set-cookie", ""))


class ByAddress(SignInCase):
    KEYS = {"sign_ins_per_minute": 10}

    def test_an_address_has_its_sign_ins_a_minute(self):
        self.account("c.durand")
        if time.time() % 60 > 50:       # all in one minute
            time.sleep(61 - time.time() % 60)
        seen = [sign_in(self.d, "c.durand", "wrong") for _ in range(12)]
        first = [st for st, _, _ in seen[:10]]
        self.assertEqual(first.count(429), 5, first)    # the login's lock
        self.assertLessEqual(set(first), {401, 429})
        for st, h, body in seen[10:]:
            self.assertEqual(st, 429)
            self.assertEqual(json.loads(body)["error"]["code"],
                             "too_many_sign_ins")
            self.assertGreater(int(h["retry-after"]), 0)
            self.assertLessEqual(int(h["retry-after"]), 60)
        # The API's tokens are not held back by it.
        self.assertEqual(self.d.get("/v1/offers").status, 200)


class UnknownLogins(SignInCase):
    KEYS = {"sign_ins_per_minute": 0}

    def test_an_unknown_login_is_locked_as_a_real_one(self):
        self.account("c.durand")
        for i in range(5):
            real = sign_in(self.d, "c.durand", "wrong %d" % i)
            unknown = sign_in(self.d, "no.such.person", "wrong %d" % i)
            self.assertEqual(real[0], 401)
            self.assertEqual(real, unknown)
        real = sign_in(self.d, "c.durand", PASSWORD)
        unknown = sign_in(self.d, "No.Such.Person", PASSWORD)
        self.assertEqual(real[0], 429)
        self.assertEqual(json.loads(real[2])["error"]["code"],
                         "account_locked")
        self.assertEqual(real[1]["retry-after"], "900")
        self.assertEqual(real, unknown)     # status, headers and body
        # Another unknown login is not locked by it.
        st, _, body = sign_in(self.d, "someone.else", "wrong")
        self.assertEqual(st, 401, body)


class LeftEarly(SignInCase):
    KEYS = {"sign_ins_per_minute": 0}

    def locked(self, login):
        items = self.d.get("/v1/accounts").body["items"]
        return [a["locked"] for a in items if a["login"] == login][0]

    def test_a_client_that_leaves_still_has_its_failure_counted(self):
        self.account("c.durand")
        body = json.dumps({"login": "c.durand", "password": "wrong"})
        for _ in range(5):
            s = socket.create_connection(("127.0.0.1", self.d.port))
            s.sendall(("POST /v1/session HTTP/1.1\r\nHost: x\r\n"
                       "Content-Type: application/json\r\n"
                       "Content-Length: %d\r\n\r\n%s" % (
                           len(body), body)).encode())
            s.close()           # before the password is checked
        # Once the five are checked, the login is locked.
        deadline = time.monotonic() + 30
        while not self.locked("c.durand"):
            self.assertLess(time.monotonic(), deadline, "not locked")
            time.sleep(0.1)
        st, _, body = sign_in(self.d, "c.durand", PASSWORD)
        self.assertEqual(st, 429, body)
        self.assertEqual(self.d.get("/healthz", token=None).status, 200)


class Idle(SignInCase):
    KEYS = {"session_idle_s": 3}

    def whoami(self, secret):
        return self.d.get("/v1/whoami", token=None,
                          headers={"Cookie": "iod_session=" + secret})

    def test_an_unused_session_ends(self):
        self.account("c.durand")
        st, h, body = sign_in(self.d, "c.durand", PASSWORD)
        self.assertEqual(st, 200, body)
        secret = h["set-cookie"].split(";")[0].split("=", 1)[1]
        # Used every two seconds, it lasts past three...
        for _ in range(3):
            time.sleep(2)
            self.assertEqual(self.whoami(secret).status, 200)
        # ...left four, it has ended.
        time.sleep(4)
        r = self.whoami(secret)
        self.assertEqual(r.status, 401, r)
        self.assertEqual(r.error()["field"], "Cookie")


if __name__ == "__main__":
    unittest.main()
