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
    def __init__(self, extra_args=()):
        self.data_dir = tempfile.mkdtemp(prefix="eas-test-")
        self.proc = subprocess.Popen(
            [SERVER, "--data-dir=" + self.data_dir, "--demo", "--listen=127.0.0.1:0",
             "--tls-listen=127.0.0.1:0", *extra_args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.ports = {}
        deadline = time.time() + 30
        while len(self.ports) < 2 and time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            m = re.match(r"listening: (https?)://127\.0\.0\.1:(\d+)/", line)
            if m:
                self.ports[m.group(1)] = int(m.group(2))
        if len(self.ports) < 2:
            self.proc.kill()
            raise RuntimeError("eas-server did not start: " + self.proc.stderr.read())

    def admin(self, *args, stdin=None):
        return subprocess.run([ADMIN, "--data-dir=" + self.data_dir, *args], input=stdin,
                              capture_output=True, text=True)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.data_dir, ignore_errors=True)
