# Sourced by run-sanitizers.sh and run-fuzz.sh: one clang build in build-asan/ with ASan + UBSan
# (and libFuzzer coverage hooks, harmless outside the fuzz targets) serves both, so CI compiles
# the engine only once more. Usage: asan_build <targets...>
cxx=${ASAN_CXX:-$(command -v clang++-14 || command -v clang++)}
asan_build() {
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$cxx" \
    -DNCSN_BUILD_FUZZERS=ON -DNCSN_BUILD_UI=OFF -DNCSN_BUILD_TESTS=ON >/dev/null
  cmake --build build-asan -j"${JOBS:-2}" --target "$@"
}
# Full (slow) unwinding on malloc: LibTorch has no frame pointers, and the suppressions in
# lsan.supp match on LibTorch frames that the fast unwinder cannot see.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_init_order=1:fast_unwind_on_malloc=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=suppressions=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/sanitizers/lsan.supp:print_suppressions=0
