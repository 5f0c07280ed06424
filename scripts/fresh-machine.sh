#!/usr/bin/env bash
# Runs a shell command in this clone as on a fresh Debian bookworm machine with Node 20:
#   bash scripts/fresh-machine.sh 'npm run demo && npm test'
#
# The machine is a new root made from debootstrap's minbase (only Debian's essential packages)
# plus the host's Node 20 (node, npm), unpacked anew for every run and deleted afterwards.
# Nothing installed by hand on the host is visible there: no apt package, no /usr/local, no
# Python package, no global npm tool, no HOME. Whatever the command needs must therefore be
# installed by the project's own scripts, as on a user's machine, so a missing install step
# fails here. Inside, the command runs as root with HOME=/root (empty),
# PATH=/usr/sbin:/usr/bin:/sbin:/bin and CI passed on.
#
# Mounted into the root: this clone at /work/repo and ../shared at /work/shared (as here),
# /proc, /sys and /dev, and the cache folder /var/cache/audiomap (AUDIOMAP_CHROOT_CACHE), which
# holds the minbase tarball (made by debootstrap whenever it is absent), the downloaded .deb
# files (so apt does not fetch 1.5 GB each run; it still installs every package) and the torch
# 2.x root of scripts/torch2.sh. The network's CA file passes in (NODE_EXTRA_CA_CERTS), as it
# must for any download behind a TLS-inspecting proxy.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

[ $# -eq 1 ] || {
  echo "usage: bash scripts/fresh-machine.sh '<command>'" >&2
  exit 2
}
[ "$(id -u)" -eq 0 ] || {
  echo "fresh-machine.sh: needs root (debootstrap, mount, chroot)" >&2
  exit 2
}

CACHE=${AUDIOMAP_CHROOT_CACHE:-/var/cache/audiomap}
SUITE=bookworm
BASE="$CACHE/$SUITE-minbase.tar"
STAMP="$SUITE minbase 1"
MIRROR=http://deb.debian.org/debian
mkdir -p "$CACHE/apt-archives/partial"

if ! command -v debootstrap >/dev/null 2>&1; then
  log "installing debootstrap on the host"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap
fi

if [ "$(cat "$BASE.stamp" 2>/dev/null)" != "$STAMP" ] || [ ! -f "$BASE" ]; then
  log "making the $SUITE minbase root with debootstrap (cached in $BASE)"
  tmp=$(mktemp -d "$CACHE/debootstrap.XXXXXX")
  if ! debootstrap --variant=minbase "$SUITE" "$tmp" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1; then
    tail -n 20 "$CACHE/debootstrap.log" >&2
    rm -rf "$tmp"
    echo "fresh-machine.sh: debootstrap $SUITE failed (log: $CACHE/debootstrap.log)" >&2
    exit 1
  fi
  rm -f "$BASE.stamp"
  tar -C "$tmp" -cf "$BASE" .
  rm -rf "$tmp"
  echo "$STAMP" >"$BASE.stamp"
fi

work=$(mktemp -d /var/tmp/audiomap-fresh.XXXXXX)
root="$work/root"
# Unmounts everything below the root (innermost first) before deleting it, and refuses to
# delete while anything is still mounted there: the clone itself is one of the mounts.
cleanup() {
  local mounts
  mounts=$(awk -v r="$root/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r)
  for m in $mounts; do umount -l "$m" 2>/dev/null || true; done
  if awk -v r="$root/" 'index($2, r) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
    echo "fresh-machine.sh: mounts left under $root; not deleting it" >&2
    return
  fi
  rm -rf "$work"
}
trap cleanup EXIT

log "unpacking a fresh $SUITE root in $root"
mkdir -p "$root"
tar -C "$root" -xf "$BASE"
# The tarball's "./" keeps the mode of debootstrap's mktemp folder (0700), and a / that only
# root may enter makes every other user fail (munge's postinst runs mungekey as user munge).
chmod 755 "$root"

# Node 20 from the host, as a user's machine would have it from its installer: the binary and
# npm (with npx and corepack beside it), nothing else.
node_bin=$(readlink -f "$(command -v node)")
node_prefix=$(dirname "$(dirname "$node_bin")")
install -m 0755 "$node_bin" "$root/usr/bin/node"
mkdir -p "$root/usr/lib/node_modules"
cp -a "$node_prefix/lib/node_modules/npm" "$root/usr/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/bin/npx"

cp /etc/resolv.conf "$root/etc/resolv.conf"
# A Debian machine's standard sources: the release with its updates and security updates.
rm -f "$root/etc/apt/sources.list"
cat >"$root/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${MIRROR%/debian}/debian-security
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
passthrough=(CI="${CI:-}")
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  mkdir -p "$root/etc/audiomap"
  cp "$NODE_EXTRA_CA_CERTS" "$root/etc/audiomap/network-ca.crt"
  passthrough+=(NODE_EXTRA_CA_CERTS=/etc/audiomap/network-ca.crt)
fi
for var in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
  [ -n "${!var:-}" ] && passthrough+=("$var=${!var}")
done

bind() {
  mkdir -p "$2"
  mount --bind "$1" "$2"
}
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --make-rslave "$root/sys"
mount --rbind /dev "$root/dev"
mount --make-rslave "$root/dev"
bind "$REPO_ROOT" "$root/work/repo"
if [ -d "$REPO_ROOT/../shared" ]; then
  bind "$(cd "$REPO_ROOT/../shared" && pwd)" "$root/work/shared"
  mount -o remount,bind,ro "$root/work/shared"
fi
bind "$CACHE/apt-archives" "$root/var/cache/apt/archives"
bind "$CACHE" "$root/var/cache/audiomap"

log "running in the fresh root: $1"
status=0
chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
  "${passthrough[@]}" /bin/bash -c "cd /work/repo && $1" || status=$?
exit "$status"
