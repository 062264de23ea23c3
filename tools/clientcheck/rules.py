"""The client rules: what the specifications require of a client, each
checked over a whole session. A rule says pass, fail (with the exchanges
that break it) or not exercised (the session never came where it applies).

Each rule names its source: the specification section (or Microsoft
requirement ID) it follows, read from the specification's own text.
"""

import re
import xml.etree.ElementTree as ET

import eas_wbxml
from session import children, local, text

AIRSYNC = "{AirSync:}"
# MS-ASCMD 2.2.2 common status codes: 140 a wipe is waiting (MS-ASPROV
# 3.1.5.1.1: the client sends an empty Provision to get it), 142/143/144
# provision (again).
ANSWERS_NEEDING_PROVISION = {"140", "142", "143", "144"}
WIPE_DIRECTIVES = ("RemoteWipe", "AccountOnlyRemoteWipe")  # MS-ASPROV 2.2.2.45, 2.2.2.1
WBXML_TYPES = {"application/vnd.ms-sync.wbxml", "application/vnd.ms-sync"}
MIME_COMMANDS = {"SendMail", "SmartReply", "SmartForward"}


class Rule:
    def __init__(self, rule_id, area, source, title, check):
        self.id, self.area, self.source, self.title, self.check = rule_id, area, source, title, check


class Verdict:
    def __init__(self, rule, exercised, failures, probes=()):
        # failures: [(exchange, why)]; probes: the same, where the session
        # breaks the rule on purpose to see the server's answer (breaks=...).
        self.rule, self.exercised, self.failures, self.probes = rule, exercised, failures, list(probes)

    @property
    def outcome(self):
        if self.failures:
            return "fail"
        return "pass" if self.exercised else "not exercised"


RULES = []


def rule(rule_id, area, source, title):
    def register(check):
        RULES.append(Rule(rule_id, area, source, title, check))
        return check
    return register


def eas_requests(session):
    return [x for x in session.exchanges if x.command != "OPTIONS"]


def requests_of(session, *commands):
    """The requests of these commands, in order."""
    return [x for x in eas_requests(session) if x.command in commands]


def followed(session):
    """Each request with the one after it."""
    xs = eas_requests(session)
    return zip(xs, xs[1:])


def top_status(x):
    return text(x.response, "Status") if x.response is not None else None


def needs_provisioning(x):
    """The answer tells the client to provision first: HTTP 449 (to 12.1) or
    a top-level Status 140/142/143/144 (14.0 and later)."""
    if x.status == 449:
        return True
    if x.response is None or x.command == "Provision":
        return False
    status = next((c for c in x.response if local(c) == "Status"), None)
    return status is not None and (status.text or "").strip() in ANSWERS_NEEDING_PROVISION


# --- HTTP (MS-ASHTTP) -------------------------------------------------------------

@rule("http.query", "HTTP", "MS-ASHTTP 2.2.1.1.1", "the request line's query is well-formed")
def query_well_formed(session):
    xs = eas_requests(session)
    return bool(xs), [(x, x.query_problem) for x in xs if x.query_problem]


@rule("http.device-stable", "HTTP", "MS-ASHTTP 2.2.1.1.1.2.3",
      "DeviceId and DeviceType stay the same for the whole session")
def device_stable(session):
    xs = [x for x in eas_requests(session) if x.device_id]
    failures, first = [], xs[0] if xs else None
    for x in xs[1:]:
        if (x.device_id, x.device_type) != (first.device_id, first.device_type):
            failures.append((x, "DeviceId/DeviceType %s/%s after %s/%s" % (
                x.device_id, x.device_type, first.device_id, first.device_type)))
    return len(xs) > 1, failures


@rule("http.protocol-version", "HTTP", "MS-ASHTTP 2.2.1.1.2.6",
      "MS-ASProtocolVersion is one the server offered in MS-ASProtocolVersions")
