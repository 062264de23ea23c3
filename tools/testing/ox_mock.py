"""Starts the OX mock (tools/oxmock) for a test and talks to its admin
endpoints: state, journal, injected faults and groupware-side changes."""

import http.client
import json
import os
import subprocess
import sys
import tempfile
import time

MOCK = os.path.join("tools", "oxmock", "oxmock.py")
FIXTURE = os.path.join("tools", "oxmock", "fixtures", "demo.json")


class RunningOxMock:
    def __init__(self, fixture=FIXTURE):
        port_file = os.path.join(tempfile.mkdtemp(prefix="oxmock-"), "port")
        self.proc = subprocess.Popen([sys.executable, MOCK, "--fixture", fixture, "--port-file", port_file],
                                     stdout=subprocess.DEVNULL)
        deadline = time.time() + 20
        while not os.path.exists(port_file) and time.time() < deadline:
            time.sleep(0.05)
        if not os.path.exists(port_file):
            self.proc.kill()
            raise RuntimeError("the OX mock did not start")
        self.port = int(open(port_file).read())
        self.url = "http://127.0.0.1:%d" % self.port

    def _admin(self, method, what, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request(method, "/admin/" + what, body=json.dumps(body) if body is not None else None)
        return json.loads(conn.getresponse().read())

    def state(self):
        return self._admin("GET", "state")

    def journal(self, since=0):
        return self._admin("GET", "journal?since=%d" % since if since else "journal")

    def journal_length(self):
        return self._admin("GET", "journal-length")["length"]

    def faults(self, **faults):
        return self._admin("POST", "faults", faults)

    def latency(self, ms, user=None):
        return self._admin("POST", "latency", {"ms": ms, **({"user": user} if user else {})})

    def change(self, **change):
        return self._admin("POST", "change", change)

    def reset(self):
        return self._admin("POST", "reset", {})

    def stop(self):
        self.proc.kill()
        self.proc.wait()
