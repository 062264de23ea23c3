"""The replay's own logic, without a server: the account in each device's
form, the endpoint path, how long a request may wait, folder bindings from
a FolderSync answer, and the two levels of expectation (an <allow> only at
the spec level, a backend's own answer only on that backend, each tried on
its own copy of the bindings)."""

import os
import sys
import xml.etree.ElementTree as ET

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "wbxml"))
sys.path.insert(0, os.path.join(HERE, "..", "requirements"))
import capture as cap  # noqa: E402
import eas_wbxml  # noqa: E402


@pytest.mark.parametrize("given, form, device, query", [
    ("ox.io\\ana", "\\juan", "ox.io\\ana", "ana"),          # iOS's empty domain, account with a domain
    ("ana", "\\juan", "\\ana", "ana"),                      # ... and without one
    ("ana", " \\juan", " \\ana", "ana"),                    # Nokia's single-space domain
    ("ox.io\\ana", "ox.io\\miguel", "ox.io\\ana", "ana"),
    ("ana@ox.io", "ox.io\\miguel", "ox.io\\ana", "ana"),
    ("ana@ox.io", "miguel@ox.io", "ana@ox.io", "ana@ox.io"),
    ("ox.io\\ana", "miguel@ox.io", "ana@ox.io", "ana@ox.io"),
])
def test_account_in_the_device_form(given, form, device, query):
    account = cap.Account(given, "pw")
    assert account.device_form(form) == device
    assert account.query_form(form if "@" in form else "juan") == query


def test_target_path_and_user_in_the_query():
    assert cap.Target("https://h").path == cap.EAS_PATH
    assert cap.Target("http://h:8080/SOGo/Microsoft-Server-ActiveSync/").path == "/SOGo/Microsoft-Server-ActiveSync"
    with pytest.raises(ValueError):
        cap.Target("ftp://h")

    class Fake:
        account = {"query-user": "juan"}
        device = {"device-id": "DEV1", "query": "plain"}

    target = cap.Target("http://h/EAS", cap.Account("ox.io\\ana", "pw"), "x9")
    text = cap.render_target(cap.EAS_PATH + "?User=juan&DeviceId=DEV1&DeviceType=iPhone&Cmd=Sync", Fake, target)
    assert text == "/EAS?User=ana&DeviceId=DEV1x9&DeviceType=iPhone&Cmd=Sync"
    Fake.device = {"device-id": "AB", "query": "base64"}
    assert target.device_id(Fake) == "AB" + b"x9".hex().upper()


def exchange(xml):
    return ET.fromstring(xml)


def test_a_ping_may_wait_its_interval():
    ping = exchange('<exchange><request><body><Ping xmlns="Ping:"><HeartbeatInterval>480</HeartbeatInterval>'
                    '</Ping></body></request></exchange>')
    wait = exchange('<exchange><request><body><Sync xmlns="AirSync:"><Wait>2</Wait></Sync></body></request>'
                    '</exchange>')
    plain = exchange('<exchange><request/></exchange>')
    assert (cap.answer_timeout(ping), cap.answer_timeout(wait), cap.answer_timeout(plain)) == (540, 180, 60)


def folder_sync(adds):
    xml = ('<FolderSync xmlns="FolderHierarchy:"><Status>1</Status><SyncKey>1</SyncKey><Changes><Count>%d</Count>%s'
           '</Changes></FolderSync>' % (len(adds), "".join(
               "<Add><ServerId>%s</ServerId><ParentId>0</ParentId><DisplayName>%s</DisplayName><Type>%d</Type></Add>"
               % a for a in adds)))
    return eas_wbxml.decode(eas_wbxml.encode(ET.fromstring(xml)))


def test_folders_bound_by_type_first_of_a_kind():
    bindings = cap.Bindings()
    cap.bind_hierarchy(folder_sync([("m/INBOX", "Inbox", 2), ("p1", "One", 12), ("p2", "Two", 12)]), bindings, True)
    assert bindings["folder:inbox"] == "m/INBOX" and bindings["folder:user-mail"] == "p1"
    # A full hierarchy again: the ids it gives now (Z-Push: per device).
    cap.bind_hierarchy(folder_sync([("7", "Inbox", 2)]), bindings, True)
    assert bindings["folder:inbox"] == "7" and "folder:user-mail" not in bindings


def check(step_xml, body_xml, level, backend=None, bindings=None):
    step = ET.fromstring(step_xml)
    body = eas_wbxml.encode(ET.fromstring(body_xml))
    bindings = cap.Bindings() if bindings is None else bindings
    errors, allow = cap.check_response(step, 200, [], body, bindings, level, backend)
    return errors, allow, bindings


