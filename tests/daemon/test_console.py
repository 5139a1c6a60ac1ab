"""The web console's side of the daemon (matcher/daemon/static.c): its files at /
and /web/<file>, with their types, no-cache and a strict CSP, no token
needed, and nothing outside the directory reachable by any spelling of a
path; and GET /v1/whoami, which tells the console what its token is.  The
pages themselves are tested in a browser by tests/e2e/run.mjs."""
import os
import shutil
import tempfile
import unittest

from iodtest import ROOT, Daemon, DaemonCase


class Files(DaemonCase):
    def raw(self, path, headers=None):
        """GET a path exactly as written, no token."""
        c = self.d.conn()
        try:
            c.putrequest("GET", path, skip_accept_encoding=True)
            for k, v in (headers or {}).items():
                c.putheader(k, v)
            c.endheaders()
            r = c.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            c.close()

    def test_index_and_files_with_their_headers(self):
        status, h, body = self.raw("/")
        self.assertEqual(status, 200)
        self.assertEqual(h["Content-Type"], "text/html; charset=utf-8")
        self.assertEqual(h["Cache-Control"], "no-cache")
        self.assertTrue(h["Content-Security-Policy"].startswith(
            "default-src 'self'"), h)
        self.assertEqual(h["X-Content-Type-Options"], "nosniff")
        with open(os.path.join(ROOT, "web", "index.html"), "rb") as f:
            self.assertEqual(body, f.read())
        for name, ctype in (("app.js", "text/javascript; charset=utf-8"),
                            ("style.css", "text/css; charset=utf-8"),
                            ("icon.svg", "image/svg+xml")):
            status, h, body = self.raw("/web/" + name)
            self.assertEqual((status, h["Content-Type"]), (200, ctype), name)
            with open(os.path.join(ROOT, "web", name), "rb") as f:
                self.assertEqual(body, f.read(), name)

    def test_revalidation_answers_304(self):
        status, h, _ = self.raw("/web/app.js")
        self.assertEqual(status, 200)
        status, h2, body = self.raw("/web/app.js",
                                    {"If-None-Match": h["ETag"]})
        self.assertEqual((status, body), (304, b""))
        status, _, _ = self.raw("/web/app.js", {"If-None-Match": '"0-0"'})
        self.assertEqual(status, 200)

    def test_no_way_out_of_the_directory(self):
        for path in ["/web/../Makefile", "/web/%2e%2e/Makefile",
                     "/web/..%2fMakefile", "/web/%2E%2E%2FMakefile",
                     "/web/./app.js", "/web/.hidden.js", "/web//app.js",
                     "/web/app.js/", "/web/", "/web", "/web/Makefile",
                     "/web/a%20b.js", "/web/%5c..%5cx.js",
                     "/web/" + "a" * 62 + ".js", "/web/nothing.js",
                     "/index.html", "/web/../../etc/passwd"]:
            status, _, body = self.raw(path)
            self.assertEqual(status, 404, path)
            self.assertNotIn(b"CC\t", body, path)
        # A NUL would cut the path short: refused before any route.
        status, _, _ = self.raw("/web/app.js%00.css")
        self.assertEqual(status, 400)

    def test_only_get(self):
        r = self.d.post("/", {}, token=None)
        self.assertError(r, 405, code="method_not_allowed")
        r = self.d.request("DELETE", "/web/app.js", token=None)
        self.assertError(r, 405, code="method_not_allowed")


class WebDir(unittest.TestCase):
    """--web DIR: what it holds is served, within the rules."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="iodweb-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        os.makedirs(os.path.join(self.dir, "sub"))
        os.makedirs(os.path.join(self.dir, "dir.js"))
        with open(os.path.join(self.dir, "index.html"), "w") as f:
            f.write("<!doctype html><title>autre</title>")
        with open(os.path.join(self.dir, "sub", "deep.css"), "w") as f:
            f.write("body{}")
        with open(os.path.join(self.dir, "big.js"), "wb") as f:
            f.write(b"/" * (1024 * 1024 + 1))
        with open(os.path.join(self.dir, "limit.js"), "wb") as f:
            f.write(b"/" * (1024 * 1024))
        os.symlink("/etc/passwd", os.path.join(self.dir, "passwd.txt"))
        self.d = Daemon(args=["--web", self.dir]).start()
        self.addCleanup(self.d.cleanup)

    def test_served_from_the_directory_given(self):
        r = self.d.get("/", token=None)
        self.assertEqual(r.status, 200)
        self.assertIn(b"autre", r.raw)
        c = self.d.conn()
        c.request("GET", "/web/sub/deep.css")
        resp = c.getresponse()
        self.assertEqual((resp.status, resp.read()), (200, b"body{}"))
        c.close()
        c = self.d.conn()
        c.request("GET", "/web/limit.js")
        resp = c.getresponse()
        self.assertEqual((resp.status, len(resp.read())), (200, 1024 * 1024))
        c.close()

    def test_not_a_link_a_directory_nor_a_big_file(self):
        for path in ["/web/passwd.txt", "/web/dir.js", "/web/big.js",
                     "/web/sub", "/web/app.js"]:
            c = self.d.conn()
            c.request("GET", path)
            resp = c.getresponse()
            body = resp.read()
            c.close()
            self.assertEqual(resp.status, 404, path)
            self.assertNotIn(b"root:", body, path)


class WhoAmI(DaemonCase):
    DEMO = True

    def test_each_role_learns_what_it_is(self):
        r = self.d.get("/v1/whoami")
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.body["role"], r.body["subject"], r.body["today"]),
                         ("admin", "bootstrap", "2026-11-24"))
        self.assertIsNone(r.body["referent_id"])
        for body, want in (
                ({"role": "referent", "referent_id": 2, "subject": "j.perrin"},
                 {"role": "referent", "referent_id": 2, "company_id": None}),
                ({"role": "company", "company_id": 1,
                  "expires_on": "2027-01-31"},
                 {"role": "company", "company_id": 1, "referent_id": None,
                  "subject": None, "expires_on": "2027-01-31"}),
                ({"role": "iod", "subject": "cm-martin"},
                 {"role": "iod", "subject": "cm-martin"}),
                ({"role": "auditor"}, {"role": "auditor"})):
            t = self.d.post("/v1/tokens", body)
            self.assertEqual(t.status, 201, t)
            r = self.d.get("/v1/whoami", token=t.body["token"])
            self.assertEqual(r.status, 200, r)
            for k, v in want.items():
                self.assertEqual(r.body[k], v, (body, r.body))
            self.assertEqual(r.body["token_id"], t.body["id"])

    def test_needs_a_valid_token(self):
        self.assertError(self.d.get("/v1/whoami", token=None), 401,
                         field="Authorization")
        self.assertError(self.d.get("/v1/whoami", token="x" * 30), 401)


if __name__ == "__main__":
    unittest.main()
