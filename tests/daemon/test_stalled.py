"""Stalled people and caseloads: a person oriented more than
stalled_after_days ago with no proposal since is listed
(GET /v1/candidates?stalled=true) with why the open offers of their trade
went elsewhere, announced once to their référent (candidate.stalled, by the
sweep at start and each day), no longer listed after a proposal; a
référent's caseload counts their people by state against caseload_max and
warns once when it is passed (referent.over_cap); both rule-set keys are
checked like the others."""
import unittest

from iodtest import DaemonCase
from test_api import COMPANY, REFERENT
from test_matcher import OFFER, cand

# Today is 2026-11-24 for every daemon of the tests (IOD_TODAY).
OTHER = {"name": "Marc Roux", "structure": "Maison de l'emploi",
         "email": "m.roux@mde.example"}
HIRE = {"contract": "CDI", "start_on": "2026-12-18", "weekly_hours": 35,
        "trial_weeks": 8}


class StallCase(DaemonCase):
    """Two référents, four people, four open offers."""

    def setUp(self):
        super().setUp()
        for body in (REFERENT, OTHER):
            self.assertEqual(self.d.post("/v1/referents", body).status, 201)
        self.assertEqual(self.d.post("/v1/companies", COMPANY).status, 201)
        # Oriented 31 days ago, Villeurbanne only, 20 hours a week at most.
        self.stella = self.candidate(cand(
            "Stella", oriented_on="2026-10-24", commune="69266",
            zone="commune", max_weekly_hours=20))
        # Oriented 10 days ago: waiting, not stalled.
        self.nora = self.candidate(cand("Nora", oriented_on="2026-11-14"))
        # On hold: not stalled, not active.
        self.paul = self.candidate(cand("Paul", status="on_hold"))
        # Another référent's, who ranks first wherever both are eligible.
        self.binta = self.candidate(cand(
            "Binta", referent_id=2, publics=["deld", "rsa"], qpv=True,
            commune="69266", zone="metropole", oriented_on="2024-11-24"))
        # Lyon 8e: too far for Stella's zone.
        self.far = self.offer(commune="69388", weekly_hours=20)
        # Villeurbanne, full time: too many hours for her.
        self.long = self.offer(commune="69266", weekly_hours=35)
        # Villeurbanne, 20 hours: eligible, Binta ranks first.
        self.near = self.offer(commune="69266", weekly_hours=20)
        # Another trade, not hers: not counted.
        self.offer(rome="G1602")

    def candidate(self, body):
        r = self.d.post("/v1/candidates", body)
        self.assertEqual(r.status, 201, r)
        return r.body["id"]

    def offer(self, **kw):
        r = self.d.post("/v1/offers", dict(OFFER, **kw))
        self.assertEqual(r.status, 201, r)
        return r.body["id"]

    def token(self, **body):
        r = self.d.post("/v1/tokens", body)
        self.assertEqual(r.status, 201, r)
        return r.body["token"]

    def stalled(self, **kw):
        r = self.d.get("/v1/candidates?stalled=true&limit=100", **kw)
        self.assertEqual(r.status, 200, r)
        return {c["id"]: c["stalled"] for c in r.body["items"]}

    def restart(self, today=None):
        self.d.stop()
        if today is not None:
            self.d.env["IOD_TODAY"] = today
        self.d.start()

    def events(self, kind):
        r = self.d.get("/v1/events?limit=1000")
        return [e for e in r.body["items"] if e["type"] == kind]


