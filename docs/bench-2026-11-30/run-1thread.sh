#!/usr/bin/env bash
# ours with the oneDNN plans off and on, and the reference, back to back, one thread
cd /work/main
export OMP_WAIT_POLICY=PASSIVE
B=./build/bench/ncsn-bench
R="/usr/bin/python3 bench/reference_bench.py --ref /tmp/ncsn-ref"
out=/work/bench-run
for round in 1 2; do
for cfg in "small --steps 10 --warmup 1 --repeats 3 --train-steps 2" "fm --steps 3 --warmup 1 --repeats 3 --train-steps 0" "cifar --steps 2 --warmup 1 --repeats 2 --train-steps 0"; do
  name=${cfg%% *}
  $B --config $cfg --batches 1,16,64 --threads 1 --onednn-plans off --json $out/ncsn-$name-off-$round.json > $out/ncsn-$name-off-$round.txt 2>&1
  $B --config $cfg --batches 1,16,64 --threads 1 --onednn-plans on --json $out/ncsn-$name-on-$round.json > $out/ncsn-$name-on-$round.txt 2>&1
  $R --config $cfg --batches 1,16,64 --threads 1 --json $out/ref-$name-$round.json > $out/ref-$name-$round.txt 2>&1
  date >> $out/progress
done
done
echo done >> $out/progress
