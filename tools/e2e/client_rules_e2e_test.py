"""Every client rule on real traffic: the project's test phone talks to the
real eas-server with recording on (eas-admin devices record), once keeping
every rule and once for each rule doing the one thing that rule forbids;
the recorded session is judged by tools/clientcheck. The well-behaved one
fails no rule; each other is flagged by its rule and by no other
(issue 13's proof; clientcheck_test does the same on sessions written by
hand, including the rules a recording cannot show, listed here)."""

import os
import sys
import tempfile
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testing"))
from eas_phone import PATH, Phone, auth, connect, wbxml  # noqa: E402
from eas_server import RunningServer  # noqa: E402

import clientcheck  # noqa: E402
import rules  # noqa: E402
import session as sessions  # noqa: E402

A, H = "{AirSync:}", "{FolderHierarchy:}"
ACCOUNT = "ox.io/miguel"

# What a recording cannot hold: the server turns these requests away before
# it knows the device, so they are not recorded (docs/captures.md).
NOT_RECORDABLE = {
    "behaviour.401": "a request answered 401 is turned away before the device is known",
}


@pytest.fixture(scope="module")
def server():
    record_dir = tempfile.mkdtemp(prefix="rules-record-")
    running = RunningServer(extra_args=["--record-dir=" + record_dir])
    running.record_dir = record_dir
    yield running
    running.stop()


class RecordedPhone(Phone):
    """The test phone, recorded from its first request; `verdict()` ends the
    session and judges it."""

    def __init__(self, server, device_id, version="14.1", device=("iPhone", "Apple-iPhone4C1/902.176")):
        assert server.admin("devices", "record", ACCOUNT, device_id, "on").returncode == 0
        super().__init__(connect(server.ports, False), device_id, version=version, device_type=device[0])
        self.server, self.hierarchy, self.keys, self.folders = server, "0", {}, {}
        self.user_agent = device[1]

    def post(self, command, xml_text=None, headers=None):
        return super().post(command, xml_text, dict({"User-Agent": self.user_agent}, **(headers or {})))

    def options(self):
        self.conn.request("OPTIONS", PATH + "?User=miguel&DeviceId=%s&DeviceType=%s" % (self.device_id,
                                                                                        self.device_type),
                          headers={"Authorization": auth(), "User-Agent": self.user_agent})
        answer = self.conn.getresponse()
        answer.read()
        assert answer.status == 200

    def start(self):
        """OPTIONS, provisioning, the hierarchy: what every session here begins with."""
        self.options()
        self.provision()
        self.folder_sync()
        return self

    def folder_sync(self, key=None):
        status, root = self.post("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>%s</SyncKey>'
                                               '</FolderSync>' % (key or self.hierarchy))
        if root is not None and root.findtext(H + "SyncKey"):
            self.hierarchy = root.findtext(H + "SyncKey")
        for add in (root.iter(H + "Add") if root is not None else ()):
            self.folders.setdefault(add.findtext(H + "Type"), add.findtext(H + "ServerId"))
        return status, root

    def sync(self, folder_type, inner="", key=None):
        folder = self.folders.get(folder_type, folder_type)
        key = key if key is not None else self.keys.get(folder, "0")
        status, root = self.post("Sync", '<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>%s</SyncKey>'
                                         '<CollectionId>%s</CollectionId>%s</Collection></Collections></Sync>'
                                 % (key, folder, inner))
        collection = root.find(".//%sCollection" % A) if root is not None else None
        if collection is not None and collection.findtext(A + "SyncKey"):
            self.keys[folder] = collection.findtext(A + "SyncKey")
        return status, collection

    def synced_up(self, folder_type):
        """A collection downloaded whole."""
        self.sync(folder_type)
        for _ in range(20):
            _, collection = self.sync(folder_type, "<WindowSize>100</WindowSize>")
            if collection.find(A + "MoreAvailable") is None:
                return

    def ping(self, heartbeat=60, folders=("2",)):
        ids = "".join("<Folder><Id>%s</Id><Class>Email</Class></Folder>" % self.folders.get(f, f) for f in folders)
        return self.post("Ping", '<Ping xmlns="Ping:"><HeartbeatInterval>%d</HeartbeatInterval><Folders>%s</Folders>'
                                 '</Ping>' % (heartbeat, ids))

    def send_mail(self, client_id, text):
        mime = "From: miguel@ox.io\r\nTo: ana@ox.io\r\nSubject: %s\r\n\r\n%s\r\n" % (text, text)
        import base64
        return self.post("SendMail", '<SendMail xmlns="ComposeMail:"><ClientId>%s</ClientId><SaveInSentItems/>'
                                     '<Mime opaque="base64">%s</Mime></SendMail>'
                         % (client_id, base64.b64encode(mime.encode()).decode()))

    def verdict(self):
        assert self.server.admin("devices", "record", ACCOUNT, self.device_id, "off").returncode == 0
        path = clientcheck.newest_recording(self.server.record_dir, ACCOUNT, self.device_id)
        assert path, "nothing recorded of %s" % self.device_id
        return {v.rule.id: v for v in rules.check(sessions.from_capture(path))}


