#!/usr/bin/env bash
# The main job: builds Shinrai and serves the generated demo shop from the
# embedded store in ./shinrai-data. Extra arguments go to `shinrai serve`
# (e.g. --listen 127.0.0.1:9000).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh --target shinrai
exec build/shinrai serve --data shinrai-data --config examples/shinrai.yaml --demo "$@"
