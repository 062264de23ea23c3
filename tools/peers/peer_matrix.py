"""The conformance matrix of an open EAS server: starts SOGo from Debian
(tools/peers/sogo_peer.py: its own PostgreSQL, memcached, Dovecot and an
SMTP sink, all on loopback), replays the whole capture corpus against it at
the spec level (tools/replay, docs/captures.md) with two of its accounts,
and writes docs/peer-matrix.md: scenario by family, every deviation with
the rules of its capture and the command that reproduces it.

    sudo bazel run //tools/peers:peer_matrix                 # writes docs/peer-matrix.md
    sudo bazel run //tools/peers:peer_matrix -- -k push-ping # a part, printed only

Needs root (SOGo's services run as their own users) and installs the Debian
packages when they are missing; not part of CI. Everything it starts is
stopped by PID when it ends, also on SIGINT/SIGTERM.
"""

import argparse
import datetime
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile

import deviations

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
REPLAY = os.path.join(HERE, "..", "replay", "replay_test.py")
MARK = {"passed": "pass", "failed": "**FAIL**", "skipped": "skip"}


def sogo_version():
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "sogo"], capture_output=True, text=True)
    return out.stdout.strip() or "unknown"


FAMILIES = ["android-1.5-g1", "android-native", "blackberry-8100-astrasync", "iphone", "nokia-s60-mfe",
            "windows-mobile-6"]


def replay_command(sogo, pair, filter_expr, json_path, html_path):
    from sogo_peer import PASSWORD
    url = "http://127.0.0.1:%d%s" % (sogo.port, sogo.PATH)
    main, second = sogo.logins[2 * pair], sogo.logins[2 * pair + 1]
    args = [sys.executable, REPLAY, "--server", url, "--user", main, "--password", PASSWORD,
            "--email", "%s@example.com" % main, "--second-user", second, "--second-password", PASSWORD,
            "--second-email", "%s@example.com" % second, "--level", "spec", "--seed",
            "--json-report", json_path, "--html-report", html_path, "-q"]
    if filter_expr:
        args += ["-k", filter_expr]
    return args


def run_replay(sogo, filter_expr, work):
    """One replay per device family at once, each with its own two accounts
    (mail one capture waits for must not land in another's inbox), each
    writing its results into `work`. A Ping that SOGo holds for its whole
    interval takes minutes; the families wait side by side."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EAS_REPLAY_")}
    env.pop("TEST_UNDECLARED_OUTPUTS_DIR", None)
    runs = []
    for pair, family in enumerate(FAMILIES):
        expr = "%s and (%s)" % (family, filter_expr) if filter_expr else family
        json_path = os.path.join(work, "%s.json" % family)
        log = open(os.path.join(work, "%s.log" % family), "w")
        proc = subprocess.Popen(replay_command(sogo, pair, expr, json_path, os.path.join(work, "%s.html" % family)),
                                env=env, cwd=os.path.join(HERE, "..", ".."), stdout=log, stderr=subprocess.STDOUT)
        runs.append((proc, log))
    try:
        for proc, log in runs:
            proc.wait()
            log.close()
    finally:
        for proc, _ in runs:
            if proc.poll() is None:
                proc.terminate()
                proc.wait()


def first_lines(errors, limit=3):
    """A difference's own lines, without the body dump that follows them."""
    out = []
    for e in errors:
        if e.startswith("actual body:"):
            break
        out.append(e.replace("|", "\\|").replace("\n", " "))
    return out[:limit]


def verdict(deviation):
    if deviation is None:
        return "**(not classified)**"
    if deviation.follows:
        return "(follows from `%s`)" % deviation.follows
    return "(deviation `%s`: %s)" % (deviation.key, deviation.rule)


def deviation_table(classified):
    """Every deviation the run showed, with its rule, what the server did
    and the captures where it showed; and the differences nothing explains.
    `classified`: (result, its classify_result) of each failed capture."""
    seen, unclassified, total = {}, 0, 0
    for r, verdicts in classified:
        for deviation, _ in verdicts:
            total += 1
            if deviation is None:
                unclassified += 1
            else:
                seen.setdefault(deviation.key, set()).add(r["path"])
    out = ["", "## Deviations by rule", "",
           "%d differences in the failing captures: %d explained by a deviation below (named, or following from "
           "an earlier one in the same capture), %d not classified. A difference is classified only after the "
           "section it names was read against SOGo's answer; an answer the specifications allow is an `<allow>` "
           "in the capture instead, and then passes." % (total, total - unclassified, unclassified), "",
           "| deviation | rule | what SOGo does | captures |", "|---|---|---|---|"]
    for d in deviations.KNOWN:
        if d.key in seen:
            what = d.what + (" (follows from `%s`)" % d.follows if d.follows else "")
            out.append("| `%s` | %s | %s | %d |" % (d.key, d.rule, what.replace("|", "\\|"), len(seen[d.key])))
    return out


