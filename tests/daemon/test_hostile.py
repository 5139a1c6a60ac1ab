"""Hostile input to the domain: list filters on what a role may not see,
every query parameter of every list route for every role, the memory of
refused lists, free text of the team kept from companies, CSV that a
spreadsheet opens safely, messages cut inside a UTF-8 character, batches
that account for every item and cost no more than their item limit,
msgpack maps with a key twice, initials that are characters."""
import csv
import http.client
import http.server
import io
import json
import os
import re
import subprocess
import threading
import time
import unittest
import urllib.parse

from iodtest import ADMIN, IODCTL, IODD, DaemonCase, msgpack
from test_api import CANDIDATE, COMPANY, REFERENT
from test_matcher import OFFER, cand
from test_notify import Stream, receiver, stop, wait_for

try:
    import icalendar
except ImportError:  # python3-icalendar: make deps
    icalendar = None

with open(IODD, "rb") as _f:
    # AddressSanitizer keeps freed memory aside: RSS says nothing there,
    # LeakSanitizer at the clean stop does.
    SANITIZED = b"__asan_init" in _f.read()

BATCH_MAX = 10000
SECRET = "SECRET-TEAM-TEXT casier judiciaire"


def proc_status(d, key):
    """VmRSS or VmHWM of the daemon, in bytes."""
    with open("/proc/%d/status" % d.proc.pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


class Roles(DaemonCase):
    """The demo data, a token of each role, a hire with its schedule."""
    DEMO = True

    def token(self, **body):
        r = self.d.post("/v1/tokens", body)
        self.assertEqual(r.status, 201, r)
        return r.body["token"]

    def setUp(self):
        super().setUp()
        self.tokens = {
            "admin": ADMIN,
            "iod": self.token(role="iod", subject="cm-martin"),
            "referent": self.token(role="referent", referent_id=1),
            "company": self.token(role="company", company_id=1),
            "auditor": self.token(role="auditor"),
        }
        r = self.d.post("/v1/offers/1/proposal")
        self.assertEqual(r.status, 201, r)
        self.proposal = r.body["proposal"]


class Filters(Roles):
    def test_company_filter_on_a_hidden_field_is_a_400(self):
        tok = self.tokens["company"]
        for param in ["score", "referent_id", "eligible", "score_parts",
                      "reason", "meeting"]:
            r = self.d.get("/v1/proposals?%s=1" % param, token=tok)
            self.assertError(r, 400, field=param)
        # The daemon lives, and the same filters are fine for the team.
        self.assertEqual(self.d.get("/healthz").status, 200)
        r = self.d.get("/v1/proposals?referent_id=%d"
                       % self.proposal["referent_id"])
        self.assertEqual(len(r.body["items"]), 1, r)
        r = self.d.get("/v1/proposals?company_id=1", token=tok)
        self.assertEqual(len(r.body["items"]), 1, r)


# Values a client may send: empty, zero, negative, huge, not a number,
# unicode, a NUL, bytes that are not UTF-8, a cut UTF-8 sequence, long.
VALUES = ["", "0", "-1", "1", "18446744073709551616", "abc", "true",
          "2026-01-01", "%C3%A9t%C3%A9", "%00", "%FF%FE", "%E2%82",
          "a" * 300]
# Parameters no route knows, some of them names of objects or odd bytes.
UNKNOWN = ["nope", "%C3%A9", "%FF", "a%00b", "meeting", "x" * 200,
           "workstation_visit.notes"]
LIST_RESOURCES = ["companies", "offers", "candidates", "referents",
                  "proposals"]
FOLLOWUP = ["owner", "status", "kind", "overdue", "due_from", "due_before",
            "placement_id", "candidate_id", "offer_id", "company_id",
            "referent_id", "limit", "cursor"]
PLACEMENT = ["owner", "status", "candidate_id", "proposal_id", "offer_id",
             "company_id", "referent_id", "limit", "cursor"]
REPORT = ["from", "to", "programme", "format"]
PERIOD = "from=2026-01-01&to=2026-12-31"


def server_name(key):
    """The name the daemon gives a query key: as sent (libevent decodes
    the values of a query string, not its keys)."""
    return key


def siret(n):
    """A SIRET with a valid Luhn checksum, from a number."""
    base = "%013d" % n
    for last in "0123456789":
        digits = [int(c) for c in base + last]
        total = sum(d if i % 2 == 1 else (2 * d - 9 if d > 4 else 2 * d)
                    for i, d in enumerate(digits))
        if total % 10 == 0:
            return base + last


class Fuzz(Roles):
    def routes(self):
        """(path, known parameters, base query) of every list route."""
        out = []
        for res in LIST_RESOURCES:
            first = self.d.get("/v1/%s?limit=1" % res).body["items"][0]
            out.append(("/v1/" + res, sorted(first) + ["limit", "cursor"],
                        ""))
        out += [("/v1/placements", PLACEMENT, ""),
                ("/v1/followups", FOLLOWUP, ""),
                ("/v1/followups.ics", ["owner"], ""),
                ("/v1/events", ["after", "limit"], ""),
                ("/v1/audit", ["candidate_id"], "candidate_id=1"),
                ("/v1/tokens", [], ""), ("/v1/webhooks", [], ""),
                ("/v1/rulesets", [], ""),
                ("/v1/reports/activity", REPORT, PERIOD),
                ("/v1/reports/charter", REPORT, PERIOD),
                ("/v1/offers/1/candidates", ["limit"], "")]
        return out

    def test_every_list_route_every_role_every_parameter(self):
        # A hire, for placements and follow-ups to list.
        url = "/v1/proposals/%d/" % self.proposal["id"]
        self.assertEqual(self.d.post(url + "meeting", {"meeting": {
            "at": "2026-12-02T10:00", "place": "sur le poste"}}).status, 200)
        r = self.d.post(url + "hire", {"contract": "CDI",
                                       "start_on": "2026-12-18"})
        self.assertEqual(r.status, 200, r)
        conn = self.d.conn()
        sent = 0

        def get(path, token):
            nonlocal conn, sent
            sent += 1
            try:
                conn.request("GET", path, headers={
                    "Authorization": "Bearer " + token})
                r = conn.getresponse()
                return r.status, r.getheader("Content-Type", ""), r.read()
            except (http.client.HTTPException, OSError) as e:
                self.assertIsNone(self.d.proc.poll(), "iodd died on %s: %s"
                                  % (path, "".join(self.d.log[-20:])))
                self.fail("%s: the connection failed: %r" % (path, e))

        for path, known, base in self.routes():
            for role, tok in self.tokens.items():
                status, _, _ = get(path + "?" + base, tok)
                allowed = status != 403
                params = known + UNKNOWN
                for key in params if allowed else params[:3]:
                    queries = ["%s=%s" % (key, v) for v in VALUES]
                    queries.append("%s=1&%s=abc" % (key, key))
                    for q in queries if allowed else queries[:2]:
                        full = path + "?" + q + ("&" + base if base else "")
                        status, ctype, raw = get(full, tok)
                        what = "%s %s: %d %r" % (role, full[:120], status,
                                                 raw[:200])
                        self.assertIn(status, (200, 400, 403, 404), what)
                        if status == 200:
                            continue
                        self.assertTrue(ctype.startswith("application/json"),
                                        what)
                        err = json.loads(raw)["error"]
                        if status == 400:
                            self.assertEqual(err["field"], server_name(key),
                                             what)
                            self.assertTrue(err["message"], what)
        conn.close()
        self.assertGreater(sent, 2000)
        self.assertLess(sent, 20000)
        self.assertIsNone(self.d.proc.poll())
        self.assertEqual(self.d.get("/healthz").status, 200)


class Leak(DaemonCase):
    def test_refused_lists_keep_no_memory(self):
        """A filter then a bad limit or cursor: the filter is freed.  The
        plain build shows it in RSS, the sanitized one at the clean stop
        (LeakSanitizer makes the exit status non-zero)."""
        value = "v" * 8000
        n = 200 if SANITIZED else 3000
        conn = self.d.conn()

        def burst(count):
            for i in range(count):
                bad = "limit=0" if i % 2 else "cursor=x"
                conn.request("GET", "/v1/candidates?first_name=%s&last_name="
                             "%s&%s" % (value, value, bad),
                             headers={"Authorization": "Bearer " + ADMIN})
                r = conn.getresponse()
                body = json.loads(r.read())
                self.assertEqual(r.status, 400)
                self.assertIn(body["error"]["field"], ("limit", "cursor"))

        burst(200)      # the allocator's arenas, warmed
        before = proc_status(self.d, "VmRSS")
        burst(n)
        after = proc_status(self.d, "VmRSS")
        conn.close()
        if not SANITIZED:
            # 3,000 leaks of 16 KB would be 48 MB.
            self.assertLess(after - before, 8 << 20,
                            "RSS grew %d bytes" % (after - before))
        self.assertEqual(self.d.stop(), 0, "".join(self.d.log[-40:]))


class Privacy(Roles):
    def test_companies_read_no_free_text_of_the_team(self):
        tok = self.tokens["company"]
        # An offer with the team's notes of its workstation visit.
        r = self.d.post("/v1/offers", dict(OFFER, workstation_visit={
            "on": "2026-11-12", "notes": SECRET}))
        self.assertEqual(r.status, 201, r)
        offer_id = r.body["id"]
        stream = Stream(self.d, token=tok, last_id=0, timeout=10)
        self.addCleanup(stream.close)
        rcv = receiver()
        self.addCleanup(stop, rcv)
        r = self.d.post("/v1/webhooks", {
            "url": "http://127.0.0.1:%d/hook" % rcv.server_port,
            "secret": "s3cr3t-of-at-least-16", "role": "company",
            "company_id": 1})
        self.assertEqual(r.status, 201, r)
        pid = self.proposal["id"]
        r = self.d.post("/v1/proposals/%d/withdraw" % pid, {"reason": SECRET})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["reason"], SECRET)     # the team sees it
        self.assertEqual(self.d.get("/v1/proposals/%d" % pid).body["reason"],
                         SECRET)
        for path in ["/v1/proposals", "/v1/proposals/%d" % pid,
                     "/v1/offers?limit=100", "/v1/offers/%d" % offer_id,
                     "/v1/offers/1"]:
            r = self.d.get(path, token=tok)
            self.assertEqual(r.status, 200, (path, r))
            self.assertNotIn("SECRET", r.raw.decode(), path)
            self.assertNotIn("reason", r.raw.decode(), path)
            self.assertNotIn("notes", r.raw.decode(), path)
        # Nor in its stream of events, up to the withdrawal.
        while True:
            _, ev = stream.next()
            if ev["type"] == "proposal.withdrawn":
                break
        self.assertNotIn("SECRET", "\n".join(stream.text))
        # Nor in its webhook's deliveries.
        wait_for(rcv, lambda srv: any(b"proposal.withdrawn" in body
                                      for body in srv.delivered), 20)
        for body in rcv.delivered:
            self.assertNotIn(b"SECRET", body)
        # Nor may it filter on them.
        self.assertError(self.d.get("/v1/proposals?reason=x", token=tok),
                         400, field="reason")


