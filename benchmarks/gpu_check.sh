#!/usr/bin/env bash
# One command for a GPU machine: build infoscope's CUDA module for the GPU in the machine, run the CUDA tests and
# the GPU-against-CPU benchmark, and write a results table.
#
#     benchmarks/gpu_check.sh [OUTPUT_DIR]
#
# Run it from anywhere (it works in the repository that holds it) with a Python that already has torch, numpy,
# pybind11, scikit-build-core, cmake, ninja and pytest: nothing is downloaded (pip runs with --no-index) and the
# system Python is not modified (the package goes into a throw-away virtualenv, OUTPUT_DIR/venv, that sees the
# system site-packages). It should finish within 8 minutes on 16 cores: every step runs under `timeout`, cut to
# what is left of a total budget of 450 s.
#
# OUTPUT_DIR: the first argument, else $OUT, else ./gpu-check-out. It receives
#   log.txt          everything printed (the output of every step)
#   results.md       one row per step (status ok/FAILED/skipped, seconds, key figure) and the machine lines
#   nvidia-smi.txt   the full nvidia-smi output
#   build.txt        the verbose pip/CMake/nvcc build log (the build folder itself is /tmp/infoscope-gpu-check-build)
#   import.txt       infoscope.build_info() of the installed package
#   pytest.txt       python -m pytest tests/test_cuda.py -q -rs, and pytest.xml (JUnit XML)
#   cuda_speed.txt   python benchmarks/cuda_speed.py --quick, and cuda_speed.md (the table it writes)
#   venv/            the throw-away virtualenv holding the built package
#
# Steps: record the machine (nvidia-smi, nvcc, python, torch); find the GPU's architecture (nvidia-smi
# compute_cap "9.0" -> 90, else torch.cuda.get_device_capability(), else the GPU's name); build and install with
# -Ccmake.define.INFOSCOPE_CUDA=ON -Ccmake.define.INFOSCOPE_CUDA_ARCHITECTURES=<arch> (CMAKE_BUILD_PARALLEL_LEVEL=
# nproc); check that build_info()['cuda'] is True; run tests/test_cuda.py (timeout 300 s or what is left) and
# benchmarks/cuda_speed.py (timeout 240 s or what is left).
#
# nvcc: $CUDACXX if set, else nvcc on PATH, /usr/local/cuda/bin, /usr/local/cuda-*/bin (newest first); when
# nvidia-smi reports the driver's CUDA version, the first nvcc whose major version the driver supports is taken
# (the CUDA runtime is linked statically, so a CUDA 13 build needs a CUDA 13 driver).
#
# Exit status: 0 when the build, the import check (build_info()['cuda'] is True) and pytest all passed; 2 when
# no GPU is found (results.md says "no GPU"; nothing is built); 1 otherwise (the table is written first).
#
# Environment:
#   INFOSCOPE_GPU_ARCH=90        skip the GPU detection and build for this CUDA architecture (CMake syntax, e.g.
#                                90, 80-real;90). On a machine without a GPU this checks the build: the script then
#                                fails at the import check ("no CUDA device visible").
#   INFOSCOPE_CHECK_BUDGET=450   total seconds for all the steps (each step's timeout is cut to fit).
#   INFOSCOPE_SPEED_ARGS=--quick arguments of benchmarks/cuda_speed.py. The full sizes need several minutes of
#                                CPU time for the CPU side alone (KSG 16+16 at N=1e5, a 1000-surrogate TE test at
#                                N=1e4), more than this budget; use "--runs 5" with a larger budget for them.
#   CUDACXX=/path/to/nvcc        the CUDA compiler to use.
set -euo pipefail

DIR=${1:-${OUT:-./gpu-check-out}}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: >"$DIR/log.txt"

