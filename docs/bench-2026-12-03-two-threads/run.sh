#!/usr/bin/env bash
# 2026-12-03, evening: two threads (every core of the 2-vCPU VM, OpenMP's default wait policy),
# ours against the reference, three rounds, each config back to back. Longer timed runs than the
# earlier two-thread rounds (100 Langevin steps for small, 30 for fm, 10 for cifar, instead of 10,
# 3 and 2), five timed runs each, and both programs report the cores that other processes kept
# busy during the timed runs (the "others" column).
# Usage: bash docs/bench-2026-12-03-two-threads/run.sh OUT_DIR   (NCSN_REF: the reference checkout)
set -u
cd "$(dirname "$0")/../.."
out=${1:?output folder}
mkdir -p "$out"
unset OMP_WAIT_POLICY OMP_NUM_THREADS
ours=./build/bench/ncsn-bench
ref="/usr/bin/python3 bench/reference_bench.py --ref ${NCSN_REF:-/tmp/ncsn-ref}"
for round in 1 2 3; do
  for cfg in "small --steps 100 --train-steps 3" "fm --steps 30 --train-steps 1" "cifar --steps 10 --train-steps 0"; do
    name=${cfg%% *}
    for variant in ours ref; do
      case $variant in ours) cmd=$ours ;; ref) cmd=$ref ;; esac
      tag=r$round-$variant-$name
      date -u +"%H:%M:%S $tag"
      # shellcheck disable=SC2086
      $cmd --config $cfg --batches 1,16 --warmup 1 --repeats 5 --threads 2 --json "$out/$tag.json" > "$out/$tag.txt" 2>&1
    done
  done
done
date -u +"%H:%M:%S done"
