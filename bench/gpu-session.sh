#!/usr/bin/env bash
# Everything issue 4 needs from a lent GPU, in one call that fits its 15 minutes: builds the engine,
# ncsn-bench and ncsn-cuda-checks against the LibTorch that the machine's torch bundles, runs the
# CUDA checks, measures the device's ceilings, times the engine with and without CUDA graphs and
# cuDNN autotuning, and the reference code when it was carried. Full output goes to $OUT (or
# ./gpu-session); a short table is printed last.
#
# Prepare on the development machine (copies headers the GPU image may lack into .carry/, which
# git ignores), then run there, e.g. with the device tool:
#   bash bench/gpu-session.sh prepare        # optional: NCSN_REF=/path/to/ermongroup-ncsn checkout
#   run: bash bench/gpu-session.sh           carry: .carry
# DEVICE=cpu and QUICK=1 run the same steps small on a machine without a GPU (a check of this script).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = prepare ]; then
  mkdir -p .carry/include
  cp -r /usr/include/nlohmann .carry/include/
  cp /usr/include/zlib.h /usr/include/zconf.h .carry/include/
  if [ -n "${NCSN_REF:-}" ]; then rm -rf .carry/ncsn-ref && cp -r "$NCSN_REF" .carry/ncsn-ref; fi
  echo "prepared .carry: $(ls .carry | tr '\n' ' ')"
  exit 0
fi

out=${OUT:-$PWD/gpu-session}
build=${BUILD_DIR:-build-cuda}
device=${DEVICE:-cuda}
mkdir -p "$out"
log() { echo "== $*" | tee -a "$out/session.log"; }

# Headers: the machine's own, else the carried copies. zlib's library is the system's libz.so.1.
cmake_args=(-G Ninja -DCMAKE_BUILD_TYPE=Release -DNCSN_BUILD_UI=OFF -DNCSN_BUILD_TESTS=OFF -DNCSN_WITH_OPENCV=OFF
  "-DCMAKE_PREFIX_PATH=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')")
if [ -d .carry/include ]; then
  cmake_args+=("-DNLOHMANN_JSON_INCLUDE=$PWD/.carry/include")
  if [ ! -f /usr/include/zlib.h ]; then
    libz=$(ls /lib/x86_64-linux-gnu/libz.so.1 /usr/lib/x86_64-linux-gnu/libz.so.1 2>/dev/null | head -1)
    cmake_args+=("-DZLIB_INCLUDE_DIR=$PWD/.carry/include" "-DZLIB_LIBRARY=$libz")
  fi
fi
log "build ($(nproc) cores)"
start=$SECONDS
cmake -S . -B "$build" "${cmake_args[@]}" > "$out/cmake.log" 2>&1 || { tail -30 "$out/cmake.log"; exit 1; }
cmake --build "$build" --target ncsn-bench ncsn-cuda-checks > "$out/build.log" 2>&1 || { grep -m20 -B2 -A5 error "$out/build.log"; exit 1; }
log "built in $((SECONDS - start)) s"

if [ "$device" = cuda ]; then
  nvidia-smi > "$out/nvidia-smi.txt" 2>&1 || true
  log "CUDA checks"
  "$build"/tests/cuda/ncsn-cuda-checks 2>&1 | tee "$out/cuda-checks.txt" || log "CUDA CHECKS FAILED: the figures below are suspect"
fi

log "ceilings"
ceil_args=(--device "$device" --json "$out/ceilings.json")
[ -n "${QUICK:-}" ] && ceil_args+=(--quick)
python3 bench/gpu_ceilings.py "${ceil_args[@]}" 2>&1 | tee "$out/ceilings.txt" || log "ceilings failed"

# Each variant after the default changes one thing, for before/after figures.
timing=(--device "$device" --steps 20 --warmup 2 --repeats 5)
train=3
if [ -n "${QUICK:-}" ]; then timing=(--device "$device" --steps 10 --warmup 1 --repeats 1 --batches 1,4); train=1; fi
bench=("$build"/bench/ncsn-bench "${timing[@]}")
configs=${CONFIGS:-"small fm cifar"}
for c in $configs; do
  log "ncsn-bench $c"
  "${bench[@]}" --config "$c" --train-steps "$train" --json "$out/ncsn-$c.json" > "$out/ncsn-$c.txt" 2>&1 ||
    log "ncsn-bench $c failed (see ncsn-$c.txt)"
  "${bench[@]}" --config "$c" --train-steps 0 --cuda-graphs off --json "$out/ncsn-$c-nographs.json" \
    > "$out/ncsn-$c-nographs.txt" 2>&1 || log "ncsn-bench $c without graphs failed"
  "${bench[@]}" --config "$c" --train-steps 0 --cudnn-benchmark off --json "$out/ncsn-$c-nocudnn.json" \
    > "$out/ncsn-$c-nocudnn.txt" 2>&1 || log "ncsn-bench $c without cuDNN autotuning failed"
  amps="bf16 fp16"; [ "$device" = cpu ] && amps=bf16  # fp16 autocast is CUDA's
  for amp in $amps; do  # training only
    "${bench[@]}" --config "$c" --steps 0 --train-steps "$train" --train-amp "$amp" --json "$out/ncsn-$c-$amp.json" \
      > "$out/ncsn-$c-$amp.txt" 2>&1 || log "ncsn-bench $c training in $amp failed"
  done
  if [ -d .carry/ncsn-ref ]; then
    python3 bench/reference_bench.py --ref .carry/ncsn-ref "${timing[@]}" --config "$c" --train-steps "$train" \
      --json "$out/ref-$c.json" > "$out/ref-$c.txt" 2>&1 || log "reference bench $c failed (see ref-$c.txt)"
  fi
done

log "summary (steps/s by batch; training it/s at batch 128)"
python3 - "$out" $configs <<'PY'
import json, os, sys
out, configs = sys.argv[1], sys.argv[2:]
def line(who, name):
    path = os.path.join(out, name)
    if not os.path.exists(path):
        return
    e = json.load(open(path))["configs"][0]
    rows = " ".join(f"{x['batch']}:{x['steps_per_s']:.1f}" for x in e["langevin"])
    train = f" train {e['train_iters_per_s']:.2f} it/s" if "train_iters_per_s" in e else ""
    print(f"{who}: {rows}{train}")
for c in configs:
    for tag in ("", "-nographs", "-nocudnn", "-bf16", "-fp16"):
        line(f"ours {c}{tag}", f"ncsn-{c}{tag}.json")
    line(f"reference {c}", f"ref-{c}.json")
PY
