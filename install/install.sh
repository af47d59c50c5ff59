#!/usr/bin/env bash
# Install the five gantry binaries (gantry-tag, gantry-patch, gantry-gitops,
# gantry-canary, gantry-rollback) and put their directory on PATH.
#
# The setup action (action.yml) and every action under actions/ run this
# script; it works the same outside GitHub Actions (docs/install.md).
#
# Inputs, from the environment (composite actions do not export inputs, so
# each action.yml maps its inputs to these names explicitly):
#   INPUT_VERSION  release version such as 0.2.0; empty or `latest` means the
#                  version named in manifests/latest
#   INPUT_SOURCE   auto (default) | release | cargo | path
#   INPUT_PATH     directory holding prebuilt binaries (source auto => path)
# Other environment:
#   GANTRY_DOWNLOAD_URL       base URL of the release assets, for mirrors and
#                             GHES (default https://github.com/<repo>/releases/download)
#   GANTRY_DOWNLOAD_RETRIES   curl --retry count (default 5)
#   GANTRY_ACTION_REPOSITORY  owner/repo of the action, set by action.yml
#   GANTRY_INSTALL_CACHE      false: never restore or save a source build
#                             through the actions cache
#   GANTRY_INSTALL_DIR, GANTRY_INSTALL_VERSION, GANTRY_INSTALL_SOURCE
#                             exported (through $GITHUB_ENV) by an earlier
#                             install in the job: the skip path checks them
#   GANTRY_INSTALL_STAGE      set by the action.yml steps, see "Stages" below
#   GANTRY_CACHE_RESTORED     build stage: the restore step's cache-hit
#   RUNNER_OS, RUNNER_ARCH, RUNNER_TOOL_CACHE, RUNNER_TEMP, GITHUB_PATH,
#   GITHUB_OUTPUT, GITHUB_ENV, GITHUB_ACTIONS (all optional outside a runner)
# Outputs (to $GITHUB_OUTPUT, else printed): version, bin-dir, source,
# cache-hit; in the plan stage instead cache-key and cache-path when a source
# build is to be restored; in the build stage also built.
# Exit codes: 0 installed; 1 download, checksum, extraction or build failed;
#             2 bad input (source, version, path, platform, no manifest).
#
# Stages (GANTRY_INSTALL_STAGE; empty outside the actions = do everything):
#   plan   the action's first step. Skips everything when this job already
#          installed the same gantry (verified, see already_installed); else
#          installs, except a source build the tool cache lacks: then it
#          stops and names the actions/cache entry (cache-key, cache-path)
#          for the restore step, whose files the build stage checks.
#   build  after the restore: checks what was restored, else builds with
#          cargo; built=true tells the save step to store the build.
#
# Layout of the cache, as @actions/tool-cache lays it out:
#   <tool cache>/gantry/<version>/<arch>/           the binaries
#   <tool cache>/gantry/<version>/<arch>.complete   written last; its presence
#                                                   means the directory is whole
#   <tool cache>/gantry/<version>+src.<hash>/<arch>.sha256
#                                                   a source build's hashes,
#                                                   recorded when it was built
# Trust model (docs/install.md, "What is checked, against what"): every
# binary that runs is checked against hashes from this action's own checkout
# (the committed manifests/, or for a source build the record this job kept
# in install/.job/ once it built or verified it), or, for a source build's
# first install in a job, the hashes recorded when it was built.
# Kept compatible with bash 3.2 (macOS /bin/bash).
set -euo pipefail

BINARIES=(gantry-tag gantry-patch gantry-gitops gantry-canary gantry-rollback)
DEFAULT_REPOSITORY=gantry-dev/gantry
SUPPORTED_PLATFORMS="Linux X64, Linux ARM64, macOS X64, macOS ARM64, Windows X64"
EXIT_FAILED=1
EXIT_USAGE=2

# --- output -------------------------------------------------------------------

in_actions() { [[ ${GITHUB_ACTIONS:-} == true ]]; }

