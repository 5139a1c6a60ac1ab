"""Spreadsheets in: the CSV that French Excel and LibreOffice save (';',
a byte-order mark, CRLF, the console's French column labels, dd/mm/yyyy
dates), imported by the agency's own reference (external_ref) through
iodctl import and through POST /v1/{kind}:import.  The same file twice
gives one set of records; a changed row updates its record; every refused
row is named by its line and field; a Windows-1252 file is refused with
the way to save it; a dry run writes nothing."""
import os
import subprocess

from iodtest import ADMIN, IODCTL, DaemonCase

HEADER = ["Référence", "Prénom", "Nom", "Date de naissance", "Sexe",
          "Commune de résidence (code INSEE)", "Dispositif", "Référent·e",
          "Orienté·e le", "Métiers recherchés (codes ROME)",
          "Heures par semaine au plus", "Peut travailler dans",
          "Disponible le"]
# line 1 is the header; the rows start on line 2.
ROWS = [
    ["P-001", "Amina", "Diallo", "12/04/1988", "F", "69266", "plie", "1",
     "01/09/2025", "K2204, K1304", "35", "territory", "15/09/2025"],
    ["P-002", "Karim", "Haddad", "1979-02-03", "M", "69388", "plie", "1",
     "02/09/2025", "N1103", "24", "commune", "01/10/2025"],
    ["P-003", "Léa", "Fontaine", "31/02/1990", "F", "69381", "plie", "1",
     "03/09/2025", "K2204", "35", "territory", "01/10/2025"],   # no 31 Feb
    ["P-004", "Hugo", "Bernard", "05/06/1995", "M", "99999", "plie", "1",
     "03/09/2025", "K2204", "35", "territory", "01/10/2025"],   # commune
    ["P-005", "Inès", "Moreau", "07/08/1992", "F", "69123", "plie", "1",
     "04/09/2025", "H3302", "30", "metropole", "01/11/2025"],
]
REFUSED = [(4, "birth_date"), (5, "commune")]


def sheet(rows, sep=";", bom=True, eol="\r\n", encoding="utf-8"):
    text = eol.join(sep.join(r) for r in [HEADER] + rows) + eol
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


