"""The real eas-server binary over real sockets, driven like a phone.

Starts //reference/server:eas-server on free loopback ports (HTTP and HTTPS,
self-signed certificate, --demo), then walks a first setup as devices do it:
OPTIONS, Settings, Provision in two phases, FolderSync, over both
transports; and checks the HTTP edges a phone can hit (401, 413, keep-alive),
and eas-admin acting on the running server (users, remote wipe, policy).
"""

import base64
import http.client
import os
import ssl
import time
import sys
import xml.etree.ElementTree as ET

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "wbxml"))
import eas_wbxml  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testing"))
from eas_server import RunningServer  # noqa: E402
from eas_phone import PATH, Phone, auth, connect, wbxml  # noqa: E402,F401


@pytest.fixture(scope="module")
def server():
    running = RunningServer(["--max-body-mb=1"])
    ports = dict(running.ports)
    ports["running"] = running
    yield ports
    running.stop()


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_first_setup_like_a_phone(server, tls):
    conn = connect(server, tls)
    conn.request("OPTIONS", PATH, headers={"Authorization": auth("miguel@ox.io"), "X-MS-PolicyKey": "0"})
    r = conn.getresponse()
    r.read()
    assert r.status == 200
    assert r.getheader("MS-ASProtocolVersions") == "2.5,12.0,12.1,14.0,14.1,16.0,16.1"
    assert r.getheader("MS-ASProtocolCommands") == (
        "Provision,FolderSync,Settings,Sync,GetItemEstimate,Ping,FolderCreate,FolderUpdate,FolderDelete,"
        "MoveItems,Search,Find,ResolveRecipients,ItemOperations,GetAttachment,MeetingResponse,ValidateCert,"
        "SendMail,SmartReply,SmartForward")

    phone = Phone(conn, "E2E%s" % ("TLS" if tls else "PLAIN"))
    # iOS: Settings before Provision.
    status, root = phone.post("Settings", '<Settings xmlns="Settings:"><DeviceInformation><Set>'
                              '<Model>iPhone</Model></Set></DeviceInformation></Settings>')
    assert status == 200 and root.find("{Settings:}Status").text == "1"
    # Not provisioned yet: Status 142 on 14.1.
    status, root = phone.post("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>')
    assert status == 200 and root.find("{FolderHierarchy:}Status").text == "142"
    phone.provision()
    status, root = phone.post("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>')
    assert root.find("{FolderHierarchy:}Status").text == "1"
    names = {a.find("{FolderHierarchy:}DisplayName").text
             for a in root.iter("{FolderHierarchy:}Add")}
    assert {"Inbox", "Drafts", "Deleted Items", "Sent Items", "Outbox", "Calendar", "Contacts",
            "Tasks", "Projects", "Newsletters"} <= names
    conn.close()


def test_windows_mobile_12_1_gets_449_then_provisions(server):
    conn = connect(server, False)
    wm = Phone(conn, "WM61Device", version="12.1", device_type="PocketPC")
    status, _ = wm.post("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>')
    assert status == 449
    wm.provision()
    status, root = wm.post("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>')
    assert status == 200 and root.find("{FolderHierarchy:}Status").text == "1"


def test_keep_alive_serves_many_requests_on_one_connection(server):
    conn = connect(server, False)
    for _ in range(20):
        conn.request("OPTIONS", PATH, headers={"Authorization": auth()})
        r = conn.getresponse()
        r.read()
        assert r.status == 200
    conn.close()


def test_wrong_password_is_401(server):
    conn = connect(server, False)
    conn.request("OPTIONS", PATH, headers={"Authorization": auth(password="SECRET")})
    r = conn.getresponse()
    r.read()
    assert r.status == 401 and "Basic" in r.getheader("WWW-Authenticate")


def test_oversized_body_is_413(server):
    conn = connect(server, False)
    conn.request("POST", PATH + "?Cmd=FolderSync&User=miguel&DeviceId=big&DeviceType=iPhone",
                 body=b"\x03" * (2 << 20),
                 headers={"Authorization": auth(), "MS-ASProtocolVersion": "14.1"})
    r = conn.getresponse()
    r.read()
    assert r.status == 413


def test_ping_is_answered_when_another_device_adds_mail(server):
    import threading
    ns = "{AirSync:}"
    pinger = Phone(connect(server, False), "PINGER01")
    pinger.provision()
    pinger.post("Sync", '<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>0</SyncKey>'
                        '<CollectionId>inbox/newsletters</CollectionId></Collection></Collections></Sync>')
    status, root = pinger.post("Sync", '<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>1</SyncKey>'
                                       '<CollectionId>inbox/newsletters</CollectionId></Collection></Collections></Sync>')
    assert root.find("%sCollections/%sCollection/%sStatus" % (ns, ns, ns)).text == "1"
    result = {}

    def ping():
        result["reply"] = pinger.post("Ping", '<Ping xmlns="Ping:"><HeartbeatInterval>300</HeartbeatInterval>'
                                              '<Folders><Folder><Id>inbox/newsletters</Id><Class>Email</Class>'
                                              '</Folder></Folders></Ping>')
        result["at"] = time.time()

    t = threading.Thread(target=ping)
    t.start()
    time.sleep(0.5)
    assert t.is_alive(), "the Ping should be parked"
    writer = Phone(connect(server, True), "WRITER01")
    writer.provision()
    writer.post("Sync", '<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>0</SyncKey>'
                        '<CollectionId>inbox/newsletters</CollectionId></Collection></Collections></Sync>')
    added_at = time.time()
    writer.post("Sync", '<Sync xmlns="AirSync:" xmlns:email="Email:"><Collections><Collection><SyncKey>1</SyncKey>'
                        '<CollectionId>inbox/newsletters</CollectionId><Commands><Add><ClientId>1</ClientId>'
                        '<ApplicationData><email:Subject>news</email:Subject></ApplicationData></Add>'
                        '</Commands></Collection></Collections></Sync>')
    t.join(timeout=10)
    assert not t.is_alive()
    status, root = result["reply"]
    assert root.find("{Ping:}Status").text == "2"
    assert root.find("{Ping:}Folders/{Ping:}Folder").text == "inbox/newsletters"
    assert result["at"] - added_at < 1.0


def admin(server, *args):
    return server["running"].admin(*args)


def test_admin_users_policy_and_remote_wipe(server):
    r = admin(server, "users", "add", "ox.io", "lena", "pw1", "Lena", "lena@ox.io")
    assert r.returncode == 0, r.stderr
    assert "ox.io/lena\tLena\tlena@ox.io" in admin(server, "users", "list").stdout
    assert admin(server, "users", "add", "ox.io", "lena", "x").returncode == 1
    conn = connect(server, False)
    conn.request("OPTIONS", PATH, headers={"Authorization": auth("lena@ox.io", "pw1")})
    r = conn.getresponse()
    r.read()
    assert r.status == 200
    assert admin(server, "users", "password", "ox.io", "lena", "pw2").returncode == 0
    conn.request("OPTIONS", PATH, headers={"Authorization": auth("lena@ox.io", "pw1")})
    r = conn.getresponse()
    r.read()
    assert r.status == 401

    phone = Phone(conn, "WIPEME01")
    phone.provision()
    listing = admin(server, "devices", "list").stdout
    assert "ox.io/miguel\tWIPEME01\tiPhone\tApple-iPhone4C1/902.176\t14.1" in listing
    assert admin(server, "devices", "wipe", "ox.io/miguel", "WIPEME01").returncode == 0
    sync0 = '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>'
    status, root = phone.post("FolderSync", sync0)
    assert root.find("{FolderHierarchy:}Status").text == "140"
    status, root = phone.post("Provision", '<Provision xmlns="Provision:"><Policies><Policy>'
                              '<PolicyType>MS-EAS-Provisioning-WBXML</PolicyType></Policy>'
                              '</Policies></Provision>')
    assert root.find("{Provision:}RemoteWipe") is not None
    phone.post("Provision", '<Provision xmlns="Provision:"><RemoteWipe><Status>1</Status>'
               '</RemoteWipe></Provision>')
    assert "wiped" in admin(server, "devices", "list").stdout

    # A policy change sends provisioned devices back to Provision (143).
    other = Phone(conn, "POLICY01")
    other.provision()
    assert admin(server, "policy", "set", "DevicePasswordEnabled=1").returncode == 0
    assert "DevicePasswordEnabled=1" in admin(server, "policy", "show").stdout
    status, root = other.post("FolderSync", sync0)
    assert root.find("{FolderHierarchy:}Status").text == "143"
    assert admin(server, "policy", "set", "NoSuchSetting=1").returncode == 1


def scrape(port, path="/metrics"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    r = conn.getresponse()
    return r.status, r.read().decode()


def sample(text, series):
    """The value of one series line of a Prometheus exposition (0 if absent)."""
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.split()[-1])
    return 0.0


def test_metrics_health_readiness_and_the_access_log(server):
    port = server["running"].admin_port
    assert port, "the server printed no admin endpoint"
    status, before = scrape(port)
    assert status == 200
    conn = connect(server, False)
    phone = Phone(conn, "METRICS01")
    phone.provision()
    for _ in range(3):
        status, _ = phone.post("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>')
        assert status == 200
    conn.request("OPTIONS", PATH, headers={"Authorization": auth(password="wrong")})
    conn.getresponse().read()
    status, after = scrape(port)
    ok_foldersync = 'eas_requests_total{command="FolderSync",code="200"}'
    assert sample(after, ok_foldersync) - sample(before, ok_foldersync) == 3
    assert sample(after, 'eas_requests_total{command="Provision",code="200"}') >= 2
    assert sample(after, "eas_login_failures_total") - sample(before, "eas_login_failures_total") == 1
    assert sample(after, 'eas_request_duration_seconds_count{command="FolderSync"}') >= 3
    assert sample(after, "eas_backend_calls_total") > sample(before, "eas_backend_calls_total")
    assert 'eas_backend_call_duration_seconds_bucket{call="ListFolders",le="+Inf"}' in after
    assert "# TYPE eas_parked_requests gauge" in after and sample(after, "eas_open_connections") >= 1
    assert scrape(port, "/healthz") == (200, "ok\n")
    assert scrape(port, "/readyz") == (200, "ready\n")
    assert scrape(port, "/nothing")[0] == 404
    # The access log (stderr here) has a line for each of them, and the
    # failed login a security line.
    log = server["running"].stderr()
    lines = [l for l in log.splitlines() if " access " in l and "device=METRICS01" in l and "cmd=FolderSync" in l]
    assert len(lines) == 3, log[-2000:]
    assert "http=200" in lines[0] and "eas=1" in lines[0] and "account=ox.io/miguel" in lines[0]
    assert any(" security event=login-failed " in l for l in log.splitlines())


def test_the_admin_endpoint_says_not_ready_when_the_store_cannot_be_written():
    running = RunningServer()
    try:
        assert scrape(running.admin_port, "/readyz")[0] == 200
        # Another process holds state.db's write lock (past the server's
        # 5 s busy timeout): not ready, and ready again once it lets go.
        import sqlite3
        holder = sqlite3.connect(os.path.join(running.data_dir, "state.db"), timeout=0)
        holder.execute("BEGIN EXCLUSIVE")
        status, body = scrape(running.admin_port, "/readyz")
        holder.rollback()
        holder.close()
        assert status == 503 and "not ready" in body, body
        assert scrape(running.admin_port, "/readyz")[0] == 200
    finally:
        running.stop()

if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))


class FakeMta:
    """A minimal SMTP peer on loopback that keeps what it is sent."""

    def __init__(self):
        import socket
        import threading
        self.messages = []  # (mail from, [rcpt], data)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            f = conn.makefile("rb")
            conn.sendall(b"220 fake ESMTP\r\n")
            sender, rcpts = None, []
            while True:
                line = f.readline()
                if not line:
                    break
                cmd = line.decode().strip()
                if cmd.upper().startswith("MAIL FROM:"):
                    sender = cmd[10:].strip("<>")
                elif cmd.upper().startswith("RCPT TO:"):
                    rcpts.append(cmd[8:].strip("<>"))
                elif cmd.upper() == "DATA":
                    conn.sendall(b"354 go on\r\n")
                    data = b""
                    while True:
                        chunk = f.readline()
                        if chunk == b".\r\n" or not chunk:
                            break
                        data += chunk[1:] if chunk.startswith(b"..") else chunk
                    self.messages.append((sender, rcpts, data.decode("utf-8", "replace")))
                    conn.sendall(b"250 queued\r\n")
                    continue
                elif cmd.upper() == "QUIT":
                    conn.sendall(b"221 bye\r\n")
                    break
                conn.sendall(b"250 ok\r\n")
            conn.close()


@pytest.fixture(scope="module")
def mail_server():
    mta = FakeMta()
    running = RunningServer(["--smtp=127.0.0.1:%d" % mta.port])
    ports = dict(running.ports)
    ports["mta"] = mta
    yield ports
    running.stop()
    mta.sock.close()


def test_sendmail_relays_outside_mail_and_delivers_local_mail(mail_server):
    """12.1 SendMail (raw MIME): the outside recipient goes to the relay
    without the Bcc header, the local one to Ana's Inbox in the store."""
    phone = Phone(connect(mail_server, False), "MAILE2E01", version="12.1", device_type="PocketPC")
    phone.provision()
    mime = ("To: partner@example.net; \"Ana\" <ana@ox.io>\r\nBcc: audit@example.net\r\n"
            "Subject: E2E relay\r\n\r\nHello from the phone\r\n")
    phone.conn.request("POST", PATH + "?Cmd=SendMail&User=miguel&DeviceId=MAILE2E01&DeviceType=PocketPC&SaveInSent=T",
                       body=mime.encode(), headers={"Authorization": auth(), "MS-ASProtocolVersion": "12.1",
                                                   "X-MS-PolicyKey": phone.policy_key,
                                                   "Content-Type": "message/rfc822"})
    r = phone.conn.getresponse()
    r.read()
    assert r.status == 200
    mta = mail_server["mta"]
    assert len(mta.messages) == 1
    sender, rcpts, data = mta.messages[0]
    assert sender == "miguel@ox.io"
    assert sorted(rcpts) == ["audit@example.net", "partner@example.net"]
    assert "Hello from the phone" in data and "Bcc:" not in data
    assert "From: " in data and "Message-Id: " in data
    # Ana (a demo account) finds it in her Inbox.
    conn = connect(mail_server, False)
    ana = Phone(conn, "ANAE2E01", user="ana")
    ana.provision()
    sync = ('<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>%s</SyncKey>'
            '<CollectionId>inbox</CollectionId>%s</Collection></Collections></Sync>')
    status, root = ana.post("Sync", sync % ("0", ""))
    key = root.find("{AirSync:}Collections/{AirSync:}Collection/{AirSync:}SyncKey").text
    status, root = ana.post("Sync", sync % (key, "<WindowSize>100</WindowSize>"))
    subjects = [e.text for e in root.iter("{Email:}Subject")]
    assert "E2E relay" in subjects, subjects
