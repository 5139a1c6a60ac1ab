"""A year of IOD activity the size of the 2017 Lyon figures, replayed
through the public API, and the activity report checked cell by cell:
137 people followed (104 oriented in the year), 131 companies met,
169 mises en relation, 98 hires: 57 durable and 41 transitional."""
import unittest

from iodtest import Daemon, DaemonCase

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
            # Recorded on 20 December: a meeting is not before its
            # proposal, so it is that day (still in the year).
            self.ok(d.post(url + "meeting", {"meeting": {
                "at": "2017-12-20T10:00", "place": "sur le poste"}}))
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
            "positioning_sessions": 0,
            "interests": 0,
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

    def year_of_the_report(self):
        """The 2017 year as the PLIE's annual report tells it: 137 people
        followed (104 oriented in the year), 86 met a company in 169
        mises en relation, 98 found a job (86 hired through iod, 12 on
        their own), 3 went into qualifying training; 131 companies met
        for the first time and 493 meetings: 169 workstation visits and
        324 contacts of the company journal."""
        d = self.d
        self.ok(d.post("/v1/referents", {"name": "ALLIES", "structure":
                                         "ALLIES – PLIE de Lyon"}))
        companies = [{"siret": luhn_siret("%013d" % (4000000000000 + i)),
                      "name": "Entreprise %d" % i, "commune": "69388"}
                     for i in range(136)]
        self.assertEqual(self.ok(d.post("/v1/companies:batch", companies))
                         ["refused"], [])
        people = []
        for i in range(137):
            oriented = day(i * 3) if i < 104 else "2016-%02d-10" % (1 + i % 12)
            p = {"first_name": "P%d" % i, "last_name": "N%d" % i,
                 "birth_date": "1980-01-01", "sex": "F" if i % 2 else "M",
                 "commune": "69388", "qpv": i % 3 == 0, "programme": "plie",
                 "referent_id": 1, "oriented_on": oriented,
                 "publics": ["rsa"] if i % 2 else ["deld"],
                 "rome": ["K2204"], "contracts": ["CDI", "CDD", "CTT",
                                                 "PMSMP"],
                 "mobility": {"zone": "metropole"},
                 "available_on": "2017-01-01",
                 "consent": {"on": oriented, "scope": "matching_followup"}}
            if 86 <= i < 101:       # a job on their own, or a training
                kind = ("durable_employment" if i < 93 else
                        "transitional_employment" if i < 98 else
                        "qualifying_training")
                p["status"] = "exited"
                p["exit"] = {"on": day(200 + i), "kind": kind}
            elif i >= 101:          # followed, not looking for now
                p["status"] = "on_hold"
            people.append(p)
        self.assertEqual(self.ok(d.post("/v1/candidates:batch", people))
                         ["refused"], [])
        # 169 offers of 120 companies, each visited in 2017.  The first
        # 83 meetings end in a refusal, the 86 others in a hire: 50
        # durable, 36 transitional.
        hires = ([("CDI", 0)] * 40 + [("CDD", 8)] * 10 + [("CDD", 3)] * 15 +
                 [("CTT", 2)] * 11 + [("PMSMP", 1)] * 10)
        offers = []
        for i in range(169):
            contract, months = hires[i - 83] if i >= 83 else ("CDI", 0)
            o = {"company_id": i % 120 + 1, "title": "Agent de propreté",
                 "rome": "K2204", "commune": "69388", "contract": contract,
                 "weekly_hours": 30, "start_on": day(2 * i + 10),
                 "workstation_visit": {"on": day(2 * i)}}
            if months:
                o["duration_months"] = months
            offers.append(o)
        created = self.ok(d.post("/v1/offers:batch", offers))["created"]
        met = []
        for i, c in enumerate(created):
            body = self.ok(d.post("/v1/offers/%d/proposal" % c["id"]))
            p = body["proposal"]
            self.assertIsNotNone(p, body)
            met.append(p["candidate_id"])
            url = "/v1/proposals/%d/" % p["id"]
            # Recorded on 20 December: a meeting is not before its
            # proposal, so it is that day (still in the year).
            self.ok(d.post(url + "meeting", {"meeting": {
                "at": "2017-12-20T10:00", "place": "sur le poste"}}))
            if i < 83:
                self.ok(d.post(url + "refuse", {"reason": "autre profil"}))
                continue
            contract, months = hires[i - 83]
            hire = {"contract": contract, "start_on": day(2 * i + 10),
                    "weekly_hours": 30}
            if months:
                hire["duration_months"] = months
            self.ok(d.post(url + "hire", hire))
        self.assertEqual(len(set(met)), 86)
        # The journal: every company of the year prospected, 100 met to
        # present the method, 60 offers negotiated, 32 recruitment
        # meetings; companies 121-131 are met only through it.
        contacts = []
        for kind, n, shift in (("prospection", 131, 0),
                               ("presentation", 100, 50),
                               ("negotiation", 60, 100),
                               ("recruitment", 32, 150)):
            contacts += [{"kind": kind, "on": day(c + shift),
                          "company_id": c + 1, "met": ["Mme Durand"],
                          "note": "RAS"} for c in range(n)]
        # Company 132 was first met in 2016 and again in 2017: one more
        # meeting, no new company; 133-136 only in 2016.
        contacts += [{"kind": "prospection", "on": "2016-11-15",
                      "company_id": c} for c in range(132, 137)]
        contacts.append({"kind": "negotiation", "on": "2017-03-01",
                         "company_id": 132})
        # A visit the offer records already, written in the journal too:
        # counted once.
        contacts += [{"kind": "workstation_visit", "on": day(2 * i),
                      "company_id": i % 120 + 1,
                      "offer_id": created[i]["id"]} for i in range(10)]
        for c in contacts:
            self.ok(d.post("/v1/contacts", c))

    def test_the_iod_table_as_the_report_prints_it(self):
        self.year_of_the_report()
        r = self.d.get("/v1/reports/activity?format=csv&" + YEAR)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers["Content-Type"].startswith("text/csv"))
        self.assertTrue(r.raw.startswith(b"\xef\xbb\xbf"), r.raw[:20])
        text = r.raw[3:].decode("utf-8")
        self.assertTrue(text.endswith("\r\n"))
        lines = text.split("\r\n")
        self.assertEqual(lines[:13], [
            "Indicateur;Nombre;%",
            "Orientations;104;",
            "Personnes suivies;137;",
            "Personnes ayant passé au moins 1 entretien;86;63 %",
            "Nouvelles entreprises rencontrées;131;",
            "Rendez-vous en entreprises;493;",
            "Mises en relation en présence d'un chargé de mission;169;",
            "Séances de positionnement;0;",
            "Intérêts exprimés;0;",
            "Personnes ayant accédé à un emploi;98;72 %",
            "dont emploi durable (CDD ≥ 6 mois, CDI);57;42 %",
            "dont emploi transitoire (CDD < 6 mois, PMSMP);41;30 %",
            "Personnes en formation qualifiante;3;2 %",
        ])
        # Then the follow-up, the meetings by kind and the breakdowns.
        self.assertEqual(lines[13], "")
        self.assertEqual(lines[14], "Suivi dans l'emploi;Nombre;%")
        self.assertIn("Visites de poste des offres;169;", lines)
        self.assertIn("Prospection;131;", lines)
        self.assertIn("Négociation d'une offre;61;", lines)
        self.assertIn("Visites de poste (journal);0;", lines)
        self.assertIn("Répartition;Catégorie;Personnes suivies;"
                      "Personnes proposées;Personnes embauchées", lines)
        self.assertIn("Sexe;Femmes;68;43;43", lines)
        self.assertIn("Dispositif;Mission Locale;0;0;0", lines)
        # The same figures for programs, in JSON.
        j = self.ok(self.d.get("/v1/reports/activity?" + YEAR))
        t = j["table"]
        self.assertEqual((t["orientations"], t["people_followed"],
                          t["people_with_meeting"], t["companies_met"],
                          t["company_meetings"], t["mises_en_relation"],
                          t["hires"], t["qualifying_training"]),
                         (104, 137, 86, 131, 493, 169, 86, 3))
        self.assertEqual(j["people_in_employment"],
                         {"total": 98, "durable": 57, "transitional": 41})
        self.assertEqual(j["journal"], {
            "prospection": 131, "presentation": 100, "negotiation": 61,
            "workstation_visit": 0, "recruitment": 32,
            "employer_followup": 0})
        self.assertEqual(j["company_meetings"], {
            "workstation_visits": 169, "employer_followups": 0})
        self.assertEqual(j["percent_of_followed"]["people_in_employment"],
                         round(98 * 100 / 137, 1))
        # 2016 has the companies first met then, and nothing of 2017.
        j = self.ok(self.d.get("/v1/reports/activity?from=2016-01-01"
                               "&to=2016-12-31"))
        self.assertEqual((j["table"]["companies_met"],
                          j["table"]["company_meetings"]), (5, 5))

    def list(self, path):
        items, cursor = [], None
        while True:
            r = self.ok(self.d.get(path + "?limit=1000" +
                                   ("&cursor=" + cursor if cursor else "")))
            items += r["items"]
            cursor = r.get("next_cursor")
            if not cursor:
                return items


