#!/usr/bin/env bash
# `make bench-gitops`: the gantry-gitops figures of issue 5 (see bench/gitops/README.md).
#
#   1. 20 concurrent `gantry-gitops update`s against one bare repository
#      (file://), all started at once: every change lands, history stays
#      linear, no ref update is forced; time per update and in total.
#   2. The same with the scripts teams write today (bench/gitops/naive.sh:
#      plain, with a pull --rebase retry loop, with a --force "fix"):
#      failed runs, lost updates, updates silently dropped.
#   3. One file updated in a large generated repository (50,000 files,
#      5,000 commits): gantry's minimal clone (--path) vs --full-clone vs a
#      plain `git clone`.
#
# The bare repositories live under BENCH_GITOPS_DIR (default
# /tmp/gantry-bench-gitops); the clones every updater makes go to
# BENCH_GITOPS_WORKDIR/gantry-bench-gitops-clones, by default a tmpfs (/dev/shm/gantry-bench-gitops)
# when there is one: on a shared machine the disk's metadata operations
# (creating and deleting 50,000 files) vary 10x with what others run, which
# drowns what is measured. BENCH_GITOPS_WORKDIR=/tmp measures on disk.
#
# Environment: GANTRY_GITOPS (a built binary; else `cargo build --release`),
# BENCH_GITOPS_DIR, BENCH_GITOPS_WORKDIR, BENCH_GITOPS_ROUNDS (3),
# BENCH_GITOPS_WRITERS (20), BENCH_GITOPS_REPS (3), BENCH_GITOPS_COMMITS
# (5000), BENCH_GITOPS_SKIP_LARGE=1 (parts 1-2 only). Exits 1 when gantry
# misses an acceptance figure.
set -euo pipefail
cd "$(dirname "$0")/.."
here=$PWD/bench/gitops

base=${BENCH_GITOPS_DIR:-/tmp/gantry-bench-gitops}
rounds=${BENCH_GITOPS_ROUNDS:-3}
writers=${BENCH_GITOPS_WRITERS:-20}
reps=${BENCH_GITOPS_REPS:-3}
commits=${BENCH_GITOPS_COMMITS:-5000}
teams=50 services=100 # x 10 files per service = 50,000 files
if [ -n "${BENCH_GITOPS_WORKDIR:-}" ]; then
  work=$BENCH_GITOPS_WORKDIR/gantry-bench-gitops-clones
elif [ -w /dev/shm ] && [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
  work=/dev/shm/gantry-bench-gitops
else
  work=$base/work
fi

if [ -n "${GANTRY_GITOPS:-}" ]; then
  bin=$(realpath "$GANTRY_GITOPS")
else
  echo "==> cargo build --release -p gantry-gitops (fat LTO: a few minutes the first time)"
  cargo build --release --locked -p gantry-gitops --quiet
  bin=$PWD/target/release/gantry-gitops
fi
"$bin" --version >/dev/null

mkdir -p "$base"
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
# Every git here and in the children (gantry's, the naive scripts') reads this
# configuration only: an identity for the naive commits, nothing else.
cat >"$base/gitconfig" <<'CFG'
[user]
	name = Bench User
	email = bench@example.com
[init]
	defaultBranch = main
[advice]
	detachedHead = false
CFG
export GIT_CONFIG_GLOBAL=$base/gitconfig GIT_CONFIG_NOSYSTEM=1
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE

load() { cut -d' ' -f1-3 /proc/loadavg; }
load_start=$(load)

echo "==> $(git --version), nproc $(nproc), $("$bin" --version)"
echo
echo "==> 1-2. $writers concurrent updaters x $rounds rounds (gantry, gantry-serial, naive, naive-retry, naive-force)"
python3 "$here/concurrent.py" --base "$base/concurrent" --workdir "$work/concurrent" --writers "$writers" --rounds "$rounds" \
  --gantry "$bin" --naive "$here/naive.sh" \
  --tool gantry --tool gantry-serial --tool naive --tool naive-retry --tool naive-force \
  --out "$base/concurrent.json"

large_args=()
large_desc=-
if [ "${BENCH_GITOPS_SKIP_LARGE:-}" != 1 ]; then
  echo
  # The generated repository is kept, keyed by the generator and its
  # parameters; each run works on a fresh copy of it.
  key=$( (sha256sum "$here/gen_large.py" && echo "$teams $services $commits") | sha256sum | cut -c1-12)
  pristine=$base/large-$key.git
  if [ ! -d "$pristine" ]; then
    echo "==> 3. generating the large repository ($((teams * services * 10)) files, $commits commits; git fast-import)"
    rm -rf "$base"/large-*.git
    start=$(date +%s%N)
    git init --quiet --bare -b main "$pristine.tmp"
    python3 "$here/gen_large.py" --teams "$teams" --services "$services" --commits "$commits" |
      git -C "$pristine.tmp" fast-import --quiet --done
    mv "$pristine.tmp" "$pristine"
    echo "    generated in $((($(date +%s%N) - start) / 1000000)) ms"
  else
    echo "==> 3. reusing the large repository $pristine"
  fi
  large=$base/large.git
  rm -rf "$large"
  cp -a "$pristine" "$large"
  # What GitHub allows and a partial clone needs; a reflog as in part 1.
  git -C "$large" config uploadpack.allowFilter true
  git -C "$large" config uploadpack.allowAnySHA1InWant true
  git -C "$large" config core.logAllRefUpdates always
  n_files=$(git -C "$large" ls-tree -r main | wc -l)
  n_commits=$(git -C "$large" rev-list --count main)
  large_desc="$n_files files, $n_commits commits, $(du -sh "$large" | cut -f1) packed"
  echo "    $large: $large_desc"
  echo "==> 3. one file updated, $reps repetitions each, interleaved"
  python3 "$here/large.py" --bare "$large" --gantry "$bin" --workdir "$work/large" \
    --reps "$reps" --out "$base/large.json"
  large_args=(--large "$base/large.json")
fi

python3 - "$base/facts.json" <<PY
import json, os, platform, subprocess, sys
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
fs = lambda d: subprocess.run(["stat", "-f", "-c", "%T", d], capture_output=True, text=True).stdout.strip()
json.dump({
    "git": subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip(),
    "gantry": subprocess.run(["$bin", "--version"], capture_output=True, text=True).stdout.strip(),
    "nproc": len(os.sched_getaffinity(0)),
    "cpu": cpu,
    "kernel": platform.release(),
    "bare repositories in": "$base (" + fs("$base") + ")",
    "clones in": "$work (" + fs("$work") + ")",
    "load average (1 5 15 min) at start / end": "$load_start / $(load)",
    "large repo": "$large_desc",
}, open(sys.argv[1], "w"))
PY
python3 "$here/report.py" "$base/facts.json" "$base/concurrent.json" "${large_args[@]}"
