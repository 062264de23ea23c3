"""Builds the Debian package from the binaries under test and checks it as
Debian would: its contents (dpkg-deb -c), its control data, the unit and
the flag file inside, the maintainer scripts, and lintian with no error or
warning."""

import os
import re
import subprocess
import sys
import tempfile

import pytest

HERE = os.path.join("tools", "package")


@pytest.fixture(scope="module")
def deb():
    out = tempfile.mkdtemp(prefix="deb-")
    built = subprocess.run(
        ["bash", os.path.join(HERE, "build_deb.sh"), "--server", "reference/server/eas-server",
         "--admin", "reference/server/eas-admin", "--wbxml", "tools/wbxml/eas-wbxml", "--docs", "docs",
         "--out", out, "--version", "1.0.0"], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    path = built.stdout.strip().splitlines()[-1]
    extracted = tempfile.mkdtemp(prefix="deb-x-")
    subprocess.run(["dpkg-deb", "-x", path, extracted], check=True)
    return path, extracted


def test_contents(deb):
    listing = subprocess.run(["dpkg-deb", "-c", deb[0]], capture_output=True, text=True, check=True).stdout
    entries = {line.split()[-1].lstrip("."): line.split()[0] for line in listing.splitlines()}
    for path, mode in (("/usr/sbin/eas-server", "-rwxr-xr-x"), ("/usr/sbin/eas-admin", "-rwxr-xr-x"),
                       ("/usr/bin/eas-wbxml", "-rwxr-xr-x"),
                       ("/lib/systemd/system/eas-server.service", "-rw-r--r--"),
                       ("/etc/eas-server/eas-server.conf", "-rw-r--r--"),
                       ("/usr/share/doc/eas-server/copyright", "-rw-r--r--"),
                       ("/usr/share/doc/eas-server/operator-guide.md", "-rw-r--r--"),
                       ("/usr/share/man/man8/eas-server.8.gz", "-rw-r--r--")):
        assert entries.get(path) == mode, (path, entries.get(path))
    assert all(" root/root " in line for line in listing.splitlines())


def test_the_client_checker_is_shipped_whole_and_eas_admin_runs_it(deb, tmp_path):
    """eas-admin devices check runs the packaged checker (its imports all in
    the package, the code page table where it looks); python3 is a Depends."""
    checker = os.path.join(deb[1], "usr", "share", "eas-server", "clientcheck", "clientcheck.py")
    listed = subprocess.run(["python3", "-S", checker, "--rules"], capture_output=True, text=True,
                            env={"PATH": os.environ["PATH"]}, cwd=str(tmp_path))
    assert listed.returncode == 0, listed.stderr
    assert "provision.wipe-acknowledged" in listed.stdout
    admin = os.path.join(deb[1], "usr", "sbin", "eas-admin")
    empty = tmp_path / "record"
    empty.mkdir()
    out = subprocess.run([admin, "--data-dir=%s" % tmp_path, "devices", "check", "ox.io/x", "DEV", str(empty)],
                         capture_output=True, text=True, env={"PATH": os.environ["PATH"], "EAS_CLIENTCHECK": checker})
    assert out.returncode == 2 and "no recorded session of ox.io/x DEV" in out.stderr, out
    info = subprocess.run(["dpkg-deb", "-I", deb[0]], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^ Depends: .*\bpython3\b", info, re.M)


def test_control_data_and_maintainer_scripts(deb):
    info = subprocess.run(["dpkg-deb", "-I", deb[0]], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^ Package: eas-server$", info, re.M)
    depends = re.search(r"^ Depends: (.*)$", info, re.M).group(1)
    for package in ("adduser", "libsqlite3-0", "libssl3", "libabsl20220623", "libpugixml1v5"):
        assert package in depends, depends
    control = tempfile.mkdtemp(prefix="deb-c-")
    subprocess.run(["dpkg-deb", "-e", deb[0], control], check=True)
    assert open(os.path.join(control, "conffiles")).read().split() == ["/etc/eas-server/eas-server.conf"]
    postinst = open(os.path.join(control, "postinst")).read()
    assert "adduser --system" in postinst and "eas-server" in postinst
    for script in ("postinst", "postrm"):
        assert subprocess.run(["sh", "-n", os.path.join(control, script)]).returncode == 0


def test_the_unit_runs_hardened_as_its_own_user_from_the_flag_file(deb):
    unit = open(os.path.join(deb[1], "lib", "systemd", "system", "eas-server.service")).read()
    for line in ("User=eas-server", "StateDirectory=eas-server", "LogsDirectory=eas-server", "NoNewPrivileges=yes",
                 "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "UMask=0077",
                 "ExecStart=/usr/sbin/eas-server --flagfile=/etc/eas-server/eas-server.conf",
                 "ExecReload=/bin/kill -HUP $MAINPID"):
        assert line in unit.splitlines(), line
    # Every flag of the shipped flag file is one the packaged binary knows,
    # and the binary runs (its --help).
    server = os.path.join(deb[1], "usr", "sbin", "eas-server")
    flags = set(re.findall(r"^  --([a-z0-9-]+)", subprocess.run([server, "--help"], capture_output=True,
                                                                  text=True, check=True).stdout, re.M))
    conf = open(os.path.join(deb[1], "etc", "eas-server", "eas-server.conf")).read()
    used = re.findall(r"^#? ?--([a-z0-9-]+)=", conf, re.M)
    assert used and set(used) <= flags, set(used) - flags
    assert "--data-dir=/var/lib/eas-server" in conf.splitlines()


def test_lintian_finds_no_error_or_warning(deb):
    result = subprocess.run(["lintian", "--fail-on", "error,warning", deb[0]], capture_output=True, text=True)
    tags = [l for l in result.stdout.splitlines() if re.match(r"^[EW]: ", l)]
    assert result.returncode == 0 and not tags, result.stdout + result.stderr


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
