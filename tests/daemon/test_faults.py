"""A disk that fills and a store that is damaged: the map full at commit,
a full disk (a fault shim, tests/faults/faults.c, loaded with LD_PRELOAD),
erasure that must neither stop nor stall the daemon, damaged copies of a
real store, and an audit log that stays bounded."""
import datetime
import glob
import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

from iodtest import ADMIN, BUILD, IODD, ROOT, Daemon, load_demo

NAME = "Quatrebarbes-Zéphyrine"


def config(**keys):
    """etc/iod.yaml with other top-level keys, in a temporary file."""
    with open(os.path.join(ROOT, "etc", "iod.yaml")) as f:
        lines = f.read().split("\n")
    for key, value in keys.items():
        lines = [l for l in lines if not l.startswith(key + ":")]
        lines.append("%s: %s" % (key, value))
    fd, path = tempfile.mkstemp(suffix=".yaml")
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def shim():
    """The fault shim: the build's, else compiled here from its source."""
    so = os.path.join(BUILD, "faults", "libfaults.so")
    if os.path.exists(so):
        return so
    out = os.path.join(tempfile.gettempdir(), "iod-libfaults-%d.so" % os.getpid())
    subprocess.run(["cc", "-std=c11", "-O2", "-shared", "-fPIC", "-o", out,
                    os.path.join(ROOT, "tests", "faults", "faults.c"), "-ldl"],
                   check=True)
    return out


def shim_env(trigger, **extra):
    asan = os.environ.get("ASAN_OPTIONS", "")
    env = {"LD_PRELOAD": shim(), "IOD_FAULT_TRIGGER": trigger,
           "ASAN_OPTIONS": (asan + ":" if asan else "") +
           "verify_asan_link_order=0"}
    env.update(extra)
    return env


def person(**kw):
    return dict(load_demo("candidates")[0], **dict({"referent_id": 1}, **kw))


class Case(unittest.TestCase):
    def daemon(self, conf=None, env=None, data=None, demo=False):
        args = []
        if conf:
            path = config(**conf)
            self.addCleanup(os.unlink, path)
            args = ["--config", path]
        d = Daemon(args=args, env=env, data=data, demo=demo)
        self.addCleanup(d.cleanup)
        return d.start()

    def referent(self, d):
        r = d.post("/v1/referents", {"name": "R", "structure": "PLIE"})
        self.assertEqual(r.status, 201, r)
        return r.body["id"]

    def logged(self, d, text, within=10):
        end = time.monotonic() + within
        while time.monotonic() < end:
            if any(text in l for l in d.log):
                return True
            time.sleep(0.05)
        return False

    def metric(self, d, name):
        raw = d.get("/metrics").raw.decode()
        for line in raw.split("\n"):
            if line.startswith(name + " "):
                return float(line.split()[1])
        return None


class MapFull(Case):
    def test_restored_store_larger_than_the_map_writes_and_audits(self):
        # A store restored from a backup larger than map_size_mb: LMDB maps
        # exactly its size, so the first commit that needs a page more
        # overflows (the audit of a read, at the turn's commit).
        conf = {"map_size_mb": 1, "map_max_mb": 256}
        d = self.daemon(conf=conf)
        self.referent(d)
        items = [person(last_name="N%05d" % i) for i in range(6000)]
        for i in range(0, len(items), 1000):
            r = d.post("/v1/candidates:batch", items[i:i + 1000])
            self.assertEqual(r.status, 200, r)
        backup = d.get("/v1/backup")
        self.assertEqual(backup.status, 200)
        self.assertGreater(len(backup.raw), 1 << 20)
        d.stop()
        with open(os.path.join(d.data, "data.mdb"), "wb") as f:
            f.write(backup.raw)
        d.log.clear()
        d.start()
        self.assertEqual(d.get("/v1/candidates/7").status, 200)
        audit = d.get("/v1/audit?candidate_id=7").body["items"]
        self.assertEqual([a["action"] for a in audit], ["read"], audit)
        r = d.post("/v1/candidates", person(last_name="After"))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(d.get("/v1/candidates/%d" % r.body["id"]).status, 200)
        log = "".join(d.log)
        self.assertNotIn("group commit failed", log)
        self.assertNotIn("rebuilding the index", log)


