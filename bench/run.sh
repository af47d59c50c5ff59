#!/usr/bin/env bash
# `make bench`: start-up time and size of the release binaries, then the
# gantry-tag figures (compute time; retag vs skopeo and docker, bytes moved).
#
# Every gantry action runs its binary a handful of times per job, so what
# matters is whole-process time (exec, dynamic loading, clap, exit) and the
# download size. Figures are medians over many runs, next to peers measured
# in the same run (`true`: the floor of fork+exec; `git --version`: a small
# C CLI), because this machine is noisy and only ratios travel.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${BENCH_RUNS:-300}
bins=(gantry-tag gantry-patch gantry-gitops gantry-canary gantry-rollback)

# The tag bench below runs the real registry (docker-registry) and compares
# with skopeo: install the rig, and skopeo if we can (root or sudo -n).
echo "==> test rig (tests/rig/install.sh)"
bash tests/rig/install.sh
# as_root CMD...: run CMD as root (directly, or through sudo -n); fails otherwise.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    return 1
  fi
}
if ! command -v skopeo >/dev/null 2>&1; then
  echo "==> apt-get install skopeo (a peer in the retag bench)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends skopeo >/dev/null ||
    echo "note: skopeo could not be installed (needs root or sudo -n); the retag bench skips that peer"
fi

echo "==> cargo build --release (LTO, 1 codegen unit, stripped, panic=abort)"
cargo build --release --locked --bins --quiet
target=$(rustc -vV | sed -n 's/^host: //p')

echo
echo "==> release binary sizes ($target)"
printf '%-18s %12s %10s\n' binary bytes MiB
for bin in "${bins[@]}"; do
  bytes=$(wc -c <"target/release/$bin")
  printf '%-18s %12d %10.2f\n' "$bin" "$bytes" "$(awk -v b="$bytes" 'BEGIN { print b / 1048576 }')"
done

# median_ms CMD...: median wall time of CMD over $runs runs, in milliseconds.
median_ms() {
  local samples=() start end
  for ((i = 0; i < runs; i++)); do
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    samples+=($(((end - start) / 1000)))
  done
  printf '%s\n' "${samples[@]}" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m/1000}'
}

echo
echo "==> whole-process time, median of $runs runs each"
if command -v hyperfine >/dev/null 2>&1; then
  json=$(mktemp)
  hyperfine --shell=none --warmup 20 --runs "$runs" --export-json "$json" \
    'target/release/gantry-tag --version' 'git --version' 'true' >/dev/null
  python3 - "$json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
median = {r["command"]: r["median"] * 1000 for r in results}
tag = median["target/release/gantry-tag --version"]
print(f"{'command':<38} {'median ms':>10} {'ratio':>8}")
for command, ms in median.items():
    print(f"{command:<38} {ms:>10.3f} {ms / tag:>8.2f}")
print(f"gantry-tag --version vs git --version: {tag / median['git --version']:.2f}x")
PY
  rm -f "$json"
else
  tag=$(median_ms target/release/gantry-tag --version)
  git=$(median_ms git --version)
  floor=$(median_ms true)
  printf '%-38s %10s\n' command 'median ms'
  printf '%-38s %10s\n' 'target/release/gantry-tag --version' "$tag" 'git --version' "$git" 'true' "$floor"
  awk -v t="$tag" -v g="$git" 'BEGIN { printf "gantry-tag --version vs git --version: %.2fx\n", t / g }'
fi

# gantry-tag: issue 3's figures (compute time next to git; retag of a ~50 MB
# multi-arch index vs skopeo and docker, with bytes moved). The bench runs
# the release binaries built above.
echo
echo "==> cargo bench -p gantry-e2e --bench tag"
BENCH_COMPUTE_RUNS=${BENCH_COMPUTE_RUNS:-200} cargo bench --locked --quiet -p gantry-e2e --bench tag
