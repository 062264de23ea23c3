"""The Python codec reads the same table as the C++ one and agrees with it.

Every sample (the real traces in ../shared/real-traces, the C++ testdata)
is decoded by both the C++ CLI and eas_wbxml.py; the readable XML must be
identical, and the Python encoder must give back the same bytes.
"""

import glob
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eas_wbxml  # noqa: E402

CLI = os.path.join("tools", "wbxml", "eas-wbxml")
TRACES = os.path.join("..", "real_traces")
TESTDATA = os.path.join("reference", "wbxml", "testdata")


def cli(*args, data):
    return subprocess.run([CLI, *args], input=data, capture_output=True, check=True).stdout


def samples():
    out = []
    for path in sorted(glob.glob(os.path.join(TRACES, "*.wbxml"))):
        with open(path, "rb") as f:
            out.append((os.path.basename(path), f.read()))
    for path in sorted(glob.glob(os.path.join(TESTDATA, "*.xml"))):
        with open(path, "rb") as f:
            out.append((os.path.basename(path), cli("encode", data=f.read())))
    return out


SAMPLES = samples()


def test_samples_include_the_real_traces():
    names = [n for n, _ in SAMPLES]
    assert any(n.startswith("06_") for n in names), names
    assert any(n.startswith("07_") for n in names), names
    assert len(SAMPLES) >= 8


def test_table_is_the_one_cpp_embeds():
    pages = eas_wbxml.code_pages()
    assert sorted(p for p in pages if p < 254) == list(range(26))
    assert pages[17].ns == "AirSyncBase:" and pages[17].by_token[0x0A].name == "Body"
    assert pages[254].nonstandard and pages[254].by_token[0x3F].name == "Tag0x3F"
    assert pages[21].by_token[0x10].binary


@pytest.mark.parametrize("name,data", SAMPLES, ids=[n for n, _ in SAMPLES])
def test_python_and_cpp_read_and_write_alike(name, data):
    root = eas_wbxml.decode(data)
    assert eas_wbxml.to_xml(root) == cli("decode", data=data).decode("utf-8")
    assert eas_wbxml.encode(root) == data


@pytest.mark.parametrize("data,message", [
    (b"", "empty body"),
    (bytes([3, 1, 0x6A, 0, 0, 26, 0x45, 1]), "unknown code page 26"),
    (bytes([3, 1, 0x6A, 0, 0x7F, 1]), "unknown tag token 0x3F on code page 0"),
    (bytes([3, 1, 0x6A, 0, 0x45, 3, 0xC0, 0xAF, 0, 1]), "invalid UTF-8"),
    (bytes([3, 1, 0x6A, 0, 0x45, 0x4B]), "truncated body"),
    (bytes([3, 1, 0x6A, 2, 0x61, 0, 0x45, 0x83, 5, 1]), "string table reference 5"),
    (bytes([3, 1, 0x6A, 0, 0x45, 0xC3, 0x80, 0x80, 0x80, 0x80, 0x80]), "over 32 bits"),
    (bytes([3, 1, 0x6A, 0, 0, 0x15, 0x45, 0x50, 0xC3, 1, 0x61, 0x51, 3, 0x78, 0, 1, 1, 1]),
     "opaque data mixed with other content in one element at byte offset 11"),
    (bytes([3, 1, 0x6A, 0, 0, 0x15, 0x45, 0x50, 3, 0x61, 0, 0x11, 0xC3, 1, 0x62, 1, 1]),
     "opaque data mixed with other content in one element at byte offset 15"),
])
def test_bad_input_raises_with_the_offset(data, message):
    with pytest.raises(eas_wbxml.WbxmlError, match=message):
        eas_wbxml.decode(data)


def test_encode_refuses_unknown_tags():
    import xml.etree.ElementTree as ET
    with pytest.raises(eas_wbxml.WbxmlError, match="no tag Bogus"):
        eas_wbxml.encode(ET.Element("{AirSync:}Bogus"))


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
