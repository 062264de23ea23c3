"""Device captures: load one, replay it against an EAS server, and say
exactly where the answer differs. The format is docs/captures.md.

Volatile values are written {{name}}: the first time a name appears in an
expected response it takes the server's value; every later appearance, in a
response or a request, must be (or becomes) that value.
"""

import base64
import copy
import datetime
import http.client
import json
import os
import re
import socket
import ssl
import threading
import urllib.parse
import xml.etree.ElementTree as ET

import eas_wbxml
import libwbxml_check
import requirement

PLACEHOLDER = re.compile(r"\{\{([\w:.-]+)\}\}")
EAS_PATH = "/Microsoft-Server-ActiveSync"


class CaptureError(AssertionError):
    """A replay that did not get the answer the capture expects."""


KNOWN_STATES = {"demo", "recorded"}


class Capture:
    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            data = f.read()
        self.text = data.decode("utf-8")
        self.root = ET.fromstring(data)
        if self.root.tag != "capture":
            raise ValueError("%s: root element must be <capture>" % path)
        self.family = self.root.get("family")
        self.scenario = self.root.get("scenario")
        device = self.root.find("device")
        provenance = self.root.find("provenance")
        if device is None or provenance is None or not provenance.get("kind"):
            raise ValueError("%s: needs <device> and <provenance kind=...>" % path)
        if provenance.get("kind") not in ("recorded", "reconstructed"):
            raise ValueError("%s: provenance kind is recorded or reconstructed" % path)
        if not provenance.findall("source"):
            raise ValueError("%s: provenance names no source" % path)
        self.device = dict(device.attrib)
        self.provenance = provenance.get("kind")
        # The groupware state before the session; "demo" is the reference
        # server's --demo data (on the OX backend: the OX mock fixture that
        # `eas-admin demo-ox-fixture` exports from it).
        groupware = self.root.find("groupware")
        if groupware is None or groupware.get("state") not in KNOWN_STATES:
            raise ValueError("%s: needs <groupware state=...> with one of %s" % (path, sorted(KNOWN_STATES)))
        self.groupware = groupware.get("state")
        # A recorded capture's state: the fixture file beside it (an OX mock
        # fixture, read into a fresh server of either backend).
        self.fixture = None
        if self.groupware == "recorded":
            name = groupware.get("fixture") or ""
            if not name or "/" in name or name.startswith("."):
                raise ValueError("%s: a recorded capture names its state file beside it: fixture=NAME" % path)
            self.fixture = os.path.join(os.path.dirname(os.path.abspath(path)), name)
        # What the account must hold that no EAS request of a replay can
        # create on another server (GAL entries): [{kind, ...}].
        self.needs = [dict(n.attrib) for n in groupware.findall("need")]
        account = self.root.find("account")
        self.account = dict(account.attrib) if account is not None else {}
        self.steps = [s for s in self.root if s.tag in ("exchange", "event", "expect-ox")]
        verifies = self.root.find("verifies")
        if verifies is None or (verifies.text or "").strip() or not verifies.findall("rule"):
            raise ValueError("%s: <verifies> holds <rule spec=... id=...|section=...> elements" % path)
        # [(key, note)]: "MS-ASPROV_R394" or "MS-ASCMD 2.2.3.177.17" (tools/requirements).
        self.rules = [requirement.from_rule(r) for r in verifies.findall("rule")]

    def uses(self, name):
        """Whether the capture writes {{name}} anywhere."""
        return "{{%s}}" % name in self.text

    @property
    def id(self):
        return "%s/%s" % (self.family, self.scenario)


class Bindings(dict):
    def fill(self, text):
        """Substitutes bound names in request text; an unbound name is an error."""
        def sub(m):
            if m.group(1) not in self:
                raise CaptureError("request uses {{%s}} before any response bound it" % m.group(1))
            return self[m.group(1)]
        return PLACEHOLDER.sub(sub, text or "")

    def match(self, expected, actual, where):
        """Matches expected text (with placeholders) against actual text,
        binding new names. Returns an error string or None."""
        expected, actual = expected or "", actual or ""
        parts = PLACEHOLDER.split(expected)  # text, name, text, name, ...
        if len(parts) == 1:
            return None if expected == actual else "%s: expected %r, got %r" % (where, expected, actual)
        regex, seen = "^", []
        for i, part in enumerate(parts):
            if i % 2 == 0:
                regex += re.escape(part)
            elif part in seen:
                regex += "(?P=g%d)" % seen.index(part)
            else:
                # Group names are g0, g1, ...: binding names may hold ':' (folder:inbox).
                regex += "(?P<g%d>.+?)" % len(seen)
                seen.append(part)
        m = re.match(regex + "$", actual, re.S)
        if m is None:
            return "%s: expected %r, got %r" % (where, expected, actual)
        for index, name in enumerate(seen):
            value = m.group("g%d" % index)
            if name in self and self[name] != value:
                return "%s: {{%s}} was %r before, now %r" % (where, name, self[name], value)
            self[name] = value
        return None


