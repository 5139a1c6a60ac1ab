"""After the match: a hire creates a placement and its follow-up schedule
(exact dates, weekends and public holidays moved to the next working day), each appointment lives
planned -> done | missed | cancelled, an early end cancels the rest, the
overdue ones are listed and reminded once, a referent sees only their
candidates', the chargé de mission's iCalendar feed parses with a real
parser, and `iodctl followups --week` prints the week as a table."""
import http.client
import os
import re
import subprocess
import time
import unittest

from iodtest import ADMIN, IODCTL, DaemonCase
from test_api import COMPANY, REFERENT
from test_matcher import OFFER, cand

try:
    import icalendar
except ImportError:  # python3-icalendar: make deps
    icalendar = None

# Today is 2026-11-24 for every daemon of the tests (IOD_TODAY).
CM = "cm-martin"

# A CDI starting on Friday 18 December 2026 with a two-month (8-week)
# trial: trial_end = start + 55 days = 2027-02-11; horizon = start + 6
# months = 2027-06-18.  Weekly on start + 7k while <= trial_end (k = 1..7):
# 25 Dec (Noël) and 1 Jan (Jour de l'an), both Fridays, move to the next
# working day, the Monday after.
# Monthly on start + m months after the trial: 18 Jan is inside it; 18 Apr
# 2027 is a Sunday -> Monday 19.  The joint review at the horizon.
CDI_DATES = [
    ("2026-12-28", "trial", 1), ("2027-01-04", "trial", 2),
    ("2027-01-08", "trial", 3), ("2027-01-15", "trial", 4),
    ("2027-01-22", "trial", 5), ("2027-01-29", "trial", 6),
    ("2027-02-05", "trial", 7),
    ("2027-02-18", "monthly", 2), ("2027-03-18", "monthly", 3),
    ("2027-04-19", "monthly", 4), ("2027-05-18", "monthly", 5),
]
CDI_SCHEDULE = [(d, k, p, n) for d, p, n in CDI_DATES
                for k in ("employer", "employee")] + \
    [("2027-06-18", "joint_review", "horizon", 6)]

# A CDD of 4 months from Tuesday 29 December 2026, the trial from the rule
# set (CDD: 2 weeks): trial_end 2027-01-11; contract_end = start + 4 months
# - 1 day = 2027-04-28, earlier than start + 6 months: the horizon.  Weekly:
# 5 Jan only.  Monthly: 29 Jan; 28 Feb (29 Feb does not exist; a Sunday ->
# 1 Mar); 29 Mar (Easter Monday 2027 -> 30 Mar).  Review on 28 Apr.
CDD_DATES = [
    ("2027-01-05", "trial", 1), ("2027-01-29", "monthly", 1),
    ("2027-03-01", "monthly", 2), ("2027-03-30", "monthly", 3),
]
CDD_SCHEDULE = [(d, k, p, n) for d, p, n in CDD_DATES
                for k in ("employer", "employee")] + \
    [("2027-04-28", "joint_review", "horizon", 4)]

# Words of a person's social situation that must never reach a calendar.
SOCIAL = ["rsa", "deld", "rqth", "qpv", "refugee", "justice", "senior",
          "youth", "single_parent", "réfugié", "handicap"]


