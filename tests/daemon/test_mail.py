"""E-mail to référents through an SMTP relay (a local aiosmtpd sink): one
French mail per event of their candidates' path, with a first name and an
initial and a link to the console, and nothing private; each account's
preferences (types, immediate or the day's digest); a relay that is down
or that refuses delays mail without losing it or slowing the daemon, and
mail pending survives a restart.  Webhooks and event streams choose their
event types too.

The relay here speaks plain SMTP (with `tls: optional` libcurl uses
STARTTLS only when the relay offers it, which this sink does not), or,
for `tls: required`, STARTTLS with a certificate made for the test and
trusted through `ca_file`.  Erasing a person takes the mail queued about
them out of the outbox and the digests."""
import email
import email.policy
import http.client
import json
import logging
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

from aiosmtpd.controller import Controller

from iodtest import ADMIN, ROOT, Daemon
from test_accounts import PASSWORD, cookie_of
from test_api import COMPANY, REFERENT
from test_matcher import OFFER, cand
from test_notify import Stream, receiver, stop, wait_for

CONSOLE = "https://iod.example/console/"
NADIA = "nadia@allies.example"
# Words of what a mail must never carry (the candidate's last name, her
# publics, the team's notes, the score).
PRIVATE = ["diallo", "rqth", "rsa", "justice", "qpv", "score", "note",
           "confidentiel", "handicap"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Sink:
    """An SMTP relay on a fixed port that can go down and come back, or
    answer every message with `reply` instead of 250."""

    def __init__(self, port=None, reply=None, tls=None):
        self.port = port or free_port()
        self.reply = reply
        self.tls = tls          # (cert, key): STARTTLS, and nothing before
        self.mails = []
        self.over_tls = []
        self.cv = threading.Condition()
        self.ctl = None

    def start(self):
        kw = {}
        if self.tls is not None:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(*self.tls)
            kw = {"tls_context": ctx, "require_starttls": True}
        self.ctl = Controller(self, hostname="127.0.0.1", port=self.port,
                              **kw)
        self.ctl.start()
        return self

    def stop(self):
        if self.ctl is not None:
            self.ctl.stop()
            self.ctl = None

    async def handle_DATA(self, server, session, envelope):
        if self.reply is not None:
            return self.reply
        msg = email.message_from_bytes(envelope.original_content,
                                       policy=email.policy.default)
        with self.cv:
            self.over_tls.append(session.ssl is not None)
            self.mails.append((envelope.rcpt_tos, msg,
                               envelope.original_content))
            self.cv.notify_all()
        return "250 OK"

    def wait(self, n, timeout=40):
        with self.cv:
            if not self.cv.wait_for(lambda: len(self.mails) >= n, timeout):
                raise AssertionError("sink: %d mails after %ds, not %d"
                                     % (len(self.mails), timeout, n))
            return list(self.mails)


def mail_config(port, **kw):
    """etc/iod.yaml with an smtp section for the sink's port."""
    smtp = {"url": "smtp://127.0.0.1:%d" % port, "from": "iod@plie.example",
            "tls": "optional", "console_url": CONSOLE, "digest_at": "23:59",
            "timeout_s": 3}
    smtp.update(kw)
    with open(os.path.join(ROOT, "etc", "iod.yaml")) as f:
        text = f.read()
    text += "\nsmtp:\n" + "".join(
        "  %s: %s\n" % (k, json.dumps(v)) for k, v in smtp.items())
    fd, path = tempfile.mkstemp(suffix=".yaml")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


def open_stream(d, query):
    """A Stream of GET /v1/events/stream?QUERY, as an admin."""
    s = Stream.__new__(Stream)
    s.c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=20)
    s.c.request("GET", "/v1/events/stream?" + query,
                headers={"Authorization": "Bearer " + ADMIN})
    s.r = s.c.getresponse()
    s.status = s.r.status
    s.text = []
    return s


