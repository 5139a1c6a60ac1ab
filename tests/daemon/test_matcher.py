"""The matcher through the API: the one best candidate with its reasons,
the policies of the rule set, the proposal life cycle, the ranked list,
and the batch assignment checked against exhaustive search and scipy."""
import itertools
import random
import unittest

from iodtest import DaemonCase
from test_api import COMPANY, REFERENT

try:
    from scipy.optimize import linear_sum_assignment
    import numpy
except ImportError:
    linear_sum_assignment = None

# Today is 2026-11-24 for every daemon of the tests (IOD_TODAY).
OFFER = {"company_id": 1, "title": "Agent de propreté", "rome": "K2204",
         "commune": "69388", "contract": "CDI", "weekly_hours": 24,
         "schedule": ["early"], "start_on": "2026-12-07",
         "workstation_visit": {"on": "2026-11-12", "notes": "équipe de 3"},
         "ruleset": "iod-plie"}


def cand(name, **kw):
    c = {"first_name": name, "last_name": "Test", "birth_date": "1985-05-05",
         "sex": "F", "commune": "69388", "qpv": False, "programme": "plie",
         "referent_id": 1, "oriented_on": "2025-11-24", "publics": [],
         "rome": ["K2204"], "contracts": ["CDI", "CDD"],
         "max_weekly_hours": 35, "schedule_ok": ["early"],
         "mobility": {"licence_b": False, "vehicle": False,
                      "zone": "territory"},
         "available_on": "2026-12-01",
         "consent": {"on": "2025-11-24", "scope": "matching_followup"}}
    cand_mob = kw.pop("zone", None)
    c.update(kw)
    if cand_mob:
        c["mobility"] = dict(c["mobility"], zone=cand_mob)
    return c


# Under rules/iod-plie.yaml (rsa 30, deld 30, qpv 20, 2 points a month of
# wait up to 24, same commune 10, same territory 5, favoured public 15):
PEOPLE = [
    # A: rsa 30 + 12 months 24 + same commune 10 + same territory 5 = 69
    cand("Alice", publics=["rsa"]),
    # B: rsa 30 + deld 30 + qpv 20 + 24 months 48 + favoured deld 15 = 143
    cand("Binta", publics=["deld", "rsa"], qpv=True, commune="69266",
         oriented_on="2024-11-24", zone="metropole"),
    # C: no consent
    dict(cand("Chloé", rome=["K2201"]), consent=None),
    # D: a Mission Locale youth
    cand("Dylan", programme="mission_locale"),
    # E: no early mornings
    cand("Emma", schedule_ok=[]),
    # F: another trade
    cand("Fanny", rome=["G1602"]),
    # G: Villeurbanne only, the offer is in Lyon 8e
    cand("Gaëlle", commune="69266", zone="commune"),
]


