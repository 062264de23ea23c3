"""eas-admin devices check CONTEXT/LOGIN DEVICEID RECORD-DIR against the
real eas-server: the client rules' verdict on the device's newest recorded
session so far (docs/vendor-guide.md), pass for a client that keeps the
rules, fail naming the rule for one that breaks it, and exit 2 for a device
with nothing recorded."""

import os
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testing"))
from eas_phone import Phone, connect  # noqa: E402
from eas_server import RunningServer  # noqa: E402

H = "{FolderHierarchy:}"


@pytest.fixture(scope="module")
def server():
    record_dir = tempfile.mkdtemp(prefix="record-")
    running = RunningServer(extra_args=["--record-dir=" + record_dir])
    running.record_dir = record_dir
    yield running
    running.stop()


def recorded_phone(server, device_id):
    out = server.admin("devices", "record", "ox.io/miguel", device_id, "on")
    assert out.returncode == 0, out.stderr
    phone = Phone(connect(server.ports, False), device_id)
    phone.provision()
    return phone


def folder_sync(phone, key):
    status, root = phone.post("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>%s</SyncKey>'
                                            '</FolderSync>' % key)
    assert status == 200
    return root.find(H + "SyncKey").text if root.find(H + "SyncKey") is not None else None


def check(server, device_id):
    return server.admin("devices", "check", "ox.io/miguel", device_id, server.record_dir)


def test_a_client_that_keeps_the_rules_passes_so_far(server):
    phone = recorded_phone(server, "CHECKGOOD1")
    key = folder_sync(phone, "0")
    folder_sync(phone, key)
    out = check(server, "CHECKGOOD1")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "session so far:" in out.stdout
    assert "foldersync.keys" in out.stdout and "pass" in out.stdout, out.stdout


def test_a_client_that_breaks_a_rule_fails_by_that_rule(server):
    phone = recorded_phone(server, "CHECKBAD1")
    folder_sync(phone, "0")
    folder_sync(phone, "4711")  # a key the server never issued (MS-ASCMD 2.2.3.181.2)
    out = check(server, "CHECKBAD1")
    assert out.returncode == 1, out.stdout + out.stderr
    failed = [line for line in out.stdout.splitlines() if "fail" in line.split()[:3]]
    assert any("foldersync.keys" in line for line in failed), out.stdout


def test_a_device_with_nothing_recorded_is_exit_2(server):
    out = check(server, "NEVERSEEN")
    assert out.returncode == 2
    assert "no recorded session of ox.io/miguel NEVERSEEN" in out.stderr


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
