"""The records API: create, read, replace, delete, list, batch ingest,
validation errors that name the field, JSON and msgpack, tokens and roles."""
import copy
import unittest

from iodtest import ADMIN, DaemonCase, load_demo, msgpack

REFERENT = {"name": "Nadia Benali", "structure": "ALLIES – PLIE de Lyon",
            "email": "n.benali@allies.example"}
COMPANY = {"siret": "40128934500019", "name": "Propreté Rhône Services",
           "commune": "69388", "fte": 140,
           "charter": {"name": "Charte des 1000", "signed_on": "2023-03-14",
                       "status": "signed"},
           "commitments": [{"action": "recruit_without_cv", "committed": True,
                            "publics_per_year": 4}],
           "favoured_publics": ["deld"]}
CANDIDATE = {"first_name": "Amina", "last_name": "Diallo",
             "birth_date": "1988-04-12", "sex": "F", "commune": "69388",
             "qpv": True, "programme": "plie", "referent_id": 1,
             "oriented_on": "2025-03-10", "publics": ["rsa", "deld"],
             "rome": ["K2204", "K1304"], "contracts": ["CDI", "CDD"],
             "max_weekly_hours": 30, "schedule_ok": ["early"],
             "mobility": {"licence_b": False, "vehicle": False,
                          "zone": "territory"},
             "available_on": "2026-11-30",
             "consent": {"on": "2025-03-10", "scope": "matching_followup"}}


def offer(company_id=1, **kw):
    o = {"company_id": company_id, "title": "Agent de propreté",
         "rome": "K2204", "commune": "69388", "contract": "CDI",
         "weekly_hours": 24, "start_on": "2026-12-07",
         "workstation_visit": {"on": "2026-11-12"}}
    o.update(kw)
    return o


class Records(DaemonCase):
    def seed(self):
        r = self.d.post("/v1/referents", REFERENT)
        self.assertEqual(r.status, 201, r)
        c = self.d.post("/v1/companies", COMPANY)
        self.assertEqual(c.status, 201, c)
        return r.body["id"], c.body["id"]

    def test_health_needs_no_token(self):
        r = self.d.get("/healthz", token=None)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body["status"], "ok")

    def test_every_v1_route_needs_a_token(self):
        for method, path in [("GET", "/v1/companies"), ("GET", "/v1/offers/1"),
                             ("POST", "/v1/candidates"), ("GET", "/v1/tokens"),
                             ("DELETE", "/v1/referents/1")]:
            r = self.d.request(method, path, token=None)
            self.assertEqual(r.status, 401, (method, path, r))
            self.assertEqual(r.error()["code"], "unauthorized")
            r = self.d.request(method, path, token="not-a-real-token-at-all")
            self.assertEqual(r.status, 401, (method, path, r))

    def test_create_get_put_delete(self):
        ref_id, comp_id = self.seed()
        r = self.d.post("/v1/candidates", CANDIDATE)
        self.assertEqual(r.status, 201, r)
        cid = r.body["id"]
        got = self.d.get("/v1/candidates/%d" % cid)
        self.assertEqual(got.status, 200)
        for k, v in CANDIDATE.items():
            self.assertEqual(got.body[k], v, k)
        self.assertEqual(got.body["status"], "active")
        changed = dict(CANDIDATE, commune="69266", rome=["K1302"])
        r = self.d.put("/v1/candidates/%d" % cid, changed)
        self.assertEqual(r.status, 200, r)
        got = self.d.get("/v1/candidates/%d" % cid)
        self.assertEqual(got.body["commune"], "69266")
        self.assertEqual(got.body["rome"], ["K1302"])
        self.assertEqual(got.body["created_at"], r.body["created_at"])
        # Deleting a candidate erases the person (see test_access).
        r = self.d.delete("/v1/candidates/%d" % cid)
        self.assertEqual(r.status, 204)
        self.assertError(self.d.get("/v1/candidates/%d" % cid), 410,
                         code="erased")
        self.assertError(self.d.put("/v1/candidates/%d" % cid, CANDIDATE), 410)
        self.assertError(self.d.get("/v1/candidates/99"), 404, code="not_found")
        r = self.d.delete("/v1/offers/%d" % self.d.post(
            "/v1/offers", offer(comp_id)).body["id"])
        self.assertEqual(r.status, 204)

    def test_offer_and_company_rules(self):
        ref_id, comp_id = self.seed()
        r = self.d.post("/v1/offers", offer(comp_id))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["status"], "open")
        self.assertEqual(r.body["owner"], "bootstrap")
        self.assertError(self.d.post("/v1/offers", offer(99)), 400,
                         field="company_id", contains="no company 99")
        self.assertError(self.d.post("/v1/offers", offer(comp_id,
                         appellation="10200")), 400, field="appellation",
                         contains="F1402")
        # The same SIRET twice is a conflict; a company with offers stays.
        self.assertError(self.d.post("/v1/companies", COMPANY), 409,
                         field="siret")
        self.assertError(self.d.delete("/v1/companies/%d" % comp_id), 409,
                         code="has_offers")
        self.assertEqual(self.d.delete("/v1/offers/1").status, 204)
        self.assertEqual(self.d.delete("/v1/companies/%d" % comp_id).status,
                         204)

    def test_referent_with_candidates_stays(self):
        ref_id, _ = self.seed()
        self.assertEqual(self.d.post("/v1/candidates", CANDIDATE).status, 201)
        self.assertError(self.d.delete("/v1/referents/%d" % ref_id), 409,
                         code="has_candidates")
        self.assertError(self.d.post("/v1/candidates",
                         dict(CANDIDATE, referent_id=42)), 400,
                         field="referent_id", contains="no referent 42")