class FollowupCase(DaemonCase):
    def setUp(self):
        super().setUp()
        d = self.d
        self.assertEqual(d.post("/v1/referents", REFERENT).status, 201)
        self.assertEqual(d.post("/v1/referents", dict(
            REFERENT, name="Paul Roux", email="p.roux@ml.example")).status, 201)
        # A long company name, to make the calendar fold its lines.
        company = dict(COMPANY, name="Propreté Rhône Services – Établissement "
                       "de Lyon Gerland, équipe des bureaux")
        self.assertEqual(d.post("/v1/companies", company).status, 201)
        self.iod = d.post("/v1/tokens", {"role": "iod", "subject": CM}
                          ).body["token"]
        self.ref1 = d.post("/v1/tokens", {"role": "referent",
                                          "referent_id": 1}).body["token"]
        self.ref2 = d.post("/v1/tokens", {"role": "referent",
                                          "referent_id": 2}).body["token"]

    def candidate(self, name, referent=1, **kw):
        r = self.d.post("/v1/candidates", cand(name, referent_id=referent,
                                               publics=["rsa", "rqth"], **kw))
        self.assertEqual(r.status, 201, r)
        return r.body["id"]

    def met(self, **offer_kw):
        """An offer of cm-martin's, its one proposal, the meeting held."""
        r = self.d.post("/v1/offers", dict(OFFER, owner=CM, **offer_kw))
        self.assertEqual(r.status, 201, r)
        r = self.d.post("/v1/offers/%d/proposal" % r.body["id"])
        self.assertEqual(r.status, 201, r)
        p = r.body["proposal"]
        r = self.d.post("/v1/proposals/%d/meeting" % p["id"], {"meeting": {
            "at": "2026-12-02T10:00", "place": "sur le poste"}})
        self.assertEqual(r.status, 200, r)
        return p

    def hire(self, body, **offer_kw):
        p = self.met(**offer_kw)
        r = self.d.post("/v1/proposals/%d/hire" % p["id"], body)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["status"], "hired")
        r = self.d.get("/v1/placements?proposal_id=%d" % p["id"])
        self.assertEqual(len(r.body["items"]), 1, r)
        return r.body["items"][0]

    def schedule(self, placement_id, token=ADMIN):
        r = self.d.get("/v1/followups?placement_id=%d&limit=1000"
                       % placement_id, token=token)
        self.assertEqual(r.status, 200, r)
        return r.body["items"]

    def events(self):
        return self.d.get("/v1/events?limit=1000").body["items"]

    def wait_log(self, text, within=60):
        end = time.monotonic() + within
        while time.monotonic() < end:
            if any(text in line for line in self.d.log):
                return
            self.d.get("/healthz")
            time.sleep(0.02)
        self.fail("no %r in the log:\n%s" % (text, "".join(self.d.log)))


