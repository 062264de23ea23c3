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
Needs root for SOGo's services (tools/peers/sogo_peer.py).
"""

import argparse
import asyncio
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "wbxml"))
sys.path.insert(0, os.path.join(HERE, "..", "testing"))
sys.path.insert(0, HERE)
import eas_wbxml  # noqa: E402
from eas_load_client import Phone, Target, proc_kb  # noqa: E402
from eas_server import RunningServer  # noqa: E402
from sogo_peer import RunningSogo  # noqa: E402


async def park(phone, parked, woken):
    """A Ping on the phone's folder; its answer is timed."""
    request = asyncio.ensure_future(phone.exchange(
        "Ping", '<Ping xmlns="Ping:"><HeartbeatInterval>3000</HeartbeatInterval><Folders><Folder><Id>%s</Id>'
                '<Class>Contacts</Class></Folder></Folders></Ping>' % phone.folder, fresh=True))
    await asyncio.sleep(0.2)  # sent
    parked.append(phone)
    status, body = await request
    woken.append((phone.user, time.monotonic(), status, body))


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
        await w.start_over()
        await w.add_contacts(["Seed" + w.user])
    await in_batches([p.setup() for p in phones], batch)
    setup_s = time.monotonic() - t
    before = target.memory_kb()
    parked, woken = [], []
    tasks = [asyncio.ensure_future(park(p, parked, woken)) for p in phones]
    while len(parked) < len(phones):
        await asyncio.sleep(0.05)
    await asyncio.sleep(3.0)  # the server has taken every Ping in
    early = len(woken)
    during = target.memory_kb()
    sent = {}
    for w in writers:
        await w.start_over()
        sent[w.user] = time.monotonic()
        await w.add_contacts(["Peer" + w.user])
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

    ours = RunningServer(["--threads=2", "--max-connections-per-address=1000000"])
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
