"""The committed scenario captures are what the generator writes."""

import os
import subprocess
import sys


def test_generated_captures_are_current():
    here = os.path.dirname(os.path.abspath(__file__))
    result = subprocess.run([sys.executable, os.path.join(here, "generate_captures.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def writer(protocol):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import generate_captures as g
    profile = next(p for p in g.PROFILES if p.protocol == protocol)
    return g.Writer(profile, "test", "")


REQUEST = ('<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>{{k5}}</SyncKey><CollectionId>c</CollectionId>'
           '</Collection></Collections></Sync>')
SAME_KEY = ('<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>{{k5}}</SyncKey><CollectionId>c</CollectionId>'
            '<Status>1</Status></Collection></Collections></Sync>')


def test_an_answer_with_nothing_new_may_carry_a_new_key_and_from_12_1_be_empty():
    """MS-ASCMD 2.2.3.181.4: a Sync response includes a new key; 2.2.1.21.2:
    an empty response when nothing is pending (12.1 and later)."""
    rules = [(rule, alt, attrs) for rule, alt, _, attrs in writer("14.0").no_changes("Sync", REQUEST, SAME_KEY)]
    assert rules == [("MS-ASCMD 2.2.3.181.4 (a Sync response includes a new synchronization key)",
                      SAME_KEY.replace("{{k5}}", "{{k5_renewed}}"), {"bind": "k5={{k5_renewed}}"}),
                     ("MS-ASCMD 2.2.1.21.2 (empty Sync response: no changes)", "", {})]
    older = writer("12.0").no_changes("Sync", REQUEST, SAME_KEY)
    assert [rule for rule, *_ in older] == ["MS-ASCMD 2.2.3.181.4 (a Sync response includes a new synchronization key)"]


def test_no_such_alternative_where_the_answer_brings_something_or_the_client_sent_changes():
    w = writer("14.0")
    renewed = SAME_KEY.replace("{{k5}}", "{{k6}}")
    assert w.no_changes("Sync", REQUEST, renewed) == []  # the capture expects a new key already
    with_items = SAME_KEY.replace("</Status>", "</Status><Commands><Delete><ServerId>x</ServerId></Delete></Commands>")
    assert w.no_changes("Sync", REQUEST, with_items) == []
    sent = REQUEST.replace("</CollectionId>", "</CollectionId><Commands><Delete><ServerId>x</ServerId></Delete>"
                           "</Commands>")
    assert w.no_changes("Sync", sent, SAME_KEY) == []
    assert w.no_changes("FolderSync", REQUEST, SAME_KEY) == []


if __name__ == "__main__":
    import pytest
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