# Escape a workflow-command message as @actions/core does (command.ts).
escape_data() {
  local s=$1
  s=${s//'%'/'%25'}
  s=${s//$'\r'/'%0D'}
  s=${s//$'\n'/'%0A'}
  printf '%s' "$s"
}

fail() {
  local code=$1
  shift
  if in_actions; then
    printf '::error title=gantry install::%s\n' "$(escape_data "$*")"
  else
    printf 'gantry install: error: %s\n' "$*" >&2
  fi
  exit "$code"
}

warn() {
  if in_actions; then
    printf '::warning title=gantry install::%s\n' "$(escape_data "$*")"
  else
    printf 'gantry install: warning: %s\n' "$*" >&2
  fi
}

notice() {
  if in_actions; then
    printf '::notice title=gantry install::%s\n' "$(escape_data "$*")"
  else
    printf 'gantry install: note: %s\n' "$*" >&2
  fi
}

info() { printf 'gantry install: %s\n' "$*"; }

group() { if in_actions; then printf '::group::%s\n' "$(escape_data "$*")"; else info "$*"; fi; }
endgroup() { if in_actions; then printf '::endgroup::\n'; fi; }

trim() {
  local s=$1
  s=${s#"${s%%[![:space:]]*}"}
  s=${s%"${s##*[![:space:]]}"}
  printf '%s' "$s"
}

# A URL fit for a log: user:password@ removed.
redact_url() { printf '%s' "$1" | sed -E 's#^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@#\1***@#'; }

# --- temporary files ------------------------------------------------------------

work=
staging=
cleanup() {
  if [[ -n $staging ]]; then rm -rf "$staging"; fi
  if [[ -n $work ]]; then rm -rf "$work"; fi
}
trap cleanup EXIT

# --- platform -------------------------------------------------------------------

# Sets os, arch (runner spelling: Linux/macOS/Windows, X64/ARM64), target
# (release target triple, empty when gantry is not released for it), arch_dir
# (tool-cache spelling: x64, arm64) and exe (.exe on Windows).
detect_platform() {
  os=${RUNNER_OS:-}
  arch=${RUNNER_ARCH:-}
  if [[ -z $os ]]; then
    case "$(uname -s)" in
      Linux) os=Linux ;;
      Darwin) os=macOS ;;
      MINGW* | MSYS* | CYGWIN* | Windows_NT) os=Windows ;;
      *) os=$(uname -s) ;;
    esac
  fi
  if [[ -z $arch ]]; then
    case "$(uname -m)" in
      x86_64 | amd64) arch=X64 ;;
      aarch64 | arm64) arch=ARM64 ;;
      *) arch=$(uname -m) ;;
    esac
  fi
  case "$os/$arch" in
    Linux/X64) target=x86_64-unknown-linux-musl ;;
    Linux/ARM64) target=aarch64-unknown-linux-musl ;;
    macOS/X64) target=x86_64-apple-darwin ;;
    macOS/ARM64) target=aarch64-apple-darwin ;;
    Windows/X64) target=x86_64-pc-windows-msvc ;;
    *) target= ;;
  esac
  case $arch in
    X64) arch_dir=x64 ;;
    ARM64) arch_dir=arm64 ;;
    *) arch_dir=$(printf '%s' "$arch" | tr '[:upper:]' '[:lower:]' | tr -cd 'a-z0-9_') ;;
  esac
  exe=
  if [[ $os == Windows ]]; then exe=.exe; fi
}

require_release_target() {
  if [[ -z $target ]]; then
    fail "$EXIT_USAGE" "unsupported platform: RUNNER_OS=$os RUNNER_ARCH=$arch. gantry releases are built for $SUPPORTED_PLATFORMS; on another platform use source: cargo to build from source"
  fi
}

# Git Bash on Windows: the runner hands out C:\ paths and wants them back in
# $GITHUB_PATH; bash works with /c/ paths.
to_unix() {
  if [[ $os == Windows ]] && command -v cygpath >/dev/null 2>&1; then cygpath -u "$1"; else printf '%s' "$1"; fi
}
to_native() {
  if [[ $os == Windows ]] && command -v cygpath >/dev/null 2>&1; then cygpath -w "$1"; else printf '%s' "$1"; fi
}

# --- checksums ------------------------------------------------------------------

sha256_tool() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha=(sha256sum)
  elif command -v shasum >/dev/null 2>&1; then
    sha=(shasum -a 256)
  else
    fail "$EXIT_FAILED" "cannot verify checksums: neither sha256sum nor shasum is installed"
  fi
}

