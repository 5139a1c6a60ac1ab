"""Notifications: the Server-Sent Events stream resumes from Last-Event-ID
(across a restart too) and delivers every event once, in order; a
référent's stream shows only their candidates, a company's only its
offers, in the no-CV view; a reader that does not read is not buffered
without end; webhooks are signed with HMAC-SHA256, retried with a growing
backoff until a 2xx, and their cursor survives a restart."""
import hashlib
import hmac
import http.client
import http.server
import json
import os
import socket
import threading
import time
import unittest

from iodtest import ADMIN, DaemonCase
from test_api import COMPANY, REFERENT
from test_matcher import OFFER, cand

CM = "cm-martin"
# What a company may read of an event's payload (access.c's no-CV view).
NOCV = {"offer_id", "candidate_id", "company_id", "proposal_id",
        "placement_id", "status", "meeting", "owner", "start_on", "at"}


class Stream:
    """A client of GET /v1/events/stream, reading one event at a time."""

    def __init__(self, d, token=ADMIN, after=None, last_id=None, timeout=20,
                 rcvbuf=None):
        self.c = http.client.HTTPConnection("127.0.0.1", d.port,
                                            timeout=timeout)
        if rcvbuf is not None:      # a small window: a slow reader
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            sock.settimeout(timeout)
            sock.connect(("127.0.0.1", d.port))
            self.c.sock = sock
        h = {"Authorization": "Bearer " + token,
             "Accept": "text/event-stream"}
        if last_id is not None:
            h["Last-Event-ID"] = str(last_id)
        path = "/v1/events/stream"
        if after is not None:
            path += "?after=%d" % after
        self.c.request("GET", path, headers=h)
        self.r = self.c.getresponse()
        self.status = self.r.status
        self.ctype = self.r.getheader("Content-Type")
        self.text = []          # every line, for the privacy checks

    def next(self):
        """(id, event) of the next event; EOFError when the stream ends."""
        ev_id = data = None
        while True:
            line = self.r.readline()
            if not line:
                raise EOFError
            line = line.decode("utf-8").rstrip("\n")
            self.text.append(line)
            if line == "":
                if data is not None:
                    return ev_id, json.loads(data)
                continue
            if line.startswith(":"):
                continue
            key, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if key == "id":
                ev_id = int(value)
            elif key == "data":
                data = value

    def take(self, n):
        return [self.next() for _ in range(n)]

    def close(self):
        self.c.close()