def protocol_version_offered(session):
    offered, failures, exercised = None, [], False
    for x in session.exchanges:
        if x.command == "OPTIONS":
            value = x.response_headers.get("ms-asprotocolversions")
            if value and "{{" not in value:
                offered = {v.strip() for v in value.split(",")}
            continue
        if offered is not None and x.version:
            exercised = True
            if x.version not in offered:
                failures.append((x, "version %s, offered %s" % (x.version, ",".join(sorted(offered)))))
    return exercised, failures


@rule("http.content-type", "HTTP", "MS-ASHTTP 2.2.1.1.2.3",
      "Content-Type: WBXML for a WBXML body, message/rfc822 for a MIME message (below 14.0)")
def content_type(session):
    failures, exercised = [], False
    for x in eas_requests(session):
        if x.body is not None:
            exercised = True
            if (x.content_type or "").split(";")[0].strip().lower() not in WBXML_TYPES:
                failures.append((x, "a WBXML body sent as %r" % x.content_type))
        elif x.mime is not None:
            exercised = True
            if (x.content_type or "").split(";")[0].strip().lower() != "message/rfc822":
                failures.append((x, "a MIME message sent as %r" % x.content_type))
    return exercised, failures


@rule("http.policy-key", "HTTP", "MS-ASPROV 3.1.5.1",
      "X-MS-PolicyKey is the last final policy key the server issued")
def policy_key_current(session):
    final, failures, exercised = None, [], False
    for x in eas_requests(session):
        if x.command == "Provision":
            if x.response is not None and x.body is not None and text(x.body, "PolicyKey") is not None:
                final = text(x.response, "PolicyKey") or final  # phase 2 answer: the final key
            continue
        if final is None:
            continue
        exercised = True
        if x.policy_key is not None and x.policy_key != final:
            failures.append((x, "policy key %s, the final key issued is %s" % (x.policy_key, final)))
    return exercised, failures


# --- Provision (MS-ASPROV) ---------------------------------------------------------

@rule("provision.when-told", "Provision", "MS-ASPROV 3.1.5.1",
      "after HTTP 449 or Status 140/142/143/144 the client provisions before anything else")
def provision_when_told(session):
    failures, exercised = [], False
    for x, nxt in followed(session):
        if needs_provisioning(x):
            exercised = True
            if nxt.command != "Provision":
                failures.append((nxt, "%s after %s told it to provision" % (nxt.command, x.where())))
    return exercised, failures


@rule("provision.acknowledge", "Provision", "MS-ASPROV 3.1.5.1.1",
      "phase 2 acknowledges the temporary key of phase 1 with the PolicyType of its version")
def provision_acknowledge(session):
    failures, exercised, temporary = [], False, None
    for x in requests_of(session, "Provision"):
        if x.body is None:
            continue
        kind = text(x.body, "PolicyType")
        if kind is not None:
            want = "MS-WAP-Provisioning-XML" if x.version == "2.5" else "MS-EAS-Provisioning-WBXML"
            if kind != want:
                failures.append((x, "PolicyType %s at %s (MS-ASPROV 2.2.2.41: %s)" % (kind, x.version, want)))
        sent = text(x.body, "PolicyKey")
        if sent is None:
            temporary = text(x.response, "PolicyKey") if x.response is not None else None
        elif kind is not None:
            exercised = True
            if temporary is not None and sent != temporary:
                failures.append((x, "acknowledges key %s, the temporary key was %s" % (sent, temporary)))
    return exercised, failures


@rule("provision.no-loop", "Provision", "MS-ASPROV 3.1.5.1",
      "no Provision loop: at most three phase-1 requests in a row without another command between")
def provision_no_loop(session):
    failures, run, exercised = [], 0, False
    for x in eas_requests(session):
        if x.command == "Provision" and x.body is not None and text(x.body, "PolicyKey") is None \
                and not any(children(x.body, w) for w in WIPE_DIRECTIVES):
            exercised, run = True, run + 1
            if run == 4:
                failures.append((x, "the fourth phase-1 Provision in a row"))
        elif x.command != "Provision":
            run = 0
    return exercised, failures


