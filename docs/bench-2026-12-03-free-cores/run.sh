#!/bin/bash
# Sampling speed beside other work (docs/benchmarks.md, "Sharing the machine").
# The shipped small model; 190 steps timed as a T = 20 run minus a T = 1 run (start-up and model
# loading cancel out); with no other process, then beside one busy shell loop.
# 1) --threads 0 (the default: the free cores) against 2 threads (every core of the VM);
# 2) with 2 threads, OpenMP's wait policy: libgomp's default spinning, shorter spins, or sleeping.
NCSN=${NCSN:-build/app/ncsn}
t() { local s=$(date +%s.%N); "$@" >/dev/null 2>&1; echo "$(date +%s.%N) - $s" | bc; }
steps_per_s() {  # steps/s of 190 steps, for: ENV... -- ARGS...
  local env=() args=()
  while [ "$1" != "--" ]; do env+=("$1"); shift; done; shift
  local a=$(t env "${env[@]}" "$NCSN" sample "$@" -T 20 --out /tmp/free-cores.png -q)
  local b=$(t env "${env[@]}" "$NCSN" sample "$@" -T 1 --out /tmp/free-cores.png -q)
  echo "scale=1; 190 / ($a - $b)" | bc
}
for load in 0 1; do
  pids=()
  for ((i = 0; i < load; i++)); do bash -c 'while :; do :; done' & pids+=($!); done
  sleep 1
  for n in 1 16; do
    for th in 0 2; do echo "busy=$load batch=$n --threads $th: $(steps_per_s X=1 -- -n $n --threads $th) steps/s"; done
    for pol in GOMP_SPINCOUNT=30000 GOMP_SPINCOUNT=3000 OMP_WAIT_POLICY=PASSIVE; do
      echo "busy=$load batch=$n --threads 2 $pol: $(steps_per_s $pol -- -n $n --threads 2) steps/s"
    done
  done
  for p in "${pids[@]}"; do kill $p; done
done