def base64_query(spec, bindings):
    """Builds an MS-ASHTTP 2.2.1.1.1.1 query from its fields:
    version=121;cmd=20;locale=0409;device-id=hex:...|text;policy-key=N|none;
    device-type=PPC;param=TAG:hex or TAG:text ..."""
    fields = [f.split("=", 1) for f in bindings.fill(spec).split(";") if f]
    out = bytearray()
    values = {}
    params = []
    for k, v in fields:
        if k == "param":
            params.append(v)
        else:
            values[k] = v

    def raw(v):
        return bytes.fromhex(v[4:]) if v.startswith("hex:") else v.encode()

    out.append(int(values["version"]))
    out.append(int(values["cmd"]))
    out += bytes.fromhex(values.get("locale", "0904"))
    dev = raw(values["device-id"])
    out.append(len(dev))
    out += dev
    key = values.get("policy-key", "none")
    if key == "none":
        out.append(0)
    else:
        out.append(4)
        out += int(key).to_bytes(4, "little")
    dtype = values["device-type"].encode()
    out.append(len(dtype))
    out += dtype
    for p in params:
        tag, value = p.split(":", 1)
        data = raw(value)
        out.append(int(tag))
        out.append(len(data))
        out += data
    return base64.b64encode(bytes(out)).decode()


class Account:
    """The account of a replay against another server, as its user gave it
    (DOMAIN\\login, login@domain or login): each capture sends it in the
    form its device uses."""

    def __init__(self, user, password, email=None):
        if "\\" in user:
            domain, login = user.split("\\", 1)
        elif "@" in user:
            login, domain = user.split("@", 1)
        else:
            domain, login = "", user
        self.given, self.password = user, password
        self.login, self.domain = login, domain.strip()
        self.email = email or (user if "@" in user else None)

    def device_form(self, form):
        """`form` is the capture's own user: \\juan (no domain, iOS), ' \\juan'
        (Nokia's single-space domain), ox.io\\ana, miguel@ox.io or juan; the
        result is that form for this account."""
        if "@" in form:
            if "@" in self.given:
                return self.given
            return "%s@%s" % (self.login, self.domain) if self.domain else self.login
        if "\\" in form:
            prefix = form.split("\\", 1)[0]
            if self.domain:
                # A device sends an empty domain (\\juan, Nokia's ' \\juan') when
                # its user left the field empty: an account that needs a
                # domain would have had it typed in.
                return "%s\\%s" % (self.domain, self.login)
            return (prefix + "\\" + self.login) if prefix.strip() == "" else self.login
        return self.login

    def query_form(self, form):
        """The User= query parameter: the login, or login@domain where the
        capture's device sends that."""
        return self.device_form(form) if "@" in form else self.login


class Target:
    """Where a replay goes: the server's URL (its path, if any, is the EAS
    endpoint: /SOGo/Microsoft-Server-ActiveSync), the account that replaces
    the captures' own (None: the capture's account, on the reference
    server), and a suffix for every DeviceId (fresh device state on a rerun)."""

    def __init__(self, url, account=None, device_suffix=""):
        m = re.match(r"(https?)://([^/:]+)(?::(\d+))?(/[^?#]*)?$", url)
        if m is None:
            raise ValueError("not an http(s) URL: %r" % url)
        self.url = url
        self.path = (m.group(4) or "").rstrip("/") or EAS_PATH
        self.account = account
        self.device_suffix = device_suffix or ""
        self.colleague = None  # another account's address on that server (a known recipient)

    def device_id(self, capture):
        """The DeviceId the server sees; a base64 query's DeviceId is bytes
        written in hex (MS-ASHTTP 2.2.1.1.1.1), so the suffix is too."""
        did = capture.device.get("device-id", "")
        if not self.device_suffix:
            return did
        if capture.device.get("query") == "base64":
            return did + self.device_suffix.encode().hex().upper()
        return did + self.device_suffix


