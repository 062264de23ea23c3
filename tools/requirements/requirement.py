"""One spelling for what a test or a capture verifies, so that the two can
be joined: a Microsoft requirement ID ("MS-ASPROV_R394") or a specification
section ("MS-ASCMD 2.2.3.177.17"); a note in parentheses ("(Sync Status 3)")
says which part of the section and is not part of the key. A few tests cite
a fact of ../shared/device-notes.md instead ("device-notes quirk 7")."""

import re

ID = re.compile(r"^(MS-AS[A-Z]+)_R(\d+)$")
SECTION = re.compile(r"^(MS-AS[A-Z]+) (\d+(?:\.\d+)*)$")
DEVICE_NOTES = re.compile(r"^device-notes .+$")
WITH_NOTE = re.compile(r"^(.*?)\s*\(([^)]*)\)$")


def parse(text):
    """A conformance tag ("MS-ASCMD 2.2.2 (118 MessagePreviouslySent)") as
    (key, note); raises ValueError for any other spelling."""
    text = " ".join(text.split())
    note = ""
    m = WITH_NOTE.match(text)
    if m:
        text, note = m.group(1), m.group(2)
    if ID.match(text) or SECTION.match(text) or DEVICE_NOTES.match(text):
        return text, note
    raise ValueError("not a requirement ID or a section: %r (write MS-ASXXX_Rnnn or MS-ASXXX 1.2.3)" % text)


def from_rule(rule):
    """A capture's <rule spec=... id=...|section=... note=...> (an
    ElementTree element) as (key, note)."""
    spec, rid, section = rule.get("spec"), rule.get("id"), rule.get("section")
    if rid and section or not (rid or section):
        raise ValueError("a rule has an id or a section: %r" % dict(rule.attrib))
    key = rid if rid else "%s %s" % (spec, section)
    parse(key)
    if rid and spec and not rid.startswith(spec + "_"):
        raise ValueError("rule %s is not of %s" % (rid, spec))
    return key, rule.get("note", "")


def spec_of(key):
    return re.split(r"[_ ]", key, 1)[0]
