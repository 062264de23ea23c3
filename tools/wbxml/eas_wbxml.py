"""EAS WBXML for the Python tools (replay, OX mock, checker).

The code pages come from reference/wbxml/codepages.txt, the same file the C++
codec embeds; nothing here repeats a token. Trees are xml.etree.ElementTree
elements with names in Clark notation ("{AirSync:}Sync"). Opaque content is
kept as bytes: the element gets opaque="base64" and base64 text, as in the C++
DOM (docs/wbxml.md).
"""

import base64
import os
import xml.etree.ElementTree as ET

TABLE_RELPATH = os.path.join("reference", "wbxml", "codepages.txt")
OPAQUE_ATTR = "opaque"

SWITCH_PAGE, END, ENTITY, STR_I, STR_T, OPAQUE = 0x00, 0x01, 0x02, 0x03, 0x83, 0xC3
HAS_CONTENT, HAS_ATTRIBUTES = 0x40, 0x80
EXCHANGE_HEADER = bytes([0x03, 0x01, 0x6A, 0x00])


class WbxmlError(ValueError):
    """Malformed WBXML or XML that has no WBXML form; names the offset or path."""


class Tag:
    def __init__(self, page, token, name, since="", until="", aliases=(), libwbxml="",
                 binary=False):
        self.page, self.token, self.name, self.binary = page, token, name, binary
        self.since, self.until = since, until
        self.aliases, self.libwbxml = tuple(aliases), libwbxml


class CodePage:
    def __init__(self, number, name, ns, prefix, nonstandard):
        self.number, self.name, self.ns, self.prefix = number, name, ns, prefix
        self.nonstandard = nonstandard
        self.by_token, self.by_name = {}, {}

    def add(self, tag):
        if tag.token in self.by_token:
            raise ValueError("token 0x%02X twice on page %s" % (tag.token, self.name))
        self.by_token[tag.token] = tag
        for n in (tag.name,) + tag.aliases:
            if n in self.by_name:
                raise ValueError("name %s twice on page %s" % (n, self.name))
            self.by_name[n] = tag
        # libwbxml's name is accepted on input unless it means another tag here.
        if tag.libwbxml not in ("", "-"):
            self.by_name.setdefault(tag.libwbxml, tag)


def find_table():
    """codepages.txt: $EAS_CODEPAGES, else the first reference/wbxml/codepages.txt
    above this file (source tree and Bazel runfiles alike)."""
    explicit = os.environ.get("EAS_CODEPAGES")
    if explicit:
        return explicit
    here = os.path.dirname(os.path.abspath(__file__))
    while True:
        candidate = os.path.join(here, TABLE_RELPATH)
        if os.path.exists(candidate):
            return candidate
        parent = os.path.dirname(here)
        if parent == here:
            raise FileNotFoundError("cannot find " + TABLE_RELPATH)
        here = parent


def parse_table(text):
    pages, current = {}, None
    for number, raw in enumerate(text.splitlines(), 1):
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        try:
            if words[0] == "page":
                name = words[2]
                opts = dict(w.split("=", 1) for w in words[3:] if "=" in w)
                current = CodePage(int(words[1], 0), name, opts.get("namespace", name + ":"),
                                   opts.get("prefix", name.lower()), "nonstandard" in words[3:])
                pages[current.number] = current
                continue
            opts = dict(w.split("=", 1) for w in words[2:] if "=" in w)
            flags = [w for w in words[2:] if "=" not in w]
            if any(f != "binary" for f in flags):
                raise ValueError("unknown tag option in %s" % flags)
            current.add(Tag(current.number, int(words[0], 16), words[1],
                            opts.get("since", ""), opts.get("until", ""),
                            [a for a in opts.get("alias", "").split(",") if a],
                            opts.get("libwbxml", ""), "binary" in flags))
        except (IndexError, ValueError, AttributeError) as e:
            raise ValueError("codepages.txt line %d: %s" % (number, e)) from e
    for page in pages.values():
        if page.nonstandard:
            for t in range(0x05, 0x40):
                if t not in page.by_token:
                    page.add(Tag(page.number, t, "Tag0x%02X" % t))
    return pages


_PAGES = None


def code_pages():
    global _PAGES
    if _PAGES is None:
        with open(find_table(), encoding="utf-8") as f:
            _PAGES = parse_table(f.read())
    return _PAGES


