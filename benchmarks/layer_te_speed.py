"""Layer transfer entropy: the batched core (all neuron pairs and windows in one call) against a Python loop of
single-pair ``infoscope.transfer_entropy(method="binned")`` calls on the same binarised series.

    python benchmarks/layer_te_speed.py

Workload: an epoch of 1437 training samples (the digits data), a 32-unit layer to a 10-unit layer (320 pairs),
windows of 256 samples every 128; binary activations. Both must give the same numbers. Medians of 5 runs.
Writes benchmarks/results/layer_te_speed.{md,json}.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import numpy as np

import infoscope as isc
from infoscope._native import core


def main():
    rng = np.random.default_rng(0)
    samples, window, step = 1437, 256, 128
    source = rng.integers(0, 2, (samples, 32))
    target = rng.integers(0, 2, (samples, 10))
    pairs = np.array([(s, t) for s in range(32) for t in range(10)], dtype=np.uint32)
    starts = range(0, samples - window + 1, step)

    def batched():
        return core.windowed_transfer_entropy(source, target, 2, pairs, window, step, 1, 1, 1, "plugin", -1)

    def loop():
        return np.array([[isc.transfer_entropy(source[w:w + window, s], target[w:w + window, t], method="binned")
                          for w in starts] for s, t in pairs])

    assert np.abs(batched() - loop()).max() < 1e-12
    timings = {}
    for name, fn in (("batched core", batched), ("loop of transfer_entropy", loop)):
        runs = []
        for _ in range(5):
            t0 = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - t0)
        timings[name] = statistics.median(runs)
    ratio = timings["loop of transfer_entropy"] / timings["batched core"]
    text = (f"# Layer TE, {len(pairs)} neuron pairs x {len(starts)} windows of {window} samples\n\n"
            "| implementation | median (ms) |\n|---|---|\n"
            + "".join(f"| {k} | {1e3 * v:.1f} |\n" for k, v in timings.items())
            + f"\nBatched core: {ratio:.0f}x faster, identical values (max difference < 1e-12).\n")
    print(text)
    out = Path(__file__).parent / "results"
    (out / "layer_te_speed.md").write_text(text)
    (out / "layer_te_speed.json").write_text(json.dumps({"seconds": timings, "ratio": ratio}, indent=2))


if __name__ == "__main__":
    main()