class Receiver(http.server.BaseHTTPRequestHandler):
    """A webhook receiver: fails the first `fail` deliveries with 500."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        srv = self.server
        with srv.lock:
            srv.hits.append((time.monotonic(), dict(self.headers), body))
            code = 500 if len(srv.hits) <= srv.fail else 200
            if code == 200:
                srv.delivered.append(body)
            srv.cv.notify_all()
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def receiver(fail=0, port=0):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Receiver)
    srv.fail = fail
    srv.hits, srv.delivered = [], []
    srv.lock = threading.Lock()
    srv.cv = threading.Condition(srv.lock)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def stop(srv):
    srv.shutdown()
    srv.server_close()


def wait_for(srv, pred, timeout=30):
    with srv.cv:
        if not srv.cv.wait_for(lambda: pred(srv), timeout):
            raise AssertionError("receiver: nothing after %ds (%d hits)"
                                 % (timeout, len(srv.hits)))


class NotifyCase(DaemonCase):
    def setUp(self):
        super().setUp()
        d = self.d
        self.assertEqual(d.post("/v1/referents", REFERENT).status, 201)
        self.assertEqual(d.post("/v1/referents", dict(
            REFERENT, name="Paul Roux", email="p.roux@ml.example")).status, 201)
        self.assertEqual(d.post("/v1/companies", COMPANY).status, 201)
        self.assertEqual(d.post("/v1/companies", dict(
            COMPANY, siret="35600000000010", name="Autre SA")).status, 201)

    def token(self, **kw):
        r = self.d.post("/v1/tokens", kw)
        self.assertEqual(r.status, 201, r)
        return r.body["token"]

    def candidate(self, name, referent=1, **kw):
        r = self.d.post("/v1/candidates", cand(
            name, referent_id=referent, publics=["rsa", "rqth", "justice"],
            qpv=True, **kw))
        self.assertEqual(r.status, 201, r)
        return r.body["id"]

    def hire(self, company_id=1):
        """Offer, proposal, meeting, hire, one appointment done."""
        r = self.d.post("/v1/offers", dict(OFFER, owner=CM,
                                           company_id=company_id))
        self.assertEqual(r.status, 201, r)
        p = self.d.post("/v1/offers/%d/proposal" % r.body["id"]
                        ).body["proposal"]
        u = "/v1/proposals/%d/" % p["id"]
        self.assertEqual(self.d.post(u + "meeting", {"meeting": {
            "at": "2026-12-02T10:00", "place": "atelier"}}).status, 200)
        self.assertEqual(self.d.post(u + "hire", {
            "start_on": "2026-11-02"}).status, 200)
        fu = self.d.get("/v1/followups?candidate_id=%d" % p["candidate_id"]
                        ).body["items"]
        self.assertEqual(self.d.post("/v1/followups/%d/done" % fu[0]["id"], {
            "assessment": "at_risk", "note": "suivi RSA, RQTH"}).status, 200)
        return p

    def log(self):
        """The whole event log, as an admin reads it."""
        items, cursor = [], 0
        while True:
            r = self.d.get("/v1/events?limit=1000&after=%d" % cursor)
            items += r.body["items"]
            if not r.body["next_cursor"]:
                return items
            cursor = int(r.body["next_cursor"])


class Streams(NotifyCase):
    def test_every_event_once_in_order_across_reconnects_and_a_restart(self):
        got = []
        self.candidate("Alice")
        s = Stream(self.d, after=0)
        self.assertEqual(s.status, 200)
        self.assertTrue(s.ctype.startswith("text/event-stream"), s.ctype)
        n = len(self.log())
        got += s.take(n)                        # the replay
        self.candidate("Binta")                 # live
        got += s.take(1)
        s.close()
        self.candidate("Chloé")                 # while away
        self.candidate("Dylan")
        s = Stream(self.d, last_id=got[-1][0])  # resume
        got += s.take(2)
        self.hire()
        got += s.take(len(self.log()) - len(got))
        # A restart ends the stream; the log is durable, nothing is lost.
        self.d.stop()
        with self.assertRaises(EOFError):
            s.next()
        s.close()
        self.d.start()                          # (the reminders run)
        self.candidate("Emma")                  # before the reader is back
        s = Stream(self.d, last_id=got[-1][0])
        got += s.take(len(self.log()) - len(got))
        self.candidate("Fanny")
        got += s.take(1)
        s.close()
        log = self.log()
        self.assertEqual([i for i, _ in got], [e["seq"] for e in log])
        self.assertEqual([e for _, e in got], log)
        # ?after= is the same as Last-Event-ID; without either, from now.
        s = Stream(self.d, after=log[-3]["seq"])
        self.assertEqual([e for _, e in s.take(2)], log[-2:])
        s.close()
        s = Stream(self.d)
        self.candidate("Gaëlle")
        self.assertEqual(s.next()[1], self.log()[-1])
        s.close()
        self.assertError(self.d.get("/v1/events/stream?after=x"), 400,
                         field="after")
        self.assertError(self.d.get("/v1/events/stream", headers={
            "Last-Event-ID": "-1"}), 400, field="Last-Event-ID")
        self.assertEqual(self.d.get("/v1/events/stream", token=None).status,
                         401)

    def test_a_referent_sees_only_their_candidates(self):
        a = self.candidate("Alice", referent=1)
        b = self.candidate("Bruno", referent=2)
        ref1 = self.token(role="referent", referent_id=1)
        s = Stream(self.d, token=ref1, after=0)
        self.hire()                              # Alice: the best score
        self.assertEqual(self.d.get("/v1/candidates/%d" % a).body["status"],
                         "placed")
        self.d.put("/v1/candidates/%d" % b, cand(
            "Bruno", referent_id=2, commune="69266"))
        self.candidate("Chris", referent=2)
        mine = [e for e in self.log()
                if (e["data"] or {}).get("referent_id") == 1]
        got = s.take(len(mine))
        self.assertEqual([e for _, e in got], mine)
        types = {e["type"] for e in mine}
        self.assertTrue({"candidate.created", "proposal.created",
                         "proposal.meeting_scheduled", "proposal.hired",
                         "placement.created", "followup.done",
                         "followup.at_risk"} <= types, types)
        # The next thing the referent hears of is theirs again, and
        # nothing of Bruno's or Chris's came in between.
        self.candidate("Dora", referent=1)
        seq, ev = s.next()
        self.assertEqual((ev["type"], ev["data"]["referent_id"]),
                         ("candidate.created", 1))
        self.assertEqual(seq, self.log()[-1]["seq"])
        s.close()
        text = "\n".join(s.text)
        self.assertNotIn('"referent_id":2', text)
        self.assertNotIn('"candidate_id":%d' % b, text)

    def test_a_company_sees_its_offers_without_social_category(self):
        self.candidate("Alice")
        tok = self.token(role="company", company_id=1)
        other = self.token(role="company", company_id=2)
        s = Stream(self.d, token=tok, after=0)
        o = Stream(self.d, token=other, after=0)
        self.hire(company_id=1)
        mine = [e for e in self.log() if e["entity"] in (
            "offer", "proposal", "placement") and
            (e["data"] or {}).get("company_id") == 1]
        got = [e for _, e in s.take(len(mine))]
        self.assertEqual([e["seq"] for e in got], [e["seq"] for e in mine])
        self.assertEqual([e["type"] for e in got], [
            "offer.created", "proposal.created",
            "proposal.meeting_scheduled", "proposal.hired", "offer.updated",
            "placement.created"])
        for e in got:
            self.assertLessEqual(set(e["data"]), NOCV, e)
        text = "\n".join(s.text).lower()
        for word in ("rsa", "rqth", "justice", "qpv", "referent", "score",
                     "at_risk", "assessment", "note", "last_name", "birth"):
            self.assertNotIn(word, text)
        # The other company hears nothing of it.
        self.d.post("/v1/offers", dict(OFFER, company_id=2))
        seq, ev = o.next()
        self.assertEqual((ev["type"], ev["data"]["company_id"]),
                         ("offer.created", 2))
        s.close()
        o.close()

    def rss_kb(self):
        with open("/proc/%d/status" % self.d.proc.pid) as f:
            return [int(line.split()[1]) for line in f
                    if line.startswith("VmRSS")][0]

    def test_readers_that_do_not_read_hold_no_more_than_their_place(self):
        # More frames than the kernel's socket buffers take in (loopback
        # grows them to tcp_wmem's maximum): the rest is the daemon's to
        # hold, or not.
        with open("/proc/sys/net/ipv4/tcp_wmem") as f:
            wmem = int(f.read().split()[2])
        batches = min(20, (wmem + (3 << 20)) // (4000 * 190) + 1)
        for _ in range(batches):
            r = self.d.post("/v1/candidates:batch",
                            [cand("P%d" % i) for i in range(4000)])
            self.assertEqual(len(r.body["created"]), 4000)
        n = len(self.log())
        self.d.get("/v1/events?after=%d&limit=1000" % (n - 1000))
        rss = self.rss_kb()
        # 24 readers that take nothing in.
        slow = [Stream(self.d, after=0, rcvbuf=4096) for _ in range(24)]
        # While they sleep, the daemon serves the others at once.
        t0 = time.monotonic()
        for _ in range(20):
            self.assertEqual(self.d.get("/healthz").status, 200)
        self.candidate("Late")
        self.assertLess(time.monotonic() - t0, 5)
        grown = self.rss_kb() - rss
        # Then one reads everything, in order, once.
        got = slow[0].take(n + 1)
        self.assertEqual([i for i, _ in got], list(range(1, n + 2)))
        for s in slow:
            s.close()
        # 24 x 64 kB at most, with what the readers cost; not their 3 MB
        # each.  (ASan's heap keeps what is freed: no measure there.)
        if "san" not in os.environ.get("IOD_BUILD", ""):
            self.assertLess(grown, 16 * 1024, "the daemon grew %d kB" % grown)


class Webhooks(NotifyCase):
    def hook(self, port, secret="s3cr3t-of-at-least-16", **kw):
        body = dict({"url": "http://127.0.0.1:%d/iod/events?src=test" % port,
                     "secret": secret}, **kw)
        r = self.d.post("/v1/webhooks", body)
        self.assertEqual(r.status, 201, r)
        self.assertNotIn("secret", r.body)
        return r.body

    def test_signed_retried_until_accepted_and_durable(self):
        rcv = receiver(fail=3)
        self.addCleanup(stop, rcv)
        secret = "s3cr3t-of-at-least-16"
        wh = self.hook(rcv.server_port, secret, role="referent",
                       referent_id=1)
        # Oriented days ago: no stall for the restart to announce.
        self.candidate("Bruno", referent=2,     # not for this scope
                       oriented_on="2026-11-20")
        self.candidate("Alice", referent=1, oriented_on="2026-11-20")
        seq = self.log()[-1]["seq"]
        wait_for(rcv, lambda s: len(s.delivered) == 1, timeout=30)
        self.assertEqual(len(rcv.hits), 4)
        times = [t for t, _, _ in rcv.hits]
        gaps = [b - a for a, b in zip(times, times[1:])]
        for gap, want in zip(gaps, (1, 2, 4)):   # exponential backoff
            self.assertGreater(gap, want - 0.2, gaps)
            self.assertLess(gap, want + 1.5, gaps)
        for _, headers, body in rcv.hits:       # the same event each time
            self.assertRegex(headers["X-IOD-Delivery"],
                             r"^[0-9a-f]{32}-%d$" % seq)
            self.assertEqual(headers["X-IOD-Event"], "candidate.created")
            self.assertEqual(headers["Content-Type"], "application/json")
            mac = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            self.assertEqual(headers["X-IOD-Signature"], "sha256=" + mac)
        ev = json.loads(rcv.delivered[0])
        self.assertEqual(ev, self.log()[-1])
        self.assertEqual(ev["data"]["referent_id"], 1)
        # The cursor is stored once accepted, and survives a restart: the
        # next delivery is the next event, not the same one again.
        for _ in range(100):
            got = self.d.get("/v1/webhooks/%d" % wh["id"]).body
            if got["cursor"] == seq:
                break
        self.assertEqual((got["cursor"], got["failures"], got["last_status"]),
                         (seq, 0, 200))
        self.d.stop()
        self.d.start()
        self.assertEqual(self.d.get("/v1/webhooks/%d" % wh["id"])
                         .body["cursor"], seq)
        self.candidate("Amina", referent=1)
        wait_for(rcv, lambda s: len(s.delivered) == 2)
        self.assertEqual(len(rcv.hits), 5)
        self.assertEqual(json.loads(rcv.delivered[1])["seq"],
                         self.log()[-1]["seq"])

    def test_a_receiver_down_across_a_restart_loses_nothing(self):
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()                           # nobody listens there
        self.hook(port, role="iod", subject=CM)
        self.candidate("Alice")
        self.hire()
        want = [e for e in self.log() if (e["data"] or {}).get("owner") == CM]
        self.assertGreater(len(want), 5)
        self.d.stop()
        rcv = receiver(port=port)
        self.addCleanup(stop, rcv)
        self.d.start()
        wait_for(rcv, lambda s: len(s.delivered) == len(want))
        self.assertEqual([json.loads(b) for b in rcv.delivered], want)

    def test_a_webhook_acts_for_a_token(self):
        rcv = receiver()
        self.addCleanup(stop, rcv)
        r = self.d.post("/v1/tokens", {"role": "company", "company_id": 1})
        tid = r.body["id"]
        self.hook(rcv.server_port, token_id=tid)
        self.candidate("Alice")
        self.hire(company_id=1)
        wait_for(rcv, lambda s: len(s.delivered) == 6)
        got = [json.loads(b) for b in rcv.delivered]
        self.assertEqual([e["type"] for e in got], [
            "offer.created", "proposal.created", "proposal.meeting_scheduled",
            "proposal.hired", "offer.updated", "placement.created"])
        for e in got:                           # the company's view
            self.assertLessEqual(set(e["data"]), NOCV, e)
        # Revoked: it stops.  (Another webhook, further in the queue, shows
        # that the event went out.)
        self.assertEqual(self.d.delete("/v1/tokens/%d" % tid).status, 204)
        rcv2 = receiver()
        self.addCleanup(stop, rcv2)
        self.hook(rcv2.server_port, role="company", company_id=1)
        self.d.post("/v1/offers", dict(OFFER, company_id=1))
        wait_for(rcv2, lambda s: len(s.delivered) == 1)
        self.d.get("/healthz")
        self.assertEqual(len(rcv.hits), 6)

    def test_what_is_refused(self):
        base = {"secret": "s3cr3t-of-at-least-16", "role": "admin"}
        cases = [
            ({"url": "https://127.0.0.1:9/x"}, "url", "http://"),
            ({"url": "ftp://127.0.0.1/x"}, "url", "http://"),
            ({"url": "not a url"}, "url", None),
            ({"url": "http://user:pw@127.0.0.1:9/x"}, "url", "user"),
            ({"url": "http://127.0.0.1:9/x", "secret": "short"}, "secret",
             None),
            ({"url": "http://127.0.0.1:9/x", "role": None}, "role", None),
            ({"url": "http://127.0.0.1:9/x", "role": "referent"},
             "referent_id", None),
            ({"url": "http://127.0.0.1:9/x", "role": "referent",
              "referent_id": 99}, "referent_id", None),
            ({"url": "http://127.0.0.1:9/x", "role": "iod"}, "subject", None),
            ({"url": "http://127.0.0.1:9/x", "role": "auditor"}, "role",
             None),
            ({"url": "http://127.0.0.1:9/x", "token_id": 99, "role": None},
             "token_id", None),
            ({"url": "http://127.0.0.1:9/x", "colour": "red"}, "colour",
             None),
        ]
        for extra, field, text in cases:
            body = {k: v for k, v in dict(base, **extra).items()
                    if v is not None}
            self.assertError(self.d.post("/v1/webhooks", body), 400,
                             field=field, contains=text)
        iod = self.token(role="iod", subject=CM)
        self.assertEqual(self.d.post("/v1/webhooks", dict(
            base, url="http://127.0.0.1:9/x"), token=iod).status, 403)
        wh = self.d.post("/v1/webhooks", dict(base, url="http://127.0.0.1:9/x"))
        self.assertEqual(wh.status, 201)
        self.assertEqual(len(self.d.get("/v1/webhooks").body["items"]), 1)
        self.assertEqual(self.d.delete("/v1/webhooks/%d" % wh.body["id"])
                         .status, 204)
        self.assertError(self.d.get("/v1/webhooks/%d" % wh.body["id"]), 404)


if __name__ == "__main__":
    unittest.main()
