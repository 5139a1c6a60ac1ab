"""Replay: every version of a rule set stays readable, and any past
proposal searched again on the records, policy state and rule-set version
of its day gives the same candidate, score and parts, or says what
differs and why (a person erased since)."""
import datetime
import http.client
import json
import os
import random
import re
import sys
import threading
import time
import unittest

from iodtest import ADMIN, Daemon
from test_api import COMPANY, REFERENT
from test_attack import LEGIT_MAX_S, Legit
from test_faults import config

ROMES = ["K2204", "G1602", "K2201"]
COMMUNES = ["69381", "69383", "69387", "69388", "69266"]
START = datetime.date(2026, 1, 5)


def last_name(i):
    """A name of each person's own, to look for in the files."""
    return "Quiberon" + "".join("abcdefghij"[int(c)] for c in "%03d" % i)


def person(rng, i, referent):
    oriented = datetime.date(2024, 1, 1) + datetime.timedelta(
        days=rng.randrange(700))
    return {
        "first_name": "Pers", "last_name": last_name(i),
        "birth_date": "1980-03-0%d" % (1 + i % 9), "sex": rng.choice("FM"),
        "commune": rng.choice(COMMUNES), "qpv": rng.random() < 0.3,
        "programme": "plie", "referent_id": referent,
        "oriented_on": oriented.isoformat(),
        "publics": rng.sample(["rsa", "deld", "rqth"], rng.randrange(3)),
        "rome": [rng.choice(ROMES)], "contracts": ["CDI", "CDD"],
        "max_weekly_hours": rng.choice([20, 35]),
        "schedule_ok": ["early"] if rng.random() < 0.8 else [],
        "mobility": {"licence_b": False, "vehicle": False,
                     "zone": rng.choice(["territory", "metropole"])},
        "available_on": "2026-01-01",
        "consent": {"on": "2025-11-24", "scope": "matching_followup"}}


