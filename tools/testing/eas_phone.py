"""A phone for the Python end-to-end tests: plain-query requests with Basic
auth and WBXML bodies written as XML, and the two Provision phases."""

import base64
import http.client
import os
import ssl
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "wbxml"))
import eas_wbxml  # noqa: E402

PATH = "/Microsoft-Server-ActiveSync"


def connect(ports, tls):
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return http.client.HTTPSConnection("127.0.0.1", ports["https"], context=context, timeout=30)
    return http.client.HTTPConnection("127.0.0.1", ports["http"], timeout=30)


def auth(user="ox.io\\miguel", password="secret"):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


def wbxml(xml_text):
    return eas_wbxml.encode(ET.fromstring(xml_text))


class Phone:
    """A plain-query 14.1 client (iPhone-like) unless told otherwise."""

    def __init__(self, conn, device_id, version="14.1", device_type="iPhone", user="miguel"):
        self.conn, self.device_id, self.version, self.device_type = conn, device_id, version, device_type
        self.user = user
        self.policy_key = "0"

    def post(self, command, xml_text=None, headers=None):
        query = "Cmd=%s&User=%s&DeviceId=%s&DeviceType=%s" % (command, self.user, self.device_id, self.device_type)
        h = {"Authorization": auth("ox.io\\" + self.user), "MS-ASProtocolVersion": self.version,
             "X-MS-PolicyKey": self.policy_key, "Content-Type": "application/vnd.ms-sync.wbxml",
             "User-Agent": "Apple-iPhone4C1/902.176"}
        h.update(headers or {})
        body = wbxml(xml_text) if xml_text else b""
        self.conn.request("POST", PATH + "?" + query, body=body, headers=h)
        r = self.conn.getresponse()
        data = r.read()
        root = eas_wbxml.decode(data) if data and r.getheader("Content-Type", "").startswith(
            "application/vnd.ms-sync.wbxml") else None
        return r.status, root

    def provision(self):
        ns = "{Provision:}"
        first = ('<Provision xmlns="Provision:"><Policies><Policy><PolicyType>'
                 'MS-EAS-Provisioning-WBXML</PolicyType></Policy></Policies></Provision>')
        status, root = self.post("Provision", first)
        assert status == 200
        temporary = root.find("%sPolicies/%sPolicy/%sPolicyKey" % (ns, ns, ns)).text
        self.policy_key = temporary
        second = first.replace("</PolicyType>", "</PolicyType><PolicyKey>%s</PolicyKey><Status>1</Status>" % temporary)
        status, root = self.post("Provision", second)
        assert root.find("%sStatus" % ns).text == "1"
        self.policy_key = root.find("%sPolicies/%sPolicy/%sPolicyKey" % (ns, ns, ns)).text
        assert self.policy_key not in ("", "0", temporary)
