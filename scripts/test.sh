#!/usr/bin/env bash
# `make test`: install the test rig, then lint, build, and run every test
# (unit, integration, end-to-end against real services, `act`), then lint the
# workflows and actions. Fails on the first problem.
set -euo pipefail
cd "$(dirname "$0")/.."

section() { printf '\n==> %s\n' "$*"; }

# shellcheck source=scripts/toolchain.sh
source scripts/toolchain.sh

section "test rig (registry, Prometheus, git, act, actionlint, zizmor)"
bash tests/rig/install.sh
export PATH="$PWD/.rig/venv/bin:$PATH"

section "cargo fmt --check"
cargo fmt --all --check

section "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

section "build the binaries the end-to-end tests run"
cargo build --workspace --bins --locked

# Test output is also kept to count the tests for the closing line.
log=$(mktemp)
trap 'rm -f "$log"' EXIT

section "tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast 2>&1 | tee -a "$log"
else
  cargo test --workspace --locked --no-fail-fast 2>&1 | tee -a "$log"
fi

section "doc tests"
cargo test --workspace --doc --locked 2>&1 | tee -a "$log"

section "shellcheck"
shellcheck -x install/*.sh actions/*.sh actions/*/*.sh tests/rig/*.sh scripts/*.sh bench/*.sh bench/*/*.sh .ci/run

section "actionlint .github/workflows examples/"
actionlint
actionlint examples/*/.github/workflows/*.yml

section "zizmor action.yml actions/ .github/workflows/ examples/ (default and pedantic)"
for persona in regular pedantic; do
  zizmor --offline --no-progress --persona="$persona" action.yml actions/ .github/workflows/ examples/ tests/act-stand-ins/
done

# One closing line for every runner above: nextest's summary plus the
# libtest "test result" lines (doc tests, or everything without nextest).
awk '
  /Summary \[/ && / tests run: / { for (i = 1; i <= NF; i++) { if ($i == "passed,") passed += $(i - 1); if ($i == "failed,") failed += $(i - 1) } }
  /^test result: / { for (i = 1; i <= NF; i++) { if ($i ~ /^passed;?$/) passed += $(i - 1); if ($i ~ /^failed;?$/) failed += $(i - 1) } }
  END { printf "\nall checks passed\ntests: %d passed, %d failed\n", passed, failed }
' "$log"
