"""PostgreSQL 15 as a peer: the same "best eligible candidate for this offer".

It starts a private server (initdb in a temporary directory, a unix socket
there, no TCP: listen_addresses=''), loads bench/gen's CSV files with COPY
into the tables of its schema.sql, adds what a good DBA would add for this
one query (the candidate's ROME families as an array with a GIN index, the
offer-independent score materialised like iod's index keeps it, the
publics as a bit mask, the rule set's territory of each commune), and asks,
for every offer (or a fixed sample), one prepared statement translated
from the rule set's YAML: the same hard filters, the same weights, the
same order (score desc, oriented_on asc, id asc), and the eligible count.
Each answer is compared with iod's (bench_match --best): candidate, score
and eligible count must all be equal.

As root it runs the server as the user postgres (or a system user it
creates); otherwise as the caller.  Only bench/bench.py calls it; it needs
python3-psycopg2 and python3-yaml.
"""
import csv
import os
import pwd
import shutil
import subprocess
import tempfile
import time

import psycopg2
import yaml

# enum public_cat and enum programme of profiles/profiles.h, in order.
PUBLICS = ["rsa", "deld", "youth", "senior", "rqth", "refugee", "justice",
           "single_parent"]
PROGRAMMES = ["plie", "mission_locale", "cap_emploi", "france_travail",
              "siae", "other"]


def find_bindir():
    """The directory of initdb and pg_ctl: PATH, else Debian's layout."""
    p = shutil.which("initdb")
    if p:
        return os.path.dirname(os.path.realpath(p))
    root = "/usr/lib/postgresql"
    if os.path.isdir(root):
        for v in sorted(os.listdir(root), key=lambda s: int(s) if
                        s.isdigit() else 0, reverse=True):
            d = os.path.join(root, v, "bin")
            if os.path.exists(os.path.join(d, "initdb")):
                return d
    return None


def available():
    return find_bindir() is not None


def rules_of(path):
    """The rule set's values the query needs, with ruleset.c's defaults."""
    with open(path) as f:
        y = yaml.safe_load(f)
    pol = y.get("policies") or {}
    fil = y.get("filters") or {}
    wei = y.get("weights") or {}

    def flag(d, k, default=True):
        v = d.get(k)
        return default if v is None else bool(v)
    pub = wei.get("publics") or {}
    return {
        "require_consent": flag(pol, "require_consent"),
        "programmes": list(fil.get("programmes") or []),
        "rome_match": fil.get("rome_match") or "exact",
        "contracts": flag(fil, "contracts"),
        "zone": flag(fil, "zone"),
        "hours": flag(fil, "hours"),
        "schedule": flag(fil, "schedule"),
        "availability_days": fil.get("availability_days"),
        "licence": flag(fil, "licence"),
        "publics": {p: int(pub.get(p) or 0) for p in PUBLICS},
        "same_commune": int(wei.get("same_commune") or 0),
        "same_territory": int(wei.get("same_territory") or 0),
        "qpv": int(wei.get("qpv") or 0),
        "waiting_per_month": int(wei.get("waiting_per_month") or 0),
        "waiting_cap_months": int(wei["waiting_cap_months"]
                                  if wei.get("waiting_cap_months")
                                  is not None else 12),
        "favoured_public": int(wei.get("favoured_public") or 0),
        "territories": y.get("territories"),
    }


def candidate_sql(r, today):
    """The derived table: what the query reads, computed once at load."""
    # months_between of matcher/engine/index.c: full months from oriented_on to
    # today, 0 if not before today, counted up to the cap.
    months = ("CASE WHEN c.oriented_on IS NULL OR c.oriented_on >= "
              "DATE '{t}' THEN 0 ELSE GREATEST(0, "
              "(EXTRACT(YEAR FROM DATE '{t}')::int - "
              "EXTRACT(YEAR FROM c.oriented_on)::int) * 12 + "
              "EXTRACT(MONTH FROM DATE '{t}')::int - "
              "EXTRACT(MONTH FROM c.oriented_on)::int - "
              "CASE WHEN EXTRACT(DAY FROM DATE '{t}') < "
              "EXTRACT(DAY FROM c.oriented_on) THEN 1 ELSE 0 END) END"
              ).format(t=today)
    fam = ("ARRAY(SELECT DISTINCT left(x, 3) FROM unnest(c.rome) x)"
           if r["rome_match"] == "family" else "c.rome")
    return """
CREATE TABLE cand AS
SELECT c.*,
       {fam} AS families,
       (SELECT coalesce(sum(w.points), 0) FROM unnest(c.publics) p
            JOIN weights w ON w.public = p)::int
         + CASE WHEN c.qpv THEN {qpv} ELSE 0 END
         + LEAST({months}, {cap}) * {per} AS base,
       (SELECT coalesce(sum(1 << (w.bit)), 0) FROM unnest(c.publics) p
            JOIN weights w ON w.public = p)::int AS pmask,
       t.territory AS territory,
       EXISTS (SELECT 1 FROM communes m WHERE m.insee = c.commune)
         AS commune_ok
FROM candidates c LEFT JOIN territories t ON t.insee = c.commune
""".format(fam=fam, qpv=r["qpv"], months=months,
           cap=r["waiting_cap_months"], per=r["waiting_per_month"])


