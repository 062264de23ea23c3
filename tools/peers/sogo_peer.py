"""SOGo, the Objective-C groupware server with ActiveSync (Debian's sogo and
sogo-activesync packages), started privately as a peer: for the load
benchmarks (tools/loadgen) and the conformance matrix (tools/peers). Its own
PostgreSQL cluster and memcached on free loopback ports, sogod with a given
number of prefork workers, SQL users with plain passwords; with mail=True
also its own Dovecot (IMAP for SOGo's mail folders, LMTP for delivery) and
an SMTP sink that delivers into it, so that mail exists and mail sent
arrives. Needs root (the services run as their Debian users) and installs
the packages when they are missing. Every process it starts is stopped by
its PID (and its descendants, found through /proc); nothing is left behind.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

PACKAGES = ["sogo", "sogo-activesync", "postgresql", "memcached", "dovecot-imapd", "dovecot-lmtpd"]
PG_BIN = "/usr/lib/postgresql/15/bin"
PASSWORD = "secret"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_installed():
    if os.path.exists("/usr/sbin/sogod") and os.path.exists("/usr/lib/GNUstep/SOGo/ActiveSync.SOGo") \
            and os.path.exists(PG_BIN + "/initdb") and shutil.which("memcached") \
            and os.path.exists("/usr/sbin/dovecot") and os.path.exists("/usr/lib/dovecot/lmtp"):
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *PACKAGES], check=True, env=env)


def wait_port(port, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("nothing listens on port %d" % port)


def children(pid):
    """The PIDs whose parent is `pid` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses.
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            found.append(int(entry))
    return found


def descendants(pid):
    out, todo = [], [pid]
    while todo:
        for child in children(todo.pop()):
            out.append(child)
            todo.append(child)
    return out


def stop_tree(proc, timeout=10):
    """SIGTERM to a process we started and everything under it, then SIGKILL
    to what is left: only these PIDs, never a pattern."""
    pids = descendants(proc.pid)
    for pid in [proc.pid] + pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    deadline = time.time() + timeout
    for pid in pids:
        while time.time() < deadline and os.path.exists("/proc/%d" % pid):
            time.sleep(0.05)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


DOVECOT_CONF = """\
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_username_format = %Ln
first_valid_uid = 8
first_valid_gid = 8
default_internal_user = dovecot
default_login_user = dovenull
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {dir}/users
}}
userdb {{
  driver = static
  args = uid=mail gid=mail home={dir}/mail/%Ln
}}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Trash {{
    special_use = \\Trash
    auto = subscribe
  }}
  mailbox Drafts {{
    special_use = \\Drafts
    auto = subscribe
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp}
  }}
}}
"""


