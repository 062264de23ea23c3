"""An EAS client for load runs against any server: requests in the plain
query form with Basic auth and WBXML bodies, answers read with either
Content-Length or chunked bodies, one connection per request (SOGo closes
each) or kept alive. Used by ping_peer.py and sync_load.py."""

import asyncio
import base64
import os
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "wbxml"))
import eas_wbxml  # noqa: E402

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


def cpu_seconds(pids):
    """User and system CPU of the processes, in seconds."""
    total = 0.0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
    return total


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
    """One device: FolderSync, Sync, Ping, adds. `keep_alive` keeps one
    connection for its requests (the reference server); without it each
    request has its own (SOGo closes a connection after its answer)."""

    def __init__(self, target, user, device, keep_alive=False):
        self.t, self.user, self.device, self.keep_alive = target, user, device, keep_alive
        self.connection = None
        self.folder, self.key = None, "0"

    async def exchange(self, command, xml_body, fresh=False):
        if self.keep_alive and not fresh:
            if self.connection is None:
                self.connection = await asyncio.open_connection("127.0.0.1", self.t.port, limit=1 << 24)
            reader, writer = self.connection
            writer.write(self.t.request(self.user, self.device, command, xml_body))
            await writer.drain()
            return await read_response(reader)
        reader, writer = await asyncio.open_connection("127.0.0.1", self.t.port, limit=1 << 24)
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

    async def folder_sync(self, folder_type="9"):
        """FolderSync 0; the folder of `folder_type` (9: contacts) is the phone's."""
        root = await self.post("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>')
        self.folder = next(a.find(FH + "ServerId").text for a in root.iter(FH + "Add")
                           if a.find(FH + "Type").text == folder_type)

    async def sync(self, inner=""):
        """A Sync of the phone's folder at its key; the answer's Collection
        (None for an empty answer: nothing new)."""
        root = await self.post("Sync", '<Sync xmlns="AirSync:" xmlns:contacts="Contacts:"><Collections><Collection>'
                                       '<SyncKey>%s</SyncKey><CollectionId>%s</CollectionId>%s</Collection>'
                                       '</Collections></Sync>' % (self.key, self.folder, inner))
        if root is None:
            return None
        collection = root.find(AS + "Collections/" + AS + "Collection")
        if collection.find(AS + "Status").text != "1":
            raise RuntimeError("%s: Sync Status %s" % (self.t.name, collection.find(AS + "Status").text))
        self.key = collection.find(AS + "SyncKey").text
        return collection

    async def setup(self):
        """FolderSync 0, Sync 0 and a first Sync of the contacts folder."""
        await self.folder_sync()
        self.key = "0"
        await self.sync()
        await self.sync()

    async def start_over(self):
        """Sync 0 again. SOGo refuses (Status 3) a Sync with the key its own
        answer to an Add gave: a writer starts over before each Add."""
        self.key = "0"
        await self.sync()

    async def add_contacts(self, names):
        """Adds contacts in one Sync; all must succeed."""
        adds = "".join('<Add><ClientId>%s</ClientId><ApplicationData><contacts:FileAs>%s</contacts:FileAs>'
                       '<contacts:FirstName>%s</contacts:FirstName><contacts:Email1Address>%s@example.com'
                       '</contacts:Email1Address></ApplicationData></Add>' % (n, n, n, n) for n in names)
        collection = await self.sync("<Commands>%s</Commands>" % adds)
        done = [r for r in collection.findall(AS + "Responses/" + AS + "Add") if r.find(AS + "Status").text == "1"]
        if len(done) != len(names):
            raise RuntimeError("%s: %d of %d contacts added" % (self.t.name, len(done), len(names)))
