"""Mail from outside for a replay against any EAS server: a second account
(--second-user) sends the capture's message to the account under test with
SendMail, over EAS itself, so a capture whose mail arrives during a Ping
needs no administrator. The message keeps its Subject and body (captures
find it by them); From and To are the two accounts' addresses, since a
server may refuse to send as anyone else."""

import base64
import hashlib
import re
import threading
import uuid
import xml.etree.ElementTree as ET

import capture as cap
import eas_wbxml

DEVICE_TYPE = "EASReplay"
_LOCK = threading.Lock()
_POLICY_KEYS = {}  # (url, user, device id) -> the final policy key; guarded by _LOCK


class SendError(cap.CaptureError):
    pass


def exchange(target, account, device_id, version, command, body, policy_key, content_type, params=""):
    query = "Cmd=%s&User=%s&DeviceId=%s&DeviceType=%s%s" % (
        command, account.login, device_id, DEVICE_TYPE, params)
    headers = [("Authorization", cap.basic_auth(account.given, account.password)),
               ("MS-ASProtocolVersion", version), ("Content-Type", content_type)]
    if policy_key is not None:
        headers.append(("X-MS-PolicyKey", policy_key))
    conn = cap.connect(target.url)
    try:
        return cap.send(conn, "POST", target.path + "?" + query, headers, body)
    finally:
        conn.close()


def provision(target, account, device_id, version):
    """Both phases of MS-ASPROV 3.1.5.1; a server with no policy for this
    client (Policy Status 2) needs no key at all."""
    ns = "{Provision:}"
    kind = "MS-EAS-Provisioning-WBXML"
    first = '<Provision xmlns="Provision:"><Policies><Policy><PolicyType>%s</PolicyType></Policy></Policies></Provision>' % kind
    status, _, data = exchange(target, account, device_id, version, "Provision",
                                eas_wbxml.encode(ET.fromstring(first)), "0", "application/vnd.ms-sync.wbxml")
    if status != 200:
        raise SendError("second account: Provision answered HTTP %d" % status)
    root = eas_wbxml.decode(data)
    policy = root.find("%sPolicies/%sPolicy" % (ns, ns))
    if policy is None or policy.findtext(ns + "Status") == "2":
        return None
    temporary = policy.findtext(ns + "PolicyKey")
    second = ('<Provision xmlns="Provision:"><Policies><Policy><PolicyType>%s</PolicyType><PolicyKey>%s</PolicyKey>'
              '<Status>1</Status></Policy></Policies></Provision>' % (kind, temporary))
    status, _, data = exchange(target, account, device_id, version, "Provision",
                                eas_wbxml.encode(ET.fromstring(second)), temporary, "application/vnd.ms-sync.wbxml")
    if status != 200:
        raise SendError("second account: Provision phase 2 answered HTTP %d" % status)
    return eas_wbxml.decode(data).findtext("%sPolicies/%sPolicy/%sPolicyKey" % (ns, ns, ns))


def readdress(mime, frm, to):
    """The message with its From and To headers replaced (or From dropped
    when the sender's address is not known: the server fills it in)."""
    head, sep, body = mime.partition("\r\n\r\n")
    lines = [line for line in head.split("\r\n") if not re.match(r"(?i)(from|to):", line)]
    lines.insert(0, "To: " + to)
    if frm:
        lines.insert(0, "From: " + frm)
    return "\r\n".join(lines) + sep + body


def send(target, sender, recipient, mime, versions):
    """Sends `mime` (CRLF text) from the account `sender` to `recipient`."""
    if recipient.email is None:
        raise SendError("mail for the account under test needs its address: give --email")
    version = next((v for v in ("14.1", "14.0", "12.1", "12.0") if v in versions), None)
    if version is None:
        raise SendError("the server offers none of 12.0-14.1 to send mail with: %s" % ",".join(versions))
    device_id = "Replay" + hashlib.sha1((target.device_suffix or "").encode()).hexdigest()[:10].upper()
    key = (target.url, sender.given, device_id)
    with _LOCK:
        policy_key = _POLICY_KEYS.get(key, "unset")
    if policy_key == "unset":
        policy_key = provision(target, sender, device_id, version)
        with _LOCK:
            _POLICY_KEYS[key] = policy_key
    message = readdress(mime, sender.email, recipient.email).encode("utf-8")
    # A fresh ClientId each time: a server remembers the ones it sent (118
    # MessagePreviouslySent, MS-ASCMD 2.2.2), also from an earlier run.
    client_id = uuid.uuid4().hex[:16]
    if version.startswith("14"):
        body = ET.fromstring('<SendMail xmlns="ComposeMail:"><ClientId>%s</ClientId><Mime opaque="base64">%s</Mime>'
                             '</SendMail>' % (client_id, base64.b64encode(message).decode()))
        status, _, data = exchange(target, sender, device_id, version, "SendMail", eas_wbxml.encode(body),
                                    policy_key, "application/vnd.ms-sync.wbxml")
    else:
        status, _, data = exchange(target, sender, device_id, version, "SendMail", message, policy_key,
                                    "message/rfc822", "&SaveInSent=F")
    # MS-ASCMD 2.2.3.177.14: success is HTTP 200 with no XML body.
    if status != 200 or data:
        raise SendError("second account: SendMail answered HTTP %d %s" % (status, cap.as_text(data, 200)))
