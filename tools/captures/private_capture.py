"""Makes a recorded capture fit to share: the message text, names,
addresses and phone numbers of the session and of its account state
replaced by placeholders (docs/captures.md, "Private recordings").

    bazel run //tools/captures:private_capture -- CAPTURE.xml [--out DIR]

A placeholder keeps its word's length, its letters' case and which
characters are letters, digits or punctuation; it is the same wherever the
word occurs (the capture, the state, any case), and a word's prefix gets
the prefix of its placeholder, so a truncated body or a search's prefix
still fits. The key is random per run and not kept.

The server derives answers from that text (Preview, truncation, sizes,
MIME, the order of names), so the private capture's answers are not the
recorded ones with words replaced: they are the reference server's
answers to the private requests. A fresh server holding the private state
records the replay of the private requests (--record-all), and that
recording, with the original's timings, family and scenario, is the
private capture. The run says how many answers the text changed.

Kept as they were: the account's login, password and context (record on an
account made for the purpose), folder names, attachment contents, and
anything that is not text of a personal field.
"""

import argparse
import base64
import glob
import hashlib
import hmac
import json
import os
import quopri
import re
import shutil
import sys
import tempfile
import xml.etree.ElementTree as ET

import capture as cap
import eas_wbxml
import recorded_state

# --- the placeholder of a word -------------------------------------------------------

LOWER2 = [chr(c) for c in range(0xE0, 0xFF) if c != 0xF7]  # two UTF-8 bytes, with an upper case
WORD = re.compile(r"\{\{[^}]*\}\}|[^\W_]+")


