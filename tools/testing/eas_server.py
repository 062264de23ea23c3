"""Starts the reference eas-server for a test: a fresh data directory with the
demo data, free loopback ports for HTTP and HTTPS. Used by the end-to-end
test and the capture replay."""

import os
import re
import shutil
import subprocess
import tempfile
import time

SERVER = os.path.join("reference", "server", "eas-server")
ADMIN = os.path.join("reference", "server", "eas-admin")


class RunningServer:
    """The server as a child process. `data_dir`: start on that directory
    (kept at stop) instead of a fresh one (removed at stop). What the server
    writes to stderr goes to `log_path` (a pipe nobody reads would fill and
    stop the server). `preexec_fn`: run in the child before the server
    starts (a resource limit). `demo`: seed the demo data (--demo)."""

    def __init__(self, extra_args=(), data_dir=None, admin=True, preexec_fn=None, demo=True):
        self.own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="eas-test-")
        self.log_path = os.path.join(self.data_dir, "server-stderr.log")
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [SERVER, "--data-dir=" + self.data_dir, *(["--demo"] if demo else []), "--listen=127.0.0.1:0",
             "--tls-listen=127.0.0.1:0", *(["--admin-listen=127.0.0.1:0"] if admin else []), *extra_args],
            stdout=subprocess.PIPE, stderr=self.log, text=True, preexec_fn=preexec_fn)
        self.ports = {}
        self.admin_port = None  # /metrics, /healthz, /readyz
        deadline = time.time() + 30
        while len(self.ports) < 2 and time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            m = re.match(r"listening: (https?)://127\.0\.0\.1:(\d+)/", line)
            if m:
                self.ports[m.group(1)] = int(m.group(2))
            m = re.match(r"admin: http://127\.0\.0\.1:(\d+)/", line)
            if m:
                self.admin_port = int(m.group(1))
        if len(self.ports) < 2:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError("eas-server did not start: " + self.stderr())

    def stderr(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def admin(self, *args, stdin=None):
        return subprocess.run([ADMIN, "--data-dir=" + self.data_dir, *args], input=stdin,
                              capture_output=True, text=True)

    def kill(self):
        """SIGKILL, as a crash or the OOM killer would: no clean shutdown."""
        self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()
        self.log.close()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.log.close()
        if self.own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
