#!/usr/bin/env bash
# pack: gathers into bench/gpu/.kit/ (git-ignored) what a run of bench/gpu/run.sh needs that the
# GPU host lacks (an air-gapped NVIDIA node with Python, torch, nvcc, CMake and ninja, but no Node
# and no network):
#   node.xz         this machine's Node 20 binary, xz-compressed (run.sh unpacks it);
#   tree.tar.xz     a repo-shaped tree: the JS packages compiled afresh (tsc, no type check: the
#                   build's job), their production dependencies in pnpm's layout (kit-files.mjs;
#                   LanceDB left out, it is optional and 160 MB), the addon's sources, CMake file
#                   and build script (cmake-js, node-addon-api, node-api-headers: the Node-API
#                   headers, so the build needs no Node download), tools/export, tools/bench,
#                   bench/embed/worker.mjs;
#   sysroot.tar.xz  libsndfile and libsoxr (headers, libraries and what they link), the hnswlib
#                   headers and pkgconf, for a host without them (run.sh uses the host's own
#                   when pkg-config finds them);
#   manifest.json   what was packed, from which commit, and the sizes.
# The kit must stay under 50 MiB (the working tree, about 10 MB, travels beside it and a run
# takes 64 MiB in all): pack fails when it does not.
# usage: bash bench/gpu/pack.sh [--out DIR]   (default bench/gpu/.kit)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
KIT="$HERE/.kit"
LIMIT=$((50 * 1024 * 1024))
while [ $# -gt 0 ]; do
  case $1 in
    --out) KIT=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "pack.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
log() { printf '[bench/gpu pack] %s\n' "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

NODE=$(command -v node) || fail "node is not on PATH"
TSC="$ROOT/node_modules/.bin/tsc"
[ -x "$TSC" ] || fail "$TSC is missing (run scripts/setup.sh)"
command -v xz >/dev/null || fail "xz is not installed"
NODE_VERSION=$("$NODE" --version)
case $NODE_VERSION in v20.*) ;; *) fail "the kit carries Node 20; this node is $NODE_VERSION" ;; esac
started=$SECONDS
mkdir -p "$KIT"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# 1. Node: compressed once per binary (xz -6 takes about a minute here), reused while its
#    checksum is unchanged.
node_sum=$(sha256sum "$NODE" | cut -d' ' -f1)
if [ "$(cat "$KIT/node.sha256" 2>/dev/null)" != "$node_sum" ] || [ ! -s "$KIT/node.xz" ]; then
  log "compressing $NODE ($NODE_VERSION, $(($(stat -c %s "$NODE") >> 20)) MiB)"
  xz -T0 -6 -c "$NODE" >"$KIT/node.xz.tmp"
  mv "$KIT/node.xz.tmp" "$KIT/node.xz"
  echo "$node_sum" >"$KIT/node.sha256"
fi

# 2. The tree. Sources and dependencies first, then each package's dist compiled into it.
tree="$stage/tree"
mkdir -p "$tree"
"$NODE" "$HERE/kit-files.mjs" "$ROOT" @lancedb >"$stage/modules.txt" ||
  fail "listing the JS dependencies failed (run scripts/setup.sh first)"
tar -c -C "$ROOT" -T "$stage/modules.txt" | tar -x -C "$tree"
tar -c -C "$ROOT" --exclude=__pycache__ --exclude=tests \
  packages/core-native/CMakeLists.txt packages/core-native/src/native \
  packages/core-native/scripts/build-native.mjs \
  tools/export/audiomap_export tools/export/configs tools/bench/baseline.py \
  tools/bench/count_flops.py bench/embed/worker.mjs | tar -x -C "$tree"
for pkg in core-native embeddings viz model-kws cli; do
  "$TSC" -p "$ROOT/packages/$pkg/tsconfig.json" --outDir "$tree/packages/$pkg/dist" \
    --noCheck --declaration false --declarationMap false --sourceMap false ||
    fail "compiling packages/$pkg failed"
done
commit=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$ROOT" status --porcelain 2>/dev/null | grep -c . || true)
tar -c -C "$tree" . | xz -T0 -6 >"$KIT/tree.tar.xz"

