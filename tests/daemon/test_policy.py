"""Companies not over-solicited and positionnement.

A rule set may cap the proposals made to one company in a period
(max_proposals_per_company, per_days): every proposal made counts,
whatever became of it; at the cap the matcher proposes nobody and counts
the eligible under removed.company_cap, the ranked list is empty, and a
batch sends a company no more than what its period still allows, saying
how many offers the cap left without a pair.  A candidate's interest in an
offer, expressed at an information session, is recorded
(/v1/offers/{id}/interests: admin, iod, and a référent for their own
people) and adds the rule set's expressed_interest points to their score
for that offer only; the activity report counts the sessions and the
interests of its period."""
import unittest

from iodtest import DaemonCase
from test_api import COMPANY, REFERENT
from test_matcher import OFFER, cand
from test_report import luhn_siret

# Today is 2026-11-24 for every daemon of the tests (IOD_TODAY).
OTHER = {"name": "Marc Roux", "structure": "Maison de l'emploi",
         "email": "m.roux@mde.example"}
COMPANY2 = dict(COMPANY, siret=luhn_siret("4000000000777"),
                name="Nettoyage du Rhône", favoured_publics=[])
SESSION = "Réunion d'information 12/11"


class PolicyCase(DaemonCase):
    def setUp(self):
        super().setUp()
        for body in (REFERENT, OTHER):
            self.assertEqual(self.d.post("/v1/referents", body).status, 201)
        for body in (dict(COMPANY, favoured_publics=[]), COMPANY2):
            self.assertEqual(self.d.post("/v1/companies", body).status, 201)

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

    def cap(self, n, days):
        src = self.d.get("/v1/rulesets/iod-plie").body["source"]
        src = src.replace("policies:\n", "policies:\n"
                          "  max_proposals_per_company: %d\n"
                          "  per_days: %d\n" % (n, days), 1)
        r = self.d.put("/v1/rulesets/iod-plie", raw=src.encode(),
                       ctype="application/yaml")
        self.assertEqual(r.status, 200, r)

    def restart(self, today):
        self.d.stop()
        self.d.env["IOD_TODAY"] = today
        self.d.start()


class CompanyCap(PolicyCase):
    def test_third_proposal_in_30_days_is_refused(self):
        self.cap(2, 30)
        people = [self.candidate(cand(n)) for n in ("Ana", "Bea", "Cleo")]
        offers = [self.offer() for _ in range(3)]
        for oid in offers[:2]:
            r = self.d.post("/v1/offers/%d/proposal" % oid)
            self.assertEqual(r.status, 201, r)
        r = self.d.post("/v1/offers/%d/proposal" % offers[2])
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.body["proposal"])
        self.assertEqual(r.body["eligible"], 0)
        self.assertEqual(r.body["removed"]["company_cap"], 1)
        r = self.d.get("/v1/offers/%d/candidates" % offers[2])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["candidates"], [])
        self.assertEqual(r.body["removed"]["company_cap"], 1)
        # Another company is not held back.
        other = self.offer(company_id=2)
        r = self.d.post("/v1/offers/%d/proposal" % other)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["removed"]["company_cap"], 0)
        self.assertIn(r.body["proposal"]["candidate_id"], people)
        # The proposals count whatever became of them: withdrawn, still.
        pid = self.d.get("/v1/proposals?limit=10").body["items"][0]["id"]
        r = self.d.post("/v1/proposals/%d/withdraw" % pid,
                        {"reason": "poste modifié"})
        self.assertEqual(r.status, 200, r)
        r = self.d.post("/v1/offers/%d/proposal" % offers[2])
        self.assertIsNone(r.body["proposal"])
        # 29 days later both are still in the period; 30 days later the
        # first day's have left it.
        self.restart("2026-12-23")
        r = self.d.post("/v1/offers/%d/proposal" % offers[2])
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.body["proposal"])
        self.assertGreater(r.body["removed"]["company_cap"], 0)
        self.restart("2026-12-24")
        r = self.d.post("/v1/offers/%d/proposal" % offers[2])
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["removed"]["company_cap"], 0)

    def test_no_cap_when_absent(self):
        for n in ("Ana", "Bea", "Cleo"):
            self.candidate(cand(n))
        for _ in range(3):
            r = self.d.post("/v1/offers/%d/proposal" % self.offer())
            self.assertEqual(r.status, 201, r)
            self.assertEqual(r.body["removed"]["company_cap"], 0)

    def test_rule_set_keys_checked(self):
        src = self.d.get("/v1/rulesets/iod-plie").body["source"]
        bad = src.replace("policies:\n", "policies:\n"
                          "  max_proposals_per_company: 0\n"
                          "  per_days: many\n", 1)
        r = self.d.put("/v1/rulesets/iod-plie", raw=bad.encode(),
                       ctype="application/yaml")
        err = self.assertError(r, 400, code="invalid_ruleset")
        self.assertEqual(len(err["errors"]), 2, err)
        self.assertTrue(err["errors"][0].startswith("iod-plie:"), err)
        self.assertIn("policies.max_proposals_per_company", err["errors"][0])
        self.assertIn("policies.per_days", err["errors"][1])

    def test_batch_keeps_to_the_cap(self):
        self.cap(2, 30)
        for n in ("Ana", "Bea", "Cleo", "Dora", "Eva"):
            self.candidate(cand(n))
        first = self.offer()
        r = self.d.post("/v1/offers/%d/proposal" % first)
        self.assertEqual(r.status, 201, r)
        mine = [self.offer() for _ in range(3)]
        theirs = self.offer(company_id=2)
        r = self.d.post("/v1/match:batch", {"dry_run": False})
        self.assertEqual(r.status, 200, r)
        got = {a["offer_id"] for a in r.body["assignments"]}
        # Company 1 had one proposal left in its period: one of its three
        # offers gets a pair, the two others are the cap's.
        self.assertEqual(len(got & set(mine)), 1, r.body)
        self.assertIn(theirs, got)
        self.assertEqual(r.body["assigned"], 2)
        self.assertEqual(r.body["company_cap"], 2)
        # Nothing left for company 1: a second batch pairs none of its
        # offers and says so.
        r = self.d.post("/v1/match:batch", {"dry_run": True})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["assignments"], [])
        self.assertEqual(r.body["company_cap"], 2)