def render_target(text, capture, target):
    """The capture's request target for `target`: the endpoint path, the
    account's User= and the DeviceId with its suffix."""
    if text.startswith(EAS_PATH):
        text = target.path + text[len(EAS_PATH):]
    if target.account is not None and capture.account.get("query-user"):
        new_user = urllib.parse.quote(target.account.query_form(capture.account["query-user"]), safe="@.")
        text = re.sub(r"([?&]User=)%s(?=&|$)" % re.escape(capture.account["query-user"]),
                      lambda m: m.group(1) + new_user, text)
    did = capture.device.get("device-id")
    if did and target.device_suffix:
        # The account's second device (by="another-device") is the
        # capture's DeviceId with a "2" after it: suffixed the same way.
        text = re.sub(r"([?&]DeviceId=)%s(2?)(?=&|$)" % re.escape(did),
                      lambda m: m.group(1) + target.device_id(capture) + m.group(2), text)
    return text


def basic_auth(user, password):
    """An Authorization header value (RFC 7617), UTF-8 as devices send it."""
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode("utf-8")).decode()


def credentials(capture, target):
    if target.account is None:
        return capture.account["user"], capture.account["password"]
    return target.account.device_form(capture.account.get("user", "")), target.account.password


def build_request(exchange, capture, bindings, target):
    req = exchange.find("request")
    method = req.get("method", "POST")
    if req.get("base64-query"):
        spec = req.get("base64-query")
        did = capture.device.get("device-id")
        if did and target.device_suffix:
            spec = spec.replace("device-id=hex:" + did, "device-id=hex:" + target.device_id(capture))
        target_text = target.path + "?" + base64_query(spec, bindings)
    else:
        target_text = render_target(bindings.fill(req.get("target", EAS_PATH)), capture, target)
    headers = []
    for h in req.findall("header"):
        value = h.text or ""
        if value == "{{basic-auth}}":
            value = basic_auth(*credentials(capture, target))
        headers.append((h.get("name"), bindings.fill(value)))
    body = b""
    body_node = req.find("body")
    if body_node is not None:
        if body_node.get("hex"):
            body = bytes.fromhex("".join(body_node.get("hex").split()))
        elif body_node.get("format") == "mime":
            # A message as the phone sends it below 14.0 (message/rfc822).
            body = crlf(bindings.fill(body_node.text or "")).encode("utf-8")
        else:
            element = list(body_node)[0]
            filled = ET.fromstring(bindings.fill(ET.tostring(element, encoding="unicode")))
            for el in filled.iter():
                # opaque="text": readable content sent as opaque bytes (MIME
                # in ComposeMail), lines ending CRLF as mail does.
                if el.get("opaque") == "text":
                    el.text = base64.b64encode(crlf(el.text or "").encode("utf-8")).decode()
                    el.set("opaque", "base64")
            body = eas_wbxml.encode(filled)
    return method, target_text, headers, body


def crlf(text):
    """Text from a capture file as wire text: the first line break after the
    tag and the indentation-free lines kept, every line ending CRLF."""
    if text.startswith("\n"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def send(connection, method, target, headers, body):
    # putrequest/putheader keep the capture's header names, case and order.
    connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
    names = {n.lower() for n, _ in headers}
    if "host" not in names:
        connection.putheader("Host", "%s:%d" % (connection.host, connection.port))
    for name, value in headers:
        connection.putheader(name, value)
    if body or method == "POST":
        connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body if body else None)
    response = connection.getresponse()
    return response.status, response.getheaders(), response.read()


LEVELS = ("spec", "reference")

# (parent's local name, child) that a response may hold or leave out, by the
# specification's element tables; tolerated at the spec level.
OPTIONAL_IN_RESPONSES = {
    ("Collection", "{AirSync:}Class"): "MS-ASCMD 2.2.3.27.6",  # Class (Sync): 0...1 in responses
    ("Result", "{AirSync:}Class"): "MS-ASCMD 2.2.3.27.5",  # Class (Search): 0...1 in responses
    # Collection (GetItemEstimate) lists Class among its response children.
    ("Collection", "{GetItemEstimate:}Class"): "MS-ASCMD 2.2.3.29.1",
}