def markdown(results, version, command, ran=None):
    families = sorted({r["family"] for r in results})
    scenarios = sorted({r["scenario"] for r in results})
    cells = {}
    for r in results:
        cells.setdefault((r["scenario"], r["family"]), []).append(r)
    counts = {k: sum(1 for r in results if r["outcome"] == k) for k in MARK}
    out = ["# Conformance matrix: SOGo %s" % version, "",
           "Written by `tools/peers/peer_matrix.py` on %s%s: the capture corpus replayed at the spec level "
           "(docs/captures.md) against SOGo from Debian with its ActiveSync module, its own Dovecot and an SMTP "
           "sink that delivers into it. Regenerate with:"
           % (datetime.date.today().isoformat(), " from the results of the run of %s" % ran if ran else ""), "",
           "    " + command, "",
           "%d captures: %d pass, %d fail, %d skipped." % (len(results), counts["passed"], counts["failed"],
                                                           counts["skipped"]), "",
           "A failing capture lists every difference it found: the replay goes on after the first while the values "
           "later requests need are there. A skip is a capture the server cannot run as given (its protocol version "
           "is not offered, it needs an administrator's action, or data a replay cannot make), with that reason. "
           "Z-Push has no column: it is not in Debian, and no run of it was made.", "",
           "## Scenario by family", "",
           "| scenario | " + " | ".join(families) + " |",
           "|---|" + "---|" * len(families)]
    for s in scenarios:
        row = []
        for f in families:
            entries = cells.get((s, f), [])
            row.append(" ".join(MARK[e["outcome"]] for e in entries) or "")
        out.append("| %s | %s |" % (s, " | ".join(row)))
    classified = [(r, deviations.classify_result(r)) for r in results if r["outcome"] == "failed"]
    out += deviation_table(classified)
    out += ["", "## Differences", "",
            "Each failing capture: the rules it verifies, the exchanges that differ (first lines), what each "
            "difference is by the specifications (tools/peers/deviations.py), and how to run the capture alone.", ""]
    for r, verdicts in classified:
        stem = os.path.splitext(os.path.basename(r["path"]))[0]
        out.append("### %s" % r["path"])
        out.append("")
        out.append("Rules: %s" % (", ".join(r.get("rules", [])) or "none"))
        out.append("")
        for deviation, d in verdicts:
            if d is not None:
                line = "exchange %d (%s): %s" % (d["number"], d["note"] or d["method"],
                                                 "; ".join(first_lines(d["errors"])))
            else:
                line = (r["message"] or "").split("\n")[0].replace("|", "\\|")
            out.append("- %s %s" % (line, verdict(deviation)))
        out.append("")
        out.append("    sudo bazel run //tools/peers:peer_matrix -- -k %s" % stem)
        out.append("")
    reasons = {}
    for r in results:
        if r["outcome"] == "skipped":
            reasons[r["message"]] = reasons.get(r["message"], 0) + 1
    out += ["## Skipped", "", "| reason | captures |", "|---|---|"]
    out += ["| %s | %d |" % (reason.replace("|", "\\|"), n) for reason, n in sorted(reasons.items())]
    allowed = {}
    for r in results:
        for a in r.get("allowed", []):
            allowed[a["rule"]] = allowed.get(a["rule"], 0) + 1
    out += ["", "## Alternatives the specifications allow, as SOGo took them", "",
            "| rule | exchanges |", "|---|---|"]
    out += ["| %s | %d |" % (rule, n) for rule, n in sorted(allowed.items())]
    return "\n".join(out) + "\n"


def read_results(work):
    """Every family's results of a run in `work` (a peer-matrix-* directory)."""
    results = []
    for family in FAMILIES:
        path = os.path.join(work, "%s.json" % family)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                results += json.load(f)
    return results


def default_page():
    root = os.environ.get("BUILD_WORKSPACE_DIRECTORY") or os.path.join(HERE, "..", "..")
    return os.path.join(root, "docs", "peer-matrix.md")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-k", dest="filter", help="only the captures this pytest -k expression selects")
    parser.add_argument("--out", help="the Markdown file (default: docs/peer-matrix.md for a whole run)")
    parser.add_argument("--workers", type=int, default=3 * 6, help="sogod workers (three per family run at once)")
    parser.add_argument("--from-results", metavar="DIR",
                        help="write the page from an earlier run's results (its peer-matrix-* directory)")
    args = parser.parse_args(argv)
    if args.from_results:
        work = args.from_results
    else:
        from sogo_peer import RunningSogo

        def stop_on_signal(signum, frame):
            raise SystemExit(128 + signum)

        signal.signal(signal.SIGTERM, stop_on_signal)
        signal.signal(signal.SIGINT, stop_on_signal)
        work = tempfile.mkdtemp(prefix="peer-matrix-")
        sogo = RunningSogo(2 * len(FAMILIES), args.workers, mail=True)
        try:
            run_replay(sogo, args.filter, work)
        finally:
            # A second signal must not cut the stop short and leave processes.
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            sogo.stop()
    command = "sudo bazel run //tools/peers:peer_matrix" + (" -- -k %s" % shlex.quote(args.filter) if args.filter else "")
    ran = None
    if args.from_results:
        ran = datetime.date.fromtimestamp(os.path.getmtime(work)).isoformat()
    text = markdown(read_results(work), sogo_version(), command, ran)
    out = args.out or (None if args.filter else default_page())
    if out:
        with open(out, "w", encoding="utf-8") as f:
            f.write(text)
        print("wrote %s; the HTML reports and logs are in %s" % (out, work))
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