def eventually(pred, timeout=40, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = pred()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError("not after %ds: %s" % (timeout, what))


class MailCase(unittest.TestCase):
    SINK_UP = True
    SINK_TLS = False    # the sink offers STARTTLS, and requires it
    SMTP = {}           # more of the smtp section

    def setUp(self):
        self.sink = Sink(tls=self.cert() if self.SINK_TLS else None)
        self.addCleanup(self.sink.stop)
        if self.SINK_UP:
            self.sink.start()
        self.conf = mail_config(self.sink.port, **self.smtp())
        self.addCleanup(os.unlink, self.conf)
        self.d = Daemon(args=["--config", self.conf]).start()
        self.addCleanup(lambda: self.d.cleanup())
        d = self.d
        self.assertEqual(d.post("/v1/referents", REFERENT).status, 201)
        self.assertEqual(d.post("/v1/referents", dict(
            REFERENT, name="Paul Roux", email="p.roux@ml.example")).status,
            201)
        self.assertEqual(d.post("/v1/companies", COMPANY).status, 201)
        r = d.post("/v1/accounts", {
            "login": "n.benali", "password": PASSWORD, "role": "referent",
            "referent_id": 1, "email": NADIA})
        self.assertEqual(r.status, 201, r)
        self.account = r.body["id"]

    def smtp(self):
        return dict(self.SMTP)

    @classmethod
    def cert(cls):
        """A self-signed certificate for 127.0.0.1: (cert, key)."""
        if getattr(cls, "_cert", None) is None:
            tmp = tempfile.mkdtemp(prefix="iodsmtp-")
            cert, key = (os.path.join(tmp, "c.pem"),
                         os.path.join(tmp, "k.pem"))
            subprocess.run(["openssl", "req", "-x509", "-newkey",
                            "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                            "-addext", "subjectAltName=IP:127.0.0.1",
                            "-days", "1", "-keyout", key, "-out", cert],
                           check=True, capture_output=True)
            cls._cert = (cert, key)
            cls._tmp = tmp
        return cls._cert

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "_tmp", None) is not None:
            shutil.rmtree(cls._tmp, ignore_errors=True)
            cls._cert = cls._tmp = None

    def restart(self, **env):
        self.d.stop()
        self.d.env.update(env)
        self.d.start()

    def candidate(self, name="Amina", referent=1, **kw):
        r = self.d.post("/v1/candidates", cand(
            name, referent_id=referent, last_name="Diallo",
            publics=["rsa", "rqth", "justice"], qpv=True,
            oriented_on="2026-11-20", **kw))
        self.assertEqual(r.status, 201, r)
        return r.body["id"]

    def propose(self, title="Agent de propreté"):
        r = self.d.post("/v1/offers", dict(OFFER, owner="cm-martin",
                                           title=title))
        self.assertEqual(r.status, 201, r)
        r = self.d.post("/v1/offers/%d/proposal" % r.body["id"])
        self.assertIn(r.status, (200, 201), r)
        return r.body["proposal"]

    def erase(self, cid, proposals):
        """Withdraw cid's open proposals (no mail), then erase them."""
        for p in proposals:
            if p["candidate_id"] == cid:
                r = self.d.post("/v1/proposals/%d/withdraw" % p["id"],
                                {"reason": "à sa demande"})
                self.assertEqual(r.status, 200, r)
        r = self.d.delete("/v1/candidates/%d" % cid)
        self.assertEqual(r.status, 204, r)

    def outbox(self):
        r = self.d.get("/v1/outbox")
        self.assertEqual(r.status, 200, r)
        return r.body

    def metric(self, name):
        r = self.d.request("GET", "/metrics")
        for line in r.raw.decode().split("\n"):
            if line.startswith(name + " "):
                return float(line.split()[1])
        raise AssertionError("no metric " + name)