class UncheckedLog:
    """Where a capture leaves content unchecked (match="any"), the server's
    actual answer there, as JSON lines: what tools/captures/pin_reference.py
    turns into the reference level's exact expectations (docs/captures.md).
    Each line names the capture, the exchange number, the backend, the
    expectation ("response" or "allow<i>") and the index of the element
    among that expectation's match="any" elements, in document order."""

    def __init__(self, path):
        self.path, self.marks, self.where = path, {}, None

    def enter(self, capture_path, number, backend, exchange):
        self.where, self.marks = (capture_path, number, backend), {}
        expectations = [("response", exchange.find("response"))] + [
            ("allow%d" % i, allow.find("response")) for i, allow in enumerate(exchange.findall("allow"))]
        for which, exp in expectations:
            if exp is None:
                continue
            for k, e in enumerate(x for x in exp.iter() if x.get("match") == "any"):
                self.marks[id(e)] = (which, k)

    # Ids the capture has bound already (a folder it created) are written as
    # their names where an answer names them again, not as this run's value.
    ID_ELEMENTS = ("ServerId", "ParentId", "CollectionId")

    def record(self, expected, actual, bindings=None):
        mark = self.marks.get(id(expected))
        if mark is None or self.where is None:
            return
        capture_path, number, backend = self.where
        if bindings:
            names = {}
            for name, value in bindings.items():
                names.setdefault(value, name)
            actual = copy.deepcopy(actual)
            for e in actual.iter():
                text = (e.text or "").strip()
                if e.tag.split("}")[-1] in self.ID_ELEMENTS and text in names:
                    e.text = "{{%s}}" % names[text]
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"capture": capture_path, "number": number, "backend": backend,
                                "expectation": mark[0], "index": mark[1],
                                "xml": ET.tostring(actual, encoding="unicode")}) + "\n")


# Set by the replay's --dump-unchecked option.
unchecked_log = None


def compare_tree(expected, actual, bindings, path, errors, level="reference"):
    """Expected elements in order, same names (Clark notation), same text;
    match="any" accepts any content, match="items" the items of a folder
    (check_items), match="some" only the listed children
    (in order, others may come between), match="absent" requires the element
    not to be there (also among the children of a match="some"), and
    order="any" takes the children in any order.
    At the spec level (docs/captures.md) spec="any" accepts any content of
    an element whose content the specification leaves to the server, and
    spec-one-of="4|13" any of the values it allows there."""
    name = expected.tag
    if actual is None or actual.tag != name:
        errors.append("%s: expected <%s>, got %s" % (path, name, "nothing" if actual is None else "<%s>" % actual.tag))
        return
    here = "%s/%s" % (path, name.split("}")[-1])
    if expected.get("match") == "any" or level == "spec" and expected.get("spec") == "any":
        if unchecked_log is not None and expected.get("match") == "any":
            unchecked_log.record(expected, actual, bindings)
        return
    if expected.get("match") == "items":
        check_items(actual, here, errors, level, expected.get("within-days"))
        bind_items(expected, actual, bindings, here, errors)
        if expected.get("name"):
            # The same items as where this name was first seen (a Sync
            # retried with the same key gets the same answer, MS-ASCMD 3.1.5.3).
            got = "".join(ET.tostring(a, encoding="unicode") for a in actual)
            key = "items:" + expected.get("name")
            if key in bindings and bindings[key] != got:
                errors.append("%s: not the items of the earlier answer %r" % (here, expected.get("name")))
            bindings[key] = got
        return
    if level == "spec" and expected.get("spec-one-of") is not None:
        allowed = expected.get("spec-one-of").split("|")
        got = (actual.text or "").strip()
        if got not in allowed or len(actual):
            errors.append("%s: expected one of %s, got %r" % (here, allowed, got))
        return
    if expected.get("match") == "some":
        # The listed children, in this order, among others.
        remaining = list(actual)
        for e in expected:
            if e.get("match") == "absent":
                if any(a.tag == e.tag for a in actual):
                    errors.append("%s: <%s> must not be there" % (here, e.tag.split("}")[-1]))
                continue
            found = next((i for i, a in enumerate(remaining) if a.tag == e.tag), None)
            if found is None:
                errors.append("%s: no <%s>" % (here, e.tag.split("}")[-1]))
                return
            compare_tree(e, remaining[found], bindings, here, errors, level)
            remaining = remaining[found + 1:]
        return
    e_children = [c for c in expected if c.get("match") != "absent"]
    absent = [c.tag for c in expected if c.get("match") == "absent"]
    a_children = list(actual)
    if level == "spec":
        # Children the specification makes optional in this answer: a server
        # may send them or leave them out, whatever the reference server does.
        optional = lambda c: (name.split("}")[-1], c.tag) in OPTIONAL_IN_RESPONSES
        e_children = [c for c in e_children if not optional(c)]
        a_children = [c for c in a_children if not optional(c)]
    for tag in absent:
        if any(c.tag == tag for c in a_children):
            errors.append("%s: <%s> must not be there" % (here, tag.split("}")[-1]))
    if not e_children:
        err = bindings.match((expected.text or "").strip(), (actual.text or "").strip(), here)
        if err:
            errors.append(err)
        if a_children:
            errors.append("%s: unexpected children %s" % (here, [c.tag.split("}")[-1] for c in a_children]))
        return
    if len(e_children) != len(a_children):
        errors.append("%s: expected %d children %s, got %d %s" % (
            here, len(e_children), [c.tag.split("}")[-1] for c in e_children],
            len(a_children), [c.tag.split("}")[-1] for c in a_children]))
        return
    if expected.get("order") == "any":
        # The children in any order (the folders of a FolderSync, MS-ASCMD
        # 2.2.1.5: their order is the server's): each expected one matches a
        # child of its own, binding only when it does.
        rest = list(a_children)
        for e in e_children:
            for i, a in enumerate(rest):
                trial, trial_errors = Bindings(bindings), []
                compare_tree(e, a, trial, here, trial_errors, level)
                if not trial_errors:
                    bindings.update(trial)
                    del rest[i]
                    break
            else:
                errors.append("%s: no child matches the expected %s" % (here, ET.tostring(e, encoding="unicode")))
        return
    for e, a in zip(e_children, a_children):
        compare_tree(e, a, bindings, here, errors, level)


