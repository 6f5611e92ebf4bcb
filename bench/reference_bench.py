#!/usr/bin/env python3
"""Times the authors' reference PyTorch code (ermongroup/ncsn) the way ncsn-bench times ours:
its CondRefineNetDilated, its anneal_Langevin_dynamics loop and its DSM loss + Adam step, on
random weights and random data, median of repeated runs after warm-up. The reference code is
imported from --ref (a checkout of github.com/ermongroup/ncsn); it is never part of this repo.

  python3 bench/reference_bench.py --ref /path/to/ncsn --config small --batches 1,16 --threads 2
"""
import argparse
import json
import os
import statistics
import sys
import time
import types

CONFIGS = {  # name: (channels, image size, ngf)
    "small": (1, 28, 16),
    "fm": (1, 28, 64),
    "cifar": (3, 32, 128),
}


def parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ref", required=True, help="checkout of ermongroup/ncsn")
    p.add_argument("--config", default="small", choices=["small", "fm", "cifar", "all"])
    p.add_argument("--device", default="cpu")
    p.add_argument("--batches", default=None, help="e.g. 1,16,64")
    p.add_argument("--steps", type=int, default=20,
                   help="Langevin steps per timed run: T = steps/10 per level; below 10, the first `steps` levels")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--threads", type=int, default=0, help="0: every core")
    p.add_argument("--train-batch", type=int, default=128)
    p.add_argument("--train-steps", type=int, default=3, help="0: no training figure")
    p.add_argument("--json", default=None)
    return p.parse_args()


def sync(device):
    import torch
    if device.type == "cuda":
        torch.cuda.synchronize()


def reference_config(channels, size, ngf, device):
    ns = types.SimpleNamespace
    return ns(data=ns(channels=channels, image_size=size, logit_transform=False),
              model=ns(ngf=ngf, num_classes=10, sigma_begin=1.0, sigma_end=0.01),
              device=device)


def reference_langevin(ref):
    """The reference's AnnealRunner.anneal_Langevin_dynamics, taken from its source as is.
    Importing runners/anneal_runner.py would pull in tensorboardX, torchvision and PIL, which
    the timing does not need. Its tqdm progress bar (one per run, redrawn once per level) is
    silenced so that the table stays readable."""
    import ast
    import numpy as np
    import torch
    path = os.path.join(ref, "runners", "anneal_runner.py")
    tree = ast.parse(open(path).read())
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "anneal_Langevin_dynamics":
            scope = {"np": np, "torch": torch, "tqdm": types.SimpleNamespace(tqdm=lambda it, **_: it)}
            exec(compile(ast.Module(body=[node], type_ignores=[]), path, "exec"), scope)
            return scope[node.name]
    raise SystemExit(f"anneal_Langevin_dynamics not found in {path}")


def cpu_times():
    """(total, idle, own) CPU time in clock ticks, as ncsn-bench reads it: /proc/stat's first eight
    fields (idle and iowait are free time), and this process's user + system time."""
    with open("/proc/stat") as f:
        fields = [float(v) for v in f.readline().split()[1:9]]
    own = os.times()
    return sum(fields), fields[3] + fields[4], (own.user + own.system) * os.sysconf("SC_CLK_TCK")


def others_busy_cores(before, after):
    """Cores that other processes (and the hypervisor's steal) kept busy between two cpu_times()."""
    elapsed = after[0] - before[0]
    if elapsed <= 0:
        return 0.0
    others = max(0.0, elapsed - (after[1] - before[1]) - (after[2] - before[2]))
    return others / elapsed * os.cpu_count()


def timed(warmup, repeats, run):
    """run(r) for r < warmup untimed, then `repeats` figures, and the other processes' load meanwhile."""
    for r in range(warmup):
        run(r)
    before = cpu_times()
    values = [run(r) for r in range(warmup, warmup + repeats)]
    return values, others_busy_cores(before, cpu_times())


def record(into, key, values, others):
    """`key` (the median), `key`_min, `key`_max and `key`_others_busy_cores, as ncsn-bench writes them."""
    into[key] = statistics.median(values)
    into[key + "_min"], into[key + "_max"] = min(values), max(values)
    into[key + "_others_busy_cores"] = others


def spread(values):
    return 100 * (max(values) - min(values)) / statistics.median(values)


def cpu_model():
    with open("/proc/cpuinfo") as f:
        return next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "unknown")


def conv_gflop_per_image(net, c, s, device):
    """Forward convolution FLOPs at batch 1 from forward hooks: 2 * Cin/groups * k^2 * Cout * Hout * Wout."""
    import torch
    flops = []
    hook = lambda m, _, out: flops.append(2 * m.weight.numel() * out.shape[2] * out.shape[3])
    handles = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    with torch.no_grad():
        net(torch.rand(1, c, s, s, device=device), torch.zeros(1, dtype=torch.long, device=device))
    for h in handles:
        h.remove()
    return sum(flops) / 1e9


