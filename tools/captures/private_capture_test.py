"""The placeholders of private_capture: a word's placeholder keeps its shape
and is the same in every case and place, a prefix gets the prefix; MIME
keeps its structure; a device's WBXML keeps its tokens; an account state
keeps what the server needs to hold it. (That a private recording replays
green: //tools/replay:recorded_capture_test.)"""

import base64
import os
import sys
import xml.etree.ElementTree as ET

import pytest

import eas_wbxml
import private_capture as pc

M = pc.Mapper(b"k" * 32)


def test_a_placeholder_keeps_the_shape_of_its_word():
    for word in ("Lena", "MEIER", "x", "0170", "Köln", "Ærø", "東京", "a1B2"):
        p = M.word(word)
        assert len(p) == len(word) and len(p.encode()) == len(word.encode()), (word, p)
        for a, b in zip(word, p):
            assert a.isdigit() == b.isdigit() and a.isupper() == b.isupper() and a.isascii() == b.isascii()
    assert M.word("Lena") != "Lena" and M.word("0170") != "0170"


def test_the_same_word_gets_the_same_placeholder_in_any_case_and_a_prefix_its_prefix():
    assert M.word("lena").lower() == M.word("LENA").lower() == M.word("Lena").lower()
    assert M.word("Lena")[0].isupper() and M.word("lena")[0].islower()
    assert M.word("Meier")[:3] == M.word("Mei")
    assert pc.Mapper(b"o" * 32).word("Meier") != M.word("Meier")  # another run, another key


def test_text_keeps_punctuation_bindings_and_the_form_of_an_address():
    out = M.text('"Lena Meier" <lena.meier@example.com>, {{id_13}}: +49 170 555-0200')
    assert out.startswith('"') and '" <' in out and out.count("@") == 1 and out.count(".") == 2
    assert "{{id_13}}" in out and "+" in out and "-" in out
    assert "Lena" not in out and "example" not in out and "170" not in out
    assert M.text("Lena") in out and M.text("lena.meier") in out


MESSAGE = ("From: \"Lena Meier\" <lena.meier@example.com>\r\nTo: miguel@ox.io\r\n"
           "Subject: =?utf-8?B?%s?= and =?utf-8?Q?K=C3=B6ln_plans?=\r\n"
           "Message-ID: <abc123@example.com>\r\nMIME-Version: 1.0\r\n"
           "Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n"
           "--XYZ\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n"
           "--XYZ\r\nContent-Type: application/pdf; name=\"Lena-report.pdf\"\r\n"
           "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--XYZ--\r\n") % (
    base64.b64encode("Grüße Lena".encode()).decode(), base64.b64encode(b"Hello Lena, see you in Berlin.").decode())


def test_mime_keeps_its_structure_and_replaces_the_personal_text():
    out = M.mime(MESSAGE)
    assert "Lena" not in out and "lena" not in out and "Berlin" not in out
    assert "Content-Type: multipart/mixed; boundary=\"XYZ\"" in out and "--XYZ--" in out
    assert "Message-ID: <abc123@example.com>" in out  # not a personal field
    assert "JVBERi0xLjQK" in out  # the attachment's bytes are kept
    assert 'name="%s-%s.pdf"' % (M.word("Lena"), M.word("report")) in out
    subject = next(line for line in out.split("\r\n") if line.startswith("Subject:"))
    b_word = subject.split("=?utf-8?B?")[1].split("?=")[0]
    assert base64.b64decode(b_word).decode() == M.text("Grüße Lena")
    assert "=?utf-8?Q?" in subject and "K=C3=B6ln" not in subject
    text_part = out.split("base64\r\n\r\n")[1].split("\r\n")[0]
    assert base64.b64decode(text_part).decode() == M.text("Hello Lena, see you in Berlin.")
    cut = M.mime("From: Lena <lena@example.com>\r\nSubject: Hi Lena")  # a MIME cut within its headers
    assert "Lena" not in cut and cut.startswith("From: ")


def test_a_devices_own_wbxml_keeps_its_tokens_and_gets_placeholders_in_personal_strings():
    xml = ('<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>{{k}}</SyncKey><CollectionId>9</CollectionId>'
           '<Commands><Add><ClientId>rec-1</ClientId><ApplicationData><FileAs xmlns="Contacts:">Lund, Ida</FileAs>'
           '<Email1Address xmlns="Contacts:">ida@fjord.no</Email1Address></ApplicationData></Add></Commands>'
           '</Collection></Collections></Sync>')
    data = eas_wbxml.encode(ET.fromstring(xml))
    out = pc.map_wbxml(data, M)
    assert len(out) == len(data) and out != data
    root = eas_wbxml.decode(out)
    assert root.findtext(".//{Contacts:}FileAs") == M.text("Lund, Ida")
    assert root.findtext(".//{Contacts:}Email1Address") == M.text("ida@fjord.no")
    assert root.findtext(".//{AirSync:}ClientId") == "rec-1" and root.findtext(".//{AirSync:}SyncKey") == "{{k}}"
    with_table = data[:3] + bytes([3]) + b"ab\0" + data[4:]  # a string table: left as the device wrote it
    assert pc.map_wbxml(with_table, M) == with_table


def test_a_body_of_type_4_is_mapped_as_mime_and_a_folder_name_is_kept():
    body = ET.fromstring('<Sync xmlns="AirSync:" xmlns:b="AirSyncBase:"><b:Body><b:Type>4</b:Type><b:Data>'
                         'Subject: Lena&#13;\nContent-Type: text/plain&#13;\n&#13;\nHi Lena</b:Data></b:Body>'
                         '<DisplayName xmlns="FolderHierarchy:">Lena\'s folder</DisplayName>'
                         '<bind name="id_1" by="contacts:FileAs">Meier, Lena</bind></Sync>')
    pc.map_tree(body, M)
    assert body.findtext("{AirSync:}bind") == M.text("Meier, Lena")  # an item bound by a personal value
    data = body.findtext(".//{AirSyncBase:}Data")
    assert data.startswith("Subject: %s\r\nContent-Type: text/plain" % M.word("Lena")) and "Lena" not in data
    assert body.findtext("{FolderHierarchy:}DisplayName") == "Lena's folder"


def test_an_account_state_keeps_what_the_server_needs():
    state = {"users": [{"login": "miguel", "context": "ox.io", "password": "secret", "email": "miguel@ox.io",
                        "display_name": "Miguel Ortega"}],
             "folders": [{"id": "default0/INBOX", "title": "Inbox", "folder_id": "1"}],
             "contacts": [{"folder_id": "contacts", "uid": "u-1", "file_as": "Meier, Lena",
                           "email1": "lena.meier@example.com", "birthday": 777600000}],
             "mail": [{"folder": "default0/INBOX", "flags": 32, "raw": "Subject: Hi Lena\r\n\r\nLena"}]}
    out = pc.map_state(state, M)
    user = out["users"][0]
    assert (user["login"], user["context"], user["password"]) == ("miguel", "ox.io", "secret")
    assert user["email"] == M.text("miguel@ox.io") and "Miguel" not in user["display_name"]
    assert out["folders"] == state["folders"]
    contact = out["contacts"][0]
    assert (contact["folder_id"], contact["uid"], contact["birthday"]) == ("contacts", "u-1", 777600000)
    assert contact["file_as"] == M.text("Meier, Lena")
    assert out["mail"][0]["raw"] == "Subject: %s\r\n\r\n%s" % (M.text("Hi Lena"), M.word("Lena"))


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
