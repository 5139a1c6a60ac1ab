"""Names, not codes: the labels beside the codes in every record (JSON and
msgpack, the company's view too), a proposal's job, the reference data
searched by name, postal code and INSEE code, and the lists' q=,
territory= and total."""
import json
import subprocess
import unittest
import urllib.parse

from iodtest import ADMIN, IODCTL, DaemonCase, load_demo, msgpack

# What the shipped reference data say (data/*.csv, the territories of
# data/metropole-lyon-territories.csv, the default rule set's).
LYON_8 = ("69388", "Lyon 8e Arrondissement", "Lyon")
NETTOYAGE = ("K2204", "Nettoyage de locaux")
SERVICES_DOMESTIQUES = ("K1304", "Services domestiques")


def q(s):
    return urllib.parse.quote(s)


class Labels(DaemonCase):
    DEMO = True

    def token(self, **body):
        r = self.d.post("/v1/tokens", body)
        self.assertEqual(r.status, 201, r)
        return r.body["token"]

    def assertCommune(self, rec, commune):
        self.assertEqual(rec["commune"], commune[0], rec)
        self.assertEqual(rec["commune_name"], commune[1], rec)
        self.assertEqual(rec["territory"], commune[2], rec)

    def test_every_record_kind_has_its_labels(self):
        company = self.d.get("/v1/companies/1").body
        self.assertCommune(company, LYON_8)
        offer = self.d.get("/v1/offers/1").body
        self.assertCommune(offer, LYON_8)
        self.assertEqual(offer["rome_label"], NETTOYAGE[1])
        self.assertIsNone(offer["appellation_label"])  # no appellation
        cand = self.d.get("/v1/candidates/1").body
        self.assertCommune(cand, LYON_8)
        self.assertEqual(cand["rome"], [NETTOYAGE[0], SERVICES_DOMESTIQUES[0]])
        self.assertEqual(cand["rome_labels"],
                         [NETTOYAGE[1], SERVICES_DOMESTIQUES[1]])
        # Lists carry the same items.
        for kind, rec in [("companies", company), ("offers", offer),
                          ("candidates", cand)]:
            item = self.d.get("/v1/%s?limit=1" % kind).body["items"][0]
            for k in ("commune_name", "territory"):
                self.assertEqual(item[k], rec[k], kind)
        # A create's and a replace's replies too, with an appellation.
        body = dict(load_demo("offers")[0], appellation="10571")
        r = self.d.post("/v1/offers", body)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["appellation_label"],
                         "Agent / Agente de propreté de locaux")
        self.assertEqual(r.body["rome_label"], NETTOYAGE[1])
        r = self.d.put("/v1/offers/%d" % r.body["id"],
                       dict(body, commune="69266"))
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.body["commune_name"], r.body["territory"]),
                         ("Villeurbanne", "Villeurbanne"))
        # A commune outside every territory: its name, territory null.
        r = self.d.post("/v1/companies", dict(load_demo("companies")[0],
                                              siret="73282932000074",
                                              commune="69091"))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["commune_name"], "Givors")

    def test_proposal_carries_its_job(self):
        r = self.d.post("/v1/offers/1/proposal")
        self.assertEqual(r.status, 201, r)
        job = {"offer_title": "Agent de propreté des locaux",
               "company_id": 1, "company_name": "Propreté Rhône Services",
               "commune": "69388", "commune_name": "Lyon 8e Arrondissement",
               "contract": "CDI", "start_on": "2026-12-07"}
        self.assertEqual(r.body["proposal"]["job"], job)
        pid = r.body["proposal"]["id"]
        self.assertEqual(self.d.get("/v1/proposals/%d" % pid).body["job"],
                         job)
        self.assertEqual(self.d.get("/v1/proposals").body["items"][0]["job"],
                         job)
        # The référent of the candidate reads it too.
        cand = self.d.get("/v1/candidates/%d" %
                          r.body["proposal"]["candidate_id"]).body
        tok = self.token(role="referent", referent_id=cand["referent_id"],
                         subject="ref")
        self.assertEqual(self.d.get("/v1/proposals/%d" % pid,
                                    token=tok).body["job"], job)
        # So does the company, whose offer it is, in its no-CV view.
        tok = self.token(role="company", company_id=1, subject="co")
        seen = self.d.get("/v1/proposals/%d" % pid, token=tok).body
        self.assertEqual(seen["job"], job)
        self.assertNotIn("referent_id", seen)
        self.assertNotIn("last_name", seen["candidate"])

    @unittest.skipIf(msgpack is None, "no msgpack module")
    def test_labels_in_msgpack(self):
        r = self.d.get("/v1/candidates/1",
                       headers={"Accept": "application/msgpack"})
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers["Content-Type"].startswith(
            "application/msgpack"))
        self.assertCommune(r.body, LYON_8)
        self.assertEqual(r.body["rome_labels"],
                         [NETTOYAGE[1], SERVICES_DOMESTIQUES[1]])
        cand = r.body
        r = self.d.get("/v1/offers?limit=1",
                       headers={"Accept": "application/msgpack"})
        self.assertEqual(r.status, 200, r)
        offer = r.body["items"][0]
        self.assertCommune(offer, LYON_8)
        self.assertEqual(offer["rome_label"], NETTOYAGE[1])
        self.assertEqual(r.body["total"], 8)
        # Written back in msgpack, labels and all.
        r = self.d.put("/v1/candidates/1", cand, mp=True)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["commune_name"], LYON_8[1])

    def test_company_view_labels_only_what_it_shows(self):
        tok = self.token(role="company", company_id=1, subject="co")
        offer = self.d.get("/v1/offers/1", token=tok).body
        self.assertCommune(offer, LYON_8)
        self.assertEqual(offer["rome_label"], NETTOYAGE[1])
        company = self.d.get("/v1/companies/1", token=tok).body
        self.assertCommune(company, LYON_8)

    def test_labels_are_accepted_and_ignored_on_input(self):
        cand = self.d.get("/v1/candidates/1").body
        r = self.d.put("/v1/candidates/1", cand)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["commune_name"], LYON_8[1])
        # Labels that say something else change nothing.
        r = self.d.put("/v1/candidates/1", dict(
            cand, commune_name="Paris", territory="Nowhere",
            rome_labels=["x"]))
        self.assertEqual(r.status, 200, r)
        self.assertCommune(r.body, LYON_8)
        self.assertEqual(r.body["rome_labels"][0], NETTOYAGE[1])
        offer = self.d.get("/v1/offers/1").body
        r = self.d.post("/v1/offers", dict(offer, rome_label=None,
                                           appellation_label="?"))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["rome_label"], NETTOYAGE[1])
        # A key that is no label of the record is still refused.
        self.assertError(self.d.put("/v1/candidates/1",
                                    dict(cand, rome_label="x")),
                         400, field="rome_label")
        self.assertError(self.d.put("/v1/referents/1",
                                    dict(load_demo("referents")[0],
                                         territory="Lyon")),
                         400, field="territory")


