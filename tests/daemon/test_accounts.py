"""People sign in as people: accounts made by an admin, sign-in with a
login and a password, the session cookie (its attributes, its CSRF token
on writes, its revocation), the lock-out after repeated failures, and that
no password is kept in the clear."""
import os
import socket
import ssl
import subprocess
import tempfile
import unittest

from iodtest import ADMIN, IODCTL, ROOT, Daemon, DaemonCase, load_demo
from test_signin_flood import config

PASSWORD = "correct horse battery"


def cookie_of(reply):
    """The iod_session value a Set-Cookie header gives, and the header."""
    h = reply.headers.get("Set-Cookie", "")
    first = h.split(";")[0]
    name, _, value = first.partition("=")
    return (value if name == "iod_session" else None), h


def setUpModule():
    # More sign-ins a minute from one address than the default: the limit
    # by address is test_signin_flood's.
    path = config(sign_ins_per_minute=1000)
    Accounts.ARGS = ("--config", path)
    unittest.addModuleCleanup(os.unlink, path)


class Accounts(DaemonCase):
    DEMO = True

    def account(self, login, role="iod", password=PASSWORD, **kw):
        body = dict(login=login, password=password, role=role, **kw)
        r = self.d.post("/v1/accounts", body)
        self.assertEqual(r.status, 201, r)
        return r.body

    def sign_in(self, login, password=PASSWORD):
        return self.d.post("/v1/session", {"login": login,
                                           "password": password}, token=None)

    def session(self, login, password=PASSWORD):
        r = self.sign_in(login, password)
        self.assertEqual(r.status, 200, r)
        secret, _ = cookie_of(r)
        self.assertTrue(secret)
        return secret, r.body["csrf"]

    def as_cookie(self, method, path, secret, body=None, csrf=None):
        h = {"Cookie": "theme=dark; iod_session=" + secret}
        if csrf is not None:
            h["X-CSRF-Token"] = csrf
        return self.d.request(method, path, body, token=None, headers=h)

    def test_sign_in_sets_the_cookie_and_says_who(self):
        a = self.account("c.durand", name="Claire Martin")
        self.assertNotIn("password", a)
        self.assertNotIn("password_hash", a)
        r = self.sign_in("C.Durand")       # logins are case-blind
        self.assertEqual(r.status, 200, r)
        secret, h = cookie_of(r)
        self.assertGreaterEqual(len(secret), 40)
        attrs = [x.strip() for x in h.split(";")]
        self.assertIn("Path=/", attrs)
        self.assertIn("HttpOnly", attrs)
        self.assertIn("SameSite=Strict", attrs)
        self.assertIn("Max-Age=28800", attrs)
        self.assertNotIn("Secure", attrs)   # plain HTTP here
        b = r.body
        self.assertEqual(b["role"], "iod")
        self.assertEqual(b["subject"], "c.durand")
        self.assertEqual(b["account_id"], a["id"])
        self.assertIsNone(b["referent_id"])
        self.assertIsNone(b["company_id"])
        self.assertEqual(len(b["csrf"]), 43)
        self.assertGreater(b["expires_at"], 0)
        self.assertNotIn(PASSWORD, r.raw.decode())
        # The cookie authenticates like a token; whoami gives the csrf.
        w = self.as_cookie("GET", "/v1/whoami", secret)
        self.assertEqual(w.status, 200, w)
        self.assertEqual(w.body["role"], "iod")
        self.assertEqual(w.body["subject"], "c.durand")
        self.assertEqual(w.body["csrf"], b["csrf"])
        self.assertIsNone(w.body["token_id"])
        self.assertEqual(self.as_cookie("GET", "/v1/candidates?limit=2",
                                        secret).status, 200)
        # The iod role may not manage accounts, cookie or not.
        self.assertError(self.as_cookie("GET", "/v1/accounts", secret), 403,
                         code="forbidden")

    def test_wrong_login_and_wrong_password_read_alike(self):
        self.account("c.durand")
        bad_pw = self.sign_in("c.durand", "not the password")
        bad_login = self.sign_in("nobody-here", "not the password")
        for r in (bad_pw, bad_login):
            err = self.assertError(r, 401, code="bad_credentials",
                                   field="password")
            self.assertNotIn("Set-Cookie", r.headers)
        self.assertEqual(bad_pw.body, bad_login.body)
        self.assertError(self.d.post("/v1/session", {"login": "c.durand"},
                                     token=None), 400, field="password")
        self.assertIn("wrong", err["message"])

    def test_lock_out_after_five_failures(self):
        self.account("c.durand")
        for i in range(4):
            self.assertError(self.sign_in("c.durand", "wrong password %d" % i),
                             401, code="bad_credentials")
        # A success resets the count...
        self.session("c.durand")
        for i in range(5):
            self.assertError(self.sign_in("c.durand", "wrong password %d" % i),
                             401, code="bad_credentials")
        # ...five in a row lock it, even for the right password.
        r = self.sign_in("c.durand")
        self.assertError(r, 429, code="account_locked", contains="minutes")
        self.assertEqual(r.headers.get("Retry-After"), "900")
        self.assertNotIn("Set-Cookie", r.headers)
        listed = {a["login"]: a for a in
                  self.d.get("/v1/accounts").body["items"]}
        self.assertTrue(listed["c.durand"]["locked"])
        self.assertFalse(listed["cm-martin"]["locked"])
        # An admin's reset lifts the lock.
        r = self.d.post("/v1/accounts/%d/password" % listed["c.durand"]["id"],
                        {"password": "another long password"})
        self.assertEqual(r.status, 204, r)
        self.session("c.durand", "another long password")

    def test_csrf_needed_on_cookie_writes(self):
        self.account("c.durand")
        secret, csrf = self.session("c.durand")
        ref = {"name": "Marc Petit", "structure": "Mission locale"}
        self.assertError(self.as_cookie("POST", "/v1/referents", secret, ref),
                         403, code="csrf_failed", field="X-CSRF-Token")
        self.assertError(self.as_cookie("POST", "/v1/referents", secret, ref,
                                        csrf="x" * 43),
                         403, code="csrf_failed")
        self.assertError(self.as_cookie("POST", "/v1/referents", secret, ref,
                                        csrf=csrf[:-1]),
                         403, code="csrf_failed")
        r = self.as_cookie("POST", "/v1/referents", secret, ref, csrf=csrf)
        self.assertEqual(r.status, 201, r)
        # The event log names the account's login.
        ev = self.d.get("/v1/events?limit=1000").body["items"]
        self.assertTrue(any(e["type"] == "referent.created" and
                            e["actor"] == "c.durand" for e in ev))
        # A bearer token needs no CSRF token, even with a cookie beside it.
        r = self.d.post("/v1/referents", ref,
                        headers={"Cookie": "iod_session=" + secret})
        self.assertEqual(r.status, 201, r)

    def test_sign_out_revokes(self):
        self.account("c.durand")
        secret, csrf = self.session("c.durand")
        other, _ = self.session("c.durand")
        self.assertError(self.as_cookie("DELETE", "/v1/session", secret), 403,
                         code="csrf_failed")
        r = self.as_cookie("DELETE", "/v1/session", secret, csrf=csrf)
        self.assertEqual(r.status, 204, r)
        value, h = cookie_of(r)
        self.assertEqual(value, "")
        self.assertIn("Max-Age=0", h)
        self.assertError(self.as_cookie("GET", "/v1/whoami", secret), 401,
                         field="Cookie")
        # The other session of the same account lives on.
        self.assertEqual(self.as_cookie("GET", "/v1/whoami", other).status,
                         200)
        self.assertError(self.as_cookie("GET", "/v1/whoami", "x" * 43), 401,
                         code="unauthorized")
        self.assertError(self.d.delete("/v1/session"), 400, field="Cookie")

    def test_reset_and_deletion_revoke_sessions(self):
        a = self.account("c.durand")
        secret, _ = self.session("c.durand")
        self.assertError(self.d.post("/v1/accounts/%d/password" % a["id"],
                                     {"password": "short"}), 400,
                         field="password", contains="at least 10")
        self.assertEqual(self.as_cookie("GET", "/v1/whoami", secret).status,
                         200)
        r = self.d.post("/v1/accounts/%d/password" % a["id"],
                        {"password": "a new long password"})
        self.assertEqual(r.status, 204, r)
        self.assertEqual(self.as_cookie("GET", "/v1/whoami", secret).status,
                         401)
        self.assertError(self.sign_in("c.durand"), 401)
        secret, _ = self.session("c.durand", "a new long password")
        self.assertEqual(self.d.delete("/v1/accounts/%d" % a["id"]).status,
                         204)
        self.assertEqual(self.as_cookie("GET", "/v1/whoami", secret).status,
                         401)
        self.assertError(self.sign_in("c.durand", "a new long password"),
                         401, code="bad_credentials")
        self.assertEqual(self.d.get("/v1/accounts/%d" % a["id"]).status, 404)

    def test_own_password_change(self):
        self.account("c.durand")
        secret, csrf = self.session("c.durand")
        other, _ = self.session("c.durand")
        path = "/v1/session/password"
        self.assertError(self.as_cookie("POST", path, secret, {
            "old_password": "not it at all", "password": "brand new secret"},
            csrf=csrf), 400, field="old_password")
        self.assertError(self.as_cookie("POST", path, secret, {
            "old_password": PASSWORD, "password": "tiny"}, csrf=csrf), 400,
            field="password")
        r = self.as_cookie("POST", path, secret, {
            "old_password": PASSWORD, "password": "brand new secret"},
            csrf=csrf)
        self.assertEqual(r.status, 204, r)
        # This session goes on; the others are revoked.
        self.assertEqual(self.as_cookie("GET", "/v1/whoami", secret).status,
                         200)
        self.assertEqual(self.as_cookie("GET", "/v1/whoami", other).status,
                         401)
        self.assertError(self.sign_in("c.durand"), 401)
        self.session("c.durand", "brand new secret")

    def test_account_rules(self):
        self.assertError(self.d.post("/v1/accounts", {
            "login": "x", "role": "iod", "password": "123456789"}), 400,
            field="password", contains="at least 10")
        self.assertError(self.d.post("/v1/accounts", {
            "login": "x", "role": "iod"}), 400, field="password")
        self.assertError(self.d.post("/v1/accounts", {
            "login": "a b", "role": "iod", "password": PASSWORD}), 400,
            field="login")
        self.assertError(self.d.post("/v1/accounts", {
            "login": "ref", "role": "referent", "password": PASSWORD}), 400,
            field="referent_id")
        self.assertError(self.d.post("/v1/accounts", {
            "login": "co", "role": "company", "company_id": 9999,
            "password": PASSWORD}), 400, field="company_id")
        self.assertError(self.d.post("/v1/accounts", {
            "login": "x", "role": "iod", "password": PASSWORD,
            "password_hash": "x", "colour": "red"}), 400, field="colour")
        self.account("c.durand")
        self.assertError(self.d.post("/v1/accounts", {
            "login": "C.DURAND", "role": "admin", "password": PASSWORD}),
            409, field="login", code="duplicate")
        items = self.d.get("/v1/accounts").body["items"]
        self.assertEqual([a["login"] for a in items], [
            "admin", "cm-martin", "n.benali", "proprete-rhone", "c.durand"])
        for a in items:
            self.assertNotIn("password_hash", a)
            self.assertNotIn("password", a)

    def test_disabled_account_may_not_sign_in(self):
        self.account("c.durand", disabled=True)
        self.assertError(self.sign_in("c.durand", "not the password"), 401,
                         code="bad_credentials")
        r = self.sign_in("c.durand")
        self.assertError(r, 403, code="forbidden", field="login",
                         contains="disabled")
        self.assertNotIn("Set-Cookie", r.headers)

    def test_demo_accounts_sign_in(self):
        for login, role in (("admin", "admin"), ("cm-martin", "iod"),
                            ("n.benali", "referent"),
                            ("proprete-rhone", "company")):
            r = self.sign_in(login, "iod-demo-2026")
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.body["role"], role)
        self.assertEqual(self.sign_in("proprete-rhone", "iod-demo-2026")
                         .body["company_id"], 1)

    def test_referent_session_sees_only_their_candidates(self):
        demo = load_demo("candidates")
        mine = [i + 1 for i, c in enumerate(demo) if c["referent_id"] == 1]
        other = next(i + 1 for i, c in enumerate(demo)
                     if c["referent_id"] != 1)
        self.account("m.petit", role="referent", referent_id=1)
        secret, _ = self.session("m.petit")
        r = self.as_cookie("GET", "/v1/candidates?limit=100", secret)
        self.assertEqual(r.status, 200, r)
        self.assertEqual([c["id"] for c in r.body["items"]], mine)
        self.assertEqual(self.as_cookie("GET", "/v1/candidates/%d" % other,
                                        secret).status, 404)
        w = self.as_cookie("GET", "/v1/whoami", secret).body
        self.assertEqual((w["role"], w["referent_id"]), ("referent", 1))

    def test_no_password_in_the_store(self):
        marker = "Zq9-unmistakable-passphrase"
        a = self.account("c.durand", password=marker)
        self.session("c.durand", marker)
        self.assertEqual(self.d.post("/v1/accounts/%d/password" % a["id"],
                                     {"password": marker + "-2"}).status, 204)
        self.sign_in("c.durand", marker + "-wrong")
        ev = self.d.get("/v1/events?limit=1000").raw
        self.assertIn(b"account.created", ev)
        self.assertNotIn(marker.encode(), ev)
        self.d.stop()
        with open(os.path.join(self.d.data, "data.mdb"), "rb") as f:
            data = f.read()
        self.assertNotIn(marker.encode(), data)
        self.assertIn(b"$argon2id$", data)
        self.assertNotIn(marker, "".join(self.d.log))