main() {
  cd "$REPO"
  export PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
  local budget=${INFOSCOPE_CHECK_BUDGET:-450}
  DEADLINE=$((SECONDS + budget))
  local sys_python
  sys_python=$(command -v python || command -v python3)

  echo "== infoscope GPU check: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), repository $REPO, output $DIR, budget ${budget}s"

  # --- 1. the machine --------------------------------------------------------------------------------------------
  local t0=$SECONDS smi_ok=0 gpu_line="" driver_cuda="" smi_cap="" smi_note=""
  MACHINE+=("host: $(uname -n), $(uname -sr), $(nproc) CPU threads, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) memory")
  if command -v nvidia-smi >/dev/null; then
    local smi_rc=0
    timeout -k 5 20 nvidia-smi >"$DIR/nvidia-smi.txt" 2>&1 || smi_rc=$?
    if ((smi_rc == 0)); then
      cat "$DIR/nvidia-smi.txt"
      driver_cuda=$(sed -n 's/.*CUDA Version: *\([0-9][0-9.]*\).*/\1/p' "$DIR/nvidia-smi.txt" | head -1)
      gpu_line=$(timeout -k 5 20 nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader \
        2>/dev/null | head -1 || true)
      smi_cap=$(timeout -k 5 20 nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 \
        | tr -d ' ' || true)
      [[ $smi_cap =~ ^[0-9]+\.[0-9]+$ ]] || smi_cap=""
      if [[ -n $gpu_line ]]; then
        smi_ok=1
        MACHINE+=("GPU (nvidia-smi): $gpu_line; driver's CUDA version ${driver_cuda:-unknown}; compute capability ${smi_cap:-unknown}")
        local count
        count=$(timeout -k 5 20 nvidia-smi -L 2>/dev/null | grep -c '^GPU' || true)
        [[ ${count:-0} -gt 1 ]] && MACHINE+=("GPUs visible: $count (the checks use device 0)")
      else
        smi_note="nvidia-smi lists no GPU"
      fi
    else
      cat "$DIR/nvidia-smi.txt"
      smi_note="nvidia-smi failed (exit $smi_rc): $(head -1 "$DIR/nvidia-smi.txt")"
    fi
  else
    smi_note="nvidia-smi not found"
  fi
  [[ -n $smi_note ]] && MACHINE+=("GPU (nvidia-smi): $smi_note")
  [[ -r /proc/driver/nvidia/version ]] && MACHINE+=("driver: $(head -1 /proc/driver/nvidia/version)")

  local torch_out torch_cap="" torch_ok=0
  torch_out=$(timeout -k 5 90 "$sys_python" - 2>&1 <<'EOF' || true
import sys
print("python:", sys.version.split()[0], sys.executable)
try:
    import torch
    print("torch:", torch.__version__, "(built for CUDA %s)" % torch.version.cuda)
    ok = torch.cuda.is_available()
    print("torch.cuda.is_available():", ok)
    if ok:
        print("torch device 0: %s, capability %d.%d" % ((torch.cuda.get_device_name(0),) + torch.cuda.get_device_capability(0)))
        print("TORCH_CAP %d%d" % torch.cuda.get_device_capability(0))
except Exception as e:
    print("torch: not usable:", repr(e))
EOF
)
  echo "$torch_out"
  while IFS= read -r line; do
    case $line in
      "TORCH_CAP "*) torch_cap=${line#TORCH_CAP }; torch_ok=1 ;;
      "") ;;
      *) MACHINE+=("$line") ;;
    esac
  done <<<"$torch_out"
  local gpu_fig
  if ((smi_ok)); then gpu_fig=$gpu_line; elif ((torch_ok)); then gpu_fig="seen by torch only ($smi_note)"; else gpu_fig="no GPU: $smi_note, torch sees no CUDA device"; fi
  record "machine" ok $((SECONDS - t0)) "$gpu_fig"

  # --- nvcc -------------------------------------------------------------------------------------------------------
  t0=$SECONDS
  local cands=() c nvcc="" nvcc_ver="" v
  [[ -n ${CUDACXX:-} ]] && cands+=("$CUDACXX")
  c=$(command -v nvcc || true); [[ -n $c ]] && cands+=("$c")
  [[ -x /usr/local/cuda/bin/nvcc ]] && cands+=(/usr/local/cuda/bin/nvcc)
  while IFS= read -r c; do [[ -n $c ]] && cands+=("$c"); done < <(ls -d /usr/local/cuda-*/bin/nvcc 2>/dev/null | sort -V -r)
  for c in "${cands[@]}"; do
    v=$(timeout 30 "$c" --version 2>/dev/null | sed -n 's/.*release \([0-9][0-9.]*\),.*/\1/p' | head -1 || true)
    [[ -n $v ]] || continue
    echo "nvcc candidate: $c (release $v)"
    if [[ -z $nvcc ]]; then nvcc=$c nvcc_ver=$v; fi  # the first working one, unless one fits the driver better
    if [[ -n $driver_cuda && ${v%%.*} -le ${driver_cuda%%.*} ]]; then nvcc=$c nvcc_ver=$v; break; fi
  done
  if [[ -n $nvcc ]]; then
    export CUDACXX=$nvcc PATH="$(dirname "$nvcc"):$PATH"
    timeout 30 "$nvcc" --version || true
    local nvcc_note=""
    if [[ -n $driver_cuda && ${nvcc_ver%%.*} -gt ${driver_cuda%%.*} ]]; then
      nvcc_note="; WARNING: the driver supports CUDA $driver_cuda only, a CUDA $nvcc_ver build will see no device"
      echo "${nvcc_note#; }"
    fi
    MACHINE+=("nvcc: $nvcc, release $nvcc_ver$nvcc_note")
    record "nvcc" ok $((SECONDS - t0)) "$nvcc (release $nvcc_ver)$nvcc_note"
  else
    MACHINE+=("nvcc: not found (PATH, /usr/local/cuda/bin, /usr/local/cuda-*/bin)")
    record "nvcc" FAILED $((SECONDS - t0)) "no nvcc on PATH, in /usr/local/cuda/bin or /usr/local/cuda-*/bin"
  fi

  # --- 2. the architecture ------------------------------------------------------------------------------------------
  t0=$SECONDS
  local arch="" arch_from=""
  if [[ -n ${INFOSCOPE_GPU_ARCH:-} ]]; then
    arch=$INFOSCOPE_GPU_ARCH arch_from="INFOSCOPE_GPU_ARCH (GPU detection skipped)"
  elif [[ -n $smi_cap ]]; then
    arch=${smi_cap/./} arch_from="nvidia-smi compute_cap $smi_cap"
  elif [[ -n $torch_cap ]]; then
    arch=$torch_cap arch_from="torch.cuda.get_device_capability()"
  elif ((smi_ok)); then
    case $gpu_line in
      *H100* | *H200* | *H800* | *GH200*) arch=90 ;;
      *A100* | *A800* | *A30*) arch=80 ;;
      *L40* | *L4* | *RTX\ 40* | *Ada*) arch=89 ;;
      *B200* | *B100* | *GB200*) arch=100 ;;
    esac
    [[ -n $arch ]] && arch_from="the GPU's name"
  fi
  if [[ -z $arch ]]; then
    if ((smi_ok || torch_ok)); then
      record "architecture" FAILED $((SECONDS - t0)) "a GPU is visible but its compute capability is not; set INFOSCOPE_GPU_ARCH"
      skip_rest "no architecture"
      finish 1
      return
    fi
    record "architecture" skipped $((SECONDS - t0)) "no GPU"
    skip_rest "no GPU"
    echo "no GPU: $smi_note, and torch.cuda.is_available() is not True. Nothing built;"
    echo "INFOSCOPE_GPU_ARCH=90 benchmarks/gpu_check.sh builds for sm_90 anyway (and then fails at the import check)."
    NO_GPU="no GPU: $smi_note, and torch sees no CUDA device. Nothing was built (INFOSCOPE_GPU_ARCH=90 forces a build)."
    finish 2
    return
  fi
  echo "CUDA architecture: $arch (from $arch_from)"
  record "architecture" ok $((SECONDS - t0)) "$arch (from $arch_from)"

  # --- 3. the virtualenv and the build ----------------------------------------------------------------------------
  t0=$SECONDS
  local venv="$DIR/venv" py="$DIR/venv/bin/python" venv_ok=1
  rm -rf "$venv"
  # No pip of its own: the system's pip (visible through --system-site-packages) installs into the venv.
  if ! timeout -k 5 60 "$sys_python" -m venv --system-site-packages --without-pip "$venv"; then venv_ok=0; fi
  if ((venv_ok)) && ! "$py" -m pip --version; then
    timeout -k 5 60 "$py" -m ensurepip --default-pip || venv_ok=0
  fi
  if ((venv_ok)); then
    local purelib
    purelib=$("$py" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
    write_sitecustomize "$purelib/sitecustomize.py"
    record "venv" ok $((SECONDS - t0)) "$venv (system site-packages visible, $("$py" -m pip --version | cut -d' ' -f1-2))"
  else
    record "venv" FAILED $((SECONDS - t0)) "python -m venv --system-site-packages failed, or no pip in it"
  fi

  local build_ok=0 lim rc
  BUILD_DIR=/tmp/infoscope-gpu-check-build
  if ((venv_ok)) && [[ -n $nvcc ]]; then
    rm -rf "$BUILD_DIR"
    lim=$(limit 270 150)
    echo "== build: CUDA architecture $arch, nvcc $nvcc, CMAKE_BUILD_PARALLEL_LEVEL=$(nproc), timeout ${lim}s"
    t0=$SECONDS rc=0
    CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) logged "$DIR/build.txt" "$lim" "$py" -m pip install --no-build-isolation \
      --no-deps --no-index -v . -Ccmake.define.INFOSCOPE_CUDA=ON "-Ccmake.define.INFOSCOPE_CUDA_ARCHITECTURES=$arch" \
      -Ccmake.define.INFOSCOPE_NATIVE=ON "-Cbuild-dir=$BUILD_DIR" || rc=$?  # one CPU core build: a shorter build
    local secs=$((SECONDS - t0))
    if ((rc == 0)); then
      build_ok=1
      local so
      so=$(ls "$venv"/lib/python*/site-packages/infoscope/_cuda*.so 2>/dev/null | head -1 || true)
      record "build" ok $secs "built and installed in ${secs} s for CUDA arch $arch, nvcc $nvcc_ver, $(nproc) jobs${so:+, _cuda $(du -k "$so" | cut -f1) KiB}"
    else
      echo "BUILD FAILED (exit $rc$( ((rc == 124)) && echo ", timed out after ${lim}s")); the log is $DIR/build.txt"
      local err
      err=$(grep -m1 -E 'error|Error|FAILED' "$DIR/build.txt" | sed 's/^ *//' | cut -c1-160 || true)
      record "build" FAILED $secs "exit $rc$( ((rc == 124)) && echo " (timed out after ${lim} s)")${err:+: $err}; see build.txt"
    fi
  else
    record "build" FAILED 0 "$( ((venv_ok)) && echo "no nvcc" || echo "no virtualenv")"
  fi
  if ((!build_ok)); then
    skip_rest "build failed"
    finish 1
    return
  fi

  # --- 4. the import check --------------------------------------------------------------------------------------
  t0=$SECONDS rc=0
  echo "== import check"
  logged "$DIR/import.txt" "$(limit 60 60)" "$py" - "$venv" <<'EOF' || rc=$?