class CompanyJournal(DaemonCase):
    """The company journal through the API: what a contact must name, the
    one list with its filters, and the team's note kept from companies."""

    def setUp(self):
        super().setUp()
        d = self.d
        for i in range(2):
            r = d.post("/v1/companies", {
                "siret": luhn_siret("%013d" % (4100000000000 + i)),
                "name": "Entreprise %d" % i, "commune": "69388"})
            self.assertEqual(r.status, 201, r)
        r = d.post("/v1/offers", {
            "company_id": 2, "title": "Agent de propreté", "rome": "K2204",
            "commune": "69388", "contract": "CDI", "weekly_hours": 30,
            "start_on": "2017-06-01"})
        self.assertEqual(r.status, 201, r)

    def test_a_contact_written_read_changed_and_listed(self):
        d = self.d
        r = d.post("/v1/contacts", {
            "kind": "presentation", "on": "2017-03-02", "company_id": 1,
            "met": ["Mme Roux (RH)", "M. Petit"],
            "note": "intéressée par la méthode"})
        self.assertEqual(r.status, 201, r)
        c = r.body
        self.assertEqual((c["kind"], c["on"], c["company_id"], c["met"],
                          c["offer_id"]),
                         ("presentation", "2017-03-02", 1,
                          ["Mme Roux (RH)", "M. Petit"], None))
        self.assertTrue(c["owner"])         # who wrote it, by default
        r = d.post("/v1/contacts", {
            "kind": "negotiation", "on": "2017-03-10", "company_id": 2,
            "offer_id": 1, "owner": "cm-lyon-2"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["owner"], "cm-lyon-2")
        r = d.get("/v1/contacts?company_id=1")
        self.assertEqual(r.status, 200, r)
        self.assertEqual([x["id"] for x in r.body["items"]], [c["id"]])
        r = d.get("/v1/contacts?kind=negotiation")
        self.assertEqual([x["company_id"] for x in r.body["items"]], [2])
        c["kind"] = "prospection"
        for k in ("id", "created_at", "updated_at"):
            del c[k]
        r = d.put("/v1/contacts/1", c)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(d.get("/v1/contacts/1").body["kind"],
                         "prospection")
        self.assertEqual(d.delete("/v1/contacts/1").status, 204)
        self.assertEqual(d.get("/v1/contacts/1").status, 404)

    def test_what_a_contact_must_name(self):
        d = self.d
        base = {"kind": "prospection", "on": "2017-03-02", "company_id": 1}
        self.assertError(d.post("/v1/contacts", dict(base, company_id=9)),
                         400, field="company_id", contains="no company 9")
        # Offer 1 is company 2's.
        self.assertError(d.post("/v1/contacts", dict(base, offer_id=1)),
                         400, field="offer_id",
                         contains="no offer 1 of company 1")
        self.assertError(d.post("/v1/contacts", dict(base, kind="phone")),
                         400, field="kind")
        self.assertError(d.post("/v1/contacts", dict(base, on="2017-02-30")),
                         400, field="on")
        no_date = dict(base)
        del no_date["on"]
        self.assertError(d.post("/v1/contacts", no_date), 400, field="on")
        self.assertEqual(d.get("/v1/contacts").body["items"], [])

    def test_a_company_with_a_journal_is_kept(self):
        d = self.d
        r = d.post("/v1/contacts", {"kind": "prospection", "on": "2017-03-02",
                                    "company_id": 1})
        self.assertEqual(r.status, 201, r)
        self.assertError(d.delete("/v1/companies/1"), 409, code="conflict",
                         contains="company 1 has 1 contacts in its journal")
        # Moved to company 2, the contact no longer holds company 1.
        c = r.body
        for k in ("id", "created_at", "updated_at"):
            del c[k]
        c["company_id"] = 2
        self.assertEqual(d.put("/v1/contacts/1", c).status, 200)
        self.assertEqual(d.delete("/v1/companies/1").status, 204)
        self.assertEqual(d.get("/v1/contacts?company_id=2").body["items"]
                         [0]["id"], 1)

    def test_a_company_reads_no_journal(self):
        d = self.d
        self.assertEqual(d.post("/v1/contacts", {
            "kind": "prospection", "on": "2017-03-02", "company_id": 1,
            "note": "réticente"}).status, 201)
        tok = d.post("/v1/tokens", {"role": "company", "company_id": 1,
                                    "subject": "rh"}).body["token"]
        self.assertEqual(d.get("/v1/contacts", token=tok).status, 403)
        self.assertEqual(d.get("/v1/contacts/1", token=tok).status, 403)
        r = d.get("/v1/companies/1", token=tok)
        self.assertEqual(r.status, 200, r)
        self.assertNotIn("réticente", r.raw.decode("utf-8"))


if __name__ == "__main__":
    unittest.main()
