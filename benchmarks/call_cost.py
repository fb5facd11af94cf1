"""Per-call cost of single estimates at N = 1000 (1+1 dimensions): the public call, and the core alone on a
prepared table, so that the Python layer's share is the difference. Prints one JSON line of medians (ms) over
interleaved rounds of 100 calls.

    python benchmarks/call_cost.py [ROUNDS]
    BEFORE_SITE=/path/to/site python benchmarks/call_cost.py   # an older build installed with pip -t PATH, for a
                                                                # before/after comparison in alternating runs
"""
import json, os, sys, time, statistics
if os.environ.get("BEFORE_SITE"):  # the old build: bypass the editable install's import hook
    sys.meta_path = [f for f in sys.meta_path if not type(f).__module__.startswith("_editable")]
    sys.path.insert(0, os.environ["BEFORE_SITE"])
import numpy as np
import infoscope as isc
from infoscope._native import core
rng = np.random.default_rng(0)
x = rng.standard_normal(1000); y = x + rng.standard_normal(1000)
xy = np.column_stack([x, y]); xy = (xy - xy.mean(0)) / xy.std(0)
xzy = np.column_stack([y[1:], y[:-1], x[:-1]]); xzy = (xzy - xzy.mean(0)) / xzy.std(0)
calls = {
    "mutual_info": lambda: isc.mutual_info(x, y),
    "transfer_entropy": lambda: isc.transfer_entropy(x, y),
    "mutual_info workers=1": lambda: isc.mutual_info(x, y, workers=1),
    "transfer_entropy workers=1": lambda: isc.transfer_entropy(x, y, workers=1),
}
try:
    core.KsgConditionalMI(xy, 1, 0, 3, [0, 1000], 0, 1).locals()
    calls["core MI (1 thread)"] = lambda: core.KsgConditionalMI(xy, 1, 0, 3, [0, 1000], 0, 1).locals()
    calls["core TE (1 thread)"] = lambda: core.KsgConditionalMI(xzy, 1, 1, 4, [0, 999], 0, 1).locals()
except TypeError:
    calls["core MI (1 thread)"] = lambda: core.KsgConditionalMI(xy, 1, 0, 3, [0, 1000], 0, 1).locals(1)
    calls["core TE (1 thread)"] = lambda: core.KsgConditionalMI(xzy, 1, 1, 4, [0, 999], 0, 1).locals(1)
out = {name: [] for name in calls}
for f in calls.values(): f()
for r in range(int(sys.argv[1]) if len(sys.argv) > 1 else 7):
    for name, f in calls.items():
        t = time.perf_counter()
        for _ in range(100): f()
        out[name].append((time.perf_counter() - t) / 100 * 1e3)
sys.stderr.write(isc.__file__ + "\n")
print(json.dumps({name: statistics.median(v) for name, v in out.items()}))