class RunningDovecot:
    """Dovecot on loopback with its own configuration (nothing of
    /etc/dovecot): IMAP and LMTP on free ports, users with PASSWORD."""

    def __init__(self, parent_dir, logins):
        self.dir = os.path.join(parent_dir, "dovecot")
        for sub in ("run", "state", "mail"):
            os.makedirs(os.path.join(self.dir, sub))
        shutil.chown(os.path.join(self.dir, "mail"), "mail", "mail")
        self.imap_port, self.lmtp_port = free_port(), free_port()
        with open(os.path.join(self.dir, "users"), "w") as f:
            f.writelines("%s:{PLAIN}%s\n" % (login, PASSWORD) for login in logins)
        self.conf = os.path.join(self.dir, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write(DOVECOT_CONF.format(dir=self.dir, imap=self.imap_port, lmtp=self.lmtp_port))
        self.proc = subprocess.Popen(["/usr/sbin/dovecot", "-F", "-c", self.conf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.imap_port)
        wait_port(self.lmtp_port)

    def stop(self):
        stop_tree(self.proc)


class RunningSogo:
    """sogod on 127.0.0.1:port; users u000.. with PASSWORD, mail
    u000@example.com; with mail=True their mail in a private Dovecot."""

    PATH = "/SOGo/Microsoft-Server-ActiveSync"

    def __init__(self, users, workers, mail=False):
        if os.geteuid() != 0:
            raise SystemExit("the SOGo peer needs root (its services run as the postgres, memcache and sogo users)")
        ensure_installed()
        self.dir = tempfile.mkdtemp(prefix="sogo-peer-")
        os.chmod(self.dir, 0o755)
        self.procs = []
        self.dovecot, self.sink = None, None
        self.logins = ["u%03d" % i for i in range(users)]
        self.pg_port, self.mc_port, self.port = free_port(), free_port(), free_port()
        pg = os.path.join(self.dir, "pg")
        os.makedirs(pg)
        shutil.chown(pg, "postgres")
        run_as = lambda user, *cmd, **kw: subprocess.run(["runuser", "-u", user, "--", *cmd], check=True,
                                                         capture_output=True, text=True, **kw)
        run_as("postgres", PG_BIN + "/initdb", "-D", pg, "-A", "trust", "-U", "postgres")
        run_as("postgres", PG_BIN + "/pg_ctl", "-D", pg, "-w", "-l", os.path.join(pg, "log"), "-o",
               "-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=400" % (self.pg_port, pg), "start")
        self.pg = pg
        sql = lambda db, text: subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "postgres",
                                               "-q", "-v", "ON_ERROR_STOP=1", db, "-c", text],
                                              check=True, capture_output=True, text=True)
        sql("postgres", "CREATE USER sogo PASSWORD 'sogo'")
        sql("postgres", "CREATE DATABASE sogo OWNER sogo")
        sql("sogo", "CREATE TABLE sogo_users (c_uid VARCHAR(128) PRIMARY KEY, c_name VARCHAR(128), "
                    "c_password VARCHAR(128), c_cn VARCHAR(128), mail VARCHAR(128)); "
                    "ALTER TABLE sogo_users OWNER TO sogo; "
                    "INSERT INTO sogo_users SELECT 'u' || lpad(i::text, 3, '0'), 'u' || lpad(i::text, 3, '0'), "
                    "'%s', 'User ' || i, 'u' || lpad(i::text, 3, '0') || '@example.com' "
                    "FROM generate_series(0, %d) i" % (PASSWORD, users - 1))
        self.procs.append(subprocess.Popen(["memcached", "-p", str(self.mc_port), "-l", "127.0.0.1", "-u", "memcache"],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        home = os.path.join(self.dir, "sogo")
        os.makedirs(home)
        shutil.chown(home, "sogo")
        db = "postgresql://sogo:sogo@127.0.0.1:%d/sogo" % self.pg_port
        # Everything on the command line (GNUstep's argument domain): no
        # change to /etc/sogo. Without mail=True no IMAP server answers: the
        # mail folders are left out, contacts and calendars sync. With it,
        # SOGo's IMAP is the private Dovecot and its SMTP the sink that
        # delivers into it. SOGo's own longest Ping is 10 s
        # (a longer one gets Status 5 with a limit of 10 after 10 s): raised
        # to the specification's 3540 s so Pings park as on a push server;
        # how often a parked Ping looks for changes stays SOGo's default.
        self.log = os.path.join(home, "sogo.log")
        imap_port, smtp_port = free_port(), free_port()
        if mail:
            sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
            from mail_sink import MailSink
            self.dovecot = RunningDovecot(self.dir, self.logins)
            self.sink = MailSink(self.dovecot.lmtp_port)
            imap_port, smtp_port = self.dovecot.imap_port, self.sink.port
        args = ["/usr/sbin/sogod", "-WONoDetach", "YES", "-WOPort", "127.0.0.1:%d" % self.port,
                "-WOWorkersCount", str(workers), "-WOLogFile", self.log, "-WOPidFile", os.path.join(home, "pid"),
                "-SOGoProfileURL", db + "/sogo_user_profile", "-OCSFolderInfoURL", db + "/sogo_folder_info",
                "-OCSSessionsFolderURL", db + "/sogo_sessions_folder",
                "-OCSEMailAlarmsFolderURL", db + "/sogo_alarms_folder",
                "-SOGoMemcachedHost", "127.0.0.1:%d" % self.mc_port,
                "-SOGoIMAPServer", "imap://127.0.0.1:%d" % imap_port,
                "-SOGoMailingMechanism", "smtp", "-SOGoSMTPServer", "smtp://127.0.0.1:%d" % smtp_port,
                "-SOGoMaximumPingInterval", "3540",
                "-SOGoUserSources", '({type = sql; id = users; viewURL = "%s/sogo_users"; canAuthenticate = YES; '
                                    'isAddressBook = NO; userPasswordAlgorithm = plain;})' % db]
        self.sogod = subprocess.Popen(["runuser", "-u", "sogo", "--", *args], env=dict(os.environ, HOME=home),
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(self.sogod)
        wait_port(self.port)
        deadline = time.time() + 30
        while len(self.worker_pids()) < workers and time.time() < deadline:
            time.sleep(0.2)

    def worker_pids(self):
        """Every sogod process (the watchdog and its workers): what runuser,
        which we started, runs."""
        return descendants(self.sogod.pid)

    def stack_pids(self):
        """sogod's processes, PostgreSQL's (the postmaster and its backends)
        and memcached: everything that works for a request."""
        pids = self.worker_pids()
        try:
            with open(os.path.join(self.pg, "postmaster.pid")) as f:
                postmaster = int(f.readline())
            pids += [postmaster] + children(postmaster)
        except (OSError, ValueError):
            pass
        return pids + [self.procs[0].pid]  # memcached

    def stop(self):
        for p in self.procs:
            stop_tree(p)
        if self.sink is not None:
            self.sink.stop()
        if self.dovecot is not None:
            self.dovecot.stop()
        subprocess.run(["runuser", "-u", "postgres", "--", PG_BIN + "/pg_ctl", "-D", self.pg, "-m", "fast", "stop"],
                       capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)
