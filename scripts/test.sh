#!/usr/bin/env bash
# Runs every test: the whole Bazel test suite, the codec again under ASan +
# UBSan, and a short libFuzzer run of the WBXML decoder. Installs what it
# needs first. Prints "tests: N passed, N failed" last; exits non-zero on any
# failure.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1

log=$(mktemp)
status=0

step() {
  echo "==> $*"
  "$@" 2>&1 | tee -a "$log"
  local rc=${PIPESTATUS[0]}
  if [ "$rc" -ne 0 ]; then
    echo "==> FAILED ($rc): $*"
    status=1
  fi
}

# 1. Everything, with the default toolchain (g++).
step bazel test //...
# 2. The codec under AddressSanitizer + UndefinedBehaviorSanitizer.
step bazel test --config=asan //reference/wbxml/... //tools/wbxml/...
# 3. A bounded libFuzzer run (clang) of the decoder, seeded from the samples.
step bash reference/wbxml/fuzz/run_fuzzer.sh 20

passed=$(grep -cE '^//[^ ]+ +(\(cached\) )?PASSED' "$log")
failed=$(grep -cE '^//[^ ]+ +(FAILED|TIMEOUT|NO STATUS|INCOMPLETE)' "$log")
fuzz_ok=$(grep -c '^fuzz: PASSED' "$log")
fuzz_bad=$(grep -c '^fuzz: FAILED' "$log")
rm -f "$log"
passed=$((passed + fuzz_ok))
failed=$((failed + fuzz_bad))
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "tests: ${passed} passed, ${failed} failed"
exit "$status"
