"""Hostile input and hostile users against the real eas-server (issue 15).

Every attack is a test: it asserts the bounded answer the server gives, and
that a second, well-behaved client (another account, from another loopback
address, 127.0.0.2) keeps being answered while the attack runs: 95% of its
answers within 1 s and none after 3 s (one late answer is the machine's
scheduler, a starved client waits for the attack to end), with the server's
memory bounded. Traffic goes to loopback only; every process is
one this test started, stopped by its PID. The last line counts the attack
classes (at least the 12 of the issue)."""

import base64
import http.client
import math
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testing"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "wbxml"))
import eas_wbxml  # noqa: E402
from eas_phone import PATH, Phone, auth  # noqa: E402
from eas_server import RunningServer  # noqa: E402

A = "{AirSync:}"
CLASSES = set()


class SourcedConnection(http.client.HTTPConnection):
    """An HTTP connection from a chosen loopback source address."""

    def __init__(self, port, source, timeout=30):
        super().__init__("127.0.0.1", port, timeout=timeout, source_address=(source, 0))


def phone(server, device, user="miguel", source="127.0.0.1"):
    return Phone(SourcedConnection(server.ports["http"], source), device, user=user)


def inbox(p, options=""):
    """Sync 0 and a first Sync of the phone's Inbox (`options`: an Options
    element); the second answer's root."""
    p.post("Sync", '<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>0</SyncKey><CollectionId>inbox'
                   '</CollectionId></Collection></Collections></Sync>')
    _, root = p.post("Sync", '<Sync xmlns="AirSync:" xmlns:airsyncbase="AirSyncBase:"><Collections><Collection>'
                             '<SyncKey>1</SyncKey><CollectionId>inbox</CollectionId><WindowSize>512</WindowSize>%s'
                             '</Collection></Collections></Sync>' % options)
    return root


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Bystander:
    """juan, from 127.0.0.2, asking the server over and over while an attack
    runs; remembers how long each answer took."""

    def __init__(self, server):
        self.server, self.waits, self.failures, self.answers = server, [], [], 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run)

    def run(self):
        while not self.stop.is_set():
            t = time.time()
            try:
                conn = SourcedConnection(self.server.ports["http"], "127.0.0.2", timeout=5)
                conn.request("OPTIONS", PATH, headers={"Authorization": auth("juan", "secret")})
                r = conn.getresponse()
                r.read()
                conn.close()
                if r.status != 200:
                    self.failures.append(r.status)
                self.answers += 1
            except OSError as e:
                self.failures.append(repr(e))
            self.waits.append(time.time() - t)
            self.stop.wait(0.05)

    def __enter__(self):
        self.thread.start()
        time.sleep(0.2)
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        assert self.answers > 0
        assert not self.failures, self.failures[:5]
        waits = sorted(self.waits)
        # The 95th percentile read between ranks (so with fewer than 20
        # answers one late one is not the percentile itself).
        p95 = waits[int(0.95 * (len(waits) - 1))]
        assert p95 < 1.0, "the well-behaved client waited %.2f s or more for 5%% of %d answers" % (p95, len(waits))
        assert waits[-1] < 3.0, "the well-behaved client waited %.2f s" % waits[-1]


@pytest.fixture(scope="module")
def server():
    running = RunningServer(["--max-connections-per-address=60"])
    running.admin("policy", "required", "off")
    yield running
    running.stop()


def wbxml(xml):
    return eas_wbxml.encode(ET.fromstring(xml))


def exchange(server, device, command, body, user="miguel", source="127.0.0.1", extra=None, raw=None):
    """POSTs `command` (`body` as XML, or `raw` bytes); the status, the
    headers and the body."""
    conn = SourcedConnection(server.ports["http"], source, timeout=60)
    headers = {"Authorization": auth("ox.io\\" + user if user != "juan" else "juan"), "MS-ASProtocolVersion": "14.1",
               "Content-Type": "application/vnd.ms-sync.wbxml"}
    headers.update(extra or {})
    conn.request("POST", PATH + "?Cmd=%s&User=%s&DeviceId=%s&DeviceType=iPhone" % (command, user, device),
                 body=raw if raw is not None else (wbxml(body) if body else b""), headers=headers)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, dict(r.getheaders()), data


