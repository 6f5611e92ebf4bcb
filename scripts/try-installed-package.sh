#!/usr/bin/env bash
# What a new user does with the installed .deb, in the current (empty) folder: train a little,
# sample with that model and with the shipped ones, score real images with the shipped classifier,
# and start the studio under Xvfb. Uses nothing but /usr. Called by scripts/check-package.sh.
set -euo pipefail
fail() { echo "try-installed-package: $*" >&2; exit 1; }

ncsn --version
ncsn train --config /usr/share/ncsn-studio/configs/fashion-mnist-small.json --ngf 4 --batch 4 --iters 2 \
  --checkpoint-every 2 --eval-every 0 --out run --threads 1 -q
ncsn sample -c run/checkpoint_2.ncsn -n 4 --columns 2 -T 1 --out samples.png -q
[ -s samples.png ] || fail "ncsn sample wrote nothing"
# Without -c: the model the package ships, found beside /usr/bin; and its FD-cls classifier.
ncsn sample -n 4 --columns 2 -T 1 --out default.png -q
grep -q "/usr/share/ncsn-studio/models/fashion-mnist-small.ncsn" default.png || fail "ncsn sample did not use the shipped model"
ncsn sample -c /usr/share/ncsn-studio/models/fashion-mnist-ngf64.ncsn -n 1 -T 1 --out ngf64.png -q
[ -s ngf64.png ] || fail "the shipped ngf 64 model did not sample"
ncsn sample -n 4 --columns 2 -T 1 --out v.png --video anneal.mp4 -q
[ -s anneal.mp4 ] || fail "ncsn sample --video wrote no video"
ncsn eval --data-baseline -n 50 --threads 2 | grep -q "FD-cls" || fail "ncsn eval found no shipped classifier"
env -u DISPLAY -u WAYLAND_DISPLAY ncsn-studio --version | grep -q "^ncsn-studio " || fail "ncsn-studio --version needs a display"
xvfb-run -a -s "-screen 0 1280x800x24" ncsn-studio --screenshot studio.png --after 3000 >/dev/null 2>&1
[ -s studio.png ] || fail "the installed studio did not start"
