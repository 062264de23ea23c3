"""The reference server with --backend=ox against the OX mock: logins go to
OX, all four data types and mail sync through the connector, phone changes
reach OX, OX changes wake a parked Ping, and injected faults (503s, expired
sessions, dropped connections) make phones retry without losing or
duplicating anything. The mock's journal shows what the connector asked."""

import os
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testing"))
from eas_phone import Phone, connect  # noqa: E402
from eas_server import RunningServer  # noqa: E402
from ox_mock import RunningOxMock  # noqa: E402

A = "{AirSync:}"


@pytest.fixture()
def ox():
    mock = RunningOxMock()
    server = RunningServer(["--backend=ox", "--ox-url=" + mock.url, "--ox-watch-seconds=1",
                            "--ox-timeout-seconds=3", "--ping-min-heartbeat=1"])
    ports = dict(server.ports)
    yield mock, ports
    server.stop()
    mock.stop()


def provisioned(ports, device, user="miguel"):
    phone = Phone(connect(ports, False), device, user=user)
    phone.provision()
    status, root = phone.post("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>')
    assert status == 200 and root.find("{FolderHierarchy:}Status").text == "1"
    folders = {a.find("{FolderHierarchy:}ServerId").text: (a.find("{FolderHierarchy:}DisplayName").text,
                                                           a.find("{FolderHierarchy:}Type").text)
               for a in root.iter("{FolderHierarchy:}Add")}
    return phone, folders


def sync(phone, folder, key, extra=""):
    status, root = phone.post("Sync", '<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>%s</SyncKey>'
                                      '<CollectionId>%s</CollectionId>%s</Collection></Collections></Sync>'
                              % (key, folder, extra))
    return status, root


def initial(phone, folder):
    _, root = sync(phone, folder, "0")
    key = root.find(A + "Collections/" + A + "Collection/" + A + "SyncKey").text
    status, root = sync(phone, folder, key, "<WindowSize>100</WindowSize>")
    assert status == 200, status
    return root.find(A + "Collections/" + A + "Collection/" + A + "SyncKey").text, root


def until_ok(request, tries=5):
    """Retries a request answered 503 (retry later) as a phone does."""
    for _ in range(tries):
        status, root = request()
        if status != 503:
            assert status == 200, status
            return status, root
        time.sleep(0.3)
    raise AssertionError("still 503 after %d tries" % tries)


def answered_after_change(request, mock, file_as):
    """Sends a waiting request (Ping, Sync with a heartbeat) in the
    background, has OX get a new contact in Miguel's folder while it waits,
    and returns its answer and the seconds from the change to the answer."""
    result = {}
    t = threading.Thread(target=lambda: result.update(reply=request()))
    t.start()
    time.sleep(1.5)
    started = time.time()
    mock.change(module="contacts", action="new", user="miguel", folder="30",
                data={"display_name": file_as, "file_as": file_as})
    t.join(20)
    return result["reply"], time.time() - started


def test_login_goes_to_ox(ox):
    mock, ports = ox
    phone = Phone(connect(ports, False), "OXLOGIN1")
    phone.post("FolderSync", "<FolderSync xmlns=\"FolderHierarchy:\"><SyncKey>0</SyncKey></FolderSync>",
               {"Authorization": "Basic " + __import__("base64").b64encode(b"ox.io\\miguel:wrong").decode()})
    logins = [j for j in mock.journal() if j["module"] == "login"]
    assert logins, "the connector did not ask OX"
    status, _ = Phone(connect(ports, False), "OXLOGIN2").post(
        "FolderSync", None, {"Authorization": "Basic " + __import__("base64").b64encode(b"ox.io\\miguel:nope").decode()})
    assert status == 401


def test_hierarchy_and_all_four_data_types(ox):
    mock, ports = ox
    phone, folders = provisioned(ports, "OXSYNC01")
    types = {name: t for name, t in folders.values()}
    # Default folders carry the ids phones see on the embedded store.
    assert {"inbox", "sent", "trash", "drafts", "contacts", "calendar", "tasks"} <= set(folders)
    assert types["Inbox"] == "2" and types["Sent"] == "5" and types["Trash"] == "4" and types["Drafts"] == "3"
    assert types["Contacts"] == "9" and types["Calendar"] == "8" and types["Tasks"] == "7"
    assert types["Customers"] == "14"
    assert "Global address book" not in types
    # OX has no Outbox; the connector keeps an empty one, as phones want.
    assert folders["outbox"] == ("Outbox", "6")
    key, outbox = initial(phone, "outbox")
    assert outbox.find(A + "Collections/" + A + "Collection/" + A + "Status").text == "1"
    assert not list(outbox.iter(A + "Add"))
    status, root = phone.post("Ping", '<Ping xmlns="Ping:"><HeartbeatInterval>1</HeartbeatInterval><Folders><Folder>'
                                      '<Id>outbox</Id><Class>Email</Class></Folder></Folders></Ping>')
    assert status == 200 and root.find("{Ping:}Status").text == "1"
    _, contacts = initial(phone, "contacts")
    assert sorted(e.text for e in contacts.iter("{Contacts:}FileAs")) == ["Meier, Lena", "Okafor, Jonas"]
    _, calendar = initial(phone, "calendar")
    assert sorted(e.text for e in calendar.iter("{Calendar:}Subject")) == ["Release day", "Team weekly"]
    _, tasks = initial(phone, "tasks")
    assert sorted(e.text for e in tasks.iter("{Tasks:}Subject")) == ["Book travel", "Prepare Q4 report"]
    _, inbox = initial(phone, "inbox")
    assert sorted(e.text for e in inbox.iter("{Email:}Subject")) == ["Q3 figures", "Welcome"]
    # One small request per folder: "updates" with a timestamp, no full listing.
    updates = [j for j in mock.journal() if j["module"] == "contacts" and j["action"] == "updates"]
    assert updates and all("timestamp" in j["params"] for j in updates)


def test_phone_changes_reach_ox_once(ox):
    mock, ports = ox
    phone, _ = provisioned(ports, "OXWRITE1")
    key, _ = initial(phone, "contacts")
    add = ('<Commands><Add><ClientId>c1</ClientId><ApplicationData><FileAs xmlns="Contacts:">Neu, Nina</FileAs>'
           '<Email1Address xmlns="Contacts:">nina@example.com</Email1Address></ApplicationData></Add></Commands>')
    status, root = sync(phone, "contacts", key, add)
    assert status == 200
    new_key = root.find(A + "Collections/" + A + "Collection/" + A + "SyncKey").text
    # The answer was lost: the phone resends the same request.
    status, again = sync(phone, "contacts", key, add)
    assert status == 200
    names = [o.get("display_name") for o in mock.state()["objects"]["contacts"].values() if o["folder_id"] == "30"]
    assert names.count("Neu, Nina") == 1
    # Read flag on mail goes to OX.
    mkey, inbox = initial(phone, "inbox")
    unread = [a for a in inbox.iter(A + "Add") if a.find(A + "ApplicationData/{Email:}Read").text == "0"][0]
    sid = unread.find(A + "ServerId").text
    status, _ = sync(phone, "inbox", mkey,
                     '<Commands><Change><ServerId>%s</ServerId><ApplicationData><Read xmlns="Email:">1</Read>'
                     '</ApplicationData></Change></Commands>' % sid)
    assert status == 200
    flags = {m["subject"]: m["flags"] for m in mock.state()["mail"]}
    assert flags["Q3 figures"] & 32
    assert new_key


def test_ox_changes_wake_a_parked_ping(ox):
    mock, ports = ox
    phone, _ = provisioned(ports, "OXPING01")
    initial(phone, "contacts")
    ping = ('<Ping xmlns="Ping:"><HeartbeatInterval>30</HeartbeatInterval><Folders>'
            '<Folder><Id>contacts</Id><Class>Contacts</Class></Folder></Folders></Ping>')
    (status, root), seconds = answered_after_change(lambda: phone.post("Ping", ping), mock, "From the web")
    assert status == 200 and root.find("{Ping:}Status").text == "2"
    assert seconds < 10


def test_ox_changes_end_a_waiting_sync_with_the_change(ox):
    # The watcher's refresh wakes the Sync, which reads the connector at
    # once: the change listener runs after the connector's lock is released
    # (before, this deadlocked the watcher).
    mock, ports = ox
    phone, _ = provisioned(ports, "OXWAIT01")
    key, _ = initial(phone, "contacts")
    wait = ('<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>%s</SyncKey><CollectionId>contacts'
            '</CollectionId></Collection></Collections><HeartbeatInterval>30</HeartbeatInterval></Sync>' % key)
    (status, root), seconds = answered_after_change(lambda: phone.post("Sync", wait), mock, "Waited, For")
    assert status == 200
    assert [e.text for e in root.iter("{Contacts:}FileAs")] == ["Waited, For"]
    assert seconds < 10
    # The connector still answers (no thread is stuck on its lock).
    status, _ = sync(phone, "contacts", root.find(A + "Collections/" + A + "Collection/" + A + "SyncKey").text)
    assert status == 200


def test_outages_make_phones_retry_and_lose_nothing(ox):
    mock, ports = ox
    phone, _ = provisioned(ports, "OXFAULT1")
    key, _ = initial(phone, "contacts")
    mock.change(module="contacts", action="new", user="miguel", folder="30", data={"file_as": "Late, Larry"})
    time.sleep(2.5)  # the watcher (every second) has seen it
    # A Sync that must reach OX (it adds a contact) while OX fails: 503, and
    # nothing the phone has been told changes.
    add = ('<Commands><Add><ClientId>outage-1</ClientId><ApplicationData><FileAs xmlns="Contacts:">'
           'Offline, Olga</FileAs></ApplicationData></Add></Commands>')
    mock.faults(status=503, count=1)
    status, _ = sync(phone, "contacts", key, add)
    assert status == 503
    # OX back: the same key and request still work, the change arrives once
    # and the Add is made once (a request may meet the fault's tail in
    # another call: then it is retried).
    status, root = until_ok(lambda: sync(phone, "contacts", key, add))
    adds = [e.text for e in root.iter("{Contacts:}FileAs")]
    assert adds == ["Late, Larry"]
    assert root.find(A + "Collections/" + A + "Collection/" + A + "Responses/" + A + "Add/" + A + "Status").text == "1"
    olgas = [o for o in mock.state()["objects"]["contacts"].values() if o.get("file_as") == "Offline, Olga"]
    assert len(olgas) == 1, olgas
    # An expired session is renewed without the phone noticing (at the
    # next call to OX: the watcher's or this Add's, whichever comes first).
    logins_before = len([j for j in mock.journal() if j["module"] == "login"])
    mock.faults(expire_sessions=True, count=0)
    new_key = root.find(A + "Collections/" + A + "Collection/" + A + "SyncKey").text
    status, root = sync(phone, "contacts", new_key, add.replace("outage-1", "renewed-1").replace("Olga", "Rita"))
    assert status == 200
    assert len([j for j in mock.journal() if j["module"] == "login"]) == logins_before + 1
    new_key = root.find(A + "Collections/" + A + "Collection/" + A + "SyncKey").text
    # Dropped connections: retry later, then fine, and nothing twice.
    mock.change(module="contacts", action="new", user="miguel", folder="30", data={"file_as": "Drop, Dora"})
    time.sleep(2.5)
    mock.faults(drop=True, count=2)
    status, root = until_ok(lambda: sync(phone, "contacts", new_key))
    assert [e.text for e in root.iter("{Contacts:}FileAs")] == ["Drop, Dora"]


def test_mail_and_gal_through_ox(ox):
    mock, ports = ox
    phone, _ = provisioned(ports, "OXMAIL01")
    mime = "To: ana@ox.io, partner@example.net\r\nSubject: Via OX\r\n\r\nHello\r\n"
    import base64
    status, _ = phone.post("SendMail", '<SendMail xmlns="ComposeMail:"><ClientId>ox1</ClientId><SaveInSentItems/>'
                                       '<Mime opaque="base64">%s</Mime></SendMail>' % base64.b64encode(mime.encode()).decode())
    assert status == 200
    state = mock.state()
    assert [s["to"] for s in state["sent"]] == ["partner@example.net"]
    assert any(m["subject"] == "Via OX" and m["folder"] == "ana:default0/INBOX" for m in state["mail"])
    status, root = phone.post("Search", '<Search xmlns="Search:"><Store><Name>GAL</Name><Query>ana</Query>'
                                        '<Options><Range>0-9</Range></Options></Store></Search>')
    assert [e.text for e in root.iter("{GAL:}EmailAddress")] == ["ana@ox.io"]


def test_out_of_office_is_the_vacation_notice_in_ox(ox):
    mock, ports = ox
    phone, _ = provisioned(ports, "OXOOF001")
    status, root = phone.post("Settings", '<Settings xmlns="Settings:"><Oof><Set><OofState>2</OofState>'
                                          '<StartTime>2026-12-21T00:00:00.000Z</StartTime>'
                                          '<EndTime>2027-01-04T00:00:00.000Z</EndTime><OofMessage><AppliesToInternal/>'
                                          '<Enabled>1</Enabled><ReplyMessage>Back on January 4.</ReplyMessage>'
                                          '<BodyType>TEXT</BodyType></OofMessage></Set></Oof></Settings>')
    assert status == 200 and root.find("{Settings:}Oof/{Settings:}Status").text == "1"
    rules = mock.state()["mailfilters"]["miguel"]
    assert len(rules) == 1 and rules[0]["active"] and rules[0]["flags"] == ["vacation"]
    assert rules[0]["actioncmds"][0]["text"] == "Back on January 4."
    assert [t["datevalue"][0] for t in rules[0]["test"]["tests"]] == [1797811200000, 1799020800000]
    get = '<Settings xmlns="Settings:"><Oof><Get><BodyType>TEXT</BodyType></Get></Oof></Settings>'
    status, root = phone.post("Settings", get)
    oof = root.find("{Settings:}Oof/{Settings:}Get")
    assert oof.find("{Settings:}OofState").text == "2"
    assert oof.find("{Settings:}StartTime").text == "2026-12-21T00:00:00.000Z"
    assert oof.find("{Settings:}OofMessage/{Settings:}ReplyMessage").text == "Back on January 4."
    # Off again: the same rule, inactive; nothing added.
    phone.post("Settings", '<Settings xmlns="Settings:"><Oof><Set><OofState>0</OofState></Set></Oof></Settings>')
    rules = mock.state()["mailfilters"]["miguel"]
    assert len(rules) == 1 and not rules[0]["active"]
    status, root = phone.post("Settings", get)
    assert root.find("{Settings:}Oof/{Settings:}Get/{Settings:}OofState").text == "0"


def test_free_busy_comes_from_ox(ox):
    # Miguel's "Team weekly" starts 2026-11-28 09:00 UTC for 30 minutes
    # (tools/oxmock/fixtures/demo.json); OX answers through chronos freeBusy.
    mock, ports = ox
    phone, _ = provisioned(ports, "OXFB0001")
    status, root = phone.post("ResolveRecipients",
                              '<ResolveRecipients xmlns="ResolveRecipients:"><To>miguel@ox.io</To><To>nobody@else.example'
                              '</To><Options><Availability><StartTime>2026-11-28T08:00:00.000Z</StartTime>'
                              '<EndTime>2026-11-28T10:00:00.000Z</EndTime></Availability></Options></ResolveRecipients>')
    assert status == 200
    ns = "{ResolveRecipients:}"
    merged = [r.find(ns + "Recipient/" + ns + "Availability/" + ns + "MergedFreeBusy")
              for r in root.iter(ns + "Response")]
    assert merged[0] is not None and merged[0].text == "0020"
    assert any(j["module"] == "chronos" and j["action"] == "freeBusy" for j in mock.journal())


def test_a_slow_ox_hands_over_new_mail_in_parts_with_more_available():
    # OX answers every call in 250 ms; a refresh may fetch for 1 s: a dozen
    # new messages come over several Syncs, each saying MoreAvailable until
    # the last, every message exactly once.
    mock = RunningOxMock()
    server = RunningServer(["--backend=ox", "--ox-url=" + mock.url, "--ox-watch-seconds=1",
                            "--ox-timeout-seconds=3", "--ox-mail-fetch-seconds=1"])
    try:
        phone, _ = provisioned(dict(server.ports), "OXSLOW01")
        key, _ = initial(phone, "inbox")
        subjects = ["Batch %02d" % i for i in range(12)]
        for subject in subjects:
            mock.change(module="mail", action="deliver", user="miguel",
                        raw="From: a@example.com\r\nTo: miguel@ox.io\r\nSubject: %s\r\n\r\nHi\r\n" % subject)
        mock.faults(latency_ms=250, count=10000)
        # The watcher notices them within its round; until then a Sync may
        # come back empty (the phone would be woken by its Ping).
        seen, answers, more = [], 0, 0
        deadline = time.time() + 60
        while time.time() < deadline:
            status, root = sync(phone, "inbox", key, "<WindowSize>100</WindowSize>")
            assert status == 200, status
            collection = root.find(A + "Collections/" + A + "Collection")
            key = collection.find(A + "SyncKey").text
            got = [e.text for e in collection.iter("{Email:}Subject")]
            answers += bool(got)
            seen += got
            if collection.find(A + "MoreAvailable") is None:
                if len(seen) >= len(subjects):
                    break
                time.sleep(0.2)
            else:
                more += 1
        mock.faults(count=0)
        assert sorted(seen) == subjects
        assert answers >= 2 and more >= 1, (answers, more)
    finally:
        server.stop()
        mock.stop()


def ox_calls(mock, since):
    """The /ajax calls the connector made after journal entry `since`."""
    return [(j["module"], j["action"]) for j in mock.journal()[since:] if j["module"] != "login"]


def test_quiet_syncs_and_foldersyncs_cost_no_ox_call():
    # The watcher's round is long here, so nothing but the phone's requests
    # reaches OX during the test: after the first sync, a folder seen
    # unchanged is not asked again, and the folder list comes from the
    # connector's cache (issue 14: 0 OX calls per quiet Sync, at most 1 per
    # FolderSync).
    mock = RunningOxMock()
    server = RunningServer(["--backend=ox", "--ox-url=" + mock.url, "--ox-watch-seconds=600"])
    try:
        phone, _ = provisioned(dict(server.ports), "OXQUIET1")
        key, _ = initial(phone, "contacts")
        status, root = phone.post("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey>'
                                                '</FolderSync>')
        hierarchy_key = root.find("{FolderHierarchy:}SyncKey").text
        before = len(mock.journal())
        for _ in range(20):
            status, root = sync(phone, "contacts", key)
            assert status == 200
            assert root is None or root.find(A + "Collections/" + A + "Collection/" + A + "Commands") is None
        assert ox_calls(mock, before) == [], "quiet Syncs asked OX"
        before = len(mock.journal())
        for _ in range(5):
            status, root = phone.post("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>%s</SyncKey>'
                                                    '</FolderSync>' % hierarchy_key)
            assert status == 200 and root.find("{FolderHierarchy:}Status").text == "1"
        assert len(ox_calls(mock, before)) <= 5, ox_calls(mock, before)
        print("OX calls: 0 per quiet Sync, %.1f per FolderSync" % (len(ox_calls(mock, before)) / 5))
        # A change the phone makes goes to OX at once, and the next quiet
        # Sync is quiet again.
        add = ('<Commands><Add><ClientId>q1</ClientId><ApplicationData><FileAs xmlns="Contacts:">Quiet, Quentin'
               '</FileAs></ApplicationData></Add></Commands>')
        status, root = sync(phone, "contacts", key, add)
        assert ("contacts", "new") in ox_calls(mock, before)
        key = root.find(A + "Collections/" + A + "Collection/" + A + "SyncKey").text
        before = len(mock.journal())
        status, _ = sync(phone, "contacts", key)
        assert status == 200 and ox_calls(mock, before) == []
    finally:
        server.stop()
        mock.stop()


def test_a_slow_account_does_not_delay_another():
    # Every OX call of Ana's takes 2 s; Miguel's requests meanwhile answer
    # as fast as ever: no lock of the connector is held across OX calls, and
    # each folder has its own refresh.
    mock = RunningOxMock()
    server = RunningServer(["--backend=ox", "--ox-url=" + mock.url, "--ox-watch-seconds=600",
                            "--ox-timeout-seconds=10"])
    try:
        ports = dict(server.ports)
        miguel, _ = provisioned(ports, "OXFAST01")
        key, _ = initial(miguel, "contacts")
        ana, _ = provisioned(ports, "OXSLOW02", user="ana")
        mock.latency(2000, user="ana")
        seen = len(mock.journal())
        slow = threading.Thread(target=lambda: initial(ana, "inbox"))
        started = time.time()
        slow.start()
        # Wait until the refresh of Ana's Inbox is waiting on OX.
        while not any(j["user"] == "ana" and (j["module"], j["action"]) == ("mail", "all")
                      for j in mock.journal()[seen:]):
            assert time.time() - started < 30, "Ana's inbox was never refreshed"
            time.sleep(0.05)
        worst = 0.0
        for _ in range(20):
            t = time.time()
            status, _ = sync(miguel, "contacts", key)
            worst = max(worst, time.time() - t)
            assert status == 200
        assert worst < 0.5, "Miguel waited %.1f s for Ana's OX" % worst
        assert slow.is_alive(), "Ana's sync was not slow: the test proves nothing"
        slow.join(60)
        assert time.time() - started >= 2
        print("Miguel's slowest quiet Sync while Ana's OX was slow: %.1f ms" % (worst * 1000))
    finally:
        server.stop()
        mock.stop()


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-s", "-p", "no:cacheprovider"]))
