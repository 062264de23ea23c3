"""OX load: quiet Syncs per second and their latency on the OX backend, with
the OX mock answering every call after a fixed delay (concurrently, as a
real OX does), against the embedded store in the same run; OX calls per
quiet Sync and per FolderSync from the mock's journal; and one account
whose every OX call takes seconds while the others run quiet Syncs.
Prints figures; docs/performance.md records them.

    bazel run -c opt //tools/loadgen:ox_load -- [--seconds 5] [--quick]

Each configuration (devices over accounts) gets a fresh mock with that many
accounts (20 contacts each) and a fresh server (--backend=ox, default
watcher and freshness settings). Every device syncs its account's Contacts
folder once, then all devices repeat Syncs that bring nothing new for
--seconds at each OX latency. The load generator is one Python process
(asyncio, keep-alive connections): where it is the bottleneck its own CPU
share is printed beside the figure.
"""

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "wbxml"))
sys.path.insert(0, os.path.join(HERE, "..", "testing"))
from eas_load_client import AS, Phone, Target, cpu_seconds  # noqa: E402
from eas_server import RunningServer  # noqa: E402
from ox_mock import RunningOxMock  # noqa: E402

CONTEXT = "load"


def fixture(accounts, path):
    users, folders, contacts, mail = [], [{"folder_id": "1", "id": "6", "module": "contacts", "title":
                                           "Global address book", "type": 2, "standard_folder": False,
                                           "standard_folder_type": 0}], [], []
    for a in range(accounts):
        login = "u%03d" % a
        users.append({"context": CONTEXT, "login": login, "password": "secret", "user_id": 100 + a,
                      "display_name": "Load %d" % a, "email": "%s@load.example" % login})
        for fid, parent, module, title, kind in (
                ("default0/INBOX", "1", "mail", "Inbox", 7), ("default0/INBOX/Sent", "default0/INBOX", "mail", "Sent", 10),
                ("default0/INBOX/Trash", "default0/INBOX", "mail", "Trash", 12),
                ("default0/INBOX/Drafts", "default0/INBOX", "mail", "Drafts", 9),
                ("contacts", "1", "contacts", "Contacts", 3), ("calendar", "1", "calendar", "Calendar", 2),
                ("tasks", "1", "tasks", "Tasks", 1)):
            folders.append({"folder_id": parent, "id": fid, "module": module, "owner": login, "title": title,
                            "type": 1, "standard_folder": True, "standard_folder_type": kind})
        for i in range(20):
            contacts.append({"folder_id": "contacts", "owner": login, "display_name": "Person %d" % i,
                             "file_as": "Person %02d, %s" % (i, login), "first_name": "Person",
                             "last_name": str(i), "email1": "p%d.%s@example.com" % (i, login)})
        for i in range(3):
            mail.append({"folder": "default0/INBOX", "owner": login, "flags": 32,
                         "raw": "From: a@example.com\r\nTo: %s@load.example\r\nSubject: Mail %d\r\n"
                                "Date: Tue, 01 Dec 2026 10:00:00 +0000\r\n\r\nHello.\r\n" % (login, i)})
    with open(path, "w") as f:
        json.dump({"clock": 1795000000000, "users": users, "folders": folders, "contacts": contacts,
                   "calendar": [], "tasks": [], "mail": mail}, f)


