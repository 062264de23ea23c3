"""The replay's options reach the tests however it is started, and a run
against a server that is not there is red (issue: a closed port once showed
"4 passed" because the options were lost and a bundled server was used).
Both ways of starting it: `bazel run` (replay_test.py's main) and plain
`python3 -m pytest tools/replay/replay_test.py`."""

import os
import re
import socket
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "testing"))
from eas_server import RunningServer  # noqa: E402

REPLAY = os.path.join(HERE, "replay_test.py")
CAPTURE = "ios-16-161-first-setup"  # its own account is miguel@ox.io


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(how, args, html=None):
    """Runs the replay as a user would and returns (exit code, output)."""
    if how == "main":
        command = [sys.executable, REPLAY]
    else:
        command = [sys.executable, "-m", "pytest", REPLAY, "-p", "no:cacheprovider", "-q"]
    if html:
        args = args + ["--html-report=" + html]
    env = {k: v for k, v in os.environ.items() if not k.startswith("EAS_REPLAY_")}
    env.pop("TEST_UNDECLARED_OUTPUTS_DIR", None)
    result = subprocess.run(command + args, capture_output=True, text=True, timeout=300, env=env)
    return result.returncode, result.stdout + result.stderr


@pytest.mark.parametrize("how", ["main", "pytest"])
def test_closed_port_is_red_with_its_reason(how, tmp_path):
    port = closed_port()
    html = str(tmp_path / "report.html")
    code, out = start(how, ["--server", "http://127.0.0.1:%d" % port, "--user", "ox.io\\miguel",
                            "--password", "secret", "-k", CAPTURE], html)
    assert code != 0, out
    assert re.search(r"\n1 failed, \d+ deselected in", out), out
    assert "http://127.0.0.1:%d does not answer" % port in out, out
    # The report says so too, and names no bundled backend.
    report = open(html, encoding="utf-8").read()
    assert "does not answer" in report and "[embedded]" not in report
    # By requirement: the capture's rules, the failure counted against each.
    assert "By requirement" in report and "MS-ASPROV_R394" in report


@pytest.mark.parametrize("how", ["main", "pytest"])
def test_options_given_as_environment(how):
    port = closed_port()
    env_args = {"EAS_REPLAY_SERVER": "http://127.0.0.1:%d" % port, "EAS_REPLAY_USER": "ox.io\\miguel",
                "EAS_REPLAY_PASSWORD": "secret"}
    command = [sys.executable, REPLAY] if how == "main" else [sys.executable, "-m", "pytest", REPLAY, "-q",
                                                               "-p", "no:cacheprovider"]
    env = dict(os.environ, **env_args)
    result = subprocess.run(command + ["-k", CAPTURE], capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode != 0 and "does not answer" in result.stdout, result.stdout


def test_server_without_account_is_red():
    code, out = start("main", ["--server", "http://127.0.0.1:%d" % closed_port(), "-k", CAPTURE])
    assert code != 0 and "needs --user and --password" in out, out


@pytest.fixture(scope="module")
def other_server():
    server = RunningServer(["--max-devices-per-account=1000"])
    yield server
    server.stop()


def test_given_server_with_another_account(other_server):
    """A separately started reference server through --server, with an
    account that is not the capture's own: the credentials, User= and the
    device's user form are all the given account's (else 403/401)."""
    url = "http://127.0.0.1:%d" % other_server.ports["http"]
    code, out = start("pytest", ["--server", url, "--user", "ana@ox.io", "--password", "secret",
                                 "--device-suffix", "opt1", "-k", CAPTURE])
    assert code == 0 and "1 passed" in out, out
    log = other_server.stderr()
    assert "account=ox.io/ana" in log and "account=ox.io/miguel" not in log, log[-2000:]
    # --device-suffix: the server saw the capture's DeviceId with it.
    assert "opt1 type=iPhone" in log, log[-2000:]


def test_wrong_password_is_red(other_server):
    url = "http://127.0.0.1:%d" % other_server.ports["http"]
    code, out = start("main", ["--server", url, "--user", "ana@ox.io", "--password", "wrong", "-k", CAPTURE])
    assert code != 0 and "refuses the account" in out, out


def test_a_path_in_the_url_is_the_endpoint(other_server):
    # The reference server's endpoint is /Microsoft-Server-ActiveSync; another
    # path given is used as it is (SOGo's /SOGo/Microsoft-Server-ActiveSync),
    # so here OPTIONS on it is not an EAS answer and the run is red.
    url = "http://127.0.0.1:%d/SOGo/Microsoft-Server-ActiveSync" % other_server.ports["http"]
    code, out = start("main", ["--server", url, "--user", "ana@ox.io", "--password", "secret", "-k", CAPTURE])
    assert code != 0 and "/SOGo/Microsoft-Server-ActiveSync" in out, out


SEEDED = "aosp-ics-121-calendar-add or aosp-ics-121-initial-sync-contacts"


def test_seed_makes_what_a_capture_needs(other_server):
    """An account with only the default folders and no contacts: without
    --seed the captures that need a second calendar or five contacts are
    skipped, naming the need; with it the replay makes them through EAS
    (FolderCreate, Sync Add) and both captures run and pass."""
    assert other_server.admin("users", "add", "ox.io", "zed", "pw").returncode == 0
    url = "http://127.0.0.1:%d" % other_server.ports["http"]
    args = ["--server", url, "--user", "zed@ox.io", "--password", "pw", "-k", SEEDED, "-rs"]
    code, out = start("pytest", args + ["--device-suffix", "s0"])
    assert code == 0 and "2 skipped" in out, out
    assert "needs folder (type=user-calendar): --seed makes it" in out, out
    assert "needs contacts (at-least=5, folder=contacts): --seed makes it" in out, out
    code, out = start("pytest", args + ["--device-suffix", "s1", "--seed"])
    assert code == 0 and "2 passed" in out, out
    log = other_server.stderr()
    assert "account=ox.io/zed" in log and "cmd=FolderCreate" in log, log[-2000:]


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
