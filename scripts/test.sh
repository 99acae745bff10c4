#!/usr/bin/env bash
# Builds everything and runs every test: unit tests (GoogleTest) and the
# client tests (real npm SDKs, real processes, kill -9), all through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
echo "== installing the npm packages of the client tests"
(cd tests/clients && { npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error; })
scripts/build.sh
if [ ! -d ../shared/datasets ]; then
  echo "== note: ../shared/datasets is absent; tests that read the public datasets will skip"
fi
cd build
ctest --output-on-failure --timeout 600 -j2