def percentile(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


async def setup(phones):
    gate = asyncio.Semaphore(50)

    async def one(p):
        async with gate:
            await p.setup()
    await asyncio.gather(*(one(p) for p in phones))


async def quiet(phones, seconds):
    """Every phone repeats quiet Syncs for `seconds`; their latencies."""
    latencies = []
    deadline = time.monotonic() + seconds

    async def loop(p):
        while time.monotonic() < deadline:
            t = time.monotonic()
            collection = await p.sync()
            latencies.append(time.monotonic() - t)
            if collection is not None and collection.find(AS + "Commands") is not None:
                raise RuntimeError("a quiet Sync brought items")
    t0 = time.monotonic()
    await asyncio.gather(*(loop(p) for p in phones))
    return latencies, time.monotonic() - t0


def run(coroutine, phones):
    """asyncio.run, closing the phones' keep-alive connections before its
    loop ends (a connection belongs to the loop that opened it)."""
    async def closing():
        try:
            return await coroutine
        finally:
            for p in phones:
                if p.connection is not None:
                    p.connection[1].close()
                    p.connection = None
    return asyncio.run(closing())


def client_cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def measure(name, server_pid, phones, seconds, mock=None):
    before = mock.journal_length() if mock else 0
    cpu0, me0 = cpu_seconds([server_pid]), client_cpu()
    latencies, wall = run(quiet(phones, seconds), phones)
    calls = [j for j in mock.journal(before) if j["module"] != "login"] if mock else []
    n = len(latencies)
    row = {"name": name, "syncs": n, "per_s": n / wall, "p50": percentile(latencies, 0.5) * 1000,
           "p99": percentile(latencies, 0.99) * 1000, "server_cpu": (cpu_seconds([server_pid]) - cpu0) / wall,
           "client_cpu": (client_cpu() - me0) / wall, "ox_calls": len(calls)}
    print("%-34s %7d Syncs %8.0f/s  p50 %7.1f ms  p99 %7.1f ms  server CPU %3.0f%%  load generator CPU %3.0f%%"
          "  OX calls %d (%.3f per Sync)" % (name, n, row["per_s"], row["p50"], row["p99"], row["server_cpu"] * 100,
                                            row["client_cpu"] * 100, len(calls), len(calls) / max(n, 1)))
    return row


def ox_config(devices, accounts, latencies, seconds):
    tmp = tempfile.mkdtemp(prefix="ox-load-")
    path = os.path.join(tmp, "fixture.json")
    fixture(accounts, path)
    mock = RunningOxMock(path)
    server = RunningServer(["--backend=ox", "--ox-url=" + mock.url, "--threads=2", "--workers=16", "--max-connections-per-address=1000000"])
    rows = []
    try:
        server.admin("policy", "required", "off")
        target = Target("ox", server.ports["http"], "/Microsoft-Server-ActiveSync",
                        lambda u: CONTEXT + "\\" + u, "secret", None)
        phones = [Phone(target, "u%03d" % (d % accounts), "oxload%04d" % d, True) for d in range(devices)]
        run(setup(phones), phones)
        for ms in latencies:
            mock.latency(ms)
            rows.append(measure("OX %2d ms, %4d devices, %3d accounts" % (ms, devices, accounts),
                                server.proc.pid, phones, seconds, mock))
        # FolderSyncs at the last latency: OX calls each.
        before = mock.journal_length()
        n = min(devices, 50)
        run(setup_folder_syncs(phones[:n]), phones)
        calls = [j for j in mock.journal(before) if j["module"] != "login"]
        print("%-34s OX calls per FolderSync: %.2f (%d FolderSyncs)" % ("", len(calls) / n, n))
        rows[-1]["folder_sync_calls"] = len(calls) / n
    finally:
        server.stop()
        mock.stop()
    return rows


async def setup_folder_syncs(phones):
    for p in phones:
        await p.folder_sync()


def slow_account(seconds):
    """100 devices over 10 accounts; every OX call of u000 takes 3 s while
    its device keeps asking for a fresh Inbox (a first sync: always read
    from OX); the other accounts' quiet Syncs meanwhile."""
    tmp = tempfile.mkdtemp(prefix="ox-load-")
    path = os.path.join(tmp, "fixture.json")
    fixture(10, path)
    mock = RunningOxMock(path)
    server = RunningServer(["--backend=ox", "--ox-url=" + mock.url, "--threads=2", "--workers=16", "--max-connections-per-address=1000000",
                            "--ox-timeout-seconds=30"])
    try:
        server.admin("policy", "required", "off")
        target = Target("ox", server.ports["http"], "/Microsoft-Server-ActiveSync",
                        lambda u: CONTEXT + "\\" + u, "secret", None)
        others = [Phone(target, "u%03d" % (1 + d % 9), "oxfast%04d" % d, True) for d in range(99)]
        slow = Phone(target, "u000", "oxslow0000", True)
        run(setup(others + [slow]), others + [slow])
        mock.latency(3000, user="u000")
        slow_answers = []

        async def both():
            deadline = time.monotonic() + seconds

            async def slow_loop():
                while time.monotonic() < deadline:
                    t = time.monotonic()
                    slow.key = "0"
                    await slow.sync()  # Sync 0 of Contacts: the next Sync reads OX fresh (counter 0)
                    await slow.sync()
                    slow_answers.append(time.monotonic() - t)
            task = asyncio.ensure_future(slow_loop())
            result = await quiet(others, seconds)
            await task
            return result
        cpu0 = cpu_seconds([server.proc.pid])
        latencies, wall = run(both(), others + [slow])
        n = len(latencies)
        print("one account's OX at 3 s a call: its initial Syncs took %s s; the other 9 accounts' %d quiet Syncs: "
              "%.0f/s, p50 %.1f ms, p99 %.1f ms (goal < 50 ms); server CPU %.0f%%"
              % (", ".join("%.1f" % s for s in slow_answers), n, n / wall, percentile(latencies, 0.5) * 1000,
                 percentile(latencies, 0.99) * 1000, (cpu_seconds([server.proc.pid]) - cpu0) / wall * 100))
    finally:
        server.stop()
        mock.stop()


def embedded(devices, seconds):
    server = RunningServer(["--threads=2", "--workers=16", "--max-connections-per-address=1000000"])
    try:
        server.admin("policy", "required", "off")
        server.admin("users", "add", CONTEXT, "u000", "secret")
        target = Target("embedded", server.ports["http"], "/Microsoft-Server-ActiveSync",
                        lambda u: CONTEXT + "\\" + u, "secret", None)
        phones = [Phone(target, "u000", "embload%04d" % d, True) for d in range(devices)]
        run(setup(phones), phones)
        return measure("embedded store, %4d devices" % devices, server.proc.pid, phones, seconds)
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--quick", action="store_true", help="12 devices over 10 accounts only")
    args = parser.parse_args()
    resource.setrlimit(resource.RLIMIT_NOFILE, (8192, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    base = embedded(12, args.seconds)
    configs = [(12, 10)] if args.quick else [(12, 10), (100, 10), (100, 100), (1000, 10), (1000, 100)]
    rows = []
    for devices, accounts in configs:
        rows += ox_config(devices, accounts, (0, 5, 20), args.seconds)
    for r in rows:
        if r["name"].startswith("OX 20 ms"):
            print("%s: %.2fx the embedded store's quiet Syncs per second (goal >= 0.5)"
                  % (r["name"], r["per_s"] / base["per_s"]))
    slow_account(args.seconds)


if __name__ == "__main__":
    main()
