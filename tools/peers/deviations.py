"""What each difference of a peer-matrix run is, by the specifications:
a deviation of the server, named by the rule it breaks, or one that follows
from an earlier deviation in the same capture. A difference that matches
nothing here is "not classified": either a deviation not yet named, or an
answer the specifications allow for which the capture has no <allow> yet
(then the capture is what must change, tools/captures/generate_captures.py).

Each entry was written after reading the section it names and the server's
actual answer in a run's logs (docs/peer-matrix.md shows both). An entry
matches on the exchange's note and on one of its difference lines; the
first entry that matches wins, so narrower entries come first.
"""

import re


class Deviation:
    def __init__(self, key, rule, what, note=None, error=None, message=None, follows=None, body=None):
        self.key = key
        self.rule = rule
        self.what = what
        self.note = re.compile(note) if note else None
        self.error = re.compile(error) if error else None
        self.message = re.compile(message) if message else None
        self.body = re.compile(body) if body else None  # on the server's answer as the run dumped it
        self.follows = follows  # the key of the deviation this one is a consequence of

    def matches(self, note, errors, body="", message=""):
        if self.message is not None:  # a failure with no differences, by its message
            return bool(message) and self.message.search(message) is not None
        if self.note is not None and not self.note.search(note or ""):
            return False
        if self.body is not None and not self.body.search(body):
            return False
        if self.error is None:
            return True
        return any(self.error.search(e) for e in errors)


