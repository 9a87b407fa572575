#!/usr/bin/env bash
# Installs whatever is missing for `make run` / `make test`, and nothing else:
#   1. Debian packages (checked with dpkg-query; apt-get update only when something is missing)
#   2. npm packages (npm ci when node_modules is missing or older than package-lock.json)
#   3. the TypeScript build (tsc, only when a source is newer than the last build)
#   4. the guest images (ringmaster images: a no-op when the manifest is up to date)
# Prints nothing when there is nothing to do. Usage: scripts/setup.sh [--no-images]
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

WITH_IMAGES=1
for arg in "$@"; do
  case "$arg" in
    --no-images) WITH_IMAGES=0 ;;
    *) die "unknown option $arg (usage: scripts/setup.sh [--no-images])" ;;
  esac
done

# --- Node -------------------------------------------------------------------------------------
command -v node >/dev/null || die "Node.js 20 or newer is required (not found on PATH)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || die "Node.js 20 or newer is required (found $(node -v))"

# --- Debian packages --------------------------------------------------------------------------
# One line each on why: see README.md "What setup installs".
DEB_PACKAGES=(
  qemu-system-x86                   # reference machine for differential and image tests
  nasm                              # assembles the CPU test programs
  seabios                           # BIOS and VGA BIOS images
  debian-installer-12-netboot-i386  # the i386 (686) guest kernel
  busybox-static                    # host busybox (the guests' busybox comes from apt-get download)
  memtest86+                        # memtest86+ guest
  syslinux syslinux-common isolinux # ISOLINUX for the CD images
  xorriso                           # builds the ISO 9660 images
  mtools                            # builds the FAT hard-disk image (with syslinux)
  acpica-tools                      # iasl: checks the generated ACPI tables disassemble cleanly
  ca-certificates                   # apt/npm over https
  chromium                          # headless browser for the web page's end-to-end tests
)

if command -v apt-get >/dev/null; then
  installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${DEB_PACKAGES[@]}" 2>/dev/null || true)
  missing=()
  for p in "${DEB_PACKAGES[@]}"; do
    grep -qx "$p installed" <<<"$installed" || missing+=("$p")
  done
  need_arch=0
  if ! dpkg --print-foreign-architectures | grep -qx i386 && [ "$(dpkg --print-architecture)" != i386 ]; then need_arch=1; fi

  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then
      SUDO=(sudo)
    elif [ ${#missing[@]} -gt 0 ] || [ $need_arch -eq 1 ]; then
      cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
      [ $need_arch -eq 0 ] || cmd="dpkg --add-architecture i386 && $cmd"
      die "not root and no sudo; as root, run: $cmd"
    fi
  fi
  as_root() { "${SUDO[@]}" "$@"; }

  need_update=0
  [ ${#missing[@]} -eq 0 ] || need_update=1
  # The i386 guest's busybox is busybox-static:i386, fetched with apt-get download: apt needs
  # the i386 architecture and its package lists (nothing i386 is installed on the host).
  if [ $need_arch -eq 1 ]; then
    say "enabling the i386 architecture in apt (for busybox-static:i386, downloaded, not installed)"
    as_root dpkg --add-architecture i386
    need_update=1
  fi
  if ! compgen -G '/var/lib/apt/lists/*_binary-i386_Packages*' >/dev/null; then need_update=1; fi

  if [ $need_update -eq 1 ]; then
    say "apt-get update"
    # A mirror in the middle of a sync fails some index files; what was fetched is still usable.
    if ! out=$(as_root apt-get update -qq 2>&1); then
      say "warning: apt-get update reported errors; continuing with the lists it has:"
      printf '%s\n' "$out" | grep -E '^(E|W):' | head -3 >&2
    fi
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    if ! out=$(as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" 2>&1); then
      printf '%s\n' "$out" | tail -5 >&2
      die "apt-get install failed for: ${missing[*]} (install them by hand: apt-get install ${missing[*]})"
    fi
  fi
else
  say "warning: not a Debian system (no apt-get); make sure these are installed: ${DEB_PACKAGES[*]}"
fi

# --- npm packages -----------------------------------------------------------------------------
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null || die "npm ci failed"
fi

# --- TypeScript build -------------------------------------------------------------------------
stamp=dist/.tsbuildinfo
if [ ! -f "$stamp" ] || [ ! -f dist/cli/main.js ] ||
   [ -n "$(find src tsconfig.json package-lock.json -newer "$stamp" \( -name '*.ts' -o -name '*.json' \) -print -quit 2>/dev/null)" ]; then
  say "building (tsc)"
  if ! out=$(npx tsc -p tsconfig.json 2>&1); then
    printf '%s\n' "$out" >&2
    die "TypeScript build failed"
  fi
  touch "$stamp" # tsc leaves it alone when nothing changed; the stamp says "checked now"
fi

# --- guest images -----------------------------------------------------------------------------
if [ $WITH_IMAGES -eq 1 ]; then
  node bin/ringmaster.js images --quiet || die "building the guest images failed (see above)"
fi