@rule("provision.wipe-acknowledged", "Provision", "MS-ASPROV 3.1.5.1.2.2",
      "a Provision answer with RemoteWipe (or, at 16.1, AccountOnlyRemoteWipe: 3.1.5.1.2.3) is acknowledged by "
      "the next request: a Provision with that element and its Status")
def provision_wipe_acknowledged(session):
    failures, exercised = [], False
    xs = eas_requests(session)
    for i, x in enumerate(xs):
        if x.command != "Provision" or x.response is None:
            continue
        directive = next((w for w in WIPE_DIRECTIVES if children(x.response, w)), None)
        if directive is None:
            continue
        exercised = True
        nxt = xs[i + 1] if i + 1 < len(xs) else None
        if nxt is None:
            failures.append((x, "the session ended without acknowledging the %s" % directive))
        elif nxt.command != "Provision" or nxt.body is None or not any(
                text(w, "Status") for w in children(nxt.body, directive)):
            failures.append((nxt, "%s after the %s of %s, not a Provision acknowledging it with %s/Status"
                             % (nxt.command, directive, x.where(), directive)))
    return exercised, failures


# --- FolderSync (MS-ASCMD 2.2.1.5) -------------------------------------------------

@rule("foldersync.keys", "FolderSync", "MS-ASCMD 2.2.3.181.2",
      "FolderSync starts with key 0, then sends only keys the server issued (FolderSync, FolderCreate, "
      "FolderDelete, FolderUpdate); after Status 9 it starts again with 0")
def foldersync_keys(session):
    issued, failures, exercised, reset = set(), [], False, False
    for x in eas_requests(session):
        if x.command in ("FolderCreate", "FolderDelete", "FolderUpdate") and x.response is not None:
            if text(x.response, "SyncKey"):
                issued.add(text(x.response, "SyncKey"))
            continue
        if x.command != "FolderSync" or x.body is None:
            continue
        exercised = True
        key = text(x.body, "SyncKey")
        if key != "0" and key not in issued:
            failures.append((x, "FolderSync key %s was never issued" % key))
        if reset and key != "0":
            failures.append((x, "key %s after Status 9 (the client must start again with 0)" % key))
        reset = top_status(x) == "9"
        got = text(x.response, "SyncKey") if x.response is not None else None
        if got:
            issued.add(got)
    return exercised, failures


# --- Sync (MS-ASCMD 2.2.1.21) ------------------------------------------------------

def sync_collections(x):
    return [c for c in (x.body.iter() if x.body is not None else []) if c.tag == AIRSYNC + "Collection"]


def answer_collections(x):
    out = {}
    if x.response is None:
        return out
    for c in x.response.iter(AIRSYNC + "Collection"):
        out[(c.findtext(AIRSYNC + "CollectionId") or "").strip()] = c
    return out


@rule("sync.keys", "Sync", "MS-ASCMD 2.2.3.181.4",
      "a Sync key is 0 or one the server issued for that collection; after Status 3 the client starts again with 0")
def sync_keys(session):
    issued, reset, failures, exercised = {}, set(), [], False
    for x in requests_of(session, "Sync"):
        for c in sync_collections(x):
            folder = (c.findtext(AIRSYNC + "CollectionId") or "").strip()
            key = (c.findtext(AIRSYNC + "SyncKey") or "").strip()
            exercised = True
            if key != "0" and key not in issued.get(folder, set()):
                failures.append((x, "key %s for %s was never issued for it" % (key, folder)))
            if folder in reset and key != "0":
                failures.append((x, "key %s for %s after Status 3 (MS-ASCMD 2.2.3.177.17: start with 0)"
                                 % (key, folder)))
            reset.discard(folder)
        for folder, c in answer_collections(x).items():
            if (c.findtext(AIRSYNC + "Status") or "").strip() == "3":
                reset.add(folder)
            got = (c.findtext(AIRSYNC + "SyncKey") or "").strip()
            if got and got != "0":
                issued.setdefault(folder, set()).add(got)
    return exercised, failures


@rule("sync.no-commands-at-zero", "Sync", "MS-ASCMD 3.1.5.4",
      "no Commands in a collection with SyncKey 0 (the initial key comes first)")
