"""The lists paged: a few hundred candidates and the référents listed page
by page, with and without filters, as the admin and as a référent; the
pages put end to end are the list read at once, and every page says the
same total, which leaves the erased candidates out."""
import unittest
import urllib.parse

from iodtest import DaemonCase

REFERENTS = [{"name": "Nadia Benali", "structure": "ALLIES – PLIE de Lyon",
              "email": "n.benali@allies.example"},
             {"name": "Marc Roux", "structure": "Mission locale de Lyon",
              "email": "m.roux@ml.example"},
             {"name": "Lise Martin", "structure": "Cap emploi Rhône",
              "email": "l.martin@cap.example"}]
PROGRAMMES = ["plie", "mission_locale", "cap_emploi", "france_travail"]
COMMUNES = ["69388", "69266", "69091"]	# Lyon 8e, Villeurbanne, Givors
N = 330


def candidate(i):
    """The i-th candidate: its programme, référent, commune and name turn
    at different paces, so that each filter keeps a different mix."""
    return {"first_name": "Prénom%d" % i,
            "last_name": ["Martin", "MARTÍN", "Diallo", "Benali",
                          "Roux"][i % 5] + ("" if i % 3 else "-Petit"),
            "birth_date": "1988-04-12", "sex": "F",
            "commune": COMMUNES[i % 3], "qpv": False,
            "programme": PROGRAMMES[i % 4], "referent_id": 1 + i % 3 // 2 +
            (i % 7 == 0),
            "oriented_on": "2025-03-10", "publics": ["deld"],
            "rome": ["K2204"], "contracts": ["CDI"], "max_weekly_hours": 30,
            "schedule_ok": ["early"],
            "mobility": {"licence_b": False, "vehicle": False,
                         "zone": "territory"},
            "available_on": "2026-11-30",
            "consent": {"on": "2025-03-10", "scope": "matching_followup"}}


class Paging(DaemonCase):
    def setUp(self):
        super().setUp()
        for r in REFERENTS:
            self.assertEqual(self.d.post("/v1/referents", r).status, 201)
        self.cands = [candidate(i) for i in range(N)]
        r = self.d.post("/v1/candidates:batch", self.cands)
        self.assertEqual((r.status, r.body["refused"]), (200, []), r)
        self.ids = [x["id"] for x in r.body["created"]]
        self.erased = set()
        self.tokens = {"admin": None}
        for rid in (1, 2):
            r = self.d.post("/v1/tokens", {"role": "referent",
                                           "referent_id": rid,
                                           "subject": "ref%d" % rid})
            self.assertEqual(r.status, 201, r)
            self.tokens["referent%d" % rid] = r.body["token"]

    def get(self, path, who):
        kw = {} if self.tokens[who] is None else {"token": self.tokens[who]}
        r = self.d.get(path, **kw)
        self.assertEqual(r.status, 200, (path, who, r))
        return r.body

    def expected(self, who, query):
        """The ids the test's own data says the list holds."""
        want = []
        for i, (cid, c) in enumerate(zip(self.ids, self.cands)):
            if cid in self.erased:
                continue
            if who != "admin" and c["referent_id"] != int(who[-1]):
                continue
            if query.get("programme", c["programme"]) != c["programme"]:
                continue
            if "q" in query and "martin" not in c["last_name"].lower() \
                    .replace("í", "i"):
                continue
            if query.get("commune", c["commune"]) != c["commune"]:
                continue
            want.append(cid)
        return want

    def walk(self, kind, who, query, limit):
        """Every page of the list: the items put end to end, the totals."""
        items, totals, cursor, pages = [], set(), None, 0
        while True:
            qs = dict(query, limit=limit)
            if cursor is not None:
                qs["cursor"] = cursor
            body = self.get("/v1/%s?%s" % (kind, urllib.parse.urlencode(qs)),
                            who)
            pages += 1
            self.assertLessEqual(len(body["items"]), limit)
            items += body["items"]
            totals.add(body["total"])
            cursor = body["next_cursor"]
            if cursor is None:
                break
            self.assertEqual(len(body["items"]), limit, body)
            self.assertLess(pages, 1000)
        return items, totals

    def check(self, kind, who, query, limit, want=None):
        whole = self.get("/v1/%s?%s" % (kind, urllib.parse.urlencode(
            dict(query, limit=1000))), who)
        self.assertIsNone(whole["next_cursor"])
        self.assertEqual(whole["total"], len(whole["items"]))
        items, totals = self.walk(kind, who, query, limit)
        self.assertEqual(items, whole["items"], (kind, who, query))
        self.assertEqual(totals, {whole["total"]}, (kind, who, query))
        if want is not None:
            self.assertEqual([x["id"] for x in items], want,
                             (kind, who, query))
        return whole

    def check_all(self):
        queries = [{}, {"programme": "plie"}, {"q": "martin"},
                   {"q": "martin", "programme": "cap_emploi"},
                   {"commune": "69266"}, {"territory": "Villeurbanne"}]
        for who in ("admin", "referent1", "referent2"):
            for query in queries:
                want = None if "territory" in query else \
                    self.expected(who, query)
                for limit in (1, 37, 50):
                    if limit == 1 and query:
                        continue	# one page a record: a few are enough
                    self.check("candidates", who, query, limit, want)
            self.check("referents", who, {}, 2, [1, 2, 3])
            self.check("referents", who, {"q": "martin"}, 1, [3])

    def test_pages_add_up_to_the_list(self):
        self.assertEqual(len(self.expected("admin", {})), N)
        self.assertGreater(len(self.expected("referent1",
                                             {"programme": "plie"})), 20)
        self.check_all()

    def test_erased_candidates_are_not_counted(self):
        before = self.get("/v1/candidates?limit=1", "admin")["total"]
        self.assertEqual(before, N)
        # The first, one in the middle, one on a page boundary, the last.
        for cid in (self.ids[0], self.ids[50], self.ids[100], self.ids[-1]):
            r = self.d.delete("/v1/candidates/%d" % cid)
            self.assertEqual(r.status, 204, r)
            self.erased.add(cid)
        body = self.get("/v1/candidates?limit=1", "admin")
        self.assertEqual(body["total"], N - 4)
        self.assertEqual(body["items"][0]["id"], self.ids[1])
        whole = self.get("/v1/candidates?limit=1000", "admin")
        self.assertFalse(self.erased & {x["id"] for x in whole["items"]})
        self.check_all()
        # A page that ends on the last record still there: no cursor.
        body = self.get("/v1/candidates?limit=%d" % (N - 4), "admin")
        self.assertEqual(len(body["items"]), N - 4)
        self.assertIsNone(body["next_cursor"])
        # Past the end: nothing, the same total.
        body = self.get("/v1/candidates?cursor=%d" % self.ids[-1], "admin")
        self.assertEqual((body["items"], body["total"]), ([], N - 4))


if __name__ == "__main__":
    unittest.main()
