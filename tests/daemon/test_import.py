"""iodctl import: the spreadsheets agencies keep, through the public API.
Bad rows are reported with their CSV line and field; good rows are kept.
The fixtures and what each row exercises: tests/daemon/data/README.md."""
import os
import subprocess

from iodtest import ADMIN, IODCTL, ROOT, DaemonCase

DATA = os.path.join(ROOT, "tests", "daemon", "data")


class Import(DaemonCase):
    def iodctl(self, *args):
        return subprocess.run([IODCTL, "--url", "http://127.0.0.1:%d" %
                               self.d.port, "--token", ADMIN] + list(args),
                              capture_output=True, text=True)

    def imp(self, resource, want_rc, imported, refused):
        path = os.path.join(DATA, resource + ".csv")
        r = self.iodctl("import", resource, path)
        self.assertEqual(r.returncode, want_rc, r.stderr)
        self.assertIn("imported %d, refused %d" % (imported, len(refused)),
                      r.stdout + r.stderr)
        lines = [l for l in r.stderr.splitlines() if l.startswith(path + ":")]
        self.assertEqual([tuple(l[len(path) + 1:].split(": ")[:2])
                          for l in lines], refused, r.stderr)
        return r

    def test_import_reports_bad_rows_by_line_and_keeps_the_good(self):
        self.imp("referents", 0, 3, [])
        self.imp("companies", 1, 4, [("6", "siret")])
        self.imp("offers", 1, 4, [("6", "weekly_hours")])
        self.imp("candidates", 1, 8, [
            ("4", "birth_date"), ("9", "commune"), ("11", "rome[0]"),
            ("13", "publics"), ("14", "mobility.zone"), ("15", "qpv")])
        # What was kept is there, converted as the API stores it.
        cands = self.d.get("/v1/candidates?limit=100").body["items"]
        self.assertEqual(len(cands), 8)
        self.assertTrue(all(c["commune"].startswith("69") for c in cands))
        offers = self.d.get("/v1/offers?limit=100").body["items"]
        self.assertLessEqual({o["company_id"] for o in offers}, {1, 2, 3, 4})
        self.assertIn("CDDI", [o["contract"] for o in offers])

    def test_unknown_column_sends_nothing(self):
        path = os.path.join(self.d.tmp, "bad.csv")
        with open(path, "w") as f:
            f.write("name,structure,shoe_size\nA,B,42\n")
        r = self.iodctl("import", "referents", path)
        self.assertEqual(r.returncode, 2)
        self.assertIn("shoe_size", r.stderr)
        self.assertEqual(self.d.get("/v1/referents").body["items"], [])
