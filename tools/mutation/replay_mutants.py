"""Mutation check of the capture replay: does the replay alone catch a
fault in the server? Each mutant is one small edit of the reference server
(a fault once injected by hand, issue 12's list); for each, the edit is
made, `bazel test //tools/replay:replay_test` runs, the edit is undone, and
the mutant counts as caught when the replay fails. Prints a table and the
share caught. Not part of CI (a full run is a build and a replay per
mutant); run it from the source tree:

    python3 tools/mutation/replay_mutants.py [--only NAME ...]

It edits files of this checkout and restores them byte for byte, also when
interrupted.
"""

import argparse
import os
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

# (name, file, text, replacement, what the fault is)
MUTANTS = [
    ("sent-items-type-12", "reference/backend/default_folders.cc",
     '{"sent", "0", "Sent Items", kSentItems}', '{"sent", "0", "Sent Items", kUserMail}',
     "Sent Items listed with Type 12 instead of 5"),
    ("estimate-token", "reference/wbxml/codepages.txt", "0x0C Estimate\n", "0x0F Estimate\n",
     "a wrong token for Estimate in the code page table every decoder here reads"),
    ("gal-total-off-by-one", "reference/commands/search.cc",
     'pictures);\n  }\n  AddText(store, "Range", absl::StrCat(range->first, "-", last));\n  AddText(store, "Total", absl::StrCat(total));',
     'pictures);\n  }\n  AddText(store, "Range", absl::StrCat(range->first, "-", last));\n  AddText(store, "Total", absl::StrCat(total + 1));',
     "the GAL Total one too many"),
    ("unknown-command-400", "reference/http/dispatcher.cc",
     'HttpResponse r = Plain(501, absl::StrCat("command not implemented: "',
     'HttpResponse r = Plain(400, absl::StrCat("command not implemented: "',
     "400 instead of 501 for a command the server does not implement"),
    ("policy-camera", "reference/commands/policy_document.cc", '{"AllowCamera", "1"},', '{"AllowCamera", "0"},',
     "a policy setting other than the server's configuration"),
    ("no-more-available", "reference/commands/sync.cc",
     'if (more_available_) out_.append_child("MoreAvailable");', 'if (false) out_.append_child("MoreAvailable");',
     "MoreAvailable left out of a windowed Sync"),
    ("foldersync-invalid-key-accepted", "reference/commands/folder_sync.cc",
     "      return StatusOnly(st::kInvalidSyncKey);", "      return StatusOnly(st::kSuccess);",
     "a FolderSync key never issued answered with Status 1 instead of 9"),
    ("sync-invalid-key-12", "reference/commands/sync.cc",
     "    if (!snapshot->has_value() || !absl::SimpleAtoi(req_.key, &number)) {\n      return Finish(st::kInvalidSyncKey);",
     "    if (!snapshot->has_value() || !absl::SimpleAtoi(req_.key, &number)) {\n      return Finish(12);",
     "an unknown Sync key answered with Status 12 instead of 3"),
    ("ping-changes-as-expired", "reference/commands/ping.cc",
     "later->Complete(changed.empty() ? Answer(kExpired) : Answer(kChanges, changed));",
     "later->Complete(Answer(kExpired));",
     "a Ping woken by a change answered as if its interval ran out (Status 1)"),
    ("estimate-off-by-one", "reference/commands/get_item_estimate.cc",
     'AddText(collection, "Estimate", absl::StrCat(count->count));',
     'AddText(collection, "Estimate", absl::StrCat(count->count + 1));',
     "GetItemEstimate one too many"),
    ("save-in-sent-always", "reference/commands/send_mail.cc",
     "const int status = DeliverMail(ctx, mime, r.save_in_sent);",
     "const int status = DeliverMail(ctx, mime, true);",
     "SaveInSentItems ignored: every message copied to Sent Items"),
]


def run_replay():
    result = subprocess.run(["bazel", "test", "//tools/replay:replay_test", "--test_output=errors"],
                            cwd=ROOT, capture_output=True, text=True)
    return result.returncode, result.stdout + result.stderr


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="*", help="these mutants only")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if not args.only or m[0] in args.only]
    rows = []
    for name, path, text, replacement, what in chosen:
        full = os.path.join(ROOT, path)
        with open(full, "rb") as f:
            original = f.read()
        if original.count(text.encode()) != 1:
            rows.append((name, "NOT APPLIED (the text is not there exactly once)", what))
            continue
        started = time.time()
        try:
            with open(full, "wb") as f:
                f.write(original.replace(text.encode(), replacement.encode()))
            code, out = run_replay()
        finally:
            with open(full, "wb") as f:
                f.write(original)
        if "FAILED TO BUILD" in out or "ERROR:" in out and "FAILED" not in out:
            verdict = "did not build"
        else:
            verdict = "caught" if code != 0 else "MISSED"
        rows.append((name, "%s (%.0f s)" % (verdict, time.time() - started), what))
        print("%-34s %s" % (name, rows[-1][1]), flush=True)
    caught = sum(1 for r in rows if r[1].startswith("caught"))
    print("\n| mutant | replay alone | fault |\n|---|---|---|")
    for r in rows:
        print("| %s | %s | %s |" % r)
    print("\nthe replay alone caught %d of %d" % (caught, len(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
