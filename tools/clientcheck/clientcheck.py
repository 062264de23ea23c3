"""Checks EAS client sessions against the specifications' client rules
(docs/vendor-guide.md): each capture given is read as the session of its
device, and every rule says pass, fail or not exercised.

    bazel run //tools/clientcheck -- CAPTURE... [--html FILE] [--junit FILE]

Exit status 1 when any rule fails in any session.
"""

import argparse
import os
import sys

import report
import rules
import session as sessions


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("captures", nargs="*", help="capture files (docs/captures.md)")
    parser.add_argument("--html", help="write the HTML report here")
    parser.add_argument("--junit", help="write JUnit XML here")
    parser.add_argument("--rules", action="store_true", help="list the rules and their sources, then stop")
    args = parser.parse_args(argv)
    if args.rules:
        for r in rules.RULES:
            print("%-26s %-10s %-24s %s" % (r.id, r.area, r.source, r.title))
        return 0
    if not args.captures:
        parser.error("name at least one capture (or --rules)")
    base = os.environ.get("BUILD_WORKING_DIRECTORY", "")
    checked = []
    for path in args.captures:
        s = sessions.from_capture(os.path.join(base, path))
        verdicts = rules.check(s)
        checked.append((s, verdicts))
        print(report.text(s, verdicts))
    for path, write in ((args.html, report.page), (args.junit, report.junit)):
        if path:
            with open(os.path.join(base, path), "w", encoding="utf-8") as f:
                f.write(write(checked))
    return 1 if any(v.failures for _, verdicts in checked for v in verdicts) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