def no_commands_at_zero(session):
    failures, exercised = [], False
    for x in eas_requests(session):
        for c in sync_collections(x):
            if (c.findtext(AIRSYNC + "SyncKey") or "").strip() == "0":
                exercised = True
                if c.find(AIRSYNC + "Commands") is not None:
                    failures.append((x, "Commands with SyncKey 0"))
    return exercised, failures


@rule("sync.window-size", "Sync", "MS-ASCMD 2.2.3.199",
      "WindowSize at most 512")
def window_size(session):
    failures, exercised = [], False
    for x in requests_of(session, "Sync"):
        if x.body is None:
            continue
        for w in x.body.iter(AIRSYNC + "WindowSize"):
            exercised = True
            value = (w.text or "").strip()
            if not value.isdigit() or int(value) > 512:
                failures.append((x, "WindowSize %s" % value))
    return exercised, failures


@rule("sync.client-ids", "Sync", "MS-ASCMD 2.2.3.28.2",
      "every Add from the client has a ClientId, unique in its Sync request")
def client_ids(session):
    failures, exercised = [], False
    for x in eas_requests(session):
        seen = set()
        for c in sync_collections(x):
            for add in c.iter(AIRSYNC + "Add"):
                exercised = True
                cid = (add.findtext(AIRSYNC + "ClientId") or "").strip()
                if not cid:
                    failures.append((x, "an Add without ClientId"))
                elif cid in seen:
                    failures.append((x, "ClientId %s twice in one request" % cid))
                seen.add(cid)
    return exercised, failures


@rule("sync.class-by-version", "Sync", "MS-ASCMD 2.2.3.27.6",
      "no Class in a Sync request from 14.0 on (it exists in requests up to 12.1)")
def class_by_version(session):
    failures, exercised = [], False
    for x in requests_of(session, "Sync"):
        if x.body is None or not x.version:
            continue
        exercised = True
        if float(x.version) >= 14.0 and any(c.find(AIRSYNC + "Class") is not None for c in sync_collections(x)):
            failures.append((x, "Class in a %s Sync request" % x.version))
    return exercised, failures


@rule("sync.partial-and-empty", "Sync", "MS-ASCMD 2.2.2.21.1",
      "an empty Sync request (or Partial) only from 12.1 on")
def partial_and_empty(session):
    failures, exercised = [], False
    for x in requests_of(session, "Sync"):
        if not x.version:
            continue
        empty = x.body is None and x.mime is None and not x.body_problem
        partial = x.body is not None and any(local(e) == "Partial" for e in x.body.iter())
        if empty or partial:
            exercised = True
            if float(x.version) < 12.1:
                failures.append((x, "%s Sync at %s" % ("an empty" if empty else "a Partial", x.version)))
    return exercised, failures


def sync_statuses(x):
    """The Sync answer's top-level and collection statuses (not those of
    single items in Responses)."""
    if x.response is None:
        return set()
    holders = [x.response] + list(x.response.iter(AIRSYNC + "Collection"))
    return {(s.text or "").strip() for h in holders for s in h.findall(AIRSYNC + "Status")}


@rule("sync.status-12", "Sync", "MS-ASCMD 2.2.3.177.17",
      "after Sync Status 12 (the hierarchy changed) a FolderSync comes before the next Sync")
def sync_status_12(session):
    failures, exercised, told = [], False, None
    for x in eas_requests(session):
        if x.command in ("FolderSync", "Provision"):
            told = None
        elif x.command == "Sync":
            if told is not None:
                failures.append((x, "Sync again after %s answered Status 12 (FolderSync first)" % told.where()))
                told = None
            if "12" in sync_statuses(x):
                exercised, told = True, x
    return exercised, failures


@rule("sync.more-available", "Sync", "MS-ASCMD 2.2.3.116",
      "a collection answered with MoreAvailable is synced again before the next Ping")