NO_POLICY = ('<exchange><response status="200"><body><Provision xmlns="Provision:"><Status>1</Status><Policies>'
             '<Policy><PolicyType>T</PolicyType><Status>1</Status><PolicyKey>{{key}}</PolicyKey></Policy></Policies>'
             '</Provision></body></response><allow rule="R" then="no-policy" bind="policy_key=0"><response '
             'status="200"><body><Provision xmlns="Provision:"><Status>1</Status><Policies><Policy match="some">'
             '<PolicyType>T</PolicyType><Status>2</Status></Policy></Policies></Provision></body></response></allow>'
             '</exchange>')
STATUS_2 = ('<Provision xmlns="Provision:"><Status>1</Status><Policies><Policy><PolicyType>T</PolicyType>'
            '<Status>2</Status></Policy></Policies></Provision>')


def test_an_allow_holds_at_the_spec_level_only():
    errors, allow, bindings = check(NO_POLICY, STATUS_2, "spec")
    assert errors == [] and allow.get("rule") == "R" and bindings["policy_key"] == "0"
    errors, allow, _ = check(NO_POLICY, STATUS_2, "reference")
    assert errors and allow is None


def test_a_backend_answer_holds_on_that_backend_only():
    step = NO_POLICY.replace('rule="R" then="no-policy" bind="policy_key=0"', 'rule="R" backend="ox"')
    assert check(step, STATUS_2, "reference", "ox")[0] == []
    assert check(step, STATUS_2, "reference", "embedded")[0]
    assert check(step, STATUS_2, "spec", None)[0]  # not a spec alternative


def test_a_failed_expectation_binds_nothing_for_the_next():
    # The main response binds {{key}} only if it matches as a whole; here the
    # allow matches, and {{key}} stays unbound.
    _, _, bindings = check(NO_POLICY, STATUS_2, "spec")
    assert "key" not in bindings


def test_optional_class_at_the_spec_level():
    step = ('<exchange><response status="200"><body><Sync xmlns="AirSync:"><Collections><Collection>'
            '<SyncKey>1</SyncKey><CollectionId>c</CollectionId><Status>1</Status></Collection></Collections></Sync>'
            '</body></response></exchange>')
    with_class = ('<Sync xmlns="AirSync:"><Collections><Collection><Class>Email</Class><SyncKey>1</SyncKey>'
                  '<CollectionId>c</CollectionId><Status>1</Status></Collection></Collections></Sync>')
    assert check(step, with_class, "spec")[0] == []
    assert check(step, with_class, "reference")[0]


def test_spec_any_and_one_of():
    step = ('<exchange><response status="200"><body><Sync xmlns="AirSync:"><Status spec-one-of="4|13">4</Status>'
            '</Sync></body></response></exchange>')
    assert check(step, '<Sync xmlns="AirSync:"><Status>13</Status></Sync>', "spec")[0] == []
    assert check(step, '<Sync xmlns="AirSync:"><Status>13</Status></Sync>', "reference")[0]
    assert check(step, '<Sync xmlns="AirSync:"><Status>6</Status></Sync>', "spec")[0]


ITEMS = ('<exchange><response status="200"><body><Sync xmlns="AirSync:"><Commands match="items"/></Sync>'
         '</body></response></exchange>')


def commands(*adds):
    return '<Sync xmlns="AirSync:"><Commands>%s</Commands></Sync>' % "".join(adds)


ADD_1 = '<Add><ServerId>f:1</ServerId><ApplicationData><Subject xmlns="Email:">a</Subject></ApplicationData></Add>'
ADD_2 = '<Add><ServerId>f:2</ServerId><ApplicationData><Subject xmlns="Email:">b</Subject></ApplicationData></Add>'


@pytest.mark.parametrize("level", ["spec", "reference"])
def test_items_of_a_first_sync_are_new_items_each_once(level):
    assert check(ITEMS, commands(ADD_1, ADD_2), level)[0] == []
    assert check(ITEMS, commands(), level)[0] == []
    twice = check(ITEMS, commands(ADD_1, ADD_1), level)[0]
    assert twice and "twice" in twice[0]
    change = check(ITEMS, commands(ADD_1.replace("Add>", "Change>")), level)[0]
    assert change and "only Adds" in change[0]
    assert "no ApplicationData" in check(ITEMS, commands('<Add><ServerId>x</ServerId></Add>'), level)[0][0]
    assert "no ServerId" in check(ITEMS, commands('<Add><ApplicationData/></Add>'), level)[0][0]


def test_items_hold_nothing_else_at_the_reference_level():
    extra = ADD_1.replace("</ApplicationData>", "</ApplicationData><Class>Email</Class>")
    assert check(ITEMS, commands(extra), "spec")[0] == []
    assert check(ITEMS, commands(extra), "reference")[0]
    empty = '<Add><ServerId>f:3</ServerId><ApplicationData/></Add>'
    assert check(ITEMS, commands(empty), "spec")[0] == []
    assert "empty" in check(ITEMS, commands(empty), "reference")[0][0]



