"""Pins the reference level: turns the reference server's answers where
the generated captures leave content unchecked (match="any") into exact
expectations (docs/captures.md, "The reference level").

    EAS_CAPTURES_UNPINNED=1 python3 tools/captures/generate_captures.py
    bazel run //tools/replay:replay_test -- --dump-unchecked /tmp/forward.jsonl
    bazel run //tools/replay:replay_test -- --dump-unchecked /tmp/reverse.jsonl --reverse
    python3 tools/captures/pin_reference.py /tmp/forward.jsonl /tmp/reverse.jsonl
    python3 tools/captures/generate_captures.py

(for new captures only: the two runs with -k and pin_reference.py --merge,
which keeps the pins of the captures the runs did not reach).

It writes tools/captures/reference_pins.json, which the generator reads.
Two runs in opposite orders are compared: a value that differs between
them (the time a message arrived, an id the server gave out in the order
it was asked) becomes a binding; an answer whose shape differs (a folder
holding what earlier captures of the same account left there) is not
pinned and stays match="any", listed with that reason. Review the capture
diffs the generator then writes like any change of expected behaviour.
"""

import argparse
import collections
import difflib
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

# Under `bazel run` the source tree, not the runfiles.
ROOT = os.environ.get("BUILD_WORKSPACE_DIRECTORY") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
PINS = os.path.join(ROOT, "tools", "captures", "reference_pins.json")

# Date and time forms a server writes with the current time in them:
# bound whole, so that a pinned value holds on another day too.
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z|\d{8}T\d{6}Z"
                       r"|(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct"
                       r"|Nov|Dec) \d{4} \d\d:\d\d:\d\d [+-]\d{4}")


def load(path):
    """(capture relative to captures/, exchange number, backend, expectation, index) -> element."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            capture = row["capture"].split(os.sep + "captures" + os.sep, 1)[-1]
            key = (capture, row["number"], row["backend"], row["expectation"], row["index"])
            # ElementTree wrote CR as it is; XML would read CR LF as LF.
            out[key] = ET.fromstring(row["xml"].replace("\r", "&#13;"))
    return out


def shape(e):
    return (e.tag, tuple(sorted(e.attrib.items())), tuple(shape(c) for c in e))


def template(a, b, names):
    """Text `a` with the parts where `b` differs as fresh bindings; None
    where no template covers both."""
    if a == b:
        return a
    sa, sb = re.split(r"(\s+)", a), re.split(r"(\s+)", b)
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, sa, sb, autojunk=False).get_opcodes():
        if op == "equal":
            out.append("".join(sa[i1:i2]))
        elif i1 == i2 or j1 == j2 or not "".join(sa[i1:i2]).strip() or not "".join(sb[j1:j2]).strip():
            return None
        else:
            out.append("{{%s}}" % names())
    return "".join(out)


def prefix(ns):
    return re.sub(r"[^a-z0-9]", "", ns.lower()) or "ns"


def split(tag):
    ns, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    return ns, local


def escape_text(text):
    # \r survives only as a character reference (XML reads CR LF as LF).
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;"))


def serialize(e, texts):
    """The element as capture XML: its own namespace as the default, the
    others with their names as prefixes; `texts` the (templated) text of
    each element in document order."""
    root_ns = split(e.tag)[0]
    used = sorted({split(x.tag)[0] for x in e.iter()} - {root_ns})
    it = iter(texts)

    def write(x, top):
        ns, local = split(x.tag)
        name = local if ns == root_ns else "%s:%s" % (prefix(ns), local)
        attrs = ""
        if top:
            attrs += ' xmlns="%s"' % root_ns + "".join(' xmlns:%s="%s"' % (prefix(n), n) for n in used)
            attrs += ' spec="any"'
        attrs += "".join(' %s="%s"' % (k, v.replace("&", "&amp;").replace('"', "&quot;"))
                         for k, v in sorted(x.attrib.items()))
        text = next(it)
        inner = escape_text(text) + "".join(write(c, False) for c in x)
        return "<%s%s>%s</%s>" % (name, attrs, inner, name) if inner else "<%s%s/>" % (name, attrs)

    return write(e, True)


def leaf_template(a, b, names):
    """Text `a` against `b` of the other run: the same text stays; a
    timestamp becomes a binding whole (so that it holds on another day too);
    other differing words become bindings. None where no template covers
    both."""
    if a == b:
        return a
    pa, pb = TIMESTAMP.split(a), TIMESTAMP.split(b)
    if len(pa) != len(pb):
        return template(a, b, names)
    pieces = []
    for k, (p, q) in enumerate(zip(pa, pb)):
        piece = template(p, q, names)
        if piece is None:
            return None
        pieces.append(piece)
        if k < len(pa) - 1:
            pieces.append("{{%s}}" % names())
    return "".join(pieces)


def pin(a, b, where):
    """The exact expectation for answers `a` and `b` of two runs, or the
    reason there is none; `where` makes its binding names unique in the
    capture."""
    if shape(a) != shape(b):
        return None, "the answer's shape depends on what other captures did first"
    counter = collections.Counter()
    texts = []
    for x, y in zip(a.iter(), b.iter()):
        local = split(x.tag)[1]

        def names(local=local):
            counter[local] += 1
            return "pinned:%s:%s:%d" % (where, local, counter[local])

        t = leaf_template((x.text or "").strip(), (y.text or "").strip(), names)
        if t is None:
            return None, "a value differs between the runs in a way no binding covers"
        texts.append(t)
    return serialize(a, texts), None


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("forward")
    parser.add_argument("reverse")
    parser.add_argument("--out", default=PINS)
    parser.add_argument("--merge", action="store_true",
                        help="keep the pins of captures the two runs did not reach (runs of some captures, -k)")
    args = parser.parse_args(argv)
    forward, reverse = load(args.forward), load(args.reverse)
    pins, unpinned = {}, collections.Counter()
    if args.merge and os.path.exists(args.out):
        with open(args.out, encoding="utf-8") as f:
            reached = {key[0] for key in forward} | {key[0] for key in reverse}
            pins = {c: p for c, p in json.load(f).items() if c not in reached}
    for key in sorted(forward):
        capture, number, backend, which, index = key
        if key not in reverse:
            unpinned["seen in one run only"] += 1
            continue
        xml, why = pin(forward[key], reverse[key], "%s.%s" % (number, index))
        if xml is None:
            unpinned[why] += 1
            continue
        pins.setdefault(capture, {}).setdefault(str(number), {}).setdefault(backend, {}).setdefault(
            which, {})[str(index)] = xml
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(pins, f, indent=1, sort_keys=True, ensure_ascii=False)
        f.write("\n")
    print("pinned %d answers in %d captures" % (sum(len(i) for c in pins.values() for n in c.values()
                                                   for b in n.values() for i in b.values()), len(pins)))
    for why, n in unpinned.most_common():
        print("not pinned: %d (%s)" % (n, why))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
