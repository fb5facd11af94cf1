"""The core's builds for each instruction-set level (infoscope/_native.py): the widest one the CPU supports is
loaded, INFOSCOPE_ISA picks another, and every build gives bit-identical estimates on the same inputs.

Each build runs in its own process (only one core module can be loaded in a process). Builds the CPU cannot run
(x86-64-v4 without AVX-512) are skipped with that reason.
"""

import json
import os
import subprocess
import sys

import pytest

import infoscope as isc
from infoscope import _isa

BUILT = isc.build_info()["isa_built"]
RUNNABLE = set(_isa.supported_levels()) | {"native", "generic"}

# Estimates whose kernels differ with the vector width: grids and sorted strips (1+1), the KD-tree with byte-coded
# leaves (4+4, KL 8-D, CMI), the tiled scan (24-D), Euclidean KL, binned keys, TE, the Gaussian estimator; with
# ties (rounded data) and without noise, so that every path is deterministic.
SCRIPT = r"""
import json, numpy as np, infoscope as isc
rng = np.random.default_rng(7)
a = rng.standard_normal((6000, 12)); b = 0.6 * a + 0.8 * rng.standard_normal((6000, 12))
t = np.round(a * 4) / 4
s = np.cumsum(rng.standard_normal(4000))
out = {
    "isa": isc.build_info()["isa"],
    "mi_1_1": isc.mutual_info(a[:, 0], b[:, 0], k=3, noise=0.0),
    "mi_4_4_ties": isc.mutual_info(t[:, :4], np.round(b[:, :4] * 4) / 4, k=3, noise=0.0, algorithm=2),
    "mi_12_12": isc.mutual_info(a, b, k=3, noise=0.0),
    "kl_8": isc.entropy(a[:, :8], k=3, noise=0.0),
    "kl_8_euclidean": isc.entropy(a[:, :8], k=3, noise=0.0, metric="euclidean"),
    "cmi_ties": isc.conditional_mutual_info(t[:, 0], t[:, 1], t[:, 2:5], k=4, noise=0.0),
    "te": isc.transfer_entropy(s[:-1], s[1:] + rng.standard_normal(3999), k=4, noise=0.0),
    "binned": isc.entropy(np.tanh(a[:, :6]).astype(np.float32), method="binned", bins=10, range=(-1, 1)),
    "gaussian": isc.mutual_info(a[:, :3], b[:, :3], method="gaussian"),
}
print(json.dumps({k: (float(v) if k != "isa" else v) for k, v in out.items()}))
"""


def run_with(isa, script=SCRIPT):
    env = dict(os.environ, INFOSCOPE_ISA=isa)
    return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=600)


def test_the_widest_supported_build_is_loaded():
    info = isc.build_info()
    assert info["isa"] in BUILT
    if not os.environ.get("INFOSCOPE_ISA"):
        assert info["isa"] == next(v for v in BUILT if v in RUNNABLE)


@pytest.fixture(scope="module")
def estimates():
    """The estimates of every build this CPU can run, keyed by build."""
    results = {}
    for isa in BUILT:
        if isa not in RUNNABLE:
            continue
        done = run_with(isa)
        assert done.returncode == 0, done.stderr
        results[isa] = json.loads(done.stdout.strip().splitlines()[-1])
        assert results[isa].pop("isa") == isa
    return results


@pytest.mark.parametrize("isa", ["v2", "v3", "v4", "native", "generic"])
def test_every_build_gives_identical_estimates(estimates, isa):
    if isa not in BUILT:
        pytest.skip(f"this installation has no {isa} build (it has {BUILT})")
    if isa not in RUNNABLE:
        pytest.skip(f"this CPU cannot run the {isa} build (it supports {sorted(RUNNABLE)})")
    reference_isa = next(iter(estimates))
    assert estimates[isa] == estimates[reference_isa], f"{isa} differs from {reference_isa}"


def test_forcing_an_unknown_build_fails_with_the_variable_named():
    done = run_with("v9", "import infoscope")
    assert done.returncode != 0
    assert "INFOSCOPE_ISA='v9'" in done.stderr
