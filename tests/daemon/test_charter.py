"""The Charte des 1000 through the API: a company's 19 actions declared per
charter year with the form's other fields, realisations recorded by the
team and counted from iod's own hires and offers, the charter report per
company, per territory and per year (JSON and CSV), and records written
with the earlier 8 action codes read back under the form's codes."""
import csv
import io
import subprocess
import unittest

from iodtest import DaemonCase, msgpack, stored_record

ACTIONS = ["recruit_durable", "adapted_training", "innovative_recruitment",
           "job_fairs", "send_offers", "anti_discrimination",
           "inclusion_partnerships", "social_clauses",
           "school_internships_qpv", "immersion", "advice_interviews",
           "mock_interviews", "mentoring", "job_discovery_events",
           "company_visits", "employer_collective", "hr_practices",
           "charter_ambassador", "local_network"]
GROUPS = (["recruit_inclusively"] * 6 + ["develop_inclusion"] * 2 +
          ["host"] * 2 + ["advise_and_share"] * 3 + ["promote_jobs"] * 2 +
          ["contribute_to_network"] * 4)
REFERENT = {"name": "Nadia Benali", "structure": "ALLIES – PLIE de Lyon",
            "email": "n.benali@allies.example"}


def luhn_siret(base13):
    for d in range(10):
        s = base13 + str(d)
        total = 0
        for i, ch in enumerate(reversed(s)):
            v = int(ch) * (2 if i % 2 else 1)
            total += v - 9 if v > 9 else v
        if total % 10 == 0:
            return s


def company(n, commune="69388", commitments=(), charter=True, **kw):
    c = {"siret": luhn_siret("%013d" % (4012893450000 + n)),
         "name": "Entreprise %d" % n, "commune": commune, "fte": 50,
         "commitments": list(commitments)}
    if charter:
        c["charter"] = {"name": "Charte des 1000", "signed_on": "2024-03-14",
                        "status": "signed"}
    c.update(kw)
    return c


def candidate(i, contracts):
    return {"first_name": "P%d" % i, "last_name": "N%d" % i,
            "birth_date": "1985-01-01", "sex": "F", "commune": "69388",
            "qpv": False, "programme": "plie", "referent_id": 1,
            "oriented_on": "2026-01-10", "publics": ["deld"],
            "rome": ["K2204"], "contracts": contracts,
            "mobility": {"zone": "metropole"}, "available_on": "2026-01-01",
            "consent": {"on": "2026-01-10", "scope": "matching_followup"}}


