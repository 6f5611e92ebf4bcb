#!/usr/bin/env bash
# two threads (every core, OpenMP's default wait policy), the goal rows: batch 1 and 16
cd /work/main
B=./build/bench/ncsn-bench
R="/usr/bin/python3 bench/reference_bench.py --ref /tmp/ncsn-ref"
out=/work/bench-run
for cfg in "small --steps 10 --warmup 1 --repeats 3" "fm --steps 3 --warmup 1 --repeats 3" "cifar --steps 2 --warmup 1 --repeats 2"; do
  name=${cfg%% *}
  $B --config $cfg --batches 1,16 --train-steps 0 --threads 0 --onednn-plans off --json $out/t2-ncsn-$name-off.json > $out/t2-ncsn-$name-off.txt 2>&1
  $B --config $cfg --batches 1,16 --train-steps 0 --threads 0 --onednn-plans on --json $out/t2-ncsn-$name-on.json > $out/t2-ncsn-$name-on.txt 2>&1
  $R --config $cfg --batches 1,16 --train-steps 0 --threads 0 --json $out/t2-ref-$name.json > $out/t2-ref-$name.txt 2>&1
done
echo done2 >> $out/progress
