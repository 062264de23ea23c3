"""Recording a session (eas-server --record-dir, eas-admin devices record):
the project's test phone talks to a server that records it (on the embedded
store, and on the OX backend); the capture
written is `recorded`, names its state file, and replays green against a
fresh reference server holding that state, on the embedded store and on the
OX backend; the same capture with one byte of the server's answer changed
fails (docs/captures.md, "Recorded captures")."""

import base64
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
for sub in ("", "../wbxml", "../testing", "../requirements", "../captures"):
    sys.path.insert(0, os.path.join(HERE, sub))
import capture as cap  # noqa: E402
import eas_phone  # noqa: E402
import recorded_state  # noqa: E402
from eas_server import RunningServer  # noqa: E402

AS, FH = "{AirSync:}", "{FolderHierarchy:}"
DEVICE = "RECTEST0001"


def replayed(capture, backend):
    """The capture replayed at the reference level on a fresh server
    holding its state."""
    fresh = recorded_state.FreshServer(capture.fixture, backend)
    try:
        return cap.replay(capture, fresh.target, fresh.run_event, "reference", backend)
    finally:
        fresh.stop()


def folder_of(root, kind):
    for add in root.iter(FH + "Add"):
        if add.findtext(FH + "Type") == kind:
            return add.findtext(FH + "ServerId")
    raise AssertionError("no folder of type %s" % kind)


def sync(phone, collection, key, commands=""):
    status, root = phone.post("Sync", '<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>%s</SyncKey>'
                              '<CollectionId>%s</CollectionId>%s</Collection></Collections></Sync>'
                              % (key, collection, commands))
    assert status == 200, status
    return root.find(AS + "Collections/" + AS + "Collection")


