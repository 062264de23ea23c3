"""Writes the scenario captures of captures/<family>/ from device profiles
and scenario templates (docs/captures.md). Every file it writes is committed
and reviewed like any other capture; a test checks that the files and this
generator agree, so a change to one shows in the other.

    python3 tools/captures/generate_captures.py [--check]

The reference level's item answers are pinned from the reference server's
own runs (tools/captures/pin_reference.py, docs/captures.md); with
EAS_CAPTURES_UNPINNED=1 the files are written without them, as that tool
needs them to record a server's answers afresh.

A profile holds what is known of one client (User-Agent, DeviceType,
protocol, query form, header habits, with the source of each habit, or the
word that it is assumed); a scenario is the exchanges of one task
(GAL search, send, ...) with the answers the specifications prescribe, volatile
values bound by name. Profiles of one family differ in version and habits.
"""

import argparse
import base64
import hashlib
import itertools
import json
import os
import re
import sys
from xml.sax.saxutils import escape

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NOTES = "../shared/device-notes.md"

# Command codes of the base64 query (MS-ASHTTP 2.2.1.1.1.1.2).
CMD_CODES = {"Sync": 0, "SendMail": 1, "SmartForward": 2, "SmartReply": 3, "GetAttachment": 4,
             "FolderSync": 9, "FolderCreate": 10, "FolderDelete": 11, "FolderUpdate": 12, "MoveItems": 13,
             "GetItemEstimate": 14, "MeetingResponse": 15, "Search": 16, "Settings": 17, "Ping": 18,
             "ItemOperations": 19, "Provision": 20, "ResolveRecipients": 21, "ValidateCert": 22}


class Profile:
    def __init__(self, family, tag, model, client, ua, device_type, device_id, protocol, style, user,
                 query_user, sources, context="ox.io", login=None, headers=()):
        self.family, self.tag, self.model, self.client = family, tag, model, client
        self.ua, self.device_type, self.device_id_base = ua, device_type, device_id
        self.protocol, self.style, self.user, self.query_user = protocol, style, user, query_user
        self.sources, self.context = sources, context
        self.login = login or query_user.split("@")[0]
        self.extra_headers = headers

    @property
    def v(self):
        major, minor = self.protocol.split(".")
        return int(major) * 10 + int(minor)


def src(habit, where):
    return (habit, where)


PROFILES = [
    Profile("iphone", "iphone-os-3-25", "iPhone 3GS", "iPhone OS 3.1.3", "Apple-iPhone2C1/705.18", "iPhone",
            "Appl88123ABC", "2.5", "ios", "ox.io\\miguel", "miguel",
            [src("User-Agent, DeviceType, DeviceId form", NOTES + ": iPhone OS 2.x/3.x row"),
             src("protocol 2.5 on iPhone OS 3", NOTES + ": iPhone OS row (tine20#1912)"),
             src("query order User, DeviceId, DeviceType, Cmd", NOTES + ": iPhone OS row"),
             src("Accept-Language and Accept-Encoding on every request", NOTES + ": iPhone OS row (headers)")],
            headers=(("Accept-Language", "en-us"), ("Accept-Encoding", "gzip, deflate"))),
    Profile("iphone", "iphone-os-2-25", "iPhone 3G", "iPhone OS 2.2.1", "Apple-iPhone1C2/508.011", "iPhone",
            "Appl79021YYZ", "2.5", "ios", "ox.io\\ana", "ana",
            [src("User-Agent Apple-iPhone1C2/<build> for the iPhone 3G, DeviceType iPhone", NOTES + ": iPhone OS 2.x/3.x row"),
             src("2.5 on iPhone OS 2", NOTES + ": iPhone OS row (inferred for 2.x)"),
             src("query order User, DeviceId, DeviceType, Cmd", NOTES + ": iPhone OS row")],
            headers=(("Accept-Language", "en-us"), ("Accept-Encoding", "gzip, deflate"))),
    Profile("iphone", "ios-4-140", "iPhone 4", "iOS 4.2.1", "Apple-iPhone3C1/803.148", "iPhone",
            "Appl8A0491XY", "14.0", "ios", "\\juan", "juan",
            [src("User-Agent build numbering and DeviceId form", NOTES + ": iPhone row"),
             src("protocol up to 14.0 on iOS 4", NOTES + ": iOS 4+ row"),
             src("Basic user \\user with an empty domain", NOTES + ": iPhone row, quirks")],
            context="defaultcontext", login="juan",
            headers=(("Accept-Language", "en-us"), ("Accept-Encoding", "gzip, deflate"))),
    Profile("iphone", "ios-16-161", "iPhone 14", "iOS 16.1", "Apple-iPhone14C7/2002.81", "iPhone",
            "3F9C1B2A7D4E4A0C9B1D2E", "16.1", "ios", "miguel@ox.io", "miguel@ox.io",
            [src("26-character random DeviceId on later iOS", NOTES + ": iPhone row"),
             src("16.1 on recent iOS", NOTES + ": iOS 4+ row (iOS 11 on 16.1)"),
             src("user name in user@domain form", "OXtender for Business Mobility manual login forms (issue 3)")],
            login="miguel", headers=(("Accept-Language", "en-us"), ("Accept-Encoding", "gzip, deflate"))),
    Profile("windows-mobile-6", "wm61-25", "HTC Touch Diamond", "Windows Mobile 6.1 Professional",
            "MSFT-PPC/5.2.5082", "PocketPC", "WM61DIAMOND0", "2.5", "cmd-first", "ox.io\\miguel", "miguel",
            [src("User-Agent MSFT-PPC/5.2.<build>, DeviceType PocketPC", NOTES + ": Windows Mobile row"),
             src("protocol 2.5", NOTES + ": Windows Mobile row (2.5 seen with Tine 2.0)"),
             src("query parameter order and DeviceId", "assumed: Cmd first; no public plain-form WM trace")]),
    Profile("windows-mobile-6", "wm60-25", "Motorola Q9h", "Windows Mobile 6.0 Standard",
            "MSFT-SPhone/5.2.1108", "SmartPhone", "WM60Q9H0001A", "2.5", "cmd-first", "ox.io\\miguel", "miguel",
            [src("User-Agent MSFT-SPhone/5.2.<build> (Standard edition), DeviceType SmartPhone",
                 NOTES + ": Windows Mobile row (MSFT-SPhone/5.2.1108 seen; SmartPhone in MS-ASPROV 4.1 examples)"),
             src("protocol 2.5", NOTES + ": Windows Mobile row (WM6 on 2.5 seen with Tine 2.0)"),
             src("query parameter order and DeviceId", "assumed: Cmd first; no public plain-form WM trace")]),
    Profile("windows-mobile-6", "wm65-121", "Samsung Omnia II", "Windows Mobile 6.5 Professional", "", "PPC",
            "AE4ECD19F592BA5657706FF74CF0", "12.1", "base64", "ox.io\\miguel", "miguel",
            [src("base64 query at 12.1, 16-byte binary DeviceId, DeviceType PPC",
                 "../shared/real-traces/25_wm_ppc_121_smartforward_base64query_hordeutilstest.query (layout; another id)"),
             src("no User-Agent on base64 requests", NOTES + ": Windows Mobile row (tine20#3640)"),
             src("Content-Type application/vnd.ms-sync", NOTES + ": request characteristics")]),
    Profile("windows-mobile-6", "wm61-120", "HTC Touch Pro", "Windows Mobile 6.1 Professional",
            "MSFT-PPC/5.2.5076", "PocketPC", "WM61TOUCHPRO", "12.0", "cmd-first", "ox.io\\ana", "ana",
            [src("User-Agent MSFT-PPC/5.2.<build>, DeviceType PocketPC", NOTES + ": Windows Mobile row"),
             src("12.0 against Exchange 2007", NOTES + ": Windows Mobile row (12.0 expected, inferred)"),
             src("plain query at 12.0, Cmd first", "assumed: plain form below 12.1 per " + NOTES + "; order not public")]),
    Profile("android-native", "aosp-ics-121", "Galaxy Nexus", "Android 4.0.3 Email (AOSP, EAS 1.3)",
            "Android/4.0.3-EAS-1.3", "Android", "androidc12345", "12.1", "cmd-first", "ox.io\\ana", "ana",
            [src("User-Agent Android/<release>-EAS-1.x, DeviceType Android", NOTES + ": Android 2.x native row"),
             src("Cmd first in the plain query", NOTES + ": Android row (AOSP makeUriString)"),
             src("SendMail as raw message/rfc822 below 14.0", NOTES + ": Android row (AOSP code)")]),
    Profile("android-native", "galaxy-s2-140", "Samsung Galaxy S II", "Android 2.3 Samsung Email",
            "SAMSUNG-GT-I9100/100.40004", "SAMSUNGGTI9100", "SEC9100A1B2C3", "14.0", "cmd-first", "ox.io\\ana",
            "ana",
            [src("User-Agent SAMSUNG-GT-I9100/100.x, DeviceType SAMSUNGGTI9100", NOTES + ": Android 2.x row (tine20#3136)"),
             src("Cmd first in the plain query", NOTES + ": Android row (Samsung hexdump)"),
             src("protocol 14.0", "assumed: the S II was seen on 12.0; its later firmware offers 14.0")]),
    Profile("android-native", "sony-z3-141", "Sony Xperia Z3", "Android 6.0.1 Email (AOSP EAS 2.0)",
            "SonyD6603/6.0.1-EAS-2.0", "SonyD6603", "android7f3e2d1c", "14.1", "cmd-first", "ox.io\\ana", "ana",
            [src("User-Agent <Brand><Model>/<release>-EAS-2.0 and DeviceType Brand+Model", NOTES + ": Android 4+ row (TbSync#8)"),
             src("Cmd first in the plain query", NOTES + ": Android 4+ row"),
             src("protocol 14.1", NOTES + ": Android 4+ row (up to 14.1/16.x)")]),
    Profile("android-1.5-g1", "touchdown-120", "T-Mobile G1 (HTC Dream)", "Android 1.5 with TouchDown 5.1.0026",
            "TouchDown(MSRPC)/5.1.0026", "Android", "TDG1A1B2C3D4", "12.0", "cmd-first", "ox.io\\miguel", "miguel",
            [src("User-Agent TouchDown(MSRPC)/<ver> with DeviceType Android", NOTES + ": Android 1.5 G1 + TouchDown row"),
             src("protocol, query form, DeviceId", "assumed: no public trace of TouchDown on the G1")]),
    Profile("blackberry-8100-astrasync", "astrasync-120", "BlackBerry Pearl 8100", "AstraSync (version not public)",
            "AstraSync/3.0", "AstraSync", "ASBB8100PEAR", "12.0", "cmd-first", "ox.io\\ana", "ana",
            [src("every habit", "no public material describes AstraSync's EAS traffic (" + NOTES +
                 ": gaps); User-Agent, DeviceType, DeviceId, version and query order are assumptions")]),
    Profile("nokia-s60-mfe", "e51-mfe-121", "Nokia E51", "Mail for Exchange 2.x (S60 3rd edition)",
            "NokiaE51/2.09.158", "NokiaE51", "IMEI35678901", "12.1", "ios", " \\juan", "juan",
            [src("an empty domain sent as a single space", "OXtender manual login forms (issue 3); " + NOTES + " Nokia row"),
             src("query order User, DeviceId, DeviceType, Cmd", NOTES + ": Nokia row"),
             src("DeviceType and User-Agent", "assumed as in the E51 first-setup capture")],
            context="defaultcontext", login="juan"),
    Profile("nokia-s60-mfe", "n95-mfe-120", "Nokia N95", "Mail for Exchange 2.09",
            "NokiaN95/2.09(158)MailforExchange", "NokiaEmail", "IMEI35222808", "12.0", "ios", "ox.io\\ana", "ana",
            [src("User-Agent NokiaN95/2.09(158)MailforExchange, DeviceType NokiaEmail", NOTES + ": Nokia S60 row"),
             src("12.0", "assumed: MfE 2.x on S60 3rd edition against Exchange 2007"),
             src("query order User, DeviceId, DeviceType, Cmd", NOTES + ": Nokia row")]),
    Profile("nokia-s60-mfe", "n97-mfe-121", "Nokia N97", "Mail for Exchange 2.09",
            "NokiaN97/2.09(208)MailforExchange", "NokiaEmail", "IMEI35123409", "12.1", "ios", "ox.io\\miguel",
            "miguel",
            [src("User-Agent NokiaN97/2.09(208)MailforExchange, DeviceType NokiaEmail, DeviceId IMEI<digits>",
                 NOTES + ": Nokia S60 row (Veldhuis 2011 IIS log)"),
             src("12.1", NOTES + ": Nokia row (MfE 2.02 on E72, V121)"),
             src("query order User, DeviceId, DeviceType, Cmd", NOTES + ": Nokia row")]),
]


RULE = re.compile(r"\s*(?:(MS-AS[A-Z]+)_R(\d+)|(MS-AS[A-Z]+) (\d+(?:\.\d+)*)(?: \(([^)]*)\))?)")


def verifies_xml(text, indent="  "):
    """'MS-ASCMD 2.2.3.177.17 (Sync Status 3) MS-ASPROV_R394' as structured
    rules (docs/captures.md): a Microsoft requirement ID, or a section with an
    optional note. Anything else in the text is an error."""
    rules, at = [], 0
    while at < len(text.rstrip()):
        m = RULE.match(text, at)
        if m is None:
            raise ValueError("verifies: cannot read %r" % text[at:])
        if m.group(1):
            rules.append('<rule spec="%s" id="%s_R%s"/>' % (m.group(1), m.group(1), m.group(2)))
        elif m.group(5):
            rules.append('<rule spec="%s" section="%s" note="%s"/>' % (m.group(3), m.group(4),
                                                                     escape(m.group(5), {'"': "&quot;"})))
        else:
            rules.append('<rule spec="%s" section="%s"/>' % (m.group(3), m.group(4)))
        at = m.end()
    if not rules:
        raise ValueError("verifies: no rule")
    return "<verifies>\n%s\n%s</verifies>" % ("\n".join(indent + "  " + r for r in rules), indent)


# --- the reference server's own answers (the reference level) -------------------
# The demo account's hierarchy (reference/server/demo.cc, backend
# default_folders.cc) as FolderSync 0 gives it, in its order; ids as bindings.
REFERENCE_FOLDERS = [
    ("{{folder:inbox}}", "0", "Inbox", 2), ("{{folder:drafts}}", "0", "Drafts", 3),
    ("{{folder:deleted}}", "0", "Deleted Items", 4), ("{{folder:sent}}", "0", "Sent Items", 5),
    ("{{folder:outbox}}", "0", "Outbox", 6), ("{{folder:tasks}}", "0", "Tasks", 7),
    ("{{folder:calendar}}", "0", "Calendar", 8), ("{{folder:contacts}}", "0", "Contacts", 9),
    ("{{folder:user-mail}}", "{{folder:inbox}}", "Projects", 12),
    ("{{newsletters}}", "{{folder:inbox}}", "Newsletters", 12),
    ("{{folder:user-calendar}}", "0", "Team calendar", 13),
    ("{{folder:user-contacts}}", "0", "Customers", 14),
]


# On the OX backend (docs/ox-connector.md) the same folders as OX's tree
# gives them: the default mail folders under the Inbox (as on a Dovecot-backed
# OX), mail folders first, the Outbox (which OX has not) last.
OX_ORDER = ["{{folder:inbox}}", "{{folder:drafts}}", "{{folder:deleted}}", "{{folder:sent}}", "{{folder:user-mail}}",
            "{{newsletters}}", "{{folder:calendar}}", "{{folder:user-calendar}}", "{{folder:contacts}}",
            "{{folder:user-contacts}}", "{{folder:tasks}}", "{{folder:outbox}}"]
UNDER_INBOX_ON_OX = {"{{folder:drafts}}", "{{folder:deleted}}", "{{folder:sent}}"}


def hierarchy_changes(folders):
    adds = "".join("<Add><ServerId>%s</ServerId><ParentId>%s</ParentId><DisplayName>%s</DisplayName><Type>%d</Type></Add>"
                   % f for f in folders)
    return '<Changes spec="any"><Count>%d</Count>%s</Changes>' % (len(folders), adds)


