#!/usr/bin/env bash
# Installs what Shinrai needs to build, run and test, on Debian 12.
# Idempotent: packages already present are skipped by apt.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Every library is a Debian package; README.md says why each was chosen.
PACKAGES=(
  g++ cmake ninja-build pkg-config
  libboost-dev libsimdjson-dev nlohmann-json3-dev librocksdb-dev libyaml-cpp-dev
  libcli11-dev libspdlog-dev zlib1g-dev libjemalloc-dev
  libeigen3-dev libopenblas-dev libhnswlib-dev libzip-dev libcsv-dev libkainjow-mustache-dev
  libsodium-dev libssl-dev libhowardhinnant-date-dev tzdata
  libpq-dev postgresql
  libgtest-dev libgmock-dev libbenchmark-dev librapidcheck-dev
  clang libclang-rt-14-dev libomp-dev
  wrk curl openssl systemd
  chromium fonts-ipafont-gothic
  prometheus
)
if ! command -v node >/dev/null 2>&1; then PACKAGES+=(nodejs npm); fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
