"""Editing a record in part: PATCH with a JSON Merge Patch (RFC 7396),
validated like a PUT, and the ETag of every reply that carries one record,
with If-Match on PUT, PATCH and DELETE (412 when the record changed since
it was read) and If-None-Match on GET (304)."""
import json
import subprocess
import threading

from iodtest import ADMIN, IODCTL, ROOT, DaemonCase, msgpack

MERGE = "application/merge-patch+json"
REFERENT = {"name": "Nadia Benali", "structure": "ALLIES – PLIE de Lyon",
            "email": "n.benali@allies.example"}
COMPANY = {"siret": "40128934500019", "name": "Propreté Rhône Services",
           "commune": "69388", "fte": 140}
OFFER = {"company_id": 1, "title": "Agent de propreté", "rome": "K2204",
         "commune": "69388", "contract": "CDI", "weekly_hours": 24,
         "start_on": "2026-12-07",
         "workstation_visit": {"on": "2026-11-12",
                               "notes": "poste debout, horaires tôt"}}
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
CONTACT = {"kind": "presentation", "on": "2026-11-02", "company_id": 1,
           "met": ["Mme Roux (RH)"], "note": "intéressée par la méthode"}

# A change of one member for each kind: (kind, id, patch, member, value).
KINDS = [
    ("referents", 1, {"structure": "Mission locale de Lyon"}, "structure",
     "Mission locale de Lyon"),
    ("companies", 1, {"fte": 150}, "fte", 150),
    ("offers", 1, {"weekly_hours": 30}, "weekly_hours", 30),
    ("candidates", 1, {"max_weekly_hours": 25}, "max_weekly_hours", 25),
    ("contacts", 1, {"note": "rappeler en janvier"}, "note",
     "rappeler en janvier"),
]


