#!/usr/bin/env bash
# Sets up a fresh Debian machine, builds everything and runs every test suite with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
bash scripts/build.sh
cd build
ctest --output-on-failure --timeout 900