def post(server, device, command, body, **options):
    status, _, data = exchange(server, device, command, body, **options)
    return status, data


def invitation(summary, tzid):
    return ("From: Ana Souza <ana@ox.io>\r\nTo: miguel@ox.io\r\nSubject: Invitation\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\n"
            "BEGIN:VEVENT\r\nUID:hostile-%d\r\nSUMMARY:%s\r\nDTSTART;TZID=%s:20261210T100000\r\n"
            "DTEND;TZID=%s:20261210T110000\r\nORGANIZER;CN=Ana:mailto:ana@ox.io\r\n"
            "ATTENDEE:mailto:miguel@ox.io\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n" % (time.time_ns(), summary, tzid, tzid))


def test_tzid_paths_are_not_opened_and_freeze_nothing(server):
    CLASSES.add("TZID as a path")
    with Bystander(server):
        for tzid in ("/dev/stdin", "/dev/zero", "../../../../etc/shadow", "Europe/../../../root/.bashrc", "A" * 100000):
            t = time.time()
            r = server.admin("mail", "deliver", "ox.io/miguel", stdin=invitation("Lunch", tzid))
            assert r.returncode == 0, r.stderr
            assert time.time() - t < 5
        # The server itself delivers an invitation a phone sends (SendMail).
        status, _ = post(server, "TzSender1", "SendMail", None, extra={"Content-Type": "message/rfc822"},
                         raw=invitation("Lunch", "/dev/stdin").replace("From: Ana Souza <ana@ox.io>", "From: x@ox.io")
                         .replace("To: miguel@ox.io", "To: ana@ox.io").encode(),
                         user="miguel")
    assert status == 200 or status == 500  # delivered, or refused as mail; never hanging


def test_string_table_expansion_is_refused_not_a_crash(server):
    CLASSES.add("WBXML expansion")
    entry = b"a" * 60000
    mb = bytes([0x83, 0xD4, 0x61])  # 60001 as mb_u_int32
    body = b"\x03\x01\x6a" + mb + entry + b"\x00" + b"\x00\x07\x56\x52" + b"\x83\x00" * 20000 + b"\x01\x01"
    before = rss_kb(server.proc.pid)
    with Bystander(server):
        for _ in range(5):
            status, data = post(server, "Expander1", "FolderSync", None, raw=body)
            assert status == 200 and data, status  # the command's own protocol-error status
    assert server.proc.poll() is None, "the server died"
    assert rss_kb(server.proc.pid) - before < 200 * 1024


def test_free_busy_over_ten_thousand_years_is_status_5(server):
    CLASSES.add("ResolveRecipients span")
    request = ('<ResolveRecipients xmlns="ResolveRecipients:"><To>ana@ox.io</To><Options><Availability>'
               '<StartTime>0001-01-01T00:00:00.000Z</StartTime><EndTime>9999-12-31T00:00:00.000Z</EndTime>'
               '</Availability></Options></ResolveRecipients>')
    with Bystander(server):
        status, data = post(server, "FreeBusy1", "ResolveRecipients", request)
    assert status == 200 and len(data) < 100
    assert eas_wbxml.decode(data).find("{ResolveRecipients:}Status").text == "5"


def test_many_slow_connections_cannot_shut_others_out(server):
    CLASSES.add("slowloris")
    held = []
    try:
        with Bystander(server):
            for _ in range(100):  # past the per-address cap of 60
                s = socket.create_connection(("127.0.0.1", server.ports["http"]), source_address=("127.0.0.9", 0))
                s.sendall(b"POST /Microsoft-Server-ActiveSync HTTP/1.1\r\nHost: x\r\n")  # and never the rest
                held.append(s)
            time.sleep(0.3)
            refused = 0
            for s in held:
                s.settimeout(0.2)
                try:
                    if s.recv(1) == b"":
                        refused += 1
                except ConnectionResetError:
                    refused += 1
                except socket.timeout:
                    pass
            assert refused >= 40, "the connections past the cap were not closed: %d" % refused
    finally:
        for s in held:
            s.close()


