"""Device captures: load one, replay it against an EAS server, and say
exactly where the answer differs. The format is docs/captures.md.

Volatile values are written {{name}}: the first time a name appears in an
expected response it takes the server's value; every later appearance, in a
response or a request, must be (or becomes) that value.
"""

import base64
import http.client
import re
import ssl
import threading
import xml.etree.ElementTree as ET

import eas_wbxml

PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
EAS_PATH = "/Microsoft-Server-ActiveSync"


class CaptureError(AssertionError):
    """A replay that did not get the answer the capture expects."""


KNOWN_STATES = {"demo"}


class Capture:
    def __init__(self, path):
        self.path = path
        tree = ET.parse(path)
        self.root = tree.getroot()
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
        account = self.root.find("account")
        self.account = dict(account.attrib) if account is not None else {}
        self.steps = [s for s in self.root if s.tag in ("exchange", "event", "expect-ox")]
        verifies = self.root.find("verifies")
        self.verifies = verifies.text.split() if verifies is not None and verifies.text else []

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
                regex += "(?P=%s)" % part
            else:
                regex += "(?P<%s>.+?)" % part
                seen.append(part)
        m = re.match(regex + "$", actual, re.S)
        if m is None:
            return "%s: expected %r, got %r" % (where, expected, actual)
        for name in seen:
            if name in self and self[name] != m.group(name):
                return "%s: {{%s}} was %r before, now %r" % (where, name, self[name], m.group(name))
            self[name] = m.group(name)
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


def build_request(exchange, capture, bindings):
    req = exchange.find("request")
    method = req.get("method", "POST")
    if req.get("base64-query"):
        target = EAS_PATH + "?" + base64_query(req.get("base64-query"), bindings)
    else:
        target = bindings.fill(req.get("target", EAS_PATH))
    headers = []
    for h in req.findall("header"):
        value = h.text or ""
        if value == "{{basic-auth}}":
            creds = "%s:%s" % (capture.account["user"], capture.account["password"])
            value = "Basic " + base64.b64encode(creds.encode("utf-8")).decode()
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
    return method, target, headers, body


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


def compare_tree(expected, actual, bindings, path, errors):
    """Expected elements in order, same names (Clark notation), same text;
    match="any" accepts any content, match="some" only the listed children
    (in order, others may come between), match="absent" requires the element
    not to be there (also among the children of a match="some")."""
    name = expected.tag
    if actual is None or actual.tag != name:
        errors.append("%s: expected <%s>, got %s" % (path, name, "nothing" if actual is None else "<%s>" % actual.tag))
        return
    here = "%s/%s" % (path, name.split("}")[-1])
    if expected.get("match") == "any":
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
            compare_tree(e, remaining[found], bindings, here, errors)
            remaining = remaining[found + 1:]
        return
    e_children = [c for c in expected if c.get("match") != "absent"]
    absent = [c.tag for c in expected if c.get("match") == "absent"]
    a_children = list(actual)
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
    for e, a in zip(e_children, a_children):
        compare_tree(e, a, bindings, here, errors)


def check_response(exchange, status, headers, body, bindings):
    exp = exchange.find("response")
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
            try:
                actual = eas_wbxml.decode(body)
            except eas_wbxml.WbxmlError as e:
                return errors + ["body: not WBXML (%s): %r" % (e, body[:80])]
            compare_tree(expected[0], actual, bindings, "", errors)
            if errors:
                errors.append("actual body:\n" + eas_wbxml.to_xml(actual))
    return errors


def connect(base_url):
    m = re.match(r"(https?)://([^/:]+)(?::(\d+))?", base_url)
    scheme, host, port = m.group(1), m.group(2), int(m.group(3) or (443 if m.group(1) == "https" else 80))
    if scheme == "https":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return http.client.HTTPSConnection(host, port, context=context, timeout=60)
    return http.client.HTTPConnection(host, port, timeout=60)


def replay(capture, base_url, run_event=None, account_override=None):
    """Replays every exchange; raises CaptureError on the first difference."""
    if account_override:
        capture.account = dict(capture.account, **account_override)
    bindings = Bindings()
    bindings["device_id"] = capture.device.get("device-id", "")
    connection = connect(base_url)
    for number, step in enumerate(capture.steps, 1):
        if step.tag in ("event", "expect-ox"):
            if run_event is not None:
                run_event(step, bindings)
            continue
        method, target, headers, body = build_request(step, capture, bindings)
        # An event while the request waits (a change during a parked Ping).
        during = step.find("event")
        timer = None
        if during is not None and run_event is not None:
            delay = int(during.get("after-ms", "500")) / 1000.0
            timer = threading.Timer(delay, run_event, (during, bindings))
            timer.start()
        try:
            status, resp_headers, resp_body = send(connection, method, target, headers, body)
        except (http.client.HTTPException, OSError):
            connection.close()
            connection = connect(base_url)
            status, resp_headers, resp_body = send(connection, method, target, headers, body)
        if timer is not None:
            timer.join()
        errors = check_response(step, status, resp_headers, resp_body, bindings)
        if errors:
            raise CaptureError("%s, exchange %d (%s %s):\n  %s" % (
                capture.path, number, method, step.get("note", target), "\n  ".join(errors)))
    connection.close()
    return bindings