class Interests(PolicyCase):
    def setUp(self):
        super().setUp()
        # Ana: rsa 30 + 12 months 24 + same commune 10 + territory 5 = 69.
        self.ana = self.candidate(cand("Ana", publics=["rsa"]))
        # Bea: senior 10 + 13 months 26 + 15 = 51, 71 when interested.
        self.bea = self.candidate(cand("Bea", publics=["senior"],
                                       oriented_on="2025-10-24"))
        # Another référent's.
        self.zoe = self.candidate(cand("Zoé", referent_id=2))
        self.job = self.offer()
        self.other = self.offer(title="Agent d'entretien")

    def interest(self, cid, oid=None, status=201, token=None, **kw):
        body = dict({"candidate_id": cid, "on": "2026-11-12",
                     "session": SESSION}, **kw)
        extra = {"token": token} if token else {}
        r = self.d.post("/v1/offers/%d/interests" % (oid or self.job), body,
                        **extra)
        self.assertEqual(r.status, status, r)
        return r

    def test_interest_changes_the_winner(self):
        r = self.d.get("/v1/offers/%d/candidates" % self.job)
        self.assertEqual(r.body["candidates"][0]["candidate_id"], self.ana)
        r = self.interest(self.bea)
        self.assertEqual((r.body["candidate_id"], r.body["on"],
                          r.body["session"]), (self.bea, "2026-11-12",
                                               SESSION))
        # The other offer is not concerned.
        r = self.d.get("/v1/offers/%d/candidates" % self.other)
        self.assertEqual(r.body["candidates"][0]["candidate_id"], self.ana)
        r = self.d.get("/v1/offers/%d/candidates" % self.job)
        top = r.body["candidates"][0]
        self.assertEqual((top["candidate_id"], top["score"]), (self.bea, 71))
        self.assertIn({"criterion": "expressed_interest", "points": 20},
                      top["score_parts"])
        r = self.d.post("/v1/offers/%d/proposal" % self.job)
        self.assertEqual(r.status, 201, r)
        p = r.body["proposal"]
        self.assertEqual((p["candidate_id"], p["score"]), (self.bea, 71))
        self.assertIn({"criterion": "expressed_interest", "points": 20},
                      p["score_parts"])
        # Withdrawn, the interest counts no more; it survives a restart.
        self.interest(self.ana, oid=self.other)
        self.d.stop()
        self.d.start()
        r = self.d.get("/v1/offers/%d/candidates" % self.other)
        self.assertEqual(r.body["candidates"][0]["score"], 89)
        r = self.d.delete("/v1/offers/%d/interests?candidate_id=%d"
                          % (self.other, self.ana))
        self.assertEqual(r.status, 204, r)
        r = self.d.get("/v1/offers/%d/candidates" % self.other)
        self.assertEqual(r.body["candidates"][0]["score"], 69)
        self.assertError(self.d.delete(
            "/v1/offers/%d/interests?candidate_id=%d" % (self.other,
                                                         self.ana)),
            404, field="candidate_id")

    def test_checked(self):
        self.interest(self.bea, on="2026-11-25", status=400)
        self.interest(self.bea, on="12/11", status=400)
        self.interest(self.bea, session="x" * 121, status=400)
        self.interest(self.bea, oid=999, status=404)
        r = self.interest(self.bea, status=400, colour="blue")
        self.assertEqual(r.error()["field"], "colour")
        r = self.interest(999, status=404)
        self.assertEqual(r.error()["field"], "candidate_id")
        # The same pair again replaces it.
        self.interest(self.bea, on="2026-11-13", status=201)
        r = self.interest(self.bea, on="2026-11-19", status=200)
        r = self.d.get("/v1/offers/%d/interests" % self.job)
        self.assertEqual([(i["candidate_id"], i["on"])
                          for i in r.body["items"]],
                         [(self.bea, "2026-11-19")])
        self.assertError(self.d.delete("/v1/offers/%d/interests"
                                       % self.job), 400,
                         field="candidate_id")

    def test_referent_scope(self):
        mine = self.token(role="referent", referent_id=1, subject="n.benali")
        theirs = self.token(role="referent", referent_id=2, subject="m.roux")
        company = self.token(role="company", company_id=1, subject="rh")
        self.interest(self.bea, token=mine)
        self.interest(self.zoe, token=mine, status=404)
        self.interest(self.zoe, token=theirs)
        self.interest(self.ana, token=company, status=403)
        items = lambda tok: [i["candidate_id"] for i in self.d.get(
            "/v1/offers/%d/interests" % self.job, token=tok).body["items"]]
        self.assertEqual(items(mine), [self.bea])
        self.assertEqual(items(theirs), [self.zoe])
        admin = [i["candidate_id"] for i in self.d.get(
            "/v1/offers/%d/interests" % self.job).body["items"]]
        self.assertEqual(sorted(admin), sorted([self.bea, self.zoe]))
        self.assertEqual(self.d.get("/v1/offers/%d/interests" % self.job,
                                    token=company).status, 403)
        r = self.d.delete("/v1/offers/%d/interests?candidate_id=%d"
                          % (self.job, self.zoe), token=mine)
        self.assertEqual(r.status, 404, r)
        r = self.d.delete("/v1/offers/%d/interests?candidate_id=%d"
                          % (self.job, self.zoe), token=theirs)
        self.assertEqual(r.status, 204, r)

    def test_erasure_forgets_interests(self):
        self.interest(self.bea)
        self.interest(self.ana)
        self.assertEqual(self.d.delete("/v1/candidates/%d" % self.bea).status,
                         204)
        r = self.d.get("/v1/offers/%d/interests" % self.job)
        self.assertEqual([i["candidate_id"] for i in r.body["items"]],
                         [self.ana])
        self.interest(self.bea, status=410)

    def test_report_counts(self):
        self.interest(self.ana)
        self.interest(self.bea)
        self.interest(self.bea, oid=self.other, session="Réunion 19/11",
                      on="2026-11-19")
        self.interest(self.zoe, oid=self.other, on="2026-10-30",
                      session="Réunion 30/10")
        r = self.d.get("/v1/reports/activity?from=2026-11-01&to=2026-11-30")
        self.assertEqual(r.status, 200, r)
        t = r.body["table"]
        self.assertEqual((t["positioning_sessions"], t["interests"]), (2, 3))
        r = self.d.get("/v1/reports/activity?from=2026-10-01&to=2026-11-30"
                       "&format=csv")
        lines = r.raw[3:].decode("utf-8").split("\r\n")
        self.assertIn("Séances de positionnement;3;", lines)
        self.assertIn("Intérêts exprimés;4;", lines)


if __name__ == "__main__":
    unittest.main()