def reference_hierarchy(backend="embedded"):
    """Changes of the whole demo hierarchy: exact at the reference level; at
    the spec level any hierarchy (it is the server's; MS-ASCMD 2.2.3.25)."""
    if backend == "embedded":
        return hierarchy_changes(REFERENCE_FOLDERS)
    by_id = {f[0]: f for f in REFERENCE_FOLDERS}
    return hierarchy_changes([(i, "{{folder:inbox}}" if i in UNDER_INBOX_ON_OX else by_id[i][1]) + by_id[i][2:]
                              for i in OX_ORDER])


def ox_hierarchy(answer):
    """The reference server's answer on the OX backend, where `answer` (a
    FolderSync answer with the embedded hierarchy) differs only in it."""
    return [("the reference server on the OX backend: OX's folder tree (docs/ox-connector.md)",
             answer.replace(reference_hierarchy(), reference_hierarchy("ox")), 200, {"backend": "ox"})]


# The reference server's default policy (reference/commands/policy_document.cc),
# as 12.0 and 12.1+ devices get it; empty values are "no limit".
POLICY_12_0 = [
    ("DevicePasswordEnabled", "0"), ("AlphanumericDevicePasswordRequired", "0"),
    ("RequireStorageCardEncryption", "0"), ("PasswordRecoveryEnabled", "0"), ("AttachmentsEnabled", "1"),
    ("MinDevicePasswordLength", ""), ("MaxInactivityTimeDeviceLock", ""), ("MaxDevicePasswordFailedAttempts", ""),
    ("MaxAttachmentSize", ""), ("AllowSimpleDevicePassword", "1"), ("DevicePasswordExpiration", ""),
    ("DevicePasswordHistory", "0"),
]
POLICY_12_1 = POLICY_12_0 + [
    ("AllowStorageCard", "1"), ("AllowCamera", "1"), ("RequireDeviceEncryption", "0"),
    ("AllowUnsignedApplications", "1"), ("AllowUnsignedInstallationPackages", "1"),
    ("MinDevicePasswordComplexCharacters", "1"), ("AllowWiFi", "1"), ("AllowTextMessaging", "1"),
    ("AllowPOPIMAPEmail", "1"), ("AllowBluetooth", "2"), ("AllowIrDA", "1"), ("RequireManualSyncWhenRoaming", "0"),
    ("AllowDesktopSync", "1"), ("MaxCalendarAgeFilter", "0"), ("AllowHTMLEmail", "1"), ("MaxEmailAgeFilter", "0"),
    ("MaxEmailBodyTruncationSize", "-1"), ("MaxEmailHTMLBodyTruncationSize", "-1"),
    ("RequireSignedSMIMEMessages", "0"), ("RequireEncryptedSMIMEMessages", "0"), ("RequireSignedSMIMEAlgorithm", "0"),
    ("RequireEncryptionSMIMEAlgorithm", "0"), ("AllowSMIMEEncryptionAlgorithmNegotiation", "2"),
    ("AllowSMIMESoftCerts", "1"), ("AllowBrowser", "1"), ("AllowConsumerEmail", "1"), ("AllowRemoteDesktop", "1"),
    ("AllowInternetSharing", "1"),
]
# 2.5: the MS-WAP-Provisioning-XML document, text in the Data element.
POLICY_WAP = (
    '<wap-provisioningdoc><characteristic type="SecurityPolicy"><parm name="4131" value="1"/>'
    '<parm name="4133" value="1"/></characteristic><characteristic type="Registry">'
    '<characteristic type="HKLM\\Comm\\Security\\Policy\\LASSD\\AE\\{50C13377-C66D-400C-889E-C316FC4AB374}">'
    '<parm name="AEFrequencyType" value="0"/><parm name="AEFrequencyValue" value="0"/></characteristic>'
    '<characteristic type="HKLM\\Comm\\Security\\Policy\\LASSD"><parm name="DeviceWipeThreshold" value="-1"/>'
    '</characteristic><characteristic type="HKLM\\Comm\\Security\\Policy\\LASSD"><parm name="CodewordFrequency" value="0"/>'
    '</characteristic><characteristic type="HKLM\\Comm\\Security\\Policy\\LASSD\\LAP\\lap_pw">'
    '<parm name="MinimumPasswordLength" value="1"/></characteristic>'
    '<characteristic type="HKLM\\Comm\\Security\\Policy\\LASSD\\LAP\\lap_pw"><parm name="PasswordComplexity" value="2"/>'
    '</characteristic></characteristic></wap-provisioningdoc>')


def reference_policy(v, min_length=None):
    """The Data of a first Provision answer: the default policy (or with the
    MinDevicePasswordLength an admin set), exact at the reference level; at
    the spec level any policy (it is the server's)."""
    if v == 25:
        doc = POLICY_WAP
        if min_length:
            doc = doc.replace('name="MinimumPasswordLength" value="1"', 'name="MinimumPasswordLength" value="%s"' % min_length)
        return '<Data spec="any">%s</Data>' % escape(doc)
    settings = POLICY_12_0 if v == 120 else POLICY_12_1
    if min_length:
        settings = [(k, min_length if k == "MinDevicePasswordLength" else v_) for k, v_ in settings]
    doc = "".join("<%s>%s</%s>" % (k, v_, k) if v_ else "<%s/>" % k for k, v_ in settings)
    return '<Data spec="any"><EASProvisionDoc>%s</EASProvisionDoc></Data>' % doc


def response_xml(response, status, indent):
    if response is None:
        return '%s<response status="%d"/>' % (indent, status)
    if response == "":
        return '%s<response status="%d">\n%s  <body/>\n%s</response>' % (indent, status, indent, indent)
    return '%s<response status="%d">\n%s  <body>%s</body>\n%s</response>' % (indent, status, indent, response, indent)


class Writer:
    """Builds one capture for one profile."""

    def __init__(self, profile, scenario, verifies):
        self.p, self.scenario = profile, scenario
        digest = hashlib.sha1((profile.tag + scenario).encode()).hexdigest().upper()
        if profile.style == "base64":
            self.device_id = profile.device_id_base + digest[: 32 - len(profile.device_id_base)]
        else:
            self.device_id = profile.device_id_base + digest[:4]
        self.verifies = verifies
        self.parts = []
        self.sources = []  # habits the scenario itself relies on, (habit, where)
        # What the account must hold that the replay cannot make through EAS
        # on another server: <need kind=... .../> attributes.
        self.needs = []

    def other_device_id(self):
        """The DeviceId of the account's second device (by="another-device"):
        the capture's own with a "2" after it (in hex in a base64 query), so
        that the replay's --device-suffix reaches both."""
        return self.device_id + ("32" if self.p.style == "base64" else "2")

    def request(self, cmd, body="", params="", policy="{{policy_key}}", content_type=None, raw=None, other=False):
        p = self.p
        lines = []
        device_id = self.other_device_id() if other else self.device_id
        if p.style == "base64":
            spec = "version=%d;cmd=%d;locale=0904;device-id=hex:%s;policy-key=%s;device-type=%s%s" % (
                p.v, CMD_CODES[cmd], device_id, policy, p.device_type, params)
            lines.append('    <request method="POST" base64-query="%s">' % escape(spec, {'"': "&quot;"}))
            lines.append('      <header name="Content-Type">%s</header>' % (content_type or "application/vnd.ms-sync"))
            lines.append('      <header name="Authorization">{{basic-auth}}</header>')
        else:
            user = "User=%s&DeviceId=%s&DeviceType=%s" % (p.query_user, device_id, p.device_type)
            query = ("Cmd=%s&%s" % (cmd, user)) if p.style == "cmd-first" else ("%s&Cmd=%s" % (user, cmd))
            lines.append('    <request method="POST" target="/Microsoft-Server-ActiveSync?%s%s">'
                         % (escape(query), escape(params)))
            lines.append('      <header name="Authorization">{{basic-auth}}</header>')
            lines.append('      <header name="Content-Type">%s</header>'
                         % (content_type or "application/vnd.ms-sync.wbxml"))
            lines.append('      <header name="MS-ASProtocolVersion">%s</header>' % p.protocol)
            lines.append('      <header name="X-MS-PolicyKey">%s</header>' % policy)
            if p.ua:
                lines.append('      <header name="User-Agent">%s</header>' % escape(p.ua))
            for name, value in p.extra_headers:
                lines.append('      <header name="%s">%s</header>' % (name, escape(value)))
        if raw is not None:
            lines.append('      <body format="mime">%s</body>' % escape(raw))
        elif body:
            lines.append("      <body>%s</body>" % body)
        lines.append("    </request>")
        return "\n".join(lines)

    def exchange(self, note, cmd, body, response, status=200, params="", policy="{{policy_key}}", raw=None,
                 during=None, content_type=None, allows=(), unless=None, breaks=None, other=False):
        """`allows`: the specification's alternatives to `response`, checked at
        the spec level only: (rule, response, status, {"then"|"requires"|"bind": ...}).
        `other`: the request is the account's second device's, a change on the
        server as the capture's device sees it (not the client under check)."""
        req = self.request(cmd, body, params, policy, content_type, raw, other)
        allows = (list(allows) + self.empty_sync(cmd, body, response) + self.change_response(cmd, body, response)
                  + self.no_changes(cmd, body, response))
        response, allows = self.pinned(response, status, allows)
        inner = req
        if during is not None:
            inner += "\n" + during
        resp = response_xml(response, status, "    ")
        for rule, alt, alt_status, attrs in allows:
            extra = "".join(' %s="%s"' % (k, escape(v, {'"': "&quot;"})) for k, v in sorted(attrs.items()))
            resp += '\n    <allow rule="%s"%s>\n%s\n    </allow>' % (
                escape(rule, {'"': "&quot;"}), extra, response_xml(alt, alt_status, "      "))
        cond = ' unless="%s"' % unless if unless else ""
        # A client rule (tools/clientcheck) this request breaks on purpose,
        # to see what the server answers.
        cond += ' breaks="%s"' % breaks if breaks else ""
        cond += ' by="another-device"' if other else ""
        self.parts.append('  <exchange note="%s"%s>\n%s\n%s\n  </exchange>' % (
            escape(note, {'"': "&quot;"}), cond, inner, resp))

    def event(self, text):
        self.parts.append(text)

    def pinned(self, response, status, allows):
        """The reference level: where `response` leaves content unchecked
        (match="any"), the reference server's own answer, pinned from its
        runs by tools/captures/pin_reference.py (with spec="any": the spec
        level still takes any content there); where the OX backend answers
        otherwise, its answer as an allow with backend="ox"."""
        capture, number = "%s/%s-%s.xml" % (self.p.family, self.p.tag, self.scenario), str(len(self.parts) + 1)
        pins = reference_pins().get(capture, {}).get(number, {})
        if not response or not pins:
            return response, allows
        key = lambda backend, which: (capture, number, backend, which)
        embedded = fill_pins(response, pins.get("embedded", {}).get("response", {}), key("embedded", "response"))
        ox_allows = [i for i, a in enumerate(allows) if a[3].get("backend") == "ox"]
        if ox_allows:
            allows = list(allows)
            for i in ox_allows:
                rule, alt, alt_status, attrs = allows[i]
                allows[i] = (rule, fill_pins(alt, pins.get("ox", {}).get("allow%d" % i, {}), key("ox", "allow%d" % i)),
                             alt_status, attrs)
            return embedded, allows
        ox = fill_pins(response, pins.get("ox", {}).get("response", {}), key("ox", "response"))
        if ox != embedded:
            allows = list(allows) + [("the reference server on the OX backend: the item as OX holds it "
                                      "(docs/ox-connector.md)", ox, status, {"backend": "ox"})]
        return embedded, allows

    def empty_sync(self, cmd, body, response):
        """A Sync that brings whatever the folder holds may, on a server whose
        folder holds nothing, answer with the collection and no Commands
        (0...1 in a response, MS-ASCMD 2.2.3.32), or from 12.1 with an empty
        response (2.2.1.21.2), the key staying as it was."""
        items = re.search(r'<Commands match="items"[^>]*/>', response or "")
        if cmd != "Sync" or items is None:
            return []
        folder = re.search(r"<CollectionId>([^<]+)</CollectionId>", body or "")
        if folder and any(dict(n).get("folder") == folder.group(1) for n in self.needs):
            return []  # the capture has the folder filled first (seeded): it is not empty
        allows = [("MS-ASCMD 2.2.3.32 (no Commands: nothing to send)",
                   response.replace(items.group(0), ""), 200, {})]
        sent = re.search(r"<SyncKey>\{\{(\w+)\}\}</SyncKey>", body)
        got = re.search(r"<SyncKey>\{\{(\w+)\}\}</SyncKey>", response)
        if self.p.v >= 121 and sent and got:
            allows.append(("MS-ASCMD 2.2.1.21.2 (empty Sync response: no changes)", "", 200,
                           {"bind": "%s={{%s}}" % (got.group(1), sent.group(1))}))
        return allows

    def no_changes(self, cmd, body, response):
        """A Sync whose expected answer hands the client nothing (its
        collection with the key of the request and Status 1, no Commands or
        Responses) may instead carry a new key: "the response includes a new
        synchronization key value that the client MUST use on the next
        synchronization" (MS-ASCMD 2.2.3.181.4), which later requests then
        use. From 12.1 it may also have no XML payload at all: "the server
        sends a Sync response with only HTTP headers, and no XML payload, if
        there are no pending server changes to report to the client"
        (2.2.1.21.2), the key staying as it was."""
        if cmd != "Sync" or not response or not body or "<Commands>" in body:
            return []
        sent = re.findall(r"<SyncKey>\{\{(\w+)\}\}</SyncKey>", body)
        m = re.fullmatch(r'<Sync xmlns="AirSync:"><Collections><Collection>(?:<Class>\w+</Class>)?'
                         r"<SyncKey>\{\{(\w+)\}\}</SyncKey>"
                         r"<CollectionId>[^<]+</CollectionId><Status>1</Status></Collection></Collections></Sync>",
                         response)
        if m is None or sent != [m.group(1)]:
            return []
        key = m.group(1)
        renewed = response.replace("<SyncKey>{{%s}}</SyncKey>" % key, "<SyncKey>{{%s_renewed}}</SyncKey>" % key)
        allows = [("MS-ASCMD 2.2.3.181.4 (a Sync response includes a new synchronization key)", renewed, 200,
                   {"bind": "%s={{%s_renewed}}" % (key, key)})]
        if self.p.v >= 121:
            allows.append(("MS-ASCMD 2.2.1.21.2 (empty Sync response: no changes)", "", 200, {}))
        return allows

    def change_response(self, cmd, body, response):
        """A server "is not required to send an individual response for every
        operation" (MS-ASCMD 2.2.3.154): the client gets one for a failed
        change or deletion, and may get one with Status 1 for one that
        succeeded. Where the capture expects no Responses for the device's
        Changes and Deletes, that answer is the alternative (with the new key
        all the same)."""
        if cmd != "Sync" or not response or "<Responses>" in response or "<Commands>" in response:
            return []
        changed = re.findall(r"<(Change|Delete)><ServerId>([^<]+)</ServerId>", body or "")
        if not changed or "</Status></Collection>" not in response:
            return []
        answers = "".join("<%s><ServerId>%s</ServerId><Status>1</Status></%s>" % (op, s, op) for op, s in changed)
        return [("MS-ASCMD 2.2.3.154 (a Change or Delete that succeeded answered with Status 1)",
                 response.replace("</Status></Collection>", "</Status><Responses>%s</Responses></Collection>" % answers, 1),
                 200, {})]

    def no_policy(self, kind, prefix=""):
        """MS-ASPROV 2.2.2.54.1: Policy Status 2, there is no policy for this
        client. Then there is no key to acknowledge: phase 2 is left out and
        the device sends policy key 0 from then on."""
        return [("MS-ASPROV 2.2.2.54.1 (Status 2: no policy for this client)",
                 '<Provision xmlns="Provision:"><Status>1</Status><Policies><Policy match="some"><PolicyType>%s'
                 '</PolicyType><Status>2</Status></Policy></Policies></Provision>' % kind, 200,
                 {"then": prefix + "no-policy", "bind": "%spolicy_key=0" % prefix})]

    def setup(self, other=False, hierarchy=None):
        """Provision (both phases) and the hierarchy, as every session here
        starts: a device this server has not seen. `other`: the account's
        second device, its keys bound as other_*; `hierarchy`: its FolderSync
        0 Changes, where the hierarchy is not the demo account's."""
        wap = self.p.v == 25
        kind = "MS-WAP-Provisioning-XML" if wap else "MS-EAS-Provisioning-WBXML"
        n = "other_" if other else ""
        who = "the other device: " if other else ""
        self.exchange(who + "Provision phase 1", "Provision",
                      '<Provision xmlns="Provision:"><Policies><Policy><PolicyType>%s</PolicyType></Policy></Policies></Provision>' % kind,
                      '<Provision xmlns="Provision:"><Status>1</Status><Policies><Policy><PolicyType>%s</PolicyType><Status>1</Status><PolicyKey>{{%stemporary_key}}</PolicyKey>%s</Policy></Policies></Provision>' % (kind, n, reference_policy(self.p.v)),
                      policy="0", allows=self.no_policy(kind, n), other=other)
        self.exchange(who + "Provision phase 2", "Provision",
                      '<Provision xmlns="Provision:"><Policies><Policy><PolicyType>%s</PolicyType><PolicyKey>{{%stemporary_key}}</PolicyKey><Status>1</Status></Policy></Policies></Provision>' % (kind, n),
                      '<Provision xmlns="Provision:"><Status>1</Status><Policies><Policy><PolicyType>%s</PolicyType><Status>1</Status><PolicyKey>{{%spolicy_key}}</PolicyKey><Data match="absent"/></Policy></Policies></Provision>' % (kind, n),
                      policy="{{%stemporary_key}}" % n, unless=n + "no-policy", other=other)
        answer = ('<FolderSync xmlns="FolderHierarchy:"><Status>1</Status><SyncKey>{{%shierarchy_key}}</SyncKey>%s'
                  '</FolderSync>')
        self.exchange(who + "FolderSync 0", "FolderSync",
                      '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>',
                      answer % (n, hierarchy or reference_hierarchy()), policy="{{%spolicy_key}}" % n,
                      allows=() if hierarchy else ox_hierarchy(answer % (n, reference_hierarchy())), other=other)

    def groupware(self):
        if not self.needs:
            return '<groupware state="demo"/>'
        needs = "".join('\n    <need %s/>' % " ".join('%s="%s"' % (k, escape(v, {'"': "&quot;"})) for k, v in n)
                        for n in self.needs)
        return '<groupware state="demo">%s\n  </groupware>' % needs

    def text(self):
        p = self.p
        sources = "\n".join('    <source habit="%s">%s</source>' % (escape(h, {'"': "&quot;"}), escape(w))
                            for h, w in p.sources + self.sources)
        head = ('<?xml version="1.0" encoding="utf-8"?>\n'
                '<!-- Written by tools/captures/generate_captures.py; change the generator, not this file. -->\n'
                '<capture family="%s" scenario="%s">\n'
                '  <device model="%s" client="%s" user-agent="%s" device-type="%s" device-id="%s" protocol="%s" query="%s"/>\n'
                '  <provenance kind="reconstructed">\n%s\n'
                '    <source habit="the exchanges of the scenario">the specifications named in verifies; the device\'s own habits above</source>\n'
                '  </provenance>\n'
                '  %s\n'
                '  %s\n'
                '  <account user="%s" password="secret" query-user="%s" colleague="%s"/>\n') % (
            p.family, self.scenario, escape(p.model, {'"': "&quot;"}), escape(p.client, {'"': "&quot;"}),
            escape(p.ua, {'"': "&quot;"}), p.device_type, self.device_id, p.protocol,
            "base64" if p.style == "base64" else "plain", sources, verifies_xml(self.verifies), self.groupware(),
            escape(p.user, {'"': "&quot;"}),
            escape(p.query_user, {'"': "&quot;"}), colleague_address(p))
        return head + "\n".join(self.parts) + "\n</capture>\n"


