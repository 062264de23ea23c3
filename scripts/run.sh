#!/usr/bin/env bash
# The main job. The reference server (issue: HTTP front, Provision,
# FolderSync) is not built yet; until it is, this builds what exists, the
# WBXML codec and its command-line tool, and shows it at work on a real
# phone request. It installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bazel build //tools/wbxml:eas-wbxml //reference/wbxml/bench:codec_benchmark
cli=bazel-bin/tools/wbxml/eas-wbxml
cat <<'MSG'

The reference EAS server is not implemented yet: there is nothing to connect a
phone to. What runs today is the EAS WBXML codec (reference/wbxml) and its CLI:

MSG
sample=../shared/real-traces/06_client_sync_contacts_add_syncroton_simple.wbxml
if [ -f "$sample" ]; then
  echo "  \$ $cli decode $sample"
  "$cli" decode "$sample" | sed 's/^/  /'
fi
cat <<MSG

  Decode any body:   $cli decode [--hex] FILE|-
  Encode XML back:   $cli encode [--hex] [--lenient] FILE|-
  Codec benchmark:   bazel run -c opt //reference/wbxml/bench:codec_benchmark
See docs/wbxml.md.
MSG
