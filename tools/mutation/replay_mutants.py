"""Mutation check of the capture replay: does the replay alone catch a
fault in the server? Each mutant is one small edit of the reference server
(a fault once injected by hand, issue 12's list); for each, the edit is
made, the replay runs (`bazel run //tools/replay:replay_test -- -x`, both
backends, stopping at the first capture that fails), the edit is undone,
and the mutant counts as caught when the replay fails; a mutant that does
not build counts as neither. Prints a table and the
share caught. Not part of CI (a full run is a build and a replay per
mutant); run it from the source tree:

    python3 tools/mutation/replay_mutants.py [--only NAME ...]

It edits files of this checkout and restores them byte for byte, also when
interrupted.
"""

import argparse
import os
import re
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
    ("save-in-sent-never", "reference/commands/send_mail.cc",
     "const int status = DeliverMail(ctx, mime, r.save_in_sent);",
     "const int status = DeliverMail(ctx, mime, false);",
     "the Sent Items copy missing although the device asked for it"),
    ("retried-sync-adds-twice", "reference/commands/sync.cc",
     [("if (auto it = earlier_client_ids_.find(client_id); it != earlier_client_ids_.end()) {",
       "if (auto it = earlier_client_ids_.find(client_id); false && it != earlier_client_ids_.end()) {"),
      (": ctx_.backend->AddItemOnce(ctx_.account, req_.id, folder_class, data, once_key);",
       ": ctx_.backend->AddItem(ctx_.account, req_.id, folder_class, data + once_key.substr(0, 0));")],
     None, "a Sync resent after a lost answer adds its items a second time"),
    ("foldersync-key-stuck", "reference/commands/folder_sync.cc",
     "new_key = absl::StrCat(number + 1);", "new_key = absl::StrCat(number + (key == \"0\" ? 1 : 0));",
     "FolderSync keys that do not advance after a change"),
    ("filter-type-ignored", "reference/commands/sync.cc",
     "          InsideFilter(req_.filter_type, p.item.item_class, p.item.data, ctx_.now)) {",
     "          InsideFilter(0, p.item.item_class, p.item.data, ctx_.now)) {",
     "FilterType ignored: items outside the window sent"),
    ("truncation-ignored", "reference/commands/application_data.cc",
     "const bool too_big = wish->truncation_size && text.size() > *wish->truncation_size;",
     "const bool too_big = wish->truncation_size && text.size() > 1000000000u;",
     "TruncationSize ignored (AirSyncBase bodies)"),
    ("truncation-25-ignored", "reference/commands/application_data.cc",
     "const size_t cut = limit ? CharactersPrefix(text, *limit) : text.size();", "const size_t cut = text.size();",
     "Truncation ignored (2.5 bodies)"),
    ("untouched-properties-lost", "reference/commands/application_data.cc",
     "            : CanBeGhosted(item_class, name);", "            : !CanBeGhosted(item_class, \"\") || true;",
     "a Change without Supported clears the properties it does not name"),
    ("attachment-range-ignored", "reference/commands/item_operations.cc",
     '  const bool ranged = options.child("Range");', '  const bool ranged = options.child("Range") && false;',
     "ItemOperations Range ignored: the whole attachment sent"),
    ("attachment-content-type", "reference/commands/item_operations.cc",
     'AddText(properties, "airsyncbase:ContentType", attachment->content_type);',
     'AddText(properties, "airsyncbase:ContentType", "application/octet-stream");',
     "an attachment's ContentType lost"),
    ("meeting-response-type", "reference/commands/meeting_response.cc",
     'return response == 1 ? "3" : response == 2 ? "2" : "4";',
     'return response == 1 ? "2" : response == 2 ? "3" : "4";',
     "MeetingResponse: accepted stored as tentative and the other way round (ResponseType)"),
    ("opaque-extra-byte", "reference/wbxml/encoder.cc",
     "        Put(bytes->data(), bytes->size());\n",
     "        Put(bytes->data(), bytes->size());\n        Put(static_cast<char>(0));\n",
     "an extra byte after every opaque value (its length unchanged)"),
    ("stale-policy-key-accepted", "reference/http/dispatcher.cc",
     "      } else if (*key != device->policy_key) {", "      } else if (*key != device->policy_key && false) {",
     "a policy key other than the device's accepted"),
    ("policy-change-ignored", "reference/http/dispatcher.cc",
     "      } else if (device->policy_generation != policy->generation) {",
     "      } else if (device->policy_generation != policy->generation && false) {",
     "a changed policy not sent again (no 449 / Status 142)"),
    ("final-policy-key-wrong", "reference/commands/provision.cc",
     'AddText(policy_node, "PolicyKey", absl::StrCat(final_key));',
     'AddText(policy_node, "PolicyKey", absl::StrCat(final_key + 1));',
     "Provision phase 2 names a final key other than the one the server keeps"),
    ("wrong-temporary-key-accepted", "reference/commands/provision.cc",
     "if (acknowledged == 0 || acknowledged != ctx.device.pending_policy_key) {",
     "if (acknowledged == 0) {",
     "phase 2 with a temporary key the server never gave accepted"),
    ("heartbeat-below-minimum-accepted", "reference/commands/ping.cc",
     "  if (heartbeat < ctx.ping.min_heartbeat) {", "  if (heartbeat < 0) {",
     "a Ping heartbeat below the minimum accepted (no Status 5)"),
    ("heartbeat-above-maximum-accepted", "reference/commands/ping.cc",
     "  if (heartbeat > ctx.ping.max_heartbeat) {", "  if (heartbeat > 1000000) {",
     "a Ping heartbeat above the maximum accepted (no Status 5)"),
    ("ping-too-many-folders-accepted", "reference/commands/ping.cc",
     "  if (static_cast<int>(folders.size()) > ctx.ping.max_folders) {",
     "  if (static_cast<int>(folders.size()) > 100000) {",
     "a Ping on more folders than MaxFolders accepted (no Status 6)"),
    ("move-no-dst-id", "reference/commands/move_items.cc",
     'if (!moved.empty()) AddText(response, "DstMsgId", moved);', "(void)moved;",
     "MoveItems without the new id (DstMsgId)"),
    ("delete-ignored", "reference/commands/sync.cc",
     "        const absl::Status s = trash_id_.empty()\n                                   ? ctx_.backend->DeleteItem(ctx_.account, server_id)",
     "        const absl::Status s = true\n                                   ? absl::OkStatus()",
     "a Sync Delete from the device not carried out"),
    ("folder-exists-accepted", "reference/commands/folder_commands.cc",
     "      case absl::StatusCode::kAlreadyExists: return Answer(kRoot, st::kAlreadyExists);\n"
     "      case absl::StatusCode::kNotFound: return Answer(kRoot, st::kParentNotFound);",
     "      case absl::StatusCode::kAlreadyExists: return Answer(kRoot, st::kServerError);\n"
     "      case absl::StatusCode::kNotFound: return Answer(kRoot, st::kParentNotFound);",
     "FolderCreate of an existing name answered as a server error instead of Status 2"),
    ("recipient-count-off", "reference/commands/resolve_recipients.cc",
     'AddText(response, "RecipientCount", absl::StrCat(found.size()));',
     'AddText(response, "RecipientCount", absl::StrCat(found.size() + 1));',
     "ResolveRecipients RecipientCount one too many"),
    ("oof-state-wrong", "reference/commands/settings.cc",
     'AddText(g, "OofState", absl::StrCat(oof->state));', 'AddText(g, "OofState", absl::StrCat(oof->state ? 0 : 1));',
     "Settings Oof Get reports the other state"),
    ("hierarchy-changed-as-server-error", "reference/commands/sync.cc",
     ": st::kFolderHierarchyChanged));", ": st::kServerError));",
     "Sync on a folder that is gone: Status 5 instead of 12"),
    ("sync-add-no-client-id", "reference/commands/sync.cc",
     'AddText(r, "ClientId", client_id);', "(void)r;",
     "a Sync Add answered without the device's ClientId"),
    ("foldersync-count-off", "reference/commands/folder_sync.cc",
     "absl::StrCat(changes.added.size() + changes.updated.size() + changes.deleted.size()));",
     "absl::StrCat(changes.added.size() + changes.updated.size()));",
     "FolderSync Count leaves out the deletions"),
    ("fetch-missing-item-succeeds", "reference/commands/item_operations.cc",
     "                                         ? st::kObjectNotFound\n",
     "                                         ? st::kSuccess\n",
     "ItemOperations Fetch of an item that is not there: Status 1 instead of 6"),
    ("mailbox-search-total-wrong", "reference/commands/search.cc",
     '      store.remove_child(result);\n    }\n  }\n  AddText(store, "Range", absl::StrCat(range->first, "-", last));\n'
     '  AddText(store, "Total", absl::StrCat(total));',
     '      store.remove_child(result);\n    }\n  }\n  AddText(store, "Range", absl::StrCat(range->first, "-", last));\n'
     '  AddText(store, "Total", absl::StrCat(total + 1));',
     "a mailbox Search Total one too many"),
    ("foldersync-updates-as-adds", "reference/commands/folder_sync.cc",
     '  for (const auto& f : changes.updated) AppendFolder(list, "Update", f);',
     '  for (const auto& f : changes.updated) AppendFolder(list, "Add", f);',
     "a renamed or moved folder sent as a new one (Add instead of Update)"),
]


def run_replay():
    # The whole corpus on both backends; -x: the first capture that fails
    # is enough to call the mutant caught.
    result = subprocess.run(["bazel", "run", "//tools/replay:replay_test", "--", "-x", "-q"],
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
        # One edit, or several in the same file (text a list of pairs).
        edits = text if replacement is None else [(text, replacement)]
        mutated = original
        for old, new in edits:
            if mutated.count(old.encode()) != 1:
                break
            mutated = mutated.replace(old.encode(), new.encode())
        else:
            old = None
        if old is not None:
            rows.append((name, "NOT APPLIED (the text is not there exactly once)", what))
            print("%-34s %s" % (name, rows[-1][1]), flush=True)
            continue
        started = time.time()
        try:
            with open(full, "wb") as f:
                f.write(mutated)
            code, out = run_replay()
        finally:
            with open(full, "wb") as f:
                f.write(original)
        if "Running command line" not in out:
            verdict = "did not build"  # bazel run never started the replay
        elif code != 0:
            # The evidence: the first capture that failed.
            failed = re.search(r"FAILED \S*::(\S+)", out)
            verdict = "caught by %s" % (failed.group(1) if failed else "the replay")
        else:
            verdict = "MISSED"
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