class Csv(DaemonCase):
    def test_reports_write_rfc_4180_cells_a_spreadsheet_cannot_run(self):
        names = ['Dupont "et" Fils, SA', "=cmd|' /C calc'!A0",
                 "+33 4 72 00 00 00", "-2+3", "@SUM(A1:A9)",
                 "\tTab", "Deux\nlignes", "Élan, \"l'atelier\""]
        for i, name in enumerate(names):
            r = self.d.post("/v1/companies", dict(
                COMPANY, siret=siret(4012893450000 + 7 * i), name=name))
            self.assertEqual(r.status, 201, (name, r))
        r = self.d.get("/v1/reports/charter?from=2026-01-01&to=2026-12-31"
                       "&format=csv")
        self.assertEqual(r.status, 200, r)
        text = r.raw.decode()
        self.assertNotIn('\\"', text)
        rows = list(csv.reader(io.StringIO(text, newline="")))
        self.assertEqual(rows[0][:5], ["level", "territory", "company_id",
                                       "siret", "name"])
        # Each company's year ends on its total line.
        got = [row[4] for row in rows[1:]
               if row[0] == "company" and row[7] == "total"]
        want = [n if n[0] not in "=+-@\t\r" else "'" + n for n in names]
        self.assertEqual(got, want)
        for row in rows:
            self.assertEqual(len(row), 16, row)
        # The activity report goes through the same cells.
        r = self.d.get("/v1/reports/activity?from=2026-01-01&to=2026-12-31"
                       "&format=csv")
        rows = {row[0]: row[1:] for row in csv.reader(io.StringIO(
            r.raw.decode("utf-8-sig"), newline=""), delimiter=";") if row}
        self.assertEqual(rows["Indicateur"], ["Nombre", "%"])
        self.assertEqual(rows["Personnes ayant accédé à un emploi"][0], "0")

    def test_a_nul_byte_in_a_csv_cell_is_refused_with_line_and_column(self):
        path = os.path.join(self.d.tmp, "nul.csv")
        with open(path, "wb") as f:
            f.write(b"name,structure\nNadia,ALLIES\nPaul\0 Roux,ML\n")
        r = subprocess.run([IODCTL, "--url", "http://127.0.0.1:%d"
                            % self.d.port, "--token", ADMIN, "import",
                            "referents", path], capture_output=True,
                           text=True, errors="replace")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("%s:3: column 1: a NUL byte" % path, r.stderr)
        self.assertEqual(self.d.get("/v1/referents").body["items"], [])