def sync_more_available(session):
    failures, exercised, pending = [], False, {}  # collection -> the answer that said MoreAvailable
    for x in eas_requests(session):
        if x.command == "Sync":
            for c in sync_collections(x):
                pending.pop((c.findtext(AIRSYNC + "CollectionId") or "").strip(), None)
            for folder, c in answer_collections(x).items():
                if c.find(AIRSYNC + "MoreAvailable") is not None:
                    exercised = True
                    pending[folder] = x
        elif x.command == "Ping" and pending:
            failures.append((x, "Ping while %s had more to download (MoreAvailable in %s)" % (
                ", ".join(sorted(pending)), min(pending.values(), key=lambda a: a.number).where())))
            pending = {}
    return exercised, failures


# --- Ping (MS-ASCMD 2.2.1.13) ------------------------------------------------------

@rule("ping.after-status", "Ping", "MS-ASCMD 2.2.3.177.11",
      "after Ping Status 5 every later heartbeat within the limit given; after 6 at most MaxFolders; "
      "after 7 a FolderSync")
def ping_after_status(session):
    failures, exercised = [], False
    floor = ceiling = None  # the limits Status 5 answers gave (MS-ASCMD 2.2.3.88.1)
    for x, nxt in followed(session):
        if x.command != "Ping" or x.response is None:
            continue
        status = top_status(x)
        if status == "5":
            exercised = True
            limit = text(x.response, "HeartbeatInterval")
            original = text(x.body, "HeartbeatInterval") if x.body is not None else None
            if limit and limit.isdigit() and original and original.isdigit():
                if int(original) < int(limit):
                    floor = int(limit)
                else:
                    ceiling = int(limit)
        elif status == "6":
            exercised = True
            limit = text(x.response, "MaxFolders")
            if nxt.command == "Ping" and nxt.body is not None and limit and limit.isdigit() \
                    and len(children(nxt.body, "Folder")) > int(limit):
                failures.append((nxt, "%d folders after Status 6 with MaxFolders %s" % (
                    len(children(nxt.body, "Folder")), limit)))
        elif status == "7":
            exercised = True
            if nxt.command not in ("FolderSync", "Provision"):
                failures.append((nxt, "%s after Ping Status 7 (the hierarchy changed: FolderSync first)"
                                 % nxt.command))
        if nxt.command == "Ping" and nxt.body is not None:
            sent = text(nxt.body, "HeartbeatInterval")
            if sent and sent.isdigit() and ((floor is not None and int(sent) < floor)
                                            or (ceiling is not None and int(sent) > ceiling)):
                failures.append((nxt, "heartbeat %s after Status 5 set the limit %s" % (
                    sent, floor if floor is not None and int(sent) < floor else ceiling)))
    return exercised, failures


def ping_folder_ids(x):
    return [(f.findtext("{Ping:}Id") or "").strip() for f in children(x.body, "Folder")] if x.body is not None else []


@rule("ping.changed-folders-synced", "Ping", "MS-ASCMD 2.2.3.177.11",
      "after Ping Status 2 each folder the answer names is synced before the next Ping")
def ping_changed_folders_synced(session):
    failures, exercised, waiting = [], False, None  # waiting: (the Ping, the folders not yet synced)
    for x in eas_requests(session):
        if x.command == "Ping":
            if waiting and waiting[1]:
                failures.append((x, "Ping again before syncing %s (named by %s)" % (
                    ", ".join(sorted(waiting[1])), waiting[0].where())))
            waiting = None
            if x.response is not None and top_status(x) == "2":
                named = {(f.text or "").strip() for f in x.response.iter() if local(f) == "Folder"}
                if named:
                    exercised, waiting = True, (x, named)
        elif x.command == "Sync" and waiting:
            waiting[1].difference_update((c.findtext(AIRSYNC + "CollectionId") or "").strip()
                                         for c in sync_collections(x))
    return exercised, failures


@rule("ping.known-folders", "Ping", "MS-ASCMD 2.2.3.90",
      "a Ping names only folders of the hierarchy (none the server deleted; when the session began at "
      "FolderSync key 0, only folders it was given)")
