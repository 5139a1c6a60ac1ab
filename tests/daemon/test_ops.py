"""Running iod in production: /metrics (checked by promtool), the OpenAPI
document (checked by a validator and against the routes), backups, the
activity and charter reports on the demo data."""
import csv
import io
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from iodtest import ADMIN, IODCTL, IODD, ROOT, Daemon, DaemonCase


class Metrics(DaemonCase):
    DEMO = True

    def test_promtool_accepts_the_metrics(self):
        self.d.post("/v1/offers/1/proposal")
        self.d.get("/v1/offers/1")
        self.d.get("/v1/offers/999")
        r = self.d.get("/metrics", token=None)
        self.assertEqual(r.status, 200)
        text = r.raw.decode()
        check = subprocess.run(["promtool", "check", "metrics"], input=text,
                               capture_output=True, text=True)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.assertIn('iod_http_requests_total{method="GET",'
                      'route="/v1/offers/{id}",status="404"} 1', text)
        self.assertIn("iod_proposals_total 1", text)
        self.assertIn("iod_open_offers 8", text)
        self.assertIn('iod_candidates{status="active"} 12', text)
        self.assertIn("iod_match_duration_seconds_count 1", text)


class OpenAPI(DaemonCase):
    def test_document_is_valid_and_matches_the_routes(self):
        served = self.d.get("/v1/openapi.json", token=None).body
        printed = json.loads(subprocess.run([IODD, "--openapi"],
                             capture_output=True, check=True).stdout)
        with open(os.path.join(ROOT, "docs", "openapi.json")) as f:
            kept = json.load(f)
        self.assertEqual(served, printed)
        self.assertEqual(kept, printed,
                         "docs/openapi.json is stale: iodd --openapi > it")
        v = subprocess.run(["node", os.path.join(ROOT, "tests", "openapi",
                                                 "validate.mjs"),
                            os.path.join(ROOT, "docs", "openapi.json")],
                           capture_output=True, text=True)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        # Every route answers as documented: none is missing.
        ops = {(m.upper(), p) for p, item in kept["paths"].items()
               for m in item}
        self.assertIn(("POST", "/v1/offers/{id}/proposal"), ops)
        self.assertIn(("GET", "/v1/reports/activity"), ops)


class RuleFiles(DaemonCase):
    def iodctl(self, *args):
        return subprocess.run([IODCTL, "--url", "http://127.0.0.1:%d" %
                               self.d.port, "--token", ADMIN] + list(args),
                              capture_output=True, text=True, cwd=ROOT)

    def test_rules_check_and_put(self):
        ok = self.iodctl("rules", "check", "rules/iod-plie.yaml",
                         "rules/mission-locale.yaml")
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertEqual(ok.stdout.splitlines(), [
            "rules/iod-plie.yaml: rule set iod-plie OK",
            "rules/mission-locale.yaml: rule set mission-locale OK"])
        tmp = tempfile.mkdtemp(prefix="iodrules-")
        self.addCleanup(shutil.rmtree, tmp, True)
        bad = os.path.join(tmp, "bad.yaml")
        with open(bad, "w") as f:
            f.write("name: iod-plie\nterritories: metropole-lyon-"
                    "territories.csv\nweights:\n  sex: 3\n  qpv: lots\n")
        r = self.iodctl("rules", "check", bad)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.splitlines(), [
            bad + ":4:3: weights.sex: \"sex\" is a protected ground (Code "
            "du travail L1132-1): it cannot filter or weight a match",
            bad + ":5:3: weights.qpv: \"lots\" is not an integer "
            "(expected 0..1000)"])
        # Through the daemon: refused whole, the version in force stays.
        r = self.iodctl("rules", "put", "iod-plie", bad)
        self.assertEqual(r.returncode, 1)
        self.assertIn("protected ground", r.stderr)
        self.assertEqual(self.d.get("/v1/rulesets/iod-plie").body["version"], 1)
        r = self.iodctl("rules", "put", "mission-locale",
                        "rules/mission-locale.yaml")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["version"], 1)


class Configuration(unittest.TestCase):
    def setUp(self):
        # A copy of etc/ and rules/ that the test may edit.
        self.tmp = tempfile.mkdtemp(prefix="iodconf-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        shutil.copytree(os.path.join(ROOT, "rules"),
                        os.path.join(self.tmp, "rules"))
        with open(os.path.join(ROOT, "etc", "iod.yaml")) as f:
            text = f.read().replace("rules/", self.tmp + "/rules/")
        self.conf = os.path.join(self.tmp, "iod.yaml")
        with open(self.conf, "w") as f:
            f.write(text)
        self.rules = os.path.join(self.tmp, "rules", "iod-plie.yaml")
        with open(self.rules) as f:
            self.text = f.read()

    def check(self):
        return subprocess.run([IODD, "-n", "--config", self.conf], cwd=ROOT,
                              capture_output=True, text=True)

    def test_check_offline(self):
        r = self.check()
        self.assertEqual((r.returncode, r.stdout), (0, "configuration OK\n"))
        with open(self.rules, "w") as f:
            f.write(self.text.replace("qpv: 20", "qpv: -4").replace(
                "same_commune: 10", "same_commune: x"))
        r = self.check()
        self.assertEqual(r.returncode, 1)
        lines = r.stderr.splitlines()
        self.assertEqual(len(lines), 2, lines)
        self.assertTrue(all(l.startswith(self.rules + ":") for l in lines),
                        lines)
        self.assertIn("weights.qpv", lines[0])
        self.assertIn("weights.same_commune", lines[1])
        with open(self.conf) as f:
            text = f.read()
        with open(self.conf, "w") as f:
            f.write(text.replace("log_level: info", "log_level: loud"))
        r = self.check()
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"^" + self.conf + r":\d+:\d+: log_level")

    def test_sighup_swaps_whole_or_keeps_the_old(self):
        d = Daemon(args=["--config", self.conf]).start()
        self.addCleanup(d.cleanup)
        version = lambda: d.get("/v1/rulesets/iod-plie").body["version"]
        self.assertEqual(version(), 1)
        with open(self.rules, "w") as f:
            f.write(self.text.replace("qpv: 20", "qpv: 25"))
        d.proc.send_signal(signal.SIGHUP)
        self.assertTrue(self.wait(lambda: version() == 2))
        with open(self.rules, "w") as f:
            f.write(self.text.replace("qpv: 20", "qpv: many"))
        d.proc.send_signal(signal.SIGHUP)
        self.assertTrue(self.wait(lambda: any("reload refused" in l
                                              for l in d.log)))
        self.assertEqual(version(), 2)
        src = d.get("/v1/rulesets/iod-plie").body["source"]
        self.assertIn("qpv: 25", src)

    @staticmethod
    def wait(cond):
        for _ in range(100):
            if cond():
                return True
            time.sleep(0.05)
        return False


