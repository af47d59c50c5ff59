#!/usr/bin/env bash
# Make sure the compiler rust-toolchain.toml pins is there before the first
# cargo command. rustup installs it by itself where it can download; on a
# machine that cannot (an offline CI image) but whose default toolchain is
# that very version, the default is linked under the pinned name, as a
# rustup-managed toolchain of that channel would be. Anything else is an
# error that says what to install. Sourced by scripts/test.sh and demo.sh.
set -euo pipefail

ensure_pinned_toolchain() {
  local root channel host have
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  channel=$(sed -n 's/^channel[[:space:]]*=[[:space:]]*"\(.*\)"/\1/p' "$root/rust-toolchain.toml")
  if [[ -z $channel ]] || ! command -v rustup >/dev/null 2>&1; then
    return 0 # no pin, or no rustup: cargo on PATH is all there is
  fi
  if rustup toolchain list | grep -q "^$channel-"; then
    return 0
  fi
  have=$(RUSTUP_TOOLCHAIN=stable rustc --version 2>/dev/null | awk '{print $2}')
  if [[ $have == "$channel" ]]; then
    host=$(RUSTUP_TOOLCHAIN=stable rustc -vV | sed -n 's/^host: //p')
    local toolchains="${RUSTUP_HOME:-$HOME/.rustup}/toolchains"
    ln -sfn "stable-$host" "$toolchains/$channel-$host"
    printf 'toolchain: stable is %s, linked as the pinned %s-%s\n' "$have" "$channel" "$host"
    return 0
  fi
  if ! rustup toolchain install "$channel" --profile minimal --component clippy,rustfmt; then
    printf 'toolchain: rust-toolchain.toml pins %s, which is not installed and could not be installed (stable here is %s)\n' "$channel" "${have:-missing}" >&2
    return 1
  fi
}

ensure_pinned_toolchain