def ping_known_folders(session):
    failures, exercised, known, deleted = [], False, None, set()
    for x in eas_requests(session):
        if x.command == "FolderSync" and x.response is not None and top_status(x) == "1":
            if x.body is not None and text(x.body, "SyncKey") == "0":
                known, deleted = set(), set()
            for change in x.response.iter():
                kind = local(change)
                if kind not in ("Add", "Delete") or not change.tag.startswith("{FolderHierarchy:"):
                    continue
                server_id = (change.findtext("{FolderHierarchy:}ServerId") or "").strip()
                if kind == "Add":
                    deleted.discard(server_id)
                    if known is not None:
                        known.add(server_id)
                else:
                    deleted.add(server_id)
                    if known is not None:
                        known.discard(server_id)
        elif x.command in ("FolderCreate",) and x.response is not None and known is not None:
            known.add(text(x.response, "ServerId") or "")
        elif x.command == "FolderDelete" and x.body is not None:
            deleted.add(text(x.body, "ServerId") or "")
            if known is not None:
                known.discard(text(x.body, "ServerId") or "")
        elif x.command == "Ping":
            for folder in ping_folder_ids(x):
                exercised = True
                if folder in deleted:
                    failures.append((x, "Ping names folder %s, which the server deleted" % folder))
                elif known is not None and folder not in known:
                    failures.append((x, "Ping names folder %s, not in the hierarchy" % folder))
    return exercised, failures


# --- Mail (MS-ASCMD 2.2.1.17) ------------------------------------------------------

@rule("mail.form-by-version", "Mail", "MS-ASCMD 2.2.1.17",
      "SendMail, SmartReply and SmartForward as MIME below 14.0, as ComposeMail WBXML from 14.0")
def mail_form(session):
    failures, exercised = [], False
    for x in requests_of(session, *MIME_COMMANDS):
        if not x.version or x.body_problem:
            continue  # (a body that does not decode is behaviour.wbxml's)
        exercised = True
        if float(x.version) < 14.0 and x.mime is None:
            failures.append((x, "%s at %s not as a MIME message" % (x.command, x.version)))
        if float(x.version) >= 14.0 and x.body is None:
            failures.append((x, "%s at %s not as ComposeMail WBXML" % (x.command, x.version)))
    return exercised, failures


@rule("mail.client-id", "Mail", "MS-ASCMD 2.2.3.28.1",
      "a ComposeMail ClientId is not used for two different messages")
def mail_client_id(session):
    seen, failures, exercised = {}, [], False
    for x in requests_of(session, *MIME_COMMANDS):
        if x.body is None:
            continue
        cid = text(x.body, "ClientId")
        mime = text(x.body, "Mime")
        if cid is None:
            continue
        exercised = True
        if cid in seen and seen[cid] != mime:
            failures.append((x, "ClientId %s again for another message" % cid))
        seen[cid] = mime
    return exercised, failures


# --- Behaviour -----------------------------------------------------------------------

@rule("behaviour.wbxml", "Behaviour", "MS-ASWBXML 2.1",
      "request bodies are well-formed WBXML with known tokens")
def wbxml_well_formed(session):
    xs = [x for x in eas_requests(session) if x.body is not None or x.body_problem]
    return bool(xs), [(x, x.body_problem) for x in xs if x.body_problem]