# --- the pinned reference answers (tools/captures/pin_reference.py) -------------
UNCHECKED = re.compile(r'<[\w:]+ match="any"/>')
_PINS = []


def reference_pins():
    if not _PINS and os.environ.get("EAS_CAPTURES_UNPINNED"):
        _PINS.append({})  # what pin_reference.py is run on: match="any" where pins go
    if not _PINS:
        path = os.path.join(ROOT, "tools", "captures", "reference_pins.json")
        _PINS.append(json.load(open(path, encoding="utf-8")) if os.path.exists(path) else {})
    return _PINS[0]


USED_PINS = set()


def fill_pins(text, pins, key):
    """The k-th match="any" element of `text` replaced by pin k, where there
    is one; `key` (capture, exchange, backend, expectation) names the pins
    for the check that every pin is used."""
    counter = itertools.count()

    def sub(m):
        k = str(next(counter))
        if k not in pins:
            return m.group(0)
        USED_PINS.add(key + (k,))
        return pins[k]
    return UNCHECKED.sub(sub, text)


def unused_pins():
    return sorted((c, n, b, w, i) for c, ns in reference_pins().items() for n, bs in ns.items()
                  for b, ws in bs.items() for w, ix in ws.items() for i in ix
                  if (c, n, b, w, i) not in USED_PINS)


# --- scenario helpers ------------------------------------------------------------

def class_of(folder):
    for prefix, klass in (("contacts", "Contacts"), ("calendar", "Calendar"), ("tasks", "Tasks")):
        if folder.startswith(prefix):
            return klass
    return "Email"


def sync_collection(w, folder, key, inner=""):
    klass = class_of(folder)
    cls = "<Class>%s</Class>" % klass if w.p.v < 121 else ""
    return ('<Sync xmlns="AirSync:"><Collections><Collection>%s<SyncKey>%s</SyncKey><CollectionId>%s</CollectionId>%s'
            '</Collection></Collections></Sync>' % (cls, key, folder, inner))


def sync_answer(w, folder, key, status="1", rest=""):
    klass = class_of(folder)
    cls = "<Class>%s</Class>" % klass if w.p.v < 121 else ""
    return ('<Sync xmlns="AirSync:"><Collections><Collection>%s<SyncKey>%s</SyncKey><CollectionId>%s</CollectionId>'
            '<Status>%s</Status>%s</Collection></Collections></Sync>' % (cls, key, folder, status, rest))


def get_changes(w):
    # MS-ASCMD 2.2.3.79: 12.1 and later imply GetChanges; older clients ask.
    return "<GetChanges/>" if w.p.v < 121 else ""


def prime(w, folder, key_name):
    """Sync 0 for a folder: the first key."""
    w.exchange("Sync 0: %s" % folder, "Sync", sync_collection(w, folder, "0"),
               sync_answer(w, folder, "{{%s}}" % key_name))


def unique(w, what):
    return "%s-%s" % (what, hashlib.sha1((w.p.tag + w.scenario).encode()).hexdigest()[:8])


def mime_message(frm, to, subject, body, extra=""):
    return ("From: %s\nTo: %s\nSubject: %s\nMIME-Version: 1.0\n%sContent-Type: text/plain; charset=utf-8\n\n%s\n"
            % (frm, to, subject, extra, body))


def deliver(w, subject, body, attachment=None, invitation=None, after_ms=None):
    """Mail arriving from outside for the profile's account."""
    account = "%s/%s" % (w.p.context, w.p.login)
    if attachment:
        name, data, kind = (attachment + ("application/octet-stream",))[:3]
        text = ("From: Lena Meier <lena.meier@example.com>\nTo: %s\nSubject: %s\nMIME-Version: 1.0\n"
                "Content-Type: multipart/mixed; boundary=\"cap\"\n\n--cap\nContent-Type: text/plain\n\n%s\n"
                "--cap\nContent-Type: application/octet-stream; name=\"%s\"\n"
                "Content-Disposition: attachment; filename=\"%s\"\nContent-Transfer-Encoding: base64\n\n%s\n--cap--\n"
                % (account, subject, body, name, name, base64.b64encode(data).decode())).replace(
                    "application/octet-stream", kind)
    elif invitation:
        uid, start, end = invitation
        text = ("From: Ana Souza <ana@ox.io>\nTo: %s\nSubject: %s\nMIME-Version: 1.0\n"
                "Content-Type: multipart/alternative; boundary=\"inv\"\n\n--inv\nContent-Type: text/plain\n\n%s\n"
                "--inv\nContent-Type: text/calendar; method=REQUEST; charset=utf-8\n\nBEGIN:VCALENDAR\nMETHOD:REQUEST\n"
                "BEGIN:VEVENT\nUID:%s\nSUMMARY:%s\nDTSTART:%s\nDTEND:%s\nORGANIZER;CN=Ana Souza:mailto:ana@ox.io\n"
                "END:VEVENT\nEND:VCALENDAR\n--inv--\n" % (account, subject, body, uid, subject, start, end))
    else:
        text = mime_message("Lena Meier <lena.meier@example.com>", account, subject, body)
    attrs = ' after-ms="%d"' % after_ms if after_ms else ""
    indent = "    " if after_ms else "  "
    return '%s<event kind="deliver" user="%s"%s>%s</event>' % (indent, account, attrs, escape(text))


def search_mail(w, token, key_name):
    """A mailbox search for one message: its LongId."""
    w.exchange("Search the mailbox for %s" % token, "Search",
               '<Search xmlns="Search:" xmlns:airsync="AirSync:"><Store><Name>Mailbox</Name><Query><And>'
               '<airsync:Class>Email</airsync:Class><airsync:CollectionId>inbox</airsync:CollectionId>'
               '<FreeText>%s</FreeText></And></Query><Options><Range>0-4</Range></Options></Store></Search>' % token,
               '<Search xmlns="Search:" xmlns:airsync="AirSync:"><Status>1</Status><Response><Store><Status>1</Status>'
               '<Result><airsync:Class>Email</airsync:Class><LongId>{{%s}}</LongId>'
               '<airsync:CollectionId>inbox</airsync:CollectionId><Properties match="any"/></Result>'
               '<Range>0-0</Range><Total>1</Total></Store></Response></Search>' % key_name)


def find_message(w, token, key_name, event, extra_some=""):
    """Mail that arrives for the scenario (by `event`) and its id: a mailbox
    search from 12.0 (the LongId); below, where there is no mailbox search,
    the Sync that brings it (its ServerId)."""
    if w.p.v >= 120:
        w.event(event)
        search_mail(w, token, key_name)
        return
    prime(w, "inbox", "ikey0")
    catch_up(w, "inbox", "ikey0", "ikey1")
    w.event(event)
    w.exchange("Sync: the new message", "Sync", sync_collection(w, "inbox", "{{ikey1}}", get_changes(w)),
               sync_answer(w, "inbox", "{{ikey2}}", rest='<Commands><Add><ServerId>{{%s}}</ServerId>'
                           '<ApplicationData match="some"><email:Subject xmlns:email="Email:">%s</email:Subject>%s'
                           '</ApplicationData></Add></Commands>' % (key_name, token, extra_some)))


# --- scenarios -----------------------------------------------------------------

def gal_search(w):
    w.needs.append((("kind", "gal"), ("query", "Lena"), ("at-least", "5")))
    w.exchange("GAL search: the first five people named Lena", "Search",
               '<Search xmlns="Search:"><Store><Name>GAL</Name><Query>Lena</Query><Options><Range>0-4</Range></Options>'
               '</Store></Search>',
               '<Search xmlns="Search:" xmlns:gal="GAL:"><Status>1</Status><Response><Store><Status>1</Status>'
               + "".join('<Result><Properties match="some"><gal:DisplayName>{{name_%d}}</gal:DisplayName>'
                         '<gal:FirstName>Lena</gal:FirstName><gal:EmailAddress>{{address_%d}}</gal:EmailAddress>'
                         '</Properties></Result>' % (i, i) for i in range(5))
               # The demo GAL has six people named Lena (reference/server/demo_content.cc);
               # another server's Total is its own.
               + '<Range>0-4</Range><Total spec="any">6</Total></Store></Response></Search>')
    return "MS-ASCMD 2.2.1.16 MS-ASCMD 2.2.3.142.1 MS-ASCMD 2.2.3.71"


def colleague_address(p):
    """Someone in the directory of the account's own context."""
    if p.context != "ox.io":
        return "juan@example.org"
    return "miguel@ox.io" if p.login == "ana" else "ana@ox.io"


def colleague(w):
    """The colleague as a capture names it: a binding from <account
    colleague=...> (the reference server's demo data), or on another server
    from the second account the replay is given."""
    return "{{account:colleague}}"


def resolve_recipients(w):
    who = colleague(w)
    w.exchange("ResolveRecipients for an address the directory knows", "ResolveRecipients",
               '<ResolveRecipients xmlns="ResolveRecipients:"><To>%s</To></ResolveRecipients>' % who,
               '<ResolveRecipients xmlns="ResolveRecipients:"><Status>1</Status><Response><To>%s</To>'
               '<Status>1</Status><RecipientCount>1</RecipientCount><Recipient><Type>1</Type>'
               '<DisplayName>{{display_name}}</DisplayName><EmailAddress>%s</EmailAddress></Recipient>'
               '</Response></ResolveRecipients>' % (who, who))
    return "MS-ASCMD 2.2.1.15 MS-ASCMD 2.2.3.177.12"


def send_one(w, subject, save):
    """One message to a colleague, saved in Sent Items or not."""
    to = colleague(w)  # in the sender's own context: contexts are tenants, no relay here
    mime = mime_message("", to, subject, "Noon at the usual place?").replace("From: \n", "")
    where = "saved in Sent Items" if save else "not saved"
    if w.p.v >= 140:
        w.exchange("SendMail (ComposeMail) to a colleague, %s" % where, "SendMail",
                   '<SendMail xmlns="ComposeMail:"><ClientId>%s</ClientId>%s<Mime opaque="text">%s</Mime></SendMail>'
                   % (unique(w, "client" if save else "client-unsaved"), "<SaveInSentItems/>" if save else "",
                      escape(mime)), "")
    else:
        params = (";param=7:hex:01" if w.p.style == "base64" else "&SaveInSent=T") if save else ""
        w.exchange("SendMail: the message as MIME, %s" % where, "SendMail", "", None, params=params, raw=mime,
                   content_type="message/rfc822")
    w.event('  <expect-ox module="mail" action="new" note="on OX: OX sends it"/>')


def send_mail(w):
    """A message sent without SaveInSentItems leaves no copy in Sent Items;
    one sent with it does (MS-ASCMD 2.2.3.157; the SaveInSent parameter below
    14.0, MS-ASHTTP 2.2.1.1.1.2.4)."""
    prime(w, "sent", "skey0")
    catch_up(w, "sent", "skey0", "skey1")
    send_one(w, unique(w, "Unsaved"), save=False)
    w.exchange("Sync Sent Items: no copy of the unsaved message", "Sync",
               sync_collection(w, "sent", "{{skey1}}", get_changes(w)), sync_answer(w, "sent", "{{skey1}}"))
    subject = unique(w, "Lunch")
    send_one(w, subject, save=True)
    w.exchange("Sync Sent Items: the saved copy", "Sync",
               sync_collection(w, "sent", "{{skey1}}", get_changes(w)),
               sync_answer(w, "sent", "{{skey2}}", rest='<Commands><Add><ServerId>{{sent_copy}}</ServerId>'
                           '<ApplicationData match="some"><email:Subject xmlns:email="Email:">%s</email:Subject>'
                           '</ApplicationData></Add></Commands>' % subject))
    if w.p.v >= 140:
        return "MS-ASCMD 2.2.1.17 MS-ASCMD 2.2.3.157"
    return "MS-ASCMD 2.2.1.17 MS-ASHTTP 2.2.1.1.1.2.4"