class Matching(DaemonCase):
    def setUp(self):
        super().setUp()
        self.assertEqual(self.d.post("/v1/referents", REFERENT).status, 201)
        company = dict(COMPANY, favoured_publics=["deld"])
        self.assertEqual(self.d.post("/v1/companies", company).status, 201)
        r = self.d.post("/v1/candidates:batch", PEOPLE)
        self.assertEqual(r.body["refused"], [], r)
        self.ids = {p["first_name"]: x["id"]
                    for p, x in zip(PEOPLE, r.body["created"])}

    def offer(self, **kw):
        r = self.d.post("/v1/offers", dict(OFFER, **kw))
        self.assertEqual(r.status, 201, r)
        return r.body["id"]

    def propose(self, oid, status=201):
        r = self.d.post("/v1/offers/%d/proposal" % oid)
        self.assertEqual(r.status, status, r)
        return r.body

    def test_the_one_best_candidate_and_why(self):
        oid = self.offer()
        events = self.d.get("/healthz").body["events"]
        body = self.propose(oid)
        p = body["proposal"]
        self.assertEqual(p["candidate_id"], self.ids["Binta"])
        self.assertEqual(p["score"], 143)
        self.assertEqual(sorted((x["criterion"], x["points"])
                                for x in p["score_parts"]),
                         [("favoured_public:deld", 15), ("public:deld", 30),
                          ("public:rsa", 30), ("qpv", 20),
                          ("waiting_time", 48)])
        self.assertEqual(sum(x["points"] for x in p["score_parts"]), 143)
        self.assertEqual((p["ruleset"], p["ruleset_version"]), ("iod-plie", 1))
        self.assertEqual((body["ruleset"], body["ruleset_version"]),
                         ("iod-plie", 1))
        self.assertEqual(p["eligible"], 2)
        self.assertEqual(body["eligible"], 2)
        self.assertEqual(p["status"], "proposed")
        self.assertEqual(body["removed"], {
            "rome": 1, "status": 0, "consent": 1, "programme": 1,
            "exclusive": 0, "cooldown": 0, "contract": 0, "hours": 0,
            "schedule": 1, "availability": 0, "licence": 0, "zone": 1,
            "company_cap": 0})
        # Recorded, with an event, and readable again.
        self.assertEqual(self.d.get("/healthz").body["events"], events + 1)
        got = self.d.get("/v1/proposals/%d" % p["id"]).body
        self.assertEqual(got["score"], 143)

    def test_ranked_list_records_nothing(self):
        oid = self.offer()
        events = self.d.get("/healthz").body["events"]
        r = self.d.get("/v1/offers/%d/candidates?limit=5" % oid)
        self.assertEqual(r.status, 200, r)
        self.assertEqual([(c["first_name"], c["score"])
                          for c in r.body["candidates"]],
                         [("Binta", 143), ("Alice", 69)])
        self.assertEqual(r.body["eligible"], 2)
        self.assertEqual(self.d.get("/healthz").body["events"], events)
        self.assertEqual(self.d.get("/v1/proposals").body["items"], [])
        # The chargé de mission's eyes only: not a referent's.
        tok = self.d.post("/v1/tokens", {"role": "referent",
                                         "referent_id": 1}).body["token"]
        self.assertEqual(self.d.get("/v1/offers/%d/candidates" % oid,
                                    token=tok).status, 403)

    def test_same_state_same_answer(self):
        a, b = self.offer(), self.offer()
        # Identical offers: the first gets Binta, the second (Binta is
        # held by candidate_exclusive) gets Alice, every time.
        pa = self.propose(a)["proposal"]
        pb = self.propose(b)["proposal"]
        self.assertEqual([pa["candidate_id"], pb["candidate_id"]],
                         [self.ids["Binta"], self.ids["Alice"]])
        self.propose(b, 409)
        c = self.offer()
        body = self.propose(c, 200)
        self.assertIsNone(body["proposal"])
        self.assertEqual(body["eligible"], 0)
        self.assertEqual(body["removed"]["exclusive"], 2)

    def test_policies(self):
        oid = self.offer()
        self.propose(oid)
        r = self.d.post("/v1/offers/%d/proposal" % oid)
        self.assertError(r, 409, code="offer_has_proposal")
        novisit = dict(OFFER)
        del novisit["workstation_visit"]
        r = self.d.post("/v1/offers", novisit)
        r = self.d.post("/v1/offers/%d/proposal" % r.body["id"])
        self.assertError(r, 409, field="workstation_visit")
        nobody = self.offer(rome="A1101")
        body = self.propose(nobody, 200)
        self.assertIsNone(body["proposal"])
        self.assertEqual(body["removed"]["rome"], len(PEOPLE))
        self.assertError(self.d.post("/v1/offers", dict(OFFER,
                         ruleset="nope")), 400, field="ruleset")

    def test_life_cycle(self):
        oid = self.offer()
        p = self.propose(oid)["proposal"]
        url = "/v1/proposals/%d/" % p["id"]
        self.assertError(self.d.post(url + "hire"), 409, code="bad_transition")
        self.assertError(self.d.post(url + "meeting", {"meeting": {
            "at": "2026-12-02 10:00", "place": "atelier"}}), 400,
            field="meeting")
        r = self.d.post(url + "meeting", {"meeting": {
            "at": "2026-12-02T10:00", "place": "Atelier, 12 rue Garon"}})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["status"], "meeting_scheduled")
        self.assertError(self.d.post(url + "refuse", {}), 400, field="reason")
        r = self.d.post(url + "refuse", {"reason": "poste déjà pourvu"})
        self.assertEqual(r.body["status"], "refused")
        self.assertError(self.d.post(url + "withdraw", {"reason": "x"}), 409)
        # Refused: the offer is free again, for someone else; Binta is in
        # the company's 90-day cool-down.
        body = self.propose(oid)
        self.assertEqual(body["proposal"]["candidate_id"], self.ids["Alice"])
        self.assertEqual(body["removed"]["cooldown"], 1)
        p2 = body["proposal"]
        self.assertEqual(self.d.post("/v1/proposals/%d/withdraw" % p2["id"],
                                     {"reason": "offre suspendue"}).status, 200)
        self.assertError(self.d.post("/v1/proposals/%d/hire" % p2["id"]), 409)
        p3 = self.propose(oid)["proposal"]
        self.assertEqual(p3["candidate_id"], self.ids["Alice"])
        u3 = "/v1/proposals/%d/" % p3["id"]
        self.d.post(u3 + "meeting", {"meeting": {"at": "2026-12-03T09:30",
                                                 "place": "sur le poste"}})
        r = self.d.post(u3 + "hire")
        self.assertEqual(r.body["status"], "hired", r)
        self.assertEqual(self.d.get("/v1/offers/%d" % oid).body["status"],
                         "filled")
        self.assertEqual(self.d.get("/v1/candidates/%d" % self.ids["Alice"])
                         .body["status"], "placed")
        self.assertError(self.d.post("/v1/offers/%d/proposal" % oid), 409,
                         code="offer_not_open")
        types = [e for e in self.events() if e.startswith("proposal.")]
        self.assertEqual(types, ["proposal.created", "proposal.meeting_scheduled",
                                 "proposal.refused", "proposal.created",
                                 "proposal.withdrawn", "proposal.created",
                                 "proposal.meeting_scheduled", "proposal.hired"])

    def events(self):
        r = self.d.get("/v1/events?limit=1000")
        self.assertEqual(r.status, 200, r)
        return [e["type"] for e in r.body["items"]]

    def test_state_survives_a_restart(self):
        oid = self.offer()
        p = self.propose(oid)["proposal"]
        self.d.stop()
        self.d.start()
        self.assertError(self.d.post("/v1/offers/%d/proposal" % oid), 409,
                         code="offer_has_proposal")
        # 27 days later the proposal has expired: the offer is free again.
        self.d.stop()
        self.d.env["IOD_TODAY"] = "2026-12-21"
        self.d.start()
        self.assertEqual(self.d.get("/v1/proposals/%d" % p["id"])
                         .body["status"], "expired")
        self.assertEqual(self.propose(oid)["proposal"]["candidate_id"],
                         self.ids["Binta"])