import os, sys
import infoscope
info = infoscope.build_info()
print(info)
from infoscope import _native
venv = os.path.realpath(sys.argv[1]) + os.sep
where = {"infoscope": infoscope.__file__, "infoscope._core": _native.core.__file__}
if _native.cuda is not None:
    where["infoscope._cuda"] = _native.cuda.__file__
for name, path in where.items():
    print(f"{name}: {path}")
shadowed = [n for n, p in where.items() if not os.path.realpath(p).startswith(venv)]
if shadowed:
    print("CHECK: FAILED: imported from outside the venv (an editable or system install shadows it):", ", ".join(shadowed))
    raise SystemExit(4)
if not info.get("cuda_built"):
    print("CHECK: FAILED: build_info()['cuda'] is False: no CUDA module (infoscope._cuda) in this build")
    raise SystemExit(3)
if info.get("cuda") is not True:
    try:
        runtime = _native.cuda.runtime_version()
    except Exception as e:
        runtime = repr(e)
    print(f"CHECK: FAILED: build_info()['cuda'] is False: the CUDA module (arch {info.get('cuda_architectures')}, "
          f"runtime {runtime}) is built but sees no CUDA device (no GPU, no driver, or a driver older than the runtime)")
    raise SystemExit(3)
dev = info["cuda_devices"][0]
print(f"CHECK: ok: build_info()['cuda'] is True; arch {info['cuda_architectures']}, runtime {info['cuda_runtime']}, device 0: {dev}")
EOF
  local check_line
  check_line=$(grep -m1 '^CHECK: ' "$DIR/import.txt" | sed 's/^CHECK: [a-zA-Z]*: //' || true)
  local import_ok=0
  case $rc in
    0) import_ok=1; record "import check" ok $((SECONDS - t0)) "$check_line" ;;
    3) record "import check" FAILED $((SECONDS - t0)) "$check_line" ;;
    *) record "import check" FAILED $((SECONDS - t0)) "${check_line:-import failed (exit $rc): $(grep -v '^ ' "$DIR/import.txt" | tail -1)}" ;;
  esac
  if ((rc != 0 && rc != 3)); then
    skip_rest "the import check failed"
    finish 1
    return
  fi

  # --- 5. pytest --------------------------------------------------------------------------------------------------
  t0=$SECONDS rc=0
  lim=$(limit 300 60)
  echo "== pytest tests/test_cuda.py, timeout ${lim}s"
  rm -f "$DIR/pytest.xml"
  # test_build_info_reports_the_cuda_build asserts the default architectures (80-real;90); a build for the one
  # GPU in the machine cannot pass it, so it is deselected (and said so) unless both are built.
  local deselect=() desel_note=""
  if [[ $arch != *80* || $arch != *90* ]]; then
    deselect=(--deselect tests/test_cuda.py::test_build_info_reports_the_cuda_build)
    desel_note=" (deselected test_build_info_reports_the_cuda_build: it expects the default 80-real;90 build)"
    echo "deselected tests/test_cuda.py::test_build_info_reports_the_cuda_build: it expects the default architectures 80-real;90, this build has $arch"
  fi
  logged "$DIR/pytest.txt" "$lim" "$py" -m pytest tests/test_cuda.py -q -rs -p no:cacheprovider \
    "--junitxml=$DIR/pytest.xml" "${deselect[@]}" || rc=$?
  local counts
  counts=$(pytest_counts "$DIR/pytest.xml" "$DIR/pytest.txt")$desel_note
  ((rc == 124)) && counts="timed out after ${lim} s; $counts"
  mapfile -t SKIPS < <(grep '^SKIPPED' "$DIR/pytest.txt" | cut -c1-300 || true)
  local pytest_ok=0
  if ((rc == 0)); then pytest_ok=1; record "pytest tests/test_cuda.py" ok $((SECONDS - t0)) "$counts"
  else record "pytest tests/test_cuda.py" FAILED $((SECONDS - t0)) "exit $rc: $counts"; fi

  # --- 6. the speed benchmark ------------------------------------------------------------------------------------
  local speed_args=${INFOSCOPE_SPEED_ARGS---quick}
  if ((import_ok)); then
    t0=$SECONDS rc=0
    lim=$(limit 240 0)
    echo "== benchmarks/cuda_speed.py $speed_args, timeout ${lim}s"
    # cuda_speed.py writes benchmarks/results/cuda_speed.md under its working folder: run it in $DIR so the
    # checkout keeps its own results.
    # shellcheck disable=SC2086
    (cd "$DIR" && logged "$DIR/cuda_speed.txt" "$lim" "$py" "$REPO/benchmarks/cuda_speed.py" $speed_args) || rc=$?
    if [[ -f $DIR/benchmarks/results/cuda_speed.md ]]; then
      mv "$DIR/benchmarks/results/cuda_speed.md" "$DIR/cuda_speed.md"
      rmdir -p "$DIR/benchmarks/results" 2>/dev/null || true
    fi
    mapfile -t SPEED_ROWS < <(grep -E '^(device:|\| )' "$DIR/cuda_speed.txt" || true)
    local fig
    fig=$(speed_figure "$DIR/cuda_speed.txt")
    ((rc == 124)) && fig="timed out after ${lim} s; $fig"
    if ((rc == 0)); then record "cuda_speed.py $speed_args" ok $((SECONDS - t0)) "$fig"
    else record "cuda_speed.py $speed_args" FAILED $((SECONDS - t0)) "exit $rc: $fig"; fi
  else
    record "cuda_speed.py $speed_args" skipped 0 "no usable GPU"
  fi

  if ((build_ok && import_ok && pytest_ok)); then finish 0; else finish 1; fi
}