AIRSYNC = "{AirSync:}"


def within_window(add, days):
    """For within-days: the message's DateReceived, if it has one, is no
    older than the FilterType window (MS-ASCMD 2.2.3.68.2); an hour of
    leeway for the clocks."""
    received = next((e.text for e in add.iter() if e.tag == "{Email:}DateReceived"), None)
    if not received:
        return None
    try:
        when = datetime.datetime.strptime(received.strip()[:19], "%Y-%m-%dT%H:%M:%S").replace(
            tzinfo=datetime.timezone.utc)
    except ValueError:
        return "DateReceived %r is not a date (MS-ASDTYPE 2.3)" % received
    oldest = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=float(days), hours=1)
    return None if when >= oldest else "received %s, outside a FilterType window of %s days" % (received, days)


def bind_items(expected, actual, bindings, here, errors):
    """<bind name="id_20" by="contacts:FileAs">Meier, Lena</bind> in a
    match="items": {{id_20}} is the ServerId of the one item there whose
    property `by` (a code page prefix and element) has that text. A recorded
    session names such an item later; its ServerId is each server's own."""
    prefixes = {p.prefix: p.ns for p in eas_wbxml.code_pages().values()}
    for b in expected:
        if b.tag.split("}")[-1] != "bind":
            continue
        prefix, _, element = (b.get("by") or "").partition(":")
        tag = "{%s}%s" % (prefixes.get(prefix, prefix), element)
        want = (b.text or "").strip()
        found = [add for add in actual if any((e.text or "").strip() == want
                                              for e in add.iterfind(AIRSYNC + "ApplicationData/" + tag))]
        if len(found) != 1:
            errors.append("%s: %d items with %s %r, the capture names one" % (here, len(found), b.get("by"), want))
            continue
        err = bindings.match("{{%s}}" % b.get("name"), found[0].findtext(AIRSYNC + "ServerId") or "", here)
        if err:
            errors.append(err)


def check_items(actual, here, errors, level, within_days=None):
    """match="items" on the Commands of the first Sync after SyncKey 0: the
    folder as the account holds it, which other sessions of the same account
    may have changed, so no item list can be written down (docs/captures.md).
    The client holds nothing yet, so every command is an Add of a new item
    (MS-ASCMD 2.2.3.7.2) with its ServerId and ApplicationData (2.2.3.166.8,
    2.2.3.11), each ServerId once; at the reference level an Add holds
    nothing else and every ApplicationData holds properties. `within_days`:
    the Sync asked for a FilterType window of that many days, and no
    message older than that may come."""
    seen = set()
    for n, add in enumerate(actual, 1):
        where = "%s/%s[%d]" % (here, add.tag.split("}")[-1], n)
        if add.tag != AIRSYNC + "Add":
            errors.append("%s: only Adds can reach a client that holds nothing yet" % where)
            continue
        server_id, data = add.find(AIRSYNC + "ServerId"), add.find(AIRSYNC + "ApplicationData")
        if server_id is None or not (server_id.text or "").strip():
            errors.append("%s: no ServerId" % where)
        elif server_id.text in seen:
            errors.append("%s: ServerId %r twice" % (where, server_id.text))
        else:
            seen.add(server_id.text)
        if data is not None and within_days:
            outside = within_window(add, within_days)
            if outside:
                errors.append("%s: %s" % (where, outside))
        if data is None:
            errors.append("%s: no ApplicationData" % where)
        elif level == "reference":
            if [c.tag for c in add] != [AIRSYNC + "ServerId", AIRSYNC + "ApplicationData"]:
                errors.append("%s: expected ServerId, ApplicationData, got %s" % (
                    where, [c.tag.split("}")[-1] for c in add]))
            if len(data) == 0:
                errors.append("%s: an empty ApplicationData" % where)