class Mail(MailCase):
    def test_a_proposal_mails_the_referent_in_french_and_nothing_private(
            self):
        cid = self.candidate()
        self.propose()
        (to, msg, raw), = self.sink.wait(1)
        self.assertEqual(to, [NADIA])
        self.assertEqual(msg.get_content_type(), "text/plain")
        self.assertEqual(msg.get_content_charset(), "utf-8")
        self.assertEqual(msg["Content-Transfer-Encoding"], "quoted-printable")
        self.assertEqual(msg["From"], "iod@plie.example")
        self.assertEqual(msg["Subject"], "iod — Nouvelle proposition : "
                                         "Amina D.")
        body = msg.get_content()
        self.assertIn("Bonjour", body)
        self.assertIn("Amina D. a été proposé(e) sur une offre : « Agent de "
                      "propreté » chez Propreté Rhône Services.", body)
        self.assertIn(CONSOLE + "#/candidats/%d" % cid, body)
        whole = (str(msg["Subject"]) + body).lower()
        for word in PRIVATE:
            self.assertNotIn(word, whole)
        self.assertNotIn(b"Diallo", raw)
        # One mail: the referent record's own address is not written to
        # when an account of hers has one.
        time.sleep(1.5)
        self.assertEqual(len(self.sink.mails), 1)
        self.assertEqual(self.outbox()["items"], [])
        self.assertEqual(self.metric("iod_mail_sent_total"), 1)

    def test_a_referent_without_account_is_written_at_the_record_address(
            self):
        self.candidate("Bruno", referent=2)
        self.propose()
        (to, msg, _), = self.sink.wait(1)
        self.assertEqual(to, ["p.roux@ml.example"])
        self.assertIn("Bruno D.", msg["Subject"])

    def test_types_chosen_by_the_account(self):
        u = "/v1/accounts/%d/notifications" % self.account
        self.assertEqual(self.d.get(u).body, {
            "email": True, "mode": "immediate", "has_address": True,
            "types": ["proposal.created", "proposal.meeting_scheduled",
                      "proposal.hired", "proposal.refused",
                      "proposal.declined", "proposal.no_show",
                      "followup.at_risk", "placement.ended",
                      "candidate.stalled"]})
        r = self.d.put(u, {"types": ["proposal.hired"]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["types"], ["proposal.hired"])
        self.assertEqual(self.d.get("/v1/accounts/%d" % self.account)
                         .body["notifications"]["types"], ["proposal.hired"])
        self.candidate()
        p = self.propose()
        url = "/v1/proposals/%d/" % p["id"]
        self.assertEqual(self.d.post(url + "meeting", {"meeting": {
            "at": "2026-12-02T10:00", "place": "atelier"}}).status, 200)
        self.assertEqual(self.d.post(url + "hire", {
            "start_on": "2026-11-02"}).status, 200)
        # In the log's order: once the hiring is mailed, the proposal and
        # the meeting were passed over.
        (to, msg, _), = self.sink.wait(1)
        self.assertEqual(msg["Subject"], "iod — Embauche : Amina D.")
        time.sleep(1)
        self.assertEqual(len(self.sink.mails), 1)
        # E-mail off: nothing more.
        self.assertEqual(self.d.put(u, {"email": False}).status, 200)
        self.candidate("Chloé")
        self.propose("Laveur de vitres")
        time.sleep(2)
        self.assertEqual(len(self.sink.mails), 1)

    def test_preferences_are_checked_and_ones_own(self):
        u = "/v1/accounts/%d/notifications" % self.account
        r = self.d.put(u, {"types": ["company.created"]})
        self.assertEqual(r.status, 400, r)
        self.assertTrue(r.error()["field"].startswith("notifications.types"),
                        r)
        r = self.d.put(u, {"mode": "weekly"})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.error()["field"], "notifications.mode")
        self.assertEqual(self.d.put("/v1/accounts/99/notifications",
                                    {}).status, 404)
        # A bearer token is no one's account.
        self.assertEqual(self.d.get("/v1/session/notifications").status, 404)
        r = self.d.post("/v1/session", {"login": "n.benali",
                                        "password": PASSWORD}, token=None)
        secret, _ = cookie_of(r)
        h = {"Cookie": "iod_session=" + secret,
             "X-CSRF-Token": r.body["csrf"]}
        r = self.d.request("PUT", "/v1/session/notifications",
                           {"mode": "daily"}, token=None, headers=h)
        self.assertEqual(r.status, 200, r)
        r = self.d.request("GET", "/v1/session/notifications", token=None,
                           headers=h)
        self.assertEqual(r.body["mode"], "daily")
        self.assertEqual(r.body["email"], True)

    def test_daily_digest_is_one_mail_when_its_hour_comes(self):
        u = "/v1/accounts/%d/notifications" % self.account
        self.assertEqual(self.d.put(u, {"mode": "daily"}).status, 200)
        self.candidate()
        self.candidate("Chloé")
        p = self.propose()
        self.propose("Laveur de vitres")
        self.assertEqual(self.d.post("/v1/proposals/%d/meeting" % p["id"], {
            "meeting": {"at": "2026-12-02T10:00", "place": "atelier"}})
            .status, 200)
        dig = eventually(lambda: [x for x in self.outbox()["digests"]
                                  if x["events"] == 3], what="a digest")
        self.assertEqual(dig[0]["to"], NADIA)
        self.assertEqual(dig[0]["due_on"], "2026-11-24")
        self.assertEqual(self.sink.mails, [])
        # The next day (digest_at 23:59 has passed): one mail for all.
        self.restart(IOD_TODAY="2026-11-25")
        (to, msg, _), = self.sink.wait(1)
        self.assertEqual(to, [NADIA])
        self.assertEqual(msg["Subject"], "iod — Résumé du jour : 3 "
                                         "événements")
        body = msg.get_content()
        self.assertEqual(body.count("\n- "), 3, body)
        self.assertIn("Un rendez-vous est fixé pour", body)
        self.assertEqual(body.count(CONSOLE + "#/candidats/"), 3)
        self.assertEqual(self.outbox()["digests"], [])
        time.sleep(1.5)
        self.assertEqual(len(self.sink.mails), 1)


