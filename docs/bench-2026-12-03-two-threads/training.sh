#!/usr/bin/env bash
# 2026-12-03, evening, after the CPU prefetch change: training at batch 128 alone, ours against the
# reference, two threads (three rounds) and one thread (one round, OMP_WAIT_POLICY=PASSIVE as in
# the one-thread commands of docs/benchmarks.md).
# Usage: bash docs/bench-2026-12-03-two-threads/training.sh OUT_DIR   (NCSN_REF: the reference checkout)
set -u
cd "$(dirname "$0")/../.."
out=${1:?output folder}
mkdir -p "$out"
unset OMP_WAIT_POLICY OMP_NUM_THREADS
ours=./build/bench/ncsn-bench
ref="/usr/bin/python3 bench/reference_bench.py --ref ${NCSN_REF:-/tmp/ncsn-ref}"
run() {  # round threads
  for cfg in "small --train-steps 3" "fm --train-steps 1"; do
    for variant in ours ref; do
      case $variant in ours) cmd="$ours --steps 0" ;; ref) cmd="$ref --steps 1 --batches 1" ;; esac
      tag=train-r$1-t$2-$variant-${cfg%% *}
      date -u +"%H:%M:%S $tag"
      # shellcheck disable=SC2086
      $cmd --config $cfg --warmup 1 --repeats 5 --threads "$2" --json "$out/$tag.json" > "$out/$tag.txt" 2>&1
    done
  done
}
for round in 1 2 3; do run "$round" 2; done
OMP_WAIT_POLICY=PASSIVE run 1 1
date -u +"%H:%M:%S done"
