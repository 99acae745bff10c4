#!/usr/bin/env bash
# Configures and builds into build/ (the binary is build/shinrai).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSHINRAI_BUILD_TESTS=ON "$@" >/dev/null
cmake --build build
