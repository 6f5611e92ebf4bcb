#!/usr/bin/env bash
# 2026-12-02, afternoon: the engine before the CPU convolution check (a build of commit 7befd4c)
# against this one (which checks LibTorch's oneDNN convolutions once and then reads a flag per
# CPU convolution), and the reference, back to back per config, two rounds. One thread: batches
# 1, 16 and 64 (cifar: 1 and 16); two threads: 1 and 16. The commands are those of
# docs/benchmarks.md.
# Usage: BEFORE=path/to/7befd4c/ncsn-bench bash docs/bench-2026-12-02-check/run.sh OUT_DIR
set -u
cd "$(dirname "$0")/../.."
out=${1:?output folder}
mkdir -p "$out"
after=./build/bench/ncsn-bench
ref="/usr/bin/python3 bench/reference_bench.py --ref ${NCSN_REF:-/tmp/ncsn-ref}"
for round in 1 2; do
  for threads in 1 2; do
    if [ "$threads" = 1 ]; then export OMP_WAIT_POLICY=PASSIVE; else unset OMP_WAIT_POLICY; fi
    for cfg in "small --steps 10 --warmup 1 --repeats 3" "fm --steps 3 --warmup 1 --repeats 3" "cifar --steps 2 --warmup 1 --repeats 2"; do
      name=${cfg%% *}
      batches=1,16
      [ "$threads" = 1 ] && [ "$name" != cifar ] && batches=1,16,64
      for variant in before after ref; do
        case $variant in before) cmd=$BEFORE ;; after) cmd=$after ;; ref) cmd=$ref ;; esac
        tag=r$round-t$threads-$variant-$name
        # shellcheck disable=SC2086
        $cmd --config $cfg --batches $batches --train-steps 0 --threads "$threads" --json "$out/$tag.json" > "$out/$tag.txt" 2>&1
      done
    done
  done
done
