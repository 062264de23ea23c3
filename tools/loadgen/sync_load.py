"""Sync load: initial sync of many contacts in pages, and quiet incremental
Syncs per second, on the reference server and, with --peer, on SOGo (the
Objective-C groupware server with ActiveSync, from Debian) in the same run,
with the ratios. Prints figures; docs/performance.md records them.

    bazel run -c opt //tools/loadgen:sync_load -- [--contacts 10000] [--window 512]
        [--quiet-seconds 5] [--connections 4] [--peer]

Both servers get the same steps: contacts added through Sync (500 per
request, a fresh seeding device each time), a fresh phone syncing the folder
from key 0 in pages of `window`, then `connections` phones, each up to date,
repeating Syncs that bring nothing new. Server CPU is read from /proc: the
reference server's process; for SOGo every process of its stack (sogod's
workers, its PostgreSQL, memcached), since the reference server's store runs
inside its own process. The reference server keeps connections alive; SOGo
closes each after its answer, so its phones open one per request.
--peer needs root (tools/peers/sogo_peer.py).
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
from eas_load_client import AS, Phone, Target, cpu_seconds  # noqa: E402
from eas_server import RunningServer  # noqa: E402

BATCH = 500


async def run(target, pids, keep_alive, args):
    t = time.monotonic()
    for start in range(0, args.contacts, BATCH):
        seeder = Phone(target, "u000", "seed%d" % (start // BATCH), keep_alive)
        await seeder.folder_sync()
        await seeder.start_over()
        await seeder.add_contacts(["Person%05d" % i for i in range(start, min(start + BATCH, args.contacts))])
    seed_s = time.monotonic() - t

    phone = Phone(target, "u000", "phone", keep_alive)
    await phone.folder_sync()
    await phone.start_over()
    cpu0, t0 = cpu_seconds(pids()), time.monotonic()
    received, pages = 0, 0
    while True:
        collection = await phone.sync("<WindowSize>%d</WindowSize>" % args.window)
        pages += 1
        if collection is None:
            break
        received += len(collection.findall(AS + "Commands/" + AS + "Add"))
        if collection.find(AS + "MoreAvailable") is None:
            break
    initial_wall, initial_cpu = time.monotonic() - t0, cpu_seconds(pids()) - cpu0

    # Quiet incremental Syncs: every phone repeats a Sync with no changes.
    quiet = []
    for c in range(args.connections):
        q = Phone(target, "u000", "quiet%d" % c, keep_alive)
        await q.folder_sync()
        await q.start_over()
        while True:
            collection = await q.sync("<WindowSize>512</WindowSize>")
            if collection is None or collection.find(AS + "MoreAvailable") is None:
                break
        quiet.append(q)
    count = 0
    deadline = time.monotonic() + args.quiet_seconds
    cpu0, t0 = cpu_seconds(pids()), time.monotonic()

    async def loop(q):
        nonlocal count
        while time.monotonic() < deadline:
            collection = await q.sync()
            if collection is not None and collection.find(AS + "Commands") is not None:
                raise RuntimeError("%s: a quiet Sync brought items" % target.name)
            count += 1

    await asyncio.gather(*(loop(q) for q in quiet))
    quiet_wall, quiet_cpu = time.monotonic() - t0, cpu_seconds(pids()) - cpu0
    r = {"seed_s": seed_s, "received": received, "pages": pages, "initial_wall": initial_wall,
         "initial_cpu": initial_cpu, "quiet": count, "quiet_wall": quiet_wall, "quiet_cpu": quiet_cpu}
    print("%s: seeded %d contacts in %.1f s (Syncs of %d Adds)" % (target.name, args.contacts, seed_s, BATCH))
    print("%s: initial sync: %d contacts in %d pages of %d: %.2f s wall, %.2f s server CPU (goal < 2 s)"
          % (target.name, received, pages, args.window, initial_wall, initial_cpu))
    print("%s: incremental Syncs with nothing new: %d in %.1f s = %.0f/s; server CPU %.1f s = %.0f per CPU-second"
          % (target.name, count, quiet_wall, count / quiet_wall, quiet_cpu, count / max(quiet_cpu, 1e-9)))
    return r


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=10000)
    parser.add_argument("--window", type=int, default=512)
    parser.add_argument("--quiet-seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--peer", action="store_true", help="also run SOGo (needs root)")
    args = parser.parse_args()

    server = RunningServer(["--threads=2"])
    try:
        server.admin("policy", "required", "off")
        server.admin("users", "add", "load", "u000", "secret")
        target = Target("reference", server.ports["http"], "/Microsoft-Server-ActiveSync",
                        lambda u: "load\\" + u, "secret", None)
        mine = asyncio.run(run(target, lambda: [server.proc.pid], True, args))
    finally:
        server.stop()
    if not args.peer:
        return

    from sogo_peer import RunningSogo
    sogo = RunningSogo(1, args.connections + 4)
    try:
        target = Target("SOGo", sogo.port, RunningSogo.PATH, lambda u: u, "secret", None)
        peer = asyncio.run(run(target, sogo.stack_pids, False, args))
    finally:
        sogo.stop()
    print("SOGo / reference: initial sync server CPU %.0fx, wall %.0fx; quiet Syncs per CPU-second %.0fx fewer"
          % (peer["initial_cpu"] / max(mine["initial_cpu"], 1e-3), peer["initial_wall"] / mine["initial_wall"],
             (mine["quiet"] / max(mine["quiet_cpu"], 1e-9)) / (peer["quiet"] / max(peer["quiet_cpu"], 1e-9))))


if __name__ == "__main__":
    main()
