"""Access, privacy and hostile input: what each role may read and write,
the no-CV view of a company, the audit log, consent, the rights of access
and erasure, and clients that misbehave."""
import os
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

from iodtest import ROOT, Daemon, DaemonCase, load_demo

# Words that name a social category or a CV: a company never reads them.
SENSITIVE = ["rsa", "deld", "rqth", "refugee", "justice", "single_parent",
             "senior", "youth", "publics", "birth_date", "last_name",
             "qpv", "referent", "score", "programme", "sex", "eligible"]


def config(**limits):
    """etc/iod.yaml with other limits, in a temporary file."""
    with open(os.path.join(ROOT, "etc", "iod.yaml")) as f:
        text = f.read()
    for key, value in limits.items():
        text = "\n".join(
            "  %s: %s" % (key, value) if line.strip().startswith(key + ":")
            else line for line in text.split("\n"))
    fd, path = tempfile.mkstemp(suffix=".yaml")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


class Roles(DaemonCase):
    DEMO = True

    def token(self, **body):
        r = self.d.post("/v1/tokens", body)
        self.assertEqual(r.status, 201, r)
        return r.body["token"]

    def setUp(self):
        super().setUp()
        self.demo = load_demo("candidates")
        # A proposal exists for offer 1 (company 1), for a candidate of
        # referent 1 or 3: the demo data decide which.
        r = self.d.post("/v1/offers/1/proposal")
        self.assertEqual(r.status, 201, r)
        self.proposal = r.body["proposal"]

    def test_referent_sees_only_their_candidates(self):
        tok = self.token(role="referent", referent_id=1, subject="n.benali")
        mine = [i + 1 for i, c in enumerate(self.demo) if c["referent_id"] == 1]
        other = next(i + 1 for i, c in enumerate(self.demo)
                     if c["referent_id"] != 1)
        r = self.d.get("/v1/candidates?limit=100", token=tok)
        self.assertEqual([c["id"] for c in r.body["items"]], mine)
        self.assertEqual(self.d.get("/v1/candidates/%d" % mine[0],
                                    token=tok).status, 200)
        # Another referent's candidate is not found, not forbidden.
        self.assertError(self.d.get("/v1/candidates/%d" % other, token=tok),
                         404)
        self.assertError(self.d.get("/v1/candidates/%d/export" % other,
                                    token=tok), 404)
        self.assertError(self.d.put("/v1/candidates/%d" % other,
                                    self.demo[other - 1], token=tok), 404)
        # They orient: they create their own candidates, no one else's.
        new = dict(self.demo[0], referent_id=1)
        self.assertEqual(self.d.post("/v1/candidates", new, token=tok).status,
                         201)
        self.assertError(self.d.post("/v1/candidates", dict(new, referent_id=2),
                                     token=tok), 403, field="referent_id")
        self.assertError(self.d.put("/v1/candidates/%d" % mine[0],
                                    dict(self.demo[mine[0] - 1], referent_id=2),
                                    token=tok), 403, field="referent_id")
        # Proposals: only their candidates'.
        props = self.d.get("/v1/proposals", token=tok).body["items"]
        owned = self.proposal["candidate_id"] in mine
        self.assertEqual(len(props), 1 if owned else 0)
        for method, path in [("GET", "/v1/offers"), ("GET", "/v1/companies"),
                             ("POST", "/v1/offers/1/proposal"),
                             ("GET", "/v1/offers/1/candidates"),
                             ("GET", "/v1/tokens"), ("GET", "/v1/audit")]:
            self.assertEqual(self.d.request(method, path, token=tok).status,
                             403, (method, path))

    def test_company_sees_its_offers_in_the_no_cv_view(self):
        tok = self.token(role="company", company_id=1, subject="rh")
        offers = self.d.get("/v1/offers?limit=100", token=tok).body["items"]
        self.assertTrue(offers)
        self.assertEqual({o["company_id"] for o in offers}, {1})
        self.assertError(self.d.get("/v1/offers/3", token=tok), 404)
        self.assertError(self.d.get("/v1/companies/2", token=tok), 404)
        self.assertEqual(self.d.get("/v1/companies/1", token=tok).status, 200)
        r = self.d.get("/v1/proposals", token=tok)
        self.assertEqual(len(r.body["items"]), 1)
        p = r.body["items"][0]
        cand = self.demo[self.proposal["candidate_id"] - 1]
        self.assertEqual(p["candidate"], {"id": self.proposal["candidate_id"],
                                          "first_name": cand["first_name"],
                                          "available_on": cand["available_on"]})
        # Every path a company can reach: nothing sensitive, ever.
        for path in ["/v1/proposals", "/v1/proposals/%d" % p["id"],
                     "/v1/offers", "/v1/offers/1"]:
            raw = self.d.get(path, token=tok).raw.decode()
            for word in SENSITIVE:
                self.assertNotIn(word, raw, path)
            self.assertNotIn(cand["last_name"], raw)
        for method, path in [("GET", "/v1/candidates"),
                             ("GET", "/v1/candidates/1"),
                             ("POST", "/v1/offers"),
                             ("GET", "/v1/offers/1/candidates"),
                             ("POST", "/v1/match:batch")]:
            self.assertEqual(self.d.request(method, path, token=tok).status,
                             403, (method, path))

    def test_auditor_and_iod(self):
        aud = self.token(role="auditor")
        for path in ["/v1/candidates", "/v1/offers", "/v1/proposals",
                     "/v1/companies", "/v1/candidates/1/export"]:
            self.assertEqual(self.d.get(path, token=aud).status, 403, path)
        iod = self.token(role="iod", subject="cm-martin")
        self.assertEqual(self.d.get("/v1/candidates/1", token=iod).status, 200)
        self.assertEqual(self.d.get("/v1/tokens", token=iod).status, 403)

    def test_reads_of_personal_data_are_audited(self):
        iod = self.token(role="iod", subject="cm-roux")
        self.d.get("/v1/candidates/2", token=iod)
        self.d.get("/v1/candidates/2/export", token=iod)
        items = self.d.get("/v1/audit?candidate_id=2").body["items"]
        self.assertEqual([(a["actor"], a["action"]) for a in items],
                         [("cm-roux", "read"), ("cm-roux", "export")])
        iod2 = self.token(role="iod", subject="cm-benoit")
        self.assertEqual(self.d.get("/v1/audit?candidate_id=2",
                                    token=iod2).status, 403)

    def test_consent_withdrawn_stops_matching(self):
        cid = self.proposal["candidate_id"]
        body = dict(self.demo[cid - 1], consent=None)
        # Withdrawn while proposed: the proposal is withdrawn first.
        self.d.post("/v1/proposals/%d/withdraw" % self.proposal["id"],
                    {"reason": "consent withdrawn"})
        self.assertEqual(self.d.put("/v1/candidates/%d" % cid, body).status, 200)
        r = self.d.get("/v1/offers/1/candidates?limit=100").body
        self.assertNotIn(cid, [c["candidate_id"] for c in r["candidates"]])
        self.assertGreaterEqual(r["removed"]["consent"], 1)


