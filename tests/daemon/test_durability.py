"""What iod acknowledges survives: kill -9 in the middle of a bulk ingest,
a map that fills up, a clean stop; and the store is plain LMDB."""
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import unittest

from iodtest import Daemon, msgpack, stored_record
from test_api import CANDIDATE, REFERENT


def candidates(n, tag):
    return [dict(CANDIDATE, first_name="%s-%d" % (tag, i),
                 last_name="Nom%06d" % i) for i in range(n)]


class Durability(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="iodtest-")
        self.data = os.path.join(self.tmp, "data")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def daemon(self, *args):
        d = Daemon(data=self.data, args=args).start()
        self.addCleanup(d.stop, signal.SIGKILL)
        return d

    def all_candidates(self, d):
        out, cursor = {}, None
        while True:
            r = d.get("/v1/candidates?limit=1000" +
                      ("&cursor=" + cursor if cursor else ""))
            self.assertEqual(r.status, 200, r)
            for c in r.body["items"]:
                out[c["id"]] = c["first_name"]
            cursor = r.body["next_cursor"]
            if not cursor:
                return out

    def test_kill_9_during_bulk_ingest_loses_nothing_acknowledged(self):
        d = self.daemon()
        self.assertEqual(d.post("/v1/referents", REFERENT).status, 201)
        acked = {}
        lock = threading.Lock()
        stop = threading.Event()

        def writer(w):
            for b in range(200):
                if stop.is_set():
                    return
                items = candidates(50, "w%d-b%d" % (w, b))
                try:
                    r = d.post("/v1/candidates:batch", items)
                except OSError:
                    return  # the daemon died under us: not acknowledged
                if r.status != 200:
                    return
                with lock:
                    for x in r.body["created"]:
                        acked[x["id"]] = items[x["index"]]["first_name"]

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        # Kill once a good number of batches are acknowledged, mid-stream.
        while True:
            with lock:
                if len(acked) >= 2000:
                    break
            if not any(t.is_alive() for t in threads):
                break
            threading.Event().wait(0.01)
        d.stop(signal.SIGKILL)
        stop.set()
        for t in threads:
            t.join()
        self.assertGreaterEqual(len(acked), 2000)

        d2 = self.daemon()
        stored = self.all_candidates(d2)
        missing = [i for i in acked if stored.get(i) != acked[i]]
        self.assertEqual(missing, [], "acknowledged but lost")
        # And the store goes on working after the crash.
        r = d2.post("/v1/candidates", CANDIDATE)
        self.assertEqual(r.status, 201, r)
        self.assertNotIn(r.body["id"], acked)

    def test_kill_9_during_many_single_writes_loses_nothing_acknowledged(
            self):
        # Sixteen clients, one record a request, each waiting for its
        # reply: a turn gathers what arrives while it runs into its one
        # commit; whatever was acknowledged must be there after kill -9.
        d = self.daemon()
        self.assertEqual(d.post("/v1/referents", REFERENT).status, 201)
        acked = {}
        lock = threading.Lock()
        stop = threading.Event()

        def writer(w):
            for i in range(400):
                if stop.is_set():
                    return
                c = dict(CANDIDATE, first_name="s%d-%d" % (w, i),
                         last_name="Seul%06d" % i)
                try:
                    r = d.post("/v1/candidates", c)
                except OSError:
                    return  # the daemon died under us: not acknowledged
                if r.status != 201:
                    return
                with lock:
                    acked[r.body["id"]] = c["first_name"]

        threads = [threading.Thread(target=writer, args=(w,))
                   for w in range(16)]
        for t in threads:
            t.start()
        while True:
            with lock:
                if len(acked) >= 400:
                    break
            if not any(t.is_alive() for t in threads):
                break
            threading.Event().wait(0.005)
        d.stop(signal.SIGKILL)
        stop.set()
        for t in threads:
            t.join()
        self.assertGreaterEqual(len(acked), 400)
        stored = self.all_candidates(self.daemon())
        missing = [i for i in acked if stored.get(i) != acked[i]]
        self.assertEqual(missing, [], "acknowledged but lost")

    def test_full_map_grows_and_the_write_succeeds(self):
        d = self.daemon("--map-size", "1")
        self.assertEqual(d.post("/v1/referents", REFERENT).status, 201)
        ids = []
        for b in range(12):
            r = d.post("/v1/candidates:batch", candidates(500, "b%d" % b))
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.body["refused"], [])
            ids += [x["id"] for x in r.body["created"]]
        self.assertEqual(len(ids), 6000)
        self.assertEqual(len(self.all_candidates(d)), 6000)
        d.stop()
        out = subprocess.run(["mdb_stat", "-e", self.data],
                             capture_output=True, text=True, check=True).stdout
        mapsize = int(out.split("Map size:")[1].split()[0])
        self.assertGreater(mapsize, 1 << 20)
        # Reopened, everything is there.
        d2 = self.daemon()
        self.assertEqual(len(self.all_candidates(d2)), 6000)

    def test_store_is_plain_lmdb(self):
        d = self.daemon()
        self.assertEqual(d.post("/v1/referents", REFERENT).status, 201)
        self.assertEqual(d.post("/v1/candidates", CANDIDATE).status, 201)
        self.assertEqual(d.stop(), 0)  # SIGTERM: a clean stop
        out = subprocess.run(["mdb_stat", "-a", self.data],
                             capture_output=True, text=True, check=True).stdout
        for db in ("candidates", "referents", "events", "tokens", "index"):
            self.assertIn("Status of " + db, out)
        dump = subprocess.run(["mdb_dump", "-p", "-s", "candidates", self.data],
                              capture_output=True, text=True, check=True).stdout
        self.assertIn("Amina", dump)
        # Read with msgpack and docs/store-layout.txt alone.
        dump = subprocess.run(["mdb_dump", "-s", "candidates", self.data],
                              capture_output=True, text=True,
                              check=True).stdout.splitlines()
        raw = msgpack.unpackb(bytes.fromhex(
            dump[dump.index("HEADER=END") + 2].strip()), raw=False)
        self.assertIsInstance(raw, list)
        rec = stored_record("candidates", raw)
        self.assertEqual(rec["first_name"], CANDIDATE["first_name"])
        self.assertEqual(rec["commune"], CANDIDATE["commune"])
        self.assertEqual(rec["mobility"]["zone"],
                         CANDIDATE["mobility"]["zone"])


if __name__ == "__main__":
    unittest.main()
