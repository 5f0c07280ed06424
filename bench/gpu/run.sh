#!/usr/bin/env bash
# run: the one-shot GPU check, on the GPU host, from the kit that bench/gpu/pack.sh made.
#   0. unpack   Node, the JS tree and (when the host lacks them) libsndfile/libsoxr from the kit;
#   1. build    the addon against the host's Python torch (its CMake prefix), with CUDA;
#   2. export   the tiny model and the large rel-pos architecture (24 x 1024, random init) with
#               tools/export on the host's torch;
#   3. parity   tiny: CUDA fp32 against CPU fp32 (and the CPU against Python torch); large: fp16
#               and bf16 against fp32, cosine of the pooled embeddings;
#   4. bench    `audiomap bench` on the large model, 1 s and 10 s clips, fp32/fp16/bf16,
#               --baseline python (eager batch-1 fp32, eager batched, TorchScript in Python,
#               HF Wav2Vec2ConformerForSequenceClassification from the same config);
#   5. embed    end-to-end `embed` of a generated data set against pure forward on its batches;
#   6. oom      the out-of-memory split: an oversized batch budget on a GPU whose free memory a
#               helper process has cut to a few GiB;
#   7. streams  one model with 1 and with 2 batches in flight, and two copies (two streams).
# Each step is timed; a failed step is reported and the later ones still run (those that need
# its output are skipped, saying why). Steps are skipped, saying why, when the time budget
# (--budget, default 480 s) runs short. Writes $OUT/gpu-run.json, $OUT/gpu-run.md and the
# steps' logs, $OUT/gpu-run.log.
# --cpu: the same steps on the CPU at tiny sizes (the CI dry run, scripts/gpu-kit.sh): a
# narrow "large" model, few clips, float32 and bfloat16, the OOM split simulated.
# usage: bash bench/gpu/run.sh [--cpu] [--out DIR] [--kit DIR] [--work DIR] [--budget S]
#                              [--python PY] [--kit-libs] [--skip STEP,...]
#   --work DIR  where the kit is unpacked and built (default: a new temporary folder); a kept
#               folder makes a second run's build incremental.
#   --kit-libs  use the kit's libsndfile, libsoxr and pkgconf even where the host has its own.
#   --skip      steps not to run (reported skipped, "--skip"), e.g. bench on a second try.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
MODE=gpu
OUT_DIR=${OUT:-}
KIT="$HERE/.kit"
WORK=
BUDGET=480
PY=
KIT_LIBS=0
SKIP=
while [ $# -gt 0 ]; do
  case $1 in
    --cpu) MODE=cpu; shift ;;
    --out) OUT_DIR=$2; shift 2 ;;
    --kit) KIT=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --budget) BUDGET=$2; shift 2 ;;
    --python) PY=$2; shift 2 ;;
    --kit-libs) KIT_LIBS=1; shift ;;
    --skip) SKIP=" ${2//,/ } "; shift 2 ;;
    -h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -n "$OUT_DIR" ] || { echo "run.sh: no output folder: set \$OUT or pass --out" >&2; exit 2; }
PY=${PY:-$(command -v python3 || true)}
[ -n "$PY" ] || { echo "run.sh: no python3 on PATH (pass --python)" >&2; exit 2; }
mkdir -p "$OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd)
[ -n "$WORK" ] || WORK=$(mktemp -d "${TMPDIR:-/tmp}/audiomap-gpu.XXXXXX")
rm -rf "$WORK/results" "$WORK/logs" # a kept work folder keeps its build, not its last report
mkdir -p "$WORK/results" "$WORK/logs" "$WORK/models" "$WORK/bin"
WORK=$(cd "$WORK" && pwd)
: >"$WORK/steps.jsonl"
LOG="$OUT_DIR/gpu-run.log"
: >"$LOG"
T0=$SECONDS
RESERVE=15 # seconds kept for the report
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 AUDIOMAP_PYTHON="$PY"
export AUDIOMAP_CACHE_DIR="$WORK/cache"
NPROC=$(nproc)
if [ $MODE = gpu ]; then
  DEVICE=cuda DTYPES=float32,float16,bfloat16 CLIPS=1000 THREADS=$NPROC