def page_by_namespace(ns):
    """Same namespace forms as the C++ CodePages::PageByNamespace."""
    pages = code_pages()
    for p in pages.values():
        if p.ns == ns:
            return p
    name = ns.rsplit("/", 1)[-1]
    if name.startswith("uri:"):
        name = name[4:]
    name = name[:-1] if name.endswith(":") else name
    for p in pages.values():
        if p.name.lower() == name.lower():
            return p
    return None


def _read_mb(data, pos):
    value = 0
    for i in range(5):
        if pos >= len(data):
            raise WbxmlError("truncated multi-byte integer at byte offset %d" % pos)
        b = data[pos]
        pos += 1
        value = (value << 7) | (b & 0x7F)
        if not b & 0x80:
            if value > 0xFFFFFFFF:
                break
            return value, pos
    raise WbxmlError("multi-byte integer over 32 bits at byte offset %d" % pos)


def _mb(value):
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def decode(data, max_depth=64):
    """WBXML bytes -> ElementTree root element."""
    pages = code_pages()
    data = bytes(data)
    if not data:
        raise WbxmlError("empty body, no WBXML header at byte offset 0")
    pos = 1
    public_id, pos = _read_mb(data, pos)
    if public_id == 0:
        _, pos = _read_mb(data, pos)
    charset, pos = _read_mb(data, pos)
    if charset not in (0, 3, 106):
        raise WbxmlError("unsupported charset MIBenum %d" % charset)
    table_len, pos = _read_mb(data, pos)
    if table_len > len(data) - pos:
        raise WbxmlError("string table runs past the end at byte offset %d" % pos)
    table = data[pos:pos + table_len]
    pos += table_len
    page, root, stack = 0, None, []
    content = {}  # id(element) -> [bytearray, opaque]

    def mixed(offset):
        # As the C++ decoder: opaque bytes are the whole content or nothing.
        return WbxmlError("opaque data mixed with other content in one element "
                          "at byte offset %d" % offset)

    def flush(element, offset):
        buf = content.pop(id(element), None)
        if not buf:
            return
        raw, opaque = buf
        if opaque:
            if element.get(OPAQUE_ATTR) or element.text or len(element):
                raise mixed(offset)
            element.set(OPAQUE_ATTR, "base64")
            text = base64.b64encode(bytes(raw)).decode("ascii")
        else:
            text = bytes(raw).decode("utf-8")
            if text and element.get(OPAQUE_ATTR):
                raise mixed(offset)
        if len(element):
            element[-1].tail = (element[-1].tail or "") + text
        else:
            element.text = (element.text or "") + text

    def add(raw, opaque):
        if not stack:
            raise WbxmlError("content outside the root element at byte offset %d" % pos)
        buf = content.setdefault(id(stack[-1]), [bytearray(), False])
        buf[0] += raw
        buf[1] = buf[1] or opaque

    while pos < len(data):
        offset, b = pos, data[pos]
        pos += 1
        if root is not None and not stack:
            raise WbxmlError("data after the end of the root element at byte offset %d" % offset)
        if b == SWITCH_PAGE:
            if pos >= len(data):
                raise WbxmlError("truncated SWITCH_PAGE at byte offset %d" % offset)
            page = data[pos]
            pos += 1
            if page not in pages:
                raise WbxmlError("unknown code page %d at byte offset %d" % (page, offset + 1))
        elif b == END:
            if not stack:
                raise WbxmlError("END without an open element at byte offset %d" % offset)
            flush(stack.pop(), offset)
        elif b == STR_I:
            end = data.find(b"\0", pos)
            if end < 0:
                raise WbxmlError("unterminated inline string at byte offset %d" % offset)
            raw = data[pos:end]
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise WbxmlError("invalid UTF-8 in string at byte offset %d" % (pos + e.start))
            add(raw, False)
            pos = end + 1
        elif b == STR_T:
            index, pos = _read_mb(data, pos)
            end = table.find(b"\0", index)
            if index >= len(table) or end < 0:
                raise WbxmlError("string table reference %d out of range at byte offset %d"
                                 % (index, offset))
            add(table[index:end], False)
        elif b == ENTITY:
            cp, pos = _read_mb(data, pos)
            try:
                add(chr(cp).encode("utf-8"), False)
            except (ValueError, UnicodeEncodeError):
                raise WbxmlError("entity %d is not a character at byte offset %d" % (cp, offset))
        elif b == OPAQUE:
            length, pos = _read_mb(data, pos)
            if length > len(data) - pos:
                raise WbxmlError("opaque data runs past the end at byte offset %d" % offset)
            add(data[pos:pos + length], True)
            pos += length
        elif b & 0x3F < 0x05 or b in (0x43, 0xC0, 0xC1, 0xC2):
            raise WbxmlError("token 0x%02X is not used in EAS at byte offset %d" % (b, offset))
        else:
            if b & HAS_ATTRIBUTES:
                raise WbxmlError("tag with attributes at byte offset %d" % offset)
            tag = pages[page].by_token.get(b & 0x3F)
            if tag is None:
                raise WbxmlError("unknown tag token 0x%02X on code page %d at byte offset %d"
                                 % (b & 0x3F, page, offset))
            if len(stack) >= max_depth:
                raise WbxmlError("elements nest deeper than %d at byte offset %d"
                                 % (max_depth, offset))
            name = "{%s}%s" % (pages[page].ns, tag.name)
            if root is None:
                element = root = ET.Element(name)
            else:
                if not stack:
                    raise WbxmlError("second root element at byte offset %d" % offset)
                flush(stack[-1], offset)
                if stack[-1].get(OPAQUE_ATTR):
                    raise mixed(offset)
                element = ET.SubElement(stack[-1], name)
            if b & HAS_CONTENT:
                stack.append(element)
    if stack:
        raise WbxmlError("truncated body: %d element(s) still open at byte offset %d"
                         % (len(stack), len(data)))
    if root is None:
        raise WbxmlError("no root element at byte offset %d" % len(data))
    return root


