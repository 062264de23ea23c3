#!/usr/bin/env bash
# Builds the Debian package of the reference server from built binaries:
#   build_deb.sh --server BIN --admin BIN --wbxml BIN --docs DIR --out DIR [--version V] [--tree DIR]
# The package: eas-server and eas-admin in /usr/sbin, eas-wbxml in /usr/bin,
# the client checker's Python sources (from --tree, the source tree or a
# runfiles root; eas-admin devices check runs it) in /usr/share/eas-server,
# the systemd unit (own user, StateDirectory, hardening), the flag file
# /etc/eas-server/eas-server.conf (a conffile), man pages, the docs, and a
# postinst that makes the system user. Depends are the packages that hold
# the shared libraries the binaries need (dpkg -S). Prints the .deb's path.
# scripts/package.sh builds optimized binaries and calls this.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=1.0.0
tree=.
while (($#)); do
  case "$1" in
    --server) server=$2; shift 2 ;;
    --admin) admin=$2; shift 2 ;;
    --wbxml) wbxml=$2; shift 2 ;;
    --docs) docs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    --tree) tree=$2; shift 2 ;;
    *) echo "build_deb.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
arch=$(dpkg --print-architecture)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/eas-server
umask 022

install -D -m 0755 "$server" "$root/usr/sbin/eas-server"
install -D -m 0755 "$admin" "$root/usr/sbin/eas-admin"
install -D -m 0755 "$wbxml" "$root/usr/bin/eas-wbxml"
for b in "$root/usr/sbin/eas-server" "$root/usr/sbin/eas-admin" "$root/usr/bin/eas-wbxml"; do
  strip --remove-section=.comment --remove-section=.note --strip-unneeded "$b"
done
# The client checker, flat in one directory (its modules import each other
# by name), with the code page table where eas_wbxml looks for it.
checker=$root/usr/share/eas-server/clientcheck
for f in tools/clientcheck/clientcheck.py tools/clientcheck/report.py tools/clientcheck/rules.py \
         tools/clientcheck/session.py tools/replay/capture.py tools/replay/libwbxml_check.py \
         tools/requirements/requirement.py tools/wbxml/eas_wbxml.py; do
  install -D -m 0644 "$tree/$f" "$checker/$(basename "$f")"
done
install -D -m 0644 "$tree/reference/wbxml/codepages.txt" "$checker/reference/wbxml/codepages.txt"
install -D -m 0644 "$here/eas-server.service" "$root/lib/systemd/system/eas-server.service"
install -D -m 0644 "$here/eas-server.conf" "$root/etc/eas-server/eas-server.conf"
install -d -m 0755 "$root/usr/share/man/man8" "$root/usr/share/man/man1" "$root/usr/share/doc/eas-server"
gzip -9n < "$here/eas-server.8" > "$root/usr/share/man/man8/eas-server.8.gz"
gzip -9n < "$here/eas-admin.8" > "$root/usr/share/man/man8/eas-admin.8.gz"
gzip -9n < "$here/eas-wbxml.1" > "$root/usr/share/man/man1/eas-wbxml.1.gz"
for d in operator-guide.md ox-connector.md commands.md vendor-guide.md wbxml.md architecture.md; do
  install -m 0644 "$docs/$d" "$root/usr/share/doc/eas-server/$d"
done
install -m 0644 "$here/copyright" "$root/usr/share/doc/eas-server/copyright"
date_r=$(date -u -R -d @"${SOURCE_DATE_EPOCH:-1796083200}")
printf 'eas-server (%s) unstable; urgency=medium\n\n  * Built by tools/package/build_deb.sh.\n\n -- EAS reference server team <eas-reference@lists.example.org>  %s\n' \
  "$version" "$date_r" | gzip -9n > "$root/usr/share/doc/eas-server/changelog.gz"
chmod 0644 "$root/usr/share/doc/eas-server/changelog.gz"

# The packages holding the libraries the binaries load.
depends=$(
  for b in "$root/usr/sbin/eas-server" "$root/usr/sbin/eas-admin" "$root/usr/bin/eas-wbxml"; do
    objdump -p "$b" | awk '/NEEDED/ {print $2}'
  done | sort -u | while read -r lib; do
    path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64|aarch64|AArch64/ {print $NF; exit}')
    [ -n "$path" ] || path=$(ldconfig -p | awk -v l="$lib" '$1 == l {print $NF; exit}')
    [ -n "$path" ] || { echo "build_deb.sh: no package has $lib" >&2; exit 1; }
    real=$(readlink -f "$path")
    dpkg -S "$real" 2>/dev/null | head -n1 | cut -d: -f1 || dpkg -S "$path" | head -n1 | cut -d: -f1
  done | sort -u | paste -sd, - | sed 's/,/, /g'
)

install -d -m 0755 "$root/DEBIAN"
cat > "$root/DEBIAN/control" <<CONTROL
Package: eas-server
Version: $version
Architecture: $arch
Maintainer: EAS reference server team <eas-reference@lists.example.org>
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: adduser, python3, $depends
Section: net
Priority: optional
Description: reference Exchange ActiveSync server for phones
 A server for Exchange ActiveSync (EAS) clients: phones and desktop
 clients sync mail, contacts, calendar, tasks and the global address list,
 with push (Ping), from an embedded SQLite store or from an Open-Xchange
 server through its HTTP API. Access and error logs, Prometheus metrics and
 health endpoints; eas-admin for users, devices and the provisioning policy;
 eas-wbxml to read EAS WBXML.
CONTROL
echo /etc/eas-server/eas-server.conf > "$root/DEBIAN/conffiles"
install -m 0755 "$here/postinst" "$root/DEBIAN/postinst"
install -m 0755 "$here/postrm" "$root/DEBIAN/postrm"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | sort | xargs md5sum) \
  > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"
mkdir -p "$out"
deb="$out/eas-server_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
