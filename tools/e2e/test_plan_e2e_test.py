"""The test plan the server plays (eas-admin devices plan ... standard;
docs/vendor-guide.md "Drive your client"), against the real eas-server: a
client that recovers the way the specifications say gets "recovered" for
every situation; a careless one gets "failed" for what it got wrong."""

import os
import re
import sys
import time
import xml.etree.ElementTree as ET

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testing"))
from eas_phone import Phone, connect  # noqa: E402
from eas_server import RunningServer  # noqa: E402

A = "{AirSync:}"
B = "{AirSyncBase:}"
E = "{Email:}"
H = "{FolderHierarchy:}"
P = "{Provision:}"
OPTIONS = ('<Options><BodyPreference xmlns="AirSyncBase:"><Type>1</Type><TruncationSize>100000</TruncationSize>'
           '</BodyPreference></Options>')


class CarefulPhone(Phone):
    """A client that does what the specifications say after each answer
    the plan gives: waits out Retry-After, starts a collection over after
    Status 3, FolderSyncs after Status 12, follows MoreAvailable,
    provisions when told, takes the server's version after Status 7,
    fetches a truncated message, acknowledges a wipe. `careless`: resends
    its old key after Status 3."""

    def __init__(self, server, device_id, careless=False, version="14.1"):
        super().__init__(connect(server.ports, False), device_id, version=version)
        self.server, self.careless = server, careless
        self.hierarchy_key, self.keys, self.inbox, self.answers = "0", {}, None, []
        self.subjects, self.truncated, self.conflicts, self.wiped = {}, {}, [], False

    def send(self, command, xml=None):
        for _ in range(5):
            status, root = self.post(command, xml)
            self.answers.append((command, status))
            if status == 503:
                time.sleep(self.retry_after)
                continue
            code = next((c.text for c in list(root) if c.tag.endswith("}Status")), None) if root is not None else None
            if code in ("142", "143", "144"):
                self.provision()
                continue
            if code == "140":
                self.acknowledge_wipe()
                return status, root
            return status, root
        raise AssertionError("no answer after 5 tries: %s" % self.answers[-5:])

    @property
    def retry_after(self):
        return 5  # what the plan's 503 says (reference/plan/test_plan.h kRetryAfterSeconds)

    def acknowledge_wipe(self):
        """MS-ASPROV 3.1.5.1.1: an empty Provision, then the acknowledgement
        of whichever wipe the answer names (3.1.5.1.2.2, 3.1.5.1.2.3)."""
        status, root = self.post("Provision", '<Provision xmlns="Provision:"/>')
        assert status == 200
        kind = "AccountOnlyRemoteWipe" if root.find(P + "AccountOnlyRemoteWipe") is not None else "RemoteWipe"
        assert root.find(P + kind) is not None, ET.tostring(root)
        status, root = self.post("Provision", '<Provision xmlns="Provision:"><%s><Status>1</Status></%s></Provision>'
                                 % (kind, kind))
        assert status == 200 and root.find(P + "Status").text == "1"
        self.wiped = True

    def fetch(self, server_id):
        """ItemOperations Fetch of a message's whole body; returns its text."""
        status, root = self.send("ItemOperations",
                                 '<ItemOperations xmlns="ItemOperations:"><Fetch><Store>Mailbox</Store>'
                                 '<CollectionId xmlns="AirSync:">%s</CollectionId><ServerId xmlns="AirSync:">%s'
                                 '</ServerId><Options><BodyPreference xmlns="AirSyncBase:"><Type>1</Type>'
                                 '</BodyPreference></Options></Fetch></ItemOperations>' % (self.inbox, server_id))
        assert status == 200
        return root.find(".//%sBody/%sData" % (B, B)).text

    def folder_sync(self):
        status, root = self.send("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>%s</SyncKey>'
                                               '</FolderSync>' % self.hierarchy_key)
        assert status == 200
        self.hierarchy_key = root.find(H + "SyncKey").text
        for add in root.iter(H + "Add"):
            if add.find(H + "Type").text == "2":
                self.inbox = add.find(H + "ServerId").text

    def ping(self):
        """One Ping of the Inbox; a FolderSync after Status 7."""
        status, root = self.send("Ping", '<Ping xmlns="Ping:"><HeartbeatInterval>60</HeartbeatInterval><Folders>'
                                         '<Folder><Id>%s</Id><Class>Email</Class></Folder></Folders></Ping>'
                                 % self.inbox)
        assert status == 200
        if root.find("{Ping:}Status").text == "7":
            self.folder_sync()

    def sync_inbox(self, change=None):
        """One Sync of the Inbox (marking `change` read, when given);
        follows what the answer says. Returns whether MoreAvailable came."""
        key = self.keys.get(self.inbox, "0")
        commands = ("<Commands><Change><ServerId>%s</ServerId><ApplicationData><Read xmlns=\"Email:\">1</Read>"
                    "</ApplicationData></Change></Commands>" % change) if change else ""
        status, root = self.send("Sync", '<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>%s</SyncKey>'
                                         '<CollectionId>%s</CollectionId>%s%s</Collection></Collections></Sync>'
                                 % (key, self.inbox, "" if key == "0" else "<WindowSize>50</WindowSize>" + OPTIONS,
                                    commands))
        assert status == 200
        if self.wiped:
            return False
        collection = root.find(".//%sCollection" % A)
        code = collection.find(A + "Status").text
        if code == "3":
            if not self.careless:
                self.keys[self.inbox] = "0"
            return False
        if code == "12":
            self.folder_sync()
            return False
        assert code == "1", ET.tostring(root)
        self.keys[self.inbox] = collection.find(A + "SyncKey").text
        for add in collection.iter(A + "Add"):
            server_id, data = add.find(A + "ServerId").text, add.find(A + "ApplicationData")
            self.subjects[server_id] = data.find(E + "Subject").text
            if data.findtext("%sBody/%sTruncated" % (B, B)) == "1":
                self.truncated[server_id] = data.findtext("%sBody/%sData" % (B, B)) or ""
        for answer in collection.iter(A + "Change"):
            if answer.findtext(A + "Status") == "7":
                self.conflicts.append(answer.findtext(A + "ServerId"))
        return collection.find(A + "MoreAvailable") is not None