KNOWN = [
    Deviation("policy-type-2.5", "MS-ASPROV 2.2.2.43",
              "a 2.5 client asked for MS-WAP-Provisioning-XML and got MS-EAS-Provisioning-WBXML (with Status 2); "
              "the value MS-WAP-Provisioning-XML is the one used with 2.5, so the no-policy alternative, which keeps "
              "the client's PolicyType, does not apply and the session cannot go on",
              note=r"^Provision phase 1", error=r"Policy: expected \d+ children .*got 2 \['PolicyType', 'Status'\]"),
    Deviation("resolve-recipients-empty", "MS-ASCMD 2.2.1.15",
              "ResolveRecipients answered with an empty body; the response carries at least its Status",
              note=r"^ResolveRecipients", error=r"empty body"),
    Deviation("sent-copy-missing", "MS-ASCMD 2.2.3.157",
              "no copy in Sent Items after SendMail/SmartReply/SmartForward with SaveInSentItems",
              note=r"^Sync Sent Items: the saved copy"),
    Deviation("deleted-folder-no-status-12", "MS-ASCMD 2.2.3.177.17",
              "a Sync on a folder deleted meanwhile is answered without the collection (or with no body) instead "
              "of the collection with Status 12, folder hierarchy changed",
              note=r"^Sync of the folder deleted meanwhile"),
    Deviation("windowed-first-sync-empty", "MS-ASCMD 2.2.3.181.4",
              "the first Sync after key 0 of a seeded Inbox, in windows with truncated bodies, brings no items and "
              "the key -1; a successful Sync sends the objects of the collection and a new key",
              note=r"^Sync the Inbox in windows"),
    Deviation("catch-up-empty", "MS-ASCMD 2.2.3.84",
              "a Sync with GetChanges on a folder that holds messages brings none of them; with changes pending, "
              "the response includes Commands",
              note=r"^Sync: what the folder holds", error=r"Commands|children|empty body"),
    Deviation("estimate-after-catch-up", "MS-ASCMD 2.2.1.9",
              "GetItemEstimate counts the messages the earlier Sync did not send", follows="catch-up-empty",
              note=r"^GetItemEstimate: one message waits"),
    Deviation("sync-brings-all", "MS-ASCMD 2.2.3.84",
              "the Sync that should bring the one new message brings every message the first Sync withheld",
              follows="catch-up-empty", note=r"^Sync without GetChanges: the message comes"),
    Deviation("estimate-stale", "MS-ASCMD 2.2.1.9",
              "GetItemEstimate still counts messages the last Sync has just sent (Estimate is the number of items "
              "to be synchronized)", note=r"^GetItemEstimate: nothing waits", error=r"Estimate"),
    Deviation("ping-misses-mail", "MS-ASCMD 2.2.3.177.11",
              "mail delivered while the Ping waits gives no Status 2 within the heartbeat, and the Sync after it "
              "has no message either (SyncKey -1 or an empty body); in other families of the same run the mail "
              "arrived and the capture passed",
              note=r"^Ping on the inbox; mail arrives while it waits"),
    Deviation("ping-misses-mail-sync", "MS-ASCMD 2.2.3.177.11",
              "the Sync after the Ping has not the delivered message", follows="ping-misses-mail",
              note=r"^Sync: (exactly the new message|the new message, unread)"),
    Deviation("folder-exists-500", "MS-ASCMD 2.2.3.177.3",
              "FolderCreate of a name that exists answers HTTP 500 with the text 'Unable to create folder.' "
              "instead of Status 2, a folder with that name exists",
              note=r"^FolderCreate of a name that is there"),
    Deviation("smart-500", "MS-ASCMD 2.2.1.19, 2.2.1.20",
              "SmartForward or SmartReply of a message named by LongId or ServerId fails with HTTP 500",
              note=r"^Smart(Forward|Reply)"),
    Deviation("key-kept", "MS-ASCMD 2.2.3.181.4",
              "the answer to the device's Add or Change keeps the SyncKey it was sent (SOGo's key is the second of "
              "the last change); a successful Sync response includes a new key",
              error=r"SyncKey: the answer kept the key"),
    Deviation("own-key-refused", "MS-ASCMD 2.2.3.177.17",
              "the next Sync, with the key the server itself gave last, is answered Status 3 (invalid key) and key 0",
              follows="key-kept", error=r"Collection/Status: expected '1', got '3'|got 3 \['SyncKey', 'CollectionId', 'Status'\]$",
              body=r"<Status>3</Status>"),
    Deviation("long-ping-dropped", "MS-ASCMD 2.2.3.177.11",
              "Ping with a heartbeat of a day: the connection is closed with no answer; a heartbeat outside the "
              "server's range is answered Status 5 with the limit, or held to the limit and answered",
              message=r"Ping with a heartbeat of a day.*no answer"),
    Deviation("resend-duplicates", "MS-ASCMD 3.1.5.3",
              "the same Add sent again after a lost answer makes a second contact (another ServerId)",
              follows="key-kept", note=r"^The same Add again"),
    Deviation("oof-missing", "MS-ASCMD 2.2.3.119",
              "Settings Oof Get or Set is answered with the Settings Status only, without the Oof element and its "
              "Status (and, for Get, the settings)", note=r"^Settings Oof", error=r"/Settings: expected"),
    Deviation("device-information-missing", "MS-ASCMD 2.2.1.18",
              "Settings DeviceInformation Set is answered without DeviceInformation and its Status",
              note=r"^Settings before Provision: device information", error=r"/Settings: expected"),
    Deviation("fetch-order", "MS-ASCMD 6.24",
              "ItemOperations Fetch writes airsync:Class before search:LongId; the response schema's sequence "
              "has LongId first", error=r"/ItemOperations/Response/Fetch: expected <\{(Search|AirSync):\}(LongId|Class)>"),
    Deviation("truncation-ignored", "MS-ASAIRS 2.2.2.40.2",
              "ItemOperations Fetch with TruncationSize 5 sends the whole body with Truncated 0 (and Preview that "
              "was not asked for, the Body's children out of the schema's order)",
              note=r"^ItemOperations Fetch with TruncationSize", error=r"Body: expected"),
    Deviation("range-misstated", "MS-ASCMD 2.2.3.143.2",
              "ItemOperations Fetch of bytes 0-9 sends the whole 30-byte attachment under Range 0-39 (the length "
              "of its base64 text); the whole attachment is allowed (best effort, Total optional) but Range is the "
              "actual range of bytes sent", note=r"^ItemOperations Fetch of bytes", error=r"Properties: expected"),
    Deviation("fetch-without-class", "MS-ASCMD 2.2.3.24",
              "the contact still has the job title the device's Change left out (not ghosted, no Supported); the "
              "Fetch also has no Class", note=r"^Fetch it: the job title"),
    Deviation("not-wbxml-status-13", "MS-ASCMD 2.2.3.177.17",
              "a Sync body that is not WBXML is answered Status 13 (for an empty or partial request without a "
              "cached one) instead of 4, protocol error", note=r"^A Sync body that is not WBXML"),
    Deviation("empty-folder-no-response", "MS-ASCMD 2.2.3.51",
              "ItemOperations EmptyFolderContents is answered with the global Status only, without the Response "
              "and its EmptyFolderContents Status", note=r"^ItemOperations EmptyFolderContents"),
    Deviation("previous-hierarchy-key", "MS-ASCMD 2.2.3.181.2",
              "FolderSync with the key before the last is answered Status 1 with no changes, so the folder created "
              "in between never reaches the device; the server either answers Status 9 for a key it does not hold "
              "or resends what that key has not seen", note=r"^FolderSync with the key before it"),
    Deviation("hierarchy-key-not-checked", "MS-ASCMD 2.2.3.181.2",
              "FolderSync with a key the server never gave is answered Status 1; the server MUST return Status 9 "
              "when the key does not match", note=r"^FolderSync with a key never given"),
    Deviation("rename-lost", "MS-ASCMD 2.2.1.5",
              "FolderSync after another device renamed one folder and deleted another lists only the deletion",
              note=r"^FolderSync: the rename and the deletion"),
    Deviation("meeting-response-2", "MS-ASCMD 2.2.3.177.9",
              "MeetingResponse accept of the iTIP REQUEST in the Inbox is answered Status 2 (invalid meeting "
              "request) without CalendarId", note=r"^MeetingResponse"),
    Deviation("move-status-1", "MS-ASCMD 2.2.3.177.10",
              "MoveItems of a message the server listed is answered Status 1 (invalid source) without DstMsgId",
              note=r"^MoveItems"),
    Deviation("validate-cert-17", "MS-ASCMD 2.2.3.177.18",
              "ValidateCert of bytes that are no certificate: Certificate Status 17 (unknown server error) instead "
              "of 2, protocol parameters invalid", note=r"^ValidateCert"),
    Deviation("unknown-command-500", "MS-ASHTTP 2.2.2",
              "a command name the protocol does not have is answered HTTP 500 (server error) instead of a client "
              "error (400, or 501 not implemented)", note=r"^A command that does not exist"),
    Deviation("ping-bounds-unchecked", "MS-ASCMD 2.2.3.177.11",
              "Ping with a heartbeat of 1 s, or on 301 folders, is answered Status 2 at once: there are changes "
              "pending only because an earlier Sync of the capture withheld the folder's messages",
              follows="catch-up-empty", note=r"^Ping (with a heartbeat|on \d+ folders)"),
    Deviation("sync-fetch-501", "MS-ASCMD 2.2.3.67.2",
              "Sync Fetch of the calendar item the device has just added fails with HTTP 501 and an empty "
              "text/plain body", note=r"^Fetch it back", error=r"501|text/plain"),
    Deviation("window-short", "MS-ASCMD 2.2.3.116",
              "a Sync in windows brings fewer items than the folder holds and no MoreAvailable",
              note=r"^Sync (in windows|the contacts in windows)"),
    Deviation("seeding-add-lost", "MS-ASCMD 2.2.3.181.4",
              "seeding the account through EAS failed: the items sent with Sync Add do not all show in a fresh "
              "Sync of the folder (the server keeps its key across an Add and refuses it next)",
              message=r"^seeding: \d+ \w+ asked for"),
]

BY_KEY = {d.key: d for d in KNOWN}


def classify(note, errors, message=""):
    """The Deviation that explains one difference (its note and lines),
    or None."""
    lines = [e for e in errors if not e.startswith("actual body:")]
    body = "".join(e for e in errors if e.startswith("actual body:"))
    return next((d for d in KNOWN if d.matches(note, lines, body, message)), None)


def classify_result(result):
    """(deviation or None, difference) for each difference of a failed
    capture; a failure with no differences (a seeding or setup error) is
    classified by its message."""
    if result.get("differences"):
        return [(classify(d.get("note"), d.get("errors", [])), d) for d in result["differences"]]
    message = (result.get("message") or "").split("\n")[0]
    return [(classify(None, [], message), None)]
