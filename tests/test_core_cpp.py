"""The C++ tests of the core, built and run from the source tree: the KD-tree and grid against brute force, and
the CUDA kernels' per-thread logic emulated on the host against the CPU core (csrc/tests/sweep_tests.cpp).

They need cmake and a C++ compiler (which building the package needs too) and skip, with the reason, without them.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    if shutil.which("cmake") is None or not (ROOT / "csrc" / "tests").is_dir():
        pytest.skip("needs cmake and the source tree")
    out = tmp_path_factory.mktemp("core_tests")
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    subprocess.run(["cmake", *generator, "-DINFOSCOPE_BUILD_TESTS=ON", "-DINFOSCOPE_CUDA=OFF",
                    "-DCMAKE_BUILD_TYPE=Release", str(ROOT)], cwd=out, check=True, capture_output=True)
    # Only the tests and the core variant they link (the baseline), not every variant's library.
    subprocess.run(["cmake", "--build", ".", "--parallel", "2", "--target", "core_tests", "sweep_tests"], cwd=out,
                   check=True, capture_output=True)
    return out


@pytest.mark.parametrize("program", ["core_tests", "sweep_tests"])
def test_cpp(build, program):
    result = subprocess.run([str(build / program)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed" in result.stdout