class Spreadsheet(DaemonCase):
    def setUp(self):
        super().setUp()
        r = self.d.post("/v1/referents", {"name": "Claire Martin",
                                          "structure": "PLIE de Lyon"})
        self.assertEqual(r.status, 201, r)

    def candidates(self):
        items = self.d.get("/v1/candidates?limit=100").body["items"]
        return {c["external_ref"]: c for c in items}

    def route(self, data, dry_run=False, kind="candidates"):
        return self.d.post("/v1/%s:import%s" % (
            kind, "?dry_run=true" if dry_run else ""), raw=data,
            ctype="text/csv; charset=utf-8")

    def iodctl(self, data, *opts):
        path = os.path.join(self.d.tmp, "personnes.csv")
        with open(path, "wb") as f:
            f.write(data)
        r = subprocess.run([IODCTL, "--url", "http://127.0.0.1:%d" %
                            self.d.port, "--token", ADMIN, "import",
                            "candidates", path] + list(opts),
                           capture_output=True, text=True)
        refused = [tuple(l[len(path) + 1:].split(": ")[:2])
                   for l in r.stderr.splitlines()
                   if l.startswith(path + ":")]
        return r, path, [(int(n), f) for n, f in refused]

    def lines(self, reply, outcome):
        return [e["line"] for e in reply.body[outcome]]

    def refused(self, reply):
        return [(e["line"], e["error"]["field"])
                for e in reply.body["refused"]]

    def test_route_twice_one_set_then_a_changed_row_updates(self):
        data = sheet(ROWS)
        r = self.route(data)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.lines(r, "created"), [2, 3, 6])
        self.assertEqual(self.refused(r), REFUSED)
        self.assertIn('"31/02/1990"', r.body["refused"][0]["error"]["message"])
        first = self.candidates()
        self.assertEqual(sorted(first), ["P-001", "P-002", "P-005"])
        a = first["P-001"]
        self.assertEqual((a["first_name"], a["birth_date"], a["rome"],
                          a["oriented_on"]),
                         ("Amina", "1988-04-12", ["K2204", "K1304"],
                          "2025-09-01"))

        # What the sheet has no column for keeps what the team set.
        body = {k: v for k, v in first["P-001"].items()
                if k not in ("id", "created_at", "updated_at")}
        body["publics"] = ["rsa"]
        r = self.d.put("/v1/candidates/%d" % a["id"], body)
        self.assertEqual(r.status, 200, r)
        first = self.candidates()

        r = self.route(data)        # the same file again
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.lines(r, "created"), [])
        self.assertEqual(self.lines(r, "updated"), [])
        self.assertEqual(self.lines(r, "unchanged"), [2, 3, 6])
        self.assertEqual(self.refused(r), REFUSED)
        self.assertEqual(self.candidates(), first)
        self.assertEqual(first["P-001"]["publics"], ["rsa"])

        changed = [row[:] for row in ROWS]
        changed[1][10] = "30"      # Karim: 30 hours a week, not 24
        r = self.route(sheet(changed))
        self.assertEqual(self.lines(r, "updated"), [3])
        self.assertEqual(self.lines(r, "unchanged"), [2, 6])
        self.assertEqual(r.body["updated"][0]["id"],
                         first["P-002"]["id"])
        now = self.candidates()
        self.assertEqual(len(now), 3)
        self.assertEqual(now["P-002"]["max_weekly_hours"], 30)
        self.assertEqual(now["P-001"], first["P-001"])

    def test_iodctl_twice_one_set_refusals_by_line_and_field(self):
        data = sheet(ROWS)
        r, path, refused = self.iodctl(data)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("imported 3, refused 2", r.stdout)
        self.assertEqual(refused, REFUSED)
        first = self.candidates()
        self.assertEqual(sorted(first), ["P-001", "P-002", "P-005"])

        r, path, refused = self.iodctl(data)
        self.assertEqual(refused, REFUSED)
        self.assertIn("created 0, updated 0, unchanged 3", r.stdout)
        self.assertEqual(self.candidates(), first)

        changed = [row[:] for row in ROWS]
        changed[4][9] = "H3302|K2204"
        r, path, refused = self.iodctl(sheet(changed))
        self.assertIn("%s:6: updated (id %d)" % (
            path, first["P-005"]["id"]), r.stdout)
        self.assertEqual(self.candidates()["P-005"]["rome"],
                         ["H3302", "K2204"])

    def test_dry_run_says_what_and_writes_nothing(self):
        r = self.route(sheet(ROWS), dry_run=True)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.body["dry_run"])
        self.assertEqual(self.lines(r, "created"), [2, 3, 6])
        self.assertEqual(self.refused(r), REFUSED)
        self.assertEqual(self.candidates(), {})

        out, path, refused = self.iodctl(sheet(ROWS), "--dry-run")
        self.assertEqual(refused, REFUSED)
        self.assertIn("%s:2: would be created" % path, out.stdout)
        self.assertIn("nothing written", out.stdout)
        self.assertEqual(self.candidates(), {})

        self.route(sheet(ROWS))
        before = self.candidates()
        changed = [row[:] for row in ROWS]
        changed[0][2] = "Diallo-Sow"
        r = self.route(sheet(changed), dry_run=True)
        self.assertEqual(self.lines(r, "updated"), [2])
        self.assertEqual(self.lines(r, "unchanged"), [3, 6])
        self.assertEqual(self.candidates(), before)

    def test_windows_1252_refused_with_the_way_to_fix_it(self):
        data = sheet(ROWS, bom=False, encoding="cp1252")
        r = self.route(data)
        self.assertError(r, 400, field="body", contains="CSV UTF-8")
        self.assertIn("line 1", r.error()["message"])
        out, path, refused = self.iodctl(data)
        self.assertEqual(out.returncode, 2, out.stderr)
        self.assertIn("save it as \"CSV UTF-8\"", out.stderr)
        self.assertEqual(self.candidates(), {})

    def test_comma_lf_no_bom_and_api_field_names(self):
        data = ("external_ref,name,structure,email\n"
                "R1,Ahmed Benali,Mission Locale de Lyon,\n"
                "R2,Sophie Lambert,\"Mission Locale, Villeurbanne\","
                "sophie@ml.example\n").encode()
        r = self.route(data, kind="referents")
        self.assertEqual(self.lines(r, "created"), [2, 3])
        r = self.route(data, kind="referents")
        self.assertEqual(self.lines(r, "unchanged"), [2, 3])
        refs = self.d.get("/v1/referents").body["items"]
        self.assertEqual(len(refs), 3)
        self.assertIn("Mission Locale, Villeurbanne",
                      [x["structure"] for x in refs])

    def test_a_value_under_no_column_is_refused_by_line_and_column(self):
        rows = [row[:] for row in ROWS[:2]]
        rows[1].append("en trop")
        r = self.route(sheet(rows))
        self.assertEqual(self.lines(r, "created"), [2])
        self.assertEqual(self.refused(r), [(3, "column 14")])

    def test_external_ref_is_unique_per_kind(self):
        self.route(sheet(ROWS[:1]))
        r = self.d.post("/v1/referents", {"name": "A", "structure": "B",
                                          "external_ref": "P-001"})
        self.assertEqual(r.status, 201, r)   # another kind: allowed
        c = self.d.get("/v1/candidates").body["items"][0]
        body = {k: v for k, v in c.items()
                if k not in ("id", "created_at", "updated_at")}
        r = self.d.post("/v1/candidates", body)
        self.assertError(r, 409, field="external_ref", contains="P-001")

    def test_unknown_label_and_wrong_type_refuse_the_file(self):
        r = self.route("Prénom;Pointure\nA;42\n".encode())
        self.assertError(r, 400, field="body", contains="Pointure")
        self.assertEqual(self.candidates(), {})
        r = self.d.post("/v1/candidates:import", raw=b"{}",
                        ctype="application/json")
        self.assertEqual(r.status, 415, r)

    def test_bounded_like_batches(self):
        head = "external_ref;name;structure\r\n"
        rows = "".join("R%d;N%d;S\r\n" % (i, i) for i in range(10001))
        r = self.route((head + rows).encode(), kind="referents")
        self.assertError(r, 413, field="rows")
        self.assertEqual(len(self.d.get("/v1/referents").body["items"]), 1)
        # Over the route's body limit: refused before it is read.
        r = self.route(head.encode() + b"x" * (9 * 1024 * 1024),
                       kind="referents")
        self.assertEqual(r.status, 413, r)
        self.assertEqual(len(self.d.get("/v1/referents").body["items"]), 1)


