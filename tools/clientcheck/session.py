"""A client's session as the rules read it: its exchanges in order, each
with what the client sent (command, protocol version, device, policy key,
content type, body tree) and what the server answered (HTTP status,
headers, body tree). Read from a capture (docs/captures.md): values the
server gave are bindings there ({{key2}}), and a request that sends
{{key2}} sends the value the answer bound, so the rules compare the names
as they compare the values of a recorded session.
"""

import urllib.parse
import xml.etree.ElementTree as ET

import capture as cap
import eas_wbxml

# MS-ASHTTP 2.2.1.1.1.1.2: the command codes of the base64 query.
COMMANDS = {0: "Sync", 1: "SendMail", 2: "SmartForward", 3: "SmartReply", 4: "GetAttachment", 9: "FolderSync",
            10: "FolderCreate", 11: "FolderDelete", 12: "FolderUpdate", 13: "MoveItems", 14: "GetItemEstimate",
            15: "MeetingResponse", 16: "Search", 17: "Settings", 18: "Ping", 19: "ItemOperations",
            20: "Provision", 21: "ResolveRecipients", 22: "ValidateCert", 23: "Find"}


class Exchange:
    def __init__(self, number, note):
        self.number, self.note = number, note
        self.method = "POST"
        self.command = None          # Cmd, or "OPTIONS"
        self.version = None          # "12.1"
        self.query_form = "plain"
        self.query = {}              # plain query parameters, or the base64 fields
        self.query_problem = None    # why the query is not well-formed, or None
        self.headers = []            # [(name, value)] as sent
        self.policy_key = None       # X-MS-PolicyKey or the base64 field; None if not sent
        self.content_type = None
        self.body = None             # request WBXML tree, or None
        self.body_problem = None     # why the body is not WBXML with known tokens, or None
        self.mime = None             # a message/rfc822 body
        self.status = None           # HTTP status of the answer
        self.response_headers = {}   # lower-case name -> value
        self.response = None         # answer tree, or None
        self.breaks = set()          # client rules the capture breaks here on purpose (a server probe)
        # Seconds since the session began when the request came and when its
        # answer left (a recorded capture's at= and answered=); None if not known.
        self.at = self.answered = None

    def header(self, name):
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return None

    @property
    def device_id(self):
        return self.query.get("DeviceId") if self.query_form == "plain" else self.query.get("device-id")

    @property
    def device_type(self):
        return self.query.get("DeviceType") if self.query_form == "plain" else self.query.get("device-type")

    def where(self):
        return "exchange %d (%s%s)" % (self.number, self.command or self.method,
                                       ": " + self.note if self.note else "")


class Session:
    def __init__(self, name, device, exchanges, source=None):
        self.name, self.device, self.exchanges, self.source = name, device, exchanges, source

    @property
    def version(self):
        return self.device.get("protocol")


def _version_of(number_text):
    n = int(number_text)
    return "%d.%d" % (n // 10, n % 10)


def _plain_query(exchange, target):
    parsed = urllib.parse.urlsplit(target)
    pairs = urllib.parse.parse_qsl(parsed.query, keep_blank_values=True)
    exchange.query = dict(pairs)
    exchange.command = exchange.query.get("Cmd")
    # MS-ASHTTP 2.2.1.1.1.2: Cmd, User, DeviceId and DeviceType are required.
    missing = [p for p in ("Cmd", "User", "DeviceId", "DeviceType") if not exchange.query.get(p)]
    if exchange.method == "OPTIONS":
        missing = []
    names = [k for k, _ in pairs]
    if missing:
        exchange.query_problem = "no %s in the query" % ", ".join(missing)
    elif len(set(names)) != len(names):
        exchange.query_problem = "a parameter twice in the query"


def _base64_query(exchange, spec):
    exchange.query_form = "base64"
    fields = {}
    for field in spec.split(";"):
        if field:
            k, _, v = field.partition("=")
            fields.setdefault(k, v)
    exchange.query = fields
    try:
        exchange.version = _version_of(fields["version"])
        exchange.command = COMMANDS.get(int(fields["cmd"]))
    except (KeyError, ValueError):
        exchange.query_problem = "the base64 query has no version or command"
        return
    if exchange.command is None:
        exchange.query_problem = "command code %s is not one of MS-ASHTTP 2.2.1.1.1.1.2" % fields["cmd"]
    if not fields.get("device-id") or not fields.get("device-type"):
        exchange.query_problem = "the base64 query has no DeviceId or DeviceType"
    key = fields.get("policy-key", "none")
    exchange.policy_key = None if key == "none" else key


def _seconds(text):
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def from_capture(path):
    """The session a capture's device goes through, its answers the
    capture's <response>s."""
    c = cap.Capture(path)
    exchanges = []
    for number, step in enumerate(c.steps, 1):
        # The account's second device changing things is the server side
        # of this client's session, not the client.
        if step.tag != "exchange" or step.get("by") == "another-device":
            continue
        x = Exchange(number, step.get("note"))
        x.breaks = set((step.get("breaks") or "").split())
        x.at, x.answered = _seconds(step.get("at")), _seconds(step.get("answered"))
        req = step.find("request")
        x.method = req.get("method", "POST")
        x.headers = [(h.get("name"), h.text or "") for h in req.findall("header")]
        if req.get("base64-query"):
            _base64_query(x, req.get("base64-query"))
        else:
            _plain_query(x, req.get("target", cap.EAS_PATH))
            x.version = x.header("MS-ASProtocolVersion")
            x.policy_key = x.header("X-MS-PolicyKey")
        if x.method == "OPTIONS":
            x.command = "OPTIONS"
        x.content_type = x.header("Content-Type")
        body = req.find("body")
        if body is not None:
            if body.get("hex"):
                try:
                    x.body = eas_wbxml.decode(bytes.fromhex("".join(body.get("hex").split())))
                except (eas_wbxml.WbxmlError, ValueError) as e:
                    x.body_problem = str(e)
            elif body.get("format") == "mime":
                x.mime = body.text or ""
            elif len(body):
                x.body = list(body)[0]
        resp = step.find("response")
        if resp is not None:
            x.status = int(resp.get("status", "200"))
            x.response_headers = {h.get("name").lower(): h.text or "" for h in resp.findall("header")}
            rbody = resp.find("body")
            if rbody is not None and len(rbody) and rbody.get("format") is None:
                x.response = list(rbody)[0]
        exchanges.append(x)
    return Session(c.id, c.device, exchanges, source=path)


def local(element):
    return element.tag.split("}")[-1]


def text(element, name):
    """The text of the first descendant with this local name, or None."""
    for e in element.iter():
        if local(e) == name:
            return (e.text or "").strip()
    return None


def children(element, name):
    return [e for e in element.iter() if local(e) == name]


def parse(xml_text):
    return ET.fromstring(xml_text)