class Erasure(DaemonCase):
    NAME = "Quatrebarbes-Zéphyrine"

    def test_right_of_access_then_erasure(self):
        self.assertEqual(self.d.post("/v1/referents", {
            "name": "R", "structure": "PLIE"}).status, 201)
        person = dict(load_demo("candidates")[0], referent_id=1,
                      last_name=self.NAME, first_name="Zéphyrine")
        cid = self.d.post("/v1/candidates", person).body["id"]
        for commune in ["69381", "69382", "69383"]:  # old versions too
            self.assertEqual(self.d.put("/v1/candidates/%d" % cid,
                             dict(person, commune=commune)).status, 200)
        export = self.d.get("/v1/candidates/%d/export" % cid).body
        self.assertEqual(export["candidate"]["last_name"], self.NAME)
        self.assertEqual([e["type"] for e in export["events"]],
                         ["candidate.created"] + ["candidate.updated"] * 3)
        self.assertEqual(self.d.delete("/v1/candidates/%d" % cid).status, 204)
        self.assertError(self.d.get("/v1/candidates/%d" % cid), 410)
        self.assertNotIn(cid, [c["id"] for c in
                               self.d.get("/v1/candidates").body["items"]])
        self.d.stop()
        # The name is nowhere in the data directory's files.
        for name in os.listdir(self.d.data):
            with open(os.path.join(self.d.data, name), "rb") as f:
                raw = f.read()
            self.assertNotIn(self.NAME.encode(), raw, name)
            self.assertNotIn("Zéphyrine".encode(), raw, name)
        # The anonymous record stays for the counts.
        out = subprocess.run(["mdb_stat", "-s", "candidates", self.d.data],
                             capture_output=True, text=True, check=True).stdout
        self.assertIn("Entries: 1", out)
        self.d.start()
        self.assertError(self.d.get("/v1/candidates/%d" % cid), 410)


