#!/usr/bin/env bash
# A bounded libFuzzer run of the WBXML decoder, built with clang and ASan +
# UBSan (bazel --config=fuzz), seeded with every codec sample.
#   bash reference/wbxml/fuzz/run_fuzzer.sh [SECONDS]   (default 20)
# For a long run, pass more seconds (docs/wbxml.md#fuzzing). Prints
# "fuzz: PASSED" or "fuzz: FAILED" last.
set -uo pipefail
cd "$(dirname "$0")/../../.."
seconds=${1:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/seeds" "$work/corpus"

if ! bazel run //reference/wbxml/fuzz:write_seed_corpus -- "$work/seeds"; then
  echo "fuzz: FAILED (could not write the seed corpus)"
  exit 1
fi
if ! bazel build --config=fuzz //reference/wbxml/fuzz:decoder_fuzzer; then
  echo "fuzz: FAILED (could not build the fuzzer with clang)"
  exit 1
fi
fuzzer=bazel-bin/reference/wbxml/fuzz/decoder_fuzzer
cp "$fuzzer" "$work/decoder_fuzzer"
if (cd "$work" && ./decoder_fuzzer -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 corpus seeds 2>&1 | tail -n 25); then
  echo "fuzz: PASSED (${seconds}s of libFuzzer, no crash)"
else
  echo "fuzz: FAILED (crash input saved in the run's directory as crash-*; see above)"
  exit 1
fi