class Charter(DaemonCase):
    def ok(self, reply, status=(200, 201)):
        self.assertIn(reply.status, status, reply)
        return reply.body

    def report(self, query="from=2026-01-01&to=2026-12-31"):
        return self.ok(self.d.get("/v1/reports/charter?" + query))

    def test_all_19_actions_declared_through_the_api(self):
        commitments = [{"action": a, "year": 2026, "done_before": i % 2 == 0,
                        "committed": True, "publics_per_year": i + 1,
                        "days_per_year": i % 5}
                       for i, a in enumerate(ACTIONS)]
        body = company(1, commitments=commitments, fte_metropole=120)
        body["charter"].update({
            "contact": {"name": "Nadia Roux", "role": "Responsable RH",
                        "email": "n.roux@prs.example"},
            "national_network": True,
            "other_charters": ["PAQTE", "Charte de la diversité"]})
        cid = self.ok(self.d.post("/v1/companies", body))["id"]
        got = self.ok(self.d.get("/v1/companies/%d" % cid))
        self.assertEqual([c["action"] for c in got["commitments"]], ACTIONS)
        for sent, kept in zip(commitments, got["commitments"]):
            self.assertEqual(kept, sent)
        self.assertEqual(got["fte_metropole"], 120)
        self.assertEqual(got["charter"]["contact"]["name"], "Nadia Roux")
        self.assertTrue(got["charter"]["national_network"])
        self.assertEqual(got["charter"]["other_charters"],
                         ["PAQTE", "Charte de la diversité"])
        # The report: every action in its group, the form's total.
        co = self.report()["companies"][0]
        year = co["years"][0]
        self.assertEqual(year["year"], 2026)
        self.assertEqual([(a["action"], a["group"]) for a in year["actions"]],
                         list(zip(ACTIONS, GROUPS)))
        self.assertEqual(year["total"], {
            "committed": 19, "publics_per_year": sum(range(1, 20)),
            "days_per_year": sum(i % 5 for i in range(19))})
        # What is refused names the field.
        bad = company(2, commitments=[{"action": "dance"}])
        self.assertError(self.d.post("/v1/companies", bad), 400,
                         field="commitments[0].action", contains="dance")
        twice = company(2, commitments=[{"action": "mentoring", "year": 2026},
                                        {"action": "mentoring", "year": 2026}])
        self.assertError(self.d.post("/v1/companies", twice), 400,
                         field="commitments[1].action", contains="twice")
        later = company(2, realisations=[{"on": "2027-01-05",
                                          "action": "mentoring"}])
        self.assertError(self.d.post("/v1/companies", later), 400,
                         field="realisations[0].on", contains="after today")

    def test_realisations_recorded_and_counted_from_hires_and_offers(self):
        self.ok(self.d.post("/v1/referents", REFERENT))
        committed = ["recruit_durable", "innovative_recruitment",
                     "send_offers", "immersion", "mentoring"]
        cid = self.ok(self.d.post("/v1/companies", company(1, commitments=[
            {"action": a, "year": 2026, "committed": True,
             "publics_per_year": 2, "days_per_year": 1}
            for a in committed])))["id"]
        hires = [("CDI", 0), ("CDD", 3), ("PMSMP", 1)]
        for i, (contract, _) in enumerate(hires):
            self.ok(self.d.post("/v1/candidates", candidate(i, [contract])))
        for i, (contract, months) in enumerate(hires):
            o = {"company_id": cid, "title": "Agent de propreté",
                 "rome": "K2204", "commune": "69388", "contract": contract,
                 "weekly_hours": 30, "start_on": "2026-10-%02d" % (i + 5),
                 "workstation_visit": {"on": "2026-09-%02d" % (i + 1)}}
            if months:
                o["duration_months"] = months
            oid = self.ok(self.d.post("/v1/offers", o))["id"]
            p = self.ok(self.d.post("/v1/offers/%d/proposal" % oid))
            self.assertIsNotNone(p["proposal"], p)
            url = "/v1/proposals/%d/" % p["proposal"]["id"]
            # Not before the proposal, made today (24 November).
            self.ok(self.d.post(url + "meeting", {"meeting": {
                "at": "2026-11-24T%02d:00" % (i + 10), "place": "au poste"}}))
            hire = {"contract": contract, "start_on": o["start_on"],
                    "weekly_hours": 30}
            if months:
                hire["duration_months"] = months
            self.ok(self.d.post(url + "hire", hire))
        # A fourth offer, sent and not filled.
        self.ok(self.d.post("/v1/offers", {
            "company_id": cid, "title": "Agent de propreté", "rome": "K2204",
            "commune": "69388", "contract": "CDI", "weekly_hours": 30,
            "start_on": "2026-12-01", "workstation_visit": {"on": "2026-11-02"}}))
        # The team records a mentoring realisation and an advice interview
        # the company did not commit to.
        c = self.ok(self.d.get("/v1/companies/%d" % cid))
        c["realisations"] = [
            {"on": "2026-06-10", "action": "mentoring", "publics": 3,
             "days": 4, "note": "tutrice très investie"},
            {"on": "2026-07-01", "action": "advice_interviews", "publics": 5,
             "days": 1},
            {"on": "2025-07-01", "action": "mentoring", "publics": 9,
             "days": 9}]
        for k in ("id", "created_at", "updated_at"):
            c.pop(k, None)
        self.ok(self.d.put("/v1/companies/%d" % cid, c))

        co = self.report()["companies"][0]
        self.assertFalse(co["no_action"])
        self.assertEqual(co["recorded"], {"offers": 4, "hires": 2,
                                          "durable_hires": 1, "immersions": 1})
        lines = {a["action"]: a for a in co["years"][0]["actions"]}
        self.assertEqual(sorted(lines), sorted(committed + [
            "advice_interviews"]))
        real = {a: lines[a]["realised"] for a in lines}
        self.assertEqual(real["recruit_durable"],
                         {"recorded": 0, "counted": 1, "publics": 1,
                          "days": 0})
        self.assertEqual(real["innovative_recruitment"]["counted"], 2)
        self.assertEqual(real["send_offers"],
                         {"recorded": 0, "counted": 4, "publics": 0,
                          "days": 0})
        self.assertEqual(real["immersion"]["counted"], 1)
        self.assertEqual(real["mentoring"],
                         {"recorded": 1, "counted": 0, "publics": 3,
                          "days": 4})
        self.assertIsNone(lines["advice_interviews"]["declared"])
        self.assertEqual(real["advice_interviews"]["publics"], 5)
        self.assertEqual(lines["mentoring"]["declared"], {
            "done_before": False, "committed": True, "publics_per_year": 2,
            "days_per_year": 1})

        # The note is the team's: a company never reads it.
        tok = self.ok(self.d.post("/v1/tokens", {
            "role": "company", "company_id": cid, "subject": "rh"}))["token"]
        seen = self.ok(self.d.get("/v1/companies/%d" % cid, token=tok))
        self.assertEqual(len(seen["realisations"]), 3)
        self.assertTrue(all("note" not in r for r in seen["realisations"]))
        full = self.ok(self.d.get("/v1/companies/%d" % cid))
        self.assertEqual(full["realisations"][0]["note"],
                         "tutrice très investie")

    def test_report_per_territory_and_year(self):
        every_year = [{"action": "mentoring", "committed": True,
                       "publics_per_year": 2, "days_per_year": 3}]
        self.ok(self.d.post("/v1/companies", company(
            1, "69388", every_year + [{"action": "job_fairs", "year": 2026,
                                       "committed": True,
                                       "publics_per_year": 10}])))
        self.ok(self.d.post("/v1/companies", company(
            2, "69381", every_year + [{"action": "job_fairs", "year": 2025,
                                       "done_before": True}])))
        self.ok(self.d.post("/v1/companies", company(
            3, "69266", [{"action": "local_network", "year": 2026,
                          "committed": True}])))
        self.ok(self.d.post("/v1/companies", company(4, charter=False)))
        r = self.report("from=2025-01-01&to=2026-12-31")
        self.assertEqual(len(r["companies"]), 3)
        terr = {(t["territory"], t["year"]): t for t in r["territories"]}
        self.assertEqual(sorted(terr), [("Lyon", 2025), ("Lyon", 2026),
                                        ("Villeurbanne", 2025),
                                        ("Villeurbanne", 2026)])
        lyon = {a["action"]: a["declared"]
                for a in terr[("Lyon", 2026)]["actions"]}
        self.assertEqual(terr[("Lyon", 2026)]["companies"], 2)
        # A commitment without a year holds for every charter year.
        self.assertEqual(lyon["mentoring"], {
            "companies": 2, "done_before": 0, "committed": 2,
            "publics_per_year": 4, "days_per_year": 6})
        self.assertEqual(lyon["job_fairs"]["committed"], 1)
        lyon25 = {a["action"]: a["declared"]
                  for a in terr[("Lyon", 2025)]["actions"]}
        self.assertEqual(lyon25["job_fairs"], {
            "companies": 1, "done_before": 1, "committed": 0,
            "publics_per_year": 0, "days_per_year": 0})
        self.assertEqual(terr[("Lyon", 2026)]["total"], {
            "committed": 3, "publics_per_year": 14, "days_per_year": 6})
        self.assertEqual([a["action"] for a in
                          terr[("Villeurbanne", 2026)]["actions"]],
                         ["local_network"])
        self.assertEqual(terr[("Villeurbanne", 2025)]["actions"], [])

        c = self.d.get("/v1/reports/charter?from=2025-01-01&to=2026-12-31"
                       "&format=csv")
        self.assertEqual(c.status, 200, c)
        rows = list(csv.DictReader(io.StringIO(c.raw.decode())))
        mentoring = [x for x in rows if x["level"] == "territory" and
                     x["territory"] == "Lyon" and x["year"] == "2026" and
                     x["action"] == "mentoring"]
        self.assertEqual(len(mentoring), 1)
        self.assertEqual(mentoring[0]["committed"], "2")
        self.assertEqual(mentoring[0]["group"], "advise_and_share")
        total = [x for x in rows if x["level"] == "company" and
                 x["name"] == "Entreprise 1" and x["year"] == "2026" and
                 x["action"] == "total"]
        self.assertEqual(total[0]["publics_per_year"], "12")
        self.assertEqual(total[0]["committed"], "2")
        self.assertError(self.d.get("/v1/reports/charter?from=2000-01-01"
                                    "&to=2026-12-31"), 400, field="to")

    def test_records_with_the_earlier_codes_read_mapped(self):
        old = ["recruit_durable", "recruit_without_cv", "send_offers",
               "immersion", "mentoring", "company_visit", "apprenticeship",
               "training"]
        now = ["recruit_durable", "innovative_recruitment", "send_offers",
               "immersion", "mentoring", "company_visits", "adapted_training",
               "adapted_training"]
        cid = self.ok(self.d.post("/v1/companies", company(1, commitments=[
            {"action": a, "committed": True, "publics_per_year": i}
            for i, a in enumerate(ACTIONS[:8])])))["id"]
        self.assertEqual(self.d.stop(), 0)
        # Rewrite the stored record as the earlier schema wrote it.
        dump = subprocess.run(["mdb_dump", "-s", "companies", self.d.data],
                              check=True, capture_output=True,
                              text=True).stdout.splitlines()
        end = dump.index("HEADER=END")
        key, val = dump[end + 1].strip(), dump[end + 2].strip()
        rec = stored_record("companies",
                            msgpack.unpackb(bytes.fromhex(val), raw=False))
        self.assertEqual(rec["v"], 2)
        rec["v"] = 1
        for code, cm in zip(old, rec["commitments"]):
            cm["v"], cm["action"] = 1, code
            del cm["year"]
        rec["charter"]["v"] = 1
        for k in ("fte_metropole", "realisations"):
            del rec[k]
        for k in ("contact", "national_network", "other_charters"):
            del rec["charter"][k]
        packed = msgpack.packb(rec, use_bin_type=True).hex()
        head = [x for x in dump[:end + 1] if not x.startswith("db_pagesize")]
        load = "\n".join(head + [" " + key, " " + packed,
                                             "DATA=END"]) + "\n"
        subprocess.run(["mdb_load", "-s", "companies", self.d.data],
                       input=load, check=True, text=True)
        self.d.start()
        got = self.ok(self.d.get("/v1/companies/%d" % cid))
        self.assertEqual([c["action"] for c in got["commitments"]], now)
        self.assertEqual([c["publics_per_year"] for c in got["commitments"]],
                         list(range(8)))
        self.assertEqual(got["charter"]["name"], "Charte des 1000")
        r = self.report()
        self.assertEqual([c["action"] for c in
                          r["companies"][0]["commitments"]], now)
        # apprenticeship and training are both the form's training now:
        # written back, one of the two goes.
        for k in ("id", "created_at", "updated_at"):
            got.pop(k, None)
        self.assertError(self.d.put("/v1/companies/%d" % cid, got), 400,
                         field="commitments[7].action", contains="twice")
        got["commitments"].pop()
        now.pop()
        self.ok(self.d.put("/v1/companies/%d" % cid, got))
        self.assertEqual(self.d.stop(), 0)
        dump = subprocess.run(["mdb_dump", "-s", "companies", self.d.data],
                              check=True, capture_output=True,
                              text=True).stdout.splitlines()
        raw = msgpack.unpackb(bytes.fromhex(
            dump[dump.index("HEADER=END") + 2].strip()), raw=False)
        self.assertIsInstance(raw, list)	# written back positionally
        rec = stored_record("companies", raw)
        self.assertEqual(rec["v"], 2)
        self.assertEqual([c["action"] for c in rec["commitments"]], now)
        self.d.start()


if __name__ == "__main__":
    unittest.main()
