#!/usr/bin/env bash
# Builds the Debian package (optimized binaries, the systemd unit, the flag
# file, man pages, docs) into dist/: install it with
#   apt install ./dist/eas-server_VERSION_ARCH.deb
# then edit /etc/eas-server/eas-server.conf and `systemctl enable --now eas-server`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bazel build -c opt //reference/server:eas-server //reference/server:eas-admin //tools/wbxml:eas-wbxml
version=${EAS_VERSION:-1.0.0}
bash tools/package/build_deb.sh --server bazel-bin/reference/server/eas-server \
  --admin bazel-bin/reference/server/eas-admin --wbxml bazel-bin/tools/wbxml/eas-wbxml \
  --docs docs --out dist --version "$version"
