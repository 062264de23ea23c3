"""Every client rule flags a session that breaks it, and no other rule does;
a well-behaved session passes every rule it exercises; the capture corpus,
read as client sessions, breaks no rule except where a capture says it does
so on purpose (breaks=..., a server probe)."""

import glob
import os
import sys
import xml.etree.ElementTree as ET

import pytest

import clientcheck
import rules
from session import Exchange, Session

V = "14.0"


def ex(command, body=None, response=None, status=200, version=V, policy="{{final}}", mime=None,
       content_type=None, device=("DEV1", "iPhone"), query_problem=None, headers=()):
    x = Exchange(0, command)
    x.command, x.version, x.policy_key = command, version, policy
    x.query = {"Cmd": command, "User": "u", "DeviceId": device[0], "DeviceType": device[1]}
    x.query_problem = query_problem
    x.body = ET.fromstring(body) if body else None
    x.mime = mime
    x.content_type = content_type or ("message/rfc822" if mime is not None else "application/vnd.ms-sync.wbxml")
    x.status, x.response = status, ET.fromstring(response) if response else None
    x.response_headers = dict(headers)
    return x


def options(versions="2.5,12.0,12.1,14.0,14.1"):
    x = ex("OPTIONS", policy=None)
    x.command, x.method = "OPTIONS", "OPTIONS"
    x.response_headers = {"ms-asprotocolversions": versions}
    return x


PROV = '<Provision xmlns="Provision:"><Policies><Policy><PolicyType>%s</PolicyType>%s</Policy></Policies></Provision>'
PROV_ANSWER = ('<Provision xmlns="Provision:"><Status>1</Status><Policies><Policy><PolicyType>%s</PolicyType>'
               '<Status>1</Status><PolicyKey>%s</PolicyKey></Policy></Policies></Provision>')
EAS = "MS-EAS-Provisioning-WBXML"


def provision(temporary="{{temp}}", final="{{final}}", acknowledged=None, kind=EAS):
    return [ex("Provision", PROV % (kind, ""), PROV_ANSWER % (kind, temporary), policy="0"),
            ex("Provision", PROV % (kind, "<PolicyKey>%s</PolicyKey><Status>1</Status>" % (acknowledged or temporary)),
               PROV_ANSWER % (kind, final), policy=temporary)]


def folder_sync(key, answer_key, status="1", adds=()):
    changes = "".join("<Add><ServerId>%s</ServerId><ParentId>0</ParentId><DisplayName>%s</DisplayName>"
                      "<Type>12</Type></Add>" % (a, a) for a in adds)
    return ex("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>%s</SyncKey></FolderSync>' % key,
              '<FolderSync xmlns="FolderHierarchy:"><Status>%s</Status><SyncKey>%s</SyncKey>%s</FolderSync>'
              % (status, answer_key, "<Changes><Count>%d</Count>%s</Changes>" % (len(adds), changes) if adds else ""))


def sync(key, answer_key, inner="", status="1", folder="inbox", version=V, klass="", more=False):
    return ex("Sync", '<Sync xmlns="AirSync:"><Collections><Collection>%s<SyncKey>%s</SyncKey><CollectionId>%s'
              '</CollectionId>%s</Collection></Collections></Sync>' % (klass, key, folder, inner),
              '<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>%s</SyncKey><CollectionId>%s</CollectionId>'
              '<Status>%s</Status>%s</Collection></Collections></Sync>'
              % (answer_key, folder, status, "<MoreAvailable/>" if more else ""), version=version)


def ping(heartbeat=480, status="1", answer_extra="", folders=1, ids=None):
    fs = "".join("<Folder><Id>%s</Id><Class>Email</Class></Folder>" % i for i in (ids or
                                                                                   ["f%d" % n for n in range(folders)]))
    return ex("Ping", '<Ping xmlns="Ping:"><HeartbeatInterval>%d</HeartbeatInterval><Folders>%s</Folders></Ping>'
              % (heartbeat, fs), '<Ping xmlns="Ping:"><Status>%s</Status>%s</Ping>' % (status, answer_extra))


COMPOSE = ('<SendMail xmlns="ComposeMail:"><ClientId>%s</ClientId><SaveInSentItems/><Mime>%s</Mime></SendMail>')


