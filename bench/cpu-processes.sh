#!/usr/bin/env bash
# Training speed on the CPU: one process (1 or 2 threads) against two processes of one thread
# each (ncsn train --processes 2), the small model at batch 64, 60 iterations, twice in turn.
# Prints the it/s each run reported at its last step (warm-up included, the same for all).
set -euo pipefail
NCSN=$(realpath "${NCSN:-build/app/ncsn}")
ARGS="--ngf 16 --batch 64 --iters 60 --checkpoint-every 100000 --eval-every 0 --json"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
speed() { grep '"step":60,' "$1" | sed 's/.*"iters_per_s":\([0-9.]*\).*/\1/'; }
for round in 1 2; do
  $NCSN train --out one1-$round $ARGS --threads 1 > one1-$round.log 2>&1
  echo "round $round, 1 process x 1 thread: $(speed one1-$round.log) it/s"
  $NCSN train --out one2-$round $ARGS --threads 2 > one2-$round.log 2>&1
  echo "round $round, 1 process x 2 threads: $(speed one2-$round.log) it/s"
  $NCSN train --out two-$round $ARGS --threads 1 --processes 2 --rank 1 --rendezvous "file:$work/meet-$round" > /dev/null 2>&1 &
  $NCSN train --out two-$round $ARGS --threads 1 --processes 2 --rank 0 --rendezvous "file:$work/meet-$round" > two-$round.log 2>&1
  wait
  echo "round $round, 2 processes x 1 thread: $(speed two-$round.log) it/s"
done