class Relay(MailCase):
    SINK_UP = False

    def test_relay_down_then_up_nothing_lost_and_the_daemon_not_slowed(
            self):
        # A relay that takes the connection and never answers: the
        # sender waits (timeout_s 3), the daemon does not.
        hole = socket.socket()
        hole.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        hole.bind(("127.0.0.1", self.sink.port))
        hole.listen(8)
        self.candidate()
        self.candidate("Chloé")
        self.propose()
        self.propose("Laveur de vitres")
        eventually(lambda: self.outbox()["pending"] == 2, what="2 pending")
        worst = 0
        for _ in range(20):
            t0 = time.monotonic()
            self.assertEqual(self.d.get("/healthz").status, 200)
            worst = max(worst, time.monotonic() - t0)
            time.sleep(0.1)
        # A loop that waited on the relay would take its 3 s timeout.
        self.assertLess(worst, 1.5)
        hole.close()
        items = eventually(lambda: [x for x in self.outbox()["items"]
                                    if x["attempts"] >= 1],
                           what="a failed try")
        self.assertEqual(items[0]["state"], "pending")
        self.assertTrue(items[0]["last_error"])
        self.assertEqual(self.metric("iod_mail_pending"), 2)
        self.sink.start()
        mails = self.sink.wait(2)
        for m in mails:
            self.assertIn(m[1]["Subject"], [
                "iod — Nouvelle proposition : Amina D.",
                "iod — Nouvelle proposition : Chloé D."])
        eventually(lambda: self.outbox()["items"] == [], what="outbox empty")
        self.assertEqual(self.metric("iod_mail_pending"), 0)
        time.sleep(1)
        self.assertEqual(len(self.sink.mails), 2)

    def test_mail_pending_at_a_restart_is_sent_after(self):
        self.candidate()
        self.propose()
        eventually(lambda: [x for x in self.outbox()["items"]
                            if x["attempts"] >= 1], what="a failed try")
        self.d.stop()
        self.sink.start()
        self.d.start()
        (to, msg, _), = self.sink.wait(1)
        self.assertEqual(to, [NADIA])
        time.sleep(1.5)
        self.assertEqual(len(self.sink.mails), 1)

    def test_a_refusal_is_retried_then_kept_as_failed(self):
        self.sink.reply = "554 5.7.1 message refused"
        self.sink.start()
        self.candidate()
        self.propose()
        items = eventually(lambda: [x for x in self.outbox()["items"]
                                    if x["state"] == "failed"],
                           what="a failed mail")
        self.assertEqual(items[0]["attempts"], 3)
        self.assertIn("554", items[0]["last_error"])
        self.assertEqual(items[0]["to"], NADIA)
        self.assertEqual(self.metric("iod_mail_failed"), 1)
        self.assertEqual(self.metric("iod_mail_pending"), 0)


