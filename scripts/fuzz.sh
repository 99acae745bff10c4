#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a
# bounded time. The tests run it for 20 s; run longer by hand:
#   scripts/fuzz.sh 600
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-20}
CXX=${FUZZ_CXX:-clang++}
command -v "$CXX" >/dev/null || { echo "fuzz: $CXX not found (apt-get install clang)"; exit 1; }
out=build-fuzz
mkdir -p "$out"
flags=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Isrc)
"$CXX" "${flags[@]}" tests/fuzz/tcf_decode_fuzz.cc src/consent/tcf_string.cc src/consent/bit_reader.cc \
  src/core/status.cc src/core/time_format.cc -o "$out/tcf_decode_fuzz"
"$CXX" "${flags[@]}" tests/fuzz/consent_payload_fuzz.cc src/consent/changes.cc src/consent/signals.cc \
  src/consent/ledger.cc src/consent/tcf_string.cc src/consent/bit_reader.cc src/schema/declaration.cc \
  src/store/staged_writer.cc src/store/memory/memory_store.cc \
  src/core/status.cc src/core/time_format.cc src/core/hash.cc -o "$out/consent_payload_fuzz"

run() {
  local target=$1 seeds=$2
  local corpus="$out/corpus-$target"
  mkdir -p "$corpus"
  cp -n "$seeds"/* "$corpus/" 2>/dev/null || true
  local log="$out/$target.log"
  echo "== $target, ${SECONDS_PER_TARGET}s"
  if ! "$out/$target" -max_total_time="$SECONDS_PER_TARGET" -max_len=4096 -timeout=5 -print_final_stats=1 \
       -artifact_prefix="$out/" "$corpus" >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "fuzz: $target found a failure; the input is saved under $out/"
    exit 1
  fi
  grep -E "^(Done|stat::number_of_executed_units|stat::new_units_added)" "$log"
}
run tcf_decode_fuzz tests/fuzz/corpus/tcf
run consent_payload_fuzz tests/fuzz/corpus/consent
