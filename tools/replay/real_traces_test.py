"""Every real trace in ../shared/real-traces that is a request is accepted by
the reference server: the right status for what it asks, never a crash.

Bodies go as the trace has them (the .wbxml bytes as they are; XML-only
traces encoded as Exchange would, namespace-less libwbxml XML resolved the way
libwbxml does); base64 queries go as the trace has them.
"""

import base64
import glob
import http.client
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "wbxml"))
sys.path.insert(0, os.path.join(HERE, "..", "testing"))
import eas_wbxml  # noqa: E402
from eas_server import RunningServer  # noqa: E402

TRACES = os.path.join("..", "real_traces")
AUTH = "Basic " + base64.b64encode(b"ox.io\\miguel:secret").decode()


@pytest.fixture(scope="module")
def server():
    s = RunningServer()
    s.admin("policy", "required", "off")  # the traces carry no policy keys we issued
    yield s
    s.stop()


def post(server, query, body, version=None):
    conn = http.client.HTTPConnection("127.0.0.1", server.ports["http"], timeout=30)
    headers = {"Authorization": AUTH, "Content-Type": "application/vnd.ms-sync.wbxml"}
    if version:
        headers["MS-ASProtocolVersion"] = version
    conn.request("POST", "/Microsoft-Server-ActiveSync?" + query, body=body, headers=headers)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, data


def alive(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.ports["http"], timeout=10)
    conn.request("OPTIONS", "/Microsoft-Server-ActiveSync", headers={"Authorization": AUTH})
    status = conn.getresponse().status
    conn.close()
    return status == 200 and server.proc.poll() is None


def plain(cmd):
    return "Cmd=%s&User=miguel&DeviceId=RealTraceDevice&DeviceType=SmartPhone" % cmd


def encode_xml_trace(path):
    """An XML-only trace as WBXML: its namespaces as written (uri:AirSync,
    synce URIs), or libwbxml's page search where it has none."""
    data = open(path, "rb").read()
    if b"xmlns" not in data:
        # libwbxml's test XML has no namespaces: the C++ CLI's lenient mode
        # resolves names the way libwbxml does.
        return subprocess.run([os.path.join("tools", "wbxml", "eas-wbxml"), "encode", "--lenient"],
                              input=data, capture_output=True, check=True).stdout
    return eas_wbxml.encode(ET.fromstring(data))


REQUESTS = [
    # (trace, command, protocol version, acceptable HTTP statuses, expected Status text or None)
    ("06_client_sync_contacts_add_syncroton_simple.wbxml", "Sync", "12.1", {200}, None),
    ("07_foldersync_synckey0_request_horde_fixture.wbxml", "FolderSync", "14.1", {200}, "1"),
    ("31_wm5_airsync_contacts_add_truncation_libwbxml_airsync001.xml", "Sync", "2.5", {200}, None),
    ("32_client_search_calendar_query_libwbxml_airsync002.xml", "Search", "12.1", {200}, "1"),
    ("36_palm_pre_v12_sync_change_calendar_allday_tine20test.xml", "Sync", "12.1", {200}, None),
    ("37_samsung_galaxy_sync_change_calendar_meetingstatus3_tine20test.xml", "Sync", "12.0", {200}, None),
    ("38_android_contact_birthday_without_time_tine20test.xml", "Sync", "12.1", {200}, None),
]


def test_every_request_trace_is_listed():
    """A new request trace in ../shared/real-traces must be added above."""
    responses = {"33_", "34_", "35_"}  # server responses, not requests
    present = {os.path.basename(p) for p in glob.glob(os.path.join(TRACES, "*"))
               if p.endswith((".wbxml", ".xml")) and os.path.basename(p)[:3] not in responses}
    listed = {r[0] for r in REQUESTS} | {r[0].replace(".wbxml", ".xml") for r in REQUESTS}
    assert present <= listed, present - listed


@pytest.mark.parametrize("trace,command,version,statuses,status_text", REQUESTS,
                         ids=[r[0][:2] for r in REQUESTS])
def test_request_trace(server, trace, command, version, statuses, status_text):
    path = os.path.join(TRACES, trace)
    body = open(path, "rb").read() if trace.endswith(".wbxml") else encode_xml_trace(path)
    status, data = post(server, plain(command), body, version)
    assert status in statuses, (status, data[:200])
    if status == 200:
        root = eas_wbxml.decode(data)  # a well-formed EAS answer
        if status_text:
            assert root.find("{%s}Status" % root.tag[1:].split("}")[0]).text == status_text
    assert alive(server)


@pytest.mark.parametrize("trace,status", [
    # SmartForward as Windows Mobile 6.1 sends it; the fixture has the query
    # only, and a SmartForward without its MIME body is a bad request.
    ("25_wm_ppc_121_smartforward_base64query_hordeutilstest.query", 400),
    ("26_android_nine_160_settings_base64query_hordeutilstest.query", 200),  # Settings
])
def test_base64_query_trace(server, trace, status):
    query = open(os.path.join(TRACES, trace)).read().strip()
    body = b""
    if "26_" in trace:
        body = eas_wbxml.encode(ET.fromstring(
            '<Settings xmlns="Settings:"><UserInformation><Get/></UserInformation></Settings>'))
    got, data = post(server, query, body)
    assert got == status, (got, data[:200])
    assert alive(server)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
