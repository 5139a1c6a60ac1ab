"""Batch ingest as a client sees it: the reply's exact text, ids that
follow one another across batches, refusals and single creates, the
referent's list of candidates right after batches sent at once on several
connections (and after a kill -9), and JSON items cut where they end
whatever their strings hold."""
import json
import random
import signal
import threading
import unittest

from iodtest import DaemonCase, msgpack
from test_api import CANDIDATE, REFERENT

NREFS = 5


def person(name, ref):
    return dict(CANDIDATE, first_name=name, referent_id=ref)


class Ingest(DaemonCase):
    def setUp(self):
        super().setUp()
        self.tokens = {}
        for i in range(NREFS):
            r = self.d.post("/v1/referents", dict(REFERENT, name="R%d" % i))
            self.assertEqual((r.status, r.body["id"]), (201, i + 1), r)

    def names(self, ids):
        return [self.d.get("/v1/candidates/%d" % i).body["first_name"]
                for i in ids]

    def listed(self, ref):
        """The référent's candidates as the référent sees them (through
        the index of theirs) and as the admin filters them."""
        if ref not in self.tokens:
            r = self.d.post("/v1/tokens", {"role": "referent",
                                           "referent_id": ref,
                                           "subject": "ref%d" % ref})
            self.assertEqual(r.status, 201, r)
            self.tokens[ref] = r.body["token"]
        seen = []
        for q, tok in (("", self.tokens[ref]),
                       ("&referent_id=%d" % ref, None)):
            kw = {"token": tok} if tok else {}
            r = self.d.get("/v1/candidates?limit=1000" + q, **kw)
            self.assertEqual(r.status, 200, r)
            self.assertIsNone(r.body.get("next_cursor"), r.status)
            seen.append([c["id"] for c in r.body["items"]])
        self.assertEqual(seen[0], seen[1])
        return seen[0]

    def test_json_reply_is_compact_text(self):
        r = self.d.post("/v1/candidates:batch",
                        [person("A%d" % i, 1) for i in range(3)])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers["Content-Type"],
                         "application/json; charset=utf-8")
        self.assertEqual(r.raw, b'{"created":[{"index":0,"id":1},'
                         b'{"index":1,"id":2},{"index":2,"id":3}],'
                         b'"refused":[]}\n')
        r = self.d.post("/v1/candidates:batch", [])
        self.assertEqual(r.raw, b'{"created":[],"refused":[]}\n')

    def test_ids_follow_across_batches_and_refusals(self):
        r = self.d.post("/v1/candidates:batch",
                        [person("A%d" % i, 1) for i in range(3)])
        self.assertEqual([x["id"] for x in r.body["created"]], [1, 2, 3])
        # A refused item takes no id; neither does a batch refused whole.
        r = self.d.post("/v1/candidates:batch", [
            person("B0", 2), person("B1", 42), person("B2", 3)])
        self.assertEqual(r.status, 200, r)
        self.assertEqual([(x["index"], x["id"]) for x in r.body["created"]],
                         [(0, 4), (2, 5)])
        self.assertEqual([(x["index"], x["error"]["field"])
                          for x in r.body["refused"]], [(1, "referent_id")])
        self.assertEqual(self.d.post("/v1/candidates:batch",
                                     person("X", 1)).status, 400)
        r = self.d.post("/v1/candidates", person("C", 4))
        self.assertEqual((r.status, r.body["id"]), (201, 6), r)
        if msgpack is not None:
            r = self.d.post("/v1/candidates:batch",
                            [person("D0", 5), person("D1", 5)], mp=True)
            self.assertEqual([x["id"] for x in r.body["created"]], [7, 8])
            self.assertEqual(r.body["refused"], [])
        self.assertEqual(self.names([1, 4, 5, 6]), ["A0", "B0", "B2", "C"])

    def test_referent_lists_after_concurrent_batches(self):
        rng = random.Random(7)
        bodies = [[person("W%d-%d" % (b, i), rng.randint(1, NREFS))
                   for i in range(300)] for b in range(8)]
        created = {}
        errors = []
        lock = threading.Lock()

        def send(b):
            mp = msgpack is not None and b % 2 == 1
            r = self.d.post("/v1/candidates:batch", bodies[b], mp=mp)
            with lock:
                if r.status != 200 or r.body["refused"]:
                    errors.append(r)
                for x in r.body["created"]:
                    created[x["id"]] = bodies[b][x["index"]]

        threads = [threading.Thread(target=send, args=(b,))
                   for b in range(len(bodies))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(sorted(created), list(range(1, 2401)))
        want = {ref: sorted(i for i, c in created.items()
                            if c["referent_id"] == ref)
                for ref in range(1, NREFS + 1)}
        for ref in want:
            self.assertEqual(self.listed(ref), want[ref])
        got = self.d.get("/v1/candidates/%d" % 1234).body
        self.assertEqual(got["first_name"], created[1234]["first_name"])
        # What was acknowledged is there after a kill -9, lists included.
        self.d.stop(signal.SIGKILL)
        self.d.start()
        for ref in want:
            self.assertEqual(self.listed(ref), want[ref])
        self.assertError(self.d.delete("/v1/referents/%d" % 3), 409,
                         code="has_candidates")
        r = self.d.post("/v1/candidates:batch", [person("Z", 2)])
        self.assertEqual(r.body["created"], [{"index": 0, "id": 2401}])
        self.assertEqual(self.listed(2), want[2] + [2401])

    def test_json_items_cut_where_they_end(self):
        tricky = ['a]b,c', 'q"uote', 'back\\slash', '{brace}', '[x]',
                  'caf\u00e9 \U0001f600', 'tab\there']
        items = [json.dumps(person(n, 1), ensure_ascii=(i % 2 == 0))
                 for i, n in enumerate(tricky)]
        # A malformed item among them is refused alone, in its place.
        items.insert(3, '{"first_name": "M", "last_name": }')
        body = "[\n  " + " ,\n\t".join(items) + "\r\n]"
        r = self.d.post("/v1/candidates:batch", raw=body.encode(),
                        ctype="application/json")
        self.assertEqual(r.status, 200, r)
        self.assertEqual([x["index"] for x in r.body["refused"]], [3])
        self.assertEqual(r.body["refused"][0]["error"]["code"],
                         "bad_json")
        self.assertEqual([x["index"] for x in r.body["created"]],
                         [0, 1, 2, 4, 5, 6, 7])
        self.assertEqual(self.names([x["id"] for x in r.body["created"]]),
                         tricky)

    def test_item_values_limit_is_the_same_every_way(self):
        """An item of more than 1,024 values (keys, values and itself) is
        refused undecoded, whichever way the item is read: JSON cut and
        rewritten in one pass, JSON left to jansson (a real number), or
        msgpack.  1,021 elements and the map, its key and the array make
        1,024."""
        ways = [(False, 0), (False, 0.5)] + ([(True, 0)] if msgpack else [])
        for mp, v in ways:
            items = [{"rome": [v] * 1021}, {"rome": [v] * 1022},
                     {"first_name": "a,b:c[d]{e}", "rome": [v] * 1018}]
            r = self.d.post("/v1/candidates:batch", items, mp=mp)
            self.assertEqual(r.status, 200, r)
            codes = [x["error"]["code"] for x in r.body["refused"]]
            self.assertEqual([x["index"] for x in r.body["refused"]],
                             [0, 1, 2], (mp, v))
            self.assertNotEqual(codes[0], "item_too_large", (mp, v))
            self.assertEqual(codes[1], "item_too_large", (mp, v))
            self.assertNotEqual(codes[2], "item_too_large", (mp, v))
        self.assertEqual(self.d.get("/v1/candidates").body["items"], [])


if __name__ == "__main__":
    unittest.main()