class Stalled(StallCase):
    def test_listed_with_reasons_until_a_proposal(self):
        got = self.stalled()
        self.assertEqual(sorted(got), sorted([self.stella, self.binta]))
        s = got[self.stella]
        self.assertEqual((s["since"], s["days"], s["after_days"]),
                         ("2026-10-24", 31, 30))
        self.assertEqual(s["reasons"], {"zone": 1, "hours": 1})
        self.assertEqual((s["ranked_below"], s["offers"]), (1, 3))
        # The same on the record, and not on a waiting person's.
        r = self.d.get("/v1/candidates/%d" % self.stella)
        self.assertEqual(r.body["stalled"], s)
        r = self.d.get("/v1/candidates/%d" % self.nora)
        self.assertNotIn("stalled", r.body)
        self.assertNotIn(self.nora, self.stalled())
        # Exactly 30 days is not more than 30.
        olga = self.candidate(cand("Olga", oriented_on="2026-10-25"))
        self.assertNotIn(olga, self.stalled())
        self.d.delete("/v1/candidates/%d" % olga)
        r = self.d.get("/v1/candidates?stalled=false&limit=100")
        self.assertEqual(sorted(c["id"] for c in r.body["items"]),
                         sorted([self.nora, self.paul]))
        self.assertNotIn("stalled", r.body["items"][0])
        self.assertError(self.d.get("/v1/candidates?stalled=yes"), 400,
                         field="stalled")
        # A body read can be written back: "stalled" is read-only.
        body = self.d.get("/v1/candidates/%d" % self.stella).body
        self.assertEqual(self.d.put("/v1/candidates/%d" % self.stella,
                                    body).status, 200)
        # With Binta on hold, the near offer goes to Stella.
        r = self.d.put("/v1/candidates/%d" % self.binta,
                       dict(cand("Binta", referent_id=2, commune="69266"),
                            status="on_hold"))
        self.assertEqual(r.status, 200, r)
        r = self.d.post("/v1/offers/%d/proposal" % self.near)
        self.assertEqual(r.status, 201, r)
        p = r.body["proposal"]
        self.assertEqual(p["candidate_id"], self.stella)
        self.assertEqual(self.stalled(), {})
        # Withdrawn, the wait starts again from the proposal.
        r = self.d.post("/v1/proposals/%d/withdraw" % p["id"],
                        {"reason": "horaires à revoir"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.stalled(), {})
        self.assertNotIn("stalled",
                         self.d.get("/v1/candidates/%d" % self.stella).body)

    def test_referent_sees_their_own(self):
        mine = self.token(role="referent", referent_id=1, subject="n.benali")
        theirs = self.token(role="referent", referent_id=2, subject="m.roux")
        self.assertEqual(list(self.stalled(token=mine)), [self.stella])
        self.assertEqual(list(self.stalled(token=theirs)), [self.binta])
        company = self.token(role="company", company_id=1, subject="rh")
        self.assertEqual(self.d.get("/v1/candidates?stalled=true",
                                    token=company).status, 403)

    def test_announced_once_per_stall(self):
        self.assertEqual(self.events("candidate.stalled"), [])
        self.restart()
        ev = self.events("candidate.stalled")
        self.assertEqual(sorted((e["id"], e["data"]["referent_id"])
                                for e in ev),
                         sorted([(self.stella, 1), (self.binta, 2)]))
        mine = [e for e in ev if e["id"] == self.stella][0]
        self.assertEqual((mine["data"]["since"], mine["data"]["days"]),
                         ("2026-10-24", 31))
        # Once: another start says nothing new.
        self.restart()
        self.assertEqual(len(self.events("candidate.stalled")), 2)
        # A proposal ends the stall; 31 days after it, a new one.
        r = self.d.post("/v1/offers/%d/proposal" % self.near)
        p = r.body["proposal"]
        self.assertEqual(p["candidate_id"], self.binta)
        r = self.d.post("/v1/proposals/%d/withdraw" % p["id"],
                        {"reason": "horaires à revoir"})
        self.assertEqual(r.status, 200, r)
        self.restart()
        self.assertEqual(len(self.events("candidate.stalled")), 2)
        self.restart(today="2026-12-25")
        ev = self.events("candidate.stalled")
        again = [e for e in ev if e["id"] == self.binta]
        self.assertEqual([e["data"]["since"] for e in again],
                         ["2024-11-24", "2026-11-24"])
        # Nora's wait passed 30 days too by then: announced, once.
        self.assertEqual(len([e for e in ev if e["id"] == self.nora]), 1)
        self.assertEqual(len([e for e in ev if e["id"] == self.stella]), 1)


class Caseloads(StallCase):
    def caseload(self, rid, **kw):
        r = self.d.get("/v1/referents/%d" % rid, **kw)
        self.assertEqual(r.status, 200, r)
        return r.body["caseload"]

    def test_counts_by_state(self):
        # Pia hired (placed, in follow-up), Quentin proposed.
        pia = self.candidate(cand("Pia", rome=["G1602"], zone="metropole"))
        oid = self.offer(rome="G1602", owner="cm-martin")
        r = self.d.post("/v1/offers/%d/proposal" % oid)
        self.assertEqual(r.body["proposal"]["candidate_id"], pia, r)
        pid = r.body["proposal"]["id"]
        r = self.d.post("/v1/proposals/%d/meeting" % pid, {"meeting": {
            "at": "2026-12-02T10:00", "place": "sur le poste"}})
        self.assertEqual(r.status, 200, r)
        r = self.d.post("/v1/proposals/%d/hire" % pid, HIRE)
        self.assertEqual(r.status, 200, r)
        quentin = self.candidate(cand("Quentin", rome=["G1602"],
                                      zone="metropole"))
        r = self.d.post("/v1/offers/%d/proposal" %
                        self.offer(rome="G1602"))
        self.assertEqual(r.body["proposal"]["candidate_id"], quentin, r)
        want = {"active": 3, "proposed": 1, "placed": 1, "in_followup": 1,
                "stalled": 1, "cap": 90, "over_cap": False}
        self.assertEqual(self.caseload(1), want)
        self.assertEqual(self.caseload(2), dict(
            want, active=1, proposed=0, placed=0, in_followup=0))
        # The list carries them too, from the same pass.
        r = self.d.get("/v1/referents")
        self.assertEqual([x["caseload"] for x in r.body["items"]],
                         [self.caseload(1), self.caseload(2)])
        # A référent reads them; a body read can be written back.
        tok = self.token(role="referent", referent_id=1, subject="n.benali")
        self.assertEqual(self.caseload(1, token=tok), want)
        body = self.d.get("/v1/referents/1").body
        self.assertEqual(self.d.put("/v1/referents/1", body).status, 200)

    def test_over_the_cap_warns_once(self):
        src = self.d.get("/v1/rulesets/iod-plie").body["source"]
        low = src.replace("caseload_max: 90", "caseload_max: 1")
        r = self.d.put("/v1/rulesets/iod-plie", raw=low.encode(),
                       ctype="application/yaml")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.caseload(1)["over_cap"], True)
        self.assertEqual(self.caseload(1)["cap"], 1)
        self.assertEqual(self.caseload(2)["over_cap"], False)
        self.restart()
        ev = self.events("referent.over_cap")
        self.assertEqual([(e["id"], e["data"]["referent_id"],
                           e["data"]["people"], e["data"]["cap"])
                          for e in ev], [(1, 1, 2, 1)])
        self.restart()
        self.assertEqual(len(self.events("referent.over_cap")), 1)

    def test_rule_set_keys_checked(self):
        src = self.d.get("/v1/rulesets/iod-plie").body["source"]
        lines = src.split("\n")
        for key, bad in (("stalled_after_days", "-3"),
                         ("stalled_after_days", "soon"),
                         ("caseload_max", "-1"), ("caseload_max", "many")):
            row = next(i for i, l in enumerate(lines)
                       if l.startswith("  %s:" % key))
            text = "\n".join(lines[:row] + ["  %s: %s" % (key, bad)] +
                             lines[row + 1:])
            r = self.d.put("/v1/rulesets/iod-plie", raw=text.encode(),
                           ctype="application/yaml")
            err = self.assertError(r, 400, code="invalid_ruleset")
            self.assertEqual(len(err["errors"]), 1, err)
            self.assertTrue(err["errors"][0].startswith(
                "iod-plie:%d:3: policies.%s" % (row + 1, key)), err)
        self.assertEqual(self.d.get("/v1/rulesets/iod-plie").body["version"],
                         1)


if __name__ == "__main__":
    unittest.main()