class Validation(DaemonCase):
    """Bad input gets a 400 whose error names the field, and loses nothing."""

    CASES = [
        # (change, field, words in the message)
        ({"birth_date": "1990-13-01"}, "birth_date", "is not a date"),
        ({"birth_date": "2023-02-29"}, "birth_date", "is not a date"),
        ({"birth_date": "2030-01-01"}, "birth_date", "is in the future"),
        ({"sex": "X"}, "sex", "is not one of F or M"),
        ({"commune": "75056"}, "commune", "not the INSEE code"),
        ({"commune": 69381}, "commune", "is not a string"),
        ({"rome": ["K2204", "Z9999"]}, "rome[1]", "is not a ROME code"),
        ({"rome": []}, "rome", "has 0 items"),
        ({"publics": ["rsa", "rich"]}, "publics", "is not one of"),
        ({"max_weekly_hours": 70}, "max_weekly_hours", "out of range"),
        ({"mobility": {"zone": "moon"}}, "mobility.zone", "is not one of"),
        ({"mobility": {"licence_b": True}}, "mobility.zone", "is required"),
        ({"consent": {"on": "2025-01-01", "scope": "all"}}, "consent.scope",
         "is not one of"),
        ({"favourite_colour": "blue"}, "favourite_colour", "unknown field"),
        ({"first_name": "x" * 101}, "first_name", "101 bytes"),
        ({"first_name": "Am\u0001na"}, "first_name", "control character"),
        ({"first_name": None}, "first_name", "must not be null"),
        ({"referent_id": -3}, "referent_id", "positive integer"),
    ]

    def setUp(self):
        super().setUp()
        self.assertEqual(self.d.post("/v1/referents", REFERENT).status, 201)

    def test_each_bad_field_is_named(self):
        for change, field, words in self.CASES:
            body = dict(CANDIDATE, **change)
            r = self.d.post("/v1/candidates", body)
            err = self.assertError(r, 400, field=field, code="invalid")
            self.assertIn(words, err["message"], (change, err))
        missing = dict(CANDIDATE)
        del missing["birth_date"]
        self.assertError(self.d.post("/v1/candidates", missing), 400,
                         field="birth_date", contains="is required")
        # Nothing of it was stored.
        self.assertEqual(self.d.get("/v1/candidates").body["items"], [])

    def test_company_siret_luhn(self):
        bad = dict(COMPANY, siret="40128934500018")
        self.assertError(self.d.post("/v1/companies", bad), 400, field="siret",
                         contains="Luhn")
        bad = dict(COMPANY, siret="4012893450001")
        self.assertError(self.d.post("/v1/companies", bad), 400, field="siret")
        bad = dict(COMPANY, commitments=[{"action": "dance"}])
        self.assertError(self.d.post("/v1/companies", bad), 400,
                         field="commitments[0].action")

    def test_malformed_bodies(self):
        r = self.d.post("/v1/candidates", raw=b'{"first_name": "A",',
                        ctype="application/json")
        self.assertError(r, 400, code="bad_json", field="body")
        r = self.d.post("/v1/candidates", raw=b'[1,2]',
                        ctype="application/json")
        self.assertError(r, 400, field="body", contains="not a JSON object")
        r = self.d.post("/v1/candidates", raw=b'{"a":1}',
                        ctype="text/plain")
        self.assertError(r, 415, field="Content-Type")
        r = self.d.post("/v1/candidates", raw=b'', ctype="application/json")
        self.assertError(r, 400, code="missing_body")
        r = self.d.post("/v1/candidates", raw=b'\x81\xa1a\xc4\x01x',
                        ctype="application/msgpack")
        self.assertError(r, 400, code="bad_body")
        r = self.d.post("/v1/candidates", raw=b'\x81\xa2\xff\xfe\x01',
                        ctype="application/msgpack")
        self.assertError(r, 400, code="bad_body", contains="UTF-8")
        r = self.d.post("/v1/candidates", raw=b'\xdf\xff\xff\xff\xff',
                        ctype="application/msgpack")
        self.assertError(r, 400, code="bad_body")

    def test_body_limits(self):
        big = dict(CANDIDATE, first_name="x" * (70 * 1024))
        self.assertError(self.d.post("/v1/candidates", big), 413,
                         code="body_too_large")
        self.assertError(self.d.get("/v1/nothing"), 404)
        self.assertError(self.d.delete("/v1/candidates"), 405)


