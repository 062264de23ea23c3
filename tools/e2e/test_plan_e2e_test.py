"""The test plan the server plays (eas-admin devices plan ... standard;
docs/vendor-guide.md "Drive your client"), against the real eas-server: a
client that recovers the way the specifications say gets "recovered" for
every situation; a careless one gets "failed" for what it got wrong."""

import os
import sys
import time
import xml.etree.ElementTree as ET

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testing"))
from eas_phone import Phone, connect  # noqa: E402
from eas_server import RunningServer  # noqa: E402

A = "{AirSync:}"
H = "{FolderHierarchy:}"


class CarefulPhone(Phone):
    """A client that does what the specifications say after each answer
    the plan gives: waits out Retry-After, starts a collection over after
    Status 3, FolderSyncs after Status 12, follows MoreAvailable,
    provisions when told. `careless`: resends its old key after Status 3."""

    def __init__(self, server, device_id, careless=False):
        super().__init__(connect(server.ports, False), device_id)
        self.server, self.careless = server, careless
        self.hierarchy_key, self.keys, self.inbox, self.answers = "0", {}, None, []

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
            return status, root
        raise AssertionError("no answer after 5 tries: %s" % self.answers[-5:])

    @property
    def retry_after(self):
        return 5  # what the plan's 503 says (reference/plan/test_plan.h kRetryAfterSeconds)

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

    def sync_inbox(self):
        """One Sync of the Inbox; follows what the answer says. Returns
        whether MoreAvailable came."""
        key = self.keys.get(self.inbox, "0")
        status, root = self.send("Sync", '<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>%s</SyncKey>'
                                         '<CollectionId>%s</CollectionId>%s</Collection></Collections></Sync>'
                                 % (key, self.inbox, "" if key == "0" else "<WindowSize>50</WindowSize>"))
        assert status == 200
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
        return collection.find(A + "MoreAvailable") is not None


def plan_of(server, device):
    out = server.admin("devices", "plan", "ox.io/miguel", device, "report")
    assert out.returncode == 0, out.stderr
    return {line.split()[1]: line.split()[2] for line in out.stdout.splitlines()[1:]}, out.stdout


@pytest.fixture(scope="module")
def server():
    running = RunningServer()
    yield running
    running.stop()


def test_a_client_that_recovers_as_specified_recovers_from_every_situation(server):
    out = server.admin("devices", "plan", "ox.io/miguel", "PLANGOOD1", "standard")
    assert out.returncode == 0, out.stderr
    phone = CarefulPhone(server, "PLANGOOD1")
    phone.provision()
    phone.folder_sync()   # answered 503 first; sent again after Retry-After
    for _ in range(12):
        outcomes, report = plan_of(server, "PLANGOOD1")
        if all(o != "pending" and o != "watching" for o in outcomes.values()):
            break
        while phone.sync_inbox():
            pass
        if outcomes["more-available"] == "recovered" and outcomes["new-folder"] == "pending":
            phone.ping()  # answered at once: Status 7 (the plan's new folder)
    outcomes, report = plan_of(server, "PLANGOOD1")
    print(report)
    assert outcomes == {"retry-after": "recovered", "invalid-sync-key": "recovered", "sync-status-12": "recovered",
                        "more-available": "recovered", "new-folder": "recovered", "policy-change": "recovered"}, report
    assert "came 5." in report or "came 6." in report, report  # the wait, as measured


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
