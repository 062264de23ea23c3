"""Replays every capture in captures/ (docs/captures.md).

Default (bazel test //tools/replay:replay_test): against a fresh reference
server with the demo data, twice: on the embedded store, and on the OX
backend with the OX mock holding the same demo data (eas-admin
demo-ox-fixture), so the connector cannot drift from the store; at the
reference level (the reference server's exact answers). Against any EAS
server, at the spec level (docs/captures.md has every option):

    bazel run //tools/replay:replay_test -- --server https://host \
        --user 'DOMAIN\\user' --password secret --second-user 'DOMAIN\\other' --second-password s2 \
        [--seed] [--junitxml=report.xml] [--html-report=report.html]

The options are read by conftest.py, so plain pytest takes them too.
"""

import glob
import os
import re
import shlex
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "wbxml"))
sys.path.insert(0, os.path.join(HERE, "..", "testing"))
sys.path.insert(0, os.path.join(HERE, "..", "requirements"))
import capture as cap  # noqa: E402
import report  # noqa: E402
import seed  # noqa: E402
import sender  # noqa: E402

RESULTS = []


def option(config, name):
    return config.getoption(name.replace("-", "_"))


@pytest.fixture(scope="session", autouse=True)
def html_report(request):
    """Writes the HTML report at the end: --html-report PATH, or under Bazel
    into the test's undeclared outputs (bazel-testlogs/.../outputs.zip)."""
    yield
    path = option(request.config, "html-report")
    if path is None and os.environ.get("TEST_UNDECLARED_OUTPUTS_DIR"):
        path = os.path.join(os.environ["TEST_UNDECLARED_OUTPUTS_DIR"], "replay.html")
    if path and RESULTS:
        report.write(path, RESULTS)
    json_path = option(request.config, "json-report")
    if json_path:
        report.write_json(json_path, RESULTS)


def capture_root():
    for root in (os.environ.get("BUILD_WORKSPACE_DIRECTORY"), os.getcwd()):
        if root and os.path.isdir(os.path.join(root, "captures")):
            return os.path.join(root, "captures")
    raise RuntimeError("no captures/ directory")


PATHS = sorted(glob.glob(os.path.join(capture_root(), "**", "*.xml"), recursive=True))


def pytest_generate_tests(metafunc):
    # Against a given server one run; against the bundled reference server
    # one per backend. No phantom parameters either way.
    if "target" in metafunc.fixturenames:
        backends = ["given"] if option(metafunc.config, "server") else ["embedded", "ox"]
        metafunc.parametrize("target", backends, indirect=True, scope="module")


class Given:
    """The server named by --server, probed once with OPTIONS: a server that
    does not answer, or refuses the account, fails every capture with that
    reason (a conformance run must never be green against nothing)."""

    def __init__(self, config):
        url = option(config, "server")
        user, password = option(config, "user"), option(config, "password")
        self.problem, self.versions, self.second = None, None, None
        self.provides = {p.strip() for p in (option(config, "provides") or "").split(",") if p.strip()}
        self.seed = bool(option(config, "seed"))
        if not user or password is None:
            self.problem = "--server needs --user and --password (the account the captures use)"
            account = None
        else:
            account = cap.Account(user, password, option(config, "email"))
        self.target = cap.Target(url, account, option(config, "device-suffix") or "")
        if account is None:
            return
        self.problem, self.versions = probe(self.target)
        if option(config, "second-user"):
            self.second = cap.Account(option(config, "second-user"), option(config, "second-password") or "",
                                      option(config, "second-email"))
            self.target.colleague = self.second.email


def probe(target):
    """OPTIONS with the account's credentials (MS-ASHTTP 2.2.3, 3.2.5.2): returns
    (problem or None, the versions the server offers or None)."""
    import http.client
    try:
        conn = cap.connect(target.url)
        conn.request("OPTIONS", target.path, headers={
            "Authorization": cap.basic_auth(target.account.given, target.account.password)})
        response = conn.getresponse()
        response.read()
        conn.close()
    except (OSError, http.client.HTTPException) as e:
        return "the server at %s does not answer: %s" % (target.url, e), None
    if response.status == 401:
        return "the server at %s refuses the account %r (HTTP 401)" % (target.url, target.account.given), None
    if response.status != 200:
        return "OPTIONS %s answered HTTP %d, not 200 (MS-ASHTTP 3.2.5.2)" % (target.path, response.status), None
    versions = response.getheader("MS-ASProtocolVersions")
    if not versions:
        return ("OPTIONS %s has no MS-ASProtocolVersions header (MS-ASHTTP 3.2.5.2 requires it): "
                "not an EAS endpoint?" % target.path), None
    return None, [v.strip() for v in versions.split(",")]


@pytest.fixture(scope="session")
def given(request):
    return Given(request.config)


@pytest.fixture(scope="module")
def target(request):
    if request.param == "given":
        yield request.getfixturevalue("given").target, None, "given", None
        return
    from eas_server import ADMIN, RunningServer
    # Every capture is a device of its own, on a few accounts: a lab's limit.
    lab = ["--max-devices-per-account=10000"]
    if request.param == "embedded":
        server = RunningServer(lab)
        yield cap.Target("http://127.0.0.1:%d" % server.ports["http"]), server, "embedded", None
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
    yield cap.Target("http://127.0.0.1:%d" % server.ports["http"]), server, "ox", mock
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