class Patch(DaemonCase):
    def setUp(self):
        super().setUp()
        for path, body in [("/v1/referents", REFERENT),
                           ("/v1/referents", dict(REFERENT, name="Luc Morel",
                                                  email="l.morel@x.example")),
                           ("/v1/companies", COMPANY),
                           ("/v1/offers", OFFER),
                           ("/v1/candidates", CANDIDATE),
                           ("/v1/candidates", dict(CANDIDATE,
                                                   first_name="Karim",
                                                   referent_id=2)),
                           ("/v1/contacts", CONTACT)]:
            r = self.d.post(path, body)
            self.assertEqual(r.status, 201, (path, r))

    def patch(self, path, body, ctype=MERGE, **kw):
        return self.d.request("PATCH", path, raw=json.dumps(body).encode(),
                              ctype=ctype, **kw)

    def token(self, **body):
        r = self.d.post("/v1/tokens", body)
        self.assertEqual(r.status, 201, r)
        return r.body["token"]

    def test_each_kind_changes_what_the_patch_names_and_keeps_the_rest(self):
        for kind, rid, change, member, value in KINDS:
            path = "/v1/%s/%d" % (kind, rid)
            before = self.d.get(path)
            self.assertEqual(before.status, 200, before)
            r = self.patch(path, change)
            self.assertEqual(r.status, 200, (kind, r))
            self.assertEqual(r.body[member], value, kind)
            after = self.d.get(path)
            self.assertEqual(after.body[member], value, kind)
            # "stalled" is worked out from the record and the open
            # offers: a patched offer or hours move its reasons.
            for k, v in before.body.items():
                if k not in (member, "updated_at", "stalled"):
                    self.assertEqual(after.body.get(k), v, (kind, k))
            self.assertEqual(after.body["created_at"],
                             before.body["created_at"])
            # The reply's ETag is the one a read gives now.
            self.assertTrue(r.headers["ETag"].startswith('"'), r.headers)
            self.assertEqual(r.headers["ETag"], after.headers["ETag"], kind)
            self.assertNotEqual(before.headers["ETag"],
                                after.headers["ETag"], kind)
        # A PATCH is an update in the event log, like a PUT.
        types = [e["type"] for e in
                 self.d.get("/v1/events?limit=1000").body["items"]]
        for t in ("referent.updated", "company.updated", "offer.updated",
                  "candidate.updated", "contact.updated"):
            self.assertIn(t, types)

    def test_null_removes_an_optional_member_and_is_refused_for_a_required_one(
            self):
        r = self.patch("/v1/candidates/1", {"available_on": None,
                                            "consent": None})
        self.assertEqual(r.status, 200, r)
        got = self.d.get("/v1/candidates/1").body
        self.assertIsNone(got.get("available_on"), got)
        self.assertIsNone(got.get("consent"), got)
        self.assertEqual(got["first_name"], "Amina")
        tag = self.d.get("/v1/candidates/1").headers["ETag"]
        self.assertError(self.patch("/v1/candidates/1", {"last_name": None}),
                         400, field="last_name", code="invalid")
        self.assertEqual(self.d.get("/v1/candidates/1").headers["ETag"], tag)

    def test_a_nested_object_is_merged(self):
        r = self.patch("/v1/candidates/1", {"mobility": {"licence_b": True}})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.d.get("/v1/candidates/1").body["mobility"],
                         {"licence_b": True, "vehicle": False,
                          "zone": "territory"})
        # An array is replaced whole.
        r = self.patch("/v1/candidates/1", {"rome": ["K1302"]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.d.get("/v1/candidates/1").body["rome"],
                         ["K1302"])
        # A member of an object removed by null.
        r = self.patch("/v1/offers/1", {"workstation_visit": {"notes": None}})
        self.assertEqual(r.status, 200, r)
        visit = self.d.get("/v1/offers/1").body["workstation_visit"]
        self.assertEqual(visit["on"], "2026-11-12")
        self.assertIsNone(visit.get("notes"), visit)

    def test_an_invalid_value_names_the_field_and_changes_nothing(self):
        before = self.d.get("/v1/candidates/1")
        for change, field in [({"mobility": {"zone": "moon"}},
                               "mobility.zone"),
                              ({"rome": ["K2204", "Z9999"]}, "rome[1]"),
                              ({"commune": "75056"}, "commune"),
                              ({"referent_id": 42}, "referent_id"),
                              ({"max_weekly_hours": 70}, "max_weekly_hours")]:
            self.assertError(self.patch("/v1/candidates/1", change), 400,
                             field=field, code="invalid")
        self.assertError(self.patch("/v1/offers/1", {"company_id": 99}), 400,
                         field="company_id", contains="no company 99")
        after = self.d.get("/v1/candidates/1")
        self.assertEqual(after.body, before.body)
        self.assertEqual(after.headers["ETag"], before.headers["ETag"])

    def test_an_unknown_field_is_refused_as_a_put_refuses_it(self):
        put = self.d.put("/v1/candidates/1",
                         dict(CANDIDATE, favourite_colour="blue"))
        patch = self.patch("/v1/candidates/1", {"favourite_colour": "blue"})
        self.assertError(patch, 400, field="favourite_colour", code="invalid")
        self.assertEqual(patch.error(), put.error())

    def test_read_only_members_are_ignored_and_a_get_body_comes_back(self):
        before = self.d.get("/v1/candidates/1").body
        r = self.patch("/v1/candidates/1", {"id": 7, "created_at": 1})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.body["id"], r.body["created_at"]),
                         (1, before["created_at"]))
        # What a GET shows (labels included) may be sent back as it is.
        for kind, rid, _, _, _ in KINDS:
            path = "/v1/%s/%d" % (kind, rid)
            got = self.d.get(path).body
            r = self.patch(path, got)
            self.assertEqual(r.status, 200, (kind, r))
            again = self.d.get(path).body
            self.assertEqual({k: v for k, v in again.items()
                              if k != "updated_at"},
                             {k: v for k, v in got.items()
                              if k != "updated_at"}, kind)

    def test_if_match(self):
        path = "/v1/candidates/1"
        tag = self.d.get(path).headers["ETag"]
        r = self.patch(path, {"max_weekly_hours": 20},
                       headers={"If-Match": tag})
        self.assertEqual(r.status, 200, r)
        new = r.headers["ETag"]
        self.assertNotEqual(new, tag)
        # A stale tag: 412, and nothing changes.
        for method, body in [("PATCH", {"max_weekly_hours": 10}),
                             ("PUT", CANDIDATE), ("DELETE", None)]:
            if method == "PATCH":
                r = self.patch(path, body, headers={"If-Match": tag})
            else:
                r = self.d.request(method, path, body,
                                   headers={"If-Match": tag})
            self.assertError(r, 412, field="If-Match",
                             code="precondition_failed")
            self.assertNotIn("ETag", r.headers)
            got = self.d.get(path)
            self.assertEqual(got.status, 200, (method, got))
            self.assertEqual(got.headers["ETag"], new, method)
            self.assertEqual(got.body["max_weekly_hours"], 20, method)
        # A weak tag never matches a write; a list, or *, may.
        self.assertEqual(self.patch(path, {}, headers={
            "If-Match": "W/" + new}).status, 412)
        r = self.patch(path, {"max_weekly_hours": 22},
                       headers={"If-Match": '"0123", ' + new})
        self.assertEqual(r.status, 200, r)
        r = self.d.put(path, CANDIDATE, headers={"If-Match": "*"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers["ETag"], self.d.get(path).headers["ETag"])
        # Without If-Match, as before: the last write wins.
        self.assertEqual(self.patch(path, {"max_weekly_hours": 21}).status,
                         200)
        # DELETE with the current tag.
        tag = self.d.get("/v1/contacts/1").headers["ETag"]
        self.assertEqual(self.d.delete("/v1/contacts/1", headers={
            "If-Match": tag}).status, 204)
        self.assertEqual(self.d.get("/v1/contacts/1").status, 404)

    def test_two_writers_the_second_loses(self):
        path = "/v1/offers/1"
        tag = self.d.get(path).headers["ETag"]
        first = self.patch(path, {"title": "Agent d'entretien"},
                           headers={"If-Match": tag})
        self.assertEqual(first.status, 200, first)
        second = self.patch(path, {"weekly_hours": 35},
                            headers={"If-Match": tag})
        self.assertError(second, 412, code="precondition_failed")
        got = self.d.get(path).body
        self.assertEqual((got["title"], got["weekly_hours"]),
                         ("Agent d'entretien", 24))
        # At the same moment: one wins, whichever it is.
        tag = self.d.get(path).headers["ETag"]
        go = threading.Barrier(2)
        replies = {}

        def write(hours):
            go.wait()
            replies[hours] = self.patch(path, {"weekly_hours": hours},
                                        headers={"If-Match": tag})
        ts = [threading.Thread(target=write, args=(h,)) for h in (28, 32)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        statuses = sorted(r.status for r in replies.values())
        self.assertEqual(statuses, [200, 412], replies)
        won = next(h for h, r in replies.items() if r.status == 200)
        self.assertEqual(self.d.get(path).body["weekly_hours"], won)

    def test_if_none_match(self):
        r = self.d.get("/v1/companies/1")
        tag = r.headers["ETag"]
        r = self.d.get("/v1/companies/1", headers={"If-None-Match": tag})
        self.assertEqual(r.status, 304, r)
        self.assertEqual(r.raw, b"")
        self.assertEqual(r.headers["ETag"], tag)
        self.assertEqual(self.d.get("/v1/companies/1", headers={
            "If-None-Match": 'W/"x", W/' + tag}).status, 304)
        self.patch("/v1/companies/1", {"fte": 141})
        r = self.d.get("/v1/companies/1", headers={"If-None-Match": tag})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["fte"], 141)

    def test_a_derived_member_moves_the_etag_but_not_if_match(self):
        # A référent's caseload is derived from their candidates: a new
        # person moves the ETag a read compares (no stale 304), while a
        # write with the ETag read before still goes through, since the
        # référent's own record did not change.
        r = self.d.get("/v1/referents/2")
        tag, load = r.headers["ETag"], r.body["caseload"]
        r = self.d.post("/v1/candidates", dict(CANDIDATE, first_name="Lina",
                                               referent_id=2))
        self.assertEqual(r.status, 201, r)
        r = self.d.get("/v1/referents/2", headers={"If-None-Match": tag})
        self.assertEqual(r.status, 200, r)
        self.assertNotEqual(r.body["caseload"], load)
        self.assertNotEqual(r.headers["ETag"], tag)
        r = self.patch("/v1/referents/2", {"structure": "PLIE Lyon"},
                       headers={"If-Match": tag})
        self.assertEqual(r.status, 200, r)
        r = self.patch("/v1/referents/2", {"structure": "PLIE Villeurbanne"},
                       headers={"If-Match": tag})
        self.assertEqual(r.status, 412, r)

    def test_a_create_replies_with_the_etag_a_read_gives(self):
        r = self.d.post("/v1/companies", dict(COMPANY, siret="73282932000074",
                                              name="Autre"))
        self.assertEqual(r.status, 201, r)
        got = self.d.get("/v1/companies/%d" % r.body["id"])
        self.assertEqual(r.headers["ETag"], got.headers["ETag"])
        # Lists carry no ETag.
        self.assertNotIn("ETag", self.d.get("/v1/companies").headers)

    def test_a_referent_patches_only_their_own_candidates(self):
        tok = self.token(role="referent", referent_id=1, subject="n.benali")
        r = self.patch("/v1/candidates/1", {"available_on": "2026-12-15"},
                       token=tok)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["available_on"], "2026-12-15")
        # Another referent's candidate is not found; their own cannot be
        # handed to another referent.
        self.assertError(self.patch("/v1/candidates/2", {"max_weekly_hours":
                                    20}, token=tok), 404)
        self.assertError(self.patch("/v1/candidates/1", {"referent_id": 2},
                                    token=tok), 403, field="referent_id")
        self.assertEqual(self.d.get("/v1/candidates/1").body["referent_id"],
                         1)
        self.assertError(self.patch("/v1/referents/1", {"structure": "x"},
                                    token=tok), 403, code="forbidden")

    def test_a_company_cannot_patch_and_its_etag_is_of_its_view(self):
        tok = self.token(role="company", company_id=1, subject="rh")
        for path in ("/v1/companies/1", "/v1/offers/1"):
            self.assertError(self.patch(path, {"fte": 1}, token=tok), 403,
                             code="forbidden")
        team = self.d.get("/v1/offers/1")
        seen = self.d.get("/v1/offers/1", token=tok)
        self.assertEqual(seen.status, 200, seen)
        self.assertNotIn("notes", seen.body.get("workstation_visit") or {})
        self.assertNotEqual(seen.headers["ETag"], team.headers["ETag"])
        self.assertEqual(self.d.get("/v1/offers/1", token=tok, headers={
            "If-None-Match": seen.headers["ETag"]}).status, 304)

    def test_media_types(self):
        for ctype in ("application/json", "text/plain", None):
            r = self.d.request("PATCH", "/v1/companies/1", raw=b'{"fte": 2}',
                               ctype=ctype)
            err = self.assertError(r, 415, field="Content-Type",
                                   code="unsupported_media_type")
            self.assertIn("application/merge-patch+json", err["message"])
            self.assertIn("application/merge-patch+json",
                          r.headers.get("Accept-Patch", ""))
        r = self.d.request("PATCH", "/v1/companies/1", raw=b'{"fte": 2}',
                           ctype=MERGE + "; charset=utf-8")
        self.assertEqual(r.status, 200, r)
        # merge-patch+json is a PATCH's only: a PUT refuses it.
        self.assertError(self.d.request("PUT", "/v1/companies/1",
                                        raw=json.dumps(COMPANY).encode(),
                                        ctype=MERGE), 415)
        self.assertError(self.patch("/v1/companies/1", [1, 2]), 400,
                         field="body")
        self.assertError(self.d.request("PATCH", "/v1/companies/1",
                                        raw=b"", ctype=MERGE), 400,
                         code="missing_body")
        self.assertError(self.patch("/v1/companies/99", {"fte": 2}), 404)
        # A PATCH has a PUT's body limit.
        self.assertError(self.patch("/v1/referents/1", {"structure": "x" *
                                    20000}), 413, code="body_too_large")
        self.assertError(self.patch("/v1/proposals/1", {"x": 2}), 405)

    def test_a_msgpack_merge_patch(self):
        if msgpack is None:
            self.skipTest("python3-msgpack is not installed")
        r = self.d.request("PATCH", "/v1/candidates/1",
                           raw=msgpack.packb({"max_weekly_hours": 18,
                                              "available_on": None}),
                           ctype="application/msgpack")
        self.assertEqual(r.status, 200, r)
        got = self.d.get("/v1/candidates/1").body
        self.assertEqual(got["max_weekly_hours"], 18)
        self.assertIsNone(got.get("available_on"))

    def test_an_erased_candidate_is_not_patched(self):
        self.assertEqual(self.d.delete("/v1/candidates/1").status, 204)
        self.assertError(self.patch("/v1/candidates/1", {"qpv": False}), 410,
                         code="erased")

    def test_the_openapi_document_has_the_patch_operations(self):
        doc = self.d.get("/v1/openapi.json", token=None).body
        for kind, _, _, _, _ in KINDS:
            op = doc["paths"]["/v1/%s/{id}" % kind]["patch"]
            self.assertIn(MERGE, op["requestBody"]["content"])
            self.assertIn("If-Match", [p["name"] for p in op["parameters"]])
            self.assertIn("ETag", op["responses"]["200"]["headers"])

    def iodctl(self, *args, stdin=None):
        return subprocess.run([IODCTL, "--url", "http://127.0.0.1:%d" %
                               self.d.port, "--token", ADMIN] + list(args),
                              input=stdin, capture_output=True, text=True,
                              cwd=ROOT)

    def test_iodctl_patch_with_if_match(self):
        got = self.iodctl("get", "candidates", "1", "--etag")
        self.assertEqual(got.returncode, 0, got.stderr)
        tag = got.stdout.strip()
        self.assertEqual(tag, self.d.get("/v1/candidates/1").headers["ETag"])
        r = self.iodctl("patch", "candidates", "1", "-", "--if-match", tag,
                        stdin='{"mobility": {"vehicle": true}, '
                              '"available_on": null}')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["mobility"],
                         {"licence_b": False, "vehicle": True,
                          "zone": "territory"})
        got = self.d.get("/v1/candidates/1").body
        self.assertTrue(got["mobility"]["vehicle"])
        self.assertIsNone(got.get("available_on"))
        # The tag read before is stale now: refused, and said why.
        r = self.iodctl("patch", "candidates", "1", "-", "--if-match", tag,
                        stdin='{"max_weekly_hours": 12}')
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("If-Match", r.stdout + r.stderr)
        r = self.iodctl("delete", "candidates", "1", "--if-match", tag)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertEqual(self.d.get("/v1/candidates/1").body[
            "max_weekly_hours"], 30)
        r = self.iodctl("patch", "candidates", "1", "-",
                        stdin='{"mobility": {"zone": "moon"}}')
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("mobility.zone", r.stdout + r.stderr)
