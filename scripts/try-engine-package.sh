#!/usr/bin/env bash
# What a C++ developer does with the installed libncsn-engine-dev, in the current folder: build the
# program in ./engine_package (a copy of tests/engine_package) with find_package(NcsnEngine) from
# /usr, and sample a grid from the shipped model with it. Called by scripts/check-package.sh.
set -euo pipefail
fail() { echo "try-engine-package: $*" >&2; exit 1; }

cmake -S engine_package -B engine_package/build -G Ninja -DCMAKE_BUILD_TYPE=Release >engine_package/configure.log 2>&1 ||
  { cat engine_package/configure.log; fail "find_package(NcsnEngine) failed"; }
cmake --build engine_package/build >engine_package/build.log 2>&1 ||
  { tail -40 engine_package/build.log; fail "the program on the engine package did not build"; }
engine_package/build/sample-grid /usr/share/ncsn-studio/models/fashion-mnist-small.ncsn grid.png
[ -s grid.png ] || fail "sample-grid wrote nothing"
# The image says which model made it (the engine's provenance chunks).
grep -q "fashion-mnist-small.ncsn" grid.png || fail "grid.png lacks its provenance"
