#!/usr/bin/env bash
# Everything issue 4 needs from a lent GPU: builds the engine, ncsn-bench and ncsn-cuda-checks
# against the LibTorch that the machine's torch bundles, runs the CUDA checks, measures the
# device's ceilings, times the engine by default and with one thing changed at a time (CUDA graphs,
# cuDNN autotuning, channels-last, TF32, autocast for sampling and training), and the reference
# code when it was carried. Full output goes to $OUT (or ./gpu-session); a short table is printed
# last. One call of the device tool runs 10 minutes at most, so split the work across calls:
#   CONFIGS="small fm" bash bench/gpu-session.sh             # build, checks, ceilings, two configs
#   CHECKS=0 CONFIGS=cifar bash bench/gpu-session.sh         # the same build, the third config
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

if [ "$device" = cuda ] && [ "${CHECKS:-1}" != 0 ]; then
  nvidia-smi > "$out/nvidia-smi.txt" 2>&1 || true
  log "CUDA checks"
  "$build"/tests/cuda/ncsn-cuda-checks 2>&1 | tee "$out/cuda-checks.txt" || log "CUDA CHECKS FAILED: the figures below are suspect"
fi

if [ "${CHECKS:-1}" != 0 ]; then
  log "ceilings"
  ceil_args=(--device "$device" --json "$out/ceilings.json")
  [ -n "${QUICK:-}" ] && ceil_args+=(--quick)
  python3 bench/gpu_ceilings.py "${ceil_args[@]}" 2>&1 | tee "$out/ceilings.txt" || log "ceilings failed"
fi

# Each variant after the default changes one thing, for before/after figures, at the batches where
# it matters: graphs and autotuning where launches dominate, layout and precision where the
# arithmetic does. CONFIGS splits a session across calls (each call has 10 minutes; the build stays).
timing=(--device "$device" --steps 20 --warmup 2 --repeats 5)
train=3 small_batches=1,16,64 large_batches=256,1024
if [ -n "${QUICK:-}" ]; then
  timing=(--device "$device" --steps 10 --warmup 1 --repeats 1 --batches 1,4); train=1 small_batches=1 large_batches=4
fi
bench=("$build"/bench/ncsn-bench "${timing[@]}")
variant() {  # variant CONFIG TAG ARGS...: one ncsn-bench run into ncsn-CONFIG-TAG.{json,txt}
  local c=$1 tag=$2; shift 2
  "${bench[@]}" --config "$c" "$@" --json "$out/ncsn-$c$tag.json" > "$out/ncsn-$c$tag.txt" 2>&1 ||
    log "ncsn-bench $c$tag failed (see ncsn-$c$tag.txt)"
}
configs=${CONFIGS:-"small fm cifar"}
# The figures the goals need come first, so that a call cut short by its time limit still has them.
for c in $configs; do
  log "ncsn-bench $c and the reference"
  variant "$c" "" --train-steps "$train"
  if [ -d .carry/ncsn-ref ]; then
    python3 bench/reference_bench.py --ref .carry/ncsn-ref "${timing[@]}" --config "$c" --train-steps "$train" \
      --json "$out/ref-$c.json" > "$out/ref-$c.txt" 2>&1 || log "reference bench $c failed (see ref-$c.txt)"
  fi
done
for c in $configs; do
  log "ncsn-bench $c variants"
  variant "$c" -nographs --train-steps 0 --batches "$small_batches" --cuda-graphs off
  variant "$c" -nocudnn --train-steps 0 --batches "$small_batches,$large_batches" --cudnn-benchmark off
  variant "$c" -nhwc --train-steps 0 --batches "$large_batches" --channels-last on
  variant "$c" -notf32 --train-steps 0 --batches "$large_batches" --tf32 off
  amps="bf16 fp16"; [ "$device" = cpu ] && amps=bf16  # fp16 autocast is CUDA's
  for amp in $amps; do
    variant "$c" "-sample-$amp" --train-steps 0 --batches "$large_batches" --sample-amp "$amp"
    variant "$c" "-$amp" --steps 0 --train-steps "$train" --train-amp "$amp"
  done
  if [ "$device" = cuda ]; then  # 2.2 GB of images: too many for the GPU, so prefetched from the host
    bytes=$([ "$c" = cifar ] && echo 3072 || echo 784)
    variant "$c" -hostdata --steps 0 --train-steps "$train" --train-images $((2200000000 / bytes))
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
    for tag in ("", "-nographs", "-nocudnn", "-nhwc", "-notf32", "-sample-bf16", "-sample-fp16", "-bf16", "-fp16", "-hostdata"):
        line(f"ours {c}{tag}", f"ncsn-{c}{tag}.json")
    line(f"reference {c}", f"ref-{c}.json")
PY