class Replay(unittest.TestCase):
    """A year of a small PLIE through the API, day after day, then every
    proposal replayed."""

    def day(self, d):
        if self.d.proc is not None:
            self.d.stop()
        self.d.env["IOD_TODAY"] = d.isoformat()
        self.d.start()

    def ok(self, r, status=200):
        self.assertEqual(r.status, status, r)
        return r.body

    def setUp(self):
        self.d = Daemon(env={"IOD_TODAY": START.isoformat()})
        self.addCleanup(self.d.cleanup)
        self.d.start()

    def year(self):
        rng = random.Random(17)
        d = self.d
        for n in range(2):
            self.ok(d.post("/v1/referents", dict(REFERENT, name="R%d" % n)),
                    201)
        sirets = ["40128934500019", "73282932000074", "55208131766522"]
        for n, siret in enumerate(sirets):
            self.ok(d.post("/v1/companies", dict(COMPANY, siret=siret,
                    name="Entreprise %d" % n)), 201)
        people = [person(rng, i, 1 + i % 2) for i in range(36)]
        ids = [x["id"] for x in self.ok(d.post("/v1/candidates:batch",
                                               people), 200)["created"]]
        self.people = dict(zip(ids, people))
        proposals = []
        changed = None
        for week in range(0, 48, 3):
            today = START + datetime.timedelta(weeks=week)
            self.day(today)
            if week == 24:   # mid-way, the rule set changes
                src = self.ok(d.get("/v1/rulesets/iod-plie"))["source"]
                new = re.sub(r"(\n  qpv: )20", r"\g<1>35", src)
                self.assertNotEqual(new, src)
                r = d.request("PUT", "/v1/rulesets/iod-plie", raw=new.encode(),
                              ctype="application/yaml")
                self.assertEqual(self.ok(r)["version"], 2)
                changed = len(proposals)
            for _ in range(3):
                offer = {
                    "company_id": rng.randrange(1, 4), "title": "Poste",
                    "rome": rng.choice(ROMES), "commune": rng.choice(COMMUNES),
                    "contract": "CDI", "weekly_hours": rng.choice([20, 24]),
                    "schedule": ["early"],
                    "start_on": (today + datetime.timedelta(days=20)
                                 ).isoformat(),
                    "workstation_visit": {
                        "on": (today - datetime.timedelta(days=2)).isoformat(),
                        "notes": "visite"},
                    "ruleset": "iod-plie"}
                oid = self.ok(d.post("/v1/offers", offer), 201)["id"]
                # A positioning session: someone says the offer interests
                # them (the rule set's expressed_interest weight).
                keen = [c for c, x in self.people.items()
                        if x["rome"] == [offer["rome"]]]
                if keen and rng.random() < 0.5:
                    self.ok(d.post("/v1/offers/%d/interests" % oid, {
                        "candidate_id": rng.choice(keen),
                        "on": today.isoformat(),
                        "session": "info collective"}), 201)
                r = d.post("/v1/offers/%d/proposal" % oid)
                if r.status != 201:
                    continue
                p = r.body["proposal"]
                proposals.append(p)
                fate = rng.random()
                url = "/v1/proposals/%d/" % p["id"]
                if fate < 0.3:
                    self.ok(d.post(url + "refuse", {"reason": "profil"}))
                elif fate < 0.55:
                    self.ok(d.post(url + "meeting", {"meeting": {
                        "at": today.isoformat() + "T10:00",
                        "place": "sur le poste"}}))
                    self.ok(d.post(url + "hire", {
                        "contract": "CDI", "start_on": offer["start_on"],
                        "weekly_hours": offer["weekly_hours"]}))
                elif fate < 0.7:
                    self.ok(d.post(url + "withdraw", {"reason": "autre"}))
            # Some people's situation changes (their records are edited).
            for cid in rng.sample(sorted(self.people), 3):
                cur = self.ok(d.get("/v1/candidates/%d" % cid))
                if cur["status"] != "active":
                    continue
                body = dict(self.people[cid], commune=rng.choice(COMMUNES),
                            max_weekly_hours=rng.choice([20, 35]),
                            qpv=not self.people[cid]["qpv"])
                self.ok(d.put("/v1/candidates/%d" % cid, body))
                self.people[cid] = body
        self.day(START + datetime.timedelta(weeks=50))
        self.assertTrue(any(x["criterion"] == "expressed_interest"
                            for p in proposals for x in p["score_parts"]))
        return proposals, changed

    def replay(self, pid, **kw):
        return self.ok(self.d.get("/v1/proposals/%d/replay" % pid, **kw))

    def test_a_year_replays_then_an_erasure_is_stated(self):
        proposals, changed = self.year()
        self.assertGreater(len(proposals), 30)
        self.assertIsNotNone(changed)
        # Every proposal of the year: the same candidate, score and parts.
        for p in proposals:
            r = self.replay(p["id"])
            self.assertEqual(r["differences"], [], (p, r))
            self.assertTrue(r["same"])
            self.assertEqual(r["replayed"]["candidate_id"], p["candidate_id"])
            self.assertEqual(r["replayed"]["score"], p["score"])
            self.assertEqual(
                sorted((x["criterion"], x["points"])
                       for x in r["replayed"]["score_parts"]),
                sorted((x["criterion"], x["points"])
                       for x in p["score_parts"]))
            self.assertEqual(r["replayed"]["eligible"], p["eligible"])
        # Before the change, the old version; after it, the new one.
        old, new = proposals[changed - 1], proposals[changed]
        self.assertEqual(self.replay(old["id"])["ruleset_version"], 1)
        self.assertEqual(self.replay(new["id"])["ruleset_version"], 2)
        qpv = [x["points"] for p in proposals[:changed]
               for x in p["score_parts"] if x["criterion"] == "qpv"]
        self.assertTrue(qpv and set(qpv) == {20}, qpv)
        # Both versions stay readable.
        v = self.ok(self.d.get("/v1/rulesets/iod-plie/versions"))
        self.assertEqual([x["version"] for x in v["items"]], [1, 2])
        self.assertEqual(v["current"], 2)
        self.assertEqual(v["items"][1]["origin"]["from"], "api")
        one = self.ok(self.d.get("/v1/rulesets/iod-plie/versions/1"))
        self.assertIn("\n  qpv: 20", one["source"])
        self.assertFalse(one["current"])
        self.assertEqual(self.d.get("/v1/rulesets/iod-plie/versions/9").status,
                         404)

        # The person chosen for a proposal is erased: said, not hidden.
        erased = proposals[0]["candidate_id"]
        name = self.people[erased]["last_name"]
        with open(os.path.join(self.d.data, "data.mdb"), "rb") as f:
            self.assertIn(name.encode(), f.read())
        chosen = [p for p in proposals if p["candidate_id"] == erased]
        self.ok(self.d.delete("/v1/candidates/%d" % erased), 204)
        for p in chosen:
            r = self.replay(p["id"])
            self.assertFalse(r["same"])
            whys = [x["why"] for x in r["differences"]
                    if x["what"] == "candidate_id"]
            self.assertEqual(len(whys), 1, r)
            self.assertIn("candidate %d, chosen then, has been erased" %
                          erased, whys[0])
        # Where they were only in the running, the counts say why.
        for p in proposals:
            r = self.replay(p["id"])
            if r["same"]:
                continue
            self.assertTrue(all("erased" in x["why"]
                                for x in r["differences"]), r)
        # Nothing of their identity anywhere, the history included.
        self.d.stop()
        for fn in os.listdir(self.d.data):
            with open(os.path.join(self.d.data, fn), "rb") as f:
                raw = f.read()
            self.assertNotIn(name.encode(), raw, f.name)
        self.d.start()

        # A référent replays their own candidates' proposals only.
        tok = self.ok(self.d.post("/v1/tokens", {
            "role": "referent", "referent_id": 2, "subject": "r2"}), 201)
        tok = tok["token"]
        mine = [p for p in proposals if p["referent_id"] == 2]
        theirs = [p for p in proposals if p["referent_id"] == 1]
        self.assertTrue(mine and theirs)
        self.assertEqual(self.d.get("/v1/proposals/%d/replay" %
                                    mine[0]["id"], token=tok).status, 200)
        self.assertEqual(self.d.get("/v1/proposals/%d/replay" %
                                    theirs[0]["id"], token=tok).status, 404)


