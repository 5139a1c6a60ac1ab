"""Webhooks against receivers and stores that misbehave: a receiver that
closes the connection after each reply (HTTP/1.0, `Connection: close`, a
body ended by the close, or a kept-alive connection closed without a word)
gets every event at once, in order, signed, with no warning in the log; a
daemon started from a restored backup gives delivery ids that never collide
with the live daemon's, and holds its webhooks paused until an admin
resumes them."""
import hashlib
import hmac
import http.server
import json
import os
import re
import shutil
import tempfile
import threading
import time
import unittest

from iodtest import ADMIN, Daemon, DaemonCase
from test_api import REFERENT
from test_matcher import cand

SECRET = "s3cr3t-of-at-least-16"
N = 50


class Receiver(http.server.BaseHTTPRequestHandler):
    """Records each delivery; how it answers is the subclass's business."""
    protocol_version = "HTTP/1.0"

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        srv = self.server
        with srv.cv:
            srv.got.append((dict(self.headers), body))
            srv.cv.notify_all()
        self.answer()

    def answer(self):
        """HTTP/1.0, no Content-Length: the body ends with the close."""
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok\n")

    def log_message(self, *args):
        pass


class Http10WithLength(Receiver):
    def answer(self):
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


class SaysClose(Receiver):
    protocol_version = "HTTP/1.1"

    def answer(self):
        self.send_response(200)
        self.send_header("Connection", "close")
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")


class ClosesSilently(Receiver):
    """HTTP/1.1 that looks kept alive, and closes all the same."""
    protocol_version = "HTTP/1.1"

    def answer(self):
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
        self.close_connection = True


def receiver(handler=Receiver):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.got = []
    srv.cv = threading.Condition()
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def stop(srv):
    srv.shutdown()
    srv.server_close()


def wait_for(srv, n, timeout):
    """Wait until srv has n deliveries; False after timeout seconds."""
    with srv.cv:
        return srv.cv.wait_for(lambda: len(srv.got) >= n, timeout)


def warnings(d):
    return [l for l in d.log if "level=warn" in l and "webhook" in l]


class HookCase(DaemonCase):
    def setUp(self):
        super().setUp()
        self.assertEqual(self.d.post("/v1/referents", REFERENT).status, 201)

    def hook(self, srv, d=None):
        r = (d or self.d).post("/v1/webhooks", {
            "url": "http://127.0.0.1:%d/hook" % srv.server_port,
            "secret": SECRET, "role": "admin"})
        self.assertEqual(r.status, 201, r)
        return r.body

    def candidates(self, n, d=None, tag="c"):
        """n candidates in one batch: n events at once; their seqs.
        Oriented days ago: no stall for a start to announce."""
        d = d or self.d
        r = d.post("/v1/candidates:batch", [
            cand("%s%d" % (tag, i), referent_id=1, oriented_on="2026-11-20")
            for i in range(n)])
        self.assertIn(r.status, (200, 201), r)
        ev = d.get("/v1/events?limit=1000&after=0").body["items"]
        return [e["seq"] for e in ev if e["type"] == "candidate.created"][-n:]

    def check_signed(self, got):
        for headers, body in got:
            mac = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            self.assertEqual(headers["X-IOD-Signature"], "sha256=" + mac)


class ClosingReceivers(HookCase):
    def test_a_receiver_that_closes_after_each_reply_gets_all_at_once(self):
        for handler in (Receiver, Http10WithLength, SaysClose,
                        ClosesSilently):
            with self.subTest(receiver=handler.__name__):
                srv = receiver(handler)
                self.addCleanup(stop, srv)
                wh = self.hook(srv)
                before = len(warnings(self.d))
                t0 = time.monotonic()
                seqs = self.candidates(N, tag=handler.__name__)
                # One a second (a failure, a backoff) would take 50 s.
                self.assertTrue(wait_for(srv, N, 10), "%d of %d delivered "
                                "in 10 s" % (len(srv.got), N))
                took = time.monotonic() - t0
                got = srv.got[:N]
                self.assertEqual([json.loads(b)["seq"] for _, b in got],
                                 seqs)          # all, once, in order
                self.check_signed(got)
                ids = [h["X-IOD-Delivery"] for h, _ in got]
                self.assertEqual(len(set(ids)), N)
                self.assertEqual(warnings(self.d)[before:], [])
                self.assertLess(took, 10)
                self.assertEqual(self.d.delete("/v1/webhooks/%d" % wh["id"])
                                 .status, 204)



