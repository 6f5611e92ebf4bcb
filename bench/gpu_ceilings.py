#!/usr/bin/env python3
"""The device's measured ceilings, against which ncsn-bench's rates are read (issue 4: "at least
50% of the GPU's measured dense-convolution ceiling"):
  - copy bandwidth: a large device-to-device copy, bytes read plus bytes written;
  - dense matrix products in float32, TF32 and bfloat16;
  - the score network's densest convolution (3x3, ngf 128 -> 128 channels at 32x32, the CIFAR-10
    network's widest stage) at batch 1024, in the same three precisions, channels-last, with
    cuDNN autotuning.
Random inputs, CUDA events, the median of repeated runs after warm-up. --device cpu with --quick
only checks that the script runs.

  python3 bench/gpu_ceilings.py --json ceilings.json
"""
import argparse
import json
import statistics
import time

import torch


def timed(fn, device, warmup, repeats):
    """Median seconds of fn() after warm-up, with device events on CUDA."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        if device.type == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end) / 1000.0)
        else:
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def precision(name, device):
    """dtype and TF32 switch for one of float32, tf32, bf16."""
    tf32 = name == "tf32"
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.allow_tf32 = tf32
    return torch.bfloat16 if name == "bf16" else torch.float32


def copy_bandwidth(device, n, warmup, repeats):
    src = torch.rand(n, device=device)
    dst = torch.empty_like(src)
    seconds = timed(lambda: dst.copy_(src), device, warmup, repeats)
    return 2 * src.numel() * src.element_size() / seconds / 1e9  # GB/s, read + write


def matmul_rate(device, n, name, warmup, repeats):
    dtype = precision(name, device)
    a, b = torch.randn(n, n, device=device, dtype=dtype), torch.randn(n, n, device=device, dtype=dtype)
    seconds = timed(lambda: a @ b, device, warmup, repeats)
    return 2 * n ** 3 / seconds / 1e12  # TFLOP/s


def conv_rate(device, batch, channels, size, name, warmup, repeats):
    dtype = precision(name, device)
    torch.backends.cudnn.benchmark = True
    conv = torch.nn.Conv2d(channels, channels, 3, padding=1, bias=False).to(device, dtype)
    conv = conv.to(memory_format=torch.channels_last)
    x = torch.randn(batch, channels, size, size, device=device, dtype=dtype).to(memory_format=torch.channels_last)
    with torch.inference_mode():
        seconds = timed(lambda: conv(x), device, warmup, repeats)
    flops = 2 * channels * 9 * channels * size * size * batch
    return flops / seconds / 1e12


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="cuda")
    p.add_argument("--quick", action="store_true", help="tiny sizes: a check that the script runs")
    p.add_argument("--json", default=None)
    args = p.parse_args()
    device = torch.device(args.device)
    warmup, repeats = (1, 3) if args.quick else (5, 20)
    copy_n, mat_n, conv_batch = (1 << 16, 256, 2) if args.quick else (1 << 30, 8192, 1024)
    report = {"device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
              "torch": torch.__version__,
              "copy_gb_per_s": copy_bandwidth(device, copy_n, warmup, repeats)}
    print(f"{report['device']}, torch {report['torch']}")
    print(f"device-to-device copy: {report['copy_gb_per_s']:.0f} GB/s (read + write)")
    for name in ("float32", "tf32", "bf16"):
        mm = matmul_rate(device, mat_n, name, warmup, repeats)
        conv = conv_rate(device, conv_batch, 128, 32, name, warmup, repeats)
        report[f"matmul_{name}_tflop_per_s"] = mm
        report[f"conv3x3_128_{name}_tflop_per_s"] = conv
        print(f"{name:8s} matmul {mat_n}^3: {mm:8.1f} TFLOP/s   conv 3x3 128->128 at 32x32, batch {conv_batch}: "
              f"{conv:8.1f} TFLOP/s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)


if __name__ == "__main__":
    main()
