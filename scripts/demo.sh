#!/usr/bin/env bash
# The main job: builds Shinrai and serves the generated demo shop from the
# embedded store in ./shinrai-data. Extra arguments go to `shinrai serve`
# (e.g. --listen 127.0.0.1:9000). `scripts/demo.sh --two-brands` serves the
# demo as a group of two brands (examples/two-brands.yaml) from
# ./shinrai-brands-data instead.
set -euo pipefail
cd "$(dirname "$0")/.."
config=examples/shinrai.yaml
data=shinrai-data
if [[ "${1:-}" == "--two-brands" ]]; then
  shift
  config=examples/two-brands.yaml
  data=shinrai-brands-data
fi
scripts/install-deps.sh
scripts/build.sh --target shinrai
exec build/shinrai serve --data "$data" --config "$config" --demo "$@"
