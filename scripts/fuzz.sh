#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (ASan + UBSan, every
# library instrumented) into build-fuzz/, incrementally, and runs each for a
# bounded time. A failure (crash, sanitizer report, failed check, timeout)
# exits 1 and leaves the input under build-fuzz/ (crash-*, timeout-*, ...).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   build, then run each TARGET (default: all) SECONDS (default 20)
#   scripts/fuzz.sh --build-only            only build
#   scripts/fuzz.sh --no-build SECONDS ...  only run what was built
#   scripts/fuzz.sh 600 http_request_fuzz   a longer run by hand
#   build-fuzz/http_request_fuzz CRASH      replay one saved input
#
# Targets: tcf_decode_fuzz, consent_payload_fuzz, http_request_fuzz.
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
run=1
case "${1:-}" in
  --build-only) run=0; shift ;;
  --no-build) build=0; shift ;;
esac
SECONDS_PER_TARGET=${1:-20}
shift || true
ALL_TARGETS=(tcf_decode_fuzz consent_payload_fuzz http_request_fuzz)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=("${ALL_TARGETS[@]}"); fi

CXX=${FUZZ_CXX:-clang++}
out=build-fuzz

if [ "$build" = 1 ]; then
  command -v "$CXX" >/dev/null || { echo "fuzz: $CXX not found (scripts/install-deps.sh installs clang)"; exit 1; }
  if [ ! -f "$out/build.ninja" ]; then
    mkdir -p "$out"
    # -O1 with line tables: readable stacks, quick compiles; asserts stay on.
    cmake -S . -B "$out" -G Ninja -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
      -DSHINRAI_FUZZ=ON -DSHINRAI_BUILD_TESTS=OFF -DSHINRAI_WITH_JEMALLOC=OFF >"$out/configure.log" 2>&1 || {
      cat "$out/configure.log"
      rm -f "$out/build.ninja"
      echo "fuzz: configuring $out failed (clang needs libomp-dev for OpenMP; scripts/install-deps.sh installs it)"
      exit 1
    }
  fi
  echo "== building ${ALL_TARGETS[*]} in $out"
  cmake --build "$out" --target "${ALL_TARGETS[@]}"
fi
[ "$run" = 1 ] || exit 0

run() {
  local target=$1
  local seeds dict=() max_len=4096
  case "$target" in
    tcf_decode_fuzz) seeds=tests/fuzz/corpus/tcf ;;
    consent_payload_fuzz) seeds=tests/fuzz/corpus/consent ;;
    http_request_fuzz) seeds=tests/fuzz/corpus/http; dict=(-dict=tests/fuzz/http.dict); max_len=16384 ;;
    *) echo "fuzz: unknown target $target (${ALL_TARGETS[*]})"; exit 1 ;;
  esac
  [ -x "$out/$target" ] || { echo "fuzz: $out/$target is not built (scripts/fuzz.sh --build-only)"; exit 1; }
  local corpus="$out/corpus-$target"
  mkdir -p "$corpus"  # where new inputs go; the seeds are read from $seeds
  local log="$out/$target.log"
  echo "== $target, ${SECONDS_PER_TARGET}s"
  if ! "$out/$target" -max_total_time="$SECONDS_PER_TARGET" -max_len="$max_len" -timeout=10 -print_final_stats=1 \
       "${dict[@]}" -artifact_prefix="$out/" "$corpus" "$seeds" >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz: $target found a failure; the input is saved under $out/ (see $log)"
    exit 1
  fi
  grep -E "^(Done|stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added)" "$log"
  grep -E "^#[0-9]+.*(DONE|INITED)" "$log" | tail -n 1 || true
}
for t in "${targets[@]}"; do run "$t"; done