def good():
    return ([options()] + provision() + [folder_sync("0", "{{h1}}", adds=("inbox", "f0", "f1", "f2")),
            sync("0", "{{k1}}"),
            sync("{{k1}}", "{{k2}}", "<WindowSize>100</WindowSize><Commands><Add><ClientId>1</ClientId>"
                 "<ApplicationData/></Add><Add><ClientId>2</ClientId><ApplicationData/></Add></Commands>"),
            ping(), folder_sync("{{h1}}", "{{h2}}"),
            ex("SendMail", COMPOSE % ("m1", "a")), ex("SendMail", COMPOSE % ("m2", "b"))])


def session_of(exchanges):
    for n, x in enumerate(exchanges, 1):
        x.number = n
    return Session("test", {"protocol": V}, exchanges)


def failing(exchanges):
    return sorted(v.rule.id for v in rules.check(session_of(exchanges)) if v.failures)


def test_a_well_behaved_session_passes_every_rule_it_exercises():
    verdicts = rules.check(session_of(good()))
    assert [v.rule.id for v in verdicts if v.failures] == []
    assert sum(1 for v in verdicts if v.outcome == "pass") >= 14


def replaced(index, x):
    xs = good()
    xs[index] = x
    return xs


BREAKING = {
    "http.query": lambda: replaced(3, without_device_type(good()[3])),
    "http.device-stable": lambda: good()[:-1] + [ex("SendMail", COMPOSE % ("m2", "b"), device=("DEV2", "iPhone"))],
    "http.protocol-version": lambda: [options("2.5,12.0,12.1")] + good()[1:],
    "http.content-type": lambda: good()[:-1] + [ex("SendMail", COMPOSE % ("m2", "b"), content_type="text/plain")],
    "http.policy-key": lambda: good()[:-1] + [ex("SendMail", COMPOSE % ("m2", "b"), policy="{{temp}}")],
    "provision.when-told": lambda: good()[:-1] + [
        ex("SendMail", COMPOSE % ("m2", "b"), response='<SendMail xmlns="ComposeMail:"><Status>142</Status>'
           '</SendMail>'), ex("SendMail", COMPOSE % ("m3", "c"))],
    "provision.acknowledge": lambda: [options()] + provision(acknowledged="{{other}}") + good()[3:],
    "provision.no-loop": lambda: [options()] + [provision()[0] for _ in range(4)] + provision()[1:] + good()[3:],
    "provision.wipe-acknowledged": lambda: good() + wiped(acknowledge="RemoteWipe", kind="AccountOnlyRemoteWipe"),
    "foldersync.keys": lambda: replaced(7, folder_sync("{{never}}", "{{h2}}")),
    "sync.keys": lambda: replaced(5, sync("{{never}}", "{{k2}}")),
    "sync.no-commands-at-zero": lambda: replaced(4, sync("0", "{{k1}}", "<Commands><Delete><ServerId>x</ServerId>"
                                                         "</Delete></Commands>")),
    "sync.window-size": lambda: replaced(5, sync("{{k1}}", "{{k2}}", "<WindowSize>513</WindowSize>")),
    "sync.client-ids": lambda: replaced(5, sync("{{k1}}", "{{k2}}", "<Commands><Add><ClientId>1</ClientId>"
                                                "<ApplicationData/></Add><Add><ClientId>1</ClientId>"
                                                "<ApplicationData/></Add></Commands>")),
    "sync.class-by-version": lambda: replaced(5, sync("{{k1}}", "{{k2}}", klass="<Class>Email</Class>")),
    "sync.partial-and-empty": lambda: [x if x.command != "Sync" else sync(
        x.body.findtext(".//{AirSync:}SyncKey"), x.response.findtext(".//{AirSync:}SyncKey"), version="12.0")
        for x in good()] + [ex("Sync", version="12.0")],
    "ping.after-status": lambda: good()[:6] + [ping(status="7"), ping()] + good()[7:],
    "ping.changed-folders-synced": lambda: good()[:6] + [
        ping(status="2", answer_extra="<Folders><Folder>f0</Folder></Folders>"), ping()] + good()[7:],
    "ping.known-folders": lambda: replaced(6, ping(ids=["f0", "gone"])),
    "sync.status-12": lambda: good()[:5] + [sync("{{k1}}", "{{k1}}", status="12")] + good()[5:],
    "sync.more-available": lambda: replaced(5, sync("{{k1}}", "{{k2}}", "<WindowSize>1</WindowSize>", more=True)),
    "mail.form-by-version": lambda: good()[:-1] + [ex("SendMail", version="14.0", mime="From: a\r\n\r\nb")],
    "mail.client-id": lambda: good()[:-1] + [ex("SendMail", COMPOSE % ("m1", "another message"))],
    "behaviour.wbxml": lambda: good()[:-1] + [broken_body()],
    "behaviour.elements-by-version": lambda: replaced(5, sync("{{k1}}", "{{k2}}", "<Options><Truncation>1"
                                                              "</Truncation></Options>")),
    "behaviour.no-storm": lambda: good() + [folder_sync("{{h2}}", "{{h2}}") for _ in range(6)],
    "behaviour.401": lambda: good() + [ex("SendMail", COMPOSE % ("m%d" % i, "x"), status=401) for i in range(5, 9)],
    "behaviour.retry-after": lambda: good() + refused_then_retried(after=10),
    "behaviour.storm-per-minute": lambda: good() + polling(every=2.0),
}


