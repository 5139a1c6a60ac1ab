"""The event log as stored: each event a short msgpack array (profiles/
event.c), and a log written before, one msgpack map an event, served the
same after a restart: /v1/events in JSON and msgpack, the event stream, a
candidate's export and a proposal's replay, byte for byte; an erasure clears the free text from
such an event too, and writes it back as an array."""
import subprocess
import unittest

from iodtest import DaemonCase, msgpack
from test_notify import NotifyCase, Stream
from test_matcher import OFFER

MP = {"Accept": "application/msgpack"}
OLD_KEYS = ("seq", "type", "entity", "id", "actor", "at", "data")


class EventStore(NotifyCase):
    def dump(self):
        """[(key line, value)] of the events database, and its header."""
        out = subprocess.run(["mdb_dump", "-s", "events", self.d.data],
                             check=True, capture_output=True,
                             text=True).stdout.splitlines()
        end = out.index("HEADER=END")
        rows = out[end + 1:out.index("DATA=END")]
        head = [x for x in out[:end + 1] if not x.startswith("db_pagesize")]
        return head, [(rows[i].strip(), msgpack.unpackb(
            bytes.fromhex(rows[i + 1].strip()), raw=False))
            for i in range(0, len(rows), 2)]

    def load(self, head, rows):
        """Put rows [(key line, value)] back, each value packed as is."""
        lines = []
        for key, value in rows:
            lines += [" " + key,
                      " " + msgpack.packb(value, use_bin_type=True).hex()]
        subprocess.run(["mdb_load", "-s", "events", self.d.data],
                       input="\n".join(head + lines + ["DATA=END"]) + "\n",
                       check=True, text=True)

    def seen(self, cid, n):
        """Everything that reads the first n events, as a client gets it
        (the daemon may append more at its start: the day's follow-ups)."""
        log = self.d.get("/v1/events?limit=%d" % n)
        mp = self.d.get("/v1/events?limit=%d" % n, headers=MP)
        export = self.d.get("/v1/candidates/%d/export" % cid)
        for r in (log, mp, export):
            self.assertEqual(r.status, 200, r)
        s = Stream(self.d, after=0)
        try:
            stream = s.take(n)
        finally:
            s.close()
        mine = [e for e in export.body["events"] if e["seq"] <= n]
        replay = self.d.get("/v1/proposals/1/replay")
        self.assertEqual(replay.status, 200, replay)
        self.assertEqual(replay.body["differences"], [])
        return {"log": log.raw[:log.raw.index(b'],"next_cursor"')],
                "replay": replay.raw,
                "mp": msgpack.unpackb(mp.raw, raw=False)["items"],
                "export events": mine, "stream": stream}

    def test_map_events_read_as_before_after_a_restart(self):
        cid = self.candidate("Awa")
        oid = self.d.post("/v1/offers", dict(OFFER, owner="cm-martin")
                          ).body["id"]
        self.assertEqual(self.d.post("/v1/offers/%d/interests" % oid, {
            "candidate_id": cid, "on": "2026-11-20"}).status, 201)
        self.hire()
        pl = [e["id"] for e in self.log() if e["type"] == "placement.created"]
        self.assertEqual(self.d.post("/v1/placements/%d/end" % pl[0], {
            "on": "2026-11-20", "reason": "démission, suivi RSA"}).status,
            200)
        items = self.log()
        types = {e["type"] for e in items}
        self.assertTrue({"candidate.created", "interest.created",
                         "proposal.hired", "placement.ended"} <= types, types)
        self.assertIn("suivi RSA", self.d.get("/v1/events?limit=1000").raw
                      .decode())
        before = self.seen(cid, len(items))
        self.assertEqual(self.d.stop(), 0)

        # Stored: [1, type index, id, actor, at, (entity,) data].
        head, rows = self.dump()
        by_seq = {e["seq"]: e for e in items}
        self.assertEqual(len(rows), len(items))
        self.assertEqual(max(by_seq), len(items))
        old_rows = []
        for key, value in rows:
            ev = by_seq[int(key, 16)]
            self.assertIsInstance(value, list)
            self.assertEqual(value[0], 1)
            self.assertIsInstance(value[1], int)
            self.assertEqual(value[2:5], [ev["id"], ev["actor"], ev["at"]])
            self.assertEqual(value[-1], ev["data"])
            if ev["type"].startswith("interest."):
                self.assertEqual(value[5], "offer")
            else:
                self.assertEqual(len(value), 6)
            # The map a store written before holds, in its writer's order.
            old = {k: ev[k] for k in OLD_KEYS}
            self.assertLess(len(msgpack.packb(value)),
                            len(msgpack.packb(old)) - 40)
            old_rows.append((key, old))
        self.load(head, old_rows)
        self.assertTrue(all(isinstance(v, dict) for _, v in self.dump()[1]))

        self.d.start()
        after = self.seen(cid, len(items))
        for what in before:
            self.assertEqual(after[what], before[what], what)

        # An event appended now is an array beside the maps; an erasure
        # clears the note of a map event and writes it back as an array.
        self.assertEqual(self.d.delete("/v1/candidates/%d" % cid).status,
                         204)
        log = self.d.get("/v1/events?limit=1000")
        self.assertNotIn("suivi RSA", log.raw.decode())
        ended = [e for e in log.body["items"]
                 if e["type"] == "placement.ended"]
        self.assertEqual(len(ended), 1)
        self.assertNotIn("end_reason", ended[0]["data"])
        self.assertEqual(ended[0]["data"]["ended_on"], "2026-11-20")
        self.assertEqual(self.d.stop(), 0)
        stored = dict(self.dump()[1])
        for e in log.body["items"]:
            v = stored["%016x" % e["seq"]]
            changed = e["seq"] not in by_seq or e != by_seq[e["seq"]]
            self.assertEqual(isinstance(v, list), changed, e)
        self.d.start()


if __name__ == "__main__":
    unittest.main()