def main():
    a = parse()
    sys.path.insert(0, os.path.abspath(a.ref))
    import numpy as np
    import torch
    from models.cond_refinenet_dilated import CondRefineNetDilated
    from losses.dsm import anneal_dsm_score_estimation
    anneal = reference_langevin(a.ref)

    torch.set_num_threads(a.threads if a.threads > 0 else os.cpu_count())
    device = torch.device(a.device)
    batches = [int(b) for b in a.batches.split(",")] if a.batches else ([1, 16, 64, 256, 1024] if device.type == "cuda" else [1, 16, 64])
    names = list(CONFIGS) if a.config == "all" else [a.config]
    sigmas = np.exp(np.linspace(np.log(1.0), np.log(0.01), 10))
    report = {"engine": "reference (ermongroup/ncsn)", "torch": torch.__version__, "device": str(device), "cpu": cpu_model(),
              "threads": torch.get_num_threads(), "steps": a.steps, "warmup": a.warmup, "repeats": a.repeats, "configs": []}
    print(f"reference_bench on {device} ({torch.get_num_threads()} threads), torch {torch.__version__}")
    # The same step count as ncsn-bench: T = steps/10 per level, or the first `steps` levels at T = 1.
    n_each = max(1, a.steps // 10)
    levels = sigmas if a.steps >= 10 else sigmas[:a.steps]
    steps = n_each * len(levels)
    for name in names:
        c, s, ngf = CONFIGS[name]
        torch.manual_seed(0)
        net = CondRefineNetDilated(reference_config(c, s, ngf, device)).to(device)
        params = sum(p.numel() for p in net.parameters())
        gflop = conv_gflop_per_image(net, c, s, device)
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        # No live view in the reference: first_frame_ms_batch16 stays null.
        entry = {"name": name, "model": f"{c}x{s}x{s}, ngf {ngf}, L=10, sigma 1 -> 0.01", "parameters": params,
                 "first_frame_ms_batch16": None, "conv_gflop_per_image": gflop, "langevin_steps": steps, "langevin": []}
        print(f"\n{name}: {c}x{s}x{s}, ngf {ngf}, {params} parameters, conv forward {gflop:.3f} GFLOP/image")
        print(f"{'batch':>7}{'steps/s':>12}{'images/s':>12}{'GFLOP/s':>12}{'spread %':>10}{'others':>9}")
        for b in batches:
            def langevin(_):
                x = torch.rand(b, c, s, s, device=device)
                sync(device)
                t0 = time.perf_counter()
                anneal(None, x, net, levels, n_each, 0.00002)
                sync(device)
                return steps / (time.perf_counter() - t0)
            rates, others = timed(a.warmup, a.repeats, langevin)
            rate = statistics.median(rates)
            print(f"{b:>7}{rate:>12.2f}{rate * b / 1000:>12.3f}{gflop * b * rate:>12.1f}{spread(rates):>10.1f}{others:>9.2f}")
            row = {"batch": b, "images_per_s": rate * b / 1000, "gflop_per_s": gflop * b * rate}
            record(row, "steps_per_s", rates, others)
            entry["langevin"].append(row)
        entry["peak_device_mib"] = torch.cuda.max_memory_reserved(device) / 2**20 if device.type == "cuda" else 0
        report["configs"].append(entry)
        if a.train_steps == 0:
            continue
        opt = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.9, 0.999))
        sig = torch.tensor(sigmas, dtype=torch.float32, device=device)
        def train(r):
            sync(device)
            t0 = time.perf_counter()
            for _ in range(a.train_steps if r >= a.warmup else 1):
                x = torch.rand(a.train_batch, c, s, s, device=device)
                labels = torch.randint(0, 10, (a.train_batch,), device=device)
                loss = anneal_dsm_score_estimation(net, x, labels, sig, 2.0)
                opt.zero_grad()
                loss.backward()
                opt.step()
            sync(device)
            return a.train_steps / (time.perf_counter() - t0)
        rates, others = timed(a.warmup, a.repeats, train)
        record(entry, "train_iters_per_s", rates, others)
        entry["train_gflop_per_s"] = 3 * gflop * a.train_batch * entry["train_iters_per_s"]  # backward ~ 2x forward
        entry["train_batch"] = a.train_batch
        entry["peak_device_mib"] = torch.cuda.max_memory_reserved(device) / 2**20 if device.type == "cuda" else 0
        print(f"training at batch {a.train_batch}: {entry['train_iters_per_s']:.3f} it/s, {entry['train_gflop_per_s']:.1f} GFLOP/s, "
              f"spread {spread(rates):.1f} %, other processes kept {others:.2f} cores busy")
        if device.type == "cuda":
            print(f"peak device memory: {entry['peak_device_mib']:.0f} MiB")
    import resource
    report["peak_host_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak host memory: {report['peak_host_mib']:.0f} MiB")
    busiest = [v for e in report["configs"] for row in [e] + e["langevin"] for k, v in row.items() if k.endswith("_others_busy_cores")]
    report["others_busy_cores_max"] = max(busiest, default=0.0)
    if report["others_busy_cores_max"] >= 0.1:
        print(f"note: other processes kept up to {report['others_busy_cores_max']:.2f} cores busy during timed runs (the \"others\" column)")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(report, f, indent=2)


if __name__ == "__main__":
    main()