# record STEP STATUS SECONDS FIGURE
record() {
  STEPS+=("$1"$'\t'"$2"$'\t'"$3"$'\t'"$4")
  echo "-- $1: $2 (${3} s) $4"
}

# skip_rest REASON: mark the steps that did not run
skip_rest() {
  local s have
  for s in venv build "import check" "pytest tests/test_cuda.py" "cuda_speed.py ${INFOSCOPE_SPEED_ARGS---quick}"; do
    have=0
    for r in "${STEPS[@]}"; do [[ ${r%%$'\t'*} == "$s" ]] && have=1; done
    ((have)) || STEPS+=("$s"$'\t'"skipped"$'\t'"0"$'\t'"$1")
  done
}

# limit CAP RESERVE: a step's timeout, CAP seconds or less so that RESERVE seconds stay for the later steps
limit() {
  local l=$((DEADLINE - SECONDS - $2))
  ((l > $1)) && l=$1
  ((l < 10)) && l=10
  echo "$l"
}

# logged FILE TIMEOUT CMD...: run CMD under timeout, its output to the terminal (and so log.txt) and to FILE
logged() {
  local out=$1 lim=$2
  shift 2
  timeout -k 10 "$lim" "$@" 2>&1 | tee "$out"
  return "${PIPESTATUS[0]}"
}