class Schedule(FollowupCase):
    def test_cdi_with_a_two_month_trial(self):
        self.candidate("Alice")
        pl = self.hire({"contract": "CDI", "start_on": "2026-12-18",
                        "weekly_hours": 35, "trial_weeks": 8})
        self.assertEqual(
            {k: pl[k] for k in ("contract", "start_on", "weekly_hours",
                                "trial_weeks", "trial_end", "contract_end",
                                "horizon", "durable", "status", "owner",
                                "ruleset", "ruleset_version", "followups",
                                "duration_months", "referent_id")},
            {"contract": "CDI", "start_on": "2026-12-18", "weekly_hours": 35,
             "trial_weeks": 8, "trial_end": "2027-02-11",
             "contract_end": None, "horizon": "2027-06-18", "durable": True,
             "status": "active", "owner": CM, "ruleset": "iod-plie",
             "ruleset_version": 1, "followups": 23, "duration_months": 0,
             "referent_id": 1})
        got = [(f["due_on"], f["kind"], f["phase"], f["number"])
               for f in self.schedule(pl["id"])]
        self.assertEqual(got, CDI_SCHEDULE)
        for f in self.schedule(pl["id"]):
            self.assertEqual((f["status"], f["overdue"], f["owner"],
                              f["candidate_id"], f["referent_id"]),
                             ("planned", False, CM, pl["candidate_id"], 1))
        # The placement with its schedule, in one read.
        r = self.d.get("/v1/placements/%d" % pl["id"])
        self.assertEqual([f["due_on"] for f in r.body["schedule"]],
                         [x[0] for x in CDI_SCHEDULE])
        # Recorded as an event that says who may read it.
        ev = [e for e in self.events() if e["type"] == "placement.created"]
        self.assertEqual(len(ev), 1)
        self.assertEqual({k: ev[0]["data"][k] for k in (
            "placement_id", "candidate_id", "referent_id", "company_id",
            "owner", "offer_id", "followups", "first_due_on")},
            {"placement_id": pl["id"], "candidate_id": pl["candidate_id"],
             "referent_id": 1, "company_id": 1, "owner": CM,
             "offer_id": pl["offer_id"], "followups": 23,
             "first_due_on": "2026-12-28"})

    def test_cdd_of_four_months(self):
        self.candidate("Binta")
        # The contract type, hours and trial default to the offer's and
        # the rule set's; the duration is stated.
        pl = self.hire({"start_on": "2026-12-29", "duration_months": 4},
                       contract="CDD")
        self.assertEqual((pl["contract"], pl["trial_weeks"], pl["trial_end"],
                          pl["contract_end"], pl["horizon"], pl["durable"],
                          pl["weekly_hours"], pl["duration_months"]),
                         ("CDD", 2, "2027-01-11", "2027-04-28", "2027-04-28",
                          False, 24, 4))
        got = [(f["due_on"], f["kind"], f["phase"], f["number"])
               for f in self.schedule(pl["id"])]
        self.assertEqual(got, CDD_SCHEDULE)

    def test_terms_are_checked_before_anything_is_written(self):
        cid = self.candidate("Chloé")
        p = self.met(contract="CDD")
        url = "/v1/proposals/%d/hire" % p["id"]
        events = len(self.events())
        cases = [
            ({"contract": "CDX", "duration_months": 3}, "contract", "CDX"),
            ({"start_on": "2026-13-01", "duration_months": 3}, "start_on",
             None),
            ({"start_on": "2029-01-05", "duration_months": 3}, "start_on",
             "more than a year"),
            ({"weekly_hours": 60, "duration_months": 3}, "weekly_hours",
             None),
            ({}, "duration_months", "CDD"),
            ({"contract": "CDI", "duration_months": 6}, "duration_months",
             "CDI"),
            ({"duration_months": 3, "trial_weeks": -1}, "trial_weeks", None),
            ({"duration_months": 3, "salary": 1800}, "salary", "unknown"),
        ]
        for body, field, text in cases:
            r = self.d.post(url, body)
            self.assertError(r, 400, field=field, contains=text)
        self.assertError(self.d.post(url, raw=b"[1]", ctype="application/json"),
                         400, field="body")
        # Nothing happened: still a meeting, still active, no placement, no
        # event; and the hire goes through once the terms are right.
        self.assertEqual(self.d.get("/v1/proposals/%d" % p["id"])
                         .body["status"], "meeting_scheduled")
        self.assertEqual(self.d.get("/v1/candidates/%d" % cid)
                         .body["status"], "active")
        self.assertEqual(self.d.get("/v1/placements").body["items"], [])
        self.assertEqual(len(self.events()), events)
        r = self.d.post(url, {"duration_months": 3})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.d.get("/v1/candidates/%d" % cid)
                         .body["status"], "placed")