class Mapper:
    def __init__(self, key):
        self.key = key

    def _pick(self, prefix):
        return int.from_bytes(hmac.new(self.key, prefix.casefold().encode(), hashlib.sha256).digest()[:8], "big")

    def word(self, w):
        out = []
        for i, c in enumerate(w):
            h = self._pick(w[:i + 1])
            if "0" <= c <= "9":
                out.append(chr(48 + h % 10))
            elif c.isascii():
                letter = chr(97 + h % 26)
                out.append(letter.upper() if c.isupper() else letter)
            elif len(c.encode()) == 3:
                out.append(chr(0x4E00 + h % 0x5000))
            elif len(c.encode()) == 2:
                letter = LOWER2[h % len(LOWER2)]
                out.append(letter.upper() if c.isupper() else letter)
            else:
                out.append(c)
        return "".join(out)

    def text(self, s):
        """Every word of `s` replaced; bindings ({{name}}) and punctuation kept."""
        return WORD.sub(lambda m: m.group(0) if m.group(0).startswith("{{") else self.word(m.group(0)), s)

    # --- MIME (RFC 5322, 2045-2047) ---------------------------------------------------

    PERSONAL_HEADERS = {"subject", "from", "to", "cc", "bcc", "reply-to", "sender", "thread-topic",
                        "disposition-notification-to", "return-path"}
    ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")

    def _encoded_word(self, m):
        charset, kind, payload = m.group(1), m.group(2).upper(), m.group(3)
        try:
            if kind == "B":
                raw = base64.b64decode(payload)
            else:
                raw = quopri.decodestring(payload.replace("_", " ").encode(), header=True)
            mapped = self.text(raw.decode(charset)).encode(charset)
        except (LookupError, ValueError, UnicodeError):
            return "=?%s?%s?%s?=" % (charset, kind, "X" * len(payload))  # unreadable: nothing of it kept
        if kind == "B":
            return "=?%s?B?%s?=" % (charset, base64.b64encode(mapped).decode())
        q = "".join(chr(b) if chr(b).isalnum() and b < 128 else "_" if b == 32 else "=%02X" % b for b in mapped)
        return "=?%s?Q?%s?=" % (charset, q)

    def header_value(self, value):
        parts, last = [], 0
        for m in self.ENCODED_WORD.finditer(value):
            parts += [self.text(value[last:m.start()]), self._encoded_word(m)]
            last = m.end()
        return "".join(parts + [self.text(value[last:])])

    def _params(self, line):
        """name= and filename= of Content-Type and Content-Disposition."""
        def name(m):
            stem, dot, extension = m.group(3).rpartition(".")
            kept = self.text(stem) + dot + extension if dot else self.text(extension)  # .pdf stays .pdf
            return m.group(1) + m.group(2) + kept
        return re.sub(r'((?:file)?name\*?=)("?)([^";\r\n]*)', name, line, flags=re.I)

    def mime(self, raw):
        """A message or a part: personal headers and text bodies replaced."""
        sep = "\r\n\r\n" if "\r\n\r\n" in raw else "\n\n"
        head, sep, body = raw.partition(sep)  # no blank line: headers only (a MIME cut short)
        lines, current, out = re.split(r"(\r?\n)", head), "", []
        content_type, encoding = "text/plain", ""
        for piece in lines:
            if piece in ("\r\n", "\n"):
                out.append(piece)
                continue
            if piece[:1] not in (" ", "\t"):
                current = piece.split(":", 1)[0].strip().lower()
                name, colon, value = piece.partition(":")
                if current == "content-type":
                    content_type = value.strip()
                elif current == "content-transfer-encoding":
                    encoding = value.strip().lower()
                if current in self.PERSONAL_HEADERS:
                    out.append(name + colon + self.header_value(value))
                    continue
            elif current == "content-type":
                content_type += piece
            if current in self.PERSONAL_HEADERS:
                out.append(self.header_value(piece))
            elif current in ("content-type", "content-disposition"):
                out.append(self._params(piece))
            else:
                out.append(piece)
        return "".join(out) + sep + self._body(body, content_type, encoding)

    def _body(self, body, content_type, encoding):
        kind = content_type.split(";")[0].strip().lower()
        boundary = re.search(r'boundary="?([^";]+)"?', content_type, re.I)
        if kind.startswith("multipart/") and boundary:
            marker = "--" + boundary.group(1)
            pieces = body.split(marker)
            # pieces[0] is the preamble; each later piece starts with its line
            # end (or "--" for the closing marker) and a part.
            for i in range(1, len(pieces)):
                if pieces[i].startswith("--"):
                    continue
                lead = re.match(r"\r?\n", pieces[i])
                if lead:
                    tail = re.search(r"\r?\n$", pieces[i])
                    inner = pieces[i][lead.end():tail.start() if tail else len(pieces[i])]
                    pieces[i] = lead.group(0) + self.mime(inner) + (tail.group(0) if tail else "")
            return marker.join(pieces)
        if kind == "message/rfc822":
            return self.mime(body)
        if not kind.startswith("text/"):
            return body  # attachments are kept (see the module's doc)
        charset = re.search(r'charset="?([^";\s]+)"?', content_type, re.I)
        charset = charset.group(1) if charset else "utf-8"
        try:
            if encoding == "base64":
                width = max((len(line) for line in body.splitlines()), default=76) or 76
                text = base64.b64decode("".join(body.split())).decode(charset)
                coded = base64.b64encode(self.text(text).encode(charset)).decode()
                end = "\r\n" if "\r\n" in body else "\n"
                return end.join(coded[i:i + width] for i in range(0, len(coded), width)) + (
                    end if body.endswith(("\n",)) else "")
            if encoding == "quoted-printable":
                text = quopri.decodestring(body.encode("ascii")).decode(charset)
                return quopri.encodestring(self.text(text).encode(charset)).decode("ascii")
        except (LookupError, ValueError, UnicodeError):
            return re.sub(r"[A-Za-z0-9]", "X", body)  # unreadable: nothing of it kept
        return self.text(body)


# --- which fields are personal --------------------------------------------------------

def _names(ns, names):
    return {"{%s}%s" % (ns, n) for n in names.split()}