class Refdata(DaemonCase):

    def find(self, kind, query, **kw):
        path = "/v1/refdata/%s?q=%s" % (kind, q(query))
        for k, v in kw.items():
            path += "&%s=%s" % (k, v)
        r = self.d.get(path)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(set(r.body), {"items", "total"})
        return r.body

    def communes(self, query):
        return [(c["insee"], c["name"], c["matched"])
                for c in self.find("communes", query)["items"]]

    def test_a_postal_code_and_an_insee_code_collide(self):
        got = self.communes("69003")
        self.assertIn(("69383", "Lyon 3e Arrondissement", "postal_code"), got)
        self.assertIn(("69003", "Albigny-sur-Saône", "insee"), got)
        # Postal codes first: what people type.
        self.assertEqual(got[-1][2], "insee")
        got = self.communes("69100")
        self.assertIn(("69266", "Villeurbanne", "postal_code"), got)
        self.assertIn(("69100", "Irigny", "insee"), got)
        item = next(c for c in self.find("communes", "69100")["items"]
                    if c["insee"] == "69266")
        self.assertEqual(item["postal_codes"], ["69100"])
        self.assertEqual(item["territory"], "Villeurbanne")
        # An INSEE code that is no postal code: that commune only.
        self.assertEqual(self.communes("69381"),
                         [("69381", "Lyon 1er Arrondissement", "insee")])

    def test_names_case_and_accents_blind(self):
        for query in ("saone", "Saône", "SAÔNE"):
            got = self.communes(query)
            self.assertIn(("69003", "Albigny-sur-Saône", "name"), got, query)
            self.assertTrue(all("Saône" in n for _, n, _ in got), got)
        self.assertEqual(self.communes("lyon 3"),
                         [("69383", "Lyon 3e Arrondissement", "name")])
        self.assertEqual(self.communes("ecully"),
                         [("69081", "Écully", "name")])
        self.assertEqual(self.communes("saint genis"), [
            ("69204", "Saint-Genis-Laval", "name"),
            ("69205", "Saint-Genis-les-Ollières", "name")])
        self.assertEqual(self.find("communes", "zzz"),
                         {"items": [], "total": 0})

    def test_rome_by_code_and_words(self):
        got = self.find("rome", "k2204")
        self.assertEqual(got["total"], 1)
        self.assertEqual(got["items"][0]["rome"], NETTOYAGE[0])
        self.assertEqual(got["items"][0]["label"], NETTOYAGE[1])
        a = self.find("rome", "agent proprete", limit=100)
        b = self.find("rome", "Agent Propreté", limit=100)
        self.assertEqual(a, b)
        labels = [i.get("appellation_label") for i in a["items"]]
        self.assertIn("Agent / Agente de propreté de locaux", labels)
        item = next(i for i in a["items"] if i.get("appellation") == "10571")
        self.assertEqual((item["rome"], item["label"], item["matched"]),
                         (NETTOYAGE[0], NETTOYAGE[1], "appellation"))
        # The page is limited; total says how many there are.
        some = self.find("rome", "agent", limit=5)
        self.assertEqual(len(some["items"]), 5)
        self.assertGreater(some["total"], 5)
        self.assertEqual(len(self.find("rome", "agent")["items"]), 20)
        self.assertError(self.d.get("/v1/refdata/rome?q=a&limit=0"), 400,
                         field="limit")

    def test_any_role_searches_no_one_else(self):
        r = self.d.post("/v1/tokens", {"role": "auditor", "subject": "au"})
        tok = r.body["token"]
        self.assertEqual(self.d.get("/v1/refdata/communes?q=bron",
                                    token=tok).status, 200)
        self.assertEqual(self.d.get("/v1/refdata/communes?q=bron",
                                    token=None).status, 401)

    def test_iodctl_tables(self):
        env = {"IOD_URL": "http://127.0.0.1:%d" % self.d.port,
               "IOD_TOKEN": ADMIN, "PATH": "/usr/bin:/bin"}
        p = subprocess.run([IODCTL, "communes", "69003"], env=env,
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertTrue(lines[0].startswith("INSEE"), p.stdout)
        self.assertTrue(any("Albigny-sur-Saône" in l and "insee" in l
                            for l in lines), p.stdout)
        self.assertTrue(any("Lyon 3e Arrondissement" in l and
                            "postal_code" in l for l in lines), p.stdout)
        p = subprocess.run([IODCTL, "rome", "nettoyage", "--limit", "3"],
                           env=env, capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("K2204", p.stdout)
        self.assertRegex(p.stdout, r"3 of \d+ matches")
        p = subprocess.run([IODCTL, "communes", "69100", "--json"], env=env,
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([c["insee"] for c in json.loads(p.stdout)["items"]],
                         ["69266", "69100"])
        p = subprocess.run([IODCTL, "communes", "nowhere"], env=env,
                           capture_output=True, text=True, timeout=30)
        self.assertEqual((p.returncode, p.stdout), (0, ""))
        self.assertIn("nothing matches", p.stderr)


class Lists(DaemonCase):
    DEMO = True

    def page(self, path, token=ADMIN):
        r = self.d.get(path, token=token)
        self.assertEqual(r.status, 200, r)
        return r.body

    def assertNone(self, body):
        self.assertEqual((body["items"], body["total"]), ([], 0), body)

    def names(self, path, key="first_name", token=ADMIN):
        return [i[key] for i in self.page(path, token)["items"]]

    def test_q_is_case_and_accents_blind(self):
        self.assertEqual(self.names("/v1/candidates?q=naima"), ["Naïma"])
        self.assertEqual(self.names("/v1/candidates?q=" + q("NAÏMA")), ["Naïma"])
        # First and last names as one text.
        self.assertEqual(self.names("/v1/candidates?q=%s" %
                                    q("amina diallo")), ["Amina"])
        self.assertEqual(self.names("/v1/candidates?q=jean%20pierre"),
                         ["Jean-Pierre"])
        self.assertEqual(self.names("/v1/companies?q=rhone", "name"),
                         ["Propreté Rhône Services"])
        # An offer by its title or its company's name.
        self.assertEqual(self.names("/v1/offers?q=logiparc", "title"),
                         ["Préparateur de commandes", "Cariste"])
        self.assertEqual(self.names("/v1/offers?q=cuisine", "title"),
                         ["Commis de cuisine"])
        self.assertEqual(self.names("/v1/referents?q=benali", "name"),
                         ["Nadia Benali"])
        self.assertNone(self.page("/v1/candidates?q=nobody"))

    def test_territory_and_total_on_every_page(self):
        lyon = [i + 1 for i, c in enumerate(load_demo("candidates"))
                if c["commune"].startswith("6938")]
        self.assertEqual(len(lyon), 6)
        seen, cursor = [], None
        while True:
            path = "/v1/candidates?territory=Lyon&limit=4"
            if cursor:
                path += "&cursor=" + cursor
            body = self.page(path)
            self.assertEqual(body["total"], 6, body)
            seen += [c["id"] for c in body["items"]]
            self.assertTrue(all(c["territory"] == "Lyon"
                                for c in body["items"]))
            cursor = body.get("next_cursor")
            if not cursor:
                break
        self.assertEqual(seen, lyon)
        # Every list says its total, paged or not.
        body = self.page("/v1/candidates?limit=5")
        self.assertEqual((len(body["items"]), body["total"]), (5, 12))
        body = self.page("/v1/candidates?limit=5&cursor=10")
        self.assertEqual((len(body["items"]), body["total"]), (2, 12))
        self.assertEqual(self.page("/v1/offers")["total"], 8)
        self.assertEqual(self.page("/v1/offers?territory=lyon")["total"], 3)
        self.assertEqual(self.page("/v1/companies?territory=%s" %
                                   q("Porte des Alpes"))["total"], 1)
        self.assertIn("total", self.page("/v1/events"))
        # Filters combine: q, territory and a field.
        self.assertEqual(self.names("/v1/offers?territory=Lyon&q=vitres",
                                    "title"), ["Laveur de vitres"])
        self.assertNone(self.page("/v1/offers?territory=Lyon&q=cariste"))
        self.assertError(self.d.get("/v1/candidates?territory=Mars"), 400,
                         field="territory")
        self.assertError(self.d.get("/v1/referents?territory=Lyon"), 400,
                         field="territory")

    def test_records_about_an_offer_by_its_names(self):
        r = self.d.post("/v1/offers/1/proposal")
        self.assertEqual(r.status, 201, r)
        prop = r.body["proposal"]
        self.assertEqual(self.page("/v1/proposals?q=proprete")["total"], 1)
        self.assertEqual(self.page("/v1/proposals?q=cariste")["total"], 0)
        self.assertEqual(self.page("/v1/proposals?territory=Lyon")["total"],
                         1)
        self.assertEqual(self.page("/v1/proposals?territory=%s" %
                                   q("Rhône Amont"))["total"], 0)
        cand = self.d.get("/v1/candidates/%d" % prop["candidate_id"]).body
        self.assertEqual(self.page("/v1/proposals?q=%s" %
                                   q(cand["last_name"]))["total"], 1)

    def test_a_company_cannot_search_what_it_cannot_see(self):
        r = self.d.post("/v1/offers/1/proposal")
        self.assertEqual(r.status, 201, r)
        cand = self.d.get("/v1/candidates/%d" %
                          r.body["proposal"]["candidate_id"]).body
        tok = self.d.post("/v1/tokens", {"role": "company", "company_id": 1,
                                         "subject": "co"}).body["token"]
        # Its own proposal, found by the first name it reads...
        self.assertEqual(self.page("/v1/proposals?q=%s" %
                                   q(cand["first_name"]), tok)["total"], 1)
        # ...never by the last name it does not.
        self.assertNone(self.page("/v1/proposals?q=%s" %
                                  q(cand["last_name"]), tok))
        # Its total counts its own records only.
        self.assertEqual(self.page("/v1/offers", tok)["total"], 2)
        self.assertEqual(self.page("/v1/offers?q=cariste", tok)["total"], 0)


if __name__ == "__main__":
    unittest.main()