def push_ping(w):
    prime(w, "inbox", "key1")
    w.exchange("Sync with GetChanges: the inbox as it is", "Sync",
               sync_collection(w, "inbox", "{{key1}}", get_changes(w) + "<WindowSize>512</WindowSize>"),
               sync_answer(w, "inbox", "{{key2}}", rest='<Commands match="items"/>'))
    subject = unique(w, "Pushed")
    w.exchange("Ping on the inbox; mail arrives while it waits", "Ping",
               '<Ping xmlns="Ping:"><HeartbeatInterval>480</HeartbeatInterval><Folders><Folder><Id>inbox</Id>'
               '<Class>Email</Class></Folder></Folders></Ping>',
               '<Ping xmlns="Ping:"><Status>2</Status><Folders><Folder>inbox</Folder></Folders></Ping>',
               during=deliver(w, subject, "Arrived during the Ping.", after_ms=800))
    w.exchange("Sync: exactly the new message", "Sync",
               sync_collection(w, "inbox", "{{key2}}", get_changes(w)),
               sync_answer(w, "inbox", "{{key3}}", rest='<Commands><Add><ServerId>{{new_mail}}</ServerId>'
                           '<ApplicationData match="some"><email:Subject xmlns:email="Email:">%s</email:Subject>'
                           '</ApplicationData></Add></Commands>' % subject))
    return "MS-ASCMD 2.2.1.13 MS-ASCMD 2.2.3.177.11"


def ping_bounds(w):
    """A Ping outside the server's bounds is answered at once with the bound
    (MS-ASCMD 2.2.3.177.11: Status 5 with the shortest or longest
    HeartbeatInterval, Status 6 with MaxFolders). The bounds are the
    server's own (2.2.3.88.1: implementation-specific): a server whose range
    takes the interval waits instead, so there mail arrives and ends it."""
    prime(w, "inbox", "key1")
    catch_up(w, "inbox", "key1", "key2")
    inbox = "<Folder><Id>inbox</Id><Class>Email</Class></Folder>"
    ping = '<Ping xmlns="Ping:"><HeartbeatInterval>%d</HeartbeatInterval><Folders>%s</Folders></Ping>'
    changed = ("a server whose bounds take it waits: the mail that arrives ends it (MS-ASCMD 2.2.3.88.1)",
               '<Ping xmlns="Ping:"><Status>2</Status><Folders><Folder>inbox</Folder></Folders></Ping>', 200, {})
    w.exchange("Ping with a heartbeat of 1 s: below the shortest", "Ping", ping % (1, inbox),
               '<Ping xmlns="Ping:"><Status>5</Status><HeartbeatInterval>60</HeartbeatInterval></Ping>',
               allows=[("a server whose bounds take 1 s waits it out (MS-ASCMD 2.2.3.88.1)",
                        '<Ping xmlns="Ping:"><Status>1</Status></Ping>', 200, {})])
    w.exchange("Ping with a heartbeat of a day: above the longest", "Ping", ping % (86400, inbox),
               '<Ping xmlns="Ping:"><Status>5</Status><HeartbeatInterval>3540</HeartbeatInterval></Ping>',
               allows=[changed],
               during=deliver(w, unique(w, "Day"), "Ends a Ping the server took.", after_ms=1500))
    # The same folder 301 times: what is bounded is the count of the list.
    w.exchange("Ping on 301 folders: more than MaxFolders", "Ping", ping % (480, inbox * 301),
               '<Ping xmlns="Ping:"><Status>6</Status><MaxFolders>300</MaxFolders></Ping>',
               allows=[changed],
               during=deliver(w, unique(w, "Many"), "Ends a Ping the server took.", after_ms=1500))
    return ("MS-ASCMD 2.2.3.177.11 (Ping Status 5, 6) MS-ASCMD 2.2.3.88.1 (HeartbeatInterval) "
            "MS-ASCMD 2.2.3.102 (MaxFolders)")


def ping_own_change(w):
    """The device adds a contact, then Pings on Contacts and the Inbox. The
    store's once-a-second watcher sees the Contacts folder move (the
    device's own Add); that is nothing the device lacks, so the Ping waits
    on until mail arrives, and names the Inbox only."""
    w.sources.append(src("a Ping right after the device's own change",
                         "what a Python EAS library at 16.1 was observed doing against this server (issue 16), "
                         "here in this device's session form"))
    prime(w, "inbox", "key1")
    catch_up(w, "inbox", "key1", "key2")
    prime(w, "contacts/customers", "ckey1")
    catch_up(w, "contacts/customers", "ckey1", "ckey2")
    add = ('<Commands><Add><ClientId>1</ClientId><ApplicationData><contacts:FileAs xmlns:contacts="Contacts:">%s'
           '</contacts:FileAs></ApplicationData></Add></Commands>' % unique(w, "Own"))
    w.exchange("Add a contact", "Sync", sync_collection(w, "contacts/customers", "{{ckey2}}", add),
               sync_answer(w, "contacts/customers", "{{ckey3}}",
                           rest='<Responses><Add><ClientId>1</ClientId><ServerId>{{own}}</ServerId>'
                           '<Status>1</Status></Add></Responses>'))
    subject = unique(w, "Later")
    w.exchange("Ping on Contacts and the Inbox: only the mail ends it", "Ping",
               '<Ping xmlns="Ping:"><HeartbeatInterval>480</HeartbeatInterval><Folders><Folder><Id>'
               'contacts/customers</Id><Class>Contacts</Class></Folder><Folder><Id>inbox</Id><Class>Email</Class>'
               '</Folder></Folders></Ping>',
               '<Ping xmlns="Ping:"><Status>2</Status><Folders><Folder>inbox</Folder></Folders></Ping>',
               during=deliver(w, subject, "After the watcher looked.", after_ms=2200))
    return "MS-ASCMD 2.2.1.13 MS-ASCMD 2.2.3.177.11"


def contacts_changes(w):
    prime(w, "contacts/customers", "key1")
    w.exchange("Sync: what the folder holds", "Sync",
               sync_collection(w, "contacts/customers", "{{key1}}", get_changes(w) + "<WindowSize>100</WindowSize>"),
               sync_answer(w, "contacts/customers", "{{key2}}", rest='<Commands match="items"/>'))
    name = unique(w, "Person")
    add = ('<Commands><Add><ClientId>1</ClientId><ApplicationData><contacts:FileAs xmlns:contacts="Contacts:">%s'
           '</contacts:FileAs><contacts:Email1Address xmlns:contacts="Contacts:">p@example.com'
           '</contacts:Email1Address></ApplicationData></Add></Commands>' % name)
    w.exchange("Add a contact made on the phone", "Sync",
               sync_collection(w, "contacts/customers", "{{key2}}", add),
               sync_answer(w, "contacts/customers", "{{key3}}",
                           rest='<Responses><Add><ClientId>1</ClientId><ServerId>{{contact}}</ServerId>'
                           '<Status>1</Status></Add></Responses>'))
    w.event('  <expect-ox module="contacts" action="new" note="on OX: the contact was created there"/>')
    # MS-ASCMD 3.1.5.3: the answer was lost and the phone sends the same
    # request again; the contact is not made twice (the same ServerId). A
    # server may give another new key for it.
    w.exchange("The same Add again (the answer was lost): the same contact, not a second one", "Sync",
               sync_collection(w, "contacts/customers", "{{key2}}", add),
               sync_answer(w, "contacts/customers", "{{key3}}",
                           rest='<Responses><Add><ClientId>1</ClientId><ServerId>{{contact}}</ServerId>'
                           '<Status>1</Status></Add></Responses>'),
               allows=[("MS-ASCMD 3.1.5.3 (a resent request may get a new key)",
                        sync_answer(w, "contacts/customers", "{{key3_again}}",
                                    rest='<Responses><Add><ClientId>1</ClientId><ServerId>{{contact}}</ServerId>'
                                    '<Status>1</Status></Add></Responses>'), 200, {"bind": "key3={{key3_again}}"})])
    change = ('<Commands><Change><ServerId>{{contact}}</ServerId><ApplicationData><contacts:JobTitle '
              'xmlns:contacts="Contacts:">Buyer</contacts:JobTitle></ApplicationData></Change></Commands>')
    w.exchange("Change it", "Sync", sync_collection(w, "contacts/customers", "{{key3}}", change),
               sync_answer(w, "contacts/customers", "{{key4}}"))
    w.event('  <expect-ox module="contacts" action="update"/>')
    w.exchange("Delete it", "Sync",
               sync_collection(w, "contacts/customers", "{{key4}}",
                               "<Commands><Delete><ServerId>{{contact}}</ServerId></Delete></Commands>"),
               sync_answer(w, "contacts/customers", "{{key5}}"))
    w.event('  <expect-ox module="contacts" action="delete"/>')
    w.exchange("Nothing comes back to the phone", "Sync",
               sync_collection(w, "contacts/customers", "{{key5}}", get_changes(w)),
               sync_answer(w, "contacts/customers", "{{key5}}"))
    return "MS-ASCMD 2.2.3.7.2 MS-ASCMD 2.2.3.24 MS-ASCMD 2.2.3.42.2 MS-ASCMD 3.1.5.3"


def contact_field_cleared(w):
    """The user empties a field of a contact: the client leaves it out of its
    Change. Without Supported in the first Sync of the folder nothing is
    ghosted (MS-ASCMD 2.2.3.179), so the field is cleared; a client known to
    leave out fields it never shows (iOS 4, quirk ghost-without-supported)
    keeps them."""
    w.sources.append(src("a field the user empties is left out of the Change; no Supported in the first Sync",
                         "what EAS-4-TbSync 4.11 was observed doing against this server (issue 16), here in this "
                         "device's session form; iOS 4: " + NOTES + " quirk 7"))
    prime(w, "contacts/customers", "key1")
    catch_up(w, "contacts/customers", "key1", "key2")
    name = unique(w, "Cleared")
    ns = 'xmlns:contacts="Contacts:"'
    add = ('<Commands><Add><ClientId>1</ClientId><ApplicationData><contacts:FileAs %s>%s</contacts:FileAs>'
           '<contacts:JobTitle %s>Buyer</contacts:JobTitle><contacts:Email1Address %s>c@example.com'
           '</contacts:Email1Address></ApplicationData></Add></Commands>' % (ns, name, ns, ns))
    w.exchange("Add a contact with a job title", "Sync",
               sync_collection(w, "contacts/customers", "{{key2}}", add),
               sync_answer(w, "contacts/customers", "{{key3}}",
                           rest='<Responses><Add><ClientId>1</ClientId><ServerId>{{contact}}</ServerId>'
                           '<Status>1</Status></Add></Responses>'))
    change = ('<Commands><Change><ServerId>{{contact}}</ServerId><ApplicationData><contacts:FileAs %s>%s'
              '</contacts:FileAs><contacts:Email1Address %s>c@example.com</contacts:Email1Address>'
              '</ApplicationData></Change></Commands>' % (ns, name, ns))
    w.exchange("The user empties the job title: the Change leaves it out", "Sync",
               sync_collection(w, "contacts/customers", "{{key3}}", change),
               sync_answer(w, "contacts/customers", "{{key4}}"))
    kept = w.p.ua.startswith("Apple-iPhone3C1/8")  # quirk ghost-without-supported
    # (Only the job title when it is kept: the order of the properties is
    # the server's.)
    properties = ('<contacts:JobTitle>Buyer</contacts:JobTitle>' if kept
                  else '<contacts:FileAs>%s</contacts:FileAs><contacts:JobTitle match="absent"/>' % name)
    w.exchange("Fetch it: the job title is %s" % ("kept (iOS 4 quirk)" if kept else "gone"), "ItemOperations",
               '<ItemOperations xmlns="ItemOperations:" xmlns:airsync="AirSync:"><Fetch><Store>Mailbox</Store>'
               '<airsync:CollectionId>contacts/customers</airsync:CollectionId><airsync:ServerId>{{contact}}'
               '</airsync:ServerId></Fetch></ItemOperations>',
               '<ItemOperations xmlns="ItemOperations:" xmlns:airsync="AirSync:" xmlns:contacts="Contacts:">'
               '<Status>1</Status><Response><Fetch><Status>1</Status><airsync:CollectionId>contacts/customers'
               '</airsync:CollectionId><airsync:ServerId>{{contact}}</airsync:ServerId><airsync:Class>Contacts'
               '</airsync:Class><Properties match="some">%s</Properties>'
               '</Fetch></Response></ItemOperations>' % properties)
    return "MS-ASCMD 2.2.3.179 MS-ASCMD 2.2.3.24 MS-ASCNTC 2.2.2.30"


def initial_calendar(w):
    w.needs.append((("kind", "events"), ("folder", "calendar"), ("at-least", "3")))
    prime(w, "calendar", "key1")
    w.exchange("Sync in windows of two: more available", "Sync",
               sync_collection(w, "calendar", "{{key1}}", get_changes(w) + "<WindowSize>2</WindowSize>"),
               sync_answer(w, "calendar", "{{key2}}", rest='<MoreAvailable/><Commands><Add><ServerId>{{event_1}}'
                           '</ServerId><ApplicationData match="any"/></Add><Add><ServerId>{{event_2}}</ServerId>'
                           '<ApplicationData match="any"/></Add></Commands>'))
    return "MS-ASCMD 2.2.3.186 MS-ASCMD 2.2.3.101 MS-ASCAL 2.2.2"


def filter_type(w):
    """A Sync with FilterType 1 (one day, MS-ASCMD 2.2.3.68.2) brings only
    mail of the last day: the message that arrives now, none of the
    account's older mail (the demo messages are weeks old)."""
    prime(w, "inbox", "key1")
    subject = unique(w, "Fresh")
    w.event(deliver(w, subject, "Inside the window."))
    w.exchange("Sync with FilterType 1: the last day's mail only", "Sync",
               sync_collection(w, "inbox", "{{key1}}", get_changes(w) + "<WindowSize>512</WindowSize>"
                               "<Options><FilterType>1</FilterType></Options>"),
               sync_answer(w, "inbox", "{{key2}}", rest='<Commands match="items" within-days="1"/>'),
               # The OX mock's clock starts at its fixture's (tools/oxmock): to
               # the connector every message there is older than a day.
               allows=[("the reference server on the OX mock, whose clock dates every message 2026-11-18",
                        sync_answer(w, "inbox", "{{key1}}"), 200, {"backend": "ox"})])
    return "MS-ASCMD 2.2.3.68.2 MS-ASCMD 2.2.3.125.6"


def initial_tasks(w):
    prime(w, "tasks", "key1")
    w.exchange("Sync the tasks", "Sync",
               sync_collection(w, "tasks", "{{key1}}", get_changes(w) + "<WindowSize>50</WindowSize>"),
               sync_answer(w, "tasks", "{{key2}}", rest='<Commands match="items" name="tasks"/>'))
    w.exchange("The same key again (the answer was lost): the same answer", "Sync",
               sync_collection(w, "tasks", "{{key1}}", get_changes(w) + "<WindowSize>50</WindowSize>"),
               sync_answer(w, "tasks", "{{key2}}", rest='<Commands match="items" name="tasks"/>'))
    return "MS-ASCMD 3.1.5.3 MS-ASTASK 2.2.2"


def invalid_key(w):
    w.exchange("Sync with a key the server never gave", "Sync",
               sync_collection(w, "contacts", "77777"), sync_answer(w, "contacts", "0", status="3"),
               breaks="sync.keys")
    prime(w, "contacts", "key1")
    return "MS-ASCMD 2.2.3.177.17 (Sync Status 3)"


def bad_input(w):
    if w.p.style != "base64":
        # A command no EAS version has: HTTP 501 from the reference server
        # (RFC 7231 6.6.2, with MS-ASProtocolCommands); the specifications
        # name no code for it, so a server may refuse it as a bad request.
        w.exchange("A command that does not exist", "NoSuchCommand", "", None, status=501,
                   allows=[("MS-ASHTTP 2.2.2 (no code named for an unknown command: 400 or 501)", None, 400, {})])
    w.exchange("A Sync body that is not WBXML", "Sync", "", '<Sync xmlns="AirSync:"><Status>4</Status></Sync>',
               breaks="behaviour.wbxml")
    # The body above is empty by design of the template; the garbage bytes
    # come from the hex form.
    return "MS-ASCMD 2.2.3.177.17 (Sync Status 4) MS-ASHTTP 2.2.2"


