"""Cost and memory known before work starts: refusals that name the argument, and progress bars on long native
calls.

An estimate whose memory exceeds what the machine has left fails early with a MemoryError that says which
argument asked for how much, instead of swapping or dying in an allocation deep inside numpy or the core. Work of
quadratic cost (kernel sums) reports its progress from the core (:class:`infoscope._core.Job`) to a tqdm bar,
and stops on Ctrl-C like every native call.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager

from ._native import core

__all__ = ["available_memory", "check_memory", "check_table_memory", "native_progress"]

_UNCHECKED_BYTES = 1 << 26


def available_memory() -> int | None:
    """Bytes of memory the system can still give (Linux's MemAvailable, else free pages); None when unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _size(nbytes: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if nbytes < 1024 or unit == "PiB":
            return f"{nbytes:.3g} {unit}"
        nbytes /= 1024
    raise AssertionError  # pragma: no cover


def check_memory(nbytes: float, argument: str, what: str) -> None:
    """Raise a MemoryError naming ``argument`` when ``what`` needs more than the memory available. Needs below
    64 MiB are not checked: reading the system's free memory costs more than a small estimate."""
    if nbytes < _UNCHECKED_BYTES:
        return
    free = available_memory()
    if free is not None and nbytes > free:
        raise MemoryError(f"{argument}: {what} needs about {_size(nbytes)}, more than the {_size(free)} of memory "
                          f"available")


def check_table_memory(n: int, columns: int, copies: float, argument: str, what: str) -> None:
    """:func:`check_memory` for an estimate that holds ``copies`` float64 copies of an (n, columns) table plus a few
    index arrays per sample (sorted orders, counts, local values): a k-NN problem keeps its table and the
    coordinates of its marginal spaces, about 4 copies; a histogram a few integer codes per sample."""
    check_memory(n * (8.0 * columns * copies + 64.0), argument, what)


@contextmanager
def native_progress(total: int, desc: str, unit: str, show):
    """A :class:`infoscope._core.Job` to pass to a native call, whose finished items a tqdm bar shows (polled
    from a thread while the call runs without the GIL). ``show``: True, False, or None for a terminal only."""
    from tqdm.auto import tqdm

    job = core.Job()
    with tqdm(total=total, desc=desc, unit=unit, leave=False, disable=None if show is None else not show) as bar:
        finished = threading.Event()

        def poll():
            while not finished.wait(0.2):
                bar.update(min(job.done, total) - bar.n)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        try:
            yield job
        finally:
            finished.set()
            poller.join()
            bar.update(min(job.done, total) - bar.n)
