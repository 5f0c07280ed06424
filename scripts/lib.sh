# Shared helpers for the setup and test scripts. Source it; do not run it.
# shellcheck shell=bash

PNPM_VERSION=12.4.2
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export TURBO_TELEMETRY_DISABLED=1

log() { printf '\033[1;34m[audiomap]\033[0m %s\n' "$*" >&2; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Unmounts whatever is mounted below a folder, innermost first: what a chroot's commands (or
# debootstrap) mounted there, or what a killed run left.
unmount_below() {
  local mounts mount
  mounts=$(awk -v root="$1/" 'index($2, root) == 1 { print $2 }' /proc/mounts | sort -r)
  for mount in $mounts; do as_root umount -l "$mount"; done
}

# Deletes a chroot folder, unmounting first so that rm never walks into a mount.
remove_root() {
  unmount_below "$1"
  as_root rm -rf "$1"
}

# The repo's own pnpm (.tools/, installed by setup.sh) comes first on PATH for every step:
# turbo and `pnpm exec` look pnpm up on PATH, and a fresh machine has no global one.
export PATH="$REPO_ROOT/.tools/node_modules/.bin:$PATH"

# The pinned pnpm: a global one of the right version, else a copy installed inside the repo
# (.tools/), so that no global install or sudo is needed.
pnpm_bin() {
  if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$PNPM_VERSION" ]; then
    echo pnpm
  else
    echo "$REPO_ROOT/.tools/node_modules/.bin/pnpm"
  fi
}