class MapFullUndone(Case):
    """A commit that fills the map in a turn of proposals and candidate
    writes: the turn runs again in the grown map, the index taken back by
    its journal (never rebuilt), and the matcher then answers as a daemon
    started afresh on the same store."""

    def burst(self, d, trigger, calls):
        open(trigger, "w").close()
        out = [None] * len(calls)

        def run(i, method, path, body):
            out[i] = d.request(method, path, body)
        threads = [threading.Thread(target=run, args=(i,) + c)
                   for i, c in enumerate(calls)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertFalse(os.path.exists(trigger), "no commit filled the map")
        return out

    def answers(self, d, offers):
        ranked = {}
        for oid in offers:
            r = d.get("/v1/offers/%d/candidates?limit=50" % oid)
            self.assertEqual(r.status, 200, r)
            ranked[oid] = (r.body["eligible"],
                           [(c["candidate_id"], c["score"])
                            for c in r.body["candidates"]])
        return ranked

    def proposals(self, d, offers):
        made = {}
        for oid in offers:
            r = d.post("/v1/offers/%d/proposal" % oid)
            self.assertIn(r.status, (200, 201), r)
            p = r.body["proposal"]
            made[oid] = p and (p["candidate_id"], p["score"])
        return made

    def test_full_map_at_commit_takes_the_index_back(self):
        from test_api import COMPANY, REFERENT
        from test_matcher import OFFER, cand
        tmp = tempfile.mkdtemp(prefix="iodfault-")
        self.addCleanup(shutil.rmtree, tmp, True)
        trigger = os.path.join(tmp, "mapfull")
        d = self.daemon(env=shim_env(os.path.join(tmp, "never"),
                                     IOD_FAULT_MAPFULL=trigger))
        self.assertEqual(d.post("/v1/referents", REFERENT).status, 201)
        self.assertEqual(d.post("/v1/companies", COMPANY).status, 201)
        people = [cand("P%02d" % i, publics=["rsa"] if i % 3 else [],
                       oriented_on="2025-%02d-24" % (1 + i % 11))
                  for i in range(24)]
        r = d.post("/v1/candidates:batch", people)
        self.assertEqual(r.body["refused"], [], r)
        ids = [x["id"] for x in r.body["created"]]
        offers = [d.post("/v1/offers", OFFER).body["id"] for _ in range(8)]
        # Proposals, a candidate changed, one added, one deleted, an
        # interest: one turn's worth, its commit failing.
        out = self.burst(d, trigger, [
            ("POST", "/v1/offers/%d/proposal" % offers[0], None),
            ("POST", "/v1/offers/%d/proposal" % offers[1], None),
            ("PUT", "/v1/candidates/%d" % ids[5],
             cand("P05", publics=["rsa", "deld"], qpv=True)),
            ("POST", "/v1/candidates", cand("New", publics=["deld"])),
            ("DELETE", "/v1/candidates/%d" % ids[7], None),
            ("POST", "/v1/offers/%d/interests" % offers[2],
             {"candidate_id": ids[9], "on": "2026-11-20"}),
        ])
        for r in out:
            self.assertIn(r.status, (200, 201, 204), r)
        first = out[0].body["proposal"]["id"]
        second = out[1].body["proposal"]["id"]
        # Then the way back of those: a refusal, a withdrawal, more.
        out = self.burst(d, trigger, [
            ("POST", "/v1/proposals/%d/refuse" % first,
             {"reason": "poste pourvu"}),
            ("POST", "/v1/proposals/%d/withdraw" % second,
             {"reason": "offre suspendue"}),
            ("POST", "/v1/offers/%d/proposal" % offers[3], None),
            ("DELETE", "/v1/offers/%d/interests?candidate_id=%d" %
             (offers[2], ids[9]), None),
            ("POST", "/v1/offers/%d/interests" % offers[4],
             {"candidate_id": ids[11], "on": "2026-11-21"}),
        ])
        for r in out:
            self.assertIn(r.status, (200, 201, 204), r)
        self.assertTrue(self.logged(d, "the turn runs again"), d.log)
        self.assertEqual(self.metric(d, "iod_index_rebuilds_total"), 0)
        self.assertNotIn("rebuilding the index", "".join(d.log))
        before = self.answers(d, offers)
        backup = d.get("/v1/backup")
        self.assertEqual(backup.status, 200)
        made = self.proposals(d, offers[4:])
        # The same store, its index built afresh at start-up.
        copy = os.path.join(tmp, "copy")
        os.mkdir(copy, 0o700)
        with open(os.path.join(copy, "data.mdb"), "wb") as f:
            f.write(backup.raw)
        e = self.daemon(data=copy)
        self.assertEqual(self.answers(e, offers), before)
        self.assertEqual(self.proposals(e, offers[4:]), made)
        self.assertTrue(any(made.values()), made)

class Identity(Case):
    def test_a_restored_or_moved_copy_gets_a_new_identity(self):
        d = self.daemon()
        marker = os.path.join(d.data, "store.id")
        with open(marker) as f:
            first = f.read().strip()
        self.assertRegex(first, "^[0-9a-f]{32}$")
        backup = d.get("/v1/backup").raw
        d.stop()
        d.start()           # the same store: the same identity
        d.stop()
        with open(marker) as f:
            self.assertEqual(f.read().strip(), first)
        self.assertFalse(any("restored copy" in l for l in d.log))
        with open(os.path.join(d.data, "data.mdb"), "wb") as f:
            f.write(backup)  # restored in place
        d.log.clear()
        d.start()
        d.stop()
        self.assertTrue(any("restored copy" in l for l in d.log), d.log)
        with open(marker) as f:
            second = f.read().strip()
        self.assertNotEqual(second, first)
        # Moved elsewhere, without its marker: a copy too.
        moved = os.path.join(d.tmp, "moved")
        os.mkdir(moved, 0o700)
        shutil.copy(os.path.join(d.data, "data.mdb"), moved)
        e = self.daemon(data=moved)
        e.stop()
        self.assertTrue(any("restored copy" in l for l in e.log), e.log)
        with open(os.path.join(moved, "store.id")) as f:
            self.assertNotIn(f.read().strip(), (first, second))


class DiskFull(Case):
    def test_full_disk_is_507_reads_go_on_nothing_acknowledged_is_lost(self):
        trigger = os.path.join(tempfile.mkdtemp(prefix="iodfault-"), "full")
        self.addCleanup(shutil.rmtree, os.path.dirname(trigger), True)
        d = self.daemon(env=shim_env(trigger))
        self.referent(d)
        acked = []
        for i in range(5):
            r = d.post("/v1/candidates", person(last_name="A%d" % i))
            self.assertEqual(r.status, 201, r)
            acked.append(r.body["id"])
        open(trigger, "w").close()
        for i in range(5):
            r = d.post("/v1/candidates", person(last_name="F%d" % i))
            self.assertEqual(r.status, 507, r)
            self.assertEqual(r.error()["code"], "store_full", r)
            # Reads go on, audited reads too.
            self.assertEqual(d.get("/v1/candidates/%d" % acked[0]).status, 200)
            self.assertEqual(d.get("/healthz", token=None).status, 200)
        os.unlink(trigger)
        end = time.monotonic() + 5
        while True:
            r = d.post("/v1/candidates", person(last_name="B"))
            if r.status == 201 or time.monotonic() > end:
                break
            self.assertEqual(r.status, 507, r)
            time.sleep(0.1)
        self.assertEqual(r.status, 201, r)
        acked.append(r.body["id"])
        self.assertEqual(d.stop(), 0)
        d.env.pop("LD_PRELOAD")
        d.start()
        items = d.get("/v1/candidates?limit=100").body["items"]
        self.assertEqual(sorted(c["id"] for c in items), sorted(acked))
        self.assertEqual({c["last_name"] for c in items},
                         {"A0", "A1", "A2", "A3", "A4", "B"})


    @unittest.skipUnless(os.geteuid() == 0, "mounting a tmpfs needs root")
    def test_real_full_disk_tmpfs(self):
        mnt = tempfile.mkdtemp(prefix="iodtmpfs-")
        self.addCleanup(shutil.rmtree, mnt, True)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs",
                           mnt]).returncode != 0:
            self.skipTest("cannot mount a tmpfs here")
        self.addCleanup(subprocess.run, ["umount", "-l", mnt])
        d = self.daemon(data=os.path.join(mnt, "data"))
        self.referent(d)
        st = os.statvfs(mnt)
        filler = os.path.join(mnt, "filler")
        with open(filler, "wb") as f:
            f.write(bytes(st.f_bavail * st.f_frsize - 300 * 1024))
        acked, refused = [], 0
        for i in range(200):
            r = d.post("/v1/candidates:batch",
                       [person(last_name="N%03d-%d" % (i, j))
                        for j in range(20)])
            if r.status == 200:
                acked += [c["id"] for c in r.body["created"]]
                continue
            self.assertEqual(r.status, 507, r)
            self.assertEqual(r.error()["code"], "store_full", r)
            self.assertEqual(d.get("/v1/candidates/%d" % acked[0]).status,
                             200)
            refused += 1
            if refused == 3:
                break
        self.assertEqual(refused, 3, "the disk never filled")
        self.assertGreater(len(acked), 0)
        os.unlink(filler)
        end = time.monotonic() + 5
        while True:
            r = d.post("/v1/candidates", person(last_name="After"))
            if r.status != 507 or time.monotonic() > end:
                break
            time.sleep(0.1)
        self.assertEqual(r.status, 201, r)
        acked.append(r.body["id"])
        self.assertEqual(d.stop(), 0)
        d.start()
        for cid in acked:
            self.assertEqual(d.get("/v1/candidates/%d" % cid).status, 200)