sha256_of() {
  local line
  line=$("${sha[@]}" "$1")
  line=${line#\\}
  printf '%s' "${line%% *}" | tr 'A-F' 'a-f'
}

# --- the cache ------------------------------------------------------------------

# True when <dir>.complete exists and every binary is in <dir>.
cache_complete() {
  local dir=$1 bin
  [[ -f $dir.complete && -d $dir ]] || return 1
  for bin in "${BINARIES[@]}"; do
    [[ -x $dir/$bin$exe ]] || return 1
  done
}

# Copy the binaries (and LICENSE*/README* beside them) from <from> into the
# cache directory <dest>: a staging directory next to <dest> is filled first
# and renamed into place, then the .complete marker is written, so a reader
# never sees a half-written directory. With a third argument, the SHA-256 of
# each binary is recorded in <dest>.sha256 (source builds, which have no
# committed checksums).
commit_to_cache() {
  local from=$1 dest=$2 record=${3:-} parent bin extra
  parent=$(dirname "$dest")
  mkdir -p "$parent" || fail "$EXIT_FAILED" "cannot create the cache directory $parent"
  staging=$(mktemp -d "$parent/.$(basename "$dest").partial.XXXXXX")
  for bin in "${BINARIES[@]}"; do
    cp "$from/$bin$exe" "$staging/$bin$exe"
    chmod 755 "$staging/$bin$exe"
  done
  for extra in "$from"/LICENSE* "$from"/README*; do
    if [[ -f $extra ]]; then
      cp "$extra" "$staging/"
      chmod 644 "$staging/${extra##*/}"
    fi
  done
  if cache_complete "$dest"; then
    # Another job sharing this tool cache finished the same install first.
    rm -rf "$staging"
    staging=
    return
  fi
  rm -rf "$dest" "$dest.complete" "$dest.sha256"
  # The record is made from the very files moved into place (builds are not
  # always byte-for-byte reproducible), before the marker says "whole".
  if [[ -n $record ]]; then record_checksums "$staging" "$dest.sha256"; fi
  # GNU mv -T fails instead of moving the directory *into* $dest should a
  # concurrent job create $dest in between; BSD mv (macOS) has no -T.
  if mv --version 2>/dev/null | grep -q GNU; then
    mv -T "$staging" "$dest" || fail "$EXIT_FAILED" "cannot move the binaries into $dest"
  else
    mv "$staging" "$dest"
  fi
  staging=
  : >"$dest.complete"
}

missing_binaries() {
  local dir=$1 bin out=
  for bin in "${BINARIES[@]}"; do
    if [[ ! -f $dir/$bin$exe ]]; then out="$out${out:+, }$bin$exe"; fi
  done
  printf '%s' "$out"
}

# Sets listed[i] to the SHA-256 the list <file> gives for binary i of
# BINARIES, named <prefix><binary> (lower-case; empty when it has none), in
# one pass over the file.
read_checksums() {
  local list=$1 prefix=$2 bin names='' line
  for bin in "${BINARIES[@]}"; do names="$names $prefix$bin$exe"; done
  listed=()
  while IFS= read -r line; do
    listed+=("$line")
  done < <(awk -v names="$names" '
    BEGIN { n = split(names, want, " ") }
    { for (i = 1; i <= n; i++) if (!(i in got) && ($2 == want[i] || $2 == "*" want[i])) got[i] = tolower($1) }
    END { for (i = 1; i <= n; i++) print got[i] }
  ' "$list")
}

# Checks every binary in <dir> against the list <file>, where each binary is
# named <prefix><binary>. Prints the first mismatch (or missing line) and
# fails; silent when all match.
verify_binaries() {
  local dir=$1 list=$2 prefix=$3 bin i=0 line
  local files=() actual=()
  read_checksums "$list" "$prefix"
  for bin in "${BINARIES[@]}"; do
    if ! [[ ${listed[i]:-} =~ ^[0-9a-f]{64}$ ]]; then
      printf '%s has no checksum for %s' "$list" "$prefix$bin$exe"
      return 1
    fi
    if [[ ! -f $dir/$bin$exe || -L $dir/$bin$exe ]]; then
      printf '%s is missing (or not a regular file)' "$dir/$bin$exe"
      return 1
    fi
    files+=("$dir/$bin$exe")
    i=$((i + 1))
  done
  # One sha256sum for all five: this runs on every install, skips included.
  # A line starts with \ when the name needed escaping; the hash follows.
  while IFS= read -r line; do
    line=${line#\\}
    actual+=("${line:0:64}")
  done < <("${sha[@]}" "${files[@]}")
  i=0
  for bin in "${BINARIES[@]}"; do
    if [[ ${actual[i]:-} != "${listed[i]}" ]]; then
      printf '%s has sha256 %s, but %s expects %s' "$dir/$bin$exe" "${actual[i]:-(unreadable)}" "$(basename "$list")" "${listed[i]}"
      return 1
    fi
    i=$((i + 1))
  done
}

# Names in <dir> other than the binaries (regular files) and their
# LICENSE*/README* (regular, not executable). The directory goes first on
# PATH, so anything else in it, a `git` or a `kubectl` planted next to
# genuine binaries, would shadow the runner's own tools in every later step.
unexpected_entries() {
  local dir=$1 entry name out='' bin ok
  for entry in "$dir"/* "$dir"/.[!.]* "$dir"/..?*; do
    if [[ ! -e $entry && ! -L $entry ]]; then continue; fi
    name=${entry##*/}
    ok=false
    if [[ -f $entry && ! -L $entry ]]; then
      for bin in "${BINARIES[@]}"; do
        if [[ $name == "$bin$exe" ]]; then ok=true; fi
      done
      case $name in
        LICENSE* | README*) if [[ ! -x $entry ]]; then ok=true; fi ;;
      esac
    fi
    if ! $ok; then out="$out${out:+, }$name"; fi
  done
  printf '%s' "$out"
}

# verify_binaries, and nothing else in <dir> (see unexpected_entries).
verify_dir() {
  local dir=$1 extra
  verify_binaries "$@" || return 1
  extra=$(unexpected_entries "$dir")
  if [[ -n $extra ]]; then
    printf '%s holds files no install puts there: %s' "$dir" "$extra"
    return 1
  fi
}

# Whether <manifest> pins each binary of <top>/ (release manifests written by
# release.yml do; without those lines only the archive is pinned, and a cached
# directory cannot be checked, so it is never used).
pins_binaries() {
  local manifest=$1 top=$2 i=0
  read_checksums "$manifest" "$top/"
  while ((i < ${#BINARIES[@]})); do
    [[ ${listed[i]:-} =~ ^[0-9a-f]{64}$ ]] || return 1
    i=$((i + 1))
  done
}

# Writes the SHA-256 of every binary in <dir> to <file>, sha256sum format.
record_checksums() {
  local dir=$1 file=$2 bin
  mkdir -p "$(dirname "$file")"
  : >"$file.tmp"
  for bin in "${BINARIES[@]}"; do
    printf '%s  %s\n' "$(sha256_of "$dir/$bin$exe")" "$bin$exe" >>"$file.tmp"
  done
  mv -f "$file.tmp" "$file"
}

# Drops a cache entry that failed its checks, so it is installed afresh.
discard_cache_entry() {
  rm -rf "$1" "$1.complete" "$1.sha256"
}

# --- sources --------------------------------------------------------------------

install_from_release() {
  require_release_target
  local manifest=$root/manifests/$version.sha256
  if [[ ! -f $manifest ]]; then
    fail "$EXIT_USAGE" "gantry $version has no release manifest: manifests/$version.sha256 is not in this action. Use a released version (see manifests/), or source: cargo to build from source"
  fi
  local asset=gantry-$version-$target.tar.gz expected
  expected=$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1; exit }' "$manifest" | tr 'A-F' 'a-f')
  if [[ -z $expected ]]; then
    fail "$EXIT_USAGE" "manifests/$version.sha256 has no checksum for $asset: gantry $version was not released for $os $arch"
  fi
  if ! [[ $expected =~ ^[0-9a-f]{64}$ ]]; then
    fail "$EXIT_FAILED" "manifests/$version.sha256 has a malformed checksum for $asset: '$expected'"
  fi

  local top=gantry-$version-$target pinned=false why
  if pins_binaries "$manifest" "$top"; then pinned=true; fi
  bin_dir=$tool_dir/$version/$arch_dir
  # A cache hit runs whatever sits in the cache, so it is checked against the
  # committed checksums every time: pinning the action pins the binaries even
  # when something wrote to the tool cache after a good install.
  if cache_complete "$bin_dir"; then
    if ! $pinned; then
      notice "manifests/$version.sha256 pins the archive but not each binary, so the cached copy cannot be checked: downloading again"
      discard_cache_entry "$bin_dir"
    elif why=$(verify_dir "$bin_dir" "$manifest" "$top/"); then
      cache_hit=true
      info "gantry $version ($target) found in the tool cache, every binary matches manifests/$version.sha256: $bin_dir"
      return
    else
      warn "the tool cache copy of gantry $version does not match manifests/$version.sha256 ($why): it was discarded and is installed again"
      discard_cache_entry "$bin_dir"
    fi
  fi

  local base url retries curl_args
  base=${GANTRY_DOWNLOAD_URL:-https://github.com/$repository/releases/download}
  base=${base%/}
  curl_args=(--proto '=https' --tlsv1.2 -fsSL --connect-timeout 10)
  case $base in
    https://*) ;;
    http://*)
      local authority=${base#http://}
      authority=${authority%%/*}
      if ! [[ $authority =~ ^(127\.0\.0\.1|localhost|\[::1\])(:[0-9]+)?$ ]]; then
        fail "$EXIT_USAGE" "GANTRY_DOWNLOAD_URL must be an https:// URL (plain http is allowed only for 127.0.0.1 and localhost): $(redact_url "$base")"
      fi
      curl_args=(--proto '=http,https' -fsSL --connect-timeout 10)
      ;;
    *) fail "$EXIT_USAGE" "GANTRY_DOWNLOAD_URL must be an https:// URL: $(redact_url "$base")" ;;
  esac
  retries=${GANTRY_DOWNLOAD_RETRIES:-5}
  if ! [[ $retries =~ ^[0-9]+$ ]]; then
    fail "$EXIT_USAGE" "GANTRY_DOWNLOAD_RETRIES must be a whole number, got '$retries'"
  fi
  curl_args+=(--retry "$retries")
  # --retry-all-errors (curl 7.71+) also retries HTTP errors such as a 502
  # from the release CDN.
  if curl --help all 2>/dev/null | grep -q -- '--retry-all-errors'; then
    curl_args+=(--retry-all-errors)
  fi
  url=$base/v$version/$asset

  group "Download and verify $asset"
  info "from $(redact_url "$url")"
  local archive=$work/$asset rc=0
  curl "${curl_args[@]}" -o "$archive" "$url" || rc=$?
  if ((rc != 0)); then
    endgroup
    rm -f "$archive"
    fail "$EXIT_FAILED" "download of $asset from $(redact_url "$url") failed (curl exit code $rc)"
  fi
  local actual
  actual=$(sha256_of "$archive")
  if [[ $actual != "$expected" ]]; then
    endgroup
    rm -f "$archive"
    fail "$EXIT_FAILED" "checksum mismatch for $asset: manifests/$version.sha256 expects sha256 $expected, the download has sha256 $actual. The download was deleted and nothing was installed"
  fi
  info "sha256 $actual matches manifests/$version.sha256"

  local extracted=$work/extracted missing
  mkdir "$extracted"
  tar -xzf "$archive" -C "$extracted" || {
    endgroup
    fail "$EXIT_FAILED" "cannot extract $asset"
  }
  missing=$(missing_binaries "$extracted/$top")
  if [[ -n $missing ]]; then
    endgroup
    fail "$EXIT_FAILED" "$asset does not contain $top/ with $missing"
  fi
  if $pinned && ! why=$(verify_binaries "$extracted/$top" "$manifest" "$top/"); then
    endgroup
    fail "$EXIT_FAILED" "$asset matches its checksum but a binary in it does not: $why. Nothing was installed"
  fi
  commit_to_cache "$extracted/$top" "$bin_dir"
  info "installed into $bin_dir"
  endgroup
}

# The host a source build is for, as far as it decides what runs: OS,
# architecture and, on Linux, the C library (a build on a glibc runner does
# not run in an Alpine container job, which shares the tool cache).
host_id() {
  local id
  id=$(printf '%s-%s' "$os" "$arch_dir" | tr '[:upper:]' '[:lower:]')
  if [[ $os == Linux ]]; then
    # Not the presence of ld-musl (a glibc system with musl-tools has it):
    # whether the C library answers to glibc's name.
    if getconf GNU_LIBC_VERSION >/dev/null 2>&1; then
      id=$id-gnu
    elif ldd --version 2>&1 | grep -qi musl; then
      id=$id-musl
    else
      id=$id-libc
    fi
  fi
  printf '%s' "$id"
}

# The Rust toolchain rust-toolchain.toml pins (rustup builds with it), or
# "unpinned".
toolchain_channel() {
  local channel=''
  if [[ -f $root/rust-toolchain.toml ]]; then
    channel=$(sed -n 's/^[[:space:]]*channel[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$root/rust-toolchain.toml" | head -n 1)
  fi
  printf '%s' "${channel:-unpinned}" | tr -c 'A-Za-z0-9._-' '_'
}

# Fingerprint of what a source build is made from: the Rust sources, the
# manifests and lock file (and so the build profile), the pinned toolchain
# and cargo configuration at the action root, and the host. A source build
# is cached per fingerprint, never mistaken for a release or another build.
source_fingerprint() {
  {
    (
      cd "$root"
      find . \( -path ./target -o -path ./.git -o -path ./.rig \) -prune -o \
        -type f \( -name '*.rs' -o -name Cargo.toml -o -name Cargo.lock \
        -o -name rust-toolchain.toml -o -name rust-toolchain -o -path './.cargo/config*' \) -print0 |
        LC_ALL=C sort -z | xargs -0 "${sha[@]}"
    )
    printf 'host %s\n' "$(host_id)"
  } | "${sha[@]}" | cut -c1-12
}

workspace_version() {
  awk '
    /^\[/ { in_package = ($0 == "[workspace.package]") }
    in_package && /^version[[:space:]]*=/ { sub(/^[^"]*"/, ""); sub(/".*$/, ""); print; exit }
  ' "$root/Cargo.toml"
}

# The build profile of source builds (Cargo.toml [profile.fast-release]:
# built for build speed, since a job may have to build it).
CARGO_PROFILE=fast-release

# A source build found in the tool cache is checked against the hashes this
# job recorded when it first built or verified it (the job record: kept in
# the action's checkout, which the runner downloads afresh for every job, so
# neither the tool cache nor the environment chooses it); before that, against
# the hashes recorded beside the entry when it was built. Sets cache_hit.
# $1 says where the entry came from, for the messages.
check_cached_build() {
  local origin=$1 why list
  cache_complete "$bin_dir" || return 1
  if [[ -f $job_record ]]; then
    list=$job_record
  elif [[ -f $bin_dir.sha256 ]]; then
    # A copy: the job record is written from the very lines checked.
    list=$work/build-record.sha256
    cp "$bin_dir.sha256" "$list"
  else
    list=
  fi
  if [[ -n $list ]] && why=$(verify_dir "$bin_dir" "$list" ""); then
    cache_hit=true
    verified_record=$list
    if [[ $list == "$job_record" ]]; then
      info "gantry $version built from this source (src.$fingerprint) found in $origin, every binary matches the hashes this job recorded: $bin_dir"
    else
      info "gantry $version built from this source (src.$fingerprint) found in $origin, every binary matches the hashes recorded when it was built: $bin_dir"
    fi
    return 0
  fi
  if [[ -z $list ]]; then why="no record of the hashes"; fi
  if [[ $list == "$job_record" ]]; then
    warn "the copy of gantry $version (src.$fingerprint) in $origin does not match the hashes this job recorded when it installed it ($why): it was discarded and is built again"
  else
    warn "the copy of gantry $version (src.$fingerprint) in $origin does not match the hashes recorded when it was built ($why): it was discarded and is built again"
  fi
  discard_cache_entry "$bin_dir"
  return 1
}

install_with_cargo() {
  if [[ ! -f $root/Cargo.toml ]]; then
    fail "$EXIT_FAILED" "source: cargo needs the gantry sources, but $root has no Cargo.toml"
  fi
  local source_version
  source_version=$(workspace_version)
  if [[ -n $source_version && $source_version != "$version" ]]; then
    fail "$EXIT_USAGE" "version $version was asked for, but source: cargo builds this action's own source, which is gantry $source_version. Pin the action to the commit of the version you want, or leave the version input empty"
  fi
  fingerprint=$(source_fingerprint)
  local version_dir=$tool_dir/$version+src.$fingerprint
  bin_dir=$version_dir/$arch_dir
  # The restore step between the plan and build stages puts an actions/cache
  # entry where the tool cache keeps it; it is checked the same way.
  local origin="the tool cache"
  if [[ $stage == build && ${GANTRY_CACHE_RESTORED:-} == true ]]; then origin="the actions cache"; fi
  if check_cached_build "$origin"; then return; fi

  if [[ $stage == plan && ${GANTRY_INSTALL_CACHE:-true} != false ]]; then
    # Hand over to the restore step: the key names everything the binaries
    # are built from (the fingerprint covers the sources, Cargo.lock, the
    # profile, rust-toolchain.toml and the host; the rest is for people).
    cache_key=gantry-$version-src.$fingerprint-$(host_id)-rust-$(toolchain_channel)-$CARGO_PROFILE
    cache_path=$version_dir
    return
  fi

  if ! command -v cargo >/dev/null 2>&1; then
    fail "$EXIT_FAILED" "source: cargo needs a Rust toolchain, and cargo is not on PATH. Install one first (e.g. dtolnay/rust-toolchain), or use a released version"
  fi
  local target_dir
  if [[ -n ${RUNNER_TEMP:-} ]]; then
    target_dir=$(to_unix "$RUNNER_TEMP")/gantry-cargo-target
  else
    target_dir=$tool_dir/cargo-target
  fi
  group "cargo build --profile $CARGO_PROFILE --locked (gantry $version from $root)"
  local rc=0
  (
    cd "$root"
    # A CARGO_BUILD_TARGET from the caller would move the output directory.
    unset CARGO_BUILD_TARGET
    cargo build --profile "$CARGO_PROFILE" --locked --bins --target-dir "$target_dir"
  ) || rc=$?
  if ((rc != 0)); then
    endgroup
    fail "$EXIT_FAILED" "cargo build of gantry $version failed (exit code $rc)"
  fi
  local missing
  missing=$(missing_binaries "$target_dir/$CARGO_PROFILE")
  if [[ -n $missing ]]; then
    endgroup
    fail "$EXIT_FAILED" "cargo build finished but $target_dir/$CARGO_PROFILE lacks $missing"
  fi
  commit_to_cache "$target_dir/$CARGO_PROFILE" "$bin_dir" record
  built=true
  verified_record=$bin_dir.sha256
  info "installed into $bin_dir"
  endgroup
}

# --- already installed in this job ------------------------------------------------

# The skip path. An earlier install in this job exported GANTRY_INSTALL_DIR,
# _VERSION and _SOURCE through $GITHUB_ENV; any step of the job can write that
# file, so those say only where to look, never what to trust. The binaries
# there must match hashes from this action's own checkout: the committed
# manifest (a release) or the job record (a source build), and the directory
# must hold nothing else (it goes first on PATH). Anything less and the
# install runs as usual, which checks the tool cache again.
already_installed() {
  local dir=${GANTRY_INSTALL_DIR:-} list prefix why
  if [[ -z $dir || ${GANTRY_INSTALL_VERSION:-} != "$version" || ${GANTRY_INSTALL_SOURCE:-} != "$source" ]]; then
    return 1
  fi
  case $source in
    release)
      list=$root/manifests/$version.sha256
      prefix=gantry-$version-$target/
      if [[ -z $target || ! -f $list ]] || ! pins_binaries "$list" "${prefix%/}"; then return 1; fi
      ;;
    cargo)
      list=$job_record
      prefix=
      if [[ ! -f $list ]]; then return 1; fi
      ;;
    *) return 1 ;;
  esac
  dir=$(to_unix "$dir")
  if [[ $dir != /* ]]; then return 1; fi
  if ! why=$(verify_dir "$dir" "$list" "$prefix"); then
    warn "gantry $version was installed earlier in this job, but the copy GANTRY_INSTALL_DIR names does not check out ($why): installing again"
    return 1
  fi
  bin_dir=$dir
  if [[ $source == release ]]; then
    info "gantry $version is already installed in this job, every binary matches manifests/$version.sha256: $bin_dir (the install was skipped)"
  else
    info "gantry $version (built from this source) is already installed in this job, every binary matches the hashes this job recorded: $bin_dir (the install was skipped)"
  fi
}

# After an install: tell later installs in this job where it is
# ($GITHUB_ENV), and for a source build keep the verified hashes in the
# action's checkout (the job record) for them to check against.
remember_install() {
  if [[ -z ${GITHUB_ENV:-} ]]; then return; fi
  local native
  native=$(to_native "$bin_dir")
  # A value with a line break could add variables of its own.
  case $native$version$source in *$'\n'* | *$'\r'*) return ;; esac
  {
    printf 'GANTRY_INSTALL_DIR=%s\n' "$native"
    printf 'GANTRY_INSTALL_VERSION=%s\n' "$version"
    printf 'GANTRY_INSTALL_SOURCE=%s\n' "$source"
  } >>"$GITHUB_ENV"
  if [[ $source == cargo && -n $verified_record && $verified_record != "$job_record" ]]; then
    local bin i=0
    # Best effort: a read-only checkout only costs later actions the skip.
    if mkdir -p "$(dirname "$job_record")" 2>/dev/null && : >"$job_record.tmp" 2>/dev/null; then
      read_checksums "$verified_record" ""
      for bin in "${BINARIES[@]}"; do
        printf '%s  %s\n' "${listed[i]:-}" "$bin$exe" >>"$job_record.tmp"
        i=$((i + 1))
      done
      mv -f "$job_record.tmp" "$job_record"
    fi
  fi
}

install_from_path() {
  local dir
  dir=$(to_unix "$path_input")
  if [[ ! -d $dir ]]; then
    fail "$EXIT_USAGE" "path: $path_input is not a directory"
  fi
  dir=$(cd "$dir" && pwd)
  local missing not_executable='' bin
  missing=$(missing_binaries "$dir")
  if [[ -n $missing ]]; then
    fail "$EXIT_USAGE" "path: $path_input lacks $missing (expected all of ${BINARIES[*]})"
  fi
  for bin in "${BINARIES[@]}"; do
    if [[ ! -x $dir/$bin$exe ]]; then not_executable="$not_executable${not_executable:+, }$bin$exe"; fi
  done
  if [[ -n $not_executable ]]; then
    fail "$EXIT_USAGE" "path: $not_executable in $path_input is not executable"
  fi
  bin_dir=$dir
}

# --- main -----------------------------------------------------------------------

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

source_input=$(trim "${INPUT_SOURCE:-}")
source_input=${source_input:-auto}
path_input=$(trim "${INPUT_PATH:-}")
version=$(trim "${INPUT_VERSION:-}")
version_given=true
stage=$(trim "${GANTRY_INSTALL_STAGE:-}")

case $stage in
  '' | plan | build) ;;
  *) fail "$EXIT_USAGE" "GANTRY_INSTALL_STAGE: unknown value '$stage'; expected plan or build (set by action.yml), or empty" ;;
esac
case $source_input in
  auto | release | cargo | path) ;;
  *) fail "$EXIT_USAGE" "source: unknown value '$source_input'; expected auto, release, cargo or path" ;;
esac
if [[ $source_input == path && -z $path_input ]]; then
  fail "$EXIT_USAGE" "source: path needs the path input: a directory holding ${BINARIES[*]}"
fi
if [[ -n $path_input && $source_input != path && $source_input != auto ]]; then
  fail "$EXIT_USAGE" "the path input goes with source: path (or auto), not source: $source_input"
fi

if [[ -z $version || $version == latest ]]; then
  version_given=false
  if [[ ! -f $root/manifests/latest ]]; then
    fail "$EXIT_USAGE" "no version input, and this action has no manifests/latest to name one"
  fi
  version=$(trim "$(head -n 1 "$root/manifests/latest")")
fi
version=${version#v}
if ! [[ $version =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$ ]]; then
  fail "$EXIT_USAGE" "version: '$version' is not a release version such as 1.2.3 (leave it empty for the version in manifests/latest)"
fi

detect_platform

source=$source_input
if [[ $source == auto ]]; then
  if [[ -n $path_input ]]; then
    source=path
  elif [[ -f $root/manifests/$version.sha256 ]]; then
    source=release
  else
    source=cargo
  fi
fi

if [[ -n ${RUNNER_TOOL_CACHE:-} ]]; then
  tool_dir=$(to_unix "$RUNNER_TOOL_CACHE")/gantry
elif [[ -n ${XDG_CACHE_HOME:-} ]]; then
  tool_dir=$(to_unix "$XDG_CACHE_HOME")/gantry
elif [[ -n ${HOME:-} ]]; then
  tool_dir=$HOME/.cache/gantry
else
  fail "$EXIT_USAGE" "nowhere to cache the binaries: set RUNNER_TOOL_CACHE, XDG_CACHE_HOME or HOME"
fi

repository=${GANTRY_ACTION_REPOSITORY:-${GITHUB_ACTION_REPOSITORY:-}}
if ! [[ $repository =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]]; then
  repository=$DEFAULT_REPOSITORY
fi

# The job record of a source build (see check_cached_build): in the action's
# checkout, gitignored (install/.gitignore).
job_record=$root/install/.job/cargo-$arch_dir.sha256

cache_hit=false
skipped=false
built=false
bin_dir=
cache_key=
cache_path=
fingerprint=
verified_record=
case $source in
  release | cargo)
    sha256_tool
    if [[ $stage != build ]] && already_installed; then
      skipped=true
      cache_hit=true
    else
      if [[ $source == cargo && $source_input == auto && $stage != build ]]; then
        if $version_given; then
          notice "gantry $version has no release manifest (manifests/$version.sha256), so it is built from this action's source with cargo"
        else
          notice "gantry $version is not released yet (no manifests/$version.sha256), so the binaries are built from this action's source with cargo (or taken from the cache of an earlier build). A build takes a few minutes and needs a Rust toolchain; once a release exists, the same inputs download it"
        fi
      fi
      temp_root=$(to_unix "${RUNNER_TEMP:-${TMPDIR:-/tmp}}")
      mkdir -p "$temp_root"
      work=$(mktemp -d "$temp_root/gantry-install.XXXXXX")
      if [[ $source == release ]]; then install_from_release; else install_with_cargo; fi
    fi
    ;;
  path) install_from_path ;;
esac

if [[ -n $cache_key ]]; then
  # Plan stage, nothing installed yet: the restore and build steps follow.
  info "gantry $version (src.$fingerprint) is not in the tool cache: looking for it in the actions cache under $cache_key"
  if [[ -n ${GITHUB_OUTPUT:-} ]]; then
    {
      printf 'cache-key=%s\n' "$cache_key"
      printf 'cache-path=%s\n' "$(to_native "$cache_path")"
    } >>"$GITHUB_OUTPUT"
  fi
  exit 0
fi

native_bin_dir=$(to_native "$bin_dir")
if [[ -n ${GITHUB_PATH:-} ]]; then
  # Also on the skip path: the runner moves a repeated entry to the front,
  # so the checked directory is the one later steps find first.
  printf '%s\n' "$native_bin_dir" >>"$GITHUB_PATH"
else
  info "add the binaries to PATH with:"
  # shellcheck disable=SC2016 # $PATH is for the reader's shell to expand
  printf 'export PATH="%s:$PATH"\n' "$bin_dir"
fi

if [[ -n ${GITHUB_OUTPUT:-} ]]; then
  {
    printf 'version=%s\n' "$version"
    printf 'bin-dir=%s\n' "$native_bin_dir"
    printf 'source=%s\n' "$source"
    printf 'cache-hit=%s\n' "$cache_hit"
    if [[ $stage == build ]]; then printf 'built=%s\n' "$built"; fi
  } >>"$GITHUB_OUTPUT"
fi

if $skipped; then exit 0; fi
remember_install

if tag_version=$("$bin_dir/gantry-tag$exe" --version 2>&1); then
  info "gantry $version ready in $native_bin_dir (source: $source, cache hit: $cache_hit)${tag_version:+; gantry-tag --version: $tag_version}"
else
  warn "gantry-tag in $native_bin_dir did not run (--version failed): $tag_version"
fi
