"""Makes the data directory that the upgrade test starts from: an eas-server
binary of an older schema (given as the first argument) runs --demo on a
fresh directory, a phone provisions, syncs its hierarchy and Contacts, and
the server stops. Writes the directory and a manifest of what the phone
holds (device id, policy key, sync keys) to the second argument.

    python3 tools/testing/make_upgrade_fixture.py OLD/eas-server reference/server/testdata/datadir-v0

The committed directory was made by the eas-server of commit fcb3ebc (the
schema before versions were recorded)."""

import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eas_server  # noqa: E402
from eas_phone import Phone, connect  # noqa: E402

A = "{AirSync:}"


def main(binary, out):
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    eas_server.SERVER = binary
    server = eas_server.RunningServer(data_dir=out, admin=False)  # the old binary has no --admin-listen
    try:
        phone = Phone(connect(server.ports, False), "UpgradeFixture1")
        phone.provision()
        status, root = phone.post("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>')
        hierarchy_key = root.find("{FolderHierarchy:}SyncKey").text
        sync = ('<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>%s</SyncKey><CollectionId>contacts'
                '</CollectionId><WindowSize>512</WindowSize></Collection></Collections></Sync>')
        _, root = phone.post("Sync", sync % "0")
        key = root.find("%sCollections/%sCollection/%sSyncKey" % (A, A, A)).text
        _, root = phone.post("Sync", sync % key)
        c = root.find("%sCollections/%sCollection" % (A, A))
        manifest = {"device_id": phone.device_id, "policy_key": phone.policy_key, "hierarchy_key": hierarchy_key,
                    "contacts_key": c.find(A + "SyncKey").text,
                    "contacts": sorted(a.find(A + "ServerId").text for a in c.iter(A + "Add"))}
    finally:
        server.stop()
    for name in os.listdir(out):
        if name not in ("store.db", "state.db"):
            os.remove(os.path.join(out, name))
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])
