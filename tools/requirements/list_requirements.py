"""Lists what the conformance tests and the captures verify, joined by
requirement: a Microsoft requirement ID ("MS-ASPROV_R394") or a
specification section ("MS-ASHTTP 2.2.1.1.1.1"), one spelling for both
(requirement.py).

Conformance tests: the Verifies({...}) tags inside each TEST_F / TEST of
conformance/*_test.cc. Captures: the <verifies><rule .../></verifies> of
each captures/*/*.xml (docs/captures.md).

    bazel run //tools/requirements:list_requirements [-- --untagged | --json]
"""

import argparse
import glob
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import requirement  # noqa: E402

TEST_RE = re.compile(r"^TEST(?:_F|_P)?\(\s*(\w+)\s*,\s*(\w+)\s*\)", re.M)
VERIFIES_RE = re.compile(r"Verifies\(\{(.*?)\}\)", re.S)
STRING_RE = re.compile(r'"((?:[^"\\]|\\.)*)"')


def find_root():
    here = os.path.dirname(os.path.abspath(__file__))
    while here != os.path.dirname(here):
        if os.path.isdir(os.path.join(here, "conformance")):
            return here
        here = os.path.dirname(here)
    raise SystemExit("cannot find the conformance/ directory")


def collect(root):
    """{test name: [tags as written]} for every test in conformance/*_test.cc."""
    tests = {}
    for path in sorted(glob.glob(os.path.join(root, "conformance", "*_test.cc"))):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        starts = list(TEST_RE.finditer(text))
        for i, m in enumerate(starts):
            end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
            body = text[m.end():end]
            ids = []
            for v in VERIFIES_RE.finditer(body):
                ids.extend(STRING_RE.findall(v.group(1)))
            tests["%s.%s" % (m.group(1), m.group(2))] = ids
    return tests


def collect_captures(root):
    """{family/file: [keys]} for every capture."""
    captures = {}
    for path in sorted(glob.glob(os.path.join(root, "captures", "*", "*.xml"))):
        verifies = ET.parse(path).getroot().find("verifies")
        rules = verifies.findall("rule") if verifies is not None else []
        name = os.path.relpath(path, os.path.join(root, "captures"))
        captures[name] = [requirement.from_rule(r)[0] for r in rules]
    return captures


def by_id(tests, captures=None):
    """{key: {"tests": [...], "captures": [...]}}, keys in one spelling."""
    index = {}
    for test, tags in tests.items():
        for tag in tags:
            key, _ = requirement.parse(tag)
            index.setdefault(key, {"tests": [], "captures": []})["tests"].append(test)
    for name, keys in (captures or {}).items():
        for key in keys:
            index.setdefault(key, {"tests": [], "captures": []})["captures"].append(name)
    return dict(sorted(index.items()))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--untagged", action="store_true", help="list tests and captures without a tag")
    parser.add_argument("--json", action="store_true", help='print {key: {"tests": [...], "captures": [...]}}')
    args = parser.parse_args(argv)
    root = os.environ.get("BUILD_WORKSPACE_DIRECTORY") or find_root()
    tests, captures = collect(root), collect_captures(root)
    if args.untagged:
        untagged = [t for t, ids in tests.items() if not ids] + [c for c, keys in captures.items() if not keys]
        print("\n".join(untagged))
        return 1 if untagged else 0
    index = by_id(tests, captures)
    if args.json:
        print(json.dumps(index, indent=2))
        return 0
    for key, where in index.items():
        print("%-32s %3d tests %3d captures  %s" % (key, len(where["tests"]), len(where["captures"]),
                                                  ", ".join(where["tests"][:4])))
    specs = {}
    for key in index:
        specs[requirement.spec_of(key)] = specs.get(requirement.spec_of(key), 0) + 1
    both = sum(1 for w in index.values() if w["tests"] and w["captures"])
    print("\n%d requirement IDs and sections over %d tests and %d captures (%d checked by both): %s" % (
        len(index), len(tests), len(captures), both, ", ".join("%s %d" % kv for kv in sorted(specs.items()))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