class Appointments(FollowupCase):
    def setUp(self):
        super().setUp()
        self.candidate("Alice")
        # Started in October: some appointments are already past.
        self.pl = self.hire({"contract": "CDI", "start_on": "2026-10-07",
                             "weekly_hours": 30})
        self.fu = self.schedule(self.pl["id"])

    def test_done_missed_cancelled(self):
        past = [f for f in self.fu if f["due_on"] < "2026-11-24"]
        future = [f for f in self.fu if f["due_on"] > "2026-11-24"]
        first, second, later = past[0], past[1], future[0]
        url = "/v1/followups/%d/" % first["id"]
        self.assertError(self.d.post(url + "done", {"note": "ok"}), 400,
                         field="assessment")
        self.assertError(self.d.post(url + "done", {"assessment": "meh"}),
                         400, field="assessment", contains="at_risk")
        self.assertError(self.d.post(url + "done", {
            "assessment": "fine", "on": "2026-12-01"}), 400, field="on",
            contains="future")
        self.assertError(self.d.post(url + "missed", {"assessment": "fine"}),
                         400, field="assessment")
        self.assertError(self.d.post(url + "done", {
            "assessment": "fine", "mood": "good"}), 400, field="mood")
        r = self.d.post(url + "done", {"assessment": "at_risk", "on":
                                       "2026-10-13", "note": "retards"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.body["status"], r.body["assessment"],
                          r.body["done_on"], r.body["note"],
                          r.body["overdue"]),
                         ("done", "at_risk", "2026-10-13", "retards", False))
        self.assertError(self.d.post(url + "cancel"), 409,
                         code="bad_transition")
        r = self.d.post("/v1/followups/%d/missed" % second["id"])
        self.assertEqual(r.body["status"], "missed", r)
        self.assertError(self.d.post("/v1/followups/%d/missed"
                                     % later["id"]), 409, field="due_on")
        r = self.d.post("/v1/followups/%d/cancel" % later["id"],
                        {"note": "congés de l'employeur"})
        self.assertEqual(r.body["status"], "cancelled", r)
        # Only chargés de mission record them.
        self.assertEqual(self.d.post("/v1/followups/%d/cancel" % future[1]
                                     ["id"], token=self.ref1).status, 403)
        types = [(e["type"], e["id"]) for e in self.events()
                 if e["entity"] == "followup"]
        self.assertEqual(types, [("followup.done", first["id"]),
                                 ("followup.at_risk", first["id"]),
                                 ("followup.missed", second["id"]),
                                 ("followup.cancelled", later["id"])])
        ev = [e for e in self.events() if e["type"] == "followup.at_risk"][0]
        self.assertEqual({k: ev["data"][k] for k in (
            "candidate_id", "referent_id", "company_id", "owner",
            "placement_id", "offer_id", "assessment")},
            {"candidate_id": self.pl["candidate_id"], "referent_id": 1,
             "company_id": 1, "owner": CM, "placement_id": self.pl["id"],
             "offer_id": self.pl["offer_id"], "assessment": "at_risk"})
        self.assertNotIn("note", ev["data"])

    def test_overdue_listed_and_reminded_once(self):
        past = [f for f in self.fu if f["due_on"] < "2026-11-24"]
        self.assertGreater(len(past), 4)
        r = self.d.get("/v1/followups?overdue=true&limit=1000")
        self.assertEqual([f["id"] for f in r.body["items"]],
                         [f["id"] for f in past])
        self.assertTrue(all(f["overdue"] for f in r.body["items"]))
        self.d.post("/v1/followups/%d/done" % past[0]["id"],
                    {"assessment": "fine"})
        r = self.d.get("/v1/followups?overdue=true&limit=1000")
        self.assertEqual(len(r.body["items"]), len(past) - 1)
        r = self.d.get("/v1/followups?due_before=2026-11-24&status=done")
        self.assertEqual([f["id"] for f in r.body["items"]], [past[0]["id"]])
        self.assertError(self.d.get("/v1/followups?overdue=yes"), 400,
                         field="overdue")
        self.assertError(self.d.get("/v1/followups?status=late"), 400,
                         field="status")
        self.assertError(self.d.get("/v1/followups?due_before=soon"), 400,
                         field="due_before")
        self.assertError(self.d.get("/v1/followups?colour=red"), 400,
                         field="colour")
        # The reminders run at start: each overdue one once, and the one
        # due tomorrow.  The next day's start adds only the new ones.
        tomorrow = [f for f in self.fu if f["due_on"] == "2026-11-25"]
        self.d.stop()
        self.d.start()
        self.wait_log("reminders: %d done" % (len(past) - 1 + len(tomorrow)))
        ev = self.events()
        overdue = [e["id"] for e in ev if e["type"] == "followup.overdue"]
        due = [e["id"] for e in ev if e["type"] == "followup.due_tomorrow"]
        self.assertEqual(sorted(overdue), [f["id"] for f in past[1:]])
        self.assertEqual(sorted(due), [f["id"] for f in tomorrow])
        self.d.stop()
        self.d.start()
        self.d.get("/healthz")
        self.assertEqual(len(self.events()), len(ev))
        self.assertTrue(all(f["reminded_overdue"] for f in self.d.get(
            "/v1/followups?overdue=true&limit=1000").body["items"]))

    def test_an_early_end_cancels_what_is_left(self):
        url = "/v1/placements/%d/end" % self.pl["id"]
        self.assertError(self.d.post(url, {"on": "2026-12-15"}), 400,
                         field="reason")
        self.assertError(self.d.post(url, {"on": "2026-09-30", "reason":
                                           "x"}), 400, field="on",
                         contains="before the start")
        self.assertError(self.d.post(url, {"reason": "x"}), 400, field="on")
        left = [f for f in self.fu if f["due_on"] > "2026-12-15"]
        kept = [f for f in self.fu if f["due_on"] <= "2026-12-15"]
        before = len(self.events())
        r = self.d.post(url, {"on": "2026-12-15",
                              "reason": "rupture de la période d'essai"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.body["status"], r.body["ended_on"],
                          r.body["end_reason"], r.body["cancelled"]),
                         ("ended", "2026-12-15",
                          "rupture de la période d'essai", len(left)))
        after = {f["id"]: f for f in self.schedule(self.pl["id"])}
        self.assertTrue(all(after[f["id"]]["status"] == "cancelled"
                            for f in left))
        self.assertTrue(all(after[f["id"]]["status"] == "planned"
                            for f in kept))
        ev = self.events()[before:]
        self.assertEqual([e["type"] for e in ev],
                         ["placement.ended"] +
                         ["followup.cancelled"] * len(left) +
                         ["candidate.updated"])
        self.assertEqual(ev[0]["data"]["end_reason"],
                         "rupture de la période d'essai")
        # The person is free to be proposed again; the end is final.
        self.assertEqual(self.d.get("/v1/candidates/%d" % self.pl[
            "candidate_id"]).body["status"], "active")
        self.assertError(self.d.post(url, {"on": "2026-12-16", "reason":
                                           "x"}), 409, code="bad_transition")
        self.assertError(self.d.post("/v1/followups/%d/done" % left[0]["id"],
                                     {"assessment": "fine"}), 409)


