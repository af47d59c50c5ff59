#!/usr/bin/env bash
# Builds and packs gantry release archives, and writes a release's manifest:
# the one implementation .github/workflows/release.yml (the real release) and
# scripts/release-check.sh (`make release-check`, which installs the result
# through the setup action's installer) both run, so the layout the
# installer is tested with is the layout that gets published.
#
#   scripts/package-release.sh build TARGET [PROFILE]
#       cargo build --locked --bins for TARGET with PROFILE (default release)
#   scripts/package-release.sh archive VERSION TARGET [PROFILE] [DIST]
#       packs target/TARGET/PROFILE into DIST (default dist):
#         gantry-VERSION-TARGET.tar.gz  holding gantry-VERSION-TARGET/ with the
#                                       five binaries, LICENSE* and README.md
#         gantry-VERSION-TARGET.sha256  sha256sum lines: the archive, then each
#                                       binary as gantry-VERSION-TARGET/<binary>
#   scripts/package-release.sh manifest VERSION PART...
#       checks each target's .sha256 (six lines, the names above) and prints
#       them one after the other: gantry-VERSION.sha256, which becomes
#       manifests/VERSION.sha256 (manifests/README.md)
#
# install/install.sh checks the archive line on download and the binary lines
# after unpacking and on every later use. Runs from the repository root.
# Kept compatible with bash 3.2 (macOS runners).
set -euo pipefail

BINARIES=(gantry-tag gantry-patch gantry-gitops gantry-canary gantry-rollback)

fail() {
  if [[ ${GITHUB_ACTIONS:-} == true ]]; then
    printf '::error title=release::%s\n' "$*"
  else
    printf 'package-release: error: %s\n' "$*" >&2
  fi
  exit 1
}

usage() {
  fail "usage: $0 build TARGET [PROFILE] | archive VERSION TARGET [PROFILE] [DIST] | manifest VERSION PART..."
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    LC_ALL=C sha256sum "$@"
  else
    LC_ALL=C shasum -a 256 "$@"
  fi
}

exe_for() {
  case $1 in
    *-windows-*) printf '.exe' ;;
    *) ;;
  esac
}

check_version() {
  if ! [[ $1 =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$ ]]; then
    fail "version '$1' is not a release version such as 0.2.0"
  fi
}

check_target() {
  if ! [[ $1 =~ ^[a-z0-9_]+(-[a-z0-9_]+){2,3}$ ]]; then
    fail "target '$1' is not a target triple such as x86_64-unknown-linux-musl"
  fi
}

build() {
  local target=$1 profile=${2:-release}
  check_target "$target"
  # A CARGO_BUILD_TARGET from the caller would move the output directory.
  unset CARGO_BUILD_TARGET
  cargo build --profile "$profile" --locked --bins --target "$target"
}

archive() {
  local version=$1 target=$2 profile=${3:-release} dist=${4:-dist}
  check_version "$version"
  check_target "$target"
  local name=gantry-$version-$target exe from bin extra
  exe=$(exe_for "$target")
  from=${CARGO_TARGET_DIR:-target}/$target/$profile
  for bin in "${BINARIES[@]}"; do
    if [[ ! -f $from/$bin$exe ]]; then
      fail "$from/$bin$exe is missing: build first ($0 build $target $profile)"
    fi
  done
  mkdir -p "$dist"
  rm -rf "${dist:?}/$name" "$dist/$name.tar.gz" "$dist/$name.sha256"
  mkdir "$dist/$name"
  for bin in "${BINARIES[@]}"; do
    cp "$from/$bin$exe" "$dist/$name/"
  done
  for extra in LICENSE* README.md; do
    if [[ -f $extra ]]; then cp "$extra" "$dist/$name/"; fi
  done
  tar -czf "$dist/$name.tar.gz" -C "$dist" "$name"
  ls -l "$dist/$name" "$dist/$name.tar.gz"
  # The archive's checksum and each binary's, from the files just packed.
  (cd "$dist" && sha256 "$name.tar.gz" "$name"/gantry-*) >"$dist/$name.sha256"
  cat "$dist/$name.sha256"
}

# Checks one target's checksum file: the archive line first, then one line
# per binary, nothing else. Sets part_target.
check_part() {
  local version=$1 part=$2 first target name exe bin count
  if [[ ! -f $part ]]; then fail "no checksums at $part"; fi
  if grep -qvE '^[0-9a-f]{64}  [^ ]+$' "$part"; then
    fail "$part has a line that is not '<sha256>  <name>'"
  fi
  count=$(grep -c . "$part")
  if [[ $count -ne $((1 + ${#BINARIES[@]})) ]]; then
    fail "$part has $count lines, not $((1 + ${#BINARIES[@]})) (the archive and each binary)"
  fi
  first=$(head -n 1 "$part" | awk '{ print $2 }')
  target=${first#gantry-"$version"-}
  target=${target%.tar.gz}
  if [[ $first != "gantry-$version-$target.tar.gz" || -z $target ]]; then
    fail "$part does not start with the archive line of gantry $version: $first"
  fi
  exe=$(exe_for "$target")
  for bin in "${BINARIES[@]}"; do
    name=gantry-$version-$target/$bin$exe
    if ! awk -v n="$name" '$2 == n { found = 1 } END { exit !found }' "$part"; then
      fail "$part has no line for $name"
    fi
  done
  part_target=$target
}

manifest() {
  local version=$1 part targets=' '
  shift
  check_version "$version"
  if (($# == 0)); then usage; fi
  for part in "$@"; do
    check_part "$version" "$part"
    case $targets in *" $part_target "*) fail "two checksum files for $part_target" ;; esac
    targets="$targets$part_target "
  done
  cat "$@"
}

(($# >= 1)) || usage
command=$1
shift
case $command:$# in
  build:1 | build:2) build "$@" ;;
  archive:2 | archive:3 | archive:4) archive "$@" ;;
  manifest:*) if (($# >= 2)); then manifest "$@"; else usage; fi ;;
  *) usage ;;
esac