class Utf8(DaemonCase):
    def setUp(self):
        super().setUp()
        self.assertEqual(self.d.post("/v1/referents", REFERENT).status, 201)

    def test_a_message_cut_inside_a_character_is_still_sent(self):
        # 39 bytes, then é across the 40-byte cut of the message.
        long_name = "a" * 39 + "é" + "b" * 100
        r = self.d.post("/v1/candidates", dict(CANDIDATE, first_name=long_name))
        err = self.assertError(r, 400, field="first_name")
        self.assertIn("a" * 39, err["message"])
        r = self.d.get("/v1/candidates?limit=" + urllib.parse.quote(
            "1" * 19 + "é"))
        self.assertError(r, 400, field="limit")
        r = self.d.get("/v1/events?after=" + urllib.parse.quote(
            "1" * 19 + "é"))
        self.assertError(r, 400, field="after")

    def test_every_item_of_a_batch_is_accounted_for(self):
        items = [dict(CANDIDATE, first_name="C%d" % i) for i in range(5)]
        items[1] = dict(CANDIDATE, first_name="a" * 39 + "é" + "b" * 100)
        items[3] = dict(CANDIDATE, last_name="é" * 60)
        for mp in ([False, True] if msgpack else [False]):
            r = self.d.post("/v1/candidates:batch", items, mp=mp)
            self.assertEqual(r.status, 200, r)
            created = [x["index"] for x in r.body["created"]]
            refused = [(x["index"], x["error"]["field"])
                       for x in r.body["refused"]]
            self.assertEqual(created, [0, 2, 4])
            self.assertEqual(refused, [(1, "first_name"), (3, "last_name")])

    def test_iodctl_import_fails_when_the_server_loses_rows(self):
        class Lossy(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                rows = self.rfile.read(int(self.headers["Content-Length"])
                                       ).decode().splitlines()[1:]
                body = json.dumps({"created": [
                    {"line": i + 2, "id": i + 1}
                    for i in range(len(rows) - 1)],
                    "updated": [], "unchanged": [], "refused": []}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Lossy)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        self.addCleanup(srv.shutdown)
        path = os.path.join(self.d.tmp, "ref.csv")
        with open(path, "w") as f:
            f.write("name,structure\nNadia,ALLIES\nPaul,ML\nZoé,PLIE\n")
        r = subprocess.run([IODCTL, "--url", "http://127.0.0.1:%d"
                            % srv.server_address[1], "--token", ADMIN,
                            "import", "referents", path],
                           capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("3 rows sent, the server accounted for 2", r.stderr)


class Batch(DaemonCase):
    def setUp(self):
        super().setUp()
        self.assertEqual(self.d.post("/v1/referents", REFERENT).status, 201)
        r = self.d.post("/v1/tokens", {"role": "referent", "referent_id": 1})
        self.ref = r.body["token"]

    def post(self, body, mp):
        t0 = time.monotonic()
        r = self.d.post("/v1/candidates:batch", raw=body, token=self.ref,
                        ctype="application/msgpack" if mp else
                        "application/json")
        return r, time.monotonic() - t0

    def test_more_items_than_the_limit_are_refused_before_decoding(self):
        for mp in ([False, True] if msgpack else [False]):
            items = [{}] * (BATCH_MAX + 1)
            body = msgpack.packb(items) if mp else json.dumps(items).encode()
            r, took = self.post(body, mp)
            err = self.assertError(r, 413, field="items")
            self.assertIn(str(BATCH_MAX + 1), err["message"])
            self.assertLess(took, 2 if SANITIZED else 1)
        self.assertEqual(self.d.get("/v1/candidates").body["items"], [])

    @unittest.skipIf(msgpack is None, "python3-msgpack is missing")
    def test_a_full_batch_costs_its_bytes_not_a_tree(self):
        # 10,000 items of 1,500 tiny values each: 15 MB that would be 15
        # million objects as one tree.  An item of more values than any
        # record has is refused without being decoded.
        item = msgpack.packb({"rome": [0] * 1500})
        body = b"\xdd" + BATCH_MAX.to_bytes(4, "big") + item * BATCH_MAX
        self.assertLess(len(body), 16 << 20)
        r, took = self.post(body, True)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["created"], [])
        self.assertEqual([x["index"] for x in r.body["refused"]],
                         list(range(BATCH_MAX)))
        self.assertEqual({x["error"]["code"] for x in r.body["refused"]},
                         {"item_too_large"})
        self.assertLess(took, 5 if SANITIZED else 2)
        if not SANITIZED:
            peak = proc_status(self.d, "VmHWM")
            print("\n  peak RSS after a 15 MB msgpack batch: %.0f MB"
                  % (peak / 1e6))
            self.assertLess(peak, 256 << 20)
        # Items a record's size are taken, one tree at a time; a malformed
        # one is refused with the others created.
        items = [msgpack.packb(cand("P%d" % i)) for i in range(300)]
        items[7] = b"\xc4\x01x"          # bin: not a wire value
        r, _ = self.post(b"\xdc" + (300).to_bytes(2, "big") +
                         b"".join(items), True)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.body["created"]), 299)
        self.assertEqual([(x["index"], x["error"]["code"])
                          for x in r.body["refused"]], [(7, "bad_body")])
        body = b"[" + b",".join(json.dumps(cand("J%d" % i)).encode()
                                for i in range(3)) + b"]"
        body = body.replace(b'"first_name": "J1"', b'"first_name": J1')
        r, _ = self.post(body, False)
        self.assertEqual(r.status, 200, r)
        self.assertEqual([x["index"] for x in r.body["created"]], [0, 2])
        self.assertEqual([(x["index"], x["error"]["code"])
                          for x in r.body["refused"]], [(1, "bad_json")])

    def test_a_body_over_the_batch_size_is_refused(self):
        r, _ = self.post(b"[" + b" " * (17 << 20) + b"]", False)
        self.assertError(r, 413, field="body")


