"""A chargé de mission's day through iodctl alone, against the real daemon:
the records from JSON files, the workstation visit, the ranked list, the
proposal and why, the meeting, the hire, three weeks later the week's and
the overdue appointments recorded on the day they happened, the
placements, an early end, and the batch (a dry run, then recorded).
Tables by default, --json for scripts, errors that name the field, and
exit codes scripts can trust: 0 ok, 1 refused, 2 usage, 3 server failure
or no server.  Also: `rules check` finds the installed reference data
from any directory, and `rules put` prints every error of a bad rule
set."""
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import unittest

from iodtest import ADMIN, IODCTL, ROOT, DaemonCase
from test_api import COMPANY, REFERENT
from test_matcher import OFFER, PEOPLE

CM = "cm-martin"
# Binta: rsa 30 + deld 30 + qpv 20 + 24 months 48 + favoured deld 15 = 143;
# Alice: rsa 30 + 12 months 24 + same commune 10 + same territory 5 = 69.
ALICE, BINTA = PEOPLE[0], PEOPLE[1]
COMPANY_NAME = COMPANY["name"]


def cells(line):
    return re.split(r"\s{2,}", line.strip())


class Day(DaemonCase):
    def setUp(self):
        super().setUp()
        self.token = self.d.post("/v1/tokens", {"role": "iod", "subject": CM}
                                 ).body["token"]
        self.today = "2026-11-24"

    def write(self, name, doc):
        path = os.path.join(self.d.tmp, name)
        with open(path, "w") as f:
            json.dump(doc, f, ensure_ascii=False)
        return path

    def ctl(self, *args, rc=0, env=None, cwd=None):
        """iodctl with IOD_URL and IOD_TOKEN from the environment."""
        e = dict(os.environ, IOD_URL="http://127.0.0.1:%d" % self.d.port,
                 IOD_TOKEN=self.token, IOD_TODAY=self.today)
        e.pop("IOD_REFDATA", None)
        e.update(env or {})
        p = subprocess.run([IODCTL] + list(args), capture_output=True,
                           text=True, env=e, cwd=cwd, timeout=60)
        self.assertEqual(p.returncode, rc, "iodctl %s\n%s%s" % (
            " ".join(args), p.stdout, p.stderr))
        return p

    def create(self, kind, doc):
        p = self.ctl("create", kind, self.write(kind + ".json", doc))
        return json.loads(p.stdout)["id"]

    def table(self, out):
        """The heading of a table and its rows (to a blank line), in
        cells."""
        lines = out.splitlines()
        head = next(i for i, l in enumerate(lines) if l and l == l.upper()
                    and "  " in l)
        rows = []
        for line in lines[head + 1:]:
            if not line:
                break
            rows.append(cells(line))
        return cells(lines[head]), rows

    def later(self, today):
        """Time passes: the daemon starts again on another day."""
        self.d.stop()
        self.d.env["IOD_TODAY"] = self.today = today
        self.d.start()

    def test_the_whole_day(self):
        # The records, from JSON files, with the commands that exist.
        self.create("referents", REFERENT)
        company = self.create("companies", COMPANY)
        offer = dict(OFFER, company_id=company, owner=CM)
        del offer["workstation_visit"]
        oid = self.create("offers", offer)
        alice = self.create("candidates", ALICE)
        binta = self.create("candidates", BINTA)

        # No proposal before the workstation visit: the field is named.
        p = self.ctl("propose", str(oid), rc=1)
        self.assertIn("iodctl: propose: workstation_visit: rule set "
                      "iod-plie requires a workstation visit", p.stderr)
        p = self.ctl("visit", str(oid), "--on", "2026-11-20", "--by", CM,
                     "--note", "équipe de 3, port de charges")
        self.assertEqual(p.stdout, "Offer %d (Agent de propreté, %s): "
                         "workstation visit on 2026-11-20 by %s\n"
                         % (oid, COMPANY_NAME, CM))
        self.assertEqual(self.d.get("/v1/offers/%d" % oid).body[
            "workstation_visit"], {"on": "2026-11-20",
                                   "notes": "équipe de 3, port de charges"})
        journal = self.d.get("/v1/contacts?company_id=%d" % company
                             ).body["items"]
        self.assertEqual([(j["kind"], j["on"], j["offer_id"], j["owner"])
                          for j in journal],
                         [("workstation_visit", "2026-11-20", oid, CM)])

        # The ranked list, in words, recording nothing.
        p = self.ctl("candidates", str(oid))
        self.assertTrue(p.stdout.startswith(
            "Offer %d (Agent de propreté), rule set iod-plie version 1: "
            "2 eligible, 2 shown\n" % oid), p.stdout)
        head, rows = self.table(p.stdout)
        self.assertEqual(head, ["RANK", "ID", "CANDIDATE", "SCORE",
                                "PARTS"])
        self.assertEqual([r[:4] for r in rows],
                         [["1", str(binta), "Binta", "143"],
                          ["2", str(alice), "Alice", "69"]])
        self.assertIn("receives the RSA +30", rows[0][4])
        self.assertIn("a public the company favours: deld +15", rows[0][4])
        self.assertEqual(self.d.get("/v1/proposals").body["items"], [])

        # The proposal: who, the score and its parts in words.
        p = self.ctl("propose", str(oid))
        lines = p.stdout.splitlines()
        self.assertEqual(lines[:2], [
            "Offer %d (Agent de propreté), rule set iod-plie version 1: "
            "2 eligible" % oid,
            "Proposal 1: Binta (candidate %d), score 143" % binta])
        self.assertEqual([l.split(None, 1) for l in lines[2:7]], [
            ["+30", "receives the RSA"],
            ["+30", "long-term jobseeker (DELD)"],
            ["+20", "lives in a priority neighbourhood (QPV)"],
            ["+48", "time waited since orientation"],
            ["+15", "a public the company favours: deld"]])
        self.assertEqual(lines[7], "Removed: nobody")
        # Once proposed, the offer is taken: refused, exit 1, field named.
        p = self.ctl("propose", str(oid), rc=1)
        self.assertRegex(p.stderr, r"^iodctl: propose: offer_id: offer \d+ "
                         r"already has open proposal 1")

        p = self.ctl("meeting", "1", "--at", "2026-11-26T10:00", "--place",
                     "Gerland, entrée B")
        self.assertEqual(p.stdout, "Proposal 1 (Binta, Agent de propreté at "
                         "%s): meeting on 2026-11-26 at 10:00, Gerland, "
                         "entrée B\n" % COMPANY_NAME)
        p = self.ctl("proposals", "--status", "meeting_scheduled")
        self.assertEqual(p.stdout.splitlines()[0],
                         "1 proposal, meeting_scheduled")
        head, rows = self.table(p.stdout)
        self.assertEqual(head, ["ID", "STATUS", "CANDIDATE", "OFFER",
                                "COMPANY", "SCORE", "PROPOSED", "MEETING"])
        self.assertEqual(rows, [["1", "meeting_scheduled", "Binta",
                                 "Agent de propreté", COMPANY_NAME, "143",
                                 "2026-11-24", "2026-11-26T10:00"]])

        # A bad value is refused by the daemon with its field: exit 1;
        # a bad command line is a usage error: exit 2.
        p = self.ctl("hire", "1", "--contract", "cdx", "--start",
                     "2026-12-01", "--hours", "24", rc=1)
        self.assertEqual(p.stderr, 'iodctl: hire: contract: "cdx" is not '
                         'one of CDI, CDD, CTT, PMSMP, APPRENTISSAGE, '
                         'PROFESSIONNALISATION, CDDI or PEC\n')
        p = self.ctl("hire", "1", "--contract", "cdi", "--start",
                     "2026-12-01", rc=2)
        self.assertIn("--contract, --start and --hours are required",
                      p.stderr)
        p = self.ctl("hire", "1", "--contract", "cdi", "--start",
                     "2026-12-01", "--hours", "many", rc=2)
        self.assertIn('--hours: "many" is not a whole number', p.stderr)
        self.assertEqual(self.d.get("/v1/proposals/1").body["status"],
                         "meeting_scheduled")

        # The hire: a CDI from Tuesday 1 December, four weeks of trial.
        p = self.ctl("hire", "1", "--contract", "cdi", "--start",
                     "2026-12-01", "--hours", "24", "--trial-weeks", "4")
        pl = self.d.get("/v1/placements?proposal_id=1").body["items"][0]
        self.assertEqual((pl["contract"], pl["start_on"], pl["trial_weeks"]),
                         ("CDI", "2026-12-01", 4))
        self.assertEqual(p.stdout.splitlines(), [
            "Proposal 1 (Binta, Agent de propreté at %s): hired on "
            "2026-11-24" % COMPANY_NAME,
            "Placement %d: CDI from 2026-12-01, 24 h a week, trial until "
            "%s; %d follow-up appointments planned"
            % (pl["id"], pl["trial_end"], pl["followups"])])

        # Two weeks later, Wednesday 9 December: the week, and what is late.
        self.later("2026-12-09")
        p = self.ctl("followups", "--week", "--owner", CM)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[0], "Week of Monday 2026-12-07 to Sunday "
                         "2026-12-13, %s: 2 appointments" % CM)
        head, rows = self.table(p.stdout)
        self.assertEqual([r[1:] for r in rows], [
            ["2026-12-08", "Tue", "employer", "trial week 1", "Binta T.",
             COMPANY_NAME, CM, "OVERDUE"],
            ["2026-12-08", "Tue", "employee", "trial week 1", "Binta T.",
             COMPANY_NAME, CM, "OVERDUE"]])
        employer, employee = int(rows[0][0]), int(rows[1][0])
        p = self.ctl("followups", "--overdue", "--json")
        self.assertEqual([(f["id"], f["due_on"], f["kind"], f["overdue"])
                          for f in json.loads(p.stdout)],
                         [(employer, "2026-12-08", "employer", True),
                          (employee, "2026-12-08", "employee", True)])

        # Recorded a day late, on the day they happened.
        p = self.ctl("followup", "done", str(employer), "--on", "2026-12-08",
                     "--assessment", "fine", "--note", "bon démarrage")
        self.assertEqual(p.stdout, "Appointment %d (Binta T., %s, trial week "
                         "1, employer): done on 2026-12-08, fine\n"
                         % (employer, COMPANY_NAME))
        f = self.d.get("/v1/followups/%d" % employer).body
        self.assertEqual((f["status"], f["done_on"], f["assessment"],
                          f["note"]),
                         ("done", "2026-12-08", "fine", "bon démarrage"))
        # Not before the placement starts: the daemon names "on".
        p = self.ctl("followup", "missed", str(employee), "--on",
                     "2026-11-30", rc=1)
        self.assertRegex(p.stderr, r"^iodctl: followup missed: on: ")
        p = self.ctl("followup", "missed", str(employee), "--on",
                     "2026-12-08")
        self.assertEqual(p.stdout, "Appointment %d (Binta T., %s, trial week "
                         "1, employee): missed on 2026-12-08\n"
                         % (employee, COMPANY_NAME))
        p = self.ctl("followups", "--week", "--overdue")
        self.assertEqual(p.stdout.splitlines()[0],
                         "Week of Monday 2026-12-07 to Sunday 2026-12-13, "
                         "and overdue: 2 appointments")
        self.assertEqual([r[-1] for r in self.table(p.stdout)[1]],
                         ["done", "missed"])
        self.assertEqual(self.ctl("followups", "--overdue").stdout,
                         "Overdue appointments: 0 appointments\n")

        # The placements, then an early end.
        p = self.ctl("placements", "--active")
        head, rows = self.table(p.stdout)
        self.assertEqual(head, ["ID", "STATUS", "CANDIDATE", "OFFER",
                                "COMPANY", "CONTRACT", "START", "HOURS",
                                "TRIAL UNTIL", "ENDED"])
        self.assertEqual(rows, [[str(pl["id"]), "active", "Binta",
                                 "Agent de propreté", COMPANY_NAME, "CDI",
                                 "2026-12-01", "24", pl["trial_end"]]])
        p = self.ctl("end", str(pl["id"]), "--on", "2026-12-09", "--reason",
                     "fin de la période d'essai")
        self.assertEqual(p.stdout, "Placement %d (Binta, Agent de propreté): "
                         "ended on 2026-12-09: fin de la période d'essai\n"
                         % pl["id"])
        self.assertEqual(self.ctl("placements", "--active").stdout,
                         "0 active placements\n")
        rows = self.table(self.ctl("placements").stdout)[1]
        self.assertEqual([(r[1], r[-1]) for r in rows],
                         [("ended", "2026-12-09")])
        placed = json.loads(self.ctl("placements", "--json").stdout)
        self.assertEqual(placed[0]["end_reason"], "fin de la période d'essai")

        # A second offer, visited: the batch, a dry run then recorded.  Binta
        # is free again since the end; she has the better score.
        oid2 = self.create("offers", dict(OFFER, company_id=company,
                                          owner=CM, start_on="2027-01-04"))
        p = self.ctl("batch")
        lines = p.stdout.splitlines()
        self.assertRegex(lines[0], r"^Dry run, nothing recorded: 1 of \d+ "
                         r"offers awaiting a candidate assigned, "
                         r"objective 143 ")
        head, rows = self.table(p.stdout)
        self.assertEqual(head, ["OFFER", "TITLE", "CANDIDATE", "NAME",
                                "SCORE"])
        self.assertEqual(rows, [[str(oid2), "Agent de propreté", str(binta),
                                 "Binta", "143"]])
        self.assertEqual(self.d.get("/v1/proposals?offer_id=%d" % oid2
                                    ).body["items"], [])
        p = self.ctl("batch", "--commit")
        self.assertRegex(p.stdout, r"^Recorded: 1 of \d+ offers awaiting a "
                         r"candidate assigned, objective 143 ")
        made = self.d.get("/v1/proposals?offer_id=%d" % oid2).body["items"]
        self.assertEqual([(x["candidate_id"], x["status"]) for x in made],
                         [(binta, "proposed")])
        head, rows = self.table(p.stdout)
        self.assertEqual(rows, [[str(oid2), "Agent de propreté", str(binta),
                                 "Binta", "143", str(made[0]["id"])]])
        # The same list for a script: the API's JSON as is.
        got = json.loads(self.ctl("proposals", "--status", "proposed",
                                  "--json").stdout)
        self.assertEqual([x["id"] for x in got], [made[0]["id"]])
        self.ctl("withdraw", str(made[0]["id"]), rc=2)
        p = self.ctl("withdraw", str(made[0]["id"]), "--reason",
                     "poste pourvu en interne")
        self.assertEqual(p.stdout, "Proposal %d (Binta, Agent de propreté at "
                         "%s): withdrawn on 2026-12-09: poste pourvu en "
                         "interne\n" % (made[0]["id"], COMPANY_NAME))

    def test_json_is_the_apis_and_refusals_exit_1(self):
        company = self.create("companies", COMPANY)
        oid = self.create("offers", dict(OFFER, company_id=company))
        self.create("referents", REFERENT)
        self.create("candidates", BINTA)
        got = json.loads(self.ctl("candidates", str(oid), "--json").stdout)
        self.assertEqual(got, self.d.get("/v1/offers/%d/candidates?limit=20"
                                         % oid).body)
        got = json.loads(self.ctl("propose", str(oid), "--json").stdout)
        self.assertEqual(got["proposal"]["score"], 143)
        p = self.ctl("meeting", "1", "--at", "2026-11-2610:00", rc=1)
        self.assertRegex(p.stderr, r"^iodctl: meeting: meeting.at: ")
        p = self.ctl("no-show", "1", rc=1)
        self.assertIn("iodctl: no-show: status: proposal 1 is proposed",
                      p.stderr)
        p = self.ctl("visit", "99", "--on", "2026-11-20", rc=1)
        self.assertIn("iodctl: visit: ", p.stderr)
        p = self.ctl("visit", str(oid), "--on", "20/11/2026", rc=2)
        self.assertIn('--on: "20/11/2026" is not a date', p.stderr)
        p = self.ctl("followup", "done", "x", rc=2)
        self.assertIn("is not an id", p.stderr)
        # A wrong token: refused, exit 1.
        p = self.ctl("proposals", rc=1, env={"IOD_TOKEN": "nope"})

    def test_the_other_ends_of_a_proposal(self):
        company = self.create("companies", COMPANY)
        self.create("referents", REFERENT)
        for p in PEOPLE[:2]:
            self.create("candidates", p)
        offers = [self.create("offers", dict(OFFER, company_id=company))
                  for _ in range(3)]
        said = []
        for oid, verb in zip(offers, [["refuse", "--reason", "complet"],
                                      ["decline", "--reason", "trop loin"],
                                      ["no-show"]]):
            p = self.ctl("propose", str(oid), "--json")
            pid = str(json.loads(p.stdout)["proposal"]["id"])
            if verb[0] == "no-show":
                self.ctl("meeting", pid, "--at", "2026-11-26T10:00")
            p = self.ctl(verb[0], pid, *verb[1:])
            said.append(p.stdout.split("): ", 1)[1])
        self.assertEqual(said, [
            "refused by the company on 2026-11-24: complet\n",
            "declined by the candidate on 2026-11-24: trop loin\n",
            "the candidate did not come on 2026-11-24\n"])
        rows = self.table(self.ctl("proposals").stdout)[1]
        self.assertEqual([r[1] for r in rows],
                         ["refused", "declined", "no_show"])

    def test_visit_puts_the_offer_back_under_if_match(self):
        seen = []

        class Offers(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"   # keep-alive, as iodd

            def send(self, status, doc, etag=None):
                body = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                if etag:
                    self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                self.send(200, dict(OFFER, id=1), etag='"v1"')

            def do_PUT(self):
                seen.append((self.headers.get("If-Match"), json.loads(
                    self.rfile.read(int(self.headers["Content-Length"])))))
                # Edited meanwhile by someone else.
                self.send(412, {"error": {
                    "code": "precondition_failed", "field": "If-Match",
                    "message": "offer 1 changed since it was read"}})

            def log_message(self, *args):
                pass
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Offers)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        self.addCleanup(srv.server_close)
        self.addCleanup(srv.shutdown)
        p = self.ctl("visit", "1", "--on", "2026-11-21", rc=1, env={
            "IOD_URL": "http://127.0.0.1:%d" % srv.server_address[1]})
        self.assertEqual(p.stderr, "iodctl: visit: If-Match: offer 1 "
                         "changed since it was read\n")
        self.assertEqual(len(seen), 1)
        self.assertEqual(seen[0][0], '"v1"')
        self.assertEqual(seen[0][1]["workstation_visit"],
                         {"on": "2026-11-21"})
        self.assertEqual(seen[0][1]["title"], OFFER["title"])

    def test_server_failure_and_no_server_exit_3(self):
        # Nobody listens on a port just closed.
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        p = self.ctl("proposals", rc=3,
                     env={"IOD_URL": "http://127.0.0.1:%d" % port})
        self.assertIn("cannot reach http://127.0.0.1:%d" % port, p.stderr)
        self.ctl("followup", "done", "1", rc=3,
                 env={"IOD_URL": "http://127.0.0.1:%d" % port})

        # A server that fails (500): exit 3, its error shown.
        class Failing(http.server.BaseHTTPRequestHandler):
            def reply(self):
                body = json.dumps({"error": {"code": "store_error",
                                             "message": "the store failed"}}
                                  ).encode()
                self.send_response(500)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            do_GET = do_POST = reply

            def log_message(self, *args):
                pass
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Failing)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        self.addCleanup(srv.server_close)
        self.addCleanup(srv.shutdown)
        url = "http://127.0.0.1:%d" % srv.server_address[1]
        p = self.ctl("propose", "1", rc=3, env={"IOD_URL": url})
        self.assertEqual(p.stderr, "iodctl: propose: the store failed\n")
        self.ctl("placements", rc=3, env={"IOD_URL": url})
        self.ctl("get", "offers", "1", rc=3, env={"IOD_URL": url})


