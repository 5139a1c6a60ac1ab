"""A year of IOD activity the size of the 2017 Lyon figures, replayed
through the public API, and the activity report checked cell by cell:
137 people followed (104 oriented in the year), 131 companies met,
169 mises en relation, 98 hires: 57 durable and 41 transitional."""
import unittest

from iodtest import Daemon

YEAR = "from=2017-01-01&to=2017-12-31"
# Hires: 40 CDI and 17 CDD of 8 months are durable; 15 CDD of 3 months,
# 16 CTT and 10 PMSMP are transitional.
HIRES = ([("CDI", 0)] * 40 + [("CDD", 8)] * 17 + [("CDD", 3)] * 15 +
         [("CTT", 2)] * 16 + [("PMSMP", 1)] * 10)


def day(n):
    """The n-th day of 2017 (n from 0), as YYYY-MM-DD."""
    months = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    m = 0
    while n >= months[m]:
        n -= months[m]
        m += 1
    return "2017-%02d-%02d" % (m + 1, n + 1)


def luhn_siret(base13):
    for d in range(10):
        s = base13 + str(d)
        total = 0
        for i, ch in enumerate(reversed(s)):
            v = int(ch) * (2 if i % 2 else 1)
            total += v - 9 if v > 9 else v
        if total % 10 == 0:
            return s