def failing(verdicts):
    return sorted(i for i, v in verdicts.items() if v.failures)


def raw(phone, command, body, content_type="application/vnd.ms-sync.wbxml", query_extra=""):
    """A request the Phone helper would not send: its own bytes and headers."""
    query = "Cmd=%s&User=miguel&DeviceId=%s&DeviceType=%s%s" % (command, phone.device_id, phone.device_type,
                                                                query_extra)
    phone.conn.request("POST", PATH + "?" + query, body=body, headers={
        "Authorization": auth(), "MS-ASProtocolVersion": phone.version, "X-MS-PolicyKey": phone.policy_key,
        "Content-Type": content_type, "User-Agent": phone.user_agent})
    answer = phone.conn.getresponse()
    answer.read()
    return answer.status


def provision_by_hand(phone, acknowledged=None, phase1_times=1):
    ns = "{Provision:}"
    first = ('<Provision xmlns="Provision:"><Policies><Policy><PolicyType>MS-EAS-Provisioning-WBXML</PolicyType>'
             '</Policy></Policies></Provision>')
    for _ in range(phase1_times):
        _, root = phone.post("Provision", first)
    temporary = root.find("%sPolicies/%sPolicy/%sPolicyKey" % (ns, ns, ns)).text
    phone.policy_key = temporary
    _, root = phone.post("Provision", first.replace(
        "</PolicyType>", "</PolicyType><PolicyKey>%s</PolicyKey><Status>1</Status>" % (acknowledged or temporary)))
    key = root.find("%sPolicies/%sPolicy/%sPolicyKey" % (ns, ns, ns))
    if key is not None and key.text:
        phone.policy_key = key.text


def well_behaved(p):
    p.start()
    p.synced_up("9")
    p.sync("9", "<Commands><Add><ClientId>c-1</ClientId><ApplicationData><FileAs xmlns=\"Contacts:\">Rules, Ada"
                "</FileAs><LastName xmlns=\"Contacts:\">Rules</LastName></ApplicationData></Add></Commands>")
    p.synced_up("2")
    p.ping(heartbeat=1)  # Status 5: the limit
    p.send_mail("m-1", "one")
    p.send_mail("m-2", "two")
    p.folder_sync()


def breaks_policy_key(p):
    p.start()
    final = p.policy_key
    p.policy_key = "1"  # not the key the server gave
    p.folder_sync()     # 144 ...
    p.policy_key = final
    p.provision()       # ... and it provisions, as told


def breaks_when_told(p):
    p.options()
    p.folder_sync()     # 142: provision first
    p.folder_sync()


def breaks_wipe_acknowledged(p):
    p.start()
    assert p.server.admin("devices", "wipe", ACCOUNT, p.device_id).returncode == 0
    p.folder_sync()     # 140
    p.post("Provision", '<Provision xmlns="Provision:"/>')  # the RemoteWipe ...
    p.folder_sync()     # ... not acknowledged


def breaks_retry_after(p):
    p.start()
    assert p.server.admin("devices", "plan", ACCOUNT, p.device_id, "standard").returncode == 0
    status, _ = p.folder_sync()  # 503, Retry-After: 5 (the test plan)
    assert status == 503
    assert p.server.admin("devices", "plan", ACCOUNT, p.device_id, "off").returncode == 0
    p.folder_sync()              # at once


def breaks_storm_per_minute(p):
    p.start()
    p.synced_up("9")
    for n in range(rules.STORM_PER_MINUTE + 1):  # nothing new, 21 times in a minute (never six alike)
        p.sync("9", "<WindowSize>%d</WindowSize>" % (50 + n % 2))