class Rules(DaemonCase):
    def ctl(self, *args, rc, cwd=None, env=None):
        e = dict(os.environ)
        e.pop("IOD_REFDATA", None)
        e.update(env or {})
        p = subprocess.run([IODCTL, "--url", "http://127.0.0.1:%d"
                            % self.d.port, "--token", ADMIN] + list(args),
                           capture_output=True, text=True, cwd=cwd, env=e,
                           timeout=60)
        self.assertEqual(p.returncode, rc, p.stdout + p.stderr)
        return p

    def test_check_finds_the_installed_data_from_anywhere(self):
        elsewhere = tempfile.mkdtemp(prefix="iodctl-")
        self.addCleanup(shutil.rmtree, elsewhere)
        src = os.path.join(ROOT, "rules", "iod-plie.yaml")
        shutil.copy(src, elsewhere)
        p = self.ctl("rules", "check", "iod-plie.yaml", rc=0, cwd=elsewhere)
        self.assertEqual(p.stdout, "iod-plie.yaml: rule set iod-plie OK\n")
        # IOD_REFDATA, then --refdata, are taken first, as given.
        p = self.ctl("rules", "check", "iod-plie.yaml", rc=2, cwd=elsewhere,
                     env={"IOD_REFDATA": os.path.join(elsewhere, "none")})
        self.assertIn(os.path.join(elsewhere, "none"), p.stderr)
        self.ctl("rules", "check", "iod-plie.yaml", "--refdata",
                 os.path.join(ROOT, "data"), rc=0, cwd=elsewhere,
                 env={"IOD_REFDATA": os.path.join(elsewhere, "none")})

    def test_put_prints_every_error(self):
        with open(os.path.join(ROOT, "rules", "iod-plie.yaml")) as f:
            src = f.read()
        bad = src.replace("qpv: 20", "qpv: lots").replace(
            "rsa: 30", "sex: 30")
        self.assertNotEqual(bad, src)
        path = os.path.join(self.d.tmp, "bad.yaml")
        with open(path, "w") as f:
            f.write(bad)
        check = self.ctl("rules", "check", path, rc=1)
        errors = check.stderr.splitlines()
        self.assertGreaterEqual(len(errors), 2, check.stderr)
        for e in errors:
            self.assertRegex(e, "^" + re.escape(path) + r":\d+:\d+: ")
        p = self.ctl("rules", "put", "iod-plie", path, rc=1)
        self.assertEqual(p.stderr.splitlines(), errors)
        self.assertEqual(self.d.get("/v1/rulesets/iod-plie").body["version"],
                         1)


if __name__ == "__main__":
    unittest.main()