def test_huge_device_ids_are_refused_before_anything_is_stored(server):
    CLASSES.add("DeviceId size")
    before = rss_kb(server.proc.pid)
    with Bystander(server):
        for i in range(300):
            status, _ = post(server, "D%d" % i + "x" * 50000, "FolderSync",
                             '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>')
            assert status in (400, 431), status
    assert rss_kb(server.proc.pid) - before < 50 * 1024


def test_password_guessing_with_rotating_device_ids_is_locked_out():
    CLASSES.add("password guessing")
    server = RunningServer()  # of its own: ana stays locked out for a while
    server.admin("policy", "required", "off")
    results = []

    def guesser(n):
        for i in range(10):
            conn = SourcedConnection(server.ports["http"], "127.0.0.3", timeout=30)
            conn.request("OPTIONS", PATH + "?DeviceId=G%d%d" % (n, i),
                         headers={"Authorization": auth("ox.io\\ana", "guess%d-%d" % (n, i))})
            r = conn.getresponse()
            r.read()
            results.append((r.status, r.getheader("Retry-After")))

    with Bystander(server):
        started = time.time()
        threads = [threading.Thread(target=guesser, args=(n,)) for n in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.time() - started
    try:
        assert all(s == 401 for s, _ in results)
        # Checked: one guess at a time from the first (the 16 parallel
        # guessers never compute 16 hashes at once), so the free failures,
        # the one that starts the lockouts, and one guess each time a
        # lockout runs out (they double from 1 s: after 1, 3, 7, ... s);
        # every other guess is refused unchecked.
        expiries = int(math.log2(elapsed + 1))
        checked = len([r for r in results if r[1] is None])
        print("password guessing: %d of %d guesses checked in %.1f s" % (checked, len(results), elapsed))
        assert checked <= 3 + 1 + expiries, "%d of 160 guesses were checked in %.1f s" % (checked, elapsed)
        # Even the right password is refused while ana is locked out.
        status, _ = post(server, "AnaRight1", "FolderSync", None, user="ana", source="127.0.0.4")
        assert status == 401
    finally:
        server.stop()


def test_nobody_sends_as_someone_else(server):
    CLASSES.add("sender spoofing")
    subject = "Spoof-%d" % time.time_ns()
    mime = "From: Ana Souza <ana@ox.io>\r\nTo: miguel@ox.io\r\nSubject: %s\r\n\r\nfrom whom?\r\n" % subject
    with Bystander(server):
        status, _ = post(server, "Spoofer1", "SendMail", None, user="miguel", extra={"MS-ASProtocolVersion": "12.1",
                                                                                    "Content-Type": "message/rfc822"},
                         raw=mime.encode())
    assert status == 200
    root = inbox(phone(server, "SpoofReader1"))
    froms = [a.find(A + "ApplicationData/{Email:}From").text for a in root.iter(A + "Add")
             if a.find(A + "ApplicationData/{Email:}Subject").text == subject]
    assert froms and all("ana@ox.io" not in f and "miguel@ox.io" in f for f in froms), froms


def test_free_busy_does_not_cross_contexts(server):
    CLASSES.add("cross-tenant free/busy")
    request = ('<ResolveRecipients xmlns="ResolveRecipients:"><To>ana@ox.io</To><Options><Availability>'
               '<StartTime>2026-11-01T00:00:00.000Z</StartTime><EndTime>2026-12-01T00:00:00.000Z</EndTime>'
               '</Availability></Options></ResolveRecipients>')
    status, data = post(server, "JuanFB1", "ResolveRecipients", request, user="juan", source="127.0.0.5")
    assert status == 200
    merged = [e.text for e in eas_wbxml.decode(data).iter("{ResolveRecipients:}MergedFreeBusy")]
    assert all(set(m) <= {"4"} for m in merged), "juan read ana's calendar: %s" % merged


def test_an_invitations_summary_cannot_add_a_header_to_the_reply(server):
    CLASSES.add("header injection")
    summary = "Lunch\\nBcc: juan@example.org\\nX-Injected: yes"
    assert server.admin("mail", "deliver", "ox.io/miguel",
                        stdin=invitation(summary, "Europe/Berlin")).returncode == 0
    p = phone(server, "Injector1")
    root = inbox(p)
    ids = [a.find(A + "ServerId").text for a in root.iter(A + "Add")
           if "X-Injected" in (a.find(A + "ApplicationData/{Email:}Subject").text or "") or
           a.find(A + "ApplicationData/{Email:}MeetingRequest") is not None]
    assert ids
    status, root = p.post("MeetingResponse", '<MeetingResponse xmlns="MeetingResponse:"><Request><UserResponse>1'
                                             '</UserResponse><CollectionId>inbox</CollectionId><RequestId>%s'
                                             '</RequestId></Request></MeetingResponse>' % ids[-1])
    assert status == 200
    root = inbox(phone(server, "AnaReads1", user="ana", source="127.0.0.6"),
                 '<Options><MIMESupport>2</MIMESupport><airsyncbase:BodyPreference><airsyncbase:Type>4'
                 '</airsyncbase:Type></airsyncbase:BodyPreference></Options>')
    replies = [a for a in root.iter(A + "Add") if "Lunch" in (a.find(A + "ApplicationData/{Email:}Subject").text or "")]
    assert replies, "no reply reached the organizer"
    for a in replies:
        mime = a.find(A + "ApplicationData/{AirSyncBase:}Body/{AirSyncBase:}Data").text or ""
        headers = mime.split("\r\n\r\n", 1)[0]
        assert "\nX-Injected:" not in headers and "\nBcc:" not in headers, headers


def test_html_to_text_of_a_large_mail_is_linear(server):
    CLASSES.add("quadratic HTML")
    html = "<html><body>" + "<style>p{}</style><p>a & b</p>" * 30000 + "</body></html>"  # ~900 KB
    subject = "Big-%d" % time.time_ns()
    mime = ("From: a@example.com\r\nTo: miguel@ox.io\r\nSubject: %s\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/html; charset=utf-8\r\n\r\n%s\r\n" % (subject, html))
    assert server.admin("mail", "deliver", "ox.io/miguel", stdin=mime).returncode == 0
    p = phone(server, "HtmlReader1")
    p.post("Sync", '<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>0</SyncKey><CollectionId>inbox'
                   '</CollectionId></Collection></Collections></Sync>')
    with Bystander(server):
        t = time.time()
        status, _ = p.post("Sync", '<Sync xmlns="AirSync:" xmlns:airsyncbase="AirSyncBase:"><Collections><Collection>'
                                   '<SyncKey>1</SyncKey><CollectionId>inbox</CollectionId><WindowSize>512</WindowSize>'
                                   '<Options><airsyncbase:BodyPreference><airsyncbase:Type>1</airsyncbase:Type>'
                                   '</airsyncbase:BodyPreference></Options></Collection></Collections></Sync>')
        took = time.time() - t
    assert status == 200 and took < 5, took


def test_data_files_are_private_whatever_the_umask():
    CLASSES.add("file modes")
    old = os.umask(0o022)
    try:
        running = RunningServer()
    finally:
        os.umask(old)
    try:
        assert stat.S_IMODE(os.stat(running.data_dir).st_mode) == 0o700
        for name in ("store.db", "state.db", "tls-key.pem"):
            mode = stat.S_IMODE(os.stat(os.path.join(running.data_dir, name)).st_mode)
            assert mode == 0o600, (name, oct(mode))
    finally:
        running.stop()


def test_malformed_and_oversized_requests_get_400_and_431(server):
    CLASSES.add("HTTP edges")
    with Bystander(server):
        s = socket.create_connection(("127.0.0.1", server.ports["http"]))
        s.sendall(b"POST /Microsoft-Server-ActiveSync HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n")
        assert s.recv(100).startswith(b"HTTP/1.1 431")
        s.close()
        s = socket.create_connection(("127.0.0.1", server.ports["http"]))
        s.sendall(b"THIS IS NOT HTTP\r\n\r\n")
        assert s.recv(100).startswith(b"HTTP/1.1 400")
        s.close()
        # Expect: 100-continue gets its 100 before the body is sent.
        s = socket.create_connection(("127.0.0.1", server.ports["http"]))
        body = wbxml('<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>')
        s.sendall(("POST %s?Cmd=FolderSync&User=miguel&DeviceId=Cont1&DeviceType=iPhone HTTP/1.1\r\nHost: x\r\n"
                   "Authorization: %s\r\nMS-ASProtocolVersion: 14.1\r\nContent-Type: application/vnd.ms-sync.wbxml\r\n"
                   "Content-Length: %d\r\nExpect: 100-continue\r\n\r\n" % (PATH, auth(), len(body))).encode())
        assert s.recv(100).startswith(b"HTTP/1.1 100")
        s.sendall(body)
        assert s.recv(100).startswith(b"HTTP/1.1 200")
        s.close()


def test_a_large_body_is_not_read_before_the_credentials_are_checked(server):
    CLASSES.add("large body before login")
    head = ("POST %s?Cmd=Sync&User=nobody&DeviceId=Big1&DeviceType=iPhone HTTP/1.1\r\nHost: x\r\n"
            "Authorization: %s\r\nMS-ASProtocolVersion: 14.1\r\nContent-Type: application/vnd.ms-sync.wbxml\r\n"
            "Content-Length: %d\r\n\r\n")
    with Bystander(server):
        # Wrong credentials: 401 before a byte of the 20 MB body is sent.
        s = socket.create_connection(("127.0.0.1", server.ports["http"]), source_address=("127.0.0.7", 0))
        s.settimeout(5)
        s.sendall((head % (PATH, auth("ox.io\\nobody", "guess"), 20 << 20)).encode())
        assert s.recv(100).startswith(b"HTTP/1.1 401")
        s.close()
        # Right credentials: the server waits for the body.
        s = socket.create_connection(("127.0.0.1", server.ports["http"]), source_address=("127.0.0.7", 0))
        s.settimeout(0.5)
        s.sendall((head % (PATH, auth(), 20 << 20)).encode())
        with pytest.raises(socket.timeout):
            s.recv(100)
        s.close()


def test_an_account_cannot_grow_device_rows_without_bound():
    CLASSES.add("device rows")
    running = RunningServer(["--max-devices-per-account=5"])
    try:
        running.admin("policy", "required", "off")
        statuses = [post(running, "Row%d" % i, "FolderSync",
                         '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>')[0] for i in range(8)]
        assert statuses == [200] * 5 + [403] * 3, statuses
    finally:
        running.stop()


def contacts_sync(key, adds):
    """A Sync of the contacts folder at `key` with `adds` (ClientId, FileAs, note)."""
    commands = "".join(
        '<Add><ClientId>%s</ClientId><ApplicationData><contacts:FileAs>%s</contacts:FileAs><airsyncbase:Body>'
        '<airsyncbase:Type>1</airsyncbase:Type><airsyncbase:Data>%s</airsyncbase:Data></airsyncbase:Body>'
        '</ApplicationData></Add>' % a for a in adds)
    return ('<Sync xmlns="AirSync:" xmlns:contacts="Contacts:" xmlns:airsyncbase="AirSyncBase:"><Collections>'
            '<Collection><SyncKey>%s</SyncKey><CollectionId>contacts</CollectionId>%s</Collection></Collections>'
            '</Sync>' % (key, "<Commands>%s</Commands>" % commands if commands else ""))


def raw_post(server, device, command, xml):
    """POSTs as miguel; the status, the headers and the decoded root (or None)."""
    status, headers, data = exchange(server, device, command, xml)
    root = eas_wbxml.decode(data) if data and headers.get("Content-Type", "").startswith(
        "application/vnd.ms-sync.wbxml") else None
    return status, headers, root


def stored_contacts(data_dir, tag):
    """FileAs values starting with `tag` in the store, read by sqlite3 itself."""
    import sqlite3
    db = sqlite3.connect(os.path.join(data_dir, "store.db"))
    try:
        return [row[0] for row in db.execute("SELECT data FROM items WHERE deleted = 0") if ">%s" % tag in row[0]]
    finally:
        db.close()


def test_a_full_disk_fails_writes_with_503_keeps_reads_and_loses_nothing():
    """A file-size limit (RLIMIT_FSIZE, with SIGXFSZ ignored) stands in for a
    full disk: no file of the server may grow past it, so every write that
    needs room fails in SQLite as on a full disk (SQLITE_FULL or a write
    error) while reads go on. The writes get 503 with Retry-After; once
    there is room again, the phone's resend of the refused request stores
    each item exactly once and nothing acknowledged is lost."""
    import resource
    import signal
    CLASSES.add("disk full")
    data_dir = tempfile.mkdtemp(prefix="eas-full-")
    first = RunningServer(data_dir=data_dir)  # makes the demo data, then goes
    first.admin("policy", "required", "off")
    first.stop()
    room = sum(os.path.getsize(os.path.join(data_dir, f)) for f in os.listdir(data_dir)) + (3 << 20)

    def no_room():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (room, room))

    full = RunningServer(data_dir=data_dir, preexec_fn=no_room)
    acknowledged, refused = [], None
    try:
        raw_post(full, "FullDisk1", "Sync", contacts_sync("0", []))
        _, _, root = raw_post(full, "FullDisk1", "Sync", contacts_sync("1", []))
        key = root.find(A + "Collections/" + A + "Collection/" + A + "SyncKey").text
        note = "n" * (60 * 1024)
        with Bystander(full):
            for batch in range(60):
                adds = [("c%d-%d" % (batch, i), "Full%d-%d" % (batch, i), note) for i in range(5)]
                status, headers, root = raw_post(full, "FullDisk1", "Sync", contacts_sync(key, adds))
                if status == 503:
                    assert int(headers.get("Retry-After", "0")) > 0, headers
                    refused = (key, adds)
                    break
                assert status == 200, status
                key = root.find(A + "Collections/" + A + "Collection/" + A + "SyncKey").text
                acknowledged += [a[1] for a in adds]
            assert refused, "the store never filled up"
            # Reads go on: a Sync with nothing new, an estimate, a search,
            # the password check (OPTIONS).
            status, _, root = raw_post(full, "FullDisk1", "Sync", contacts_sync(key, []))
            assert status == 200, status
            status, _, root = raw_post(full, "FullDisk1", "GetItemEstimate",
                                       '<GetItemEstimate xmlns="GetItemEstimate:" xmlns:airsync="AirSync:">'
                                       '<Collections><Collection><airsync:SyncKey>%s</airsync:SyncKey>'
                                       '<CollectionId>contacts</CollectionId></Collection></Collections>'
                                       '</GetItemEstimate>' % key)
            assert status == 200, status
            status, _, root = raw_post(full, "FullDisk1", "Search",
                                       '<Search xmlns="Search:"><Store><Name>GAL</Name><Query>ana</Query>'
                                       '</Store></Search>')
            assert status == 200, status
            conn = http.client.HTTPConnection("127.0.0.1", full.ports["http"], timeout=10)
            conn.request("OPTIONS", PATH, headers={"Authorization": auth()})
            assert conn.getresponse().status == 200
            conn.close()
        assert full.proc.poll() is None, "the server ended"
        assert "storing during Sync" in full.stderr()
    finally:
        full.stop()
    # Room again: the phone resends what was refused, with the same key.
    again = RunningServer(data_dir=data_dir)
    try:
        key, adds = refused
        status, _, root = raw_post(again, "FullDisk1", "Sync", contacts_sync(key, adds))
        assert status == 200, status
        assert root.find(A + "Collections/" + A + "Collection/" + A + "Status").text == "1"
        status, _, _ = raw_post(again, "FullDisk1", "Sync", contacts_sync(key, adds))  # a lost answer
        assert status == 200
    finally:
        again.stop()
    stored = stored_contacts(data_dir, "Full")
    for name in acknowledged + [a[1] for a in refused[1]]:
        assert sum(1 for d in stored if ">%s<" % name in d) == 1, name
    shutil.rmtree(data_dir, ignore_errors=True)