class Access(FollowupCase):
    def test_a_referent_sees_only_their_candidates(self):
        a = self.candidate("Alice", referent=1)
        pa = self.hire({"start_on": "2026-12-18"})
        self.candidate("Bruno", referent=2)
        pb = self.hire({"start_on": "2026-12-21"})
        self.assertEqual((pa["candidate_id"], pa["referent_id"],
                          pb["referent_id"]), (a, 1, 2))
        mine = self.d.get("/v1/followups?limit=1000", token=self.ref1)
        self.assertEqual(mine.status, 200, mine)
        self.assertEqual({f["placement_id"] for f in mine.body["items"]},
                         {pa["id"]})
        self.assertEqual(len(mine.body["items"]), pa["followups"])
        theirs = self.schedule(pb["id"])
        self.assertError(self.d.get("/v1/followups/%d" % theirs[0]["id"],
                                    token=self.ref1), 404)
        self.assertError(self.d.get("/v1/placements/%d" % pb["id"],
                                    token=self.ref1), 404)
        self.assertEqual(self.d.get("/v1/placements/%d" % pa["id"],
                                    token=self.ref1).status, 200)
        r = self.d.get("/v1/placements?candidate_id=%d" % a, token=self.ref2)
        self.assertEqual(r.body["items"], [])
        r = self.d.get("/v1/placements?candidate_id=%d" % a, token=self.ref1)
        self.assertEqual([p["id"] for p in r.body["items"]], [pa["id"]])
        # The chargé de mission sees both, a company token none.
        self.assertEqual(len(self.d.get("/v1/followups?owner=%s&limit=1000"
                                        % CM, token=self.iod).body["items"]),
                         pa["followups"] + pb["followups"])
        company = self.d.post("/v1/tokens", {"role": "company",
                                             "company_id": 1}).body["token"]
        self.assertEqual(self.d.get("/v1/followups", token=company).status,
                         403)
        # Paging walks every one exactly once.
        seen, cursor = [], None
        while True:
            r = self.d.get("/v1/followups?limit=7" + (
                "&cursor=" + cursor if cursor else ""))
            seen += [f["id"] for f in r.body["items"]]
            cursor = r.body["next_cursor"]
            if not cursor:
                break
        self.assertEqual(seen, sorted(set(seen)))
        self.assertEqual(len(seen), pa["followups"] + pb["followups"])