def folder_create(w, note, key, name, new_key, folder):
    """A mail folder under the Inbox: the new hierarchy key and its id bound."""
    w.exchange(note, "FolderCreate",
               '<FolderCreate xmlns="FolderHierarchy:"><SyncKey>{{%s}}</SyncKey><ParentId>inbox</ParentId>'
               '<DisplayName>%s</DisplayName><Type>12</Type></FolderCreate>' % (key, name),
               '<FolderCreate xmlns="FolderHierarchy:"><Status>1</Status><SyncKey>{{%s}}</SyncKey>'
               '<ServerId>{{%s}}</ServerId></FolderCreate>' % (new_key, folder))


def folder_changes(w):
    name = unique(w, "Archive")
    folder_create(w, "FolderCreate under the Inbox", "hierarchy_key", name, "key2", "folder")
    w.exchange("FolderUpdate: rename it", "FolderUpdate",
               '<FolderUpdate xmlns="FolderHierarchy:"><SyncKey>{{key2}}</SyncKey><ServerId>{{folder}}</ServerId>'
               '<ParentId>inbox</ParentId><DisplayName>%s-old</DisplayName></FolderUpdate>' % name,
               '<FolderUpdate xmlns="FolderHierarchy:"><Status>1</Status><SyncKey>{{key3}}</SyncKey></FolderUpdate>')
    w.exchange("FolderDelete", "FolderDelete",
               '<FolderDelete xmlns="FolderHierarchy:"><SyncKey>{{key3}}</SyncKey><ServerId>{{folder}}</ServerId>'
               '</FolderDelete>',
               '<FolderDelete xmlns="FolderHierarchy:"><Status>1</Status><SyncKey>{{key4}}</SyncKey></FolderDelete>')
    w.exchange("FolderSync: nothing to repeat", "FolderSync",
               '<FolderSync xmlns="FolderHierarchy:"><SyncKey>{{key4}}</SyncKey></FolderSync>',
               '<FolderSync xmlns="FolderHierarchy:"><Status>1</Status><SyncKey>{{key4}}</SyncKey><Changes>'
               '<Count>0</Count></Changes></FolderSync>')
    # The answer to a second FolderCreate is lost: the phone knows nothing of
    # the folder and syncs the hierarchy with the key it has. The server
    # tells it of the folder, under a new key (MS-ASCMD 2.2.3.181.2).
    lost = unique(w, "Lost")
    folder_create(w, "FolderCreate again; its answer is lost", "key4", lost, "key5", "lost_folder")
    w.exchange("FolderSync with the key before it: the folder, under a new key", "FolderSync",
               '<FolderSync xmlns="FolderHierarchy:"><SyncKey>{{key4}}</SyncKey></FolderSync>',
               '<FolderSync xmlns="FolderHierarchy:"><Status>1</Status><SyncKey>{{key6}}</SyncKey><Changes>'
               '<Count>1</Count><Add><ServerId>{{lost_folder}}</ServerId><ParentId>inbox</ParentId>'
               '<DisplayName>%s</DisplayName><Type>12</Type></Add></Changes></FolderSync>' % lost)
    w.exchange("FolderDelete it (the account as it was)", "FolderDelete",
               '<FolderDelete xmlns="FolderHierarchy:"><SyncKey>{{key6}}</SyncKey><ServerId>{{lost_folder}}</ServerId>'
               '</FolderDelete>',
               '<FolderDelete xmlns="FolderHierarchy:"><Status>1</Status><SyncKey>{{key7}}</SyncKey></FolderDelete>')
    return "MS-ASCMD 2.2.1.2 MS-ASCMD 2.2.1.4 MS-ASCMD 2.2.1.3 MS-ASCMD 2.2.3.181.2"


def folder_changes_elsewhere(w):
    """The account's folders change on another of its devices (for this
    device: on the server). The device's FolderCreate of a name already
    there gets Status 2; a Sync of a folder deleted meanwhile, Status 12
    (the device must sync the hierarchy first); the FolderSync then brings
    the rename as an Update and the deletion as a Delete, counted in Count
    (MS-ASCMD 2.2.1.5)."""
    moved, gone = unique(w, "Moved"), unique(w, "Gone")
    folder_create(w, "FolderCreate under the Inbox", "hierarchy_key", moved, "key2", "moved")
    folder_create(w, "FolderCreate another", "key2", gone, "key3", "gone")
    w.exchange("FolderCreate of a name that is there", "FolderCreate",
               '<FolderCreate xmlns="FolderHierarchy:"><SyncKey>{{key3}}</SyncKey><ParentId>inbox</ParentId>'
               '<DisplayName>%s</DisplayName><Type>12</Type></FolderCreate>' % moved,
               '<FolderCreate xmlns="FolderHierarchy:"><Status>2</Status></FolderCreate>')
    prime(w, "{{gone}}", "gone_key")
    w.setup(other=True, hierarchy='<Changes match="any"/>')
    w.exchange("the other device renames the first folder", "FolderUpdate",
               '<FolderUpdate xmlns="FolderHierarchy:"><SyncKey>{{other_hierarchy_key}}</SyncKey><ServerId>{{moved}}'
               '</ServerId><ParentId>inbox</ParentId><DisplayName>%s-renamed</DisplayName></FolderUpdate>' % moved,
               '<FolderUpdate xmlns="FolderHierarchy:"><Status>1</Status><SyncKey>{{other_key2}}</SyncKey>'
               '</FolderUpdate>', policy="{{other_policy_key}}", other=True)
    w.exchange("the other device deletes the second", "FolderDelete",
               '<FolderDelete xmlns="FolderHierarchy:"><SyncKey>{{other_key2}}</SyncKey><ServerId>{{gone}}</ServerId>'
               '</FolderDelete>',
               '<FolderDelete xmlns="FolderHierarchy:"><Status>1</Status><SyncKey>{{other_key3}}</SyncKey>'
               '</FolderDelete>', policy="{{other_policy_key}}", other=True)
    # No SyncKey (there is no state to go on from) and no Class (the server
    # no longer knows the folder).
    twelve = ('<Sync xmlns="AirSync:"><Collections><Collection><CollectionId>{{gone}}</CollectionId>'
              '<Status>12</Status></Collection></Collections></Sync>')
    if w.p.device_type in ("iPhone", "iPad", "iPod"):
        # reference/devices/quirks.txt unknown-collection-as-invalid-key:
        # these clients loop on 12; the server answers 3 and they start over.
        w.exchange("Sync of the folder deleted meanwhile: Status 3 for this client", "Sync",
                   sync_collection(w, "{{gone}}", "{{gone_key}}"), twelve.replace("<Status>12<", "<Status>3<"),
                   allows=[("MS-ASCMD 2.2.3.177.17 (Status 12: the folder hierarchy has changed)", twelve, 200, {})])
    else:
        w.exchange("Sync of the folder deleted meanwhile: Status 12", "Sync",
                   sync_collection(w, "{{gone}}", "{{gone_key}}"), twelve)
    update = ('<Update><ServerId>{{moved}}</ServerId><ParentId>inbox</ParentId><DisplayName>%s-renamed</DisplayName>'
              '<Type>12</Type></Update>' % moved)
    delete = "<Delete><ServerId>{{gone}}</ServerId></Delete>"
    changes = ('<FolderSync xmlns="FolderHierarchy:"><Status>1</Status><SyncKey>{{key4}}</SyncKey><Changes>'
               '<Count>2</Count>%s</Changes></FolderSync>')
    w.exchange("FolderSync: the rename and the deletion", "FolderSync",
               '<FolderSync xmlns="FolderHierarchy:"><SyncKey>{{key3}}</SyncKey></FolderSync>', changes % (update + delete),
               allows=[("MS-ASCMD 2.2.1.5 (the order of the changes is the server's)", changes % (delete + update),
                        200, {})])
    w.exchange("FolderDelete the renamed folder (the account as it was)", "FolderDelete",
               '<FolderDelete xmlns="FolderHierarchy:"><SyncKey>{{key4}}</SyncKey><ServerId>{{moved}}</ServerId>'
               '</FolderDelete>',
               '<FolderDelete xmlns="FolderHierarchy:"><Status>1</Status><SyncKey>{{key5}}</SyncKey></FolderDelete>')
    return ("MS-ASCMD 2.2.3.177.3 (FolderCreate Status 2) MS-ASCMD 2.2.3.177.17 (Sync Status 12) "
            "MS-ASCMD 2.2.1.5 (FolderSync Update, Delete and Count)")


def attachment(w):
    token = unique(w, "Report")
    data = ("attachment of %s\n" % token).encode()
    event = deliver(w, token, "The report is attached.", attachment=("report.txt", data, "text/csv"))
    if w.p.v < 120:
        # 2.5: the attachment list is the Email page's; GetAttachment fetches.
        find_message(w, token, "mail", event,
                     '<email:Attachments xmlns:email="Email:"><email:Attachment match="some"><email:DisplayName>'
                     'report.txt</email:DisplayName><email:AttName>{{file_ref}}</email:AttName></email:Attachment>'
                     '</email:Attachments>')
        params = ";param=0:{{file_ref}}" if w.p.style == "base64" else "&AttachmentName={{file_ref}}"
        w.parts.append(('  <exchange note="GetAttachment: the attachment as the body">\n%s\n'
                        '    <response status="200">\n      <body format="bytes">%s</body>\n    </response>\n'
                        '  </exchange>') % (w.request("GetAttachment", params=params), base64.b64encode(data).decode()))
        return "MS-ASCMD 2.2.1.7 MS-ASWBXML 2.1.2.1.3"
    find_message(w, token, "long_id", event)
    w.exchange("ItemOperations Fetch: the message with its attachment list", "ItemOperations",
               '<ItemOperations xmlns="ItemOperations:" xmlns:search="Search:"><Fetch><Store>Mailbox</Store>'
               '<search:LongId>{{long_id}}</search:LongId></Fetch></ItemOperations>',
               '<ItemOperations xmlns="ItemOperations:" xmlns:airsync="AirSync:" xmlns:airsyncbase="AirSyncBase:" '
               'xmlns:search="Search:"><Status>1</Status><Response><Fetch><Status>1</Status>'
               '<search:LongId>{{long_id}}</search:LongId><airsync:Class>Email</airsync:Class>'
               '<Properties match="some"><airsyncbase:Attachments><airsyncbase:Attachment match="some">'
               '<airsyncbase:DisplayName>report.txt</airsyncbase:DisplayName>'
               '<airsyncbase:FileReference>{{file_ref}}</airsyncbase:FileReference></airsyncbase:Attachment>'
               '</airsyncbase:Attachments></Properties></Fetch></Response></ItemOperations>')
    w.exchange("ItemOperations Fetch of the attachment", "ItemOperations",
               '<ItemOperations xmlns="ItemOperations:" xmlns:airsyncbase="AirSyncBase:"><Fetch><Store>Mailbox</Store>'
               '<airsyncbase:FileReference>{{file_ref}}</airsyncbase:FileReference></Fetch></ItemOperations>',
               '<ItemOperations xmlns="ItemOperations:" xmlns:airsync="AirSync:" xmlns:airsyncbase="AirSyncBase:">'
               '<Status>1</Status><Response><Fetch><Status>1</Status>'
               '<airsyncbase:FileReference>{{file_ref}}</airsyncbase:FileReference><Properties>'
               '<airsyncbase:ContentType>text/csv</airsyncbase:ContentType><Data>%s</Data>'
               '</Properties></Fetch></Response></ItemOperations>' % base64.b64encode(data).decode())
    # A byte range of it (MS-ASCMD 2.2.3.143.2 Range, 2.2.3.184.2 Total). The
    # server "provides a best effort" at the range and Total is optional: the
    # whole attachment under the range it really holds is allowed.
    whole = ('<ItemOperations xmlns="ItemOperations:" xmlns:airsyncbase="AirSyncBase:">'
             '<Status>1</Status><Response><Fetch><Status>1</Status>'
             '<airsyncbase:FileReference>{{file_ref}}</airsyncbase:FileReference><Properties>'
             '<airsyncbase:ContentType>text/csv</airsyncbase:ContentType><Range>0-%d</Range>'
             '<Data>%s</Data></Properties></Fetch></Response></ItemOperations>'
             % (len(data) - 1, base64.b64encode(data).decode()))
    w.exchange("ItemOperations Fetch of bytes 0-9 of the attachment", "ItemOperations",
               '<ItemOperations xmlns="ItemOperations:" xmlns:airsyncbase="AirSyncBase:"><Fetch><Store>Mailbox</Store>'
               '<airsyncbase:FileReference>{{file_ref}}</airsyncbase:FileReference><Options><Range>0-9</Range>'
               '</Options></Fetch></ItemOperations>',
               '<ItemOperations xmlns="ItemOperations:" xmlns:airsync="AirSync:" xmlns:airsyncbase="AirSyncBase:">'
               '<Status>1</Status><Response><Fetch><Status>1</Status>'
               '<airsyncbase:FileReference>{{file_ref}}</airsyncbase:FileReference><Properties>'
               '<airsyncbase:ContentType>text/csv</airsyncbase:ContentType><Range>0-9</Range><Total>%d</Total>'
               '<Data>%s</Data></Properties></Fetch></Response></ItemOperations>'
               % (len(data), base64.b64encode(data[:10]).decode()),
               allows=[("MS-ASCMD 2.2.3.143.2 (Range is best effort: the whole attachment, Total left out)",
                        whole, 200, {})])
    verifies = "MS-ASCMD 2.2.1.10 MS-ASCMD 2.2.3.67.1 MS-ASCMD 2.2.3.143.2"
    if w.p.v <= 121:
        params = ";param=0:{{file_ref}}" if w.p.style == "base64" else "&AttachmentName={{file_ref}}"
        w.parts.append(('  <exchange note="GetAttachment: the same bytes as the body">\n%s\n'
                        '    <response status="200">\n      <body format="bytes">%s</body>\n    </response>\n'
                        '  </exchange>') % (w.request("GetAttachment", params=params), base64.b64encode(data).decode()))
        verifies += " MS-ASCMD 2.2.1.7"
    return verifies


def smart(w, cmd, client, mime, note_14, note_mime):
    """SmartReply/SmartForward naming the original by the LongId a search
    found: ComposeMail from 14.0, the MIME body with query parameters below."""
    if w.p.v >= 140:
        w.exchange(note_14, cmd,
                   '<%s xmlns="ComposeMail:"><ClientId>%s</ClientId><Source><LongId>{{long_id}}</LongId>'
                   '</Source><SaveInSentItems/><Mime opaque="text">%s</Mime></%s>'
                   % (cmd, unique(w, client), escape(mime), cmd), "")
    elif w.p.v < 120:
        # 2.5: the original by ItemId and CollectionId (no LongId yet).
        w.exchange(note_mime.replace("LongId", "ItemId"), cmd, "", None,
                   params="&ItemId={{long_id}}&CollectionId=inbox&SaveInSent=T", raw=mime,
                   content_type="message/rfc822")
    else:
        params = ";param=4:{{long_id}};param=7:hex:01" if w.p.style == "base64" else "&LongId={{long_id}}&SaveInSent=T"
        w.exchange(note_mime, cmd, "", None, params=params, raw=mime, content_type="message/rfc822")


def smart_reply(w):
    token = unique(w, "Question")
    find_message(w, token, "long_id", deliver(w, token, "Can you confirm the date?"))
    reply = mime_message("", "lena.meier@example.com", "RE: " + token, "Confirmed.").replace("From: \n", "")
    reply = reply.replace("lena.meier@example.com", colleague(w))  # a local colleague: no relay needed
    smart(w, "SmartReply", "reply", reply, "SmartReply with the original quoted by the server",
          "SmartReply: the reply as MIME, the original named by LongId")
    return "MS-ASCMD 2.2.1.20 MS-ASCMD 2.2.3.93"