def wiped(acknowledge, kind="RemoteWipe"):
    """A Sync told a wipe waits (140), the empty Provision that gets it,
    and the acknowledgement of `acknowledge` (MS-ASPROV 3.1.5.1.2.2/.3)."""
    return [ex("Sync", '<Sync xmlns="AirSync:"/>', '<Sync xmlns="AirSync:"><Status>140</Status></Sync>'),
            ex("Provision", '<Provision xmlns="Provision:"/>',
               '<Provision xmlns="Provision:"><Status>1</Status><%s/></Provision>' % kind),
            ex("Provision", '<Provision xmlns="Provision:"><%s><Status>1</Status></%s></Provision>'
               % (acknowledge, acknowledge), '<Provision xmlns="Provision:"><Status>1</Status></Provision>')]


def test_a_wipe_acknowledged_with_its_own_element_passes():
    for kind in ("RemoteWipe", "AccountOnlyRemoteWipe"):
        verdicts = {v.rule.id: v for v in rules.check(session_of(good() + wiped(kind, kind)))}
        assert verdicts["provision.wipe-acknowledged"].outcome == "pass", kind
        assert verdicts["provision.when-told"].outcome == "pass", kind
    told = {v.rule.id: v for v in rules.check(session_of(good() + wiped("RemoteWipe")[:1] + good()[5:6]))}
    assert told["provision.when-told"].outcome == "fail"  # a Sync after 140 instead of the Provision


def without_device_type(x):
    x.query_problem = "no DeviceType in the query"
    return x


def polling(every, times=21):
    """FolderSync and Sync in turn, `times` of each, `every` seconds apart,
    each finding nothing new (so no run of one request: no-storm's)."""
    out = []
    for i in range(times):
        for x in (folder_sync("{{h2}}", "{{h2}}"), sync("{{k2}}", "{{k2}}")):
            x.at = x.answered = 1000.0 + every * len(out) / 2
            out.append(x)
    return out


def test_polling_slower_than_the_storm_limit_passes():
    verdict = next(v for v in rules.check(session_of(good() + polling(every=3.5))) if v.rule.id ==
                   "behaviour.storm-per-minute")
    assert verdict.exercised and not verdict.failures


def test_a_heartbeat_limit_holds_for_every_later_ping_not_only_the_next():
    told = ping(heartbeat=30, status="5", answer_extra="<HeartbeatInterval>60</HeartbeatInterval>")
    xs = good()[:6] + [told, ping(heartbeat=60), ping(heartbeat=60), ping(heartbeat=30)] + good()[7:]
    verdict = next(v for v in rules.check(session_of(xs)) if v.rule.id == "ping.after-status")
    assert [x.number for x, _ in verdict.failures] == [10]


def refused_then_retried(after, times=True):
    """A Ping answered 503 with Retry-After: 30, and the Ping sent again
    `after` seconds later, with the times a recorded capture gives (at=,
    answered=) or without any."""
    refused, again = ping(), ping()
    refused.status, refused.response, refused.response_headers = 503, None, {"retry-after": "30"}
    if times:
        refused.at, refused.answered = 100.0, 100.1
        again.at, again.answered = 100.1 + after, 100.2 + after
    return [refused, again]