class Calendar(FollowupCase):
    def ics(self, query, token):
        c = http.client.HTTPConnection("127.0.0.1", self.d.port, timeout=30)
        try:
            c.request("GET", "/v1/followups.ics" + query,
                      headers={"Authorization": "Bearer " + token})
            r = c.getresponse()
            return r.status, r.getheader("Content-Type"), r.read()
        finally:
            c.close()

    @unittest.skipIf(icalendar is None, "python3-icalendar missing")
    def test_the_feed_parses_and_says_nothing_of_social_categories(self):
        self.candidate("Élodie")
        pl = self.hire({"contract": "CDI", "start_on": "2026-12-18",
                        "trial_weeks": 8})
        fu = self.schedule(pl["id"])
        self.d.post("/v1/followups/%d/cancel" % fu[-1]["id"])
        status, ctype, raw = self.ics("", self.iod)   # cm-martin's own
        self.assertEqual(status, 200)
        self.assertTrue(ctype.startswith("text/calendar"), ctype)
        # RFC 5545: CRLF line ends, lines folded at 75 octets.
        self.assertTrue(raw.endswith(b"\r\n"))
        lines = raw.split(b"\r\n")[:-1]
        self.assertNotIn(b"\n", b"".join(lines))
        self.assertTrue(all(len(line) <= 75 for line in lines),
                        max(lines, key=len))
        self.assertTrue(any(line.startswith(b" ") for line in lines))
        text = raw.decode("utf-8")   # never cut inside a UTF-8 sequence
        cal = icalendar.Calendar.from_ical(raw)
        self.assertEqual(str(cal["VERSION"]), "2.0")
        # The appointments, and the meeting at the workstation.
        events = [e for e in cal.walk("VEVENT")
                  if str(e["UID"]).startswith("followup-")]
        self.assertEqual(len(events), len(fu))
        self.assertEqual(len(cal.walk("VEVENT")), len(fu) + 1)
        by_uid = {str(e["UID"]): e for e in events}
        self.assertEqual(len(by_uid), len(fu))
        for f in fu:
            e = by_uid["followup-%d@iod" % f["id"]]
            self.assertEqual(e["DTSTART"].dt.isoformat(), f["due_on"])
            self.assertEqual(e["DTSTART"].params.get("VALUE"), "DATE")
            self.assertIsNotNone(e.get("DTSTAMP"))
            summary = str(e["SUMMARY"])
            self.assertIn("Élodie T.", summary)
            self.assertIn("Établissement de Lyon Gerland, équipe", summary)
            self.assertEqual(str(e["STATUS"]), "CANCELLED"
                             if f["id"] == fu[-1]["id"] else "CONFIRMED")
        for word in SOCIAL:
            self.assertNotIn(word, text.lower())
        self.assertIn("Bilan avec le référent", text.replace("\r\n ", ""))
        # Another chargé de mission's feed has none of them; a referent
        # has no feed.
        other = self.d.post("/v1/tokens", {"role": "iod", "subject":
                                           "cm-other"}).body["token"]
        status, _, raw = self.ics("", other)
        self.assertEqual(len(icalendar.Calendar.from_ical(raw)
                             .walk("VEVENT")), 0)
        status, _, raw = self.ics("?owner=" + CM, ADMIN)
        self.assertEqual(len(icalendar.Calendar.from_ical(raw)
                             .walk("VEVENT")), len(fu) + 1)
        self.assertEqual(self.ics("", self.ref1)[0], 403)


