"""Sync load: initial sync of many contacts in pages, and quiet incremental
Syncs per second. Prints figures; docs/performance.md records them.

    bazel run -c opt //tools/loadgen:sync_load -- [--contacts 10000] [--window 512]
        [--quiet-seconds 5] [--connections 8]
"""

import argparse
import asyncio
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "wbxml"))
sys.path.insert(0, os.path.join(HERE, "..", "testing"))
import eas_wbxml  # noqa: E402
from eas_server import RunningServer  # noqa: E402
from ping_load import PASSWORD, read_response, request_bytes  # noqa: E402

NS = "{AirSync:}"


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Client:
    def __init__(self, port, user, device):
        self.port, self.user, self.device = port, user, device

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port, limit=1 << 24)

    async def sync(self, xml):
        self.writer.write(request_bytes(self.port, self.user, self.device, "Sync", xml))
        await self.writer.drain()
        status, body = await read_response(self.reader)
        return eas_wbxml.decode(body) if body else None


def sync_xml(key, window=None, commands=""):
    w = "<WindowSize>%d</WindowSize>" % window if window else ""
    return ('<Sync xmlns="AirSync:" xmlns:contacts="Contacts:"><Collections><Collection><SyncKey>%s'
            '</SyncKey><CollectionId>contacts</CollectionId>%s%s</Collection></Collections></Sync>'
            % (key, w, commands))


def key_of(root):
    return root.find("%sCollections/%sCollection/%sSyncKey" % (NS, NS, NS)).text


async def run(args, server):
    port = server.ports["http"]
    writer = Client(port, "u000", "seeder")
    await writer.open()
    key = key_of(await writer.sync(sync_xml("0")))
    t = time.monotonic()
    for start in range(0, args.contacts, 500):
        adds = "".join(
            "<Add><ClientId>%d</ClientId><ApplicationData><contacts:FileAs>Person %05d</contacts:FileAs>"
            "<contacts:FirstName>Person</contacts:FirstName><contacts:LastName>%05d</contacts:LastName>"
            "<contacts:Email1Address>p%05d@example.com</contacts:Email1Address>"
            "<contacts:MobilePhoneNumber>+49 170 %07d</contacts:MobilePhoneNumber>"
            "</ApplicationData></Add>" % (i, i, i, i, i)
            for i in range(start, min(start + 500, args.contacts)))
        key = key_of(await writer.sync(sync_xml(key, commands="<Commands>%s</Commands>" % adds)))
    print("seeded %d contacts in %.1f s (Sync Adds of 500)" % (args.contacts, time.monotonic() - t))

    phone = Client(port, "u000", "phone")
    await phone.open()
    key = key_of(await phone.sync(sync_xml("0")))
    cpu0, t0 = cpu_seconds(server.proc.pid), time.monotonic()
    received, pages = 0, 0
    while True:
        root = await phone.sync(sync_xml(key, args.window))
        pages += 1
        collection = root.find("%sCollections/%sCollection" % (NS, NS))
        received += len(collection.findall("%sCommands/%sAdd" % (NS, NS)))
        key = collection.find(NS + "SyncKey").text
        if collection.find(NS + "MoreAvailable") is None:
            break
    wall, cpu = time.monotonic() - t0, cpu_seconds(server.proc.pid) - cpu0
    print("initial sync: %d contacts in %d pages of %d: %.2f s wall, %.2f s server CPU (goal < 2 s)"
          % (received, pages, args.window, wall, cpu))

    # Quiet incremental Syncs: every connection repeats a Sync with no changes.
    clients = []
    for c in range(args.connections):
        cl = Client(port, "u000", "quiet%d" % c)
        await cl.open()
        k = key_of(await cl.sync(sync_xml("0")))
        while True:
            root = await cl.sync(sync_xml(k, 512))
            k = key_of(root)
            if root.find("%sCollections/%sCollection/%sMoreAvailable" % (NS, NS, NS)) is None:
                break
        clients.append((cl, k))
    count = 0
    deadline = time.monotonic() + args.quiet_seconds
    cpu0, t0 = cpu_seconds(server.proc.pid), time.monotonic()

    async def loop(cl, k):
        nonlocal count
        while time.monotonic() < deadline:
            await cl.sync(sync_xml(k))
            count += 1

    await asyncio.gather(*(loop(cl, k) for cl, k in clients))
    wall, cpu = time.monotonic() - t0, cpu_seconds(server.proc.pid) - cpu0
    print("incremental Syncs with nothing new: %d in %.1f s = %.0f/s; server CPU %.1f s = %.0f per CPU-second"
          % (count, wall, count / wall, cpu, count / max(cpu, 1e-9)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=10000)
    parser.add_argument("--window", type=int, default=512)
    parser.add_argument("--quiet-seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    server = RunningServer(["--threads=2"])
    try:
        server.admin("policy", "required", "off")
        server.admin("users", "add", "load", "u000", PASSWORD)
        asyncio.run(run(args, server))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