else
  DEVICE=cpu DTYPES=float32,bfloat16 CLIPS=16 THREADS=$NPROC
fi
export OMP_NUM_THREADS=$THREADS
# What the steps' functions read (each runs in its own bash -c).
export HERE MODE KIT WORK PY NPROC DEVICE DTYPES THREADS

say() { printf '[bench/gpu %4ds] %s\n' $((SECONDS - T0)) "$*" | tee -a "$LOG" >&2; }

# One JSON line per step for report.py: name, status (ok | failed | skipped), seconds, reason.
record() {
  "$PY" -c 'import json,sys; print(json.dumps(dict(zip(["name","status","seconds","reason"], [sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4] or None]))))' \
    "$@" >>"$WORK/steps.jsonl"
}
declare -A STATUS

# step NAME MIN_S CAP_S NEEDS -- COMMAND...: runs COMMAND (output to logs/NAME.log) unless a
# step it needs did not pass or fewer than MIN_S seconds of the budget are left; stops it after
# CAP_S (or what is left). A step whose results/NAME.json holds "skipped" reports that reason.
step() {
  local name=$1 min=$2 cap=$3 needs=$4
  shift 5
  local need left start rc reason=
  if [[ $SKIP == *" $name "* ]]; then
    STATUS[$name]=skipped
    record "$name" skipped 0 "--skip $name"
    say "$name: skipped (--skip)"
    return
  fi
  for need in $needs; do
    if [ "${STATUS[$need]:-}" != ok ]; then
      STATUS[$name]=skipped
      record "$name" skipped 0 "needs step '$need', which did not pass (${STATUS[$need]:-not run})"
      say "$name: skipped (needs $need)"
      return
    fi
  done
  left=$((BUDGET - (SECONDS - T0) - RESERVE))
  if [ "$left" -lt "$min" ]; then
    STATUS[$name]=skipped
    record "$name" skipped 0 "time budget: ${left} s left of ${BUDGET} s, the step needs about ${min} s"
    say "$name: skipped (time budget)"
    return
  fi
  [ "$cap" -le "$left" ] || cap=$left
  say "$name: started (at most $cap s)"
  start=$(date +%s.%N)
  timeout -k 10 "$cap" "$@" >"$WORK/logs/$name.log" 2>&1
  rc=$?
  local seconds
  seconds=$("$PY" -c "import sys; print(round($(date +%s.%N) - $start, 2))")
  { echo "===== $name (exit $rc, $seconds s)"; tail -n 60 "$WORK/logs/$name.log"; } >>"$LOG"
  if [ $rc -eq 0 ]; then
    reason=$("$PY" -c 'import json,sys
try: print(json.load(open(sys.argv[1])).get("skipped") or "")
except Exception: print("")' "$WORK/results/$name.json")
    if [ -n "$reason" ]; then STATUS[$name]=skipped; else STATUS[$name]=ok; fi
  elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    STATUS[$name]=failed
    reason="timed out after $cap s"
  else
    STATUS[$name]=failed
    reason="exit $rc: $(grep -v '^\s*$' "$WORK/logs/$name.log" | tail -n 3 | cut -c1-300 | tr '\n' ' ')"
  fi
  record "$name" "${STATUS[$name]}" "$seconds" "$reason"
  say "$name: ${STATUS[$name]} in $seconds s${reason:+ ($reason)}"
}

# ---------------------------------------------------------------------------------------- 0
unpack() {
  set -e
  [ -f "$KIT/manifest.json" ] || { echo "no kit at $KIT (run bash bench/gpu/pack.sh first)"; exit 1; }
  cp "$KIT/manifest.json" "$WORK/kit-manifest.json"
  xz -dc "$KIT/node.xz" >"$WORK/bin/node"
  chmod 755 "$WORK/bin/node"
  mkdir -p "$WORK/tree" "$WORK/sysroot"
  xz -dc "$KIT/tree.tar.xz" | tar -x -C "$WORK/tree"
  xz -dc "$KIT/sysroot.tar.xz" | tar -x -C "$WORK/sysroot"
  local s="$WORK/sysroot" pc="$WORK/sysroot/pkgconfig"
  mkdir -p "$pc"
  printf 'prefix=%s\nName: sndfile\nDescription: libsndfile (audiomap GPU kit)\nVersion: %s\nLibs: -L%s/lib -lsndfile\nCflags: -I%s/include\n' \
    "$s" "$(cat "$s/sndfile.version")" "$s" "$s" >"$pc/sndfile.pc"
  printf 'prefix=%s\nName: soxr\nDescription: libsoxr (audiomap GPU kit)\nVersion: %s\nLibs: -L%s/lib -lsoxr\nCflags: -I%s/include\n' \
    "$s" "$(cat "$s/soxr.version")" "$s" "$s" >"$pc/soxr.pc"
  "$WORK/bin/node" --version
  "$PY" - "$WORK/results/unpack.json" "$KIT" <<'PY'
import json, os, sys
m = json.load(open(os.path.join(sys.argv[2], "manifest.json")))
json.dump({"kit": m}, open(sys.argv[1], "w"))
PY
}
step unpack 5 120 "" -- bash -c "$(declare -f unpack); unpack"
export PATH="$WORK/bin:$PATH"
export TREE="$WORK/tree"

# Host libraries: the host's libsndfile/libsoxr when its pkg-config finds them, else the kit's.
LIB_PATH=
if [ $KIT_LIBS = 1 ] || ! pkg-config --exists sndfile soxr 2>/dev/null; then
  export PKG_CONFIG_LIBDIR="$WORK/sysroot/pkgconfig" PKG_CONFIG_PATH=
  if [ $KIT_LIBS = 1 ] || ! command -v pkg-config >/dev/null; then
    ln -sf "$WORK/sysroot/bin/pkgconf" "$WORK/bin/pkg-config"
  fi
  LIB_PATH="$WORK/sysroot/lib"
  AUDIO_LIBS=kit
else
  AUDIO_LIBS=host
fi
export AUDIO_LIBS
# A pip torch finds its CUDA libraries (pip's nvidia-* packages) through its own RPATH; where a
# Node process loads it that can miss one, so their folders go on the library path too.
NV_LIBS=$("$PY" -c 'import glob, os, site
dirs = set()
for base in site.getsitepackages():
    for so in glob.glob(os.path.join(base, "nvidia", "**", "lib*.so*"), recursive=True):
        dirs.add(os.path.dirname(so))
print(":".join(sorted(dirs)))' 2>/dev/null || true)
export LD_LIBRARY_PATH="${LIB_PATH:+$LIB_PATH:}${NV_LIBS:+$NV_LIBS:}${LD_LIBRARY_PATH:-}"
export LD_PRELOAD= # nothing of the caller's
[ -d /usr/local/cuda/bin ] && export PATH="$PATH:/usr/local/cuda/bin"
# The Python's own bin folder (a venv's pip-installed cmake and ninja live there).
export PATH="$PATH:$(dirname "$PY")"
# Torch's CMake config picks the CUDA architectures to compile for; the addon has no kernels of
# its own, so the host's GPU (compute capability 9.0 on an H100/H200) is all it needs.
if [ $MODE = gpu ] && [ -z "${TORCH_CUDA_ARCH_LIST:-}" ]; then
  TORCH_CUDA_ARCH_LIST=$("$PY" -c 'import torch; print("%d.%d" % torch.cuda.get_device_capability(0))' 2>/dev/null || echo 9.0)
  export TORCH_CUDA_ARCH_LIST
fi

# The host, for the report (no step: a failure here must not stop anything).
"$PY" - "$WORK/host.json" "$MODE" "$AUDIO_LIBS" <<'PY' 2>>"$LOG" || echo '{}' >"$WORK/host.json"
import json, os, platform, shutil, subprocess, sys
def out(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip()
    except Exception as e:
        return f"unavailable ({type(e).__name__})"
h = {"mode": sys.argv[2], "audio_libs": sys.argv[3], "python": platform.python_version(),
     "python_path": sys.executable, "cores": os.cpu_count(), "machine": platform.machine()}
try:
    import torch
    h["torch"] = torch.__version__
    h["torch_cuda"] = torch.version.cuda
    h["torch_cxx11_abi"] = bool(torch._C._GLIBCXX_USE_CXX11_ABI)
    h["cuda_available"] = torch.cuda.is_available()
    if torch.cuda.is_available():
        h["gpu"] = torch.cuda.get_device_name(0)
        h["gpu_memory_gib"] = round(torch.cuda.get_device_properties(0).total_memory / 2**30, 1)
except Exception as e:
    h["torch"] = f"not importable ({e})"
try:
    import transformers
    h["transformers"] = transformers.__version__
except Exception as e:
    h["transformers"] = f"not importable ({type(e).__name__})"
if shutil.which("nvidia-smi"):
    h["driver"] = out("nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader")
for tool, args in [("nvcc", ["--version"]), ("cmake", ["--version"]), ("c++", ["--version"]),
                   ("ninja", ["--version"])]:
    h[tool] = (out(tool, *args).splitlines() or ["missing"])[-1 if tool == "nvcc" else 0] \
        if shutil.which(tool) else "missing"
json.dump(h, open(sys.argv[1], "w"), indent=1)
PY

# ---------------------------------------------------------------------------------------- 1
build() {
  set -e
  local torch_dir
  # The host's Python torch's CMake prefix (a pip torch has one; Debian's python3-torch does
  # not, and build-native.mjs then takes the system LibTorch).
  torch_dir=$("$PY" -c 'import os, torch.utils; d = os.path.join(torch.utils.cmake_prefix_path, "Torch"); print(d if os.path.isfile(os.path.join(d, "TorchConfig.cmake")) else "")' 2>/dev/null || true)
  cd "$TREE/packages/core-native"
  # hnswlib is header-only: the host's where it has them (and the kit's libraries are not
  # forced), else the kit's.
  local cmake_args=${AUDIOMAP_CMAKE_ARGS:-}
  if [ -d "$WORK/sysroot/include/hnswlib" ] && { [ "$AUDIO_LIBS" = kit ] || [ ! -f /usr/include/hnswlib/hnswlib.h ]; }; then
    cmake_args="$cmake_args -DHNSWLIB_INCLUDE_DIR=$WORK/sysroot/include"
  fi
  env AUDIOMAP_CMAKE_ARGS="$cmake_args" PYTHON="$PY" ${torch_dir:+"Torch_DIR=$torch_dir"} AUDIOMAP_BUILD_JOBS="$NPROC" \
    node scripts/build-native.mjs
  node --input-type=module - "$WORK/results/build.json" "$MODE" <<'JS'
import { writeFileSync } from "node:fs";
const [out, mode] = process.argv.slice(2);
const { native, supportedDevices } = await import(
  `${process.env.TREE}/packages/core-native/dist/index.js`
);
const info = native().buildInfo();
const devices = supportedDevices();
writeFileSync(out, JSON.stringify({ buildInfo: info, devices }));
console.log(JSON.stringify({ buildInfo: info, devices }));
if (mode === "gpu" && !info.cuda)
  throw new Error("the addon was built without CUDA (the LibTorch found has none)");
if (mode === "gpu" && !devices.devices.some((d) => d.type === "cuda"))
  throw new Error("built with CUDA, but no GPU is visible to the addon");
JS
}
# On the GPU host's 16 cores the build takes a minute or two; a 2-core CI machine takes longer
# for a cold build (its work folder is kept, so a warm one is incremental).
BUILD_CAP=300
[ $MODE = cpu ] && BUILD_CAP=1200
step build 30 $BUILD_CAP "unpack" -- bash -c "$(declare -f build); build"

# ---------------------------------------------------------------------------------------- 2
export_models() {
  set -e
  local configs="$TREE/tools/export/configs" large="$TREE/tools/export/configs/large-rel-pos.json"
  if [ "$MODE" = cpu ]; then
    # The large architecture's every option, at a width and depth a CPU runs in seconds.
    large="$WORK/models/large-narrow.json"
    "$PY" -c 'import json, sys
c = json.load(open(sys.argv[1]))
c.update(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128,
         conv_dim=[64] * 7, classifier_proj_size=32, num_conv_pos_embedding_groups=4)
json.dump(c, open(sys.argv[2], "w"))' "$configs/large-rel-pos.json" "$large"
  fi
  cd "$TREE"
  PYTHONPATH="$TREE/tools/export" "$PY" -m audiomap_export batch - <<ARGS
--random-init --config $configs/tiny.json --seed 1 -o $WORK/models/tiny.pt --labels-from $configs/tiny-labels.json
--random-init --config $large --seed 0 --with-head -o $WORK/models/large.pt
ARGS
  "$PY" -c 'import json, os, sys
json.dump({n: os.path.getsize(os.path.join(sys.argv[1], n + ".pt")) for n in ("tiny", "large")},
          open(sys.argv[2], "w"))' "$WORK/models" "$WORK/results/export.json"
}
step export 20 240 "unpack" -- bash -c "$(declare -f export_models); export_models"

# ---------------------------------------------------------------------------------------- 3
step parity 10 90 "build export" -- node "$HERE/parity.mjs" --tree "$TREE" --device "$DEVICE" \
  --dtypes "$DTYPES" --tiny "$WORK/models/tiny.pt" --large "$WORK/models/large.pt" \
  --python "$PY" --out "$WORK/results/parity.json"

# ---------------------------------------------------------------------------------------- 4
bench() {
  set -e
  node "$TREE/packages/cli/dist/main.js" bench --model "$WORK/models/large.pt" --device "$DEVICE" \
    --dtype "$DTYPES" --clip-seconds 1,10 --baseline python --python "$PY" $BENCH_TIMING \
    --threads "$THREADS" -o "$WORK/results/bench-report.json" \
    --md "$WORK/results/bench.md"
  "$PY" "$HERE/report.py" summarize-bench "$WORK/results/bench-report.json" "$WORK/results/bench.json"
}
# Few timed calls: 6 cells and 4 Python processes (each loading the 2.3 GB model) must fit in
# about 3 minutes; on the CPU, the fewest that exercise every path.
export BENCH_TIMING="--warmup 2 --iterations 3 --min-seconds 0.5"
[ $MODE = cpu ] && BENCH_TIMING="--warmup 1 --iterations 2 --min-seconds 0.1"
step bench 60 300 "build export" -- bash -c "$(declare -f bench); bench"

# ---------------------------------------------------------------------------------------- 5
EMBED_DTYPE=float16
[ $MODE = cpu ] && EMBED_DTYPE=float32
step data 5 60 "unpack" -- "$PY" "$HERE/gen_clips.py" "$WORK/data" "$CLIPS" 1234 "$WORK/results/data.json"
step embed 30 150 "build export data" -- node "$HERE/embed.mjs" --tree "$TREE" --device "$DEVICE" \
  --dtype "$EMBED_DTYPE" --model "$WORK/models/large.pt" --manifest "$WORK/data/manifest.csv" \
  --threads "$THREADS" --work "$WORK/embed" --out "$WORK/results/embed.json"

# ---------------------------------------------------------------------------------------- 6
step oom 20 120 "build export data" -- node "$HERE/oom.mjs" --tree "$TREE" --device "$DEVICE" \
  --dtype "$EMBED_DTYPE" --model "$WORK/models/large.pt" --manifest "$WORK/data/manifest.csv" \
  --python "$PY" --work "$WORK/oom" --out "$WORK/results/oom.json"

# ---------------------------------------------------------------------------------------- 7
step streams 30 150 "build export data" -- node "$HERE/streams.mjs" --tree "$TREE" \
  --device "$DEVICE" --dtype "$EMBED_DTYPE" --model "$WORK/models/large.pt" \
  --manifest "$WORK/data/manifest.csv" --work "$WORK/streams" --out "$WORK/results/streams.json"

# ---------------------------------------------------------------------------------------- report
"$PY" "$HERE/report.py" report "$WORK" "$OUT_DIR/gpu-run.json" "$OUT_DIR/gpu-run.md" \
  "$BUDGET" "$((SECONDS - T0))" || say "report.py failed"
say "done in $((SECONDS - T0)) s: $OUT_DIR/gpu-run.json, $OUT_DIR/gpu-run.md"
