"""The follow-up as it happens: an appointment done or missed is recorded
with the day it took place (by default today, never before the placement
started nor in the future, and a late record keeps the real day, which the
activity report counts); each person subscribes to their calendar by a
private URL that a calendar client reads with a plain GET and no header,
until it is revoked; a meeting is not before its proposal, and an expired
proposal is decided on the day it expired."""
import http.client
import os
import unittest

from iodtest import ADMIN, Daemon
from test_access import config
from test_api import REFERENT
from test_followup import CM, SOCIAL, FollowupCase

try:
    import icalendar
except ImportError:  # python3-icalendar: make deps
    icalendar = None


def plain_get(port, path):
    """What a calendar client sends: GET and the Host header, nothing
    else (http.client adds Host and Accept-Encoding: identity only)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.getheader("Content-Type"), r.read()
    finally:
        c.close()


class DayItHappened(FollowupCase):
    def setUp(self):
        super().setUp()
        self.candidate("Alice")
        # Started on Wednesday 7 October: some appointments are past.
        self.pl = self.hire({"contract": "CDI", "start_on": "2026-10-07",
                             "weekly_hours": 30})
        fu = self.schedule(self.pl["id"])
        self.past = [f for f in fu if f["due_on"] < "2026-11-24"]
        self.assertGreater(len(self.past), 5)

    def act(self, f, action, body=None):
        return self.d.post("/v1/followups/%d/%s" % (f["id"], action), body)

    def test_done_on_today_by_default_or_the_day_it_took_place(self):
        r = self.act(self.past[0], "done", {"assessment": "fine"})
        self.assertEqual((r.status, r.body["done_on"]), (200, "2026-11-24"),
                         r)
        # Recorded late: the real day stays, read back and in the event.
        r = self.act(self.past[1], "done", {"assessment": "fine",
                                           "on": "2026-10-14"})
        self.assertEqual((r.status, r.body["done_on"]), (200, "2026-10-14"),
                         r)
        got = self.d.get("/v1/followups/%d" % self.past[1]["id"]).body
        self.assertEqual((got["status"], got["done_on"]),
                         ("done", "2026-10-14"))
        ev = [e for e in self.events() if e["type"] == "followup.done"]
        self.assertEqual([e["data"]["done_on"] for e in ev],
                         ["2026-11-24", "2026-10-14"])
        # The start day itself is accepted.
        r = self.act(self.past[2], "done", {"assessment": "fine",
                                           "on": "2026-10-07"})
        self.assertEqual(r.body["done_on"], "2026-10-07", r)

    def test_missed_on_today_by_default_or_the_day_it_was_missed(self):
        r = self.act(self.past[0], "missed")
        self.assertEqual((r.status, r.body["status"], r.body["missed_on"],
                          r.body["done_on"]),
                         (200, "missed", "2026-11-24", None), r)
        r = self.act(self.past[1], "missed", {"on": "2026-10-21",
                                              "note": "absent"})
        self.assertEqual((r.status, r.body["missed_on"], r.body["note"]),
                         (200, "2026-10-21", "absent"), r)
        ev = [e for e in self.events() if e["type"] == "followup.missed"]
        self.assertEqual([e["data"]["missed_on"] for e in ev],
                         ["2026-11-24", "2026-10-21"])

    def test_a_day_before_the_start_or_in_the_future_is_refused(self):
        f = self.past[0]
        for action, extra in (("done", {"assessment": "fine"}),
                              ("missed", {})):
            self.assertError(self.act(f, action, dict(extra, on="2026-10-06")),
                             400, field="on", contains="2026-10-07")
            self.assertError(self.act(f, action, dict(extra, on="2026-11-25")),
                             400, field="on", contains="future")
            self.assertError(self.act(f, action, dict(extra, on="hier")),
                             400, field="on")
        # A cancellation has no day; nothing was recorded by the refusals.
        self.assertError(self.act(f, "cancel", {"on": "2026-11-20"}), 400,
                         field="on")
        got = self.d.get("/v1/followups/%d" % f["id"]).body
        self.assertEqual((got["status"], got["done_on"], got["missed_on"]),
                         ("planned", None, None))

    def test_the_report_counts_the_day_it_took_place(self):
        employer = [f for f in self.past if f["kind"] == "employer"]
        r = self.act(employer[0], "done", {"assessment": "fine",
                                           "on": "2026-11-02"})
        self.assertEqual(r.status, 200, r)
        self.assertLess(employer[0]["due_on"], "2026-11-01")

        def meetings(since, until):
            r = self.d.get("/v1/reports/activity?from=%s&to=%s"
                           % (since, until))
            self.assertEqual(r.status, 200, r)
            return r.body["company_meetings"]["employer_followups"]
        self.assertEqual(meetings("2026-11-01", "2026-11-30"), 1)
        self.assertEqual(meetings("2026-10-01", "2026-10-31"), 0)


class PrivateCalendar(FollowupCase):
    def setUp(self):
        super().setUp()
        self.candidate("Élodie")
        self.pl = self.hire({"contract": "CDI", "start_on": "2026-12-18",
                             "trial_weeks": 8})
        self.fu = self.schedule(self.pl["id"])
        # The team's note on an appointment never reaches a calendar.
        r = self.d.post("/v1/followups/%d/cancel" % self.fu[-1]["id"],
                        {"note": "NOTE-DE-L-EQUIPE congés"})
        self.assertEqual(r.status, 200, r)

    def link(self, body, token=ADMIN, status=201):
        r = self.d.post("/v1/calendars", body, token=token)
        self.assertEqual(r.status, status, r)
        return r.body

    @unittest.skipIf(icalendar is None, "python3-icalendar missing")
    def test_a_plain_get_reads_the_feed_until_it_is_revoked(self):
        mine = self.link({"owner": CM}, token=self.iod)
        self.assertEqual((mine["owner"], "referent_id" in mine),
                         (CM, False))
        self.assertRegex(mine["url"], r"^/cal/[0-9a-f]{64}\.ics$")
        status, ctype, raw = plain_get(self.d.port, mine["url"])
        self.assertEqual(status, 200, raw[:300])
        self.assertEqual(ctype, "text/calendar; charset=utf-8")
        cal = icalendar.Calendar.from_ical(raw)
        self.assertEqual(str(cal["VERSION"]), "2.0")
        # The time zone the timed events use is in the feed.
        self.assertEqual([str(z["TZID"]) for z in cal.walk("VTIMEZONE")],
                         ["Europe/Paris"])
        events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
        self.assertEqual(len(events), len(self.fu) + 1)
        for f in self.fu:
            e = events["followup-%d@iod" % f["id"]]
            self.assertEqual(e["DTSTART"].dt.isoformat(), f["due_on"])
            self.assertIn("Élodie T.", str(e["SUMMARY"]))
            self.assertIn("Propreté Rhône Services", str(e["SUMMARY"]))
            self.assertIsNotNone(e.get("DTSTAMP"))
            self.assertEqual(str(e["STATUS"]), "CANCELLED"
                             if f["id"] == self.fu[-1]["id"] else
                             "CONFIRMED")
        # The meeting at the workstation, 2 December 2026 at 10:00 in
        # Paris (CET: 09:00 UTC), an hour long.
        e = events["meeting-%d@iod" % self.pl["proposal_id"]]
        start, end = e["DTSTART"], e["DTEND"]
        self.assertEqual(start.params.get("TZID"), "Europe/Paris")
        self.assertEqual(start.dt.isoformat(), "2026-12-02T10:00:00+01:00")
        self.assertEqual(end.dt.isoformat(), "2026-12-02T11:00:00+01:00")
        self.assertEqual(str(e["STATUS"]), "CONFIRMED")
        self.assertIn("Rencontre au poste – Élodie T.", str(e["SUMMARY"]))
        text = raw.decode("utf-8").replace("\r\n ", "").lower()
        for word in SOCIAL + ["note-de-l-equipe", "congés"]:
            self.assertNotIn(word, text)
        # Stable: the same UIDs at the next poll.
        _, _, again = plain_get(self.d.port, mine["url"])
        self.assertEqual(sorted(str(e["UID"]) for e in icalendar.Calendar
                                .from_ical(again).walk("VEVENT")),
                         sorted(events))
        # Listed without its secret; revoked, the URL is gone.
        r = self.d.get("/v1/calendars", token=self.iod)
        self.assertEqual([(c["id"], c["owner"]) for c in r.body["items"]],
                         [(mine["id"], CM)])
        self.assertNotIn(mine["url"][5:69], r.raw.decode())
        self.assertNotIn("hash", r.body["items"][0])
        r = self.d.delete("/v1/calendars/%d" % mine["id"], token=self.iod)
        self.assertEqual(r.status, 204, r)
        self.assertEqual(plain_get(self.d.port, mine["url"])[0], 404)
        self.assertEqual(self.d.get("/v1/calendars", token=self.iod)
                         .body["items"], [])
        self.assertError(self.d.delete("/v1/calendars/%d" % mine["id"],
                                       token=self.iod), 404)

    @unittest.skipIf(icalendar is None, "python3-icalendar missing")
    def test_a_referents_calendar_is_theirs_alone(self):
        # A referent makes a link to their own calendar, not another's,
        # and never a chargé de mission's.
        theirs = self.link({"referent_id": 1}, token=self.ref1)
        self.assertEqual(theirs["referent_id"], 1)
        self.assertError(self.d.post("/v1/calendars", {"referent_id": 2},
                                     token=self.ref1), 403,
                         field="referent_id")
        self.assertError(self.d.post("/v1/calendars", {"owner": CM},
                                     token=self.ref1), 403, field="owner")
        company = self.d.post("/v1/tokens", {"role": "company",
                                             "company_id": 1}).body["token"]
        self.assertEqual(self.d.post("/v1/calendars", {"referent_id": 1},
                                     token=company).status, 403)
        # An admin makes one for a referent; the body names one person.
        other = self.link({"referent_id": 2})
        self.assertError(self.d.post("/v1/calendars", {}), 400, field="owner")
        self.assertError(self.d.post("/v1/calendars", {
            "owner": CM, "referent_id": 1}), 400, field="referent_id")
        self.assertError(self.d.post("/v1/calendars", {"referent_id": 99}),
                         400, field="referent_id")
        # Each feed holds what its person may see.
        _, _, raw = plain_get(self.d.port, theirs["url"])
        uids = {str(e["UID"]) for e in icalendar.Calendar.from_ical(raw)
                .walk("VEVENT")}
        self.assertEqual(len(uids), len(self.fu) + 1)
        text = raw.decode("utf-8").replace("\r\n ", "").lower()
        for word in SOCIAL + ["note-de-l-equipe", "congés"]:
            self.assertNotIn(word, text)
        _, _, raw = plain_get(self.d.port, other["url"])
        self.assertEqual(icalendar.Calendar.from_ical(raw).walk("VEVENT"),
                         [])
        # Each referent lists and revokes only their own.
        self.assertEqual([c["id"] for c in self.d.get(
            "/v1/calendars", token=self.ref1).body["items"]], [theirs["id"]])
        self.assertError(self.d.delete("/v1/calendars/%d" % other["id"],
                                       token=self.ref1), 404)
        self.assertEqual(plain_get(self.d.port, other["url"])[0], 200)

    def test_unknown_secrets_and_other_requests_are_refused(self):
        mine = self.link({"owner": CM})
        for path in ("/cal/" + "0" * 64 + ".ics", "/cal/abc.ics",
                     "/cal/" + "A" * 64 + ".ics", mine["url"][:-4],
                     mine["url"].replace(".ics", ".ics/x")):
            self.assertEqual(plain_get(self.d.port, path)[0], 404, path)
        self.assertEqual(plain_get(self.d.port, mine["url"] + "?x=1")[0],
                         400)
        # No body, no other method.
        r = self.d.request("POST", mine["url"], {"x": 1}, token=None)
        self.assertEqual(r.status, 405, r)
        r = self.d.request("GET", mine["url"], {"x": 1}, token=None)
        self.assertEqual(r.status, 400, r)
        # The old feed of a token stays, with the same events.
        self.assertEqual(self.d.get("/v1/followups.ics", token=self.iod)
                         .status, 200)


class CalendarLimits(unittest.TestCase):
    """The calendar URL takes no token, so the head's limits and a rate
    of its own guard it: all unknown secrets share one rate, so guessing
    is slow and never slows a known link down."""

    def test_rates_and_head_limits(self):
        path = config(requests_per_minute=3)
        self.addCleanup(os.unlink, path)
        d = Daemon(args=["--config", path]).start()
        self.addCleanup(d.cleanup)
        self.assertEqual(d.post("/v1/referents", REFERENT).status, 201)
        url = d.post("/v1/calendars", {"referent_id": 1}).body["url"]
        guesses = ["/cal/%064x.ics" % i for i in range(5)]
        self.assertEqual([plain_get(d.port, g)[0] for g in guesses],
                         [404] * 3 + [429] * 2)
        self.assertEqual([plain_get(d.port, url)[0] for _ in range(4)],
                         [200] * 3 + [429])
        # A head over the limit is refused before any look-up.
        r = d.request("GET", url, token=None,
                      headers={"X-Pad": "x" * 70000})
        self.assertIn(r.status, (400, 431), r)


class SmallThings(FollowupCase):
    def test_a_meeting_before_the_proposal_is_refused(self):
        self.candidate("Alice")
        r = self.d.post("/v1/offers", dict(self.offer(), owner=CM))
        self.assertEqual(r.status, 201, r)
        p = self.d.post("/v1/offers/%d/proposal" % r.body["id"]
                        ).body["proposal"]
        self.assertEqual(p["proposed_on"], "2026-11-24")
        url = "/v1/proposals/%d/meeting" % p["id"]
        self.assertError(self.d.post(url, {"meeting": {
            "at": "2026-11-23T10:00", "place": "sur le poste"}}), 400,
            field="meeting.at", contains="2026-11-24")
        self.assertEqual(self.d.get("/v1/proposals/%d" % p["id"])
                         .body["status"], "proposed")
        r = self.d.post(url, {"meeting": {"at": "2026-11-24T16:00",
                                          "place": "sur le poste"}})
        self.assertEqual(r.status, 200, r)

    def test_an_expired_proposal_is_decided_on_the_day_it_expired(self):
        self.candidate("Alice")
        r = self.d.post("/v1/offers", dict(self.offer(), owner=CM))
        p = self.d.post("/v1/offers/%d/proposal" % r.body["id"]
                        ).body["proposal"]
        # iod-plie: 21 days undecided, so it expired on 15 December; the
        # daemon sweeps on 21 December.
        self.d.stop()
        self.d.env["IOD_TODAY"] = "2026-12-21"
        self.d.start()
        got = self.d.get("/v1/proposals/%d" % p["id"]).body
        self.assertEqual((got["status"], got["proposed_on"],
                          got["decided_on"]),
                         ("expired", "2026-11-24", "2026-12-15"))

    def offer(self):
        from test_matcher import OFFER
        return OFFER


if __name__ == "__main__":
    unittest.main()