def _split(name):
    if name.startswith("{"):
        ns, local = name[1:].split("}", 1)
        return ns, local
    return "", name


def encode(root):
    """ElementTree element (Clark names) -> WBXML bytes, as Exchange writes them."""
    out = bytearray(EXCHANGE_HEADER)
    state = {"page": 0}

    def element(el, path):
        ns, local = _split(el.tag)
        page = page_by_namespace(ns) if ns else None
        tag = page.by_name.get(local) if page else None
        if tag is None:
            raise WbxmlError("encode %s: no tag %s in namespace %r" % (path, local, ns))
        opaque = False
        for attr, value in el.attrib.items():
            if attr == OPAQUE_ATTR and value == "base64":
                opaque = True
            else:
                raise WbxmlError("encode %s: attribute %s (EAS elements have none)" % (path, attr))
        if tag.page != state["page"]:
            out.extend((SWITCH_PAGE, tag.page))
            state["page"] = tag.page
        text = el.text or ""
        has_content = opaque or bool(text) or len(el) > 0
        out.append(tag.token | (HAS_CONTENT if has_content else 0))
        if not has_content:
            return
        if opaque:
            raw = base64.b64decode(text.strip(), validate=True)
            out.append(OPAQUE)
            out.extend(_mb(len(raw)))
            out.extend(raw)
        else:
            if text:
                out.append(STR_I)
                out.extend(text.encode("utf-8") + b"\0")
            for child in el:
                element(child, path + "/" + _split(child.tag)[1])
                if child.tail and child.tail.strip():
                    out.append(STR_I)
                    out.extend(child.tail.encode("utf-8") + b"\0")
        out.append(END)

    element(root, _split(root.tag)[1])
    return bytes(out)


def to_xml(root):
    """Readable XML with the same prefixes as the C++ DOM (docs/wbxml.md)."""
    root_ns = _split(root.tag)[0]
    used = []
    for el in root.iter():
        ns = _split(el.tag)[0]
        if ns != root_ns and ns not in used:
            used.append(ns)
    pages = {p.ns: p for p in code_pages().values()}

    def name(el):
        ns, local = _split(el.tag)
        return local if ns == root_ns else "%s:%s" % (pages[ns].prefix, local)

    def esc(s):
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    lines = []

    def walk(el, depth, attrs=""):
        pad = "  " * depth
        attrs += "".join(' %s="%s"' % (k, v) for k, v in el.attrib.items())
        if len(el):
            lines.append("%s<%s%s>" % (pad, name(el), attrs))
            for child in el:
                walk(child, depth + 1)
            lines.append("%s</%s>" % (pad, name(el)))
        elif el.text:
            lines.append("%s<%s%s>%s</%s>" % (pad, name(el), attrs, esc(el.text), name(el)))
        else:
            lines.append("%s<%s%s />" % (pad, name(el), attrs))

    decls = ' xmlns="%s"' % root_ns + "".join(
        ' xmlns:%s="%s"' % (pages[ns].prefix, ns)
        for ns in sorted(used, key=lambda n: pages[n].number))
    walk(root, 0, decls)
    return "\n".join(lines) + "\n"
