#!/usr/bin/env bash
# Configures and builds into build/ (the binary is build/shinrai). Extra
# arguments go to the build step, e.g. `scripts/build.sh --target shinrai`.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSHINRAI_BUILD_TESTS=ON >/dev/null
cmake --build build "$@"
