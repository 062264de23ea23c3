#!/usr/bin/env bash
# Installs what building, running and testing need, from Debian's archive
# only. Idempotent: when every package is present it does nothing. Run as root.
set -euo pipefail

PACKAGES=(
  bazel-bootstrap bazel-rules-java bazel-platforms openjdk-17-jdk-headless
  g++ clang libclang-rt-14-dev
  libabsl-dev libpugixml-dev libwbxml2-dev libwbxml2-utils libgmime-3.0-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev
  libboost1.74-dev libssl-dev libsqlite3-dev
  python3 python3-pytest
  lintian
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
