"""A fresh reference server holding a recorded capture's state (its
fixture file, docs/captures.md "Recorded captures"): on the embedded store
the fixture imported by `eas-admin fixture import`, on the OX backend the
OX mock started with it."""

import json
import os
import subprocess
import tempfile
import time

import capture as cap


class FreshServer:
    """`extra_args`: more eas-server flags (a --record-dir, on the embedded
    store)."""

    def __init__(self, fixture, backend, extra_args=()):
        from eas_server import ADMIN, RunningServer
        self.mock = None
        if backend == "embedded":
            data_dir = tempfile.mkdtemp(prefix="eas-recorded-")
            done = subprocess.run([ADMIN, "--data-dir=" + data_dir, "fixture", "import", fixture],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                raise cap.CaptureError("importing %s: %s" % (fixture, done.stderr.strip()))
            self.server = RunningServer(list(extra_args), data_dir=data_dir, demo=False)
            self.server.own_dir = True  # removed at stop
        elif backend == "ox":
            from ox_mock import RunningOxMock
            self.mock = RunningOxMock(fixture)
            self.server = RunningServer(["--backend=ox", "--ox-url=" + self.mock.url, "--ox-watch-seconds=1",
                                         "--ox-sync-freshness-ms=0", *extra_args])
        else:
            raise ValueError("backend is embedded or ox")
        if backend == "ox":
            self._apply_policy(fixture)  # (on the embedded store, fixture import has done it)
        self.target = cap.Target("http://127.0.0.1:%d" % self.server.ports["http"])

    def run_event(self, step, bindings):
        """A recorded capture's events: mail that came from outside the
        session (kind="deliver"), into the store or the OX mock."""
        if step.tag != "event" or step.get("kind") != "deliver":
            raise cap.CaptureError("a recorded capture has only deliver events, not %s" % step.get("kind"))
        mime = cap.crlf(bindings.fill(step.text or ""))
        if self.mock is not None:
            self.mock.change(module="mail", action="deliver", user=step.get("user").split("/")[-1], raw=mime)
            time.sleep(0.2)  # the connector asks OX about a folder at most every 100 ms
            return
        done = self.server.admin("mail", "deliver", step.get("user"), stdin=mime)
        if done.returncode != 0:
            raise cap.CaptureError("mail deliver failed: %s" % done.stderr.strip())

    def _apply_policy(self, fixture):
        """The policy the session was recorded under (the state's
        eas_policy): it lives in the EAS server, not in OX."""
        with open(fixture, encoding="utf-8") as f:
            policy = json.load(f).get("eas_policy")
        if not policy:
            return
        steps = [["policy", "required", "on" if policy.get("required", True) else "off"],
                 ["policy", "exempt"] + ([",".join(policy["exempt_device_types"])]
                                         if policy.get("exempt_device_types") else [])]
        if policy.get("settings"):
            steps.append(["policy", "set"] + ["%s=%s" % kv for kv in sorted(policy["settings"].items())])
        for step in steps:
            done = self.server.admin(*step)
            if done.returncode != 0:
                raise cap.CaptureError("setting the recorded policy: %s" % done.stderr.strip())

    def stop(self):
        self.server.stop()
        if self.mock is not None:
            self.mock.stop()