def check_response(exchange, status, headers, body, bindings, level="reference", backend=None, decoded=None):
    """The differences from the exchange's <response>; when there are any,
    the first <allow> that applies (at the spec level, or with backend= on
    that backend) and matches instead: (errors, the allow taken or None).
    `decoded`: decode(body), if the caller has it."""
    decoded = decoded or decode(body)
    # Each expectation is tried on its own copy of the bindings: a response
    # that does not match must not bind values for the next one.
    first = Bindings(bindings)
    errors = check_expected(exchange.find("response"), status, headers, body, first, level, decoded)
    if not errors:
        bindings.update(first)
        return errors, None
    for allow in exchange.findall("allow"):
        # An allow with backend= is the reference server's own answer on that
        # backend (checked exactly, on that backend only); the others are the
        # specification's alternatives (the spec level only).
        if allow.get("backend") is not None:
            if allow.get("backend") != backend:
                continue
        elif level != "spec":
            continue
        trial = Bindings(bindings)
        if not check_expected(allow.find("response"), status, headers, body, trial, level, decoded):
            bindings.update(trial)  # trial is bindings and what this answer bound
            for pair in (allow.get("bind") or "").split():
                name, _, value = pair.partition("=")
                bindings[name] = bindings.fill(value)
            return [], allow
    bindings.update(first)  # the replay goes on with what the response gave
    return errors, None


def check_expected(exp, status, headers, body, bindings, level, decoded):
    errors = []
    if exp is None:
        return errors
    if int(exp.get("status", "200")) != status:
        errors.append("HTTP status: expected %s, got %d" % (exp.get("status", "200"), status))
    actual_headers = {k.lower(): v for k, v in headers}
    for h in exp.findall("header"):
        got = actual_headers.get(h.get("name").lower())
        if got is None:
            errors.append("header %s: missing" % h.get("name"))
        else:
            err = bindings.match(h.text or "", got, "header " + h.get("name"))
            if err:
                errors.append(err)
    body_node = exp.find("body")
    if body_node is not None and body_node.get("format") == "bytes":
        # A non-WBXML answer (GetAttachment): its bytes, base64 in the file.
        want = base64.b64decode("".join((body_node.text or "").split()))
        if body != want:
            errors.append("body: expected %d bytes %r, got %d bytes %r" % (len(want), want[:40], len(body), body[:40]))
        return errors
    if body_node is not None:
        expected = list(body_node)
        if not expected:
            if body:
                errors.append("body: expected none, got %d bytes" % len(body))
        else:
            actual, problem = decoded
            if actual is None:
                content_type = {k.lower(): v for k, v in headers}.get("content-type", "no Content-Type")
                return errors + ["body: not WBXML (%s; %s): %s" % (problem, content_type, as_text(body))]
            compare_tree(expected[0], actual, bindings, "", errors, level)
            if errors:
                errors.append("actual body:\n" + eas_wbxml.to_xml(actual))
    return errors


def as_text(body, limit=600):
    """A body that is not WBXML, shown as the text it most likely is."""
    text = body[:limit].decode("utf-8", errors="replace")
    return repr(text) + (" ... (%d bytes)" % len(body) if len(body) > limit else "")


def connect(base_url):
    m = re.match(r"(https?)://([^/:]+)(?::(\d+))?", base_url)
    scheme, host, port = m.group(1), m.group(2), int(m.group(3) or (443 if m.group(1) == "https" else 80))
    if scheme == "https":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return http.client.HTTPSConnection(host, port, context=context, timeout=60)
    return http.client.HTTPConnection(host, port, timeout=60)


class ServerUnreachable(CaptureError):
    """The server did not answer at all (refused, reset, timed out)."""


class Difference:
    """One exchange whose answer is not what the capture expects."""

    def __init__(self, number, note, method, target, errors):
        self.number, self.note, self.method, self.target, self.errors = number, note, method, target, errors

    def __str__(self):
        return "exchange %d (%s %s):\n  %s" % (self.number, self.method, self.note or self.target,
                                               "\n  ".join(self.errors))


class Outcome:
    """What a replay found: every difference, and where it had to stop
    (a later request needs a value that a differing answer did not give)."""

    def __init__(self, capture):
        self.capture = capture
        self.differences = []
        self.stopped = None
        self.allowed = []  # (exchange number, note, rule): the spec's alternatives the server took

    @property
    def passed(self):
        return not self.differences and self.stopped is None

    def report(self):
        lines = ["%s: %d exchange(s) differ" % (self.capture.path, len(self.differences))]
        lines += [str(d) for d in self.differences]
        if self.stopped:
            lines.append("stopped: " + self.stopped)
        lines += ["allowed: exchange %d (%s): %s" % a for a in self.allowed]
        return "\n".join(lines)


