"""Direct Push against a peer, in one run: the reference server and SOGo
(the Objective-C groupware server with ActiveSync, from Debian) get the same
phones doing the same thing, and the program prints what a parked Ping
costs each and how fast a change reaches it, with the ratios.

    sudo bazel run -c opt //tools/loadgen:ping_peer -- [--users 16]
        [--devices-per-user 3] [--workers 52]

Every phone does what a real one does before it pushes: FolderSync 0, Sync
0 and a first Sync of its contacts folder, then a Ping on that folder. Then
a writer phone of each user adds a contact, and every woken Ping is timed
from the moment the add was sent. SOGo serves each request, a parked Ping
too, in one of its prefork worker processes, so it runs with `--workers`
workers and the phones are fewer than that (the writers need a worker
free). Memory is what the server's processes hold: for the reference
server the growth of its RSS while the Pings are parked, for SOGo the
proportional set size (shared pages split among the processes) of its
workers per parked Ping, since each parked phone holds a worker.
Needs root for SOGo's services (tools/loadgen/sogo_peer.py).
"""

import argparse
import asyncio
import base64
import statistics
import sys
import time
import xml.etree.ElementTree as ET

import os

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "wbxml"))
sys.path.insert(0, os.path.join(HERE, "..", "testing"))
sys.path.insert(0, HERE)
import eas_wbxml  # noqa: E402
from eas_server import RunningServer  # noqa: E402
from sogo_peer import RunningSogo  # noqa: E402

FH = "{FolderHierarchy:}"
AS = "{AirSync:}"


def proc_kb(pid, field):
    """A figure of /proc/PID (VmRSS from status, Pss from smaps_rollup), in KB."""
    path = "/proc/%d/%s" % (pid, "status" if field == "VmRSS" else "smaps_rollup")
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Target:
    def __init__(self, name, port, path, account, password, memory_kb):
        self.name, self.port, self.path = name, port, path
        self.account, self.password, self.memory_kb = account, password, memory_kb

    def request(self, user, device, command, xml_body):
        body = eas_wbxml.encode(ET.fromstring(xml_body)) if xml_body else b""
        auth = base64.b64encode(("%s:%s" % (self.account(user), self.password)).encode()).decode()
        head = ("POST %s?Cmd=%s&User=%s&DeviceId=%s&DeviceType=LoadGen HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                "Authorization: Basic %s\r\nMS-ASProtocolVersion: 14.1\r\nUser-Agent: LoadGen/1.0\r\n"
                "Content-Type: application/vnd.ms-sync.wbxml\r\nContent-Length: %d\r\n\r\n"
                % (self.path, command, user, device, self.port, auth, len(body)))
        return head.encode() + body


async def read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length, chunked = 0, False
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
        elif name.strip().lower() == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if not chunked:
        return status, (await reader.readexactly(length) if length else b"")
    body = b""
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return status, body
        body += await reader.readexactly(size)
        await reader.readexactly(2)


