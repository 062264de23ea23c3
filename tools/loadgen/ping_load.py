"""Ping load generator: parks many Pings on one reference server and measures
what each costs and how fast a change reaches them. Event-driven (asyncio),
one process. Prints figures; docs/performance.md records them.

    bazel run -c opt //tools/loadgen:ping_load -- [--users 200] [--folders 5]
        [--devices-per-folder 10] [--changes 1000]

users x folders x devices-per-folder devices each park one Ping on one
folder (default 10,000); then one item is added in `changes` of the watched
folders, one folder at a time, and each woken Ping's delay from the moment
the change was sent is recorded.
"""

import argparse
import asyncio
import os
import resource
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "wbxml"))
sys.path.insert(0, os.path.join(HERE, "..", "testing"))
sys.path.insert(0, HERE)
import eas_wbxml  # noqa: E402
from eas_load_client import Target, proc_kb, read_response  # noqa: E402
from eas_server import RunningServer  # noqa: E402

FOLDERS = ["inbox", "drafts", "sent", "tasks", "contacts", "calendar", "trash", "outbox"]
PASSWORD = "load-pw"


def request_bytes(port, user, device, command, xml_body):
    return Target("reference", port, "/Microsoft-Server-ActiveSync", lambda u: "load\\" + u, PASSWORD,
                  None).request(user, device, command, xml_body)


async def ping(port, user, folder, device, parked, woken):
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
    xml = ('<Ping xmlns="Ping:"><HeartbeatInterval>3000</HeartbeatInterval><Folders><Folder>'
           '<Id>%s</Id><Class>Email</Class></Folder></Folders></Ping>' % folder)
    writer.write(request_bytes(port, user, device, "Ping", xml))
    await writer.drain()
    parked.append(1)
    status, body = await read_response(reader)
    woken.append((user, folder, time.monotonic(), status, body))
    writer.close()


async def change(port, user, folder, sent_at):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    device = "writer-%s-%s" % (user, folder)
    sync0 = ('<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>0</SyncKey><CollectionId>%s'
             '</CollectionId></Collection></Collections></Sync>' % folder)
    writer.write(request_bytes(port, user, device, "Sync", sync0))
    await writer.drain()
    await read_response(reader)
    add = ('<Sync xmlns="AirSync:" xmlns:email="Email:"><Collections><Collection><SyncKey>1</SyncKey>'
           '<CollectionId>%s</CollectionId><Commands><Add><ClientId>1</ClientId><ApplicationData>'
           '<email:Subject>load</email:Subject></ApplicationData></Add></Commands></Collection>'
           '</Collections></Sync>' % folder)
    sent_at[(user, folder)] = time.monotonic()
    writer.write(request_bytes(port, user, device, "Sync", add))
    await writer.drain()
    await read_response(reader)
    writer.close()


async def run(args, server):
    port = server.ports["http"]
    users = ["u%03d" % i for i in range(args.users)]
    folders = FOLDERS[:args.folders]
    # Warm up: one request per user fills the server's login cache.
    await asyncio.gather(*(change(port, u, "outbox", {}) for u in users))
    baseline = proc_kb(server.proc.pid, "VmRSS")
    parked, woken = [], []
    tasks = []
    start = time.monotonic()
    for u in users:
        for f in folders:
            for d in range(args.devices_per_folder):
                tasks.append(asyncio.ensure_future(ping(port, u, f, "d%s%s%d" % (u, f, d), parked, woken)))
        await asyncio.sleep(0)
    while len(parked) < len(tasks):
        await asyncio.sleep(0.05)
    await asyncio.sleep(2.0)  # let the server finish parking the last ones
    park_seconds = time.monotonic() - start
    early = len(woken)
    after = proc_kb(server.proc.pid, "VmRSS")
    total = len(tasks)
    print("parked %d Pings in %.1f s (%d answered early)" % (total, park_seconds, early))
    print("server RSS: %d KB before, %d KB with the Pings parked: %.2f KB per parked Ping (goal <= 10 KB)"
          % (baseline, after, (after - baseline) / max(1, total)))

    sent_at = {}
    pairs = [(u, f) for u in users for f in folders][:args.changes]
    for i in range(0, len(pairs), 10):
        await asyncio.gather(*(change(port, u, f, sent_at) for u, f in pairs[i:i + 10]))
    deadline = time.monotonic() + 30
    expected = len(pairs) * args.devices_per_folder
    while len(woken) - early < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    delays = sorted((t - sent_at[(u, f)]) * 1000 for u, f, t, status, body in woken if (u, f) in sent_at)
    if os.environ.get("PING_LOAD_DEBUG"):
        got = {}
        for u, f, t, status, body in woken:
            got[(u, f)] = got.get((u, f), 0) + 1
        print("short:", {p: got.get(p, 0) for p in pairs if got.get(p, 0) != args.devices_per_folder})
    statuses = [eas_wbxml.decode(b).find("{Ping:}Status").text for _, _, _, s, b in woken if b]
    print("changes: %d folders, %d Pings woken (expected %d), statuses %s"
          % (len(pairs), len(delays), expected, {s: statuses.count(s) for s in set(statuses)}))
    if delays:
        q = statistics.quantiles(delays, n=100)
        print("change-to-Ping-response latency: p50 %.1f ms, p99 %.1f ms, max %.1f ms (goal p99 < 100 ms)"
              % (statistics.median(delays), q[98], delays[-1]))
    for t in tasks:
        t.cancel()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--folders", type=int, default=5)
    parser.add_argument("--devices-per-folder", type=int, default=10)
    parser.add_argument("--changes", type=int, default=1000)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    # All phones come from one address here: no per-address cap for the lab.
    server = RunningServer(["--threads=2", "--max-connections-per-address=1000000"])
    try:
        if server.admin("policy", "required", "off").returncode != 0:
            raise SystemExit("cannot turn provisioning off")
        t = time.monotonic()
        for i in range(args.users):
            r = server.admin("users", "add", "load", "u%03d" % i, PASSWORD)
            if r.returncode != 0:
                raise SystemExit(r.stderr)
        print("created %d users with default folders in %.1f s" % (args.users, time.monotonic() - t))
        asyncio.run(run(args, server))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
