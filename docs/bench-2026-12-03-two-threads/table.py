#!/usr/bin/env python3
"""Prints the tables of docs/benchmarks.md from the JSON that run.sh and training.sh wrote.
Usage: python3 docs/bench-2026-12-03-two-threads/table.py OUT_DIR"""
import json
import statistics
import sys
from pathlib import Path

out = Path(sys.argv[1])


def entry(tag):
    return json.loads((out / f"{tag}.json").read_text())["configs"][0]


def row(label, key, ours, ref, digits):
    """One table row over rounds: each round's figure, the ratio of medians, widest spread, most others."""
    a, b = [e[key] for e in ours], [e[key] for e in ref]
    spread = lambda es: max(100 * (e[key + "_max"] - e[key + "_min"]) / e[key] for e in es)
    busy = max(e[key + "_others_busy_cores"] for e in ours + ref)
    cells = lambda v: ", ".join(f"{x:.{digits}f}" for x in v)
    print(f"| {label} | {cells(a)} | {cells(b)} | **{statistics.median(a) / statistics.median(b):.2f}×** "
          f"| {spread(ours):.0f} % / {spread(ref):.0f} % | {busy:.2f} |")
    return busy


header = ("| ours, rounds 1–3 | reference, rounds 1–3 | ours / reference (medians) "
          "| widest spread in a run, ours / ref | most others, cores |")
print("Sampling, steps/s (run.sh):\n")
print("| config | batch " + header)
print("|---|---:|---:|---:|---:|---:|---:|")
busiest = []
for name in ["small", "fm", "cifar"]:
    ours = [entry(f"r{r}-ours-{name}") for r in (1, 2, 3)]
    ref = [entry(f"r{r}-ref-{name}") for r in (1, 2, 3)]
    for i, line in enumerate(ours[0]["langevin"]):
        busiest.append(row(f"{name} | {line['batch']}", "steps_per_s",
                           [e["langevin"][i] for e in ours], [e["langevin"][i] for e in ref], 2))
frames = {n: ", ".join(f"{entry(f'r{r}-ours-{n}')['first_frame_ms_batch16']:.0f}" for r in (1, 2, 3)) for n in ["small", "fm", "cifar"]}
print("\nfirst live frame at batch 16, ms, rounds 1–3: " + "; ".join(f"{n} {v}" for n, v in frames.items()))

print("\nTraining at batch 128, it/s (training.sh, after the CPU prefetch change):\n")
print("| config | threads " + header)
print("|---|---:|---:|---:|---:|---:|---:|")
for name in ["small", "fm"]:
    for threads, rounds in ((2, (1, 2, 3)), (1, (1,))):
        if not (out / f"train-r1-t{threads}-ours-{name}.json").exists():
            continue
        busiest.append(row(f"{name} | {threads}", "train_iters_per_s",
                           [entry(f"train-r{r}-t{threads}-ours-{name}") for r in rounds],
                           [entry(f"train-r{r}-t{threads}-ref-{name}") for r in rounds], 3))
print("\nBefore the change, in run.sh's rounds (two threads), ours / reference:")
for name in ["small", "fm"]:
    a = [entry(f"r{r}-ours-{name}")["train_iters_per_s"] for r in (1, 2, 3)]
    b = [entry(f"r{r}-ref-{name}")["train_iters_per_s"] for r in (1, 2, 3)]
    print(f"  {name}: {', '.join(f'{x:.3f}' for x in a)} / {', '.join(f'{x:.3f}' for x in b)} it/s, "
          f"{statistics.median(a) / statistics.median(b):.2f}×")
print(f"\nmost cores other processes kept busy in any timed measurement: {max(busiest):.2f}")