# 3. The sysroot: libsndfile and libsoxr as this machine's addon build uses them, with the
#    libraries they link (not glibc's), and pkgconf. The .pc files are written by run.sh,
#    which knows where the kit is unpacked.
sys="$stage/sysroot"
mkdir -p "$sys/lib" "$sys/include" "$sys/bin"
# ldconfig's cache, read once (awk leaving a pipe early would kill ldconfig with SIGPIPE, which
# pipefail turns into a silent exit).
ldconfig -p >"$stage/ld.cache"
libdir=$(dirname "$(readlink -f "$(awk '/libsndfile\.so\.1 .*x86-64/ { print $NF; exit }' "$stage/ld.cache")")")
[ -f "$libdir/libsndfile.so.1" ] || fail "libsndfile.so.1 not found (apt-get install libsndfile1-dev)"
libs="libsndfile.so.1 libsoxr.so.0"
libs="$libs $(ldd "$libdir/libsndfile.so.1" "$libdir/libsoxr.so.0" | awk '/=>/ { print $1 }' |
  grep -Ev '^(libc|libm|libdl|libpthread|librt|libgcc_s|libstdc\+\+|ld-linux.*)\.so' | sort -u | tr '\n' ' ')"
for lib in $libs; do
  path=$(awk -v l="$lib" '$1 == l && /x86-64/ { print $NF; exit }' "$stage/ld.cache")
  [ -n "$path" ] || fail "$lib not found"
  cp -L "$path" "$sys/lib/$lib"
done
ln -s libsndfile.so.1 "$sys/lib/libsndfile.so"
ln -s libsoxr.so.0 "$sys/lib/libsoxr.so"
for h in sndfile.h sndfile.hh soxr.h; do cp "/usr/include/$h" "$sys/include/"; done
# hnswlib (header-only), where the addon's CMake file asks for it.
if grep -q hnswlib "$ROOT/packages/core-native/CMakeLists.txt"; then
  [ -f /usr/include/hnswlib/hnswlib.h ] || fail "hnswlib headers not found (apt-get install libhnswlib-dev)"
  cp -r /usr/include/hnswlib "$sys/include/"
fi
sed -n 's/^Version: //p' /usr/lib/x86_64-linux-gnu/pkgconfig/sndfile.pc >"$sys/sndfile.version"
sed -n 's/^Version: //p' /usr/lib/x86_64-linux-gnu/pkgconfig/soxr.pc >"$sys/soxr.version"
PKGCONF=$(command -v pkgconf) || fail "pkgconf is not installed"
cp -L "$PKGCONF" "$sys/bin/pkgconf"
for lib in $(ldd "$PKGCONF" | awk '/=>/ { print $1 }' | grep '^libpkgconf'); do
  cp -L "$(awk -v l="$lib" '$1 == l { print $NF; exit }' "$stage/ld.cache")" "$sys/lib/$lib"
done
tar -c -C "$sys" . | xz -T0 -6 >"$KIT/sysroot.tar.xz"

# 4. The manifest, and the size check.
"$NODE" - "$KIT" "$commit" "$dirty" "$NODE_VERSION" "$LIMIT" <<'JS' || fail "the kit is too large"
const fs = require("node:fs");
const path = require("node:path");
const [kit, commit, dirty, node, limit] = process.argv.slice(2);
const files = {};
let total = 0;
for (const name of fs.readdirSync(kit).sort()) {
  if (name === "manifest.json") continue;
  const size = fs.statSync(path.join(kit, name)).size;
  files[name] = size;
  total += size;
}
const manifest = {
  kit: "audiomap bench/gpu",
  packed: new Date().toISOString(),
  commit,
  uncommittedFiles: Number(dirty),
  node,
  files,
  totalBytes: total,
  limitBytes: Number(limit),
};
fs.writeFileSync(path.join(kit, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
const mib = (b) => (b / 2 ** 20).toFixed(1);
console.error(`[bench/gpu pack] kit ${mib(total)} MiB (limit ${mib(limit)} MiB): ${Object.entries(files).map(([n, s]) => `${n} ${mib(s)}`).join(", ")}`);
if (total > Number(limit)) process.exit(1);
JS
log "packed $KIT in $((SECONDS - started)) s (commit ${commit:0:12}, $dirty uncommitted files)"