class RuleSets(DaemonCase):
    def test_atomic_replacement_and_versions(self):
        r = self.d.get("/v1/rulesets")
        self.assertEqual(sorted((x["name"], x["version"])
                                for x in r.body["items"]),
                         [("iod-plie", 1), ("mission-locale", 1)])
        src = self.d.get("/v1/rulesets/iod-plie").body["source"]
        bad = src.replace("qpv: 20", "qpv: lots").replace(
            "rsa: 30", "sex: 30")
        r = self.d.put("/v1/rulesets/iod-plie", raw=bad.encode(),
                       ctype="application/yaml")
        err = self.assertError(r, 400, code="invalid_ruleset")
        self.assertEqual(len(err["errors"]), 2, err)
        self.assertTrue(any("protected ground" in e for e in err["errors"]))
        self.assertTrue(all(e.startswith("iod-plie:") for e in err["errors"]))
        self.assertEqual(self.d.get("/v1/rulesets/iod-plie").body["version"], 1)
        good = src.replace("qpv: 20", "qpv: 25")
        r = self.d.put("/v1/rulesets/iod-plie", raw=good.encode(),
                       ctype="application/yaml")
        self.assertEqual((r.status, r.body["version"]), (200, 2), r)
        # The same text again is no new version.
        r = self.d.put("/v1/rulesets/iod-plie", raw=good.encode(),
                       ctype="application/yaml")
        self.assertEqual(r.body["version"], 2)
        r = self.d.put("/v1/rulesets/other-name", raw=good.encode(),
                       ctype="application/yaml")
        self.assertError(r, 400, field="name")
        # A restart keeps the API's version: the shipped file is as it was
        # when it gave version 1.
        self.d.stop()
        self.d.start()
        self.assertEqual(self.d.get("/v1/rulesets/iod-plie").body["version"], 2)


def brute_force(scores, noffers, ncands):
    """The largest total of a one-to-one assignment, trying them all."""
    best = 0

    def walk(o, used, total):
        nonlocal best
        if o == noffers:
            best = max(best, total)
            return
        walk(o + 1, used, total)            # offer o gets nobody
        for c in range(ncands):
            if c not in used and (o, c) in scores:
                walk(o + 1, used | {c}, total + scores[(o, c)])

    walk(0, frozenset(), 0)
    return best


