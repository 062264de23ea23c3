"""--seed: what a capture's <need>s name, made on any server through EAS
itself before the capture runs: a user-created mail, calendar or contacts
folder (FolderCreate), contacts and calendar items (Sync Add) and messages
in the Inbox (SendMail from the second account). GAL entries and the
reference server's own demo messages cannot be made this way; a capture
that needs them stays skipped. Each need is made once per run and only
when the account lacks it."""

import base64
import hashlib
import threading
import time
import xml.etree.ElementTree as ET

import capture as cap
import eas_wbxml
import sender

FH, AS = cap.FH, "{AirSync:}"
SEEDABLE = {"folder", "contacts", "events", "mail"}
TYPE_OF = {name: int(number) for number, name in cap.FOLDER_TYPES.items()}  # "user-mail" -> 12
MAX_WINDOWS = 100  # at most 100 windows of 512 items counted in one folder
_LOCK = threading.Lock()
_DONE = set()  # needs made (or found) in this run; guarded by _LOCK


class SeedError(cap.CaptureError):
    pass


class _Client:
    """A seeding device of the account under test."""

    def __init__(self, target, versions):
        self.target, self.account = target, target.account
        self.version = next((v for v in ("14.1", "14.0", "12.1") if v in versions), None)
        if self.version is None:
            raise SeedError("--seed needs a server that offers 12.1 or later")
        self.device_id = "Seed" + hashlib.sha1((target.device_suffix or "").encode()).hexdigest()[:12].upper()
        self.policy_key = sender.provision(target, self.account, self.device_id, self.version)
        self.folders, self.folder_key = None, None

    def post(self, command, xml_text, empty_ok=False):
        status, _, data = sender.exchange(self.target, self.account, self.device_id, self.version, command,
                                           eas_wbxml.encode(ET.fromstring(xml_text)), self.policy_key,
                                           "application/vnd.ms-sync.wbxml")
        if status == 200 and not data and empty_ok:
            return None  # an empty Sync response: nothing new (MS-ASCMD 2.2.1.21.2)
        if status != 200 or not data:
            raise SeedError("seeding: %s answered HTTP %d %s" % (command, status, cap.as_text(data, 120)))
        return eas_wbxml.decode(data)

    def hierarchy(self):
        """(ServerId, Type) of every folder, from one FolderSync 0 per client."""
        if self.folders is None:
            root = self.post("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>')
            self.folder_key = root.findtext(FH + "SyncKey")
            self.folders = [(a.findtext(FH + "ServerId"), int(a.findtext(FH + "Type") or 0))
                            for a in root.iterfind(FH + "Changes/" + FH + "Add")]
        return self.folders

    def folder_of(self, folder_type):
        return next((sid for sid, t in self.hierarchy() if t == folder_type), None)

    def items(self, folder_id):
        """(sync key, number of items) of a folder, from a fresh Sync."""
        root = self.post("Sync", '<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>0</SyncKey>'
                                 '<CollectionId>%s</CollectionId></Collection></Collections></Sync>' % folder_id)
        key, count = root.findtext(".//%sSyncKey" % AS), 0
        for _ in range(MAX_WINDOWS):  # a server that always says MoreAvailable ends here
            if not key:
                break
            root = self.post("Sync", '<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>%s</SyncKey>'
                                     '<CollectionId>%s</CollectionId><WindowSize>512</WindowSize></Collection>'
                                     '</Collections></Sync>' % (key, folder_id), empty_ok=True)
            if root is None:
                break
            key = root.findtext(".//%sSyncKey" % AS) or key
            count += len(root.findall(".//%sCommands/%sAdd" % (AS, AS)))
            if root.find(".//%sMoreAvailable" % AS) is None:
                break
        return key, count

    def add(self, folder_id, key, data_xml, namespace):
        body = ('<Sync xmlns="AirSync:" xmlns:x="%s"><Collections><Collection><SyncKey>%s</SyncKey>'
                '<CollectionId>%s</CollectionId><Commands><Add><ClientId>%s</ClientId><ApplicationData>%s'
                '</ApplicationData></Add></Commands></Collection></Collections></Sync>'
                % (namespace, key, folder_id, hashlib.sha1(data_xml.encode()).hexdigest()[:12], data_xml))
        root = self.post("Sync", body, empty_ok=True)
        if root is None:
            return key
        status = root.findtext(".//%sResponses/%sAdd/%sStatus" % (AS, AS, AS))
        if status not in (None, "1"):
            raise SeedError("seeding: Sync Add answered Status %s" % status)
        return root.findtext(".//%sSyncKey" % AS)


def contact(i):
    return ("<x:FileAs>Seed, Person %d</x:FileAs><x:FirstName>Person %d</x:FirstName><x:LastName>Seed</x:LastName>"
            "<x:Email1Address>seed%d@example.com</x:Email1Address>" % (i, i, i))


def event(i):
    # A plain hour on day i of December 2026 (MS-ASCAL: times in UTC).
    return ("<x:Timezone>%s</x:Timezone><x:DtStamp>20261201T080000Z</x:DtStamp>"
            "<x:StartTime>202612%02dT090000Z</x:StartTime><x:EndTime>202612%02dT100000Z</x:EndTime>"
            "<x:Subject>Seeded event %d</x:Subject><x:Sensitivity>0</x:Sensitivity><x:BusyStatus>2</x:BusyStatus>"
            "<x:AllDayEvent>0</x:AllDayEvent><x:MeetingStatus>0</x:MeetingStatus>"
            % (base64.b64encode(bytes(172)).decode(), i + 1, i + 1, i))  # Timezone (MS-ASCAL 2.2.2.46): UTC


def make(need, target, versions, second):
    """Makes one need on the server, or raises SeedError."""
    key = (target.url, target.account.given, tuple(sorted(need.items())))
    with _LOCK:
        if key in _DONE:
            return
    client = _Client(target, versions)
    kind = need["kind"]
    if kind == "folder":
        folder_type = TYPE_OF[need["type"]]
        if client.folder_of(folder_type) is None:
            parent = client.folder_of(2) if folder_type == 12 else "0"
            root = client.post("FolderCreate", '<FolderCreate xmlns="FolderHierarchy:"><SyncKey>%s</SyncKey>'
                                               '<ParentId>%s</ParentId><DisplayName>Replay %s</DisplayName>'
                                               '<Type>%d</Type></FolderCreate>'
                               % (client.folder_key, parent, need["type"], folder_type))
            if root.findtext(FH + "Status") != "1":
                raise SeedError("seeding: FolderCreate of a %s folder answered Status %s"
                                % (need["type"], root.findtext(FH + "Status")))
    elif kind in ("contacts", "events"):
        folder_id = client.folder_of(9 if kind == "contacts" else 8)
        sync_key, have = client.items(folder_id)
        namespace = "Contacts:" if kind == "contacts" else "Calendar:"
        for i in range(have, int(need["at-least"])):
            sync_key = client.add(folder_id, sync_key, contact(i) if kind == "contacts" else event(i), namespace)
        if have < int(need["at-least"]):
            # The adds must show: a server that keeps its key across an Add or
            # drops an item would otherwise have every capture fail later.
            _, now = client.items(folder_id)
            if now < int(need["at-least"]):
                raise SeedError("seeding: %d %s asked for, a fresh Sync of the folder shows %d after the Sync Adds"
                                % (int(need["at-least"]), kind, now))
    elif kind == "mail":
        if second is None:
            raise SeedError("seeding mail needs --second-user")
        _, have = client.items(client.folder_of(2))
        for i in range(have, int(need["at-least"])):
            sender.send(target, second, target.account,
                        cap.crlf("From: x\nTo: y\nSubject: Seeded message %d\n\nSeeded by the replay.\n" % i), versions)
        time.sleep(1)  # delivery is the server's
    else:
        raise SeedError("a replay cannot make %s data" % kind)
    with _LOCK:
        _DONE.add(key)