class Iodctl(DaemonCase):
    DEMO = True

    def iodctl(self, *args, stdin=""):
        return subprocess.run([IODCTL, "--url", "http://127.0.0.1:%d" %
                               self.d.port, "--token", ADMIN] + list(args),
                              input=stdin, capture_output=True, text=True,
                              cwd=ROOT)

    def sign_in(self, login, password):
        return self.d.post("/v1/session", {"login": login,
                                           "password": password}, token=None)

    def test_account_commands(self):
        p = self.iodctl("account", "create", "--login", "m.petit", "--role",
                        "referent", "--referent", "1", "--name",
                        "Marc Petit", stdin=PASSWORD + "\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        aid = int(p.stdout.strip())
        self.assertNotIn(PASSWORD, p.stdout + p.stderr)
        r = self.sign_in("m.petit", PASSWORD)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["referent_id"], 1)
        # The daemon's refusal names the field; the exit status says 4xx.
        p = self.iodctl("account", "create", "--login", "x", "--role", "iod",
                        stdin="short\n")
        self.assertEqual(p.returncode, 1)
        self.assertIn("password", p.stderr)
        p = self.iodctl("account", "create", "--login", "x", "--role", "iod")
        self.assertEqual(p.returncode, 2, p.stderr)
        p = self.iodctl("account", "list")
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertTrue(lines[0].startswith("ID"), p.stdout)
        mine = [x for x in lines if "m.petit" in x]
        self.assertEqual(len(mine), 1, p.stdout)
        self.assertIn("referent 1", mine[0])
        self.assertIn("Marc Petit", mine[0])
        self.assertIn("active", mine[0])
        p = self.iodctl("account", "password", str(aid),
                        stdin="another long password\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.sign_in("m.petit", PASSWORD).status, 401)
        self.assertEqual(self.sign_in("m.petit",
                                      "another long password").status, 200)
        p = self.iodctl("account", "delete", str(aid))
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.iodctl("account", "delete", str(aid))
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertNotIn("m.petit", [a["login"] for a in self.d.get(
            "/v1/accounts").body["items"]])


class SecureCookie(unittest.TestCase):
    def test_secure_under_tls(self):
        tmp = tempfile.mkdtemp(prefix="iodtls-")
        cert, key = os.path.join(tmp, "c.pem"), os.path.join(tmp, "k.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                        "-nodes", "-subj", "/CN=localhost", "-days", "1",
                        "-keyout", key, "-out", cert], check=True,
                       capture_output=True)
        d = Daemon(args=["--tls-cert", cert, "--tls-key", key]).start()
        self.addCleanup(d.cleanup)
        ctx = ssl.create_default_context(cafile=cert)
        ctx.check_hostname = False

        def call(method, path, body):
            with socket.create_connection(("127.0.0.1", d.port)) as raw:
                with ctx.wrap_socket(raw) as s:
                    s.sendall(("%s %s HTTP/1.1\r\nHost: x\r\n"
                               "Authorization: Bearer %s\r\n"
                               "Content-Type: application/json\r\n"
                               "Content-Length: %d\r\nConnection: close"
                               "\r\n\r\n%s" % (method, path, d.env[
                                   "IOD_BOOTSTRAP_TOKEN"], len(body),
                                   body)).encode())
                    reply = b""
                    while chunk := s.recv(4096):
                        reply += chunk
            return reply.decode()

        r = call("POST", "/v1/accounts", '{"login":"cm","role":"iod",'
                 '"password":"%s"}' % PASSWORD)
        self.assertTrue(r.startswith("HTTP/1.1 201"), r[:200])
        r = call("POST", "/v1/session", '{"login":"cm","password":"%s"}'
                 % PASSWORD)
        self.assertTrue(r.startswith("HTTP/1.1 200"), r[:200])
        line = next(x for x in r.split("\r\n")
                    if x.lower().startswith("set-cookie:"))
        self.assertIn("; Secure", line)
        self.assertIn("HttpOnly", line)


if __name__ == "__main__":
    unittest.main()