def phone_session(phone):
    """The session the phone has: OPTIONS, provisioning, the hierarchy, a contacts
    folder downloaded, a contact added, changed and deleted from the phone,
    an estimate, a folder created and removed."""
    phone.conn.request("OPTIONS", eas_phone.PATH + "?User=miguel&DeviceId=%s&DeviceType=iPhone" % phone.device_id,
                       headers={"Authorization": eas_phone.auth(), "User-Agent": "Apple-iPhone4C1/902.176"})
    answer = phone.conn.getresponse()
    answer.read()
    assert answer.status == 200
    phone.provision()
    status, root = phone.post("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>')
    assert status == 200
    hierarchy_key = root.findtext(FH + "SyncKey")
    contacts = folder_of(root, "9")
    key = sync(phone, contacts, "0").findtext(AS + "SyncKey")
    first = sync(phone, contacts, key)
    assert len(first.find(AS + "Commands")) > 0
    key = first.findtext(AS + "SyncKey")
    # The user edits a contact the phone just got: its ServerId is this
    # server's, which a replay binds again by the contact's FileAs.
    known = first.find(AS + "Commands/" + AS + "Add")
    changed = sync(phone, contacts, key, '<Commands><Change><ServerId>%s</ServerId><ApplicationData>'
                   '<FileAs xmlns="Contacts:">%s</FileAs><JobTitle xmlns="Contacts:">Buyer</JobTitle>'
                   '</ApplicationData></Change></Commands>'
                   % (known.findtext(AS + "ServerId"), known.findtext(AS + "ApplicationData/{Contacts:}FileAs")))
    assert changed.findtext(AS + "Status") == "1"
    key = changed.findtext(AS + "SyncKey")
    added = sync(phone, contacts, key, '<Commands><Add><ClientId>rec-1</ClientId><ApplicationData>'
                 '<FileAs xmlns="Contacts:">Lund, Ida</FileAs><FirstName xmlns="Contacts:">Ida</FirstName>'
                 '<LastName xmlns="Contacts:">Lund</LastName></ApplicationData></Add></Commands>')
    key = added.findtext(AS + "SyncKey")
    server_id = added.findtext(AS + "Responses/" + AS + "Add/" + AS + "ServerId")
    assert server_id
    changed = sync(phone, contacts, key, '<Commands><Change><ServerId>%s</ServerId><ApplicationData>'
                   '<FileAs xmlns="Contacts:">Lund, Ida</FileAs><FirstName xmlns="Contacts:">Ida</FirstName>'
                   '<LastName xmlns="Contacts:">Lund</LastName><CompanyName xmlns="Contacts:">Fjord AS</CompanyName>'
                   '</ApplicationData></Change></Commands>' % server_id)
    key = changed.findtext(AS + "SyncKey")
    status, _ = phone.post("GetItemEstimate", '<GetItemEstimate xmlns="GetItemEstimate:"><Collections><Collection>'
                           '<SyncKey xmlns="AirSync:">%s</SyncKey><CollectionId>%s</CollectionId></Collection>'
                           '</Collections></GetItemEstimate>' % (key, contacts))
    assert status == 200
    status, root = phone.post("FolderCreate", '<FolderCreate xmlns="FolderHierarchy:"><SyncKey>%s</SyncKey>'
                              '<ParentId>0</ParentId><DisplayName>Recorded</DisplayName><Type>12</Type>'
                              '</FolderCreate>' % hierarchy_key)
    assert root.findtext(FH + "Status") == "1"
    hierarchy_key, created = root.findtext(FH + "SyncKey"), root.findtext(FH + "ServerId")
    status, root = phone.post("FolderDelete", '<FolderDelete xmlns="FolderHierarchy:"><SyncKey>%s</SyncKey>'
                              '<ServerId>%s</ServerId></FolderDelete>' % (hierarchy_key, created))
    assert root.findtext(FH + "Status") == "1"
    deleted = sync(phone, contacts, key, '<Commands><Delete><ServerId>%s</ServerId></Delete></Commands>' % server_id)
    assert deleted.findtext(AS + "Status") == "1"


@pytest.fixture(scope="module", params=["embedded", "ox"])
def recorded(request):
    """The recorded capture's path, after a session of the test phone with a
    server on that backend (the state is exported through either)."""
    record_dir = tempfile.mkdtemp(prefix="eas-record-")
    mock = None
    if request.param == "embedded":
        server = RunningServer(["--record-dir=" + record_dir])
    else:
        from eas_server import ADMIN
        from ox_mock import RunningOxMock
        fixture = os.path.join(record_dir, "demo-ox.json.in")
        with open(fixture, "w") as f:
            f.write(subprocess.run([ADMIN, "demo-ox-fixture"], capture_output=True, text=True, check=True).stdout)
        mock = RunningOxMock(fixture)
        os.remove(fixture)
        server = RunningServer(["--backend=ox", "--ox-url=" + mock.url, "--ox-sync-freshness-ms=0",
                                "--record-dir=" + record_dir])
    try:
        done = server.admin("devices", "record", "ox.io/miguel", DEVICE, "on")
        assert done.returncode == 0, done.stderr
        conn = eas_phone.connect(server.ports, tls=False)
        phone_session(eas_phone.Phone(conn, DEVICE))
        conn.close()
        server.admin("devices", "record", "ox.io/miguel", DEVICE, "off")
    finally:
        server.stop()
        if mock is not None:
            mock.stop()
    files = glob.glob(os.path.join(record_dir, "*.xml"))
    assert len(files) == 1, files
    # Kept with the test's outputs: what a recording looks like.
    if os.environ.get("TEST_UNDECLARED_OUTPUTS_DIR"):
        for f in glob.glob(os.path.join(record_dir, "*")):
            shutil.copy(f, os.environ["TEST_UNDECLARED_OUTPUTS_DIR"])
    yield files[0]
    shutil.rmtree(record_dir, ignore_errors=True)


def test_the_recorded_capture_says_what_it_is(recorded):
    c = cap.Capture(recorded)
    assert c.provenance == "recorded"
    assert c.device["device-id"] == DEVICE and c.device["device-type"] == "iPhone"
    assert c.device["user-agent"] == "Apple-iPhone4C1/902.176" and c.device["protocol"] == "14.1"
    assert c.groupware == "recorded" and os.path.exists(c.fixture)
    assert c.account["user"] == "ox.io\\miguel"
    assert len(c.steps) == 13  # every request of the session, none twice
    assert "{{basic-auth}}" in c.text and "secret" not in c.text.replace('password="secret"', "")
    # Issued values are bindings, not this server's values.
    assert "{{policy_key_2}}" in c.text and "{{sync_key_" in c.text
    assert 'match="items"' in c.text  # the first download, as the corpus writes it
    # Its items are bound by what they hold, and the edit of one names it so.
    download = c.steps[5].find("response/body")[0].find(".//{AirSync:}Commands")
    binds = {b.get("name"): b for b in download}
    assert binds and all(b.get("by") == "contacts:FileAs" for b in binds.values())
    edited = c.steps[6].find("request/body")[0].findtext(".//{AirSync:}Change/{AirSync:}ServerId")
    assert edited.strip("{}") in binds, edited
    # The hierarchy's key and a collection's are bound apart, even where
    # this server gave both the same value.
    keys = [s.find("response/body")[0].findtext(".//{*}SyncKey") for s in c.steps[3:5]]
    assert keys[0] != keys[1] and all(k.startswith("{{sync_key_") for k in keys), keys


@pytest.mark.parametrize("backend", ["embedded", "ox"])
def test_the_recorded_capture_replays_green_on_a_fresh_server(recorded, backend):
    outcome = replayed(cap.Capture(recorded), backend)
    assert outcome.passed, outcome.report()


def test_the_client_rules_judge_the_recorded_session(recorded):
    """tools/clientcheck reads a recorded capture like any other: the test
    phone breaks no client rule, and the rules its session exercises say so."""
    import rules
    import session as sessions
    verdicts = {v.rule.id: v for v in rules.check(sessions.from_capture(recorded))}
    assert not [i for i, v in verdicts.items() if v.failures], [(i, v.failures) for i, v in verdicts.items()]
    for exercised in ("http.query", "http.protocol-version", "provision.acknowledge", "foldersync.keys",
                      "sync.keys", "sync.client-ids"):
        assert verdicts[exercised].exercised, exercised


# What the test phone's session and its account hold that is personal: the
# demo's names, addresses, phone numbers and mail text.
PERSONAL = [r"\bLena\b", r"\bMeier\b", r"\bLund\b", r"\bIda\b", r"\bFjord\b", r"\bOkafor\b", r"\bOrtega\b",
            r"example\.com", r"Status update", r"\+49 170 555 0200", r"Room Rhein", r"Team weekly"]


def test_a_private_capture_keeps_no_personal_word_and_replays_green(recorded, tmp_path):
    """tools/captures/private_capture: the recorded session with its text
    replaced replays green on both backends, its client verdict unchanged,
    and neither the capture nor its state holds the personal words."""
    import private_capture
    import rules
    import session as sessions
    written, changed = private_capture.make_private(recorded, str(tmp_path))
    original, private = cap.Capture(recorded), cap.Capture(written)
    held = open(written, encoding="utf-8").read() + open(private.fixture, encoding="utf-8").read()
    original_held = open(recorded, encoding="utf-8").read() + open(original.fixture, encoding="utf-8").read()
    for pattern in PERSONAL:
        assert re.search(pattern, original_held), pattern  # the check can fail
        assert not re.search(pattern, held), pattern
    assert private.provenance == "recorded" and "placeholders" in held
    assert len(private.steps) == len(original.steps)
    assert [s.get("at") for s in private.steps] == [s.get("at") for s in original.steps]
    assert 'password="secret"' in held and 'user="ox.io\\miguel"' in held  # the account is kept
    for backend in ("embedded", "ox"):
        outcome = replayed(private, backend)
        assert outcome.passed, (backend, outcome.report())
    verdict = {v.rule.id: v.outcome for v in rules.check(sessions.from_capture(recorded))}
    assert {v.rule.id: v.outcome for v in rules.check(sessions.from_capture(written))} == verdict


def test_a_session_under_another_policy_replays_under_it(tmp_path):
    """The state beside a recording holds the server's policy (eas_policy):
    a session recorded under a changed policy replays green on both
    backends, and fails at Provision without it."""
    record_dir = tempfile.mkdtemp(prefix="eas-record-policy-")
    server = RunningServer(["--record-dir=" + record_dir])
    try:
        changed = server.admin("policy", "set", "DevicePasswordEnabled=1", "MinDevicePasswordLength=6")
        assert changed.returncode == 0, changed.stderr
        assert server.admin("devices", "record", "ox.io/miguel", "RECPOLICY1", "on").returncode == 0
        conn = eas_phone.connect(server.ports, tls=False)
        phone = eas_phone.Phone(conn, "RECPOLICY1")
        phone.provision()
        status, _ = phone.post("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey>'
                                             '</FolderSync>')
        assert status == 200
        conn.close()
        server.admin("devices", "record", "ox.io/miguel", "RECPOLICY1", "off")
    finally:
        server.stop()
    files = glob.glob(os.path.join(record_dir, "*.xml"))
    assert len(files) == 1, files
    c = cap.Capture(files[0])
    import json
    with open(c.fixture, encoding="utf-8") as f:
        state = json.load(f)
    assert state["eas_policy"]["settings"]["MinDevicePasswordLength"] == "6"
    for backend in ("embedded", "ox"):
        outcome = replayed(c, backend)
        assert outcome.passed, (backend, outcome.report())
    # Without it, the fresh server's own policy answers the Provision.
    del state["eas_policy"]
    with open(c.fixture, "w", encoding="utf-8") as f:
        json.dump(state, f)
    outcome = replayed(c, "embedded")
    assert [d.number for d in outcome.differences][:1] == [1], outcome.report()
    shutil.rmtree(record_dir, ignore_errors=True)


OUTSIDE_MAIL = ("From: Lena Meier <lena.meier@example.com>\r\nTo: miguel@ox.io\r\nSubject: %s\r\n"
                "Message-ID: <%s@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                "\r\n%s\r\n")


def test_mail_from_outside_is_recorded_as_deliveries_and_replays(tmp_path):
    """Mail that arrives during the session becomes deliver events: into
    the parked Ping it woke, or before the Sync that brought it; the copy
    of the device's own message in Sent Items does not. The recording replays green on both
    backends, and its private form too."""
    import threading
    record_dir = tempfile.mkdtemp(prefix="eas-record-mail-")
    server = RunningServer(["--record-dir=" + record_dir])
    try:
        assert server.admin("devices", "record", "ox.io/miguel", "RECMAIL1", "on").returncode == 0
        phone = eas_phone.Phone(eas_phone.connect(server.ports, tls=False), "RECMAIL1")
        phone.provision()
        status, root = phone.post("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey>'
                                                '</FolderSync>')
        inbox = folder_of(root, "2")
        key = sync(phone, inbox, "0").findtext(AS + "SyncKey")
        while True:
            got = sync(phone, inbox, key, "<WindowSize>100</WindowSize>")
            key = got.findtext(AS + "SyncKey")
            if got.find(AS + "MoreAvailable") is None:
                break
        answer = {}
        ping = threading.Thread(target=lambda: answer.update(ping=phone.post(
            "Ping", '<Ping xmlns="Ping:"><HeartbeatInterval>60</HeartbeatInterval><Folders><Folder><Id>%s</Id>'
                    '<Class>Email</Class></Folder></Folders></Ping>' % inbox)))
        ping.start()
        time.sleep(1.0)
        assert server.admin("mail", "deliver", "ox.io/miguel",
                            stdin=OUTSIDE_MAIL % ("During the Ping", "rec-1", "It woke the Ping.")).returncode == 0
        ping.join(30)
        assert answer["ping"][1].findtext("{Ping:}Status") == "2"
        got = sync(phone, inbox, key)
        key = got.findtext(AS + "SyncKey")
        assert "During the Ping" in str(ET.tostring(got, encoding="unicode"))
        assert server.admin("mail", "deliver", "ox.io/miguel",
                            stdin=OUTSIDE_MAIL % ("Between requests", "rec-2", "Seen by the next Sync.")).returncode == 0
        key = sync(phone, inbox, key).findtext(AS + "SyncKey")
        # The device's own message: its copy in Sent Items is no delivery.
        mime = "From: miguel@ox.io\r\nTo: miguel@ox.io\r\nSubject: Sent by the phone\r\n\r\nMine.\r\n"
        status, _ = phone.post("SendMail", '<SendMail xmlns="ComposeMail:"><ClientId>rec-sent-1</ClientId>'
                                           '<SaveInSentItems/><Mime opaque="base64">%s</Mime></SendMail>'
                               % base64.b64encode(mime.encode()).decode())
        assert status == 200
        sent = folder_of(root, "5")
        sent_key = sync(phone, sent, "0").findtext(AS + "SyncKey")
        copy = sync(phone, sent, sent_key, "<WindowSize>100</WindowSize>")
        assert "Sent by the phone" in ET.tostring(copy, encoding="unicode")
        server.admin("devices", "record", "ox.io/miguel", "RECMAIL1", "off")
    finally:
        server.stop()
    files = glob.glob(os.path.join(record_dir, "*.xml"))
    assert len(files) == 1, files
    c = cap.Capture(files[0])
    root = ET.parse(files[0]).getroot()
    during = [e for x in root.findall("exchange") for e in x.findall("event")]
    before = root.findall("event")
    assert [e.get("kind") for e in during + before] == ["deliver", "deliver"], ET.tostring(root)[:2000]
    assert "During the Ping" in during[0].text and int(during[0].get("after-ms")) >= 500
    assert "Between requests" in before[0].text
    assert replayed(c, "embedded").passed
    # On the OX backend the copy in Sent Items shows a moment later than a
    # replay's next request comes: that backend replays the deliveries
    # (the session up to the SendMail).
    cut = ET.parse(files[0])
    for x in cut.getroot().findall("exchange")[-3:]:
        cut.getroot().remove(x)
    cut.write(str(tmp_path / "until-sent.xml"), encoding="utf-8", xml_declaration=True)
    shutil.copy(c.fixture, tmp_path)
    outcome = replayed(cap.Capture(str(tmp_path / "until-sent.xml")), "ox")
    assert outcome.passed, outcome.report()
    import private_capture
    written, _ = private_capture.make_private(files[0], str(tmp_path))
    held = open(written, encoding="utf-8").read()
    assert "During the Ping" not in held and held.count('kind="deliver"') == 2
    assert replayed(cap.Capture(written), "embedded").passed
    shutil.rmtree(record_dir, ignore_errors=True)


def test_one_byte_of_the_server_changed_fails(recorded, tmp_path):
    """The capture checks the server's answers: a FolderSync that names the
    Contacts folder "Contactz" is not what the server says."""
    text = open(recorded, encoding="utf-8").read()
    assert text.count("<DisplayName>Contacts</DisplayName>") == 1
    changed = tmp_path / os.path.basename(recorded)
    changed.write_text(text.replace("<DisplayName>Contacts</DisplayName>", "<DisplayName>Contactz</DisplayName>"),
                       encoding="utf-8")
    shutil.copy(cap.Capture(recorded).fixture, tmp_path)
    outcome = replayed(cap.Capture(str(changed)), "embedded")
    assert not outcome.passed
    assert [d.number for d in outcome.differences] == [4], outcome.report()
    assert "Contactz" in outcome.report() or "Contacts" in outcome.report()


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
