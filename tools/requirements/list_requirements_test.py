"""The requirement listing finds the tags, and every conformance test has one."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import list_requirements  # noqa: E402


@pytest.fixture(scope="module")
def tests():
    return list_requirements.collect(os.getcwd())


def test_finds_the_conformance_tests(tests):
    assert "AsProv.TwoPhaseDownloadAndAcknowledgement" in tests
    assert len(tests) >= 30


def test_every_conformance_test_says_what_it_verifies(tests):
    assert [t for t, ids in tests.items() if not ids] == []


def test_index_by_requirement(tests):
    index = list_requirements.by_id(tests)
    assert "AsProv.TwoPhaseDownloadAndAcknowledgement" in index["MS-ASPROV_R394"]
    assert "AsHttp.UnsupportedProtocolVersionIs400AndRepeatable" in index["MS-ASHTTP_R176"]


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