def meeting_response(w):
    token = unique(w, "Review")
    find_message(w, token, "long_id",
                 deliver(w, token, "Please join.", invitation=(token + "@ox.io", "20261215T090000Z", "20261215T100000Z")))
    w.exchange("MeetingResponse: accept from the Inbox", "MeetingResponse",
               '<MeetingResponse xmlns="MeetingResponse:"><Request><UserResponse>1</UserResponse>'
               '<CollectionId>inbox</CollectionId><RequestId>{{long_id}}</RequestId></Request></MeetingResponse>',
               '<MeetingResponse xmlns="MeetingResponse:"><Result><RequestId>{{long_id}}</RequestId><Status>1</Status>'
               '<CalendarId>{{calendar_item}}</CalendarId></Result></MeetingResponse>')
    if w.p.v < 140:
        return "MS-ASCMD 2.2.1.11 MS-ASCMD 2.2.3.177.9"
    # The meeting in the calendar says it was accepted (ResponseType 3,
    # MS-ASCAL 2.2.2.38; the element exists from 14.0).
    w.exchange("Fetch the meeting from the calendar: accepted", "ItemOperations",
               '<ItemOperations xmlns="ItemOperations:" xmlns:airsync="AirSync:"><Fetch><Store>Mailbox</Store>'
               '<airsync:CollectionId>calendar</airsync:CollectionId><airsync:ServerId>{{calendar_item}}'
               '</airsync:ServerId></Fetch></ItemOperations>',
               '<ItemOperations xmlns="ItemOperations:" xmlns:airsync="AirSync:" xmlns:calendar="Calendar:">'
               '<Status>1</Status><Response><Fetch><Status>1</Status><airsync:CollectionId>calendar'
               '</airsync:CollectionId><airsync:ServerId>{{calendar_item}}</airsync:ServerId><airsync:Class>Calendar'
               '</airsync:Class><Properties match="some"><calendar:Subject>%s</calendar:Subject>'
               '<calendar:ResponseType>3</calendar:ResponseType></Properties></Fetch></Response></ItemOperations>'
               % token)
    return "MS-ASCMD 2.2.1.11 MS-ASCMD 2.2.3.177.9 MS-ASCAL 2.2.2.38"


def move_items(w):
    token = unique(w, "File")
    find_message(w, token, "long_id", deliver(w, token, "For the projects folder."))
    w.exchange("MoveItems into Projects", "MoveItems",
               '<MoveItems xmlns="Move:"><Move><SrcMsgId>{{long_id}}</SrcMsgId><SrcFldId>inbox</SrcFldId>'
               '<DstFldId>inbox/projects</DstFldId></Move></MoveItems>',
               '<MoveItems xmlns="Move:"><Response><SrcMsgId>{{long_id}}</SrcMsgId><Status>3</Status>'
               '<DstMsgId>{{moved}}</DstMsgId></Response></MoveItems>')
    w.exchange("Moving it again from the Inbox: the source is gone", "MoveItems",
               '<MoveItems xmlns="Move:"><Move><SrcMsgId>{{long_id}}</SrcMsgId><SrcFldId>inbox</SrcFldId>'
               '<DstFldId>inbox/projects</DstFldId></Move></MoveItems>',
               '<MoveItems xmlns="Move:"><Response><SrcMsgId>{{long_id}}</SrcMsgId><Status>1</Status></Response>'
               '</MoveItems>')
    return "MS-ASCMD 2.2.1.12 MS-ASCMD 2.2.3.177.10"


def oof(w):
    w.exchange("Settings Oof Set: away for the holidays", "Settings",
               '<Settings xmlns="Settings:"><Oof><Set><OofState>2</OofState><StartTime>2026-12-21T00:00:00.000Z'
               '</StartTime><EndTime>2027-01-04T00:00:00.000Z</EndTime><OofMessage><AppliesToInternal/>'
               '<Enabled>1</Enabled><ReplyMessage>Back on January 4.</ReplyMessage><BodyType>TEXT</BodyType>'
               '</OofMessage></Set></Oof></Settings>',
               '<Settings xmlns="Settings:"><Status>1</Status><Oof><Status>1</Status></Oof></Settings>')
    w.exchange("Settings Oof Get", "Settings",
               '<Settings xmlns="Settings:"><Oof><Get><BodyType>TEXT</BodyType></Get></Oof></Settings>',
               '<Settings xmlns="Settings:"><Status>1</Status><Oof><Status>1</Status><Get><OofState>2</OofState>'
               '<StartTime>2026-12-21T00:00:00.000Z</StartTime><EndTime>2027-01-04T00:00:00.000Z</EndTime>'
               '<OofMessage match="some"><ReplyMessage>Back on January 4.</ReplyMessage></OofMessage>'
               '<OofMessage match="any"/><OofMessage match="any"/></Get></Oof></Settings>')
    return "MS-ASCMD 2.2.3.119 MS-ASCMD 2.2.3.120"


def initial_email(w):
    w.needs.append((("kind", "mail"), ("folder", "inbox"), ("at-least", "4")))
    prime(w, "inbox", "key1")
    if w.p.v >= 120:
        options = ("<Options><airsyncbase:BodyPreference xmlns:airsyncbase=\"AirSyncBase:\"><airsyncbase:Type>1"
                   "</airsyncbase:Type><airsyncbase:TruncationSize>200</airsyncbase:TruncationSize>"
                   "</airsyncbase:BodyPreference></Options>")
    else:
        options = "<Options><Truncation>1</Truncation></Options>"
    w.exchange("Sync the Inbox in windows of three, bodies cut short", "Sync",
               sync_collection(w, "inbox", "{{key1}}", get_changes(w) + "<WindowSize>3</WindowSize>" + options),
               sync_answer(w, "inbox", "{{key2}}", rest='<MoreAvailable/><Commands>' + "".join(
                   '<Add><ServerId>{{mail_%d}}</ServerId><ApplicationData match="any"/></Add>' % i for i in range(3))
                   + '</Commands>'))
    return "MS-ASCMD 2.2.3.186 MS-ASCMD 2.2.3.101 MS-ASAIRS 2.2.2.41"


def initial_contacts(w):
    w.needs.append((("kind", "contacts"), ("folder", "contacts"), ("at-least", "5")))
    prime(w, "contacts", "key1")
    w.exchange("Sync the contacts in windows of four", "Sync",
               sync_collection(w, "contacts", "{{key1}}", get_changes(w) + "<WindowSize>4</WindowSize>"),
               sync_answer(w, "contacts", "{{key2}}", rest='<MoreAvailable/><Commands>' + "".join(
                   '<Add><ServerId>{{contact_%d}}</ServerId><ApplicationData match="any"/></Add>' % i
                   for i in range(4)) + '</Commands>'))
    return "MS-ASCMD 2.2.3.186 MS-ASCMD 2.2.3.101 MS-ASCNTC 2.2.2"


def read_flag(w):
    prime(w, "inbox", "key1")
    w.exchange("Sync: the Inbox as it is", "Sync",
               sync_collection(w, "inbox", "{{key1}}", get_changes(w) + "<WindowSize>512</WindowSize>"),
               sync_answer(w, "inbox", "{{key2}}", rest='<Commands match="items"/>'))
    subject = unique(w, "Unread")
    w.event(deliver(w, subject, "Mark me read."))
    w.exchange("Sync: the new message, unread", "Sync",
               sync_collection(w, "inbox", "{{key2}}", get_changes(w)),
               sync_answer(w, "inbox", "{{key3}}", rest='<Commands><Add><ServerId>{{mail}}</ServerId>'
                           '<ApplicationData match="some"><email:Read xmlns:email="Email:">0</email:Read>'
                           '</ApplicationData></Add></Commands>'))
    w.exchange("Mark it read", "Sync",
               sync_collection(w, "inbox", "{{key3}}", '<Commands><Change><ServerId>{{mail}}</ServerId>'
                               '<ApplicationData><email:Read xmlns:email="Email:">1</email:Read></ApplicationData>'
                               '</Change></Commands>'),
               sync_answer(w, "inbox", "{{key4}}"))
    w.exchange("Nothing comes back", "Sync", sync_collection(w, "inbox", "{{key4}}", get_changes(w)),
               sync_answer(w, "inbox", "{{key4}}"))
    if w.p.v < 120:
        return "MS-ASEMAIL 2.2.2.58 MS-ASCMD 2.2.3.24"
    # ItemOperations (12.0+): the message as the server keeps it now, read
    # and otherwise as it came (a Change touches only what it names); once
    # deleted for good, Fetch finds nothing (Status 6).
    fetch = ('<ItemOperations xmlns="ItemOperations:" xmlns:airsync="AirSync:"><Fetch><Store>Mailbox</Store>'
             '<airsync:CollectionId>inbox</airsync:CollectionId><airsync:ServerId>{{mail}}</airsync:ServerId>'
             '</Fetch></ItemOperations>')
    w.exchange("ItemOperations Fetch: read, its subject kept", "ItemOperations", fetch,
               '<ItemOperations xmlns="ItemOperations:" xmlns:airsync="AirSync:" xmlns:email="Email:"><Status>1'
               '</Status><Response><Fetch><Status>1</Status><airsync:CollectionId>inbox</airsync:CollectionId>'
               '<airsync:ServerId>{{mail}}</airsync:ServerId><airsync:Class>Email</airsync:Class><Properties '
               'match="some"><email:Subject>%s</email:Subject><email:Read>1</email:Read></Properties></Fetch>'
               '</Response></ItemOperations>' % subject)
    w.exchange("Delete it for good", "Sync",
               sync_collection(w, "inbox", "{{key4}}", '<DeletesAsMoves>0</DeletesAsMoves><Commands><Delete>'
                               '<ServerId>{{mail}}</ServerId></Delete></Commands>'),
               sync_answer(w, "inbox", "{{key5}}"))
    w.exchange("ItemOperations Fetch of it: not found", "ItemOperations", fetch,
               '<ItemOperations xmlns="ItemOperations:" xmlns:airsync="AirSync:"><Status>1</Status><Response>'
               '<Fetch><Status>6</Status><airsync:CollectionId>inbox</airsync:CollectionId><airsync:ServerId>'
               '{{mail}}</airsync:ServerId></Fetch></Response></ItemOperations>')
    return "MS-ASEMAIL 2.2.2.58 MS-ASCMD 2.2.3.24 MS-ASCMD 2.2.1.10 MS-ASCMD 2.2.3.177.8 (ItemOperations Status 6)"


def catch_up(w, folder, key, next_key):
    """A full Sync: whatever the folder holds comes down first."""
    w.exchange("Sync: what the folder holds", "Sync",
               sync_collection(w, folder, "{{%s}}" % key, get_changes(w) + "<WindowSize>512</WindowSize>"),
               sync_answer(w, folder, "{{%s}}" % next_key, rest='<Commands match="items"/>'))


def calendar_add(w):
    prime(w, "calendar/team", "key0")
    catch_up(w, "calendar/team", "key0", "key1")
    subject = unique(w, "Workshop")
    # iOS sends an empty Recurrence with a single appointment (issue 16):
    # it says nothing, is not stored and never reaches another client.
    ios = w.p.family == "iphone" and w.p.v >= 120
    if ios:
        w.sources.append(src("an empty Recurrence in a single appointment",
                             "what an iOS client was observed sending (issue 16)"))
    event = ('<Commands><Add><ClientId>ev1</ClientId><ApplicationData>'
             '<calendar:Timezone xmlns:calendar="Calendar:">%s</calendar:Timezone>'
             '<calendar:StartTime xmlns:calendar="Calendar:">20261216T130000Z</calendar:StartTime>'
             '<calendar:EndTime xmlns:calendar="Calendar:">20261216T150000Z</calendar:EndTime>'
             '<calendar:Subject xmlns:calendar="Calendar:">%s</calendar:Subject>'
             '<calendar:BusyStatus xmlns:calendar="Calendar:">2</calendar:BusyStatus>%s'
             '</ApplicationData></Add></Commands>' % (base64.b64encode(bytes(172)).decode(), subject,
                                                     '<calendar:Recurrence xmlns:calendar="Calendar:"/>' if ios
                                                     else ""))
    w.exchange("Add an event made on the phone", "Sync", sync_collection(w, "calendar/team", "{{key1}}", event),
               sync_answer(w, "calendar/team", "{{key2}}", rest='<Responses><Add><ClientId>ev1</ClientId>'
                           '<ServerId>{{event}}</ServerId><Status>1</Status></Add></Responses>'))
    w.exchange("Fetch it back", "Sync",
               sync_collection(w, "calendar/team", "{{key2}}",
                               "<Commands><Fetch><ServerId>{{event}}</ServerId></Fetch></Commands>"),
               sync_answer(w, "calendar/team", "{{key3}}", rest='<Responses><Fetch><ServerId>{{event}}</ServerId>'
                           '<Status>1</Status><ApplicationData match="some"><calendar:StartTime xmlns:calendar='
                           '"Calendar:">20261216T130000Z</calendar:StartTime><calendar:Subject xmlns:calendar='
                           '"Calendar:">%s</calendar:Subject>%s</ApplicationData></Fetch></Responses>'
                           % (subject, '<calendar:Recurrence xmlns:calendar="Calendar:" match="absent"/>' if ios
                              else "")))
    return "MS-ASCAL 2.2.2 MS-ASCMD 2.2.3.7.2 MS-ASCMD 2.2.3.68"


def task_complete(w):
    prime(w, "tasks", "key0")
    catch_up(w, "tasks", "key0", "key1")
    subject = unique(w, "Call back")
    add = ('<Commands><Add><ClientId>t1</ClientId><ApplicationData><tasks:Subject xmlns:tasks="Tasks:">%s'
           '</tasks:Subject><tasks:Complete xmlns:tasks="Tasks:">0</tasks:Complete></ApplicationData></Add>'
           '</Commands>' % subject)
    w.exchange("Add a task", "Sync", sync_collection(w, "tasks", "{{key1}}", add),
               sync_answer(w, "tasks", "{{key2}}", rest='<Responses><Add><ClientId>t1</ClientId>'
                           '<ServerId>{{task}}</ServerId><Status>1</Status></Add></Responses>'))
    done = ('<Commands><Change><ServerId>{{task}}</ServerId><ApplicationData><tasks:Complete xmlns:tasks="Tasks:">'
            '1</tasks:Complete><tasks:DateCompleted xmlns:tasks="Tasks:">2026-11-24T10:00:00.000Z'
            '</tasks:DateCompleted></ApplicationData></Change></Commands>')
    w.exchange("Complete it", "Sync", sync_collection(w, "tasks", "{{key2}}", done), sync_answer(w, "tasks", "{{key3}}"))
    return "MS-ASTASK 2.2.2.4 MS-ASCMD 2.2.3.24"


def refused_folder_sync(w, note, status_14):
    """The provisioning gate: 449 up to 12.1, the status in the body from
    14.0 (MS-ASPROV 3.2.5.1). Returns the policy type the device provisions
    with next."""
    refused = '<FolderSync xmlns="FolderHierarchy:"><Status>%d</Status></FolderSync>' % status_14 if w.p.v >= 140 else None
    w.exchange(note, "FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>{{hierarchy_key}}</SyncKey></FolderSync>',
               refused, status=200 if w.p.v >= 140 else 449)
    return "MS-WAP-Provisioning-XML" if w.p.v == 25 else "MS-EAS-Provisioning-WBXML"


