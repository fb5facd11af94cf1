"""The CUDA backend: device= selection and its errors everywhere; parity with the CPU core on a GPU.

The GPU tests skip, each with its reason, where no CUDA module is built or no device is visible. The kernels'
per-thread logic is also checked without a GPU by csrc/tests/sweep_tests.cpp (host emulation, exact).
"""

import math

import re

import numpy as np
import pytest

import infoscope as isc
from infoscope._native import CUDA_PROBLEM, HAS_CUDA, cuda
from infoscope.stats import permutation_test

WHY_NO_GPU = CUDA_PROBLEM if not HAS_CUDA else ""
gpu = pytest.mark.skipif(not HAS_CUDA, reason=f"needs a GPU: {WHY_NO_GPU}")
no_gpu = pytest.mark.skipif(HAS_CUDA, reason="checks the errors of a machine without a usable GPU")


class FakeCudaArray:
    """An object that says it lives on a CUDA device, as a torch CUDA tensor or a CuPy array does."""

    __cuda_array_interface__ = {"shape": (10, 1), "typestr": "<f8", "data": (12345, False), "version": 3,
                                "strides": None}


def gaussian_pair(n=2000, rho=0.6, seed=0, d=1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal((n, d))
    return x, y


# --- everywhere ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("device", ["gpu", "cuda:x", 0, None, "CPU"])
def test_bad_device_names_the_argument(device):
    x, y = gaussian_pair(200)
    with pytest.raises(ValueError, match="device must be"):
        isc.mutual_info(x, y, device=device)


@no_gpu
def test_cuda_without_a_device_is_a_clear_error():
    x, y = gaussian_pair(200)
    for call in (lambda: isc.mutual_info(x, y, device="cuda"), lambda: isc.entropy(x, device="cuda:0"),
                 lambda: isc.transfer_entropy(x[:, 0], y[:, 0], device="cuda"),
                 lambda: isc.mutual_info(x, y, method="binned", device="cuda")):
        with pytest.raises(ValueError, match="needs the CUDA backend"):
            call()


@no_gpu
def test_a_cuda_array_without_a_device_names_the_argument():
    x, _ = gaussian_pair(10)
    with pytest.raises(ValueError, match=r"y lives on a CUDA device.*device='cpu'"):
        isc.mutual_info(x, FakeCudaArray())


@pytest.mark.parametrize("estimate", [
    lambda x, y, **kw: isc.entropy(x, **kw),
    lambda x, y, **kw: isc.entropy(x, method="binned", **kw),
    lambda x, y, **kw: isc.entropy(x, method="gaussian", **kw),
    lambda x, y, **kw: isc.entropy(x, method="kde", noise_var=0.1, **kw),
    lambda x, y, **kw: isc.mutual_info(x, y, **kw),
    lambda x, y, **kw: isc.mutual_info(x, y, method="kl", **kw),
    lambda x, y, **kw: isc.mutual_info(x, y, algorithm=2, **kw),
    lambda x, y, **kw: isc.conditional_mutual_info(x, y, x[::-1].copy(), **kw),
    lambda x, y, **kw: isc.transfer_entropy(x[:, 0], y[:, 0], **kw),
    lambda x, y, **kw: isc.transfer_entropy(x[:, 0], y[:, 0], method="binned", **kw),
])
def test_every_estimator_takes_device_and_host_data_stay_on_the_cpu(estimate):
    x, y = gaussian_pair(300)
    assert np.isfinite(estimate(x, y, device="cpu"))
    assert estimate(x, y, device="cpu") == estimate(x, y)  # "auto" computes host data where they lie


def test_build_info_reports_the_cuda_build():
    info = isc.build_info()
    assert info["cuda_built"] == (cuda is not None)
    if cuda is not None:
        assert "80" in info["cuda_architectures"] and "90" in info["cuda_architectures"]
        assert len(info["cuda_devices"]) == cuda.device_count()


def test_cuda_errors_become_memory_error_and_runtime_error():
    if cuda is None:
        pytest.skip("no CUDA module in this build")
    with pytest.raises(MemoryError, match="out of memory"):
        cuda._throw_status(2)  # cudaErrorMemoryAllocation: its translator must win over its base class's
    with pytest.raises(RuntimeError, match="throw_status"):
        cuda._throw_status(1)  # cudaErrorInvalidValue


@no_gpu
def test_why_no_gpu_can_be_used_is_said():
    x, y = gaussian_pair(50)
    assert WHY_NO_GPU and isc.build_info()["cuda_problem"] == WHY_NO_GPU
    with pytest.raises(ValueError, match=re.escape(WHY_NO_GPU)):
        isc.mutual_info(x, y, device="cuda")


# --- on a GPU -----------------------------------------------------------------------------------------------

def both(fn, **kwargs):
    """fn's local values on the CPU and on the GPU."""
    return fn(device="cpu", local=True, **kwargs), fn(device="cuda", local=True, **kwargs)


@gpu
@pytest.mark.parametrize("spacing", [0.0, 0.1])  # continuous, and heavily tied (noise breaks the ties alike)
@pytest.mark.parametrize("options", [dict(), dict(k=20), dict(algorithm=2), dict(algorithm=2, k=6),
                                     dict(transform="normal"), dict(correction="gaussian")])
def test_ksg_mutual_info_matches_the_cpu(spacing, options):
    x, y = gaussian_pair(3000, d=2)
    if spacing:
        x, y = np.round(x / spacing) * spacing, np.round(y / spacing) * spacing
    cpu, gpu_ = both(lambda **kw: isc.mutual_info(x, y, **kw), **options)
    np.testing.assert_allclose(gpu_, cpu, rtol=1e-9, atol=1e-12)


@gpu
@pytest.mark.parametrize("options", [dict(), dict(metric="euclidean"), dict(weights="berrett", k=8),
                                     dict(normalize=True, noise=1e-10)])
def test_kl_entropy_matches_the_cpu(options):
    x = np.random.default_rng(1).standard_normal((3000, 5))
    cpu, gpu_ = both(lambda **kw: isc.entropy(x, **kw), **options)
    np.testing.assert_allclose(gpu_, cpu, rtol=1e-9)


@gpu
def test_conditional_mutual_info_and_its_null_distribution_match_the_cpu():
    rng = np.random.default_rng(2)
    z = rng.standard_normal((2000, 2))
    x = z[:, :1] + rng.standard_normal((2000, 1))
    y = x + z[:, 1:] + rng.standard_normal((2000, 1))
    cpu, gpu_ = both(lambda **kw: isc.conditional_mutual_info(x, y, z, **kw))
    np.testing.assert_allclose(gpu_, cpu, rtol=1e-9, atol=1e-12)
    a = permutation_test(isc.conditional_mutual_info, x, y, z, n_permutations=50, seed=3, device="cpu")
    b = permutation_test(isc.conditional_mutual_info, x, y, z, n_permutations=50, seed=3, device="cuda")
    np.testing.assert_allclose(b.null, a.null, rtol=1e-9, atol=1e-12)
    assert b.p_value == a.p_value


@gpu
def test_transfer_entropy_with_trials_and_theiler_window_matches_the_cpu():
    rng = np.random.default_rng(4)
    src = rng.standard_normal((3, 800))
    tgt = np.zeros_like(src)
    for t in range(1, 800):
        tgt[:, t] = 0.5 * tgt[:, t - 1] + 0.6 * src[:, t - 1] + 0.5 * rng.standard_normal(3)
    kw = dict(k_hist=2, l_hist=2, theiler=5)
    cpu = isc.transfer_entropy(src, tgt, device="cpu", local=True, **kw)
    gpu_ = isc.transfer_entropy(src, tgt, device="cuda", local=True, **kw)
    np.testing.assert_allclose(gpu_, cpu, rtol=1e-9, atol=1e-12)
    a = permutation_test(isc.transfer_entropy, src[0], tgt[0], n_permutations=40, seed=1, device="cpu")
    b = permutation_test(isc.transfer_entropy, src[0], tgt[0], n_permutations=40, seed=1, device="cuda")
    np.testing.assert_allclose(b.null, a.null, rtol=1e-9, atol=1e-12)


@gpu
def test_device_resident_input_is_read_where_it_lies():
    x, y = gaussian_pair(2000, d=2)
    dx, dy = cuda.upload(x, 0), cuda.upload(y, 0)  # backend matrices expose __cuda_array_interface__
    # Without preprocessing the coordinates are the same bits: identical counts.
    kw = dict(normalize=False, noise=0.0, local=True)
    np.testing.assert_allclose(isc.mutual_info(dx, dy, **kw), isc.mutual_info(x, y, **kw), rtol=1e-9, atol=1e-12)
    # With it, column statistics are summed in another order: equal to rounding.
    assert isc.mutual_info(dx, dy) == pytest.approx(isc.mutual_info(x, y), rel=1e-6)
    assert isc.mutual_info(dx, dy, device="cpu") == pytest.approx(isc.mutual_info(x, y), rel=1e-12)
    with pytest.raises(ValueError, match="x must be finite"):
        isc.mutual_info(cuda.upload(np.full((10, 1), np.nan), 0), y[:10], device="cuda")


@gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binned_symbols_match_the_cpu(dtype):
    rng = np.random.default_rng(5)
    layer = np.tanh(rng.standard_normal((5000, 300))).astype(dtype)  # a wide layer: 128-bit hashed keys
    labels = rng.integers(0, 10, 5000)
    for options in (dict(), dict(bins=30), dict(range=(-1, 1), bins=2), dict(bins="quantile", quantiles=4)):
        cpu, gpu_ = both(lambda **kw: isc.mutual_info(layer[:, :3], labels, method="binned", **kw), **options)
        np.testing.assert_allclose(gpu_, cpu, rtol=1e-12)
    cpu, gpu_ = both(lambda **kw: isc.entropy(layer, method="binned", **kw))
    np.testing.assert_allclose(gpu_, cpu, rtol=1e-12)


@gpu
def test_kernel_density_matches_the_cpu():
    x = np.random.default_rng(6).standard_normal((1500, 40))
    cpu, gpu_ = both(lambda **kw: isc.entropy(x, method="kde", noise_var=0.5, **kw))
    np.testing.assert_allclose(gpu_, cpu, rtol=1e-9)


@gpu
def test_out_of_device_memory_is_a_memory_error_naming_the_call():
    small = cuda.upload(np.zeros((4, 1)), 0)
    ptr = small.__cuda_array_interface__["data"][0]
    huge = cuda.View(ptr, "<f8", 2**42, 1, 1, 1, 0)  # 32 TiB: no device has it
    with pytest.raises(MemoryError, match=r"cudaMalloc.*\.cu:\d+"):
        cuda.to_float64(huge, 0)


@gpu
def test_k_above_the_kernel_capacity_is_a_value_error():
    x, y = gaussian_pair(1000)
    with pytest.raises(ValueError, match="device='cpu'"):
        isc.mutual_info(x, y, k=cuda.MAX_NEIGHBORS + 1, device="cuda")


@gpu
def test_torch_cuda_tensors_are_used_without_a_copy():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("this torch build has no CUDA")
    x, y = gaussian_pair(2000)
    tx, ty = torch.from_numpy(x).cuda().float(), torch.from_numpy(y).cuda()[:, 0]  # float32, and a 1-D view
    assert isc.mutual_info(tx, ty, normalize=False, noise=0.0) == pytest.approx(
        isc.mutual_info(x.astype(np.float32), y[:, 0], normalize=False, noise=0.0), rel=1e-9)


def test_the_cuda_problem_is_the_cores_problem_class():
    # The CUDA module registers its problem as a subclass of the core's interface: importing it checks that.
    if cuda is None:
        pytest.skip("no CUDA module in this build")
    from infoscope._native import core

    assert issubclass(cuda.KsgConditionalMI, core.CmiProblem)


@gpu
def test_mutual_info_with_a_theiler_window_and_its_surrogates_match_the_cpu():
    # The CUDA problem once refused a Theiler window without Z columns; both backends now take it, alike.
    from infoscope._backend import CPU, backend_for

    rng = np.random.default_rng(7)
    x = np.cumsum(rng.standard_normal(1000)) * 0.1  # autocorrelated: the window matters
    xy = np.column_stack([x, x + rng.standard_normal(1000)])
    perms = np.stack([rng.permutation(1000) for _ in range(8)]).astype(np.uint32)
    gpu_backend = backend_for("cuda")
    for theiler in (0, 4):
        a = CPU.cmi(xy.copy(), 1, 0, 3, 1, [0, 400, 1000], theiler)
        b = gpu_backend.cmi(gpu_backend.samples(xy, "xy"), 1, 0, 3, 1, [0, 400, 1000], theiler)
        np.testing.assert_allclose(b.locals(), a.locals(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(b.surrogates(perms), a.surrogates(perms), rtol=1e-9, atol=1e-12)


@gpu
def test_the_cuda_binding_names_an_unknown_metric():
    with pytest.raises(ValueError, match="metric must be 'chebyshev' or 'euclidean'"):
        cuda.kl_locals(cuda.upload(np.zeros((10, 1)), 0), 3, "manhattan", [])


@gpu
def test_many_estimates_on_the_gpu_match_the_cpu():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2000, 6))
    x[:, 3] += x[:, 0]
    cpu = isc.mutual_info_matrix(x, device="cpu", noise=0.0)
    gpu_ = isc.mutual_info_matrix(x, device="cuda", noise=0.0)
    np.testing.assert_allclose(gpu_.values, cpu.values, rtol=1e-9, atol=1e-12)
    s = rng.standard_normal((1500, 4))
    s[1:, 1] += 0.8 * s[:-1, 0]
    np.testing.assert_allclose(isc.transfer_entropy_matrix(s, device="cuda", noise=0.0).values,
                               isc.transfer_entropy_matrix(s, device="cpu", noise=0.0).values, rtol=1e-9, atol=1e-12)


@gpu
def test_only_devices_with_kernel_images_count_as_usable():
    from infoscope._native import USABLE_DEVICES

    for d in range(cuda.device_count()):
        assert (cuda.device_problem(d) == "") == (d in USABLE_DEVICES)
    assert USABLE_DEVICES  # an H100 or H200 (9.0) has images in the default build


@gpu
def test_torch_tensors_written_on_a_side_stream_are_read_when_ready():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("this torch build has no CUDA")
    x, y = gaussian_pair(20000)
    side = torch.cuda.Stream()
    with torch.cuda.stream(side):
        tx = torch.zeros(x.shape, dtype=torch.float64, device="cuda")
        torch.cuda._sleep(200_000_000)  # the copy below lands long after this call is queued
        tx.copy_(torch.from_numpy(x).cuda(non_blocking=True))
        estimate = isc.mutual_info(tx, y, device="cuda")
    assert estimate == isc.mutual_info(x, y, device="cuda")


@gpu
def test_exported_matrices_are_complete_when_exported():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("this torch build has no CUDA")
    a = np.random.default_rng(0).standard_normal((4_000_000, 4))
    m = cuda.upload(a, 0)
    t = torch.as_tensor(m, device="cuda")  # "stream": None in the interface: ready now, on any stream
    np.testing.assert_array_equal(t.cpu().numpy(), a)


@gpu
def test_estimates_without_kernels_run_on_the_host():
    """Multi-information, CMI algorithm 2 and MI algorithm 2 with a Theiler window have no kernels: on a GPU the
    preprocessed table is copied to the host and the CPU core computes them, equal to the CPU path to rounding
    (the device's column sums differ from numpy's in the last bit)."""
    x, y = gaussian_pair(1500, d=2)
    z = x[::-1].copy()
    for call in (lambda **o: isc.multi_information(x, y, z, algorithm=2, **o),
                 lambda **o: isc.conditional_mutual_info(x, y, z, algorithm=2, **o),
                 lambda **o: isc.mutual_info(x, y, algorithm=2, theiler=3, **o)):
        assert call(device="cuda") == pytest.approx(call(device="cpu"), abs=1e-6)