class Erasure(Case):
    def erased_store(self, d):
        self.referent(d)
        # Some weight, so that a copy takes a while on a slow disk.
        items = [person(last_name="N%05d" % i) for i in range(2000)]
        r = d.post("/v1/candidates:batch", items)
        self.assertEqual(r.status, 200, r)
        body = person(last_name=NAME, first_name="Zéphyrine")
        cid = d.post("/v1/candidates", body).body["id"]
        for commune in ["69381", "69382"]:     # old versions too
            self.assertEqual(d.put("/v1/candidates/%d" % cid,
                             dict(body, commune=commune)).status, 200)
        return cid

    def assertNameGone(self, d):
        for path in glob.glob(os.path.join(d.data, "**"), recursive=True):
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    raw = f.read()
                self.assertNotIn(NAME.encode(), raw, path)
                self.assertNotIn("Zéphyrine".encode(), raw, path)

    def test_erasure_without_room_keeps_serving_and_completes_later(self):
        # No room for the copy, seen before it starts (statvfs) or when a
        # write of the copy fails.
        for statvfs in ("1", "0"):
            with self.subTest(statvfs_says_full=statvfs):
                self.no_room_for_the_copy(statvfs)

    def no_room_for_the_copy(self, statvfs):
        trigger = os.path.join(tempfile.mkdtemp(prefix="iodfault-"), "full")
        self.addCleanup(shutil.rmtree, os.path.dirname(trigger), True)
        # Writes fail only in the copy's directory: room for the store's
        # own commits, none for a compacted copy.
        d = self.daemon(env=shim_env(trigger, IOD_FAULT_PATH="compact",
                                     IOD_FAULT_STATVFS=statvfs))
        cid = self.erased_store(d)
        open(trigger, "w").close()
        self.assertEqual(d.delete("/v1/candidates/%d" % cid).status, 204)
        self.assertTrue(self.logged(d, "erasure not complete"), d.log[-5:])
        self.assertIsNone(d.proc.poll(), "".join(d.log[-10:]))
        self.assertEqual(d.get("/healthz", token=None).status, 200)
        self.assertEqual(self.metric(d, "iod_erasure_pending"), 1)
        r = d.post("/v1/candidates", person(last_name="Meanwhile"))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(d.get("/v1/candidates/%d" % cid).status, 410)
        os.unlink(trigger)
        self.assertTrue(self.logged(d, "erasure complete"), d.log[-5:])
        self.assertEqual(self.metric(d, "iod_erasure_pending"), 0)
        self.assertEqual(d.stop(), 0)
        self.assertNameGone(d)
        self.assertFalse(os.path.exists(os.path.join(d.data, "compact.tmp")))

    def test_erasure_does_not_stall_the_loop(self):
        trigger = os.path.join(tempfile.mkdtemp(prefix="iodfault-"), "slow")
        self.addCleanup(shutil.rmtree, os.path.dirname(trigger), True)
        # A slow disk for the compacted copy: 300 ms a write.
        d = self.daemon(env=shim_env(trigger, IOD_FAULT_PATH="compact",
                                     IOD_FAULT_DELAY_MS="300"))
        cid = self.erased_store(d)
        open(trigger, "w").close()
        stop = threading.Event()
        worst = [0.0]

        def poll():
            while not stop.is_set():
                t = time.monotonic()
                d.get("/healthz", token=None)
                worst[0] = max(worst[0], time.monotonic() - t)
                time.sleep(0.02)
        poller = threading.Thread(target=poll)
        poller.start()
        try:
            t = time.monotonic()
            self.assertEqual(d.delete("/v1/candidates/%d" % cid).status, 204)
            took = time.monotonic() - t
            done = self.logged(d, "erasure complete", within=30)
        finally:
            stop.set()
            poller.join()
        self.assertLess(took, 0.25, "the DELETE took %.3f s" % took)
        self.assertLess(worst[0], 0.25, "the loop stalled %.3f s" % worst[0])
        self.assertTrue(done, d.log[-5:])
        os.unlink(trigger)
        self.assertEqual(d.stop(), 0)
        self.assertNameGone(d)
        d.start()
        self.assertEqual(d.get("/v1/candidates/%d" % cid).status, 410)
        self.assertEqual(d.get("/v1/candidates/1").status, 200)

    def test_anonymous_record_keeps_only_what_the_counts_need(self):
        d = self.daemon()
        cid = self.erased_store(d)
        self.assertEqual(d.delete("/v1/candidates/%d" % cid).status, 204)
        self.assertTrue(self.logged(d, "erasure complete"), d.log[-5:])
        self.assertEqual(d.stop(), 0)
        out = subprocess.run(["mdb_dump", "-p", "-s", "candidates", d.data],
                             capture_output=True, text=True, check=True).stdout
        # The record is the last one (msgpack map, printable dump): no
        # commune of any version.
        rec = [l for l in out.split("\n") if l.startswith(" ")][-1]
        for commune in ["69381", "69382", "69388"]:
            self.assertNotIn(commune, rec)
        self.assertIn("erased", rec)