# MS-ASCMD 2.2.3.186.3 (FolderSync Type): the names a capture binds a
# folder by, {{folder:inbox}}; user-created folders by their type, the first
# of that type in the hierarchy.
FOLDER_TYPES = {
    "1": "user-generic", "2": "inbox", "3": "drafts", "4": "deleted", "5": "sent", "6": "outbox",
    "7": "tasks", "8": "calendar", "9": "contacts", "10": "notes", "11": "journal",
    "12": "user-mail", "13": "user-calendar", "14": "user-contacts", "15": "user-tasks",
    "16": "user-journal", "17": "user-notes", "18": "unknown", "19": "ric",
}
FH = "{FolderHierarchy:}"


def bind_hierarchy(root, bindings, full):
    """Binds {{folder:TYPE}} from a FolderSync answer (its decoded tree), so
    that captures name folders by what they are, never by one server's ids
    (Z-Push's are per device). `full`: the answer to SyncKey 0, the whole
    hierarchy anew."""
    if root.tag != FH + "FolderSync":
        return
    if full:
        for name in [n for n in bindings if n.startswith("folder:")]:
            del bindings[name]
    for change in root.iterfind(FH + "Changes/" + FH + "Add"):
        kind = FOLDER_TYPES.get(change.findtext(FH + "Type", ""))
        server_id = change.findtext(FH + "ServerId")
        if kind and server_id and "folder:" + kind not in bindings:
            bindings["folder:" + kind] = server_id


def send_once_more_on_reset(connection, target, timeout, request, event_error):
    """Sends `request` and returns (the connection now in use, the answer).
    A kept-alive connection the server had closed gets the request once
    more on a new one, unless an event during the request shut it."""
    connection.timeout = timeout
    if connection.sock is not None:
        connection.sock.settimeout(timeout)
    try:
        return connection, send(connection, *request)
    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
        if event_error:
            raise
        connection.close()
        connection = connect(target.url)
        connection.timeout = timeout
        return connection, send(connection, *request)


def decode(body):
    """The answer decoded once: (its WBXML tree or None, why not or None)."""
    try:
        return eas_wbxml.decode(body), None
    except eas_wbxml.WbxmlError as e:
        return None, str(e)


def answer_timeout(exchange):
    """How long to wait for an answer: a Ping or a Sync with Wait may be held
    for its whole interval (MS-ASCMD 2.2.3.88, 2.2.3.198), then 60 s more."""
    body = exchange.find("request/body")
    wait = 0
    if body is not None and len(body):
        for el in body[0].iter():
            local = el.tag.split("}")[-1]
            text = (el.text or "").strip()
            if local == "HeartbeatInterval" and text.isdigit():
                wait = max(wait, int(text))
            elif local == "Wait" and text.isdigit():
                wait = max(wait, int(text) * 60)
    return wait + 60


def abort(connection):
    """Ends a request that waits (from another thread): the socket is shut."""
    sock = connection.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def carries_changes(tree):
    """Whether an answer hands the client changes: Commands or Responses
    (Sync), or Changes with a Count above 0 (FolderSync)."""
    if tree is None:
        return False
    for e in tree.iter():
        local = e.tag.split("}")[-1]
        if local in ("Commands", "Responses") and len(e):
            return True
        if local == "Changes" and (e.findtext("{FolderHierarchy:}Count") or "0").strip() != "0":
            return True
    return False


def stale_keys(exchange, allow, before, bindings, tree=None):
    """Where the capture names the key of an answer otherwise than the key
    of its request ({{key2}} for {{key1}}) and the answer hands the client
    changes, the server must have given a new key (MS-ASCMD 2.2.3.181.2,
    2.2.3.181.4: the client uses the new key next). An answer with nothing
    new may keep the key."""
    if not carries_changes(tree):
        return []
    body = exchange.find("request/body")
    expected = (allow if allow is not None else exchange).find("response/body")
    if body is None or len(body) == 0 or expected is None or len(expected) == 0:
        return []
    sent = [k.text or "" for k in body[0].iter() if k.tag.split("}")[-1] == "SyncKey"]
    got = [k.text or "" for k in expected[0].iter() if k.tag.split("}")[-1] == "SyncKey"]
    if len(sent) != 1 or len(got) != 1:
        return []
    old, new = PLACEHOLDER.fullmatch(sent[0].strip()), PLACEHOLDER.fullmatch(got[0].strip())
    if old is None or new is None or old.group(1) == new.group(1) or new.group(1) in before:
        return []
    if bindings.get(new.group(1)) is not None and bindings.get(new.group(1)) == before.get(old.group(1)):
        return ["SyncKey: the answer kept the key %r; the capture expects a new one ({{%s}} after {{%s}})"
                % (bindings[new.group(1)], new.group(1), old.group(1))]
    return []