class Types(MailCase):
    def test_webhook_types(self):
        r = self.d.post("/v1/webhooks", {
            "url": "http://127.0.0.1:9/x", "secret": "s3cr3t-of-at-least-16",
            "role": "admin", "types": ["proposal.created", "nope.thing"]})
        self.assertEqual(r.status, 400, r)
        self.assertTrue(r.error()["field"].startswith("types"), r)
        rcv = receiver()
        self.addCleanup(stop, rcv)
        r = self.d.post("/v1/webhooks", {
            "url": "http://127.0.0.1:%d/x" % rcv.server_port,
            "secret": "s3cr3t-of-at-least-16", "role": "admin",
            "types": ["proposal.created", "offer.*"]})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["types"], ["proposal.created", "offer.*"])
        self.candidate()
        p = self.propose()
        self.assertEqual(self.d.post("/v1/proposals/%d/meeting" % p["id"], {
            "meeting": {"at": "2026-12-02T10:00", "place": "atelier"}})
            .status, 200)
        self.candidate("Chloé")
        self.propose("Laveur de vitres")
        seqs = [e["seq"] for e in self.d.get("/v1/events?limit=1000").body[
            "items"] if e["type"] == "proposal.created" or
            e["type"].startswith("offer.")]
        seqs = [q for q in seqs if q > r.body["cursor"]]
        self.assertGreaterEqual(len(seqs), 4)
        wait_for(rcv, lambda s: len(s.delivered) >= len(seqs))
        time.sleep(1)
        self.assertEqual([json.loads(b)["seq"] for b in rcv.delivered], seqs)

    def test_stream_types(self):
        r = self.d.get("/v1/events/stream?types=proposal.created,bogus")
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.error()["field"], "types")
        c = open_stream(self.d, "types=proposal.*,candidate.created")
        self.addCleanup(c.close)
        self.assertEqual(c.status, 200)
        self.candidate()
        p = self.propose()
        self.d.post("/v1/proposals/%d/meeting" % p["id"], {
            "meeting": {"at": "2026-12-02T10:00", "place": "atelier"}})
        got = [e["type"] for _, e in c.take(3)]
        self.assertEqual(got, ["candidate.created", "proposal.created",
                               "proposal.meeting_scheduled"])


def grep_data(d, word):
    """The files of the daemon's data directory (stopped) that hold word."""
    hits = []
    for fn in os.listdir(d.data):
        with open(os.path.join(d.data, fn), "rb") as f:
            if word.encode() in f.read():
                hits.append(fn)
    return hits


