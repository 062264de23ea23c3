"""Replays every capture in captures/ (docs/captures.md).

Default (bazel test //tools/replay:replay_test): against a fresh reference
server with the demo data, twice: on the embedded store, and on the OX
backend with the OX mock holding the same demo data (eas-admin
demo-ox-fixture), so the connector cannot drift from the store. Against any
EAS server:

    bazel run //tools/replay:replay_test -- --server https://host \
        --user 'DOMAIN\\user' --password secret [--junitxml=report.xml] [--html-report=report.html]

Then the captures' account is replaced by the one given, and captures that
need the reference server's admin (events) are skipped with that reason.
"""

import glob
import os
import shlex
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "wbxml"))
sys.path.insert(0, os.path.join(HERE, "..", "testing"))
import capture as cap  # noqa: E402
import report  # noqa: E402

OPTIONS = {"server": None, "user": None, "password": None, "html": None}
RESULTS = []


@pytest.fixture(scope="session", autouse=True)
def html_report():
    """Writes the HTML report at the end: --html-report PATH, or under Bazel
    into the test's undeclared outputs (bazel-testlogs/.../outputs.zip)."""
    yield
    path = OPTIONS["html"]
    if path is None and os.environ.get("TEST_UNDECLARED_OUTPUTS_DIR"):
        path = os.path.join(os.environ["TEST_UNDECLARED_OUTPUTS_DIR"], "replay.html")
    if path and RESULTS:
        report.write(path, RESULTS)


def capture_root():
    for root in (os.environ.get("BUILD_WORKSPACE_DIRECTORY"), os.getcwd()):
        if root and os.path.isdir(os.path.join(root, "captures")):
            return os.path.join(root, "captures")
    raise RuntimeError("no captures/ directory")


PATHS = sorted(glob.glob(os.path.join(capture_root(), "**", "*.xml"), recursive=True))


@pytest.fixture(scope="module", params=["embedded", "ox"])
def target(request):
    if OPTIONS["server"]:
        if request.param != "embedded":
            pytest.skip("one run against the given server")
        yield OPTIONS["server"], None, "given", None
        return
    from eas_server import ADMIN, RunningServer
    # Every capture is a device of its own, on a few accounts: a lab's limit.
    lab = ["--max-devices-per-account=10000"]
    if request.param == "embedded":
        server = RunningServer(lab)
        yield "http://127.0.0.1:%d" % server.ports["http"], server, "embedded", None
        check_metrics_moved(server)
        server.stop()
        return
    import subprocess
    import tempfile
    from ox_mock import RunningOxMock
    fixture = os.path.join(tempfile.mkdtemp(prefix="oxfixture-"), "demo.json")
    with open(fixture, "w") as f:
        f.write(subprocess.run([ADMIN, "demo-ox-fixture"], capture_output=True, text=True, check=True).stdout)
    mock = RunningOxMock(fixture)
    # Every request asks OX (--ox-sync-freshness-ms=0): a capture's events
    # change OX between two exchanges and the next exchange must see them;
    # the watcher-based freshness of the default is checked by
    # tools/e2e/ox_backend_e2e_test.py.
    server = RunningServer(["--backend=ox", "--ox-url=" + mock.url, "--ox-watch-seconds=1",
                            "--ox-sync-freshness-ms=0", *lab])
    yield "http://127.0.0.1:%d" % server.ports["http"], server, "ox", mock
    check_metrics_moved(server)
    server.stop()
    mock.stop()


def check_metrics_moved(server):
    """After the corpus ran on `server`: its /metrics (docs/operator-guide.md)
    counted the replay's requests, by command and status."""
    import http.client
    if not any(r["outcome"] == "passed" for r in RESULTS):
        return  # nothing ran (a -k filter)
    conn = http.client.HTTPConnection("127.0.0.1", server.admin_port, timeout=10)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    counts = {}
    for line in text.splitlines():
        if line.startswith("eas_requests_total{"):
            labels, value = line.rsplit(" ", 1)
            counts[labels] = float(value)
    for command in ("Provision", "FolderSync", "Sync"):
        assert counts.get('eas_requests_total{command="%s",code="200"}' % command, 0) > 0, (command, counts)
    assert sum(counts.values()) >= len([r for r in RESULTS if r["outcome"] == "passed"]), counts