@unittest.skipIf(msgpack is None, "python3-msgpack is missing")
class DuplicateKeys(DaemonCase):
    def test_a_msgpack_map_with_a_key_twice_is_refused(self):
        pk = msgpack.Packer()
        body = pk.pack_map_pairs([("name", "A"), ("structure", "B"),
                                  ("name", "C")])
        r = self.d.post("/v1/referents", raw=body,
                        ctype="application/msgpack")
        self.assertError(r, 400, field="body", contains='"name"')
        body = msgpack.packb([{"name": "A", "structure": "B"}])[:1] + \
            pk.pack_map_pairs([("name", "A"), ("structure", "B"),
                               ("structure", "B")])
        r = self.d.post("/v1/referents:batch", raw=body,
                        ctype="application/msgpack")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["created"], [])
        err = r.body["refused"][0]["error"]
        self.assertEqual(err["code"], "bad_body")
        self.assertIn('"structure"', err["message"])
        self.assertEqual(self.d.get("/v1/referents").body["items"], [])
        # The JSON twin, for comparison.
        r = self.d.post("/v1/referents", raw=b'{"name":"A","structure":"B",'
                        b'"name":"C"}', ctype="application/json")
        self.assertError(r, 400, field="body")


class Initials(DaemonCase):
    def test_a_non_ascii_initial_is_one_character(self):
        d = self.d
        self.assertEqual(d.post("/v1/referents", REFERENT).status, 201)
        self.assertEqual(d.post("/v1/companies", COMPANY).status, 201)
        r = d.post("/v1/candidates", cand("Élodie", last_name="Ölmez"))
        self.assertEqual(r.status, 201, r)
        r = d.post("/v1/offers", dict(OFFER, owner="cm-martin"))
        self.assertEqual(r.status, 201, r)
        p = d.post("/v1/offers/%d/proposal" % r.body["id"]).body["proposal"]
        url = "/v1/proposals/%d/" % p["id"]
        self.assertEqual(d.post(url + "meeting", {"meeting": {
            "at": "2026-12-02T10:00", "place": "sur le poste"}}).status, 200)
        self.assertEqual(d.post(url + "hire", {
            "contract": "CDI", "start_on": "2026-12-18"}).status, 200)
        items = d.get("/v1/followups?limit=1000").body["items"]
        self.assertTrue(items)
        self.assertEqual({f.get("candidate_name") for f in items},
                         {"Élodie Ö."})
        r = d.get("/v1/followups.ics?owner=cm-martin")
        self.assertEqual(r.status, 200)
        text = r.raw.decode("utf-8")        # strict: no lone byte
        self.assertIn("Élodie Ö.", text.replace("\r\n ", ""))
        if icalendar is not None:
            cal = icalendar.Calendar.from_ical(r.raw)
            summaries = [str(e["SUMMARY"]) for e in cal.walk("VEVENT")]
            self.assertTrue(summaries)
            self.assertTrue(all("Élodie Ö." in s for s in summaries),
                            summaries)


if __name__ == "__main__":
    unittest.main()
