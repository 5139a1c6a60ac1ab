"""The one table of errors: what `iodd --errors` prints is the README's
table, GET /v1/errors serves the same codes with their status and French
words, the OpenAPI document lists them, every error code the tests expect
of the daemon is in it, and every error the daemon answers has the status
the table gives its code."""
import glob
import os
import re
import subprocess

from iodtest import IODD, ROOT, DaemonCase

# Where the test suites name an error code the daemon sends: a keyword
# argument, an equality on ["code"], a tuple or a set of codes, a list of
# (index, code) pairs of a batch's refusals.
CODE_PATTERNS = [
    r'\bcode="([a-z_]+)"',
    r'\["code"\],\s*"([a-z_]+)"',
    r'\["code"\]\s*==\s*"([a-z_]+)"',
    r'\["code"\],\s*\(([^)]*)\)',
    r'\["code"\]\s+for [^}]*\},\s*\{([^}]*)\}',
    r'\["code"\]\)\s+for [^\]]*\],\s*\[([^\]]*)\]',
]


def codes_the_tests_expect():
    found = set()
    for path in glob.glob(os.path.join(ROOT, "tests", "daemon", "test_*.py")):
        if os.path.basename(path) == "test_errors.py":
            continue
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for pattern in CODE_PATTERNS:
            for m in re.finditer(pattern, text):
                words = m.group(1)
                found.update(re.findall(r'"([a-z_]+)"', words) if '"' in
                             words else [words])
    return found


class Errors(DaemonCase):
    def test_readme_openapi_and_tests_agree_with_the_table(self):
        printed = subprocess.run([IODD, "--errors"], capture_output=True,
                                 text=True, check=True).stdout
        with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
            readme = f.read()
        self.assertIn(printed, readme,
                      "README.md's table of errors is stale: put the output "
                      "of iodd --errors in its API section")

        r = self.d.get("/v1/errors", token=None)
        self.assertEqual(r.status, 200, r)
        table = {e["code"]: e for e in r.body["items"]}
        self.assertEqual(len(table), len(r.body["items"]), "a code twice")
        rows = re.findall(r"^\| `([a-z_]+)` \| (\d+) \| (.+) \|$", printed,
                          re.M)
        self.assertEqual([(c, int(s), m) for c, s, m in rows],
                         [(e["code"], e["status"], e["meaning"])
                          for e in r.body["items"]])
        for e in r.body["items"]:
            self.assertTrue(e["fr"], e)
            self.assertGreaterEqual(e["status"], 400, e)

        doc = self.d.get("/v1/openapi.json", token=None).body
        enum = doc["components"]["schemas"]["error"]["properties"]["error"][
            "properties"]["code"]["enum"]
        self.assertEqual(enum, list(table))

        expected = codes_the_tests_expect()
        self.assertGreater(len(expected), 15, expected)
        self.assertEqual(expected - set(table), set(),
                         "codes the tests expect that the table lacks")

        # What the daemon answers has the table's status for its code.
        cases = [
            ("GET", "/v1/nowhere", {}, "not_found"),
            ("DELETE", "/healthz", {}, "method_not_allowed"),
            ("GET", "/v1/companies", {"token": None}, "unauthorized"),
            ("GET", "/v1/companies?limit=0", {}, "invalid"),
            ("GET", "/v1/companies/999", {}, "not_found"),
            ("POST", "/v1/companies", {"raw": b"{",
                                       "ctype": "application/json"},
             "bad_json"),
            ("POST", "/v1/companies", {}, "missing_body"),
            ("POST", "/v1/companies", {"raw": b"x", "ctype": "text/plain"},
             "unsupported_media_type"),
            ("GET", "/v1/audit", {}, "invalid"),
        ]
        for method, path, kw, code in cases:
            r = self.d.request(method, path, **kw)
            what = "%s %s: %r" % (method, path, r)
            self.assertEqual(r.error()["code"], code, what)
            self.assertEqual(r.status, table[code]["status"], what)