class Batch(DaemonCase):
    def build(self, rng, noffers, ncands, romes):
        self.assertEqual(self.d.post("/v1/referents", REFERENT).status, 201)
        self.assertEqual(self.d.post("/v1/companies", dict(
            COMPANY, favoured_publics=["deld"])).status, 201)
        communes = ["69381", "69383", "69388", "69266", "69259", "69290"]
        people = []
        for i in range(ncands):
            people.append(cand("P%d" % i, rome=rng.sample(romes, 2),
                               commune=rng.choice(communes),
                               publics=rng.sample(["rsa", "deld", "senior",
                                                   "rqth"], rng.randint(0, 2)),
                               qpv=rng.random() < 0.3,
                               oriented_on="20%02d-%02d-15" % (
                                   rng.choice([24, 25, 26]),
                                   rng.randint(1, 10)),
                               zone=rng.choice(["territory", "metropole"])))
        r = self.d.post("/v1/candidates:batch", people)
        self.assertEqual(r.body["refused"], [])
        offers = [dict(OFFER, rome=rng.choice(romes),
                       commune=rng.choice(communes), schedule=[])
                  for _ in range(noffers)]
        r = self.d.post("/v1/offers:batch", offers)
        self.assertEqual(r.body["refused"], [])
        return [x["id"] for x in r.body["created"]]

    def scores(self, offer_ids):
        """Every eligible (offer, candidate) score, from the ranked lists."""
        s = {}
        for o, oid in enumerate(offer_ids):
            r = self.d.get("/v1/offers/%d/candidates?limit=100" % oid).body
            self.assertLessEqual(r["eligible"], 100)
            for c in r["candidates"]:
                s[(o, c["candidate_id"])] = c["score"]
        return s

    def test_small_instances_match_exhaustive_search(self):
        rng = random.Random(7)
        offer_ids = self.build(rng, 5, 9, ["K2204", "K2201", "N1103",
                                           "K1302"])
        s = self.scores(offer_ids)
        cands = sorted({c for _, c in s})
        idx = {c: i for i, c in enumerate(cands)}
        want = brute_force({(o, idx[c]): v for (o, c), v in s.items()},
                           len(offer_ids), len(cands))
        r = self.d.post("/v1/match:batch", {"dry_run": True})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["objective"], want)
        self.assertEqual(r.body["offers"], 5)
        got = r.body["assignments"]
        self.assertEqual(len({a["candidate_id"] for a in got}), len(got))
        self.assertEqual(sum(s[(offer_ids.index(a["offer_id"]),
                                a["candidate_id"])] for a in got), want)
        # A dry run records nothing; a commit records the same assignment.
        self.assertEqual(self.d.get("/v1/proposals").body["items"], [])
        r2 = self.d.post("/v1/match:batch", {"dry_run": False})
        self.assertEqual(r2.body["objective"], want)
        self.assertEqual(sorted((a["offer_id"], a["candidate_id"])
                                for a in r2.body["assignments"]),
                         sorted((a["offer_id"], a["candidate_id"]) for a in got))
        props = self.d.get("/v1/proposals?limit=100").body["items"]
        self.assertEqual(len(props), len(got))
        # Every offer now has its proposal: nothing left to assign.
        r3 = self.d.post("/v1/match:batch")
        self.assertEqual(r3.body["assigned"], 0)
        self.assertTrue(r3.body["dry_run"])

    @unittest.skipIf(linear_sum_assignment is None, "python3-scipy missing")
    def test_a_few_hundred_offers_match_scipy(self):
        rng = random.Random(11)
        romes = ["K2204", "N1103", "K1302", "G1602", "D1507", "F1703",
                 "K2503", "A1203", "J1501", "D1106", "N1105", "F1704"]
        offer_ids = self.build(rng, 200, 320, romes)
        s = self.scores(offer_ids)
        cands = sorted({c for _, c in s})
        col = {c: i for i, c in enumerate(cands)}
        m = numpy.zeros((len(offer_ids), len(cands)), dtype=numpy.int64)
        for (o, c), v in s.items():
            m[o, col[c]] = v
        rows, cols = linear_sum_assignment(m, maximize=True)
        want = int(m[rows, cols].sum())
        r = self.d.post("/v1/match:batch", {"dry_run": True})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["objective"], want)
        self.assertEqual(r.body["offers"], 200)


if __name__ == "__main__":
    unittest.main()
