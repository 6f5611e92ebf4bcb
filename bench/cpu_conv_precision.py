#!/usr/bin/env python3
"""Whether lower precision would speed up CPU sampling here: times oneDNN's 3x3 convolution
(torch.mkldnn_convolution, the kernel ncsn::Conv2d calls for CPU inference) in float32 and
bfloat16 on the shapes of the CIFAR network (ngf 128) at batch 1, channels-last, median of
repeated runs after warm-up. Debian's python3-torch is the same LibTorch/oneDNN build the studio
links, so the ratio carries over.

  python3 bench/cpu_conv_precision.py --threads 1
"""
import argparse
import statistics
import time

import torch

SHAPES = [  # (channels, height = width, dilation): the cifar network's stages at batch 1
    (128, 32, 1),
    (256, 16, 1),
    (256, 8, 2),
    (256, 8, 4),
]


def median_seconds(x, w, b, dilation, repeats, runs=20):
    args = ([dilation, dilation], [1, 1], [dilation, dilation], 1)
    for _ in range(3):
        torch.mkldnn_convolution(x, w, b, *args)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(runs):
            torch.mkldnn_convolution(x, w, b, *args)
        times.append((time.perf_counter() - start) / runs)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=5)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    cpu_flags = open("/proc/cpuinfo").read().split()
    print(f"torch {torch.__version__}, {a.threads} thread(s), CPU avx512_bf16: {'avx512_bf16' in cpu_flags}, "
          f"amx_bf16: {'amx_bf16' in cpu_flags}")
    print("channels  size  dilation   float32 ms  bfloat16 ms  bf16 speed-up")
    with torch.no_grad():
        for c, hw, d in SHAPES:
            x = torch.randn(1, c, hw, hw).contiguous(memory_format=torch.channels_last)
            w = torch.randn(c, c, 3, 3).contiguous(memory_format=torch.channels_last) * 0.05
            b = torch.randn(c)
            f32 = median_seconds(x, w, b, d, a.repeats)
            bf16 = median_seconds(x.bfloat16(), w.bfloat16(), b.bfloat16(), d, a.repeats)
            print(f"{c:8d} {hw:5d} {d:9d} {f32 * 1e3:12.3f} {bf16 * 1e3:12.3f} {f32 / bf16:13.2f}x")


if __name__ == "__main__":
    main()
