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
corpus="$out/corpus-tcf"
mkdir -p "$corpus"
cp -n tests/fuzz/corpus/tcf/* "$corpus/" 2>/dev/null || true
"$out/tcf_decode_fuzz" -max_total_time="$SECONDS_PER_TARGET" -max_len=4096 -timeout=5 -print_final_stats=1 "$corpus" 2>&1 | tail -n 12