class Hostile(unittest.TestCase):
    def daemon(self, **limits):
        path = config(**limits)
        self.addCleanup(os.unlink, path)
        d = Daemon(args=["--config", path]).start()
        self.addCleanup(d.cleanup)
        return d

    def test_rate_limit_per_token(self):
        d = self.daemon(requests_per_minute=5)
        codes = [d.get("/v1/companies").status for _ in range(7)]
        self.assertEqual(codes, [200] * 5 + [429] * 2)
        self.assertEqual(d.get("/healthz", token=None).status, 200)

    def test_slow_client_is_dropped_and_others_served(self):
        d = self.daemon(request_timeout_s=2)
        s = socket.create_connection(("127.0.0.1", d.port))
        start = time.monotonic()
        request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
        closed = False
        for byte in request * 10:
            try:
                s.send(bytes([byte]))
            except OSError:
                closed = True
                break
            self.assertEqual(d.get("/healthz", token=None).status, 200)
            s.settimeout(0.5)
            try:
                if s.recv(1) == b"":
                    closed = True
                    break
            except socket.timeout:
                pass
            if time.monotonic() - start > 8:
                break
        s.close()
        self.assertTrue(closed, "a byte every half second kept its slot")
        self.assertLess(time.monotonic() - start, 6)

    def test_thousands_of_connections(self):
        d = self.daemon(max_connections=300, request_timeout_s=2)
        socks = []
        for _ in range(1500):
            try:
                socks.append(socket.create_connection(("127.0.0.1", d.port),
                                                      timeout=5))
            except OSError:
                break
        self.assertGreater(len(socks), 300)
        # Others are still served: the idle ones go at their deadline.
        c = d.conn()
        c.timeout = 30
        c.request("GET", "/healthz")
        self.assertEqual(c.getresponse().status, 200)
        c.close()
        for s in socks:
            s.close()
        self.assertEqual(d.get("/v1/companies").status, 200)

    def test_truncated_and_huge_bodies(self):
        d = self.daemon()
        s = socket.create_connection(("127.0.0.1", d.port))
        s.sendall(b"POST /v1/referents HTTP/1.1\r\nHost: x\r\n"
                  b"Authorization: Bearer test-admin-token-0123456789\r\n"
                  b"Content-Type: application/json\r\n"
                  b"Content-Length: 100\r\n\r\n{\"name\": \"half")
        s.close()
        s = socket.create_connection(("127.0.0.1", d.port))
        s.sendall(b"POST /v1/referents HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Length: 99999999999\r\n\r\n")
        s.settimeout(5)
        self.assertIn(b" 413 ", s.recv(200))
        s.close()
        r = d.post("/v1/referents", raw=b'{"name": "\xff\xfe", "structure": "x"}',
                   ctype="application/json")
        self.assertEqual(r.status, 400)
        self.assertEqual(d.get("/v1/referents").body["items"], [])
        self.assertEqual(d.post("/v1/referents", {"name": "A", "structure":
                                                  "B"}).status, 201)


class TLS(unittest.TestCase):
    def test_listener_over_tls(self):
        tmp = tempfile.mkdtemp(prefix="iodtls-")
        cert, key = os.path.join(tmp, "c.pem"), os.path.join(tmp, "k.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                        "-nodes", "-subj", "/CN=localhost", "-days", "1",
                        "-keyout", key, "-out", cert], check=True,
                       capture_output=True)
        d = Daemon(args=["--tls-cert", cert, "--tls-key", key]).start()
        self.addCleanup(d.cleanup)
        ctx = ssl.create_default_context(cafile=cert)
        ctx.check_hostname = False
        with socket.create_connection(("127.0.0.1", d.port)) as raw:
            with ctx.wrap_socket(raw) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                          b"Connection: close\r\n\r\n")
                reply = b""
                while chunk := s.recv(4096):
                    reply += chunk
        self.assertTrue(reply.startswith(b"HTTP/1.1 200"), reply[:100])
        self.assertIn(b'"status":"ok"', reply)


if __name__ == "__main__":
    unittest.main()
