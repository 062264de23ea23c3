"""Kill -9 at random points while a phone adds items, then resend like a phone.

The real eas-server binary, on one data directory, gets a stream of Sync
requests with ten Adds each (new ClientIds every round). Each round the server is killed with
SIGKILL at a random moment while the request is in flight, started again on
the same data directory, and the phone does what phones do: if it got an
answer it goes on from the new SyncKey; if the connection broke it sends the
same request again (same SyncKey, same ClientId). At the end a fresh device
syncs the folder: every item of every round is there exactly once (0 lost, 0
duplicated), under the ServerId the phone was told. (Issue 14: the ClientId
record is written with the item, MS-ASCMD 2.2.3.28.)
"""

import http.client
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testing"))
from eas_server import RunningServer  # noqa: E402
from eas_phone import Phone, connect  # noqa: E402

ROUNDS = 50
ADDS = 10  # per request: a kill often lands between two of them, after some are committed
NS = "{AirSync:}"


def contacts_sync(key, commands=""):
    return ('<Sync xmlns="AirSync:" xmlns:contacts="Contacts:"><Collections><Collection><SyncKey>%s</SyncKey>'
            '<CollectionId>contacts</CollectionId>%s</Collection></Collections></Sync>' % (key, commands))


def adds(pairs):
    return "<Commands>%s</Commands>" % "".join(
        '<Add><ClientId>%s</ClientId><ApplicationData><contacts:FileAs>%s</contacts:FileAs>'
        '</ApplicationData></Add>' % pair for pair in pairs)


def collection(root):
    return root.find("%sCollections/%sCollection" % (NS, NS))


def answered(phone, body):
    """Sends once; the answer, or None when the connection broke."""
    try:
        return phone.post("Sync", body)
    except (ConnectionError, http.client.HTTPException, OSError):
        return None


def full_sync(phone):
    """All items of Contacts as the device gets them: ServerId -> FileAs."""
    status, root = phone.post("Sync", contacts_sync("0"))
    key = collection(root).find(NS + "SyncKey").text
    items = {}
    for _ in range(100):
        status, root = phone.post("Sync", contacts_sync(key, "<WindowSize>100</WindowSize>"))
        assert status == 200
        c = collection(root)
        key = c.find(NS + "SyncKey").text
        for a in c.iter(NS + "Add"):
            sid = a.find(NS + "ServerId").text
            assert sid not in items, "ServerId %s sent twice" % sid
            items[sid] = a.find("%sApplicationData/{Contacts:}FileAs" % NS).text
        if c.find(NS + "MoreAvailable") is None:
            return items
    raise AssertionError("the folder never ended")


def test_kill_at_random_points_loses_and_duplicates_nothing(tmp_path):
    rng = random.Random(20261201)
    data_dir = str(tmp_path / "data")
    os.makedirs(data_dir)
    server = RunningServer(data_dir=data_dir)
    try:
        phone = Phone(connect(server.ports, False), "KillResend1")
        phone.provision()
        status, root = phone.post("Sync", contacts_sync("0"))
        key = collection(root).find(NS + "SyncKey").text
        status, root = phone.post("Sync", contacts_sync(key, "<WindowSize>512</WindowSize>"))
        key = collection(root).find(NS + "SyncKey").text
        told = {}  # ClientId -> ServerId the phone was given
        resends = 0
        for n in range(ROUNDS):
            pairs = [("kill-%d-%d" % (n, i), "Killed, Round %d.%d" % (n, i)) for i in range(ADDS)]
            body = contacts_sync(key, adds(pairs))
            result = {}
            sender = threading.Thread(target=lambda: result.update(answer=answered(phone, body)))
            sender.start()
            time.sleep(rng.uniform(0, 0.03))  # somewhere inside the request, or just after it
            server.kill()
            sender.join()
            server = RunningServer(data_dir=data_dir)
            phone.conn = connect(server.ports, False)
            answer = result.get("answer")
            while answer is None or answer[0] != 200:
                resends += 1
                assert resends < ROUNDS * 5, "the server never answered a resend"
                answer = answered(phone, body)  # the same request again, like a phone
                if answer is None:
                    phone.conn = connect(server.ports, False)
            c = collection(answer[1])
            responses = c.findall("%sResponses/%sAdd" % (NS, NS))
            assert [r.find(NS + "ClientId").text for r in responses] == [p[0] for p in pairs], n
            for r in responses:
                assert r.find(NS + "Status").text == "1"
                told[r.find(NS + "ClientId").text] = r.find(NS + "ServerId").text
            key = c.find(NS + "SyncKey").text
        print("rounds: %d, resends after a kill: %d" % (ROUNDS, resends))

        checker = Phone(connect(server.ports, False), "KillResendCheck")
        checker.provision()
        items = full_sync(checker)
        by_name = {}
        for sid, file_as in items.items():
            by_name.setdefault(file_as, []).append(sid)
        lost = duplicated = moved = 0
        for n in range(ROUNDS):
            for i in range(ADDS):
                copies = by_name.get("Killed, Round %d.%d" % (n, i), [])
                lost += not copies
                duplicated += max(0, len(copies) - 1)
                moved += len(copies) == 1 and copies[0] != told["kill-%d-%d" % (n, i)]
        print("items: %d, lost: %d, duplicated: %d, under another ServerId: %d"
              % (ROUNDS * ADDS, lost, duplicated, moved))
        assert (lost, duplicated, moved) == (0, 0, 0)
    finally:
        server.stop()


if __name__ == "__main__":
    import pytest
    sys.exit(pytest.main([__file__, "-q", "-s", "-p", "no:cacheprovider"]))
