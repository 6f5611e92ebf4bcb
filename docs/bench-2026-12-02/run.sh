#!/usr/bin/env bash
# 2026-12-02, one round, back to back per config: the previous engine (before, a build of commit
# 6942f75), the same binary with glibc's malloc limits fixed through the environment (what
# configure_host_allocator does), this engine (after: the allocator fixed and the one-kernel
# CondInstanceNorm++ at batch 1), and the reference. One thread: batches 1, 16 and 64 (cifar: 1
# and 16); two threads: 1 and 16. The commands are those of docs/benchmarks.md.
# Usage: BEFORE=path/to/previous/ncsn-bench bash docs/bench-2026-12-02/run.sh OUT_DIR
set -u
cd "$(dirname "$0")/../.."
out=${1:?output folder}
mkdir -p "$out"
after=./build/bench/ncsn-bench
ref="/usr/bin/python3 bench/reference_bench.py --ref ${NCSN_REF:-/tmp/ncsn-ref}"
fixed_malloc="MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824"
for threads in 1 2; do
  if [ "$threads" = 1 ]; then export OMP_WAIT_POLICY=PASSIVE; else unset OMP_WAIT_POLICY; fi
  for cfg in "small --steps 10 --warmup 1 --repeats 3" "fm --steps 3 --warmup 1 --repeats 3" "cifar --steps 2 --warmup 1 --repeats 2"; do
    name=${cfg%% *}
    batches=1,16
    [ "$threads" = 1 ] && [ "$name" != cifar ] && batches=1,16,64
    run() { "$@" --config $cfg --batches $batches --train-steps 0 --threads "$threads"; }
    run "$BEFORE" --json "$out/t$threads-before-$name.json" > "$out/t$threads-before-$name.txt" 2>&1
    env $fixed_malloc bash -c "$(declare -f run); cfg='$cfg' batches=$batches threads=$threads; run '$BEFORE' --json '$out/t$threads-malloc-$name.json'" > "$out/t$threads-malloc-$name.txt" 2>&1
    run $after --json "$out/t$threads-after-$name.json" > "$out/t$threads-after-$name.txt" 2>&1
    run $ref --json "$out/t$threads-ref-$name.json" > "$out/t$threads-ref-$name.txt" 2>&1
  done
done
