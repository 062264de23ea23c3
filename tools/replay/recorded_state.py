"""A fresh reference server holding a recorded capture's state (its
fixture file, docs/captures.md "Recorded captures"): on the embedded store
the fixture imported by `eas-admin fixture import`, on the OX backend the
OX mock started with it."""

import os
import subprocess
import tempfile

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
        self.target = cap.Target("http://127.0.0.1:%d" % self.server.ports["http"])

    def stop(self):
        self.server.stop()
        if self.mock is not None:
            self.mock.stop()