class Iodctl(FollowupCase):
    def iodctl(self, *args, today):
        env = dict(os.environ, IOD_TODAY=today)
        p = subprocess.run([IODCTL, "--url", "http://127.0.0.1:%d"
                            % self.d.port, "--token", self.iod] + list(args),
                           capture_output=True, text=True, env=env,
                           timeout=30)
        return p.returncode, p.stdout, p.stderr

    def test_this_weeks_appointments_as_a_table(self):
        self.candidate("Alice")
        self.hire({"contract": "CDI", "start_on": "2026-12-18",
                   "trial_weeks": 8})
        rc, out, err = self.iodctl("followups", "--week", "--owner", CM,
                                   today="2027-01-06")
        self.assertEqual(rc, 0, err)
        lines = out.splitlines()
        self.assertEqual(lines[0], "Week of Monday 2027-01-04 to Sunday "
                         "2027-01-10, %s: 4 appointments" % CM)
        self.assertEqual(re.split(r"\s{2,}", lines[2]),
                         ["ID", "DATE", "DAY", "WITH", "PERIOD", "CANDIDATE",
                          "COMPANY", "OWNER", "STATUS"])
        rows = [re.split(r"\s{2,}", line) for line in lines[3:]]
        # The id, for `iodctl followup done ID`.
        self.assertEqual([int(r[0]) for r in rows],
                         [f["id"] for f in sorted(self.d.get(
                             "/v1/followups?limit=1000").body["items"],
                             key=lambda f: (f["due_on"], f["id"]))
                          if "2027-01-04" <= f["due_on"] <= "2027-01-10"])
        self.assertEqual([r[1:6] + r[7:] for r in rows], [
            ["2027-01-04", "Mon", "employer", "trial week 2", "Alice T.", CM,
             "planned"],
            ["2027-01-04", "Mon", "employee", "trial week 2", "Alice T.", CM,
             "planned"],
            ["2027-01-08", "Fri", "employer", "trial week 3", "Alice T.", CM,
             "planned"],
            ["2027-01-08", "Fri", "employee", "trial week 3", "Alice T.", CM,
             "planned"]])
        # The columns line up, in characters (names carry accents).
        self.assertEqual(len({line.index(CM) for line in lines[3:]}), 1)
        rc, out, _ = self.iodctl("followups", "--week", "--owner", "cm-x",
                                 today="2027-01-06")
        self.assertEqual((rc, out.splitlines()[0]),
                         (0, "Week of Monday 2027-01-04 to Sunday 2027-01-10,"
                          " cm-x: 0 appointments"))
        rc, out, err = self.iodctl("followups", "--week", "--referent", "1",
                                   today="2027-01-06")
        self.assertEqual(rc, 2)
        self.assertIn("--referent does not apply", err)


class ErasureOfNotes(FollowupCase):
    """The team's free text about an erased person goes from every record
    that keeps it; the records stay for the counts."""

    def test_notes_about_an_erased_person_go(self):
        cid = self.candidate("Alice")
        self.candidate("Bruno")
        p = self.met()
        r = self.d.post("/v1/proposals/%d/withdraw" % p["id"],
                        {"reason": "Raison-Qxzv secrète"})
        self.assertEqual(r.status, 200, r)
        pl = self.hire({"contract": "CDI", "start_on": "2026-10-07",
                        "weekly_hours": 30})
        self.assertEqual(pl["candidate_id"], cid)
        past = [f for f in self.schedule(pl["id"]) if f["due_on"] <
                "2026-11-24"]
        r = self.d.post("/v1/followups/%d/done" % past[0]["id"], {
            "assessment": "at_risk", "note": "Note-Wkpj privée"})
        self.assertEqual(r.status, 200, r)
        other = self.d.get("/v1/candidates").body["items"]
        export = self.d.get("/v1/candidates/%d/export" % cid).body
        self.assertEqual([f.get("note") for f in export["followups"]
                          if f.get("note")], ["Note-Wkpj privée"])
        self.assertIn("Raison-Qxzv secrète",
                      [x.get("reason") for x in export["proposals"]])
        self.assertEqual(self.d.delete("/v1/candidates/%d" % cid).status,
                         204)
        self.wait_log("erasure complete")
        self.assertEqual(self.d.stop(), 0)
        for name in os.listdir(self.d.data):
            with open(os.path.join(self.d.data, name), "rb") as f:
                raw = f.read()
            for text in ("Raison-Qxzv", "Note-Wkpj"):
                self.assertNotIn(text.encode(), raw, name)
        self.d.start()
        # The records stay, the counts with them.
        got = self.d.get("/v1/followups/%d" % past[0]["id"]).body
        self.assertEqual((got["status"], got.get("note")), ("done", None))
        got = self.d.get("/v1/proposals/%d" % p["id"]).body
        self.assertEqual((got["status"], got.get("reason")),
                         ("withdrawn", None))
        self.assertEqual(len(self.d.get("/v1/candidates").body["items"]),
                         len(other) - 1)


if __name__ == "__main__":
    unittest.main()