class Listing(DaemonCase):
    DEMO = True

    def test_cursor_pagination_sees_everything_once(self):
        demo = load_demo("candidates")
        seen = []
        cursor = None
        pages = 0
        while True:
            q = "/v1/candidates?limit=5" + ("&cursor=" + cursor if cursor else "")
            r = self.d.get(q)
            self.assertEqual(r.status, 200, r)
            seen += [c["id"] for c in r.body["items"]]
            pages += 1
            cursor = r.body["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(seen, list(range(1, len(demo) + 1)))
        self.assertEqual(pages, (len(demo) + 4) // 5)

    def test_filters(self):
        demo = load_demo("candidates")
        r = self.d.get("/v1/candidates?referent_id=2&limit=100")
        want = [i + 1 for i, c in enumerate(demo) if c["referent_id"] == 2]
        self.assertEqual([c["id"] for c in r.body["items"]], want)
        r = self.d.get("/v1/candidates?publics=rsa&qpv=true")
        want = [i + 1 for i, c in enumerate(demo)
                if "rsa" in c["publics"] and c["qpv"]]
        self.assertEqual([c["id"] for c in r.body["items"]], want)
        r = self.d.get("/v1/offers?contract=CDI&owner=cm-martin")
        self.assertTrue(r.body["items"])
        for o in r.body["items"]:
            self.assertEqual((o["contract"], o["owner"]), ("CDI", "cm-martin"))
        self.assertError(self.d.get("/v1/candidates?shoe_size=42"), 400,
                         field="shoe_size")
        self.assertError(self.d.get("/v1/candidates?limit=0"), 400,
                         field="limit")
        self.assertError(self.d.get("/v1/candidates?cursor=abc"), 400,
                         field="cursor")


class Batch(DaemonCase):
    def setUp(self):
        super().setUp()
        self.assertEqual(self.d.post("/v1/referents", REFERENT).status, 201)

    def batch(self, mp):
        items = [dict(CANDIDATE, first_name="C%d" % i) for i in range(6)]
        items[1] = dict(CANDIDATE, birth_date="1990-02-30")
        items[4] = dict(CANDIDATE, rome=["K2204", "nope"])
        r = self.d.post("/v1/candidates:batch", items, mp=mp)
        self.assertEqual(r.status, 200, r)
        self.assertEqual([x["index"] for x in r.body["created"]], [0, 2, 3, 5])
        self.assertEqual([(x["index"], x["error"]["field"])
                          for x in r.body["refused"]],
                         [(1, "birth_date"), (4, "rome[1]")])
        ids = [x["id"] for x in r.body["created"]]
        for i, cid in zip([0, 2, 3, 5], ids):
            got = self.d.get("/v1/candidates/%d" % cid)
            self.assertEqual(got.body["first_name"], "C%d" % i)
        return r

    def test_json_batch(self):
        r = self.batch(False)
        self.assertTrue(r.headers["Content-Type"].startswith("application/json"))

    @unittest.skipIf(msgpack is None, "python3-msgpack is missing")
    def test_msgpack_batch_and_reply(self):
        r = self.batch(True)
        self.assertEqual(r.headers["Content-Type"], "application/msgpack")
        got = self.d.get("/v1/candidates/1",
                         headers={"Accept": "application/msgpack"})
        self.assertEqual(got.headers["Content-Type"], "application/msgpack")
        self.assertEqual(got.body["first_name"], "C0")

    def test_batch_must_be_an_array(self):
        self.assertError(self.d.post("/v1/candidates:batch", CANDIDATE), 400,
                         field="body", contains="not an array")


class Tokens(DaemonCase):
    def test_roles_and_revocation(self):
        r = self.d.post("/v1/tokens", {"role": "iod", "subject": "cm-martin"})
        self.assertEqual(r.status, 201, r)
        tok, tid = r.body["token"], r.body["id"]
        self.assertTrue(tok.startswith("iod_") and len(tok) > 40)
        self.assertEqual(self.d.get("/v1/companies", token=tok).status, 200)
        # An iod token may not make tokens.
        self.assertError(self.d.post("/v1/tokens", {"role": "admin"},
                                     token=tok), 403, code="forbidden")
        # What it creates is owned by its subject.
        self.assertEqual(self.d.post("/v1/companies", COMPANY, token=tok).status,
                         201)
        r = self.d.post("/v1/offers", offer(1), token=tok)
        self.assertEqual(r.body["owner"], "cm-martin")
        # The list never shows secrets.
        listed = self.d.get("/v1/tokens").body["items"]
        self.assertEqual(len(listed), 2)
        self.assertFalse(any("token" in t for t in listed))
        self.assertEqual(self.d.delete("/v1/tokens/%d" % tid).status, 204)
        self.assertEqual(self.d.get("/v1/companies", token=tok).status, 401)
        self.assertError(self.d.delete("/v1/tokens/99"), 404)

    def test_scoped_tokens_need_their_scope(self):
        self.assertError(self.d.post("/v1/tokens", {"role": "referent"}), 400,
                         field="referent_id")
        self.assertError(self.d.post("/v1/tokens", {"role": "company",
                                                     "company_id": 5}), 400,
                         field="company_id")
        self.assertError(self.d.post("/v1/tokens", {"role": "boss"}), 400,
                         field="role")

    def test_expired_token_is_refused(self):
        r = self.d.post("/v1/tokens", {"role": "iod", "expires_on": "2020-01-01"})
        self.assertEqual(r.status, 201)
        self.assertEqual(self.d.get("/v1/offers", token=r.body["token"]).status,
                         401)


if __name__ == "__main__":
    unittest.main()
