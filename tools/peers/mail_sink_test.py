"""The peer's SMTP sink hands each message to LMTP whole: envelope, the
bytes (dot-unstuffed once), and a refusal of the LMTP server comes back to
the SMTP client as a 4xx, not as a success."""

import os
import smtplib
import socketserver
import sys
import threading

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mail_sink import MailSink  # noqa: E402


class FakeLmtp(socketserver.StreamRequestHandler):
    def handle(self):
        w = lambda t: self.wfile.write((t + "\r\n").encode())
        w("220 lmtp")
        rcpts = []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line[:4].upper()
            if verb == b"LHLO":
                w("250 ok")
            elif verb == b"MAIL":
                self.server.envelope = [line.decode().strip()]
                w("250 ok")
            elif verb == b"RCPT":
                if b"nobody" in line:
                    w("550 no such user")
                    continue
                rcpts.append(line)
                self.server.envelope.append(line.decode().strip())
                w("250 ok")
            elif verb == b"DATA":
                w("354 go")
                data = []
                while True:
                    d = self.rfile.readline()
                    if d == b".\r\n":
                        break
                    data.append(d[1:] if d.startswith(b"..") else d)
                self.server.data = b"".join(data)
                for _ in rcpts:
                    w("250 delivered")
            elif verb == b"QUIT":
                w("221 bye")
                return
            else:
                w("250 ok")


@pytest.fixture()
def lmtp():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), FakeLmtp)
    server.daemon_threads = True
    server.envelope, server.data = None, None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_message_arrives_whole(lmtp):
    sink = MailSink(lmtp.server_address[1])
    try:
        message = b"Subject: hi\r\n\r\n.a line that starts with a dot\r\nend\r\n"
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=10) as smtp:
            smtp.sendmail("a@example.com", ["b@example.com"], message)
        assert lmtp.data == message
        assert any("a@example.com" in e for e in lmtp.envelope) and any("b@example.com" in e for e in lmtp.envelope)
        assert sink.delivered == [("a@example.com", ["b@example.com"])]
    finally:
        sink.stop()


def test_a_refused_recipient_is_a_temporary_failure(lmtp):
    sink = MailSink(lmtp.server_address[1])
    try:
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=10) as smtp:
            with pytest.raises(smtplib.SMTPDataError) as e:
                smtp.sendmail("a@example.com", ["nobody@example.com"], b"Subject: x\r\n\r\nx\r\n")
        assert e.value.smtp_code == 451
        assert sink.delivered == []
    finally:
        sink.stop()


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