def plan_of(server, device):
    """The report's outcomes by situation, in the plan's order."""
    out = server.admin("devices", "plan", "ox.io/miguel", device, "report")
    assert out.returncode == 0, out.stderr
    lines = [re.match(r"\s*\d+\s+(\S+)\s+(not \S+|\S+)", line) for line in out.stdout.splitlines()[1:]]
    return {m.group(1): m.group(2) for m in lines}, out.stdout


def drive(server, phone, device, rounds=40):
    """Plays the careful phone's part of each situation until none is left."""
    for _ in range(rounds):
        outcomes, _ = plan_of(server, device)
        current = next((n for n, o in outcomes.items() if o in ("pending", "watching")), None)
        if current is None or phone.wiped:
            return
        if current == "new-folder":
            phone.ping()  # answered at once: Status 7 (the plan's new folder)
        elif current == "conflict" and outcomes[current] == "pending":
            phone.sync_inbox(change=sorted(phone.subjects)[0])
        elif current == "truncated-body" and outcomes[current] == "watching":
            long_one = next(i for i, subject in phone.subjects.items() if "a long message" in subject)
            assert len(phone.truncated[long_one].encode()) <= 512, phone.truncated
            assert len(phone.fetch(long_one)) > 8000
        else:
            while phone.sync_inbox():
                pass


@pytest.fixture(scope="module")
def server():
    running = RunningServer()
    yield running
    running.stop()


def test_a_client_that_recovers_as_specified_recovers_from_every_situation(server):
    out = server.admin("devices", "plan", "ox.io/miguel", "PLANGOOD1", "standard")
    assert out.returncode == 0, out.stderr
    phone = CarefulPhone(server, "PLANGOOD1", version="16.1")
    phone.provision()
    phone.folder_sync()   # answered 503 first; sent again after Retry-After
    drive(server, phone, "PLANGOOD1")
    outcomes, report = plan_of(server, "PLANGOOD1")
    print(report)
    assert outcomes == {"retry-after": "recovered", "invalid-sync-key": "recovered", "sync-status-12": "recovered",
                        "more-available": "recovered", "new-folder": "recovered", "policy-change": "recovered",
                        "conflict": "recovered", "truncated-body": "recovered",
                        "account-only-wipe": "recovered"}, report
    assert "came 5." in report or "came 6." in report, report  # the wait, as measured
    assert len(phone.conflicts) == 1, phone.conflicts  # the server's Status 7 for the changed message
    assert phone.wiped
    devices = server.admin("devices", "list").stdout
    assert "account wiped" in next(line for line in devices.splitlines() if "PLANGOOD1" in line), devices


def test_a_client_that_sends_its_discarded_change_again_fails_the_conflict(server):
    assert server.admin("devices", "plan", "ox.io/miguel", "PLANBAD2", "standard").returncode == 0
    phone = CarefulPhone(server, "PLANBAD2")
    phone.provision()
    phone.folder_sync()
    for _ in range(30):
        outcomes, report = plan_of(server, "PLANBAD2")
        if outcomes["conflict"] != "pending":
            break
        drive(server, phone, "PLANBAD2", rounds=1)
    assert outcomes["conflict"] == "watching", report
    phone.sync_inbox(change=phone.conflicts[0])  # its own version again
    outcomes, report = plan_of(server, "PLANBAD2")
    assert outcomes["conflict"] == "failed", report
    assert "its discarded change of the item came again" in report, report


def test_a_client_that_resends_a_rejected_key_fails_that_situation(server):
    assert server.admin("devices", "plan", "ox.io/miguel", "PLANBAD1", "standard").returncode == 0
    phone = CarefulPhone(server, "PLANBAD1", careless=True)
    phone.provision()
    phone.folder_sync()
    for _ in range(4):
        phone.sync_inbox()
    outcomes, report = plan_of(server, "PLANBAD1")
    assert outcomes["retry-after"] == "recovered", report
    assert outcomes["invalid-sync-key"] == "failed", report
    assert "the rejected SyncKey came again" in report


def test_off_ends_the_plan_and_the_server_answers_as_ever(server):
    assert server.admin("devices", "plan", "ox.io/miguel", "PLANOFF1", "standard").returncode == 0
    assert server.admin("devices", "plan", "ox.io/miguel", "PLANOFF1", "off").returncode == 0
    phone = CarefulPhone(server, "PLANOFF1")
    phone.provision()
    phone.folder_sync()
    assert ("FolderSync", 503) not in phone.answers
    assert server.admin("devices", "plan", "ox.io/miguel", "PLANOFF1", "report").returncode == 1


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
