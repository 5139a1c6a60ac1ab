"""Check that the layers hold, by includes and calls.

profiles/ and rules/ include nothing from matcher/; matcher/engine/
includes no libevent, no jansson, nothing above it, and calls none of the
store's write functions; matcher/domain/ includes no libevent and nothing
from the daemon, and names no HTTP status; matcher/ctl/ includes nothing
from the daemon.  No source file is over 800 lines.  Prints each breach
and exits 1 if there is one.
"""
import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_LINES = 800

UPPER = {"engine.h", "domain.h", "daemon.h", "ctl.h", "conf.h"}
STORE_WRITES = re.compile(r"\bstore_(put|put_id|put_rec|del|del_id|"
                          r"next_id|commit|grow|compact)\s*\(")
HTTP_WORDS = re.compile(r"\b(http_[a-z_]+|evhttp[a-z_]*|evbuffer[a-z_]*|"
                        r"reqctx)\b")
HTTP_STATUS = re.compile(r"\b(200|201|204|400|401|403|404|405|409|410|413|"
                         r"415|429|431|500|501|503|507)\b")


def code_only(text):
    """The text without comments and string literals (kept as "")."""
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"),
                  text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r'"(\\.|[^"\\\n])*"', '""', text)


def includes(text):
    return re.findall(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', text, re.M)


def main():
    bad = []

    def breach(path, what):
        bad.append("%s: %s" % (os.path.relpath(path, ROOT), what))

    layers = {
        "profiles": glob.glob(os.path.join(ROOT, "profiles", "*.[ch]")),
        "rules": glob.glob(os.path.join(ROOT, "rules", "*.[ch]")),
        "engine": glob.glob(os.path.join(ROOT, "matcher", "engine", "*.[ch]")),
        "domain": glob.glob(os.path.join(ROOT, "matcher", "domain", "*.[ch]")),
        "daemon": glob.glob(os.path.join(ROOT, "matcher", "daemon", "*.[ch]")),
        "ctl": glob.glob(os.path.join(ROOT, "matcher", "ctl", "*.[ch]")),
    }
    stray = [p for p in glob.glob(os.path.join(ROOT, "matcher", "*.[ch]"))]
    for p in stray:
        breach(p, "a source file outside the layers' folders")
    for layer, paths in layers.items():
        for path in sorted(paths):
            text = open(path, encoding="utf-8").read()
            nlines = text.count("\n")
            if nlines > MAX_LINES:
                breach(path, "%d lines (at most %d)" % (nlines, MAX_LINES))
            inc = includes(text)
            code = code_only(text)
            if layer in ("profiles", "rules"):
                for h in inc:
                    if h in UPPER or h.startswith("event2/"):
                        breach(path, "includes %s" % h)
            elif layer == "engine":
                for h in inc:
                    if h.startswith("event2/") or h == "jansson.h" or \
                            h in UPPER - {"engine.h"}:
                        breach(path, "includes %s" % h)
                for m in STORE_WRITES.finditer(code):
                    breach(path, "calls %s" % m.group(0).rstrip("( "))
            elif layer == "domain":
                for h in inc:
                    if h.startswith("event2/") or h in {"daemon.h", "conf.h",
                                                       "ctl.h"}:
                        breach(path, "includes %s" % h)
                for m in HTTP_WORDS.finditer(code):
                    breach(path, "names %s" % m.group(0))
                for m in HTTP_STATUS.finditer(code):
                    line = code.count("\n", 0, m.start()) + 1
                    breach(path, "line %d: an HTTP status (%s)" %
                           (line, m.group(0)))
            elif layer == "ctl":
                for h in inc:
                    if h in {"daemon.h", "conf.h", "domain.h", "engine.h"}:
                        breach(path, "includes %s" % h)
    for line in bad:
        print(line)
    print("layers: %d breach%s" % (len(bad), "" if len(bad) == 1 else "es"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