def wrong_policy_key(w):
    """A policy key the server never gave is refused (HTTP 449 up to 12.1,
    Status 144 from 14.0: MS-ASPROV 3.1.5.1, MS-ASCMD 2.2.2); a phase 2
    acknowledging a temporary key the server never gave gets Policy Status 5
    (MS-ASPROV 2.2.2.54.1). Both on purpose: a server probe."""
    wap = w.p.v == 25
    kind = "MS-WAP-Provisioning-XML" if wap else "MS-EAS-Provisioning-WBXML"
    refused = '<FolderSync xmlns="FolderHierarchy:"><Status>144</Status></FolderSync>' if w.p.v >= 140 else None
    w.exchange("FolderSync with a policy key the server never gave", "FolderSync",
               '<FolderSync xmlns="FolderHierarchy:"><SyncKey>{{hierarchy_key}}</SyncKey></FolderSync>', refused,
               status=200 if w.p.v >= 140 else 449, policy="1234567", unless="no-policy", breaks="http.policy-key")
    w.exchange("Provision phase 1", "Provision",
               '<Provision xmlns="Provision:"><Policies><Policy><PolicyType>%s</PolicyType></Policy></Policies>'
               '</Provision>' % kind,
               '<Provision xmlns="Provision:"><Status>1</Status><Policies><Policy><PolicyType>%s</PolicyType>'
               '<Status>1</Status><PolicyKey>{{temporary_key2}}</PolicyKey>%s</Policy></Policies></Provision>'
               % (kind, reference_policy(w.p.v)), policy="0", unless="no-policy")
    w.exchange("Provision phase 2 with a temporary key the server never gave: Status 5", "Provision",
               '<Provision xmlns="Provision:"><Policies><Policy><PolicyType>%s</PolicyType><PolicyKey>7654321'
               '</PolicyKey><Status>1</Status></Policy></Policies></Provision>' % kind,
               '<Provision xmlns="Provision:"><Status>1</Status><Policies><Policy><PolicyType>%s</PolicyType>'
               '<Status>5</Status></Policy></Policies></Provision>' % kind,
               policy="{{temporary_key2}}", unless="no-policy", breaks="provision.acknowledge")
    w.exchange("Provision phase 2 with the temporary key", "Provision",
               '<Provision xmlns="Provision:"><Policies><Policy><PolicyType>%s</PolicyType><PolicyKey>'
               '{{temporary_key2}}</PolicyKey><Status>1</Status></Policy></Policies></Provision>' % kind,
               '<Provision xmlns="Provision:"><Status>1</Status><Policies><Policy><PolicyType>%s</PolicyType>'
               '<Status>1</Status><PolicyKey>{{policy_key2}}</PolicyKey><Data match="absent"/></Policy></Policies>'
               '</Provision>' % kind, policy="{{temporary_key2}}", unless="no-policy")
    w.exchange("FolderSync with the final key", "FolderSync",
               '<FolderSync xmlns="FolderHierarchy:"><SyncKey>{{hierarchy_key}}</SyncKey></FolderSync>',
               '<FolderSync xmlns="FolderHierarchy:"><Status>1</Status><SyncKey>{{hierarchy_key}}</SyncKey>'
               '<Changes><Count>0</Count></Changes></FolderSync>', policy="{{policy_key2}}", unless="no-policy")
    return "MS-ASPROV 3.1.5.1 MS-ASPROV 2.2.2.54.1 MS-ASCMD 2.2.2"


def policy_change(w):
    w.event('  <event kind="admin" args="policy set MinDevicePasswordLength=6" note="the admin changes the policy"/>')
    kind = refused_folder_sync(w, "FolderSync with the old key: provision again", 143)
    w.exchange("Provision phase 1 again", "Provision",
               '<Provision xmlns="Provision:"><Policies><Policy><PolicyType>%s</PolicyType></Policy></Policies></Provision>' % kind,
               '<Provision xmlns="Provision:"><Status>1</Status><Policies><Policy><PolicyType>%s</PolicyType><Status>1</Status><PolicyKey>{{temporary_key2}}</PolicyKey>%s</Policy></Policies></Provision>' % (kind, reference_policy(w.p.v, "6")))
    w.exchange("Provision phase 2 again", "Provision",
               '<Provision xmlns="Provision:"><Policies><Policy><PolicyType>%s</PolicyType><PolicyKey>{{temporary_key2}}</PolicyKey><Status>1</Status></Policy></Policies></Provision>' % kind,
               '<Provision xmlns="Provision:"><Status>1</Status><Policies><Policy><PolicyType>%s</PolicyType><Status>1</Status><PolicyKey>{{policy_key2}}</PolicyKey><Data match="absent"/></Policy></Policies></Provision>' % kind,
               policy="{{temporary_key2}}")
    w.exchange("FolderSync with the new key", "FolderSync",
               '<FolderSync xmlns="FolderHierarchy:"><SyncKey>{{hierarchy_key}}</SyncKey></FolderSync>',
               '<FolderSync xmlns="FolderHierarchy:"><Status>1</Status><SyncKey>{{hierarchy_key}}</SyncKey>'
               '<Changes><Count>0</Count></Changes></FolderSync>', policy="{{policy_key2}}")
    # The policy is the server's, for every device: back as it was, so that
    # no capture depends on another's events.
    w.event('  <event kind="admin" args="policy set MinDevicePasswordLength=" note="the admin restores the policy"/>')
    return "MS-ASPROV 3.2.5.1 MS-ASPROV_R650"


def remote_wipe(w):
    w.event('  <event kind="admin" args="devices wipe %s/%s {{device_id}}" note="the admin orders a remote wipe"/>'
            % (w.p.context, w.p.login))
    kind = refused_folder_sync(w, "Any command now: wipe first", 140)
    w.exchange("Provision: the server answers with RemoteWipe", "Provision",
               '<Provision xmlns="Provision:"><Policies><Policy><PolicyType>%s</PolicyType></Policy></Policies>'
               '</Provision>' % kind,
               '<Provision xmlns="Provision:"><Status>1</Status><RemoteWipe/></Provision>')
    w.exchange("The device acknowledges the wipe", "Provision",
               '<Provision xmlns="Provision:"><RemoteWipe><Status>1</Status></RemoteWipe></Provision>',
               '<Provision xmlns="Provision:"><Status>1</Status></Provision>')
    return "MS-ASPROV 3.2.5.1.2.1 MS-ASPROV_R394"


def item_estimate(w):
    prime(w, "contacts", "key1")
    if w.p.v >= 140:
        body = ('<GetItemEstimate xmlns="GetItemEstimate:" xmlns:airsync="AirSync:"><Collections><Collection>'
                '<airsync:SyncKey>{{key1}}</airsync:SyncKey><CollectionId>contacts</CollectionId></Collection>'
                '</Collections></GetItemEstimate>')
    elif w.p.v >= 120:
        body = ('<GetItemEstimate xmlns="GetItemEstimate:" xmlns:airsync="AirSync:"><Collections><Collection>'
                '<Class>Contacts</Class><airsync:SyncKey>{{key1}}</airsync:SyncKey><CollectionId>contacts'
                '</CollectionId></Collection></Collections></GetItemEstimate>')
    else:
        body = ('<GetItemEstimate xmlns="GetItemEstimate:" xmlns:airsync="AirSync:"><Collections><Collection>'
                '<Class>Contacts</Class><airsync:SyncKey>{{key1}}</airsync:SyncKey><CollectionId>contacts'
                '</CollectionId><airsync:FilterType>0</airsync:FilterType></Collection></Collections>'
                '</GetItemEstimate>')
    w.exchange("GetItemEstimate: how many contacts are waiting", "GetItemEstimate", body,
               '<GetItemEstimate xmlns="GetItemEstimate:"><Response><Status>1</Status><Collection>'
               '<CollectionId>contacts</CollectionId><Estimate>{{estimate}}</Estimate></Collection></Response>'
               '</GetItemEstimate>')
    return "MS-ASCMD 2.2.1.9 MS-ASCMD 2.2.3.177.7"


def sync_without_getchanges(w):
    """A Sync with a non-zero SyncKey and no GetChanges is handled as if
    GetChanges were 1 in every version (MS-ASCMD 2.2.3.84): the client gets
    the message GetItemEstimate announced, never a loop of estimates that a
    Sync does not serve."""
    w.sources.append(src("GetChanges left out of a Sync with a non-zero key",
                         "what a Python EAS library at 12.0 and 2.5 was observed doing against this server "
                         "(issue 16), here in this device's session form; 12.1 and later imply it anyway"))
    w.needs.append((("kind", "mail"), ("folder", "inbox"), ("at-least", "1")))
    prime(w, "inbox", "key1")
    catch_up(w, "inbox", "key1", "key2")
    subject = unique(w, "Pending")
    w.event(deliver(w, subject, "Waiting for the next Sync."))
    cls = "<Class>Email</Class>" if w.p.v < 140 else ""
    filter_type = "<airsync:FilterType>0</airsync:FilterType>" if w.p.v < 120 else ""
    w.exchange("GetItemEstimate: one message waits", "GetItemEstimate",
               '<GetItemEstimate xmlns="GetItemEstimate:" xmlns:airsync="AirSync:"><Collections><Collection>'
               '%s<airsync:SyncKey>{{key2}}</airsync:SyncKey><CollectionId>inbox</CollectionId>%s</Collection>'
               '</Collections></GetItemEstimate>' % (cls, filter_type),
               '<GetItemEstimate xmlns="GetItemEstimate:"><Response><Status>1</Status><Collection>'
               '<CollectionId>inbox</CollectionId><Estimate>1</Estimate></Collection></Response>'
               '</GetItemEstimate>')
    w.exchange("Sync without GetChanges: the message comes", "Sync",
               sync_collection(w, "inbox", "{{key2}}"),
               sync_answer(w, "inbox", "{{key3}}", rest='<Commands><Add><ServerId>{{pending}}</ServerId>'
                           '<ApplicationData match="some"><email:Subject xmlns:email="Email:">%s</email:Subject>'
                           '</ApplicationData></Add></Commands>' % subject))
    w.exchange("GetItemEstimate: nothing waits", "GetItemEstimate",
               '<GetItemEstimate xmlns="GetItemEstimate:" xmlns:airsync="AirSync:"><Collections><Collection>'
               '%s<airsync:SyncKey>{{key3}}</airsync:SyncKey><CollectionId>inbox</CollectionId>%s</Collection>'
               '</Collections></GetItemEstimate>' % (cls, filter_type),
               '<GetItemEstimate xmlns="GetItemEstimate:"><Response><Status>1</Status><Collection>'
               '<CollectionId>inbox</CollectionId><Estimate>0</Estimate></Collection></Response>'
               '</GetItemEstimate>')
    return "MS-ASCMD_R5556 MS-ASCMD 2.2.3.84 MS-ASCMD 2.2.1.9"


def truncation(w):
    """A body fetched with TruncationSize 5 (MS-ASAIRS 2.2.2.40.1): its first
    five bytes, Truncated 1, and the whole size as EstimatedDataSize. At 2.5,
    a Sync with Truncation 1 (MS-ASCMD 2.2.3.185: body text over 512
    characters is cut; not MIMETruncation's table, where 1 is 4,096): the
    first 512 characters, BodyTruncated 1, the whole size as BodySize."""
    token = unique(w, "Long")
    if w.p.v < 120:
        text = "Cut me short, please. " * 32  # 704 characters
        prime(w, "inbox", "key1")
        catch_up(w, "inbox", "key1", "key2")
        w.event(deliver(w, token, text))
        w.exchange("Sync with Truncation 1: the new message's first 512 characters", "Sync",
                   sync_collection(w, "inbox", "{{key2}}", get_changes(w) + "<Options><Truncation>1</Truncation>"
                                   "</Options>"),
                   sync_answer(w, "inbox", "{{key3}}", rest='<Commands><Add><ServerId>{{mail}}</ServerId>'
                               '<ApplicationData match="some"><email:Subject xmlns:email="Email:">%s</email:Subject>'
                               '<email:BodySize xmlns:email="Email:">{{size}}</email:BodySize><email:BodyTruncated '
                               'xmlns:email="Email:">1</email:BodyTruncated><email:Body xmlns:email="Email:">%s'
                               '</email:Body></ApplicationData></Add></Commands>' % (token, text[:512])))
        return "MS-ASCMD 2.2.3.185 (Truncation 1: over 512 characters)"
    w.event(deliver(w, token, "Cut me short, please."))
    w.exchange("Search the mailbox for %s" % token, "Search",
               '<Search xmlns="Search:" xmlns:airsync="AirSync:"><Store><Name>Mailbox</Name><Query><And>'
               '<airsync:Class>Email</airsync:Class><airsync:CollectionId>inbox</airsync:CollectionId>'
               '<FreeText>%s</FreeText></And></Query><Options><Range>0-4</Range></Options></Store></Search>' % token,
               '<Search xmlns="Search:" xmlns:airsync="AirSync:" xmlns:email="Email:"><Status>1</Status><Response>'
               '<Store><Status>1</Status><Result><airsync:Class>Email</airsync:Class><LongId>{{long_id}}</LongId>'
               '<airsync:CollectionId>inbox</airsync:CollectionId><Properties match="some"><email:Subject>%s'
               '</email:Subject></Properties></Result><Range>0-0</Range><Total>1</Total></Store></Response>'
               '</Search>' % token)
    w.exchange("ItemOperations Fetch with TruncationSize 5: the first five bytes", "ItemOperations",
               '<ItemOperations xmlns="ItemOperations:" xmlns:airsyncbase="AirSyncBase:" xmlns:search="Search:">'
               '<Fetch><Store>Mailbox</Store><search:LongId>{{long_id}}</search:LongId><Options>'
               '<airsyncbase:BodyPreference><airsyncbase:Type>1</airsyncbase:Type><airsyncbase:TruncationSize>5'
               '</airsyncbase:TruncationSize></airsyncbase:BodyPreference></Options></Fetch></ItemOperations>',
               '<ItemOperations xmlns="ItemOperations:" xmlns:airsync="AirSync:" xmlns:airsyncbase="AirSyncBase:" '
               'xmlns:email="Email:" xmlns:search="Search:"><Status>1</Status><Response><Fetch><Status>1</Status>'
               '<search:LongId>{{long_id}}</search:LongId><airsync:Class>Email</airsync:Class>'
               '<Properties match="some"><email:Subject>%s</email:Subject><airsyncbase:Body>'
               '<airsyncbase:Type>1</airsyncbase:Type><airsyncbase:EstimatedDataSize>{{size}}'
               '</airsyncbase:EstimatedDataSize><airsyncbase:Truncated>1</airsyncbase:Truncated>'
               '<airsyncbase:Data>Cut m</airsyncbase:Data></airsyncbase:Body></Properties></Fetch></Response>'
               '</ItemOperations>' % token)
    return "MS-ASAIRS 2.2.2.40.1 MS-ASAIRS 2.2.2.51 MS-ASCMD 2.2.1.10"


def mime_of_stored_mail(w):
    """A message the groupware keeps only as properties (the demo's status
    updates on the embedded store), fetched as MIME: the body is Type 4
    (MS-ASAIRS 2.2.2.22.4), built from the message, never plain text."""
    w.needs.append((("kind", "demo-mail"), ("subject", "Status update #3")))
    search_mail(w, "update #3", "long_id")
    w.exchange("ItemOperations Fetch as MIME", "ItemOperations",
               '<ItemOperations xmlns="ItemOperations:" xmlns:airsync="AirSync:" xmlns:airsyncbase="AirSyncBase:" '
               'xmlns:search="Search:"><Fetch><Store>Mailbox</Store><search:LongId>{{long_id}}</search:LongId>'
               '<Options><airsync:MIMESupport>2</airsync:MIMESupport><airsyncbase:BodyPreference>'
               '<airsyncbase:Type>4</airsyncbase:Type></airsyncbase:BodyPreference></Options></Fetch>'
               '</ItemOperations>',
               '<ItemOperations xmlns="ItemOperations:" xmlns:airsync="AirSync:" xmlns:airsyncbase="AirSyncBase:" '
               'xmlns:email="Email:" xmlns:search="Search:"><Status>1</Status><Response><Fetch><Status>1</Status>'
               '<search:LongId>{{long_id}}</search:LongId><airsync:Class>Email</airsync:Class>'
               '<Properties match="some"><email:Subject>Status update #3</email:Subject><airsyncbase:Body '
               'match="some"><airsyncbase:Type>4</airsyncbase:Type><airsyncbase:Data match="any"/>'
               '</airsyncbase:Body></Properties></Fetch></Response></ItemOperations>')
    return "MS-ASAIRS 2.2.2.22.4 MS-ASCMD 2.2.3.106 MS-ASCMD 2.2.1.10"