def static_where(r):
    """The filters that do not depend on the offer (the partial index's)."""
    # A record without a status is active (enum candidate_status 0).
    w = ["coalesce(c.status, 'active') = 'active'"]
    if r["require_consent"]:
        w.append("c.consent_on IS NOT NULL")
    if r["programmes"]:
        w.append("c.programme IN (%s)" % ", ".join(
            "'%s'" % p for p in r["programmes"]))
    return w


def query_sql(r):
    """The prepared statement: $1 family or code, $2 commune, $3 territory,
    $4 offer commune known, $5 contract, $6 weekly hours, $7 schedule,
    $8 start_on, $9 licence_b required, $10 vehicle required, $11 the
    company's favoured publics as a mask."""
    w = ["c.families @> ARRAY[$1]"] + static_where(r)
    # Candidate-exclusivity and the refusal cool-down read the proposals:
    # there are none in a freshly loaded store, as in bench_match.
    if r["contracts"]:
        w.append("(coalesce(cardinality(c.contracts), 0) = 0 "
                 "OR $5 = ANY (c.contracts))")
    if r["hours"]:
        w.append("(coalesce(c.max_weekly_hours, 0) = 0 "
                 "OR $6 <= c.max_weekly_hours)")
    if r["schedule"]:
        w.append("coalesce($7, '{}'::text[]) <@ "
                 "coalesce(c.schedule_ok, '{}'::text[])")
    if r["availability_days"] is not None:
        w.append("(c.available_on IS NULL OR $8::date IS NULL "
                 "OR c.available_on <= $8::date + %d)"
                 % int(r["availability_days"]))
    if r["licence"]:
        w.append("(NOT $9 OR coalesce(c.licence_b, false))")
        w.append("(NOT $10 OR coalesce(c.vehicle, false))")
    if r["zone"]:
        w.append("(CASE c.zone"
                 " WHEN 'commune' THEN c.commune = $2"
                 " WHEN 'territory' THEN c.commune = $2"
                 " OR c.territory = $3"
                 " ELSE c.commune_ok AND $4 END)")
    score = ("c.base"
             " + CASE WHEN c.commune_ok AND c.commune = $2 THEN %d ELSE 0 END"
             " + CASE WHEN c.territory = $3 THEN %d ELSE 0 END"
             " + %d * bit_count((c.pmask & $11)::bit(8))"
             % (r["same_commune"], r["same_territory"],
                r["favoured_public"]))
    return ("PREPARE best(text, text, text, boolean, text, int, text[], "
            "date, boolean, boolean, int) AS\n"
            "SELECT c.id, %s AS score, count(*) OVER () AS eligible\n"
            "FROM cand c\nWHERE %s\n"
            "ORDER BY score DESC, c.oriented_on ASC NULLS FIRST, c.id ASC\n"
            "LIMIT 1" % (score, "\n  AND ".join(w)))


def offers_sql(r):
    fam = "left(o.rome, 3)" if r["rome_match"] == "family" else "o.rome"
    return """
SELECT o.id, {fam}, o.commune, t.territory,
       EXISTS (SELECT 1 FROM communes m WHERE m.insee = o.commune),
       o.contract, coalesce(o.weekly_hours, 0), o.schedule, o.start_on,
       coalesce('licence_b' = ANY (o.requirements), false),
       coalesce('vehicle' = ANY (o.requirements), false),
       (SELECT coalesce(sum(1 << w.bit), 0) FROM unnest(co.favoured_publics)
            p JOIN weights w ON w.public = p)::int
FROM offers o LEFT JOIN companies co ON co.id = o.company_id
     LEFT JOIN territories t ON t.insee = o.commune
WHERE o.id = ANY (%s)
""".format(fam=fam)


