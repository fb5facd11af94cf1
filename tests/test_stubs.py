"""The type stubs of the compiled modules (python/infoscope/_core.pyi, _isa.pyi, _cuda.pyi) are what
pybind11-stubgen makes of the installed modules, so editors and type checkers see the core as it is.
After changing a binding, regenerate them with `python tests/test_stubs.py` (from an installed build).

The core is stubbed from the build loaded here (every build has the same interface) under its public name
infoscope._core.
"""

import subprocess
import sys
from pathlib import Path

import infoscope as isc

PACKAGE = Path(__file__).resolve().parents[1] / "python" / "infoscope"


def generate(out: Path) -> dict:
    """Stub texts by file name, from the installed modules."""
    loaded = isc._core.__name__.rsplit(".", 1)[1]  # e.g. _core_v3
    modules = {loaded: "_core.pyi", "_isa": "_isa.pyi"}
    if isc.build_info()["cuda_built"]:
        modules["_cuda"] = "_cuda.pyi"
    stubs = {}
    for module, name in modules.items():
        subprocess.run([sys.executable, "-m", "pybind11_stubgen", f"infoscope.{module}", "-o", str(out)],
                       check=True, capture_output=True, text=True)
        text = (out / "infoscope" / f"{module}.pyi").read_text()
        stubs[name] = text.replace(f"infoscope.{loaded}", "infoscope._core")
    return stubs


def test_stubs_match_the_compiled_modules(tmp_path):
    for name, text in generate(tmp_path).items():
        committed = (PACKAGE / name).read_text()
        assert committed == text, f"python/infoscope/{name} is stale: run `python tests/test_stubs.py`"


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for name, text in generate(Path(tmp)).items():
            (PACKAGE / name).write_text(text)
            print(f"wrote python/infoscope/{name}")
