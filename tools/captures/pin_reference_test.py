"""pin_reference.py: what becomes exact, what becomes a binding, what stays
unpinned."""

import json
import os
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pin_reference as pr  # noqa: E402

import capture as cap  # noqa: E402  (//tools/replay:capture)


def element(xml):
    return ET.fromstring(xml)


def test_equal_answers_are_pinned_exactly_with_namespaces_as_prefixes():
    xml = ('<ApplicationData xmlns="AirSync:" xmlns:c="Contacts:"><c:FileAs>Meier, Lena</c:FileAs>'
           '<c:JobTitle>A &amp; B</c:JobTitle></ApplicationData>')
    pinned, why = pr.pin(element(xml), element(xml), "3.0")
    assert why is None
    assert pinned == ('<ApplicationData xmlns="AirSync:" xmlns:contacts="Contacts:" spec="any">'
                      '<contacts:FileAs>Meier, Lena</contacts:FileAs><contacts:JobTitle>A &amp; B'
                      '</contacts:JobTitle></ApplicationData>')
    # Read back, it is the same tree.
    assert pr.shape(element(pinned.replace(' spec="any"', ""))) == pr.shape(element(xml))


def test_a_time_that_differs_becomes_a_binding_whole_and_matches_any_later_time():
    a = element('<Properties xmlns="Email:"><DateReceived>2026-12-02T19:48:29.000Z</DateReceived>'
                '<Subject>Hi</Subject></Properties>')
    b = element('<Properties xmlns="Email:"><DateReceived>2026-12-02T19:50:44.000Z</DateReceived>'
                '<Subject>Hi</Subject></Properties>')
    pinned, why = pr.pin(a, b, "5.0")
    assert why is None
    assert "<DateReceived>{{pinned:5.0:DateReceived:1}}</DateReceived>" in pinned
    assert "<Subject>Hi</Subject>" in pinned
    expected = element(pinned)
    later = element('<Properties xmlns="Email:"><DateReceived>2027-01-09T08:00:00.000Z</DateReceived>'
                    '<Subject>Hi</Subject></Properties>')
    errors = []
    cap.compare_tree(expected, later, cap.Bindings(), "", errors)
    assert errors == []
    other = element('<Properties xmlns="Email:"><DateReceived>2027-01-09T08:00:00.000Z</DateReceived>'
                    '<Subject>Ho</Subject></Properties>')
    cap.compare_tree(expected, other, cap.Bindings(), "", errors)
    assert errors and "Subject" in errors[0]


def test_a_mime_date_header_is_bound_and_the_rest_of_the_text_kept():
    a = element('<Data xmlns="AirSyncBase:">Date: Wed, 2 Dec 2026 19:48:29 +0000&#13;\nSubject: x&#13;\n</Data>')
    b = element('<Data xmlns="AirSyncBase:">Date: Wed, 2 Dec 2026 19:50:01 +0000&#13;\nSubject: x&#13;\n</Data>')
    pinned, why = pr.pin(a, b, "2.1")
    assert why is None
    assert "Date: {{pinned:2.1:Data:1}}&#13;\nSubject: x" in pinned


def test_answers_of_another_shape_are_not_pinned():
    a = element('<Commands xmlns="AirSync:"><Add><ServerId>1</ServerId></Add></Commands>')
    b = element('<Commands xmlns="AirSync:"><Add><ServerId>1</ServerId></Add><Add><ServerId>2</ServerId></Add>'
                '</Commands>')
    pinned, why = pr.pin(a, b, "4.0")
    assert pinned is None and "shape" in why


def test_the_tool_reads_two_dumps_keeps_carriage_returns_and_writes_pins():
    tmp = tempfile.mkdtemp()
    rows = []
    for run in ("19:48:29", "19:50:44"):
        path = os.path.join(tmp, run.replace(":", "") + ".jsonl")
        with open(path, "w") as f:
            for backend in ("embedded", "ox"):
                f.write(json.dumps({"capture": "/x/captures/iphone/a.xml", "number": 7, "backend": backend,
                                    "expectation": "response", "index": 0,
                                    "xml": '<Data xmlns="AirSyncBase:">2026-12-02T%s.000Z\r\nok</Data>' % run})
                        + "\n")
        rows.append(path)
    out = os.path.join(tmp, "pins.json")
    assert pr.main(rows + ["--out", out]) == 0
    pins = json.load(open(out))
    assert pins["iphone/a.xml"]["7"]["ox"]["response"]["0"] == (
        '<Data xmlns="AirSyncBase:" spec="any">{{pinned:7.0:Data:1}}&#13;\nok</Data>')



def test_merge_keeps_the_pins_of_captures_the_runs_did_not_reach_and_replaces_the_others():
    tmp = tempfile.mkdtemp()
    out = os.path.join(tmp, "pins.json")
    with open(out, "w") as f:
        json.dump({"iphone/a.xml": {"1": {"embedded": {"response": {"0": "<old/>"}}}},
                   "iphone/b.xml": {"2": {"embedded": {"response": {"0": "<kept/>"}}}}}, f)
    rows = []
    for run in ("forward", "reverse"):
        path = os.path.join(tmp, run + ".jsonl")
        with open(path, "w") as f:
            f.write(json.dumps({"capture": "/x/captures/iphone/a.xml", "number": 3, "backend": "embedded",
                                "expectation": "response", "index": 0, "xml": '<Count xmlns="AirSync:">2</Count>'})
                    + "\n")
        rows.append(path)
    assert pr.main(rows + ["--out", out, "--merge"]) == 0
    pins = json.load(open(out))
    assert pins["iphone/b.xml"]["2"]["embedded"]["response"]["0"] == "<kept/>"
    assert "1" not in pins["iphone/a.xml"]
    assert pins["iphone/a.xml"]["3"]["embedded"]["response"]["0"] == '<Count xmlns="AirSync:" spec="any">2</Count>'
    # Without --merge the file holds what the runs reached only.
    assert pr.main(rows + ["--out", out]) == 0
    assert "iphone/b.xml" not in json.load(open(out))


if __name__ == "__main__":
    import pytest
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