def test_a_recorded_download_binds_an_item_by_what_it_holds():
    bound = ITEMS.replace('<Commands match="items"/>',
                          '<Commands match="items"><bind name="mail_b" by="email:Subject">b</bind></Commands>')
    errors, _, bindings = check(bound, commands(ADD_1, ADD_2), "reference")
    assert errors == [] and bindings["mail_b"] == "f:2"
    # The item is not there, or not only once: the capture's later request
    # would name the wrong one.
    assert "0 items with email:Subject 'b'" in check(bound, commands(ADD_1), "reference")[0][0]
    other = ADD_1.replace("f:1", "f:3").replace(">a<", ">b<")
    assert "2 items" in check(bound, commands(ADD_2, other), "spec")[0][0]


def test_named_items_are_the_same_in_a_retried_answer():
    named = ITEMS.replace('match="items"', 'match="items" name="t"')
    bindings = cap.Bindings()
    for answer, ok in ((commands(ADD_1, ADD_2), True), (commands(ADD_1, ADD_2), True), (commands(ADD_1), False)):
        expected = ET.fromstring(named).find("response/body")[0]
        errors = []
        cap.compare_tree(expected, ET.fromstring(answer), bindings, "", errors)
        assert (errors == []) == ok, errors



def test_items_outside_a_filter_window_are_refused():
    import datetime
    now = datetime.datetime.now(datetime.timezone.utc)
    def mail(days_old):
        when = (now - datetime.timedelta(days=days_old)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return ('<Add><ServerId>m%d</ServerId><ApplicationData><DateReceived xmlns="Email:">%s</DateReceived>'
                '</ApplicationData></Add>' % (days_old, when))
    windowed = ITEMS.replace('match="items"', 'match="items" within-days="1"')
    assert check(windowed, commands(mail(0)), "spec")[0] == []
    errors = check(windowed, commands(mail(0), mail(3)), "spec")[0]
    assert "outside a FilterType window" in errors[0] and not any("m0" in e for e in errors[:1])
    bad = ('<Add><ServerId>x</ServerId><ApplicationData><DateReceived xmlns="Email:">yesterday</DateReceived>'
           '</ApplicationData></Add>')
    assert "not a date" in check(windowed, commands(bad), "spec")[0][0]


KEYED = ('<exchange><request><body><FolderSync xmlns="FolderHierarchy:"><SyncKey>{{k1}}</SyncKey></FolderSync>'
         '</body></request><response status="200"><body><FolderSync xmlns="FolderHierarchy:"><Status>1</Status>'
         '<SyncKey>{{k2}}</SyncKey></FolderSync></body></response></exchange>')


def test_a_new_key_name_needs_a_new_key_when_the_answer_brings_changes():
    step = ET.fromstring(KEYED)
    before = cap.Bindings({"k1": "7"})
    changes = ET.fromstring('<FolderSync xmlns="FolderHierarchy:"><Changes><Count>1</Count><Add/></Changes>'
                            '</FolderSync>')
    nothing = ET.fromstring('<FolderSync xmlns="FolderHierarchy:"><Changes><Count>0</Count></Changes></FolderSync>')
    assert cap.stale_keys(step, None, before, cap.Bindings({"k1": "7", "k2": "7"}), changes)
    assert cap.stale_keys(step, None, before, cap.Bindings({"k1": "7", "k2": "8"}), changes) == []
    assert cap.stale_keys(step, None, before, cap.Bindings({"k1": "7", "k2": "7"}), nothing) == []
    same_name = ET.fromstring(KEYED.replace("{{k2}}", "{{k1}}"))
    assert cap.stale_keys(same_name, None, before, cap.Bindings({"k1": "7"}), changes) == []


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))


def test_the_unchecked_log_writes_ids_the_capture_bound_as_their_names(tmp_path):
    log = cap.UncheckedLog(str(tmp_path / "dump.jsonl"))
    exchange = ET.fromstring('<exchange><response><body><FolderSync xmlns="FolderHierarchy:">'
                             '<Changes match="any"/></FolderSync></body></response></exchange>')
    log.enter("/x/captures/iphone/a.xml", 9, "embedded", exchange)
    expected = exchange.find(".//{FolderHierarchy:}Changes")
    actual = ET.fromstring('<Changes xmlns="FolderHierarchy:"><Count>1</Count><Add><ServerId>f13</ServerId>'
                           '<ParentId>inbox</ParentId><DisplayName>f13</DisplayName></Add></Changes>')
    log.record(expected, actual, cap.Bindings({"moved": "f13", "folder:inbox": "inbox", "key2": "1"}))
    import json
    row = ET.fromstring(json.loads((tmp_path / "dump.jsonl").read_text())["xml"])
    texts = {e.tag.split("}")[-1]: e.text for e in row.iter()}
    assert texts["ServerId"] == "{{moved}}" and texts["ParentId"] == "{{folder:inbox}}"
    # Only ids: a name or a count that happens to equal a bound value stays.
    assert texts["DisplayName"] == "f13" and texts["Count"] == "1"
    assert actual.find("{FolderHierarchy:}Add/{FolderHierarchy:}ServerId").text == "f13"
