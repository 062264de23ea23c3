"""SOGo, the Objective-C groupware server with ActiveSync (Debian's sogo and
sogo-activesync packages), started privately as a peer for the load
benchmarks: its own PostgreSQL cluster and memcached on free loopback
ports, sogod with a given number of prefork workers, SQL users with plain
passwords. Needs root (the services run as their Debian users) and installs
the packages when they are missing. Nothing of it is left behind.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time

PACKAGES = ["sogo", "sogo-activesync", "postgresql", "memcached"]
PG_BIN = "/usr/lib/postgresql/15/bin"
PASSWORD = "secret"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_installed():
    if os.path.exists("/usr/sbin/sogod") and os.path.exists("/usr/lib/GNUstep/SOGo/ActiveSync.SOGo") \
            and os.path.exists(PG_BIN + "/initdb") and shutil.which("memcached"):
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


class RunningSogo:
    """sogod on 127.0.0.1:port; users u000.. with PASSWORD."""

    PATH = "/SOGo/Microsoft-Server-ActiveSync"

    def __init__(self, users, workers):
        if os.geteuid() != 0:
            raise SystemExit("the SOGo peer needs root (its services run as the postgres, memcache and sogo users)")
        ensure_installed()
        self.dir = tempfile.mkdtemp(prefix="sogo-peer-")
        os.chmod(self.dir, 0o755)
        self.procs = []
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
        # change to /etc/sogo. No IMAP server: the mail folders are left
        # out, contacts and calendars sync. SOGo's own longest Ping is 10 s
        # (a longer one gets Status 5 with a limit of 10 after 10 s): raised
        # to the specification's 3540 s so Pings park as on a push server;
        # how often a parked Ping looks for changes stays SOGo's default.
        self.log = os.path.join(home, "sogo.log")
        args = ["/usr/sbin/sogod", "-WONoDetach", "YES", "-WOPort", "127.0.0.1:%d" % self.port,
                "-WOWorkersCount", str(workers), "-WOLogFile", self.log, "-WOPidFile", os.path.join(home, "pid"),
                "-SOGoProfileURL", db + "/sogo_user_profile", "-OCSFolderInfoURL", db + "/sogo_folder_info",
                "-OCSSessionsFolderURL", db + "/sogo_sessions_folder",
                "-OCSEMailAlarmsFolderURL", db + "/sogo_alarms_folder",
                "-SOGoMemcachedHost", "127.0.0.1:%d" % self.mc_port,
                "-SOGoIMAPServer", "imap://127.0.0.1:%d" % free_port(),
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
        """Every sogod process (the watchdog and its workers)."""
        out = subprocess.run(["pgrep", "-f", "-u", "sogo", "sogod -WONoDetach YES -WOPort 127.0.0.1:%d " % self.port],
                             capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def stack_pids(self):
        """sogod's processes, PostgreSQL's (the postmaster and its backends)
        and memcached: everything that works for a request."""
        pids = self.worker_pids()
        try:
            with open(os.path.join(self.pg, "postmaster.pid")) as f:
                postmaster = int(f.readline())
            children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True).stdout
            pids += [postmaster] + [int(p) for p in children.split()]
        except (OSError, ValueError):
            pass
        return pids + [self.procs[0].pid]  # memcached

    def stop(self):
        subprocess.run(["pkill", "-u", "sogo", "-f", "WOPort 127.0.0.1:%d " % self.port])
        for p in self.procs:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        subprocess.run(["runuser", "-u", "postgres", "--", PG_BIN + "/pg_ctl", "-D", self.pg, "-m", "fast", "stop"],
                       capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)