class RestoredStore(HookCase):
    def test_a_restored_copy_holds_its_webhooks_and_never_reuses_an_id(self):
        a = self.d
        rcv = receiver(Http10WithLength)
        self.addCleanup(stop, rcv)
        wh = self.hook(rcv)
        before = self.candidates(3, tag="before")
        self.assertTrue(wait_for(rcv, 3, 10))
        for _ in range(100):                    # the cursor is stored
            if a.get("/v1/webhooks/%d" % wh["id"]).body["cursor"] == \
                    before[-1]:
                break
            time.sleep(0.02)
        # A backup, restored into a fresh data directory.
        r = a.get("/v1/backup")
        self.assertEqual(r.status, 200)
        tmp = tempfile.mkdtemp(prefix="iodrestored-")
        self.addCleanup(shutil.rmtree, tmp, True)
        os.mkdir(os.path.join(tmp, "data"))
        with open(os.path.join(tmp, "data", "data.mdb"), "wb") as f:
            f.write(r.raw)
        # The live daemon goes on: events after the backup.
        after = self.candidates(3, tag="after")
        self.assertTrue(wait_for(rcv, 6, 10))
        live = {h["X-IOD-Delivery"]: json.loads(b) for h, b in rcv.got}
        self.assertEqual(len(live), 6)
        b = Daemon(data=os.path.join(tmp, "data")).start()
        self.addCleanup(b.cleanup)
        # While paused, nothing leaves for it: a webhook made on the copy
        # (not paused) shows that the copy's new events went out.
        witness = receiver()
        self.addCleanup(stop, witness)
        self.hook(witness, b)
        mine = self.candidates(2, d=b, tag="copy")
        self.assertTrue(wait_for(witness, 2, 10))
        self.assertEqual(set(mine) & set(after), set(mine))  # seqs reused
        self.assertEqual([h["X-IOD-Delivery"] for h, _ in rcv.got[6:]], [])
        self.assertIs(a.get("/v1/webhooks/%d" % wh["id"]).body.get("paused"),
                      False)
        got = b.get("/v1/webhooks/%d" % wh["id"]).body
        self.assertIs(got.get("paused"), True, got)
        self.assertIn("restored", got["paused_reason"])
        self.assertTrue([l for l in b.log if "level=warn" in l and
                         "paused" in l], "".join(b.log))
        # Only an admin resumes it; a bad cursor is named.
        iod = b.post("/v1/tokens", {"role": "iod", "subject": "cm-x"})
        u = "/v1/webhooks/%d/resume" % wh["id"]
        self.assertEqual(b.post(u, {}, token=iod.body["token"]).status, 403)
        self.assertError(b.post(u, {"cursor": "x"}), 400, field="cursor")
        self.assertError(b.post(u, {"cursor": 10 ** 9}), 400, field="cursor")
        self.assertError(b.post(u, {"colour": 1}), 400, field="colour")
        # Resumed from the second event before the backup: the third is
        # sent again under the id the live daemon gave it, then the copy's
        # own events under ids the live daemon never used.
        r = b.post(u, {"cursor": before[1]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.body["paused"], r.body["cursor"]),
                         (False, before[1]))
        self.assertTrue(wait_for(rcv, 6 + 1 + 4, 10), len(rcv.got))
        # (after the third: webhook.created, 2 candidates, webhook.resumed)
        again = rcv.got[6:]
        ids = [h["X-IOD-Delivery"] for h, _ in again]
        self.assertEqual(json.loads(again[0][1])["seq"], before[2])
        self.assertIn(ids[0], live)
        self.assertEqual(live[ids[0]], json.loads(again[0][1]))
        for (h, body), i in zip(again[1:], ids[1:]):
            self.assertNotIn(i, live, (i, json.loads(body)))
        self.assertEqual(len(set(ids)), len(ids))
        self.check_signed(again)
        # Resumed for good: a restart of the copy does not pause it again.
        b.stop()
        b.start()
        self.assertIs(b.get("/v1/webhooks/%d" % wh["id"]).body["paused"],
                      False)
        self.assertEqual(b.post(u, {"cursor": 1}).status, 409)


if __name__ == "__main__":
    unittest.main()