def request_command(exchange):
    """The local name of the request body's root element, or None."""
    body = exchange.find("request/body")
    if body is None or len(body) == 0:
        return None
    return body[0].tag.split("}")[-1]


def is_full_folder_sync(exchange):
    return exchange.find("request/body")[0].findtext(FH + "SyncKey") == "0"


def replay(capture, target, run_event=None, level="reference", backend=None):
    """Replays every exchange against `target` (a Target) and returns an
    Outcome with every difference: an exchange that differs is recorded and
    the replay goes on as long as the values later requests need are bound.
    At the spec level an <allow> the server's answer matches sets its
    `then` flag; an exchange with unless="FLAG" is left out once the flag is
    set, and an allow with requires="FLAG" holds only if that flag is set by
    the end of the capture. A server that does not answer raises
    ServerUnreachable."""
    if level not in LEVELS:
        raise ValueError("level is one of %s" % (LEVELS,))
    if isinstance(target, str):
        target = Target(target)
    outcome = Outcome(capture)
    flags, pending = set(), []  # pending: (exchange number, allow) that need a flag
    bindings = Bindings()
    bindings["device_id"] = target.device_id(capture)
    colleague = target.colleague if target.account is not None else capture.account.get("colleague")
    if colleague:
        bindings["account:colleague"] = colleague
    connection = connect(target.url)
    try:
        for number, step in enumerate(capture.steps, 1):
            if step.get("unless") in flags:
                continue  # an alternative the server took makes it moot
            try:
                if step.tag in ("event", "expect-ox"):
                    if run_event is not None:
                        run_event(step, bindings)
                    continue
                method, target_text, headers, body = build_request(step, capture, bindings, target)
            except CaptureError as e:
                if outcome.differences:
                    outcome.stopped = "step %d: %s" % (number, e)
                    return outcome
                raise
            # An event while the request waits (a change during a parked Ping).
            during = step.find("event")
            timer, event_error = None, []
            if during is not None and run_event is not None:
                delay = int(during.get("after-ms", "500")) / 1000.0

                def event_then_abort(step=during, conn=connection):
                    try:
                        run_event(step, bindings)
                    except Exception as e:  # the wait would never end: stop it
                        event_error.append(e)
                        abort(conn)

                timer = threading.Timer(delay, event_then_abort)
                timer.start()
            try:
                connection, (status, resp_headers, resp_body) = send_once_more_on_reset(
                    connection, target, answer_timeout(step), (method, target_text, headers, body), event_error)
            except (http.client.HTTPException, OSError) as e:
                if not event_error:
                    raise ServerUnreachable("%s, exchange %d (%s %s): no answer from %s within %d s: %s" % (
                        capture.path, number, method, step.get("note", target_text), target.url,
                        answer_timeout(step), e))
            finally:
                if timer is not None:
                    timer.join()
            if event_error:
                outcome.stopped = "exchange %d: the event during the request failed: %s" % (number, event_error[0])
                return outcome
            decoded = decode(resp_body)
            tree = decoded[0]
            if unchecked_log is not None:
                unchecked_log.enter(capture.path, number, backend, step)
            if status == 200 and request_command(step) == "FolderSync" and tree is not None:
                bind_hierarchy(tree, bindings, is_full_folder_sync(step))
            before = dict(bindings)
            errors, allow = check_response(step, status, resp_headers, resp_body, bindings, level, backend, decoded)
            errors = errors + stale_keys(step, allow, before, bindings, tree)
            if level == "reference" and tree is not None and resp_body[:1] == b"\x03":
                # The reference level reads the bytes a second, independent way.
                errors = errors + libwbxml_check.differences(resp_body, tree)
            if errors:
                outcome.differences.append(Difference(number, step.get("note"), method, target_text, errors))
            elif allow is not None and allow.get("backend") is None:
                outcome.allowed.append((number, step.get("note"), allow.get("rule")))
                if allow.get("then"):
                    flags.add(allow.get("then"))
                if allow.get("requires"):
                    pending.append((number, step.get("note"), method, target_text, allow))
    finally:
        connection.close()
    for number, note, method, target_text, allow in pending:
        if allow.get("requires") not in flags:
            outcome.differences.append(Difference(number, note, method, target_text, [
                "the answer is allowed (%s) only if %s, which the rest of the session did not show" % (
                    allow.get("rule"), allow.get("requires"))]))
    return outcome