def test_a_client_that_waits_out_retry_after_passes_and_one_without_times_is_not_judged():
    def verdict(exchanges):
        return next(v for v in rules.check(session_of(good() + exchanges)) if v.rule.id == "behaviour.retry-after")
    waited = verdict(refused_then_retried(after=30))
    assert waited.exercised and not waited.failures
    assert not verdict(refused_then_retried(after=10, times=False)).exercised


def broken_body():
    x = ex("SendMail")
    x.body_problem = "unknown token 0x3f in code page 21"
    return x


def test_every_rule_has_a_breaking_session():
    assert sorted(BREAKING) == sorted(r.id for r in rules.RULES)


@pytest.mark.parametrize("rule_id", sorted(BREAKING))
def test_a_session_that_breaks_one_rule_is_flagged_by_that_rule_only(rule_id):
    assert failing(BREAKING[rule_id]()) == [rule_id]


def test_a_probe_the_capture_declares_is_reported_but_does_not_fail():
    xs = BREAKING["sync.keys"]()
    xs[5].breaks = {"sync.keys"}
    verdict = next(v for v in rules.check(session_of(xs)) if v.rule.id == "sync.keys")
    assert verdict.failures == [] and len(verdict.probes) == 1


def corpus():
    for root in (os.environ.get("TEST_SRCDIR"), os.getcwd()):
        if root:
            found = sorted(glob.glob(os.path.join(root, "**", "captures", "*", "*.xml"), recursive=True))
            if found:
                return found
    raise RuntimeError("no captures")


def test_the_corpus_read_as_client_sessions_breaks_no_rule_but_its_probes(tmp_path):
    paths = corpus()
    assert len(paths) > 400
    junit = tmp_path / "clientcheck.xml"
    html = tmp_path / "clientcheck.html"
    assert clientcheck.main(paths + ["--junit", str(junit), "--html", str(html)]) == 0
    suites = ET.parse(junit).getroot()
    assert len(suites) == len(paths)
    assert not suites.findall(".//failure")
    assert "EAS client check" in html.read_text()


def test_live_judges_the_devices_newest_recording(tmp_path, capsys):
    """--live RECORD-DIR CONTEXT/LOGIN DEVICEID: the newest file the recorder
    wrote for that device (its names: session_recorder.h)."""
    corpus_files = [p for p in corpus() if p.endswith("push-ping.xml")][:2]
    older = tmp_path / "miguel-iPhone-DEV_1-20261203T070000.xml"
    newer = tmp_path / "miguel-iPhone-DEV_1-20261203T080000.xml"
    other = tmp_path / "ana-iPhone-DEV_1-20261203T090000.xml"
    for path, source in ((older, corpus_files[0]), (newer, corpus_files[1]), (other, corpus_files[0])):
        path.write_bytes(open(source, "rb").read())
    os.utime(older, (1, 1))
    assert clientcheck.main(["--live", str(tmp_path), "ox.io/miguel", "DEV/1"]) == 0
    assert "session so far: %s" % newer in capsys.readouterr().out
    assert clientcheck.main(["--live", str(tmp_path), "ox.io/juan", "DEV/1"]) == 2


def test_the_rules_are_listed_without_a_capture(capsys):
    """`bazel run //tools/clientcheck -- --rules` (docs/vendor-guide.md)."""
    assert clientcheck.main(["--rules"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == [r.id for r in rules.RULES]
    with pytest.raises(SystemExit):
        clientcheck.main([])


def test_the_vendor_guide_shows_the_rules_table(capsys):
    assert clientcheck.main(["--rules", "--markdown"]) == 0
    table = capsys.readouterr().out.strip()
    guide = None
    for root in (os.environ.get("TEST_SRCDIR"), os.getcwd()):
        found = glob.glob(os.path.join(root or ".", "**", "docs", "vendor-guide.md"), recursive=True)
        if found:
            guide = open(found[0], encoding="utf-8").read()
            break
    assert guide is not None
    assert table in guide, "docs/vendor-guide.md's rule table is not `clientcheck --rules --markdown`"


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