class Backup(unittest.TestCase):
    def test_backup_restores_into_an_empty_directory(self):
        d = Daemon(demo=True).start()
        self.addCleanup(d.cleanup)
        self.assertEqual(d.post("/v1/offers/2/proposal").status, 201)
        r = d.get("/v1/backup")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["Content-Type"], "application/octet-stream")
        self.assertGreater(len(r.raw), 4096)
        self.assertEqual(d.get("/v1/backup", token=None).status, 401)
        tmp = tempfile.mkdtemp(prefix="iodrestore-")
        self.addCleanup(shutil.rmtree, tmp, True)
        restored = os.path.join(tmp, "data")
        os.mkdir(restored)
        # iodctl backup FILE writes the same copy, through the public API.
        out = subprocess.run([IODCTL, "--url", "http://127.0.0.1:%d" % d.port,
                              "--token", ADMIN, "backup",
                              os.path.join(restored, "data.mdb")],
                             capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        d2 = Daemon(data=restored).start()
        self.addCleanup(d2.cleanup)
        self.assertEqual(len(d2.get("/v1/candidates?limit=100")
                             .body["items"]), 12)
        self.assertEqual(d2.get("/v1/proposals").body["items"][0]["offer_id"],
                         2)


class Reports(DaemonCase):
    DEMO = True

    def test_activity_on_the_demo(self):
        r = self.d.get("/v1/reports/activity?from=2026-01-01&to=2026-12-31")
        self.assertEqual(r.status, 200, r)
        t = r.body["table"]
        demo = json.load(open(os.path.join(ROOT, "demo", "candidates.json")))
        self.assertEqual(t["people_followed"], len(demo))
        self.assertEqual(t["orientations"], sum(c["oriented_on"] >= "2026"
                                                for c in demo))
        self.assertEqual(t["companies_met"], 5)
        self.assertEqual(t["company_meetings"], 7)  # workstation visits
        # Masked: fewer than 5 people in a cell.
        sex = r.body["breakdowns"]["sex"]
        self.assertEqual(sex["F"]["pool"], sum(c["sex"] == "F" for c in demo))
        self.assertEqual(r.body["breakdowns"]["public"]["rqth"]["pool"], "<5")
        self.assertError(self.d.get("/v1/reports/activity?from=2026-01-01"),
                         400, field="to")
        self.assertError(self.d.get("/v1/reports/activity?from=2026-01-01"
                                    "&to=2026-12-31&programme=x"), 400,
                         field="programme")
        c = self.d.get("/v1/reports/activity?from=2026-01-01&to=2026-12-31"
                       "&format=csv")
        self.assertTrue(c.headers["Content-Type"].startswith("text/csv"))
        # The IOD table: BOM, ';', one line per indicator.
        rows = {row[0]: row[1:] for row in csv.reader(io.StringIO(
            c.raw.decode("utf-8-sig"), newline=""), delimiter=";") if row}
        self.assertEqual(rows["Personnes suivies"], [str(len(demo)), ""])
        self.assertEqual(rows["Nouvelles entreprises rencontrées"],
                         ["5", ""])

    def test_auditor_sees_aggregates_only(self):
        aud = self.d.post("/v1/tokens", {"role": "auditor"}).body["token"]
        self.assertEqual(self.d.get("/v1/reports/activity?from=2026-01-01"
                                    "&to=2026-12-31", token=aud).status, 200)
        self.assertEqual(self.d.get("/v1/reports/charter?from=2026-01-01"
                                    "&to=2026-12-31", token=aud).status, 200)
        for path in ["/v1/candidates", "/v1/proposals", "/v1/offers/1",
                     "/v1/events", "/v1/backup"]:
            self.assertEqual(self.d.get(path, token=aud).status, 403, path)

    def test_charter_commitments(self):
        r = self.d.get("/v1/reports/charter?from=2026-01-01&to=2026-12-31")
        self.assertEqual(r.status, 200, r)
        by_name = {c["name"]: c for c in r.body["companies"]}
        self.assertEqual(len(by_name), 5)
        prop = by_name["Propreté Rhône Services"]
        self.assertEqual(prop["recorded"]["offers"], 2)
        self.assertFalse(prop["no_action"])
        self.assertEqual([c["action"] for c in prop["commitments"]],
                         ["recruit_durable", "innovative_recruitment"])
        c = self.d.get("/v1/reports/charter?from=2025-01-01&to=2025-12-31")
        self.assertTrue(all(x["no_action"] for x in c.body["companies"]))


if __name__ == "__main__":
    unittest.main()