BREAKING = {
    "http.query": lambda p: (p.start(), raw(p, "FolderSync", wbxml(
        '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>'), query_extra="&User=miguel")),
    "http.device-stable": lambda p: (p.start(), setattr(p, "device_type", "SmartPhone"), p.folder_sync()),
    "http.protocol-version": lambda p: (p.start(), setattr(p, "version", "13.0"), p.folder_sync()),
    "http.content-type": lambda p: (p.start(), raw(p, "FolderSync", wbxml(
        '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>'), content_type="text/plain")),
    "http.policy-key": breaks_policy_key,
    "provision.when-told": breaks_when_told,
    "provision.acknowledge": lambda p: (p.options(), provision_by_hand(p, acknowledged="4711"), p.provision()),
    "provision.no-loop": lambda p: (p.options(), provision_by_hand(p, phase1_times=4)),
    "provision.wipe-acknowledged": breaks_wipe_acknowledged,
    "foldersync.keys": lambda p: (p.start(), p.folder_sync("4711")),
    "sync.keys": lambda p: (p.start(), p.sync("9", key="4711")),
    "sync.no-commands-at-zero": lambda p: (p.start(), p.sync("9", "<Commands><Add><ClientId>z-1</ClientId>"
                                                                  "<ApplicationData/></Add></Commands>")),
    "sync.window-size": lambda p: (p.start(), p.sync("9"), p.sync("9", "<WindowSize>513</WindowSize>")),
    "sync.client-ids": lambda p: (p.start(), p.sync("9"), p.sync("9", "<Commands>" + "<Add><ClientId>d-1</ClientId>"
                                  "<ApplicationData><FileAs xmlns=\"Contacts:\">Twice</FileAs></ApplicationData>"
                                  "</Add>" * 2 + "</Commands>")),
    "sync.class-by-version": lambda p: (p.start(), p.sync("9", "<Class>Contacts</Class>")),
    "sync.partial-and-empty": lambda p: (p.start(), p.synced_up("9"), p.post("Sync")),
    "sync.status-12": lambda p: (p.start(), p.sync("nosuch"), p.sync("nosuch")),
    "sync.more-available": lambda p: (p.start(), p.sync("2"), p.sync("2", "<WindowSize>1</WindowSize>"), p.ping()),
    "ping.after-status": lambda p: (p.start(), p.ping(heartbeat=1), p.ping(heartbeat=1)),
    "ping.changed-folders-synced": lambda p: (p.start(), p.sync("2"), p.ping(), p.ping()),
    "ping.known-folders": lambda p: (p.start(), p.ping(folders=("nosuch",)), p.folder_sync()),
    "mail.form-by-version": lambda p: (p.start(), raw(p, "SendMail", b"From: miguel@ox.io\r\nTo: ana@ox.io\r\n"
                                                      b"Subject: as MIME\r\n\r\nat 14.1\r\n",
                                                      content_type="message/rfc822", query_extra="&SaveInSent=T")),
    "mail.client-id": lambda p: (p.start(), p.send_mail("m-1", "one"), p.send_mail("m-1", "another")),
    "behaviour.wbxml": lambda p: (p.start(), raw(p, "FolderSync", b"\x03\x01\x6a\x00\x45\x7f\x03\x30\x00\x01\x01")),
    "behaviour.elements-by-version": lambda p: (p.start(), p.sync("9"), p.sync(
        "9", "<Options><Truncation>1</Truncation></Options>")),  # 2.5's, in a 14.1 request
    "behaviour.no-storm": lambda p: (p.start(), [p.folder_sync() for _ in range(6)]),
    "behaviour.storm-per-minute": breaks_storm_per_minute,
    "behaviour.retry-after": breaks_retry_after,
}

VERSIONS = {"sync.partial-and-empty": "12.0"}
# Apple's clients get Status 3 for a folder that is gone (the quirk
# unknown-collection-as-invalid-key): Status 12 needs another client.
DEVICES = {"sync.status-12": ("SmartPhone", "MSFT-SPhone/5.2.1")}


def test_every_rule_is_broken_here_or_said_why_not():
    assert sorted(list(BREAKING) + list(NOT_RECORDABLE)) == sorted(r.id for r in rules.RULES)


def test_a_recorded_well_behaved_session_fails_no_rule(server):
    p = RecordedPhone(server, "RULESGOOD1")
    well_behaved(p)
    verdicts = p.verdict()
    assert failing(verdicts) == [], {i: v.failures for i, v in verdicts.items() if v.failures}
    assert sum(1 for v in verdicts.values() if v.outcome == "pass") >= 18


@pytest.mark.parametrize("rule_id", sorted(BREAKING))
def test_a_recorded_session_that_breaks_one_rule_is_flagged_by_that_rule_only(server, rule_id):
    device = "RULES" + "".join(c for c in rule_id.upper() if c.isalnum())[:20]
    p = RecordedPhone(server, device, version=VERSIONS.get(rule_id, "14.1"),
                      device=DEVICES.get(rule_id, ("iPhone", "Apple-iPhone4C1/902.176")))
    BREAKING[rule_id](p)
    time.sleep(0.05)
    verdicts = p.verdict()
    assert failing(verdicts) == [rule_id], {i: [w for _, w in v.failures] for i, v in verdicts.items()
                                            if v.failures}


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