class Damaged(unittest.TestCase):
    """Damaged copies of a real store: iodd exits non-zero, says what is
    wrong and how to restore a backup, within a bounded time, and never
    dies of a signal."""

    @classmethod
    def setUpClass(cls):
        d = Daemon(demo=True).start()
        try:
            r = d.post("/v1/offers/1/proposal")
            assert r.status == 201, r
            backup = d.get("/v1/backup").raw
        finally:
            d.stop()
        cls.tmp = d.tmp
        cls.original = d.data
        # Compacted once more (the backup's own identity was written in
        # it): every page of it is in use, any damage is damage.
        src = os.path.join(cls.tmp, "backup.mdb")
        dst = os.path.join(cls.tmp, "compact.mdb")
        with open(src, "wb") as f:
            f.write(backup)
        subprocess.run(["mdb_copy", "-n", "-c", src, dst], check=True)
        with open(dst, "rb") as f:
            cls.backup = f.read()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def damaged_dir(self, damage, keep_marker=True):
        tmp = tempfile.mkdtemp(prefix="iodtest-damaged-")
        self.addCleanup(shutil.rmtree, tmp, True)
        data = os.path.join(tmp, "data")
        os.mkdir(data, 0o700)
        marker = os.path.join(self.original, "store.id")
        if keep_marker and os.path.exists(marker):
            shutil.copy(marker, data)
        path = os.path.join(data, "data.mdb")
        with open(path, "wb") as f:
            f.write(self.backup)
        damage(path)
        return data

    def assertRefused(self, data, *words):
        cmd = [IODD, "--config", os.path.join(ROOT, "etc", "iod.yaml"),
               "--data", data, "--listen", "127.0.0.1:0",
               "--refdata", os.path.join(ROOT, "data")]
        env = dict(os.environ, IOD_BOOTSTRAP_TOKEN=ADMIN,
                   IOD_TODAY="2026-11-24")
        p = subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE,
                             text=True)
        log = []
        timer = threading.Timer(30, p.kill)
        timer.start()
        try:
            for line in p.stderr:
                log.append(line)
                if "listening on" in line:
                    p.send_signal(signal.SIGTERM)
            rc = p.wait()
        finally:
            timer.cancel()
            p.stderr.close()
        text = "".join(log)
        self.assertGreater(rc, 0, "iodd exited with %s:\n%s" % (rc, text))
        self.assertNotIn("listening on", text)
        for w in ("backup",) + words:
            self.assertIn(w, text)

    def pages(self):
        return len(self.backup) // 4096

    def test_truncated_to_half(self):
        n = len(self.backup) // 2
        self.assertRefused(self.damaged_dir(lambda p: os.truncate(p, n)),
                           "damaged", "cut short")

    def test_truncated_to_8k(self):
        self.assertRefused(self.damaged_dir(lambda p: os.truncate(p, 8192)),
                           "damaged", "cut short")

    def test_empty_file_where_a_store_was(self):
        self.assertRefused(self.damaged_dir(lambda p: os.truncate(p, 0)),
                           "empty file", "store.id")

    def test_zeroed_pages(self):
        def zero(path):
            with open(path, "r+b") as f:
                f.seek(2 * 4096)
                f.write(bytes(4096 * (self.pages() // 2 - 2)))
        self.assertRefused(self.damaged_dir(zero), "damaged")

    def test_zeroed_meta_pages(self):
        def zero(path):
            with open(path, "r+b") as f:
                f.write(bytes(8192))
        self.assertRefused(self.damaged_dir(zero), "damaged", "meta page")

    def test_random_bytes_over_pages(self):
        for seed in range(6):
            rnd = random.Random(seed)

            def scribble(path):
                with open(path, "r+b") as f:
                    for pg in rnd.sample(range(2, self.pages()), 3):
                        f.seek(pg * 4096)
                        f.write(rnd.randbytes(4096))
            with self.subTest(seed=seed):
                self.assertRefused(self.damaged_dir(scribble), "damaged")


class Audit(Case):
    def referent_token(self, d):
        rid = self.referent(d)
        cid = d.post("/v1/candidates", person(referent_id=rid)).body["id"]
        r = d.post("/v1/tokens", {"role": "referent", "referent_id": rid,
                                  "subject": "n.benali"})
        self.assertEqual(r.status, 201, r)
        return cid, r.body["token"]

    def reads(self, d, path, token, n):
        c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=30)
        try:
            for _ in range(n):
                c.request("GET", path,
                          headers={"Authorization": "Bearer " + token})
                r = c.getresponse()
                r.read()
                self.assertEqual(r.status, 200)
        finally:
            c.close()

    def test_a_reader_is_recorded_once_a_day(self):
        d = self.daemon()
        cid, tok = self.referent_token(d)
        self.reads(d, "/v1/candidates/%d" % cid, tok, 1000)
        items = d.get("/v1/audit?candidate_id=%d" % cid).body["items"]
        self.assertEqual(len(items), 1, items[:3])
        self.assertEqual(items[0]["action"], "read")
        # The same day after a restart: still once.
        d.stop()
        d.start()
        self.reads(d, "/v1/candidates/%d" % cid, tok, 5)
        items = d.get("/v1/audit?candidate_id=%d" % cid).body["items"]
        self.assertEqual(len(items), 1, items)
        # Another day: once more.
        d.stop()
        d.env["IOD_TODAY"] = "2026-11-25"
        d.start()
        self.reads(d, "/v1/candidates/%d" % cid, tok, 5)
        items = d.get("/v1/audit?candidate_id=%d" % cid).body["items"]
        self.assertEqual(len(items), 2, items)

    def test_entries_past_the_retention_are_purged(self):
        d = self.daemon(conf={"audit_retention_days": 30})
        cid, tok = self.referent_token(d)
        self.reads(d, "/v1/candidates/%d" % cid, tok, 1)
        self.assertEqual(
            len(d.get("/v1/audit?candidate_id=%d" % cid).body["items"]), 1)
        d.stop()
        today = datetime.datetime.now(datetime.timezone.utc).date()
        d.env["IOD_TODAY"] = (today + datetime.timedelta(days=29)).isoformat()
        d.start()
        self.assertEqual(
            len(d.get("/v1/audit?candidate_id=%d" % cid).body["items"]), 1)
        d.stop()
        d.env["IOD_TODAY"] = (today + datetime.timedelta(days=32)).isoformat()
        d.start()
        end = time.monotonic() + 5
        while d.get("/v1/audit?candidate_id=%d" % cid).body["items"]:
            self.assertLess(time.monotonic(), end, "not purged")
            time.sleep(0.05)


if __name__ == "__main__":
    unittest.main()