class Phone:
    """One device on one connection: setup, then whatever it is told."""

    def __init__(self, target, user, device):
        self.t, self.user, self.device = target, user, device

    async def exchange(self, command, xml_body):
        # A connection per request: SOGo closes each after its answer.
        reader, writer = await asyncio.open_connection("127.0.0.1", self.t.port, limit=1 << 22)
        try:
            writer.write(self.t.request(self.user, self.device, command, xml_body))
            await writer.drain()
            return await read_response(reader)
        finally:
            writer.close()

    async def post(self, command, xml_body):
        status, body = await self.exchange(command, xml_body)
        if status != 200:
            raise RuntimeError("%s %s: HTTP %d" % (self.t.name, command, status))
        return eas_wbxml.decode(body) if body else None

    async def setup(self):
        """FolderSync 0, Sync 0 and a first Sync of the contacts folder."""
        root = await self.post("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>')
        self.folder = next(a.find(FH + "ServerId").text for a in root.iter(FH + "Add") if a.find(FH + "Type").text == "9")
        self.key = "0"
        await self.sync()
        await self.sync()

    async def sync(self):
        root = await self.post("Sync", '<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>%s</SyncKey>'
                                       '<CollectionId>%s</CollectionId>%s</Collection></Collections></Sync>'
                               % (self.key, self.folder, ""))
        if root is not None:
            self.key = root.find(AS + "Collections/" + AS + "Collection/" + AS + "SyncKey").text

    async def ping(self, parked, woken):
        request = asyncio.ensure_future(self.exchange(
            "Ping", '<Ping xmlns="Ping:"><HeartbeatInterval>3000</HeartbeatInterval><Folders><Folder><Id>%s</Id>'
                    '<Class>Contacts</Class></Folder></Folders></Ping>' % self.folder))
        await asyncio.sleep(0.2)  # sent
        parked.append(self)
        status, body = await request
        woken.append((self.user, time.monotonic(), status, body))

    async def add_contact(self, name):
        # SOGo answers a Sync with the key its own answer to an Add gave
        # with Status 3: the writer starts its folder over each time.
        self.key = "0"
        await self.sync()
        await self.sync()
        root = await self.post("Sync", '<Sync xmlns="AirSync:" xmlns:contacts="Contacts:"><Collections><Collection>'
                                '<SyncKey>%s</SyncKey><CollectionId>%s</CollectionId><Commands><Add><ClientId>%s'
                                '</ClientId><ApplicationData><contacts:FileAs>%s</contacts:FileAs>'
                                '<contacts:FirstName>%s</contacts:FirstName></ApplicationData></Add></Commands>'
                                '</Collection></Collections></Sync>' % (self.key, self.folder, name, name, name))
        collection = root.find(AS + "Collections/" + AS + "Collection")
        if collection.find(AS + "Status").text != "1":
            raise RuntimeError("%s: adding a contact: Sync Status %s" % (self.t.name, collection.find(AS + "Status").text))
        self.key = collection.find(AS + "SyncKey").text


async def in_batches(coros, size):
    for i in range(0, len(coros), size):
        await asyncio.gather(*coros[i:i + size])


async def measure(target, users, devices_per_user, wait_seconds, batch):
    names = ["u%03d" % i for i in range(users)]
    phones = [Phone(target, u, "p%s%d" % (u, d)) for u in names for d in range(devices_per_user)]
    writers = [Phone(target, u, "w%s" % u) for u in names]
    t = time.monotonic()
    # A user's first request one at a time: SOGo creates its per-user
    # tables then, and two at once fail (HTTP 501).
    # Each folder gets a contact first: SOGo's Ping does not notice the
    # first change of a folder that was empty when the phone synced it.
    for w in writers:
        await w.setup()
        await w.add_contact("Seed" + w.user)
    await in_batches([p.setup() for p in phones], batch)
    setup_s = time.monotonic() - t
    before = target.memory_kb()
    parked, woken = [], []
    tasks = [asyncio.ensure_future(p.ping(parked, woken)) for p in phones]
    while len(parked) < len(phones):
        await asyncio.sleep(0.05)
    await asyncio.sleep(3.0)  # the server has taken every Ping in
    early = len(woken)
    during = target.memory_kb()
    sent = {}
    for w in writers:
        sent[w.user] = time.monotonic()
        await w.add_contact("Peer" + w.user)
    deadline = time.monotonic() + wait_seconds
    while len(woken) < len(phones) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    delays = sorted((at - sent[u]) * 1000 for u, at, status, body in woken[early:] if u in sent)
    statuses = [eas_wbxml.decode(b).find("{Ping:}Status").text for _, _, s, b in woken if b]
    for task in tasks:
        task.cancel()
    return {"phones": len(phones), "setup_s": setup_s, "early": early, "before_kb": before, "during_kb": during,
            "woken": len(delays), "statuses": {s: statuses.count(s) for s in set(statuses)}, "delays": delays}


def report(name, r, per_ping_kb):
    d = r["delays"]
    print("%s: %d phones set up in %.1f s; %d Pings parked (%d answered early); memory %d KB before, %d KB "
          "parked: %.1f KB per parked Ping" % (name, r["phones"], r["setup_s"], r["phones"], r["early"],
                                             r["before_kb"], r["during_kb"], per_ping_kb))
    if d:
        print("%s: %d of %d Pings woken, statuses %s; change-to-Ping p50 %.1f ms, max %.1f ms"
              % (name, r["woken"], r["phones"], r["statuses"], statistics.median(d), d[-1]))
    else:
        print("%s: no Ping woken" % name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--devices-per-user", type=int, default=3)
    parser.add_argument("--workers", type=int, default=52)
    parser.add_argument("--wait", type=float, default=90.0, help="seconds to wait for the woken Pings")
    parser.add_argument("--reference-scale", type=int, default=100,
                        help="the reference server gets this many times the phones: its growth per Ping "
                             "is below the allocator's granularity at SOGo's scale")
    args = parser.parse_args()
    if args.users * args.devices_per_user > args.workers - 2:
        raise SystemExit("SOGo parks a Ping per worker: give more --workers than phones + 2")

    ours = RunningServer(["--threads=2"])
    try:
        if ours.admin("policy", "required", "off").returncode != 0:
            raise SystemExit("cannot turn provisioning off")
        for i in range(args.users):
            ours.admin("users", "add", "load", "u%03d" % i, "secret")
        target = Target("reference", ours.ports["http"], "/Microsoft-Server-ActiveSync",
                        lambda u: "load\\" + u, "secret", lambda: proc_kb(ours.proc.pid, "VmRSS"))
        mine = asyncio.run(measure(target, args.users, args.devices_per_user * args.reference_scale, args.wait, 64))
    finally:
        ours.stop()
    mine_per = (mine["during_kb"] - mine["before_kb"]) / mine["phones"]
    report("reference", mine, mine_per)

    sogo = RunningSogo(args.users, args.workers)
    try:
        target = Target("SOGo", sogo.port, RunningSogo.PATH, lambda u: u, "secret",
                        lambda: sum(proc_kb(p, "Pss") for p in sogo.worker_pids()))
        peer = asyncio.run(measure(target, args.users, args.devices_per_user, args.wait, 4))
        workers = len(sogo.worker_pids())
    finally:
        sogo.stop()
    # Each parked phone holds a worker: a worker's share is its cost.
    peer_per = peer["during_kb"] / max(1, workers)
    report("SOGo (%d sogod processes, a worker per parked phone)" % workers, peer, peer_per)

    if mine["delays"] and peer["delays"]:
        print("SOGo / reference (the reference with %dx the phones): memory per parked Ping %.0fx, "
              "change-to-Ping p50 %.0fx" % (args.reference_scale, peer_per / max(mine_per, 0.1),
                                            statistics.median(peer["delays"]) / statistics.median(mine["delays"])))


if __name__ == "__main__":
    main()
