#!/usr/bin/env bash
# `make release-check`: the release path, end to end, before a real release.
#
# 1. builds this machine's release target as release.yml does, and packs it
#    with the same script (scripts/package-release.sh: same layout, same
#    checksum file, the archive line and one line per binary);
# 2. writes the manifest release.yml would, into a copy of the action
#    (action.yml, install/, manifests/), as manifests/<version>.sha256;
# 3. serves the archive from 127.0.0.1 in the layout of GitHub releases and
#    installs it through the setup action's installer (GANTRY_DOWNLOAD_URL),
#    as the action's first step runs it, then runs every installed binary's
#    --version;
# 4. installs again in the same "job": the skip path must take it.
#
# Usage: scripts/release-check.sh [--fast]
#   --fast  build with [profile.fast-release] (minutes less; the release
#           profile is what release.yml uses, and the default here)
# Needs rustup (adds the target if missing), python3 (the HTTP server), curl,
# and for the Linux musl targets musl-gcc (Debian/Ubuntu: apt-get install
# musl-tools), as release.yml installs it.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=release
case ${1:-} in
  '') ;;
  --fast) profile=fast-release ;;
  *)
    echo "usage: $0 [--fast]" >&2
    exit 2
    ;;
esac

step() { printf '\n==> %s\n' "$*"; }
die() {
  printf 'release-check: error: %s\n' "$*" >&2
  exit 1
}
now() { date +%s.%N 2>/dev/null || date +%s; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

# The release target the installer picks for this machine (install.sh,
# detect_platform); a mismatch would fail the install below.
case "$(uname -s)/$(uname -m)" in
  Linux/x86_64 | Linux/amd64) target=x86_64-unknown-linux-musl ;;
  Linux/aarch64 | Linux/arm64) target=aarch64-unknown-linux-musl ;;
  Darwin/x86_64) target=x86_64-apple-darwin ;;
  Darwin/arm64) target=aarch64-apple-darwin ;;
  MINGW*/x86_64 | MSYS*/x86_64) target=x86_64-pc-windows-msvc ;;
  *) die "gantry is not released for $(uname -s) $(uname -m)" ;;
esac
version=$(awk '
  /^\[/ { in_package = ($0 == "[workspace.package]") }
  in_package && /^version[[:space:]]*=/ { sub(/^[^"]*"/, ""); sub(/".*$/, ""); print; exit }
' Cargo.toml)
[[ -n $version ]] || die "no version in Cargo.toml [workspace.package]"

for tool in cargo rustup python3 curl tar; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is not on PATH"
done
if [[ $target == *-linux-musl ]] && ! command -v musl-gcc >/dev/null 2>&1; then
  die "building $target needs musl-gcc, as in release.yml (Debian/Ubuntu: sudo apt-get install musl-tools)"
fi
if ! rustup target list --installed | grep -qx "$target"; then
  step "rustup target add $target (the toolchain rust-toolchain.toml pins)"
  rustup target add "$target"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/gantry-release-check.XXXXXX")
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

started=$(now)
step "1. build and pack gantry $version for $target (profile $profile), as release.yml does"
t=$(now)
bash scripts/package-release.sh build "$target" "$profile"
build_time=$(since "$t")
t=$(now)
bash scripts/package-release.sh archive "$version" "$target" "$profile" "$work/dist"
pack_time=$(since "$t")
asset=gantry-$version-$target.tar.gz

step "2. the manifest release.yml would commit, in a copy of the action"
action=$work/action
mkdir -p "$action/manifests"
cp action.yml "$action/"
cp -R install "$action/"
rm -rf "$action/install/.job"
cp manifests/latest "$action/manifests/"
bash scripts/package-release.sh manifest "$version" "$work/dist/gantry-$version-$target.sha256" \
  >"$action/manifests/$version.sha256"
cat "$action/manifests/$version.sha256"

step "3. serve it from 127.0.0.1 and install it through the setup action's installer"
release=$work/release
mkdir -p "$release/v$version"
cp "$work/dist/$asset" "$release/v$version/"
python3 -u -m http.server --bind 127.0.0.1 --directory "$release" 0 >"$work/server.log" 2>&1 &
server_pid=$!
port=
for _ in $(seq 1 100); do
  port=$(sed -n 's/.* port \([0-9][0-9]*\).*/\1/p' "$work/server.log" | head -n 1)
  if [[ -n $port ]]; then break; fi
  sleep 0.1
done
[[ -n $port ]] || die "the HTTP server did not start: $(cat "$work/server.log")"
base=http://127.0.0.1:$port
echo "serving $base/v$version/$asset"

mkdir -p "$work/tool-cache" "$work/runner-temp"
: >"$work/github-env"
# As the action's first step: a runner's environment, nothing of this shell's.
install() {
  : >"$work/github-output"
  : >"$work/github-path"
  env -i PATH="$PATH" HOME="$HOME" GITHUB_ACTIONS=true \
    RUNNER_TOOL_CACHE="$work/tool-cache" RUNNER_TEMP="$work/runner-temp" \
    GITHUB_OUTPUT="$work/github-output" GITHUB_PATH="$work/github-path" GITHUB_ENV="$work/github-env" \
    GANTRY_INSTALL_STAGE=plan INPUT_SOURCE=release INPUT_VERSION="$version" \
    GANTRY_DOWNLOAD_URL="$base" GANTRY_DOWNLOAD_RETRIES=0 \
    "$@" bash --noprofile --norc "$action/install/install.sh"
}
output() { sed -n "s/^$1=//p" "$work/github-output" | tail -n 1; }

t=$(now)
install
install_time=$(since "$t")
[[ $(output source) == release ]] || die "installed from $(output source), not the release"
[[ $(output cache-hit) == false ]] || die "the first install was a cache hit"
bin_dir=$(output bin-dir)
echo "installed into $bin_dir"
for bin in gantry-tag gantry-patch gantry-gitops gantry-canary gantry-rollback; do
  printf '%s --version: ' "$bin"
  said=$("$bin_dir/$bin" --version) || die "$bin --version failed"
  echo "$said"
  [[ $said == *"$version"* ]] || die "$bin --version does not say $version"
done
grep -qF "\"GET /v$version/$asset HTTP" "$work/server.log" ||
  die "the installer did not download $asset from $base: $(cat "$work/server.log")"

step "4. a second install in the same job takes the skip path"
job_env=()
while IFS= read -r line; do
  if [[ -n $line ]]; then job_env+=("$line"); fi
done <"$work/github-env"
((${#job_env[@]} == 3)) || die "the install exported ${#job_env[@]} variables, not 3: ${job_env[*]}"
t=$(now)
install "${job_env[@]}" | tee "$work/second.log"
skip_time=$(since "$t")
grep -q "the install was skipped" "$work/second.log" || die "the second install did not skip"
[[ $(output bin-dir) == "$bin_dir" ]] || die "the second install gave $(output bin-dir)"

step "release check passed: gantry $version for $target"
echo "build ($profile): $build_time; pack: $pack_time; install from $base: $install_time; second install (skipped): $skip_time; total $(since "$started")"
