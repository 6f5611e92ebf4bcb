#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang, ASan and UBSan (build-asan/, shared with
# run-sanitizers.sh) and fuzzes each one for a bounded time from its seed corpus. Fails on any
# crash, hang (> 5 s), leak or allocation over 2 GiB. FUZZ_SECONDS per target (default 30);
# FUZZ_TARGETS to pick some. Logs and reproducers go to build-asan/fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-30}
targets=${FUZZ_TARGETS:-"fuzz_idx fuzz_cifar10 fuzz_checkpoint fuzz_torch_save fuzz_image"}
source scripts/asan-build.sh
# shellcheck disable=SC2086
asan_build $targets make_checkpoint_seed
export OMP_NUM_THREADS=1
mkdir -p build-asan/fuzz/artifacts build-asan/fuzz/logs build-asan/fuzz/tmp
export TMPDIR=$PWD/build-asan/fuzz/tmp  # the targets' scratch files
status=0
for t in $targets; do
  # New inputs go to a scratch corpus; the committed seeds stay as they are.
  work=build-asan/fuzz/corpus/$t
  mkdir -p "$work"
  [ "$t" = fuzz_checkpoint ] && build-asan/tests/fuzz/make_checkpoint_seed "$work/seed.ncsn"
  log=build-asan/fuzz/logs/$t.log
  if build-asan/tests/fuzz/"$t" "$work" tests/fuzz/corpus/"$t" -max_total_time="$seconds" -timeout=5 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=build-asan/fuzz/artifacts/"$t"- >"$log" 2>&1; then
    execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
    echo "$t: ok, $execs runs in ${seconds}s, corpus $(ls "$work" | wc -l) inputs"
  else
    status=1
    echo "$t: FAILED (see $log; reproducer in build-asan/fuzz/artifacts/)"
    # The sanitizer's and libFuzzer's own lines, not the decoders' logging.
    grep -E '^==[0-9]+==|^SUMMARY|libFuzzer:|^INFO: Seed|Test unit written|^ALARM' "$log" || tail -20 "$log"
    # CI keeps only its log, so small reproducers are printed there to be decoded with base64 -d.
    for a in build-asan/fuzz/artifacts/"$t"-*; do
      [ -f "$a" ] && [ "$(stat -c %s "$a")" -le 4096 ] && echo "reproducer $(basename "$a") (base64): $(base64 -w0 "$a")"
    done
  fi
done
exit $status