def test_corpus_is_present_and_well_formed():
    assert PATHS, "no captures found"
    device_ids = {}
    for path in PATHS:
        c = cap.Capture(path)
        assert c.family and c.scenario, path
        # Device ids are per capture, so captures do not disturb each other.
        did = c.device.get("device-id")
        assert did and did not in device_ids, "%s reuses device id of %s" % (path, device_ids.get(did))
        device_ids[did] = path


@pytest.mark.parametrize("path", PATHS, ids=[os.path.relpath(p, capture_root()) for p in PATHS])
def test_capture(path, target):
    url, server, backend, mock = target
    c = cap.Capture(path)
    name = os.path.basename(path) + ("" if backend == "given" else " [%s]" % backend)
    needs_admin = any(s.tag == "event" or (s.tag == "exchange" and s.find("event") is not None) for s in c.steps)
    if needs_admin and server is None:
        RESULTS.append({"family": c.family, "scenario": c.scenario, "name": name,
                        "outcome": "skipped", "message": "needs the reference server's eas-admin"})
        pytest.skip("needs the reference server's eas-admin (events)")

    journal_seen = [0]

    def run_event(step, bindings):
        if step.tag == "expect-ox":
            # What the connector must have asked OX since the last look
            # (reference server on the OX mock only).
            if mock is None:
                return
            journal = mock.journal()
            fresh, journal_seen[0] = journal[journal_seen[0]:], len(journal)
            want = (step.get("module"), step.get("action"))
            if not any((j["module"], j["action"]) == want for j in fresh):
                raise cap.CaptureError("OX journal: no %s %s among %s" % (
                    want[0], want[1], sorted({(j["module"], j["action"]) for j in fresh})))
            return
        kind = step.get("kind")
        if kind == "admin":
            result = server.admin(*shlex.split(bindings.fill(step.get("args"))))
            if result.returncode != 0:
                raise cap.CaptureError("admin %s failed: %s" % (step.get("args"), result.stderr))
        elif kind == "deliver":
            # New mail in the groupware, not from the phone: in the store by
            # eas-admin, in OX through the mock.
            mime = cap.crlf(bindings.fill(step.text or ""))
            if mock is not None:
                mock.change(module="mail", action="deliver", user=step.get("user").split("/")[-1], raw=mime)
                # The connector asks OX about a folder at most every 100 ms.
                time.sleep(0.2)
            else:
                result = server.admin("mail", "deliver", step.get("user"), stdin=mime)
                if result.returncode != 0:
                    raise cap.CaptureError("mail deliver failed: %s" % result.stderr)
        else:
            raise cap.CaptureError("unknown event kind %r" % kind)

    override = None
    if OPTIONS["server"]:
        override = {"user": OPTIONS["user"], "password": OPTIONS["password"]}
    entry = {"family": c.family, "scenario": c.scenario, "name": name, "outcome": "passed", "message": ""}
    RESULTS.append(entry)
    try:
        cap.replay(c, url, run_event, override)
    except cap.CaptureError as e:
        entry.update(outcome="failed", message=str(e))
        raise


def main(argv):
    args, rest = list(argv), []
    while args:
        a = args.pop(0)
        name, eq, value = a.partition("=")
        if name in ("--server", "--user", "--password", "--html-report"):
            OPTIONS[{"--html-report": "html"}.get(name, name[2:])] = value if eq else args.pop(0)
        else:
            rest.append(a)
    return pytest.main([__file__, "-p", "no:cacheprovider", "-q"] + rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
