"""An independent reading of the server's WBXML: every decoder here (the
server's, the replay's, the CLI's) reads reference/wbxml/codepages.txt, so a
wrong token in that table, or bytes the encoder adds, would pass them all
unnoticed. libwbxml (Debian's wbxml2xml, its own code pages) decodes the
same bytes; the tree must be the one the replay decoded, tag for tag and
text for text, with libwbxml's names where the table records that they
differ (libwbxml=NAME). Documents with a tag libwbxml does not know
(libwbxml=-, the newer protocol versions) are not compared, and say so."""

import base64
import os
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET

import eas_wbxml

TOOL = "wbxml2xml"


class Unavailable(RuntimeError):
    pass


def _names():
    """{(namespace, our name): libwbxml's name or None (unknown to it)}."""
    names = {}
    for page in eas_wbxml.code_pages().values():
        for tag in page.by_token.values():
            if tag.libwbxml == "-" or page.nonstandard:
                names[(page.ns, tag.name)] = None
            else:
                names[(page.ns, tag.name)] = tag.libwbxml or tag.name
    return names


_NAMES = None


def libwbxml_tree(body):
    path = shutil.which(TOOL)
    if path is None:
        raise Unavailable("%s (Debian's libwbxml2-utils) is not installed: scripts/setup.sh installs it" % TOOL)
    with tempfile.TemporaryDirectory(prefix="wbxml-check-") as d:
        src, out = os.path.join(d, "in.wbxml"), os.path.join(d, "out.xml")
        with open(src, "wb") as f:
            f.write(body)
        result = subprocess.run([path, "-l", "ACTIVESYNC", "-m", "0", "-o", out, src],
                                capture_output=True, text=True, timeout=30)
        if result.returncode != 0 or not os.path.exists(out):
            return None, "libwbxml cannot decode it: %s" % (result.stdout + result.stderr).strip()[:200]
        with open(out, "rb") as f:
            return ET.fromstring(f.read()), None


def differences(body, ours):
    """What libwbxml reads differently in `body` from `ours` (the replay's
    tree); [] when they agree, or a one-line note when the document cannot
    be compared."""
    global _NAMES
    if _NAMES is None:
        _NAMES = _names()
    for el in ours.iter():
        ns, _, local = el.tag[1:].partition("}")
        if _NAMES.get((ns, local), "") is None:
            return []  # a tag libwbxml does not know: nothing to compare
    theirs, problem = libwbxml_tree(body)
    if problem:
        return [problem]
    errors = []
    _compare(ours, theirs, "", errors)
    return errors


def _compare(ours, theirs, path, errors):
    ns, _, local = ours.tag[1:].partition("}")
    want = "{%s}%s" % (ns, _NAMES.get((ns, local)) or local)
    here = "%s/%s" % (path, local)
    # libwbxml spells one namespace in another case (Gal: for GAL:).
    if theirs.tag.lower() != want.lower():
        errors.append("libwbxml: %s is <%s> there" % (here, theirs.tag))
        return
    a, b = list(ours), list(theirs)
    if len(a) != len(b):
        errors.append("libwbxml: %s has %d children there, %d here" % (here, len(b), len(a)))
        return
    if not a:
        mine = (ours.text or "")
        if ours.get(eas_wbxml.OPAQUE_ATTR) == "base64":
            raw = base64.b64decode(mine)
            other = (theirs.text or "").encode("utf-8")
            try:  # libwbxml writes printable opaque data as text, other data as base64
                alt = base64.b64decode(other, validate=True)
            except ValueError:
                alt = None
            if raw != other and raw != alt:
                errors.append("libwbxml: %s opaque %d bytes there, %d here" % (here, len(other), len(raw)))
        elif _text(mine) != _text(theirs.text or ""):
            errors.append("libwbxml: %s is %r there, %r here" % (here, (theirs.text or "")[:60], mine[:60]))
        return
    for x, y in zip(a, b):
        _compare(x, y, here, errors)


def _text(text):
    # wbxml2xml writes XML, and an XML parser reads CR LF as LF.
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()
