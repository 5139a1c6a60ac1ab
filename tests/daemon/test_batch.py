"""POST /v1/match:batch while the daemon serves: the batch solves off the
event loop, so /healthz is answered before the batch's own reply; one batch
runs at a time (503 with Retry-After for a second); a write batch records
a proposal for each pair still free when it answers and reports the pairs
taken meanwhile, never booking an offer twice.

The dataset is generated (a few thousand candidates, hundreds of offers
sharing a few ROME codes) so that a batch takes a while, above all in the
sanitizer build.
"""
import http.client
import json
import random
import threading
import unittest

from iodtest import ADMIN, DaemonCase
from test_matcher import COMPANY, OFFER, REFERENT, cand

ROMES = ["K2204", "K2201", "N1103", "K1302", "G1602", "D1507"]
COMMUNES = ["69381", "69383", "69388", "69266", "69259", "69290"]


class BatchWhileServing(DaemonCase):
    NCANDS = 6000
    NOFFERS = 1200

    def build(self):
        rng = random.Random(14)
        self.assertEqual(self.d.post("/v1/referents", REFERENT).status, 201)
        self.assertEqual(self.d.post("/v1/companies", dict(
            COMPANY, favoured_publics=["deld"])).status, 201)
        people = [cand("P%d" % i, rome=rng.sample(ROMES, 2),
                       commune=rng.choice(COMMUNES),
                       publics=rng.sample(["rsa", "deld", "senior", "rqth"],
                                          rng.randint(0, 2)),
                       qpv=rng.random() < 0.3,
                       oriented_on="20%02d-%02d-15" % (
                           rng.choice([24, 25, 26]), rng.randint(1, 10)),
                       zone=rng.choice(["territory", "metropole"]))
                  for i in range(self.NCANDS)]
        r = self.d.post("/v1/candidates:batch", people)
        self.assertEqual(r.body["refused"], [])
        offers = [dict(OFFER, rome=rng.choice(ROMES),
                       commune=rng.choice(COMMUNES), schedule=[])
                  for _ in range(self.NOFFERS)]
        r = self.d.post("/v1/offers:batch", offers)
        self.assertEqual(r.body["refused"], [])
        return [x["id"] for x in r.body["created"]]

    def start_batch(self, dry_run):
        """Send the batch on a connection of its own; the reply lands in
        self.batch (status, headers, body) and self.done is set."""
        self.batch = None
        self.done = threading.Event()
        c = http.client.HTTPConnection("127.0.0.1", self.d.port, timeout=600)
        c.request("POST", "/v1/match:batch",
                  body=json.dumps({"dry_run": dry_run}).encode(),
                  headers={"Authorization": "Bearer " + ADMIN,
                           "Content-Type": "application/json"})

        def wait():
            try:
                r = c.getresponse()
                self.batch = (r.status, dict(r.getheaders()),
                              json.loads(r.read() or b"null"))
            finally:
                c.close()
                self.done.set()

        self.waiter = threading.Thread(target=wait, daemon=True)
        self.waiter.start()

    def healthz_while_running(self, n=3):
        """How many of n /healthz in a row were answered before the batch
        reply.  The batch's request was sent first: from the second on,
        each was read after it, while the batch ran."""
        answered = 0
        for _ in range(n):
            self.assertEqual(self.d.get("/healthz", token=None).status, 200)
            if self.done.is_set():
                break
            answered += 1
        return answered

    def test_healthz_answered_while_a_batch_runs(self):
        self.build()
        self.start_batch(True)
        before = self.healthz_while_running()
        # A second batch meanwhile is refused, and says when to retry.
        r = self.d.post("/v1/match:batch", {"dry_run": True})
        second_refused = not self.done.is_set()
        self.waiter.join()
        status, _, body = self.batch
        self.assertEqual(status, 200, body)
        self.assertEqual(before, 3,
                         "the batch answered before /healthz was")
        if second_refused:
            self.assertError(r, 503, code="busy")
            self.assertIn("Retry-After", r.headers)
        self.assertEqual(body["offers"], self.NOFFERS)
        self.assertGreater(body["assigned"], 0)
        self.assertEqual(len({a["candidate_id"]
                              for a in body["assignments"]}),
                         body["assigned"])
        self.assertEqual(sum(a["score"] for a in body["assignments"]),
                         body["objective"])
        self.assertGreaterEqual(body["rounds"], 1)
        self.assertLessEqual(body["edges_solved"], body["edges"])
        # Once answered, the next batch runs, and finds the same optimum.
        r = self.d.post("/v1/match:batch", {"dry_run": True})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["objective"], body["objective"])

    def test_pairs_taken_meanwhile_are_reported_not_booked(self):
        offer_ids = self.build()
        self.start_batch(False)
        self.assertEqual(self.healthz_while_running(), 3,
                         "the batch answered before /healthz was")
        # While it solves, two offers get their proposal one by one.
        taken = offer_ids[:2]
        for oid in taken:
            r = self.d.post("/v1/offers/%d/proposal" % oid)
            self.assertEqual(r.status, 201, r)
        self.assertFalse(self.done.is_set(),
                         "the batch answered before the proposals")
        self.waiter.join()
        status, _, body = self.batch
        self.assertEqual(status, 200, body)
        assigned = {a["offer_id"] for a in body["assignments"]}
        for oid in taken:
            self.assertNotIn(oid, assigned)
        # The optimum had given them a candidate: reported, not recorded.
        # Their proposals' candidates may have been another offer's.
        for c in body["conflicts"]:
            self.assertEqual(c["reason"], "offer_taken" if c["offer_id"]
                             in taken else "candidate_taken", c)
        self.assertEqual({c["offer_id"] for c in body["conflicts"]
                          if c["reason"] == "offer_taken"}, set(taken))
        # Every offer has at most one open proposal, every candidate of
        # this exclusive rule set at most one.
        props = []
        cursor = None
        while True:
            q = "/v1/proposals?limit=1000" + (
                "&cursor=%s" % cursor if cursor else "")
            page = self.d.get(q).body
            props += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                break
        self.assertEqual(len(props), len(assigned) + len(taken))
        by_offer = [p["offer_id"] for p in props]
        self.assertEqual(len(by_offer), len(set(by_offer)))
        by_cand = [p["candidate_id"] for p in props]
        self.assertEqual(len(by_cand), len(set(by_cand)))
        self.assertEqual(len(body["assignments"]), body["assigned"])

    def test_client_leaving_mid_batch_frees_it(self):
        self.build()
        c = http.client.HTTPConnection("127.0.0.1", self.d.port, timeout=60)
        c.request("POST", "/v1/match:batch",
                  body=json.dumps({"dry_run": True}).encode(),
                  headers={"Authorization": "Bearer " + ADMIN,
                           "Content-Type": "application/json"})
        c.close()               # gone before the answer
        # The daemon keeps serving and takes the next batch once the
        # abandoned one is let go (answered into the void, or dropped).
        for _ in range(10000):
            self.assertEqual(self.d.get("/healthz", token=None).status, 200)
            r = self.d.post("/v1/match:batch", {"dry_run": True})
            if r.status != 503:
                break
            self.assertError(r, 503, code="busy")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["offers"], self.NOFFERS)
        self.assertEqual(self.d.get("/v1/proposals").body["items"], [])


if __name__ == "__main__":
    unittest.main()
