"""A loopback SMTP server that hands every message to an LMTP server (the
peer's Dovecot), so mail a peer sends arrives in its recipients' IMAP
inboxes. Enough of RFC 5321 for a groupware server's submission: HELO/EHLO,
MAIL, RCPT, DATA (dot-unstuffed), RSET, NOOP, QUIT; at most 10 MB a message.
Runs in a thread of the process that starts it; stop() ends it."""

import smtplib
import socketserver
import threading

MAX_MESSAGE = 10 * 1024 * 1024


class _Handler(socketserver.StreamRequestHandler):
    timeout = 60

    def reply(self, text):
        self.wfile.write((text + "\r\n").encode())

    def handle(self):
        self.reply("220 peer-mail-sink ESMTP")
        sender, recipients = None, []
        while True:
            line = self.rfile.readline(4096)
            if not line:
                return
            verb = line[:4].decode("ascii", "replace").upper()
            arg = line[5:].decode("utf-8", "replace").strip() if len(line) > 5 else ""
            if verb in ("HELO", "EHLO"):
                self.reply("250-peer-mail-sink\r\n250 SIZE %d" % MAX_MESSAGE if verb == "EHLO" else "250 hello")
            elif verb == "MAIL":
                sender, recipients = _address(arg), []
                self.reply("250 ok")
            elif verb == "RCPT":
                recipients.append(_address(arg))
                self.reply("250 ok")
            elif verb == "DATA":
                if sender is None or not recipients:
                    self.reply("503 MAIL and RCPT first")
                    continue
                self.reply("354 go on")
                data = self.read_data()
                if data is None:
                    self.reply("552 message too large")
                else:
                    self.reply(self.server.deliver(sender, recipients, data))
                sender, recipients = None, []
            elif verb == "RSET":
                sender, recipients = None, []
                self.reply("250 ok")
            elif verb == "NOOP":
                self.reply("250 ok")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")

    def read_data(self):
        lines, size = [], 0
        while True:
            line = self.rfile.readline(65536)
            if not line or line in (b".\r\n", b".\n"):
                break
            if line.startswith(b".."):
                line = line[1:]
            size += len(line)
            if size > MAX_MESSAGE:
                return None
            lines.append(line)
        return b"".join(lines)


def _address(arg):
    start, end = arg.find("<"), arg.find(">")
    return arg[start + 1:end] if start >= 0 and end > start else arg.split(":", 1)[-1].strip()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, lmtp_port):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lmtp_port = lmtp_port
        self.delivered = []  # (sender, recipients) handed on; guarded by the GIL (list.append)

    def deliver(self, sender, recipients, data):
        try:
            with smtplib.LMTP("127.0.0.1", self.lmtp_port, timeout=30) as lmtp:
                lmtp.sendmail(sender, recipients, data)
        except (smtplib.SMTPException, OSError) as e:
            return "451 not delivered: %s" % str(e).replace("\r", " ").replace("\n", " ")[:200]
        self.delivered.append((sender, recipients))
        return "250 delivered"


class MailSink:
    def __init__(self, lmtp_port):
        self.server = _Server(lmtp_port)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def delivered(self):
        return list(self.server.delivered)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