class Server:
    """A private PostgreSQL on a unix socket in a temporary directory."""

    def __init__(self, tmp_parent=None):
        self.bindir = find_bindir()
        if self.bindir is None:
            raise RuntimeError("PostgreSQL not found (initdb): install "
                               "postgresql-15")
        self.dir = tempfile.mkdtemp(prefix="iodbench-pg-", dir=tmp_parent)
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, "data")
        self.sock = os.path.join(self.dir, "sock")
        self.log = os.path.join(self.dir, "log")
        os.mkdir(self.sock)
        self.user = None
        if os.geteuid() == 0:
            self.user = self._unprivileged()
            pw = pwd.getpwnam(self.user)
            for p in (self.dir, self.sock):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        self.started = False

    @staticmethod
    def _unprivileged():
        for name in ("postgres", "iodbench"):
            try:
                pwd.getpwnam(name)
                return name
            except KeyError:
                pass
        subprocess.run(["useradd", "--system", "--no-create-home",
                        "--shell", "/usr/sbin/nologin", "iodbench"],
                       check=True)
        return "iodbench"

    def _run(self, argv):
        if self.user:
            argv = ["runuser", "-u", self.user, "--"] + argv
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)

    def start(self):
        self._run([os.path.join(self.bindir, "initdb"), "-D", self.data,
                   "-A", "trust", "-U", "bench", "-E", "UTF8",
                   "--locale=C", "--no-sync"])
        opts = ("-k %s -c listen_addresses='' -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off "
                "-c shared_buffers=512MB -c work_mem=64MB "
                "-c maintenance_work_mem=512MB -c max_wal_size=4GB "
                "-c jit=off" % self.sock)
        self._run([os.path.join(self.bindir, "pg_ctl"), "-D", self.data,
                   "-l", self.log, "-w", "-o", opts, "start"])
        self.started = True
        return psycopg2.connect(host=self.sock, dbname="postgres",
                                user="bench")

    def version(self, conn):
        with conn.cursor() as cur:
            cur.execute("SHOW server_version")
            return cur.fetchone()[0]

    def stop(self):
        if self.started:
            try:
                self._run([os.path.join(self.bindir, "pg_ctl"), "-D",
                           self.data, "-m", "fast", "-w", "stop"])
            except subprocess.CalledProcessError:
                pass
            self.started = False
        shutil.rmtree(self.dir, ignore_errors=True)


def copy_csv(cur, table, path, columns=None):
    cols = "(%s)" % ", ".join(columns) if columns else ""
    with open(path, "rb") as f:
        cur.copy_expert("COPY %s%s FROM STDIN WITH (FORMAT csv, HEADER)"
                        % (table, cols), f)