class OtherReferent(DaemonCase):
    """A referent's sheet cannot reach another referent's candidate by its
    reference: the row is refused, the candidate neither shown nor taken."""

    def test_a_reference_of_another_referents_candidate_is_refused(self):
        for name in ("Claire Martin", "Paul Roux"):
            r = self.d.post("/v1/referents", {"name": name,
                                              "structure": "PLIE de Lyon"})
            self.assertEqual(r.status, 201, r)
        r = self.d.post("/v1/candidates:import", raw=sheet(ROWS[:1]),
                        ctype="text/csv; charset=utf-8")
        self.assertEqual(r.status, 200, r)
        theirs = self.d.get("/v1/candidates").body["items"][0]
        self.assertEqual(theirs["referent_id"], 1)
        r = self.d.post("/v1/tokens", {"role": "referent",
                                       "referent_id": 2,
                                       "subject": "paul-roux"})
        self.assertEqual(r.status, 201, r)
        paul = r.body["token"]
        row = list(ROWS[0])
        row[1], row[7] = "Autre", "2"      # Paul's own referent id
        r = self.d.post("/v1/candidates:import", raw=sheet([row]),
                        ctype="text/csv; charset=utf-8", token=paul)
        self.assertEqual(r.status, 200, r)
        self.assertEqual([e["line"] for e in r.body["refused"]], [2])
        err = r.body["refused"][0]["error"]
        self.assertEqual(err["field"], "external_ref")
        self.assertNotRegex(err["message"], r"(?<!\w)%d(?!\w)" % theirs["id"])
        self.assertEqual(r.body["created"] + r.body["updated"], [])
        still = self.d.get("/v1/candidates/%d" % theirs["id"]).body
        self.assertEqual((still["first_name"], still["referent_id"]),
                         ("Amina", 1))