REFERENCE_FOLDER_ID = re.compile(r">((?:inbox|drafts|trash|sent|outbox|tasks|calendar|contacts)(?:/[^<]*)?)<"
                                 r"|CollectionId=(inbox|drafts|trash|sent|outbox|tasks|calendar|contacts)\b")


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
        # Folders by what they are ({{folder:inbox}}), never by the reference
        # server's ids, so the capture runs where ids differ.
        literal = REFERENCE_FOLDER_ID.search(c.text)
        assert literal is None, "%s names the folder %r by its id" % (path, literal.group(1))
        # The reference level checks the reference server's whole answers:
        # match="any" only in the specification's alternatives.
        for step in c.root.iter("exchange"):
            exact = [step.find("response")] + [a.find("response") for a in step.findall("allow") if a.get("backend")]
            loose = [e.tag for r in exact if r is not None for e in r.iter() if e.get("match") == "any"]
            assert not loose, "%s, %s: match=\"any\" at the reference level on %s" % (path, step.get("note"), loose)
        if c.uses("account:colleague"):
            assert c.account.get("colleague"), "%s: {{account:colleague}} without <account colleague=...>" % path


def skip_reason(c, server, given):
    """Why a capture cannot run against this server, or None. Against a given
    server the cheap reasons come first; seeding, which talks to the server,
    only for a capture that can run."""
    if server is not None:
        return None
    if c.groupware == "recorded":
        return ("a recorded capture starts from its account's state (%s), which a replay cannot put on "
                "another server; it runs against the reference server" % os.path.basename(c.fixture))
    if given.versions is not None and c.device.get("protocol") not in given.versions:
        return "the server offers %s; the capture speaks %s" % (",".join(given.versions), c.device.get("protocol"))
    for step in c.steps:
        for event in ([step] if step.tag == "event" else step.findall("event")):
            if event.get("kind") == "admin":
                return "needs an administrator (eas-admin %s)" % " ".join(event.get("args", "").split()[:2])
            if event.get("kind") == "deliver" and given.second is None:
                return "needs mail from outside: give --second-user and --second-password"
    if c.uses("account:colleague") and given.target.colleague is None:
        return "needs a colleague's address: give --second-user as login@domain, or --second-email"
    for need in c.needs:
        if need["kind"] in given.provides:
            continue
        what = ", ".join("%s=%s" % kv for kv in sorted(need.items()) if kv[0] != "kind")
        if need["kind"] not in seed.SEEDABLE:
            return "needs %s data (%s) that a replay cannot create; --provides %s if the server has it" % (
                need["kind"], what, need["kind"])
        if not given.seed:
            return "needs %s (%s): --seed makes it, or --provides %s if the server has it" % (
                need["kind"], what, need["kind"])
        try:
            seed.make(need, given.target, given.versions, given.second)
        except cap.CaptureError as e:
            return "needs %s (%s) and could not make it: %s" % (need["kind"], what, e)
    return None


@pytest.mark.parametrize("path", PATHS, ids=[os.path.relpath(p, capture_root()) for p in PATHS])
def test_capture(path, target, request):
    target, server, backend, mock = target
    given = request.getfixturevalue("given") if backend == "given" else None
    c = cap.Capture(path)
    name = os.path.basename(path) + ("" if backend == "given" else " [%s]" % backend)
    entry = {"family": c.family, "scenario": c.scenario, "name": name, "outcome": "passed", "message": "",
             "path": os.path.relpath(path, capture_root()), "rules": [key for key, _ in c.rules]}
    RESULTS.append(entry)
    if given is not None and given.problem:
        entry.update(outcome="failed", message=given.problem)
        pytest.fail(given.problem)
    reason = skip_reason(c, server, given)
    if reason:
        entry.update(outcome="skipped", message=reason)
        pytest.skip(reason)

    dump = option(request.config, "dump-unchecked")
    if dump and cap.unchecked_log is None:
        cap.unchecked_log = cap.UncheckedLog(dump)

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
            # eas-admin, in OX through the mock, elsewhere sent by the second account.
            mime = cap.crlf(bindings.fill(step.text or ""))
            if server is None:
                sender.send(target, given.second, given.target.account, mime, given.versions)
            elif mock is not None:
                mock.change(module="mail", action="deliver", user=step.get("user").split("/")[-1], raw=mime)
                # The connector asks OX about a folder at most every 100 ms.
                time.sleep(0.2)
            else:
                result = server.admin("mail", "deliver", step.get("user"), stdin=mime)
                if result.returncode != 0:
                    raise cap.CaptureError("mail deliver failed: %s" % result.stderr)
        else:
            raise cap.CaptureError("unknown event kind %r" % kind)

    level = option(request.config, "level") or ("spec" if backend == "given" else "reference")
    fresh = None
    if c.groupware == "recorded":
        # Its own fresh server, holding the state the session started from.
        import recorded_state
        fresh = recorded_state.FreshServer(c.fixture, backend)
        target, server, mock = fresh.target, fresh.server, fresh.mock
    try:
        outcome = cap.replay(c, target, run_event, level, backend if backend != "given" else None)
    except cap.CaptureError as e:
        entry.update(outcome="failed", message=str(e))
        raise
    finally:
        if fresh is not None:
            fresh.stop()
    entry["level"] = level
    entry["allowed"] = [{"number": n, "note": note, "rule": rule} for n, note, rule in outcome.allowed]
    if not outcome.passed:
        entry.update(outcome="failed", message=outcome.report(), differences=outcome.differences)
        raise cap.CaptureError(outcome.report())


def main(argv):
    # The options are read by conftest.py (pytest_addoption), so they reach
    # the module however pytest imports it.
    return pytest.main([__file__, "-p", "no:cacheprovider", "-q"] + list(argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