class ReplayOffTheLoop(unittest.TestCase):
    """Replays run in a thread, one at a time: while four clients replay
    back to back on thousands of candidates, the others are answered at
    once, and a replay asked meanwhile is refused (503 busy) rather than
    queued behind the loop."""

    N = 16000		# two :batch bodies; one replay takes tens of ms
    SAME = (200, True, None)
    BUSY = (503, "busy", "1")

    def start(self, conf=None):
        args = []
        if conf:
            path = config(**conf)
            self.addCleanup(os.unlink, path)
            args = ["--config", path]
        self.d = Daemon(args=args, env={"IOD_TODAY": START.isoformat()})
        self.addCleanup(self.d.cleanup)
        self.d.start()

    def ok(self, r, status=200):
        self.assertEqual(r.status, status, r)
        return r.body

    def proposal(self):
        """N people who all seek the job of one offer, and its proposal:
        its id."""
        rng = random.Random(5)
        d = self.d
        self.ok(d.post("/v1/referents", REFERENT), 201)
        self.ok(d.post("/v1/companies", COMPANY), 201)
        people = [dict(person(rng, i, 1), rome=["K2204"])
                  for i in range(self.N)]
        for at in range(0, self.N, self.N // 2):
            part = people[at:at + self.N // 2]
            self.assertEqual(len(self.ok(d.post("/v1/candidates:batch",
                                                part))["created"]), len(part))
        oid = self.ok(d.post("/v1/offers", {
            "company_id": 1, "title": "Poste", "rome": "K2204",
            "commune": "69381", "contract": "CDI", "weekly_hours": 24,
            "schedule": ["early"], "start_on": "2026-02-01",
            "workstation_visit": {"on": "2026-01-02", "notes": "visite"},
            "ruleset": "iod-plie"}), 201)["id"]
        return self.ok(d.post("/v1/offers/%d/proposal" % oid),
                       201)["proposal"]["id"]

    def replays(self, pid, stop, out):
        """One client: replays back to back until stop, each status
        (and error code) in out."""
        while not stop.is_set():
            c = http.client.HTTPConnection("127.0.0.1", self.d.port,
                                           timeout=30)
            c.request("GET", "/v1/proposals/%d/replay" % pid,
                      headers={"Authorization": "Bearer " + ADMIN})
            r = c.getresponse()
            body = json.loads(r.read() or b"{}")
            c.close()
            out.append((r.status, body.get("error", {}).get("code")
                        if r.status != 200 else body["same"],
                        r.getheader("Retry-After")))
            if "grew" in body.get("error", {}).get("message", ""):
                self.gave_up += 1

    def clients(self, pid, out):
        """Four clients replaying back to back: stop() ends them."""
        self.gave_up = 0
        stop = threading.Event()
        ts = [threading.Thread(target=self.replays, args=(pid, stop, out))
              for _ in range(4)]
        for t in ts:
            t.start()

        def end():
            stop.set()
            for t in ts:
                t.join()
        self.addCleanup(end)
        return end

    def map_size(self):
        r = self.d.get("/metrics")
        self.assertEqual(r.status, 200)
        raw = r.raw.decode()
        return int(raw.split("\niod_lmdb_map_size_bytes ")[1].split()[0])

    def test_replays_do_not_hold_the_others(self):
        self.start()
        pid = self.proposal()
        t0 = time.monotonic()
        self.assertTrue(self.ok(self.d.get("/v1/proposals/%d/replay" % pid))
                        ["same"])
        one = time.monotonic() - t0
        out = []
        end = self.clients(pid, out)
        legit = Legit(self.d)
        until = time.monotonic() + 3
        while time.monotonic() < until:
            legit.probe()
            time.sleep(0.05)
        end()
        legit.report("replays (one %.3f s; %d answered, %d busy)" % (
            one, out.count(self.SAME), out.count(self.BUSY)), 0, 0)
        self.assertEqual(legit.failed, [])
        self.assertLess(max(legit.lat), LEGIT_MAX_S,
                        "a legitimate client waited %.1f s" % max(legit.lat))
        # Every replay is answered: the same, or busy with when to retry.
        self.assertEqual([x for x in out if x not in (self.SAME, self.BUSY)],
                         [])
        self.assertIn(self.SAME, out)
        self.assertIn(self.BUSY, out)

    def test_the_map_grows_while_replays_run(self):
        # The map grows between turns while a replay's read transaction may
        # be open in its thread: the growth waits for it to end (or the
        # replay gives up: 503 busy), and every write is kept.
        self.start({"map_size_mb": 1, "map_max_mb": 1024})
        pid = self.proposal()
        size = self.map_size()
        out = []
        end = self.clients(pid, out)
        rng = random.Random(9)
        n = 0
        while self.map_size() < 4 * size and n < 100:
            people = [person(rng, 100000 + n * 1000 + i, 1)
                      for i in range(1000)]
            self.assertEqual(len(self.ok(self.d.post(
                "/v1/candidates:batch", people))["created"]), 1000)
            n += 1
        end()
        grown = self.map_size()
        sys.stderr.write("\nmap %d -> %d MB in %d writes; replays: %d "
                         "answered, %d busy (%d gave up for the growth)\n" % (
                             size >> 20, grown >> 20, n, out.count(self.SAME),
                             out.count(self.BUSY), self.gave_up))
        self.assertGreaterEqual(grown, 4 * size)
        self.assertEqual([x for x in out if x not in (self.SAME, self.BUSY)],
                         [])
        self.assertIn(self.SAME, out)
        self.assertEqual(self.ok(self.d.get("/v1/candidates?limit=1"))
                         ["total"], self.N + n * 1000)
        self.assertTrue(self.ok(self.d.get("/v1/proposals/%d/replay" % pid))
                        ["same"])

if __name__ == "__main__":
    unittest.main()
