"""Lists what the conformance tests verify.

Reads conformance/*_test.cc, finds each TEST_F / TEST and the Verifies({...})
tags inside it (Microsoft requirement IDs such as "MS-ASPROV_R394", or
specification sections such as "MS-ASHTTP 2.2.1.1.1.1"), and prints either a
table by ID (default) or, with --untagged, the tests that carry no tag.

    bazel run //tools/requirements:list_requirements [-- --untagged | --json]
"""

import argparse
import glob
import json
import os
import re
import sys

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
    """{test name: [ids]} for every test in conformance/*_test.cc."""
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


def by_id(tests):
    index = {}
    for test, ids in tests.items():
        for i in ids:
            index.setdefault(i, []).append(test)
    return dict(sorted(index.items()))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--untagged", action="store_true", help="list tests without a tag")
    parser.add_argument("--json", action="store_true", help="print {id: [tests]} as JSON")
    args = parser.parse_args(argv)
    root = os.environ.get("BUILD_WORKSPACE_DIRECTORY") or find_root()
    tests = collect(root)
    if args.untagged:
        untagged = [t for t, ids in tests.items() if not ids]
        print("\n".join(untagged))
        return 1 if untagged else 0
    index = by_id(tests)
    if args.json:
        print(json.dumps(index, indent=2))
        return 0
    for requirement, names in index.items():
        print("%-48s %s" % (requirement, ", ".join(names)))
    specs = {}
    for requirement in index:
        spec = re.split(r"[_ ]", requirement, 1)[0]
        specs[spec] = specs.get(spec, 0) + 1
    print("\n%d requirement IDs and sections over %d tests: %s" % (
        len(index), len(tests), ", ".join("%s %d" % kv for kv in sorted(specs.items()))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