class Erasure(MailCase):
    SINK_UP = False
    NAME = "Zéphyrine"

    def test_erasure_takes_the_mail_about_the_person_out_of_the_queue(self):
        d = self.d
        # A second account of the same référent reads the day's digest.
        r = d.post("/v1/accounts", {
            "login": "m.daily", "password": PASSWORD, "role": "referent",
            "referent_id": 1, "email": "daily@allies.example"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(d.put("/v1/accounts/%d/notifications" %
                               r.body["id"], {"mode": "daily"}).status, 200)
        gone = self.candidate(self.NAME)
        self.candidate("Chloé")
        props = [self.propose(), self.propose("Laveur de vitres")]
        self.assertEqual(sorted(p["candidate_id"] for p in props),
                         sorted([gone, gone + 1]))
        box = eventually(lambda: (lambda b: b if b["pending"] == 2 and [
            x for x in b["digests"] if x["events"] == 2] else None)(
            self.outbox()), what="2 mails and a digest of 2")
        self.assertIn("iod — Nouvelle proposition : %s D." % self.NAME,
                      [x["subject"] for x in box["items"]])
        eventually(lambda: [x for x in self.outbox()["items"]
                            if x["attempts"] >= 1], what="a failed try")

        self.erase(gone, props)
        box = self.outbox()
        self.assertEqual(box["pending"], 1)
        self.assertEqual([x["subject"] for x in box["items"]],
                         ["iod — Nouvelle proposition : Chloé D."])
        self.assertEqual([x["events"] for x in box["digests"]], [1])
        # Nothing of their name in the store once it is compacted.
        self.assertEqual(d.stop(), 0)
        self.assertEqual(grep_data(d, self.NAME), [])

        # The relay back, and the next day for the digest: Chloé only.
        self.sink.start()
        d.env.update(IOD_TODAY="2026-11-25")
        d.start()
        mails = self.sink.wait(2)
        time.sleep(1.5)
        self.assertEqual(len(self.sink.mails), 2)
        self.assertEqual(sorted(m[1]["Subject"] for m in mails), [
            "iod — Nouvelle proposition : Chloé D.",
            "iod — Résumé du jour : 1 événement"])
        for _, msg, raw in mails:
            self.assertNotIn(self.NAME.encode(), raw)
            self.assertNotIn("/candidats/%d\n" % gone,
                             msg.get_content())
        self.assertEqual(self.outbox()["items"], [])


class ErasedBeforeTheCursor(MailCase):
    def test_events_of_a_person_erased_before_they_are_read_are_not_mailed(
            self):
        d = self.d
        # Mail off: the events wait in the log, behind the mail cursor.
        d.stop()
        args = d.args
        d.args = [a for a in args if a not in ("--config", self.conf)]
        d.start()
        gone = self.candidate("Zéphyrine")
        p = self.propose()
        self.assertEqual(p["candidate_id"], gone)
        self.erase(gone, [p])
        d.stop()
        d.args = args
        d.start()
        # The proposal's event is there for the mail cursor to read.
        self.assertIn(("proposal.created", p["id"]), [
            (e["type"], e["id"]) for e in
            d.get("/v1/events?limit=1000").body["items"]])
        self.candidate("Chloé")
        self.propose("Laveur de vitres")
        (to, msg, raw), = self.sink.wait(1)
        self.assertEqual(msg["Subject"],
                         "iod — Nouvelle proposition : Chloé D.")
        time.sleep(1.5)
        self.assertEqual(len(self.sink.mails), 1)
        self.assertEqual(self.outbox()["items"], [])


class Starttls(MailCase):
    SINK_TLS = True

    def smtp(self):
        return {"tls": "required", "ca_file": self.cert()[0]}

    def test_required_starttls_with_the_relay_certificate_trusted(self):
        self.candidate()
        self.propose()
        (to, msg, _), = self.sink.wait(1)
        self.assertEqual(to, [NADIA])
        self.assertEqual(self.sink.over_tls, [True])
        self.assertEqual(msg["Subject"], "iod — Nouvelle proposition : "
                                         "Amina D.")


class StarttlsUntrusted(MailCase):
    SINK_TLS = True
    SMTP = {"tls": "required"}

    def setUp(self):
        # The sink's log of the handshake iod refuses is expected.
        log = logging.getLogger("mail.log")
        self.addCleanup(log.setLevel, log.level)
        log.setLevel(logging.CRITICAL)
        super().setUp()

    def test_a_certificate_not_trusted_keeps_the_mail(self):
        self.candidate()
        self.propose()
        items = eventually(lambda: [x for x in self.outbox()["items"]
                                    if x["attempts"] >= 1],
                           what="a failed try")
        self.assertEqual(items[0]["state"], "pending")
        self.assertIn("certificate", items[0]["last_error"].lower())
        self.assertEqual(self.sink.mails, [])


class StarttlsMissing(MailCase):
    SMTP = {"tls": "required"}

    def test_required_starttls_never_sends_in_clear(self):
        # The sink offers no STARTTLS and would take the mail in clear.
        self.candidate()
        self.propose()
        items = eventually(lambda: [x for x in self.outbox()["items"]
                                    if x["attempts"] >= 1],
                           what="a failed try")
        self.assertEqual(items[0]["state"], "pending")
        self.assertIn("STARTTLS", items[0]["last_error"])
        self.assertEqual(self.outbox()["pending"], 1)
        time.sleep(1.5)
        self.assertEqual(self.sink.mails, [])


class DigestCap(MailCase):
    def test_a_digest_tells_250_events_and_counts_the_others(self):
        u = "/v1/accounts/%d/notifications" % self.account
        self.assertEqual(self.d.put(u, {"mode": "daily"}).status, 200)
        self.candidate()
        p = self.propose()
        for i in range(254):    # 255 events with the proposal's
            r = self.d.post("/v1/proposals/%d/meeting" % p["id"], {
                "meeting": {"at": "2026-12-%02dT10:00" % (2 + i % 20),
                            "place": "atelier %d" % i}})
            self.assertEqual(r.status, 200, r)
        eventually(lambda: [x for x in self.outbox()["digests"]
                            if x["events"] == 255], what="a digest of 255")
        self.restart(IOD_TODAY="2026-11-25")
        (to, msg, _), = self.sink.wait(1)
        self.assertEqual(msg["Subject"], "iod — Résumé du jour : 255 "
                                         "événements")
        body = msg.get_content()
        self.assertEqual(body.count(CONSOLE + "#/candidats/"), 250)
        self.assertEqual(body.count("\n- "), 251, body[-600:])
        self.assertIn("- et 5 autres événements", body)


if __name__ == "__main__":
    unittest.main()