def find(w):
    """Find (16.1): a message by a subject restriction, then people in the
    GAL, each search starting at Range 0 (MS-ASCMD 2.2.3.143.1)."""
    w.exchange("Find a message by its subject", "Find",
               '<Find xmlns="Find:" xmlns:airsync="AirSync:"><SearchId>%s-1</SearchId><ExecuteSearch>'
               '<MailBoxSearchCriterion><Query><airsync:Class>Email</airsync:Class><airsync:CollectionId>inbox'
               '</airsync:CollectionId><FreeText>subject:update #3</FreeText></Query><Options><Range>0-9</Range>'
               '</Options></MailBoxSearchCriterion></ExecuteSearch></Find>' % w.device_id,
               '<Find xmlns="Find:" xmlns:airsync="AirSync:" xmlns:email="Email:" '
               'xmlns:itemoperations="ItemOperations:"><Status>1</Status><Response><itemoperations:Store>Mailbox'
               '</itemoperations:Store><Status>1</Status><Result><airsync:Class>Email</airsync:Class>'
               '<airsync:ServerId>{{found}}</airsync:ServerId><airsync:CollectionId>inbox</airsync:CollectionId>'
               '<Properties match="some"><email:Subject>Status update #3</email:Subject></Properties></Result>'
               '<Range>0-0</Range><Total>1</Total></Response></Find>')
    w.exchange("Find people named Lena in the GAL", "Find",
               '<Find xmlns="Find:"><SearchId>%s-2</SearchId><ExecuteSearch><GalSearchCriterion><Query>'
               '<FreeText>Lena</FreeText></Query><Options><Range>0-4</Range></Options></GalSearchCriterion>'
               '</ExecuteSearch></Find>' % w.device_id,
               '<Find xmlns="Find:"><Status>1</Status><Response match="some"><Status>1</Status>'
               '<Result match="any"/><Total>{{gal_total}}</Total></Response></Find>')
    w.exchange("A new search may not start past 0", "Find",
               '<Find xmlns="Find:" xmlns:airsync="AirSync:"><SearchId>%s-3</SearchId><ExecuteSearch>'
               '<MailBoxSearchCriterion><Query><airsync:Class>Email</airsync:Class><FreeText>update</FreeText>'
               '</Query><Options><Range>5-9</Range></Options></MailBoxSearchCriterion></ExecuteSearch></Find>'
               % w.device_id,
               '<Find xmlns="Find:"><Status>1</Status><Response><Status>4</Status></Response></Find>')
    return "MS-ASCMD 2.2.1.2 MS-ASCMD 2.2.3.143.1 MS-ASCMD 2.2.3.177.2"


def hierarchy_invalid_key(w):
    w.exchange("FolderSync with a key never given", "FolderSync",
               '<FolderSync xmlns="FolderHierarchy:"><SyncKey>4242</SyncKey></FolderSync>',
               '<FolderSync xmlns="FolderHierarchy:"><Status>9</Status></FolderSync>', breaks="foldersync.keys")
    w.exchange("FolderSync 0: start over", "FolderSync",
               '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>',
               '<FolderSync xmlns="FolderHierarchy:"><Status>1</Status><SyncKey>{{hierarchy_key2}}</SyncKey>%s'
               '</FolderSync>' % reference_hierarchy(),
               allows=ox_hierarchy('<FolderSync xmlns="FolderHierarchy:"><Status>1</Status><SyncKey>'
                                   '{{hierarchy_key2}}</SyncKey>%s</FolderSync>' % reference_hierarchy()))
    return "MS-ASCMD 2.2.3.177.5 (FolderSync Status 9) MS-ASCMD 2.2.3.181.2"


def resync_total(w):
    """The way back after a server error: the device's state is gone (the
    admin drops it, as a failure or a restore would), its old keys get
    Status 3 and 9, and a full resync ("resync total" in the Nokia manual)
    brings the same items under the same ServerIds."""
    prime(w, "contacts", "key1")
    contacts = "".join('<Add><ServerId>{{contact_%d}}</ServerId><ApplicationData match="any"/></Add>' % i
                       for i in range(4))
    w.exchange("Sync the first contacts", "Sync",
               sync_collection(w, "contacts", "{{key1}}", get_changes(w) + "<WindowSize>4</WindowSize>"),
               sync_answer(w, "contacts", "{{key2}}", rest="<MoreAvailable/><Commands>%s</Commands>" % contacts))
    w.event('  <event kind="admin" args="devices resync %s/%s {{device_id}}" note="the device\'s sync state is lost"/>'
            % (w.p.context, w.p.login))
    w.exchange("Sync with the key the server no longer knows", "Sync",
               sync_collection(w, "contacts", "{{key2}}", get_changes(w) + "<WindowSize>4</WindowSize>"),
               sync_answer(w, "contacts", "0", status="3"))
    w.exchange("FolderSync with the old hierarchy key", "FolderSync",
               '<FolderSync xmlns="FolderHierarchy:"><SyncKey>{{hierarchy_key}}</SyncKey></FolderSync>',
               '<FolderSync xmlns="FolderHierarchy:"><Status>9</Status></FolderSync>')
    w.exchange("Resync total: FolderSync 0", "FolderSync",
               '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>',
               '<FolderSync xmlns="FolderHierarchy:"><Status>1</Status><SyncKey>{{hierarchy_key2}}</SyncKey>%s'
               '</FolderSync>' % reference_hierarchy(),
               allows=ox_hierarchy('<FolderSync xmlns="FolderHierarchy:"><Status>1</Status><SyncKey>'
                                   '{{hierarchy_key2}}</SyncKey>%s</FolderSync>' % reference_hierarchy()))
    prime(w, "contacts", "key3")
    w.exchange("Resync total: the same contacts under the same ServerIds", "Sync",
               sync_collection(w, "contacts", "{{key3}}", get_changes(w) + "<WindowSize>4</WindowSize>"),
               sync_answer(w, "contacts", "{{key4}}", rest="<MoreAvailable/><Commands>%s</Commands>" % contacts))
    return "MS-ASCMD 3.1.5.3 MS-ASCMD 2.2.3.177.17 (Sync Status 3) MS-ASCMD 2.2.3.177.5 (FolderSync Status 9)"


def empty_trash(w):
    w.exchange("ItemOperations EmptyFolderContents on Deleted Items", "ItemOperations",
               '<ItemOperations xmlns="ItemOperations:" xmlns:airsync="AirSync:"><EmptyFolderContents>'
               '<airsync:CollectionId>trash</airsync:CollectionId></EmptyFolderContents></ItemOperations>',
               '<ItemOperations xmlns="ItemOperations:" xmlns:airsync="AirSync:"><Status>1</Status><Response>'
               '<EmptyFolderContents><Status>1</Status><airsync:CollectionId>trash</airsync:CollectionId>'
               '</EmptyFolderContents></Response></ItemOperations>')
    return "MS-ASCMD 2.2.3.51"


def smart_forward(w):
    token = unique(w, "Slides")
    data = ("slides of %s\n" % token).encode()
    find_message(w, token, "long_id", deliver(w, token, "The slides are attached.", attachment=("slides.txt", data)))
    note = mime_message("", colleague(w), "FW: " + token, "FYI, slides below.").replace("From: \n", "")
    smart(w, "SmartForward", "fwd", note, "SmartForward: the original and its attachment added by the server",
          "SmartForward: MIME body, the original named by LongId")
    return "MS-ASCMD 2.2.1.19 MS-ASCMD 2.2.3.93"


def validate_cert(w):
    w.exchange("ValidateCert with bytes that are no certificate", "ValidateCert",
               '<ValidateCert xmlns="ValidateCert:"><Certificates><Certificate>bm90IGEgY2VydGlmaWNhdGU=</Certificate>'
               '</Certificates></ValidateCert>',
               '<ValidateCert xmlns="ValidateCert:"><Status>1</Status><Certificate><Status>2</Status></Certificate>'
               '</ValidateCert>')
    return "MS-ASCMD 2.2.1.22 MS-ASCMD 2.2.3.177.18"


# (name, function, minimum protocol version x10)
SCENARIOS = [
    ("gal-search", gal_search, 25),
    ("resolve-recipients", resolve_recipients, 25),
    ("send-mail", send_mail, 25),
    ("push-ping", push_ping, 25),
    ("ping-bounds", ping_bounds, 25),
    ("contacts-changes", contacts_changes, 25),
    ("contact-field-cleared", contact_field_cleared, 120),
    ("initial-sync-calendar", initial_calendar, 25),
    ("lost-response-tasks", initial_tasks, 25),
    ("filter-type", filter_type, 25),
    ("truncation", truncation, 25),
    ("invalid-sync-key", invalid_key, 25),
    ("bad-input", bad_input, 25),
    ("folder-changes", folder_changes, 25),
    ("folder-changes-elsewhere", folder_changes_elsewhere, 25),
    ("attachment-fetch", attachment, 25),
    ("smart-reply", smart_reply, 25),
    ("meeting-response", meeting_response, 25),
    ("move-items", move_items, 25),
    ("out-of-office", oof, 120),
    ("initial-sync-email", initial_email, 25),
    ("initial-sync-contacts", initial_contacts, 25),
    ("read-flag", read_flag, 25),
    ("calendar-add", calendar_add, 25),
    ("task-complete", task_complete, 25),
    ("policy-change", policy_change, 25),
    ("wrong-policy-key", wrong_policy_key, 25),
    ("remote-wipe", remote_wipe, 25),
    ("item-estimate", item_estimate, 25),
    ("sync-without-getchanges", sync_without_getchanges, 25),
    ("mime-of-property-mail", mime_of_stored_mail, 120),
    ("find", find, 161),
    ("ping-own-change", ping_own_change, 161),
    ("hierarchy-invalid-key", hierarchy_invalid_key, 25),
    ("empty-trash", empty_trash, 120),
    ("smart-forward", smart_forward, 25),
    ("validate-cert", validate_cert, 25),
    ("resync-total", resync_total, 25),
]


def first_setup(w):
    """The first session: OPTIONS, a command refused until provisioned (449
    up to 12.1, Status 142 from 14.0), both Provision phases, FolderSync 0."""
    p = w.p
    lines = ['    <request method="OPTIONS" target="/Microsoft-Server-ActiveSync">',
             '      <header name="Authorization">{{basic-auth}}</header>']
    if p.style == "ios":
        lines.append('      <header name="X-MS-PolicyKey">0</header>')
    if p.ua:
        lines.append('      <header name="User-Agent">%s</header>' % escape(p.ua))
    for name, value in p.extra_headers:
        lines.append('      <header name="%s">%s</header>' % (name, escape(value)))
    lines.append("    </request>")
    w.parts.append('  <exchange note="OPTIONS: which versions and commands">\n%s\n    <response status="200">\n'
                   '      <header name="MS-ASProtocolVersions">{{protocol_versions}}</header>\n'
                   '      <header name="MS-ASProtocolCommands">{{protocol_commands}}</header>\n'
                   '    </response>\n  </exchange>' % "\n".join(lines))
    refused = '<FolderSync xmlns="FolderHierarchy:"><Status>142</Status></FolderSync>' if p.v >= 140 else None
    # A server with no policy for this client has nothing to provision
    # (MS-ASPROV 3.1.5.1): it may answer at once, if its Provision then says so.
    answered = ('<FolderSync xmlns="FolderHierarchy:"><Status>1</Status><SyncKey>{{unprovisioned_key}}</SyncKey>'
                '<Changes match="any"/></FolderSync>')
    w.exchange("FolderSync before provisioning", "FolderSync",
               '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>', refused,
               status=200 if p.v >= 140 else 449, policy="0",
               allows=[("MS-ASPROV 3.1.5.1 (no policy: nothing to provision first)", answered, 200,
                        {"requires": "no-policy"})])
    w.setup()
    return "MS-ASHTTP_R178 MS-ASPROV_R394 MS-ASPROV_R650 MS-ASPROV_R662 MS-ASCMD 2.2.1.5"


# The reference server's folder ids as what they are: a capture binds each
# folder by its FolderSync Type (tools/replay/capture.py FOLDER_TYPES), so it
# runs on servers whose ids differ (Z-Push's are per device).
FOLDER_BINDINGS = {
    "inbox": "inbox", "drafts": "drafts", "trash": "deleted", "sent": "sent", "outbox": "outbox",
    "tasks": "tasks", "calendar": "calendar", "contacts": "contacts",
    "inbox/projects": "user-mail", "calendar/team": "user-calendar", "contacts/customers": "user-contacts",
}
FOLDER_ID = "|".join(re.escape(f) for f in sorted(FOLDER_BINDINGS, key=len, reverse=True))


def bind_folders(text):
    # An item's id in the reference server's form, FOLDER:N (pinned answers), too.
    text = re.sub(r">(%s)(:\d+)?<" % FOLDER_ID,
                  lambda m: ">{{folder:%s}}%s<" % (FOLDER_BINDINGS[m.group(1)], m.group(2) or ""), text)
    return re.sub(r"(CollectionId=)(%s)(?=&|\")" % FOLDER_ID,
                  lambda m: m.group(1) + "{{folder:%s}}" % FOLDER_BINDINGS[m.group(2)], text)


def build(profile, name, scenario):
    text = bind_folders(build_text(profile, name, scenario))
    # A user-created folder the capture works in is a need of its own.
    requests = "".join(re.findall(r"<request .*?</request>", text, re.S))
    needs = "".join('\n    <need kind="folder" type="%s"/>' % t
                    for t in ("user-mail", "user-calendar", "user-contacts") if "{{folder:%s}}" % t in requests)
    if needs:
        if '<groupware state="demo"/>' in text:
            text = text.replace('<groupware state="demo"/>', '<groupware state="demo">%s\n  </groupware>' % needs, 1)
        else:
            text = text.replace('<groupware state="demo">', '<groupware state="demo">' + needs, 1)
    return text


def build_text(profile, name, scenario):
    w = Writer(profile, name, "")
    if name == "first-setup":
        w.verifies = first_setup(w)
        return w.text()
    w.setup()
    w.verifies = scenario(w)
    text = w.text()
    if name == "bad-input":
        # A request body of stray bytes (not WBXML) where the Sync goes.
        text = text.replace('Cmd=Sync">', 'Cmd=Sync">', 1)
        marker = "      <header name=\"X-MS-PolicyKey\">{{policy_key}}</header>"
        garbage = '      <body hex="03 01 6a 00 45 ff ff"/>'
        head, sep, tail = text.rpartition("</request>")
        text = head.rstrip() + "\n" + garbage + "\n    " + sep + tail
    return text


GENERATED = "Written by tools/captures/generate_captures.py"


def outputs():
    for profile in PROFILES:
        for name, scenario, minimum in [("first-setup", None, 25)] + SCENARIOS:
            if profile.v < minimum:
                continue
            path = os.path.join(ROOT, "captures", profile.family, "%s-%s.xml" % (profile.tag, name))
            if os.path.exists(path) and GENERATED not in open(path).read():
                continue  # written by hand: the generator leaves it alone
            yield path, build(profile, name, scenario)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only check that the files are current")
    args = parser.parse_args(argv)
    stale = []
    for path, text in outputs():
        current = open(path).read() if os.path.exists(path) else None
        if current != text:
            stale.append(path)
            if not args.check:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w") as f:
                    f.write(text)
    unused = unused_pins() if not os.environ.get("EAS_CAPTURES_UNPINNED") else []
    if unused and not args.check:
        # Answers pinned where the captures no longer leave content open.
        pins = reference_pins()
        for c, n, b, w, i in unused:
            del pins[c][n][b][w][i]
        prune = lambda d: {k: prune(v) for k, v in d.items() if not isinstance(v, dict) or prune(v)} \
            if isinstance(d, dict) else d
        with open(os.path.join(ROOT, "tools", "captures", "reference_pins.json"), "w", encoding="utf-8") as f:
            json.dump(prune(pins), f, indent=1, sort_keys=True, ensure_ascii=False)
            f.write("\n")
        print("%d pinned answers no capture uses: removed" % len(unused))
    if args.check and (stale or unused):
        if stale:
            print("out of date (run tools/captures/generate_captures.py):\n  " + "\n  ".join(stale))
        if unused:
            print("pinned answers no capture uses (run tools/captures/generate_captures.py):\n  "
                  + "\n  ".join(map(str, unused[:20])))
        return 1
    print("%d captures %s" % (sum(1 for _ in outputs()), "checked" if args.check else "written"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
