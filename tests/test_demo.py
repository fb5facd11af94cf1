"""The README's main job runs and prints estimates next to their true values."""

import subprocess
import sys


def test_demo_prints_estimates_and_truths():
    out = subprocess.run([sys.executable, "-m", "infoscope", "-n", "3000"], capture_output=True, text=True,
                         timeout=300, check=True).stdout
    assert "I(X;Y), 1+1 dims" in out and "truth" in out
    rows = [line.split() for line in out.splitlines() if line.startswith(("H(X)", "I(X;", "TE("))]
    assert len(rows) == 11
    for row in rows:
        estimate, truth = float(row[-3]), float(row[-2])
        assert abs(estimate - truth) < 0.25 + 0.05 * abs(truth)
    p_values = [float(line.split()[-2]) for line in out.splitlines() if line.startswith("permutation test")]
    assert len(p_values) == 2 and p_values[0] < 0.01  # X drives Y at N = 3000