def load(conn, gen, refdata, r, today):
    """Load the dataset and the reference tables.  Returns the seconds it
    took, the size of the candidate table as loaded (with its primary key),
    its size once ready for the query (derived columns, indexes), the
    number of candidates and the seconds of the candidates' COPY alone."""
    t0 = time.monotonic()
    cur = conn.cursor()
    with open(os.path.join(gen, "schema.sql")) as f:
        cur.execute(f.read())
    for t in ("referents", "companies", "offers"):
        copy_csv(cur, t, os.path.join(gen, t + ".csv"))
    # The ingest's peer: the candidates' COPY, committed.
    conn.commit()
    tc = time.monotonic()
    copy_csv(cur, "candidates", os.path.join(gen, "candidates.csv"))
    conn.commit()
    copy_s = time.monotonic() - tc
    cur.execute("CREATE TABLE communes (insee text PRIMARY KEY)")
    with open(os.path.join(refdata, "communes.csv"), newline="") as f:
        rows = [(row["insee_code"],) for row in csv.DictReader(f)]
    cur.executemany("INSERT INTO communes VALUES (%s)", rows)
    cur.execute("CREATE TABLE territories (insee text PRIMARY KEY, "
                "territory text NOT NULL)")
    if r["territories"]:
        with open(os.path.join(refdata, r["territories"]), newline="") as f:
            lines = [ln for ln in f if not ln.startswith("#")]
        rows = [(row["insee_code"], row["territory"])
                for row in csv.DictReader(lines)]
        cur.executemany("INSERT INTO territories VALUES (%s, %s)", rows)
    cur.execute("CREATE TABLE weights (public text PRIMARY KEY, "
                "bit int NOT NULL, points int NOT NULL)")
    cur.executemany("INSERT INTO weights VALUES (%s, %s, %s)",
                    [(p, i, r["publics"][p]) for i, p in
                     enumerate(PUBLICS)])
    cur.execute("SELECT pg_total_relation_size('candidates')")
    loaded = cur.fetchone()[0]
    cur.execute(candidate_sql(r, today))
    cur.execute("DROP TABLE candidates")
    cur.execute("ALTER TABLE cand ADD PRIMARY KEY (id)")
    # The one index the query needs, on the rows it can ever return.
    cur.execute("CREATE INDEX cand_families ON cand USING gin (families) "
                "WHERE %s" % " AND ".join(
                    s.replace("c.", "") for s in static_where(r)))
    conn.commit()
    conn.autocommit = True
    cur.execute("VACUUM ANALYZE")
    conn.autocommit = False
    cur.execute("SELECT pg_total_relation_size('cand'), "
                "pg_relation_size('cand'), count(*) FROM cand")
    total, heap, n = cur.fetchone()
    return time.monotonic() - t0, loaded, total, n, copy_s


def run(gen, refdata, rules, best, today, sample=0, tmp=None, log=print):
    """Time one query per offer; returns a dict of figures."""
    r = rules_of(rules)
    want = {}
    with open(best) as f:
        next(f)
        for line in f:
            oid, cid, score, elig = (int(x) for x in line.split("\t"))
            want[oid] = (cid, score if cid else None, elig)
    ids = sorted(want)
    if sample and sample < len(ids):
        step = len(ids) / sample
        ids = [ids[int(i * step)] for i in range(sample)]
    srv = Server(tmp)
    try:
        conn = srv.start()
        version = srv.version(conn)
        load_s, loaded, total, n, copy_s = load(conn, gen, refdata, r,
                                                today)
        cur = conn.cursor()
        cur.execute(offers_sql(r), (ids,))
        params = {row[0]: row[1:] for row in cur.fetchall()}
        cur.execute(query_sql(r))
        ns = []
        bad = []
        t0 = time.perf_counter_ns()
        for oid in ids:
            p = params[oid]
            a = time.perf_counter_ns()
            cur.execute("EXECUTE best(%s, %s, %s, %s, %s, %s, %s::text[], "
                        "%s, %s, %s, %s)", p)
            row = cur.fetchone()
            ns.append(time.perf_counter_ns() - a)
            got = (row[0], row[1], row[2]) if row else (0, None, 0)
            if got != want[oid]:
                bad.append((oid, want[oid], got))
        wall = (time.perf_counter_ns() - t0) / 1e9
        cur.execute("EXPLAIN " + "EXECUTE best(%s, %s, %s, %s, %s, %s, "
                    "%s::text[], %s, %s, %s, %s)", params[ids[0]])
        plan = "\n".join(x[0] for x in cur.fetchall())
        conn.close()
    finally:
        srv.stop()
    for oid, w, g in bad[:20]:
        log("MISMATCH offer %d: iod candidate %d score %s eligible %d, "
            "PostgreSQL candidate %d score %s eligible %d"
            % ((oid,) + tuple(w) + tuple(g)))
    ns.sort()
    k = len(ns)
    return {
        "version": version, "offers": k, "of": len(want),
        "sampled": k < len(want), "load_s": load_s,
        "candidates": n, "bytes": total, "loaded_bytes": loaded,
        "copy_s": copy_s, "copy_per_s": n / copy_s if copy_s > 0 else 0,
        "wall_s": wall, "per_s": k / wall if wall > 0 else 0,
        "mean_us": sum(ns) / k / 1e3 if k else 0,
        "median_us": (ns[(k - 1) // 2] + ns[k // 2]) / 2e3 if k else 0,
        "p99_us": ns[max(0, -(-k * 99 // 100) - 1)] / 1e3 if k else 0,
        "max_us": ns[-1] / 1e3 if k else 0,
        "mismatches": len(bad), "plan": plan,
    }