def test_a_sync_of_many_thousand_adds_is_status_4_and_stores_nothing(server):
    CLASSES.add("commands per request")
    raw_post(server, "ManyAdds1", "Sync", contacts_sync("0", []))
    _, _, root = raw_post(server, "ManyAdds1", "Sync", contacts_sync("1", []))
    key = root.find(A + "Collections/" + A + "Collection/" + A + "SyncKey").text
    adds = [("m%d" % i, "Many%d" % i, "x") for i in range(50000)]
    with Bystander(server):
        t = time.time()
        status, _, root = raw_post(server, "ManyAdds1", "Sync", contacts_sync(key, adds))
        took = time.time() - t
    assert status == 200 and root.find(A + "Status").text == "4", status
    assert took < 5, took
    assert not stored_contacts(server.data_dir, "Many")


def test_clients_that_never_read_their_answers_hold_no_worker(server):
    """Forty connections ask for a 2 MB message as MIME and never read a
    byte of it (a receive window of 4 KB): the answers wait in the network
    threads' write queues, the workers go on."""
    CLASSES.add("slow readers")
    subject = "Huge-%d" % time.time_ns()
    mime = ("From: a@example.com\r\nTo: miguel@ox.io\r\nSubject: %s\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n" % (subject, ("abcdefghij" * 7 + "\r\n") * 28000))
    assert server.admin("mail", "deliver", "ox.io/miguel", stdin=mime).returncode == 0
    root = inbox(phone(server, "SlowReader0"))
    server_id = None
    for add in root.iter(A + "Add"):
        data = add.find(A + "ApplicationData")
        if data is not None and any(e.text == subject for e in data.iter("{Email:}Subject")):
            server_id = add.find(A + "ServerId").text
    assert server_id
    fetch = wbxml('<ItemOperations xmlns="ItemOperations:" xmlns:airsync="AirSync:" xmlns:airsyncbase="AirSyncBase:">'
                  '<Fetch><Store>Mailbox</Store><airsync:CollectionId>inbox</airsync:CollectionId>'
                  '<airsync:ServerId>%s</airsync:ServerId><Options><airsync:MIMESupport>2</airsync:MIMESupport>'
                  '<airsyncbase:BodyPreference><airsyncbase:Type>4</airsyncbase:Type></airsyncbase:BodyPreference>'
                  '</Options></Fetch></ItemOperations>' % server_id)
    before = rss_kb(server.proc.pid)
    sockets = []
    with Bystander(server):
        for i in range(40):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.bind(("127.0.0.1", 0))
            s.connect(("127.0.0.1", server.ports["http"]))
            s.sendall(("POST %s?Cmd=ItemOperations&User=miguel&DeviceId=SlowReader%d&DeviceType=iPhone HTTP/1.1\r\n"
                       "Host: x\r\nAuthorization: %s\r\nMS-ASProtocolVersion: 14.1\r\n"
                       "Content-Type: application/vnd.ms-sync.wbxml\r\nContent-Length: %d\r\n\r\n"
                       % (PATH, i + 1, auth(), len(fetch))).encode() + fetch)
            sockets.append(s)
        time.sleep(2)
        # Every worker is free: a request of the same account is answered.
        status, _, _ = raw_post(server, "SlowReaderCheck", "FolderSync",
                                '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>')
        assert status == 200
    grown = rss_kb(server.proc.pid) - before
    for s in sockets:
        s.close()
    assert grown < 400 * 1024, "%d KB" % grown  # 40 answers of ~2.7 MB, then some


def test_zz_count_the_attack_classes():
    print("hostile: %d attack classes: %s" % (len(CLASSES), ", ".join(sorted(CLASSES))))
    assert len(CLASSES) >= 12


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-s", "-p", "no:cacheprovider"]))
