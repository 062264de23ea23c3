"""The requirement listing finds the tags of the conformance tests and the
captures, joins them in one spelling, and every test and capture has one."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import list_requirements  # noqa: E402
import requirement  # noqa: E402


@pytest.fixture(scope="module")
def tests():
    return list_requirements.collect(os.getcwd())


@pytest.fixture(scope="module")
def captures():
    return list_requirements.collect_captures(os.getcwd())


def test_finds_the_conformance_tests(tests):
    assert "AsProv.TwoPhaseDownloadAndAcknowledgement" in tests
    assert len(tests) >= 30


def test_finds_the_captures(captures):
    assert "iphone/ios-4-140-invalid-folder-sync-key.xml" in captures
    assert len(captures) >= 400


def test_every_test_and_capture_says_what_it_verifies(tests, captures):
    assert [t for t, ids in tests.items() if not ids] == []
    assert [c for c, keys in captures.items() if not keys] == []


def test_one_spelling_for_tests_and_captures(tests, captures):
    # Every conformance tag parses (a stray spelling raises), and a section
    # both check is one key: the tests' note in parentheses is not part of it.
    index = list_requirements.by_id(tests, captures)
    assert "MS-ASCMD 2.2.3.177.3" in index
    assert index["MS-ASCMD 2.2.3.177.3"]["captures"]
    for key in index:
        assert requirement.parse(key) == (key, ""), key


def test_index_by_requirement(tests, captures):
    index = list_requirements.by_id(tests, captures)
    assert "AsProv.TwoPhaseDownloadAndAcknowledgement" in index["MS-ASPROV_R394"]["tests"]
    assert "iphone/ios-4-140-first-setup.xml" in index["MS-ASPROV_R394"]["captures"]
    assert "AsHttp.UnsupportedProtocolVersionIs400AndRepeatable" in index["MS-ASHTTP_R176"]["tests"]


def test_spellings():
    assert requirement.parse("MS-ASCMD 2.2.2 (118 MessagePreviouslySent)") == ("MS-ASCMD 2.2.2", "118 MessagePreviouslySent")
    assert requirement.parse("MS-ASPROV_R394") == ("MS-ASPROV_R394", "")
    for bad in ("MS-ASCMD section 2.2.2", "ASCMD 2.2.2", "MS-ASCMD_2.2", "MS-ASCMD 2.2.2 extra"):
        with pytest.raises(ValueError):
            requirement.parse(bad)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