def version_number(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


@rule("behaviour.elements-by-version", "Behaviour", "MS-ASCMD 2.2.3",
      "every element of a request exists in the request's protocol version (each element's Protocol Versions "
      "table, as codepages.txt's since/until hold it)")
def elements_by_version(session):
    failures, exercised = [], False
    for x in eas_requests(session):
        version = version_number(x.version)
        if x.body is None or version is None:
            continue
        exercised = True
        for e in x.body.iter():
            if not e.tag.startswith("{"):
                continue
            ns, name = e.tag[1:].split("}", 1)
            page = eas_wbxml.page_by_namespace(ns)
            tag = page.by_name.get(name) if page is not None else None
            if tag is None:
                continue
            since, until = version_number(tag.since), version_number(tag.until)
            if (since is not None and version < since) or (until is not None and version > until):
                failures.append((x, "%s in a %s request (it is in %s)" % (
                    name, x.version, "%s to %s" % (tag.since or "2.5", tag.until or "16.1"))))
    return exercised, failures


@rule("behaviour.no-storm", "Behaviour", "MS-ASCMD 2.2.1.21",
      "no storm: the same request more than five times in a row with nothing new between")
def no_storm(session):
    failures, exercised, run, last = [], False, 0, None
    for x in eas_requests(session):
        if x.command == "Ping":
            run, last = 0, None  # a Ping waits: repeating it is its use
            continue
        sent = (x.command, "" if x.body is None else re.sub(r"\s+", "", ET.tostring(x.body, encoding="unicode")),
                x.mime)
        exercised = True
        run = run + 1 if sent == last else 1
        last = sent
        if run == 6:
            failures.append((x, "the same %s six times in a row" % x.command))
    return exercised, failures


STORM_PER_MINUTE = 20


def found_nothing(x):
    """The answer brought nothing new: a Sync without Commands, Responses or
    MoreAvailable (or an empty 200), a FolderSync without changes, a Ping
    whose heartbeat ran out, a GetItemEstimate of 0."""
    if x.status != 200:
        return False
    if x.command == "Sync":
        return x.response is None or not any(local(e) in ("Commands", "Responses", "MoreAvailable")
                                             for e in x.response.iter())
    if x.response is None:
        return False
    if x.command == "FolderSync":
        return top_status(x) == "1" and (text(x.response, "Count") or "0") == "0"
    if x.command == "Ping":
        return top_status(x) == "1"
    if x.command == "GetItemEstimate":
        return all((e.text or "").strip() == "0" for e in x.response.iter() if local(e) == "Estimate")
    return False


@rule("behaviour.storm-per-minute", "Behaviour", "MS-ASCMD 2.2.1.13",
      "no storm: at most %d requests of one command a minute that find nothing new (sessions with times: "
      "recorded)" % STORM_PER_MINUTE)
def storm_per_minute(session):
    failures, exercised, recent = [], False, {}  # command -> times of its requests that found nothing
    for x in eas_requests(session):
        if x.at is None or not found_nothing(x):
            continue
        exercised = True
        times = recent.setdefault(x.command, [])
        times.append(x.at)
        while times and times[0] <= x.at - 60:
            times.pop(0)
        if len(times) == STORM_PER_MINUTE + 1:
            failures.append((x, "%d %s requests within a minute that found nothing new" % (len(times), x.command)))
    return exercised, failures


@rule("behaviour.401", "Behaviour", "MS-ASHTTP 3.2.5.1",
      "no tight loop on 401: at most three requests in a row answered 401")
def no_401_loop(session):
    failures, run, exercised = [], 0, False
    for x in eas_requests(session):
        if x.status == 401:
            exercised, run = True, run + 1
            if run == 4:
                failures.append((x, "the fourth request in a row answered 401"))
        else:
            run = 0
    return exercised, failures


@rule("behaviour.retry-after", "Behaviour", "MS-ASHTTP 3.1.5.2.3",
      "after HTTP 503 with Retry-After, the next request waits that many seconds (sessions with times: recorded)")
def retry_after_honoured(session):
    failures, exercised = [], False
    requests = eas_requests(session)
    for x, following in zip(requests, requests[1:]):
        wait = (x.response_headers.get("retry-after") or "").strip()
        if x.status != 503 or not wait.isdigit() or x.answered is None or following.at is None:
            continue
        exercised = True
        # Half a second for the answer's way to the device.
        if following.at + 0.5 < x.answered + int(wait):
            failures.append((following, "came %.1f s after a 503 that said Retry-After: %s"
                             % (following.at - x.answered, wait)))
    return exercised, failures


def check(session, rules=None):
    verdicts = []
    for r in rules or RULES:
        exercised, failures = r.check(session)
        verdicts.append(Verdict(r, exercised, [(x, why) for x, why in failures if r.id not in x.breaks],
                                [(x, why) for x, why in failures if r.id in x.breaks]))
    return verdicts
