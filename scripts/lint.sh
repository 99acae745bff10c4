#!/usr/bin/env bash
# clang-tidy with the checks in .clang-tidy over src/ (or the files given),
# against the compile commands of build/ (scripts/build.sh first). Exits 1 on
# any finding. About 5 minutes for all of src/ on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-tidy >/dev/null || { echo "lint: clang-tidy not found (apt-get install clang-tidy)"; exit 1; }
[ -f build/compile_commands.json ] || { echo "lint: build/compile_commands.json missing: run scripts/build.sh"; exit 1; }
files=("$@")
if [ ${#files[@]} -eq 0 ]; then mapfile -t files < <(git ls-files 'src/*.cc'); fi
printf '%s\n' "${files[@]}" | xargs -P 2 -n 4 clang-tidy -p build --quiet 2>/dev/null | grep -E "(warning|error):" && exit 1
echo "lint: ${#files[@]} files, no findings"
