"""The OX mock itself: sessions and cookies, updates with timestamps and
deletes, deterministic ids, mail, the journal and injected faults."""

import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "fixtures", "demo.json")


@pytest.fixture()
def mock():
    port_file = os.path.join(tempfile.mkdtemp(), "port")
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "oxmock.py"), "--fixture", FIXTURE,
                             "--port-file", port_file], stdout=subprocess.DEVNULL)
    for _ in range(100):
        if os.path.exists(port_file):
            break
        time.sleep(0.05)
    port = int(open(port_file).read())
    yield port
    proc.kill()
    proc.wait()


class Client:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.cookies, self.session = "", ""

    def call(self, method, path, params=None, body=None):
        q = dict(params or {})
        if self.session:
            q["session"] = self.session
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        self.conn.request(method, path + "?" + urllib.parse.urlencode(q), body=data,
                          headers={"Cookie": self.cookies})
        r = self.conn.getresponse()
        raw = r.read()
        for name, value in r.getheaders():
            if name.lower() == "set-cookie":
                self.cookies += value.split(";")[0] + "; "
        return r.status, (json.loads(raw) if raw.startswith(b"{") or raw.startswith(b"[") else raw)

    def login(self, name="miguel@ox.io", password="secret"):
        status, reply = self.call("POST", "/ajax/login", {"action": "login"},
                                  urllib.parse.urlencode({"name": name, "password": password}).encode())
        self.session = reply.get("session", "")
        return reply


def test_login_needs_the_right_password_and_the_secret_cookie(mock):
    c = Client(mock)
    assert c.login(password="wrong")["code"] == "LGI-0006"
    assert c.login()["session"]
    _, ok = c.call("GET", "/ajax/user", {"action": "get"})
    assert ok["data"]["email1"] == "miguel@ox.io"
    c.cookies = ""
    _, expired = c.call("GET", "/ajax/user", {"action": "get"})
    assert expired["code"] == "SES-0203"


def test_updates_since_a_timestamp_list_changes_and_deletes(mock):
    c = Client(mock)
    c.login()
    cols = {"action": "updates", "folder": "30", "columns": "1,5,20,500,555", "timestamp": "0"}
    _, first = c.call("GET", "/ajax/contacts", cols)
    assert [r[3] for r in first["data"]] == ["Meier, Lena", "Okafor, Jonas"]
    ts = first["timestamp"]
    _, none = c.call("GET", "/ajax/contacts", dict(cols, timestamp=str(ts)))
    assert none["data"] == []
    _, new = c.call("PUT", "/ajax/contacts", {"action": "new"},
                    {"folder_id": "30", "display_name": "New, Person", "email1": "new@example.com"})
    new_id = new["data"]["id"]
    _, stale = c.call("PUT", "/ajax/contacts", {"action": "update", "id": new_id, "folder": "30",
                                                "timestamp": "1"}, {"display_name": "x"})
    assert stale["code"] == "CON-0170"
    c.call("PUT", "/ajax/contacts", {"action": "delete", "timestamp": str(new["timestamp"])},
           {"id": "1001", "folder": "30"})
    _, changed = c.call("GET", "/ajax/contacts", dict(cols, timestamp=str(ts)))
    assert changed["data"][0][0] == new_id and changed["data"][-1] == "1001"


def test_ids_and_timestamps_are_deterministic(mock):
    c = Client(mock)
    c.login()
    _, a = c.call("PUT", "/ajax/tasks", {"action": "new"}, {"folder_id": "32", "title": "t"})
    assert a["data"]["id"] == "3003" and a["timestamp"] == 1795000012000


def test_mail_send_delivers_locally_and_keeps_a_sent_copy(mock):
    c = Client(mock)
    c.login()
    raw = b"From: miguel@ox.io\r\nTo: ana@ox.io, x@example.net\r\nBcc: b@example.net\r\nSubject: hi\r\n\r\nhello\r\n"
    _, sent = c.call("PUT", "/ajax/mail", {"action": "new"}, raw)
    assert sent["data"] == "sent"
    ana = Client(mock)
    ana.login("ana@ox.io")
    _, inbox = ana.call("GET", "/ajax/mail", {"action": "all", "folder": "default0/INBOX", "columns": "600,611"})
    assert len(inbox["data"]) == 1
    _, src = ana.call("GET", "/ajax/mail", {"action": "get", "folder": "default0/INBOX",
                                            "id": inbox["data"][0][0], "src": "1"})
    assert "hello" in src["data"] and "Bcc" not in src["data"]
    conn = http.client.HTTPConnection("127.0.0.1", mock)
    conn.request("GET", "/admin/state")
    state = json.loads(conn.getresponse().read())
    assert sorted(s["to"] for s in state["sent"]) == ["b@example.net", "x@example.net"]


def test_journal_and_faults(mock):
    c = Client(mock)
    c.login()
    admin = http.client.HTTPConnection("127.0.0.1", mock)
    admin.request("POST", "/admin/faults", body=json.dumps({"status": 503, "count": 1}))
    admin.getresponse().read()
    status, _ = c.call("GET", "/ajax/user", {"action": "get"})
    assert status == 503
    status, ok = c.call("GET", "/ajax/user", {"action": "get"})
    assert status == 200 and "data" in ok
    admin.request("POST", "/admin/faults", body=json.dumps({"expire_sessions": True, "count": 0}))
    admin.getresponse().read()
    _, expired = c.call("GET", "/ajax/user", {"action": "get"})
    assert expired["code"] == "SES-0203"
    admin.request("GET", "/admin/journal")
    journal = json.loads(admin.getresponse().read())
    assert [j["module"] for j in journal[:2]] == ["login", "user"]
    assert all("session" not in j["params"] for j in journal)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
