"""Rule sets have one source of truth, the store: a version activated with
PUT /v1/rulesets/{name} stays in force across SIGHUP and restarts; a
configured file is activated again only when its text changed since it was
last activated from that file, and when it then replaces a version put
through the API the log names both.  GET /v1/rulesets/{name} says where
the version in force came from."""
import os
import re
import shutil
import signal
import tempfile
import time
import unittest

from iodtest import ROOT, Daemon


class RuleSetSource(unittest.TestCase):
    def setUp(self):
        # A copy of etc/ and rules/ that the test may edit.
        self.tmp = tempfile.mkdtemp(prefix="iodsource-")
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
        self.assertIn("rsa: 30", self.text)
        self.d = Daemon(args=["--config", self.conf]).start()
        self.addCleanup(self.d.cleanup)

    def ruleset(self, name="iod-plie"):
        r = self.d.get("/v1/rulesets/" + name)
        self.assertEqual(r.status, 200, r)
        return r.body

    def state(self, name="iod-plie"):
        """(version, where it came from, the file's path) in force."""
        rs = self.ruleset(name)
        origin = rs.get("origin") or {}
        return rs["version"], origin.get("from"), origin.get("path")

    def put(self, text, name="iod-plie"):
        r = self.d.put("/v1/rulesets/" + name, raw=text.encode(),
                       ctype="application/yaml")
        self.assertEqual(r.status, 200, r)
        return r.body

    def sighup(self, pattern):
        """Reload; wait for the log line that says what became of
        iod-plie, and return it."""
        n = len(self.d.log)
        self.d.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            for line in self.d.log[n:]:
                if re.search(pattern, line):
                    return line
            time.sleep(0.02)
        self.fail("no log line /%s/ after SIGHUP:\n%s" % (
            pattern, "".join(self.d.log[n:])))

    def restart(self):
        self.d.stop()
        self.d.start()

    def test_an_api_version_stays_until_the_file_changes(self):
        self.assertEqual(self.ruleset()["version"], 1)
        # An operator changes a weight through the API: 30 -> 35.
        put = self.put(self.text.replace("rsa: 30", "rsa: 35"))
        self.assertEqual(put["version"], 2)
        # SIGHUP with the file unchanged: the API's version stays.
        line = self.sighup(r"rule set iod-plie\b")
        self.assertEqual(self.ruleset()["version"], 2, line)
        self.assertEqual(self.state(), (2, "api", None))
        self.assertIsInstance(self.ruleset()["origin"]["at"], int)
        self.assertIn("rsa: 35", self.ruleset()["source"])
        # A restart too.
        self.restart()
        self.assertEqual(self.state(), (2, "api", None))
        self.assertIn("rsa: 35", self.ruleset()["source"])
        self.assertEqual(self.ruleset("mission-locale")["version"], 1)
        # The file changes: it is activated, and the log says whose
        # version it replaced.
        with open(self.rules, "w") as f:
            f.write(self.text.replace("qpv: 20", "qpv: 25"))
        line = self.sighup(r"rule set iod-plie\b.*replaces version 2")
        self.assertIn("level=warn", line)
        self.assertIn(self.rules, line)
        self.assertIn("version 3", line)
        self.assertIn("through the API", line)
        self.assertEqual(self.state(), (3, "file", self.rules))
        rs = self.ruleset()
        self.assertIn("qpv: 25", rs["source"])
        self.assertIn("rsa: 30", rs["source"])
        # And that version stays across a restart, with nothing replaced.
        n = len(self.d.log)
        self.restart()
        self.assertEqual(self.state(), (3, "file", self.rules))
        self.assertFalse([l for l in self.d.log[n:] if "replaces" in l])

    def test_a_rule_set_made_through_the_api_survives_a_restart(self):
        text = self.text.replace("name: iod-plie", "name: trial")
        self.assertEqual(self.put(text, "trial")["version"], 1)
        self.restart()
        self.assertEqual(self.state("trial"), (1, "api", None))
        self.assertEqual(self.state(), (1, "file", self.rules))


if __name__ == "__main__":
    unittest.main()