class Year2017(unittest.TestCase):
    def setUp(self):
        self.d = Daemon()
        self.d.env["IOD_TODAY"] = "2017-12-20"
        self.d.start()
        self.addCleanup(self.d.cleanup)

    def ok(self, reply, status=(200, 201)):
        self.assertIn(reply.status, status, reply)
        return reply.body

    def test_the_year_cell_by_cell(self):
        d = self.d
        self.ok(d.post("/v1/referents", {"name": "ALLIES", "structure":
                                         "ALLIES – PLIE de Lyon"}))
        companies = [{"siret": luhn_siret("%013d" % (4000000000000 + i)),
                      "name": "Entreprise %d" % i, "commune": "69388",
                      "charter": {"name": "Charte des 1000",
                                  "status": "signed"}}
                     for i in range(131)]
        r = self.ok(d.post("/v1/companies:batch", companies))
        self.assertEqual(r["refused"], [])
        people = []
        for i in range(137):
            oriented = day(i * 3) if i < 104 else "2016-%02d-10" % (1 + i % 12)
            people.append({
                "first_name": "P%d" % i, "last_name": "N%d" % i,
                "birth_date": "1980-01-01", "sex": "F" if i % 2 else "M",
                "commune": "69388", "qpv": i % 3 == 0, "programme": "plie",
                "referent_id": 1, "oriented_on": oriented,
                "publics": ["rsa"] if i % 2 else ["deld"],
                "rome": ["K2204"], "contracts": ["CDI", "CDD", "CTT",
                                                 "PMSMP"],
                "mobility": {"zone": "metropole"},
                "available_on": "2017-01-01",
                "consent": {"on": oriented, "scope": "matching_followup"}})
        self.assertEqual(self.ok(d.post("/v1/candidates:batch", people))
                         ["refused"], [])
        # 169 offers: every company's first visit in 2017, 38 have two.
        offers = []
        for i in range(169):
            contract, months = HIRES[i] if i < 98 else ("CDI", 0)
            o = {"company_id": i % 131 + 1, "title": "Agent de propreté",
                 "rome": "K2204", "commune": "69388", "contract": contract,
                 "weekly_hours": 30, "start_on": day(2 * i + 10),
                 "workstation_visit": {"on": day(2 * i)}}
            if months:
                o["duration_months"] = months
            offers.append(o)
        created = self.ok(d.post("/v1/offers:batch", offers))["created"]
        met, placements = [], []
        for i, c in enumerate(created):
            body = self.ok(d.post("/v1/offers/%d/proposal" % c["id"]))
            p = body["proposal"]
            self.assertIsNotNone(p, body)
            met.append(p["candidate_id"])
            url = "/v1/proposals/%d/" % p["id"]
            self.ok(d.post(url + "meeting", {"meeting": {
                "at": day(2 * i + 3) + "T10:00", "place": "sur le poste"}}))
            if i < 98:
                contract, months = HIRES[i]
                hire = {"contract": contract, "start_on": day(2 * i + 10),
                        "weekly_hours": 30}
                if months:
                    hire["duration_months"] = months
                self.ok(d.post(url + "hire", hire))
            else:
                self.ok(d.post(url + "refuse", {"reason": "autre profil"}))
        placements = self.list("/v1/placements")
        self.assertEqual(len(placements), 98)
        # Three contracts end during their trial.
        ended = [p for p in placements if p["trial_end"] <= "2017-12-31"][:3]
        for p in ended:
            self.ok(d.post("/v1/placements/%d/end" % p["id"],
                           {"on": p["start_on"], "reason": "fin de période "
                            "d'essai"}))
        # Some appointments of the year are done, some missed.
        fus = [f for f in self.list("/v1/followups")
               if f["due_on"] <= "2017-12-31" and f["status"] == "planned"]
        done, missed = fus[:30], fus[30:40]
        for f in done:
            self.ok(d.post("/v1/followups/%d/done" % f["id"],
                           {"note": "RAS", "assessment": "fine"}))
        for f in missed:
            self.ok(d.post("/v1/followups/%d/missed" % f["id"]))
        allfus = [f for f in self.list("/v1/followups")
                  if "2017-01-01" <= f["due_on"] <= "2017-12-31"]

        r = self.ok(d.get("/v1/reports/activity?" + YEAR))
        t = r["table"]
        employer_done = sum(f["kind"] != "employee" for f in done)
        self.assertEqual(t, {
            "people_followed": 137,
            "orientations": 104,
            "people_proposed": len(set(met)),
            "people_with_meeting": len(set(met)),
            "companies_met": 131,
            "company_meetings": 169 + employer_done,
            "mises_en_relation": 169,
            "hires": 98,
            "durable": 57,
            "transitional": 41,
            "qualifying_training": 0,
        })
        self.assertEqual(r["company_meetings"], {
            "workstation_visits": 169, "employer_followups": employer_done})
        pct = r["percent_of_followed"]
        self.assertEqual(pct["hires"], round(98 * 100 / 137, 1))
        self.assertEqual(pct["durable"], round(57 * 100 / 137, 1))
        fu = r["followup"]
        self.assertEqual(fu["planned"], sum(f["status"] != "cancelled"
                                            for f in allfus))
        self.assertEqual((fu["done"], fu["missed"]), (30, 10))
        trial_due = [p for p in placements if p["trial_end"] <= "2017-12-31"]
        self.assertEqual(fu["trial_ended"], len(trial_due))
        self.assertEqual(fu["in_post_end_of_trial"], len(trial_due) - 3)
        # Breakdowns: the pool, who was proposed, who was hired.
        b = r["breakdowns"]
        self.assertEqual(b["sex"]["F"]["pool"], 68)
        self.assertEqual(b["sex"]["M"]["pool"], 69)
        self.assertEqual(b["programme"]["plie"]["hired"], 98)
        self.assertEqual(b["programme"]["mission_locale"]["pool"], 0)
        self.assertEqual(b["qpv"]["qpv"]["pool"], 46)
        self.assertEqual(b["public"]["rsa"]["pool"], 68)
        # Another year has nothing of it.
        r = self.ok(d.get("/v1/reports/activity?from=2018-01-01"
                          "&to=2018-12-31"))
        self.assertEqual(r["table"]["hires"], 0)
        self.assertEqual(r["table"]["orientations"], 0)

    def list(self, path):
        items, cursor = [], None
        while True:
            r = self.ok(self.d.get(path + "?limit=1000" +
                                   ("&cursor=" + cursor if cursor else "")))
            items += r["items"]
            cursor = r.get("next_cursor")
            if not cursor:
                return items


if __name__ == "__main__":
    unittest.main()