PERSONAL = (
    _names("Email:", "Subject From To Cc ReplyTo DisplayTo ThreadTopic Location Organizer Body Email Name")
    | _names("Email2:", "Sender ReceivedAsBcc AccountId")
    | _names("AirSyncBase:", "Preview DisplayName Location")
    | _names("Contacts:", "FileAs FirstName LastName MiddleName Suffix Title NickName YomiFirstName YomiLastName "
             "YomiCompanyName CompanyName Department JobTitle OfficeLocation Email1Address Email2Address "
             "Email3Address AssistantName AssistantPhoneNumber BusinessPhoneNumber Business2PhoneNumber "
             "BusinessFaxNumber HomePhoneNumber Home2PhoneNumber HomeFaxNumber MobilePhoneNumber CarPhoneNumber "
             "PagerNumber RadioPhoneNumber Spouse WebPage Child Body BusinessAddressStreet BusinessAddressCity "
             "BusinessAddressState BusinessAddressPostalCode BusinessAddressCountry HomeAddressStreet "
             "HomeAddressCity HomeAddressState HomeAddressPostalCode HomeAddressCountry OtherAddressStreet "
             "OtherAddressCity OtherAddressState OtherAddressPostalCode OtherAddressCountry")
    | _names("Contacts2:", "CustomerId GovernmentId IMAddress IMAddress2 IMAddress3 ManagerName CompanyMainPhone "
             "AccountName NickName MMS")
    | _names("Calendar:", "Subject Location OrganizerName OrganizerEmail Email Name Body")
    | _names("Tasks:", "Subject Body")
    | _names("GAL:", "DisplayName Phone Office Title Company Alias FirstName LastName HomePhone MobilePhone "
             "EmailAddress")
    | _names("ResolveRecipients:", "To DisplayName EmailAddress")
    | _names("Search:", "Query FreeText")
    | _names("Find:", "FreeText DisplayName Phone Office Title Company Alias FirstName LastName HomePhone "
             "MobilePhone EmailAddress")
    | _names("Settings:", "FriendlyName IMEI PhoneNumber SMTPAddress PrimarySmtpAddress DisplayName ReplyMessage")
)
MIME_FIELDS = _names("Email:", "MIMEData") | _names("ComposeMail:", "Mime")
BODY_DATA = "{AirSyncBase:}Data"
BODY_TYPE = "{AirSyncBase:}Type"
KEPT_STATE_FIELDS = {"folder_id", "folder", "owner", "uid", "id", "categories", "timezone", "module", "context",
                     "login", "password", "drafts_fullname", "sent_fullname", "trash_fullname", "sequence"}


def map_tree(el, m, mime_data=False):
    """The personal text of an XML body (a capture's DOM), in place."""
    if el.tag in PERSONAL or el.tag == BODY_DATA:
        if el.text and el.get(eas_wbxml.OPAQUE_ATTR) != "base64":
            el.text = m.mime(el.text) if (el.tag == BODY_DATA and mime_data) else m.text(el.text)
    elif el.tag in MIME_FIELDS and el.text:
        if el.get(eas_wbxml.OPAQUE_ATTR) == "base64":
            raw = base64.b64decode(el.text).decode("utf-8", "surrogateescape")
            el.text = base64.b64encode(m.mime(raw).encode("utf-8", "surrogateescape")).decode()
        else:
            el.text = m.mime(el.text)
    elif el.tag.rsplit("}", 1)[-1] == "bind" and el.get("by") and el.text:  # in the body's namespace
        el.text = m.text(el.text)  # an item bound by a personal field's value
    # A Body's Data is MIME where its Type is 4 (MS-ASAIRS 2.2.2.22.1).
    mime_here = any(c.tag == BODY_TYPE and (c.text or "").strip() == "4" for c in el)
    for child in el:
        map_tree(child, m, mime_here)