# pytest_counts XML TXT: "N passed, M failed, K skipped" from the JUnit XML, else from the summary line
pytest_counts() {
  python3 - "$1" "$2" <<'EOF' 2>/dev/null || echo "no pytest summary"
import re, sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    n = {k: int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped")}
    out = f"{n['tests'] - n['failures'] - n['errors'] - n['skipped']} passed, {n['failures']} failed, {n['skipped']} skipped"
    print(out + (f", {n['errors']} errors" if n["errors"] else ""))
except Exception:
    lines = [l for l in open(sys.argv[2], errors="replace") if re.search(r"\d+ (passed|failed|skipped|error)", l)]
    print(lines[-1].strip().strip("= ") if lines else "no pytest summary")
EOF
}

# speed_figure TXT: one short line from the table rows of cuda_speed.py
speed_figure() {
  python3 - "$1" <<'EOF' 2>/dev/null || echo "no output"
import sys
rows, first = [], None
for line in open(sys.argv[1], errors="replace"):
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if line.startswith("| ") and len(cells) >= 5 and cells[0] != "case":
        rows.append(cells)
    elif first is None and line.strip():
        first = line.strip()
if not rows:
    print(first or "no output")
else:
    print("; ".join(f"{c[0]}: GPU {c[1]} s, CPU {c[2]} s, CPU/GPU {c[3]}{'' if c[4] == 'True' else ', DIFFERENT estimate'}" for c in rows))
EOF
}

# write_sitecustomize FILE: keep an editable infoscope of the system Python out of the venv. Its .pth import hook
# (scikit-build-core or setuptools) runs after the venv's own .pth files and puts a finder in front of sys.meta_path,
# which would import the editable copy instead of the package built here. sitecustomize runs after all .pth files.
write_sitecustomize() {
  cat >"$1" <<'EOF'
# Written by benchmarks/gpu_check.sh: drop an editable infoscope of the base Python (finder and path entries), so
# that this venv imports the infoscope installed in it; then run the base Python's own sitecustomize, if any.
import os as _os
import sys as _sys

_here = _os.path.dirname(_os.path.abspath(__file__))
_sys.meta_path[:] = [f for f in _sys.meta_path if "infoscope" not in type(f).__module__.lower()]
_sys.path[:] = [p for p in _sys.path if not p or _os.path.abspath(p) == _here
                or not _os.path.isfile(_os.path.join(p, "infoscope", "__init__.py"))]
try:
    import importlib.machinery as _m, importlib.util as _u
    _spec = _m.PathFinder.find_spec("sitecustomize", [p for p in _sys.path if p and _os.path.abspath(p) != _here])
    if _spec is not None and _spec.loader is not None:
        _spec.loader.exec_module(_u.module_from_spec(_spec))
except Exception as _e:  # the base Python's sitecustomize failing must not stop the check
    print("gpu_check sitecustomize:", repr(_e), file=_sys.stderr)
EOF
}

# finish CODE: write results.md, print the elapsed time, set the exit status
finish() {
  local code=$1 elapsed=$((SECONDS - START)) r name status secs fig
  {
    echo "# infoscope GPU check"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo "no git")$(git -C "$REPO" diff --quiet 2>/dev/null || echo " (modified)"), elapsed ${elapsed} s, exit status $code"
    echo
    [[ -n ${NO_GPU:-} ]] && { echo "**$NO_GPU**"; echo; }
    echo "| step | status | seconds | key figure |"
    echo "|---|---|---|---|"
    for r in "${STEPS[@]}"; do
      IFS=$'\t' read -r name status secs fig <<<"$r"
      echo "| $name | $status | $secs | ${fig//|/\\|} |"
    done
    echo
    echo "## Machine"
    echo
    for r in "${MACHINE[@]}"; do echo "- ${r//|/\\|}"; done
    if ((${#SPEED_ROWS[@]})); then
      echo
      echo "## benchmarks/cuda_speed.py ${INFOSCOPE_SPEED_ARGS---quick}"
      echo
      for r in "${SPEED_ROWS[@]}"; do echo "$r"; done
    fi
    if ((${#SKIPS[@]})); then
      echo
      echo "## pytest skips"
      echo
      echo '```'
      for r in "${SKIPS[@]}"; do echo "$r"; done
      echo '```'
    fi
  } >"$DIR/results.md"
  echo
  cat "$DIR/results.md"
  echo
  echo "== done in ${elapsed} s (exit status $code); results in $DIR/results.md, log in $DIR/log.txt"
  EXIT_CODE=$code FINISHED=1
}

# on_exit: after an unexpected error (set -e), still write results.md; wait for tee so that log.txt is complete
on_exit() {
  local rc=$?
  set +e
  if ((!FINISHED)); then
    record "script" FAILED $((SECONDS - START)) "stopped (exit $rc) at line ${ERR_LINE:-?}: ${ERR_CMD:-?}"
    finish 1
  fi
  exec >&- 2>&-
  wait "$TEE_PID" 2>/dev/null
  exit "$EXIT_CODE"
}

STEPS=() MACHINE=() SPEED_ROWS=() SKIPS=() START=$SECONDS EXIT_CODE=1 FINISHED=0
exec > >(tee -a "$DIR/log.txt") 2>&1
TEE_PID=$!
set -E
trap 'ERR_LINE=$LINENO ERR_CMD=$BASH_COMMAND' ERR
trap on_exit EXIT
main "$@"
