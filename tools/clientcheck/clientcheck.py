"""Checks EAS client sessions against the specifications' client rules
(docs/vendor-guide.md): each capture given is read as the session of its
device, and every rule says pass, fail or not exercised.

    bazel run //tools/clientcheck -- CAPTURE... [--html FILE] [--junit FILE]
    bazel run //tools/clientcheck -- --live RECORD-DIR CONTEXT/LOGIN DEVICEID
    bazel run //tools/clientcheck -- --rules [--markdown]

--live judges the device's newest session recorded by the server (its
--record-dir, docs/captures.md "Recorded captures"): the verdict so far,
since the file is a whole capture after every exchange.

Exit status 1 when any rule fails in any session.
"""

import argparse
import glob
import os
import re
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
    parser.add_argument("--markdown", action="store_true", help="with --rules: as the table of docs/vendor-guide.md")
    parser.add_argument("--live", nargs=3, metavar=("RECORD_DIR", "CONTEXT/LOGIN", "DEVICEID"),
                        help="the device's newest recorded session")
    args = parser.parse_args(argv)
    if args.rules and args.markdown:
        print(rules_table())
        return 0
    if args.rules:
        for r in rules.RULES:
            print("%-26s %-10s %-24s %s" % (r.id, r.area, r.source, r.title))
        return 0
    base = os.environ.get("BUILD_WORKING_DIRECTORY", "")
    if args.live:
        newest = newest_recording(os.path.join(base, args.live[0]), args.live[1], args.live[2])
        if newest is None:
            print("no recorded session of %s %s in %s" % (args.live[1], args.live[2], args.live[0]), file=sys.stderr)
            return 2
        print("session so far: %s" % newest)
        args.captures.append(newest)
    if not args.captures:
        parser.error("name at least one capture (or --rules, or --live)")
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


def rules_table():
    """The rules as the Markdown table docs/vendor-guide.md shows."""
    lines = ["| rule | area | source | what it checks |", "|---|---|---|---|"]
    lines += ["| `%s` | %s | %s | %s |" % (r.id, r.area, r.source, r.title) for r in rules.RULES]
    return "\n".join(lines)


def file_name_part(text, limit=40):
    """The recorder's own making of a file name part (session_recorder.h):
    letters, digits, '-' and '_' kept, anything else '_'."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", text)[:limit] or "_"


def newest_recording(record_dir, account, device_id):
    """The newest capture the server recorded of this device, or None."""
    login = account.split("/", 1)[-1]
    pattern = os.path.join(record_dir, "%s-*-%s-*.xml" % (file_name_part(login), file_name_part(device_id)))
    files = glob.glob(pattern)
    return max(files, key=os.path.getmtime) if files else None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