def map_wbxml(data, m):
    """A device's own WBXML bytes with the personal strings replaced in
    place: its tokens, pages and order are kept. Bytes that are no WBXML of
    ours (a string table, attributes) are returned unchanged."""
    pages = eas_wbxml.code_pages()
    try:
        pos = 1
        for _ in range(3):  # public id, charset, string table length
            value, pos = eas_wbxml._read_mb(data, pos)
        if value:
            return data  # strings by reference: left as the device wrote them
        out, page, stack, body_type = bytearray(data[:pos]), 0, [], {}
        while pos < len(data):
            b = data[pos]
            pos += 1
            if b == eas_wbxml.SWITCH_PAGE:
                page = data[pos]
                out += bytes((b, page))
                pos += 1
            elif b == eas_wbxml.END:
                stack.pop()
                out.append(b)
            elif b in (eas_wbxml.STR_I, eas_wbxml.OPAQUE):
                if b == eas_wbxml.STR_I:
                    end = data.index(b"\0", pos)
                    raw, pos = data[pos:end], end + 1
                else:
                    n, pos = eas_wbxml._read_mb(data, pos)
                    raw, pos = data[pos:pos + n], pos + n
                tag = stack[-1] if stack else ""
                text = raw.decode("utf-8", "surrogateescape")
                if tag == BODY_TYPE and len(stack) > 1:
                    body_type[len(stack) - 1] = text.strip()
                if tag in MIME_FIELDS or (tag == BODY_DATA and body_type.get(len(stack) - 1) == "4"):
                    text = m.mime(text)
                elif tag in PERSONAL or tag == BODY_DATA:
                    text = m.text(text)
                mapped = text.encode("utf-8", "surrogateescape")
                if b == eas_wbxml.STR_I:
                    out += bytes((b,)) + mapped + b"\0"
                else:
                    out += bytes((b,)) + eas_wbxml._mb(len(mapped)) + mapped
            elif b & 0x80 or b in (eas_wbxml.ENTITY, eas_wbxml.STR_T) or (b & 0x3F) < 5:
                return data  # attributes, entities, extensions: not what EAS clients send
            else:
                tag = pages[page].by_token.get(b & 0x3F)
                if tag is None:
                    return data
                name = "{%s}%s" % (pages[page].ns, tag.name)
                if b & eas_wbxml.HAS_CONTENT:
                    stack.append(name)
                    body_type.pop(len(stack), None)
                out.append(b)
        return bytes(out)
    except (IndexError, KeyError, ValueError):
        return data


def map_state(value, m, key=None, module=None):
    """An account state (the OX mock's fixture form, recorded_state): mail
    as MIME, the users' names and addresses, every text field of contacts,
    appointments and tasks; folders and the account's login kept."""
    if isinstance(value, dict):
        if module is None:
            return {k: map_state(v, m, k, k) for k, v in value.items()}
        return {k: map_state(v, m, k, module) for k, v in value.items()}
    if isinstance(value, list):
        return [map_state(v, m, key, module) for v in value]
    if not isinstance(value, str) or key in KEPT_STATE_FIELDS:
        return value
    if module == "mail":
        return m.mime(value) if key == "raw" else value
    if module == "users":
        return m.text(value) if key in ("display_name", "email", "first_name", "last_name") else value
    if module in ("contacts", "calendar", "tasks"):
        return m.text(value)
    return value


def map_capture(tree, m):
    """The capture's requests, answers and mail deliveries, in place."""
    for event in tree.getroot().iter("event"):
        if event.get("kind") == "deliver" and event.text:
            event.text = m.mime(event.text)
    for body in tree.getroot().iter("body"):
        if body.get("hex"):
            mapped = map_wbxml(bytes.fromhex("".join(body.get("hex").split())), m)
            body.set("hex", mapped.hex())
        elif body.get("format") == "mime":
            body.text = m.mime(body.text or "")
        else:
            for child in body:
                map_tree(child, m)


