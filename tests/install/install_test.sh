#!/usr/bin/env bash
# `cmake --install` into a throwaway prefix (issue 20, item 4): the binary
# runs from there, the example configuration it installs is valid, the
# licence is there, and systemd accepts the unit without a word of complaint
# (`systemd-analyze verify` prints warnings, such as an unknown signal,
# without failing, so any output fails this test).
#   tests/install/install_test.sh BUILD_DIR
set -uo pipefail
build=${1:?build directory}
prefix=$(mktemp -d /tmp/shinrai-install-XXXXXX)
trap 'rm -rf "$prefix"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cmake --install "$build" --prefix "$prefix" >/dev/null || fail "cmake --install failed"
for f in bin/shinrai share/shinrai/shinrai.example.yaml share/doc/shinrai/LICENSE lib/systemd/system/shinrai.service; do
  [ -f "$prefix/$f" ] || fail "not installed: $f"
done
"$prefix/bin/shinrai" version | grep -q '^shinrai ' || fail "the installed binary does not run"
"$prefix/bin/shinrai" config check --config "$prefix/share/shinrai/shinrai.example.yaml" >/dev/null ||
  fail "the installed example configuration is not valid"
grep -q 'Apache License' "$prefix/share/doc/shinrai/LICENSE" || fail "the licence is not the Apache License"
unit="$prefix/lib/systemd/system/shinrai.service"
grep -q "^ExecStart=$prefix/bin/shinrai serve " "$unit" || fail "the unit does not start the installed binary: $(grep ExecStart "$unit")"
if ! command -v systemd-analyze >/dev/null; then
  echo "skipped: systemd-analyze is missing (Debian's systemd package), so the unit was not verified"
  exit 0
fi
out=$(systemd-analyze verify "$unit" 2>&1) || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify complained: $out"
echo "installed and verified under $prefix"
