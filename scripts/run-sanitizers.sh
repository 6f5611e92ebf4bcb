#!/usr/bin/env bash
# Builds the engine and its test suites with AddressSanitizer + UndefinedBehaviorSanitizer
# (clang, build-asan/) and runs them (CTest label "engine"). Any report fails the run.
# LibTorch is not instrumented; tests/sanitizers/lsan.supp lists leaks made inside it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/asan-build.sh
asan_build engine_tests
cd build-asan
ctest -L engine --output-on-failure --timeout 1800