def make_private(path, out_dir, key=None):
    """Writes the private capture and its state into out_dir; returns
    (capture path, the number of answers the replaced text changed)."""
    original = cap.Capture(path)
    if original.provenance != "recorded" or not original.fixture:
        raise cap.CaptureError("%s: only a recorded capture with its state file can be made private" % path)
    m = Mapper(key or os.urandom(32))
    work = tempfile.mkdtemp(prefix="eas-private-")
    try:
        with open(original.fixture, encoding="utf-8") as f:
            state = map_state(json.load(f), m)
        state_path = os.path.join(work, "input.state.json")
        with open(state_path, "w", encoding="utf-8") as f:
            json.dump(state, f, ensure_ascii=False, indent=1, sort_keys=True)
        tree = ET.parse(path)
        tree.getroot().find("groupware").set("fixture", "input.state.json")
        map_capture(tree, m)
        private_input = os.path.join(work, "input.xml")
        tree.write(private_input, encoding="utf-8", xml_declaration=True)
        record_dir = os.path.join(work, "record")
        os.mkdir(record_dir)
        fresh = recorded_state.FreshServer(state_path, "embedded",
                                           extra_args=["--record-dir=" + record_dir, "--record-all"])
        try:
            outcome = cap.replay(cap.Capture(private_input), fresh.target, fresh.run_event, "reference",
                                 "embedded")
        finally:
            fresh.stop()
        recorded = glob.glob(os.path.join(record_dir, "*.xml"))
        if len(recorded) != 1:
            raise cap.CaptureError("the private replay was recorded as %d sessions, not one" % len(recorded))
        try:
            return finish(original, recorded[0], out_dir), len(outcome.differences)
        except cap.CaptureError as e:
            raise cap.CaptureError("%s; the private replay: %s" % (e, outcome.report())) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def finish(original, recorded, out_dir):
    """The private recording with the original's family, scenario and
    timings, and a provenance that says what was replaced."""
    tree = ET.parse(recorded)
    root = tree.getroot()
    source_root = ET.parse(original.path).getroot()
    root.set("family", source_root.get("family"))
    root.set("scenario", source_root.get("scenario"))
    old = source_root.findall("exchange")
    new = root.findall("exchange")
    if len(old) != len(new):
        raise cap.CaptureError("the private replay has %d exchanges, the recording %d" % (len(new), len(old)))
    for o, n in zip(old, new):
        for attr in ("at", "answered"):
            if o.get(attr) is not None:
                n.set(attr, o.get(attr))
    source = root.find("provenance/source")
    source.text = (source_root.findtext("provenance/source") + "; message text, names, addresses and phone "
                   "numbers replaced by placeholders (tools/captures/private_capture.py), and the answers "
                   "are the reference server's to the replaced requests")
    stem = os.path.splitext(os.path.basename(original.path))[0] + ".private"
    state_name = stem + ".state.json"
    shutil.copy(os.path.join(os.path.dirname(recorded), root.find("groupware").get("fixture")),
                os.path.join(out_dir, state_name))
    root.find("groupware").set("fixture", state_name)
    out = os.path.join(out_dir, stem + ".xml")
    tree.write(out, encoding="utf-8", xml_declaration=True)
    return out


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("capture", help="a recorded capture (its .state.json beside it)")
    parser.add_argument("--out", help="directory for the private capture (default: the capture's own)")
    args = parser.parse_args(argv)
    base = os.environ.get("BUILD_WORKING_DIRECTORY", "")
    path = os.path.join(base, args.capture)
    out_dir = os.path.join(base, args.out) if args.out else os.path.dirname(os.path.abspath(path))
    written, changed = make_private(path, out_dir)
    print("private capture: %s (its state beside it)" % written)
    print("%d answer(s) differ from the recorded ones with the text replaced: the server derives them from the "
          "text; the private capture holds its answers to the replaced requests" % changed)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
