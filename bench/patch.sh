#!/usr/bin/env bash
# `make bench-patch`: issue 4's figures for gantry-patch. One image
# (ghcr.io/acme/api) is patched across a generated GitOps tree of 10,000
# manifests (~30 MB: Kubernetes workloads, kustomizations, Helm values, Flux
# HelmReleases, Argo CD Applications, a few JSON files; CRLF, BOM, comments,
# quotes, block strings) by gantry-patch and, in the same run on the same
# tree, by two peers: a ruamel.yaml round-trip script and Debian's yq
# (kislyuk/yq, a jq wrapper over PyYAML). For each: median wall time over
# several runs (the tree is reset from a pristine copy before each run,
# outside the timed part), files/s, MB/s, the bytes changed outside the
# target values (against an expected tree the generator writes, where only
# those values differ), the targets missed and the files that failed.
#
# Not part of `make test`. Knobs: BENCH_PATCH_RUNS (gantry-patch runs, 10),
# BENCH_PATCH_PEER_RUNS (3), BENCH_PATCH_PEERS ("ruamel yq"; "" for none),
# BENCH_PATCH_FILES (10000), BENCH_PATCH_DIR (/tmp/gantry-bench-patch),
# GANTRY_PATCH (a gantry-patch binary to use instead of building the release
# one). See bench/patch/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${BENCH_PATCH_RUNS:-10}
peer_runs=${BENCH_PATCH_PEER_RUNS:-3}
peers=${BENCH_PATCH_PEERS-ruamel yq}
files=${BENCH_PATCH_FILES:-10000}
dir=${BENCH_PATCH_DIR:-/tmp/gantry-bench-patch}
work=$dir/work
here=bench/patch
venv=.rig/bench-venv
ruamel_version=0.18.17
set_arg=ghcr.io/acme/api=ghcr.io/acme/api:2.0.0

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
apt_updated=0
# need CMD PACKAGE: make sure CMD exists, installing the Debian PACKAGE if not.
need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "==> apt-get install $2"
  if as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$2" >/dev/null 2>&1; then
    return 0
  fi
  if [ "$apt_updated" -eq 0 ]; then
    apt_updated=1
    as_root apt-get update -qq >/dev/null 2>&1 || return 1
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$2" >/dev/null 2>&1 && return 0
  fi
  return 1
}

have_rsync=1
need rsync rsync || {
  have_rsync=0
  echo "note: no rsync; the tree is reset with rm + cp -a (slower, outside the timed part)"
}
case " $peers " in
*" yq "*)
  if ! need yq yq || ! need jq jq; then
    echo "note: yq/jq could not be installed (needs root or sudo -n); the yq peer is skipped"
    peers=${peers//yq/}
  elif [[ $(yq --help 2>&1) != *"jq wrapper"* ]]; then
    echo "note: the yq on PATH is not kislyuk's jq wrapper (Debian's yq); the yq peer is skipped"
    peers=${peers//yq/}
  fi
  ;;
esac
case " $peers " in
*" ruamel "*)
  if ! "$venv/bin/python" -c "import sys, ruamel.yaml; sys.exit(ruamel.yaml.__version__ != '$ruamel_version')" 2>/dev/null; then
    echo "==> ruamel.yaml $ruamel_version into $venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "ruamel.yaml==$ruamel_version"
  fi
  ;;
esac

if [ -n "${GANTRY_PATCH:-}" ]; then
  bin=$GANTRY_PATCH
else
  echo "==> cargo build --release -p gantry-patch"
  cargo build --release --locked --quiet -p gantry-patch
  bin=target/release/gantry-patch
fi

echo "==> generating the tree in $dir (bench/patch/gen_tree.py)"
mkdir -p "$dir"
python3 "$here/gen_tree.py" "$dir" --files "$files"
read -r tree_files tree_bytes < <(python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); print(m["files"], m["bytes"])' "$dir/targets.json")

reset_tree() {
  if [ "$have_rsync" -eq 1 ]; then
    mkdir -p "$work"
    rsync -a --delete --inplace --checksum "$dir/pristine/" "$work/"
  else
    rm -rf "$work"
    cp -a "$dir/pristine" "$work"
  fi
}

results=$dir/results.tsv
: >"$results"
# bench ID LABEL RUNS CMD...: median wall time of CMD over RUNS runs, each on
# a fresh copy of the tree; then the bytes its last run changed outside the
# targets. CMD's exit status is recorded, not fatal; its output is kept in
# $dir/ID.stdout and $dir/ID.stderr.
bench() {
  local name=$1 label=$2 n=$3 i start end rc=0 median
  shift 3
  local samples=()
  echo
  echo "==> $label: $n run(s)"
  for ((i = 0; i < n; i++)); do
    reset_tree
    start=$(date +%s%N)
    rc=0
    "$@" >"$dir/$name.stdout" 2>"$dir/$name.stderr" || rc=$?
    end=$(date +%s%N)
    samples+=($(((end - start) / 1000000)))
    printf '    run %d: %d ms (exit %d)\n' "$((i + 1))" "${samples[-1]}" "$rc"
  done
  median=$(printf '%s\n' "${samples[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}')
  python3 "$here/outside_bytes.py" "$dir" "$work" --json "$dir/$name.counts.json" --show 3 | sed 's/^/    /'
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$label" "$n" "$median" "$rc" >>"$results"
}

echo
echo "==> versions"
echo "    gantry-patch: $("$bin" --version) ($bin)"
case " $peers " in *" ruamel "*) echo "    ruamel.yaml $("$venv/bin/python" -c 'import ruamel.yaml; print(ruamel.yaml.__version__)') on $("$venv/bin/python" --version)" ;; esac
case " $peers " in *" yq "*) echo "    yq $(dpkg-query -W -f '${Version}' yq 2>/dev/null || echo '?') (kislyuk, PyYAML), $(jq --version)" ;; esac

bench gantry-patch gantry-patch "$runs" "$bin" --set "$set_arg" --format json "$work"
# gantry-patch edits all or nothing: each refused file is one `error: FILE:LINE:COL:` line.
failed_gantry=$(grep -cE '^error: [^ ]+:[0-9]+:[0-9]+: ' "$dir/gantry-patch.stderr" || true)
printf 'gantry-patch\t%s\n' "$failed_gantry" >"$dir/failed.tsv"
# The same work without the writes (exit 1: there are changes).
bench gantry-patch-check "gantry-patch --check" "$runs" "$bin" --check --set "$set_arg" "$work"
failed_check=$(grep -cE '^error: [^ ]+:[0-9]+:[0-9]+: ' "$dir/gantry-patch-check.stderr" || true)
printf 'gantry-patch-check\t%s\n' "$failed_check" >>"$dir/failed.tsv"
case " $peers " in
*" ruamel "*)
  bench ruamel "ruamel.yaml (rt)" "$peer_runs" "$venv/bin/python" "$here/ruamel_peer.py" --set "$set_arg" --failed "$dir/ruamel.failed" "$work"
  printf 'ruamel\t%s\n' "$(wc -l <"$dir/ruamel.failed")" >>"$dir/failed.tsv"
  ;;
esac
case " $peers " in
*" yq "*)
  bench yq "yq -y (PyYAML)" "$peer_runs" bash "$here/yq_peer.sh" --set "$set_arg" --failed "$dir/yq.failed" "$work"
  printf 'yq\t%s\n' "$(wc -l <"$dir/yq.failed")" >>"$dir/failed.tsv"
  ;;
esac

echo
echo "==> patching $set_arg in $tree_files files, $(awk -v b="$tree_bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB (medians; MB = 10^6 bytes)"
python3 - "$dir" "$tree_files" "$tree_bytes" <<'PY'
import json, os, sys
d, files, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
failed = dict(line.rstrip("\n").split("\t") for line in open(os.path.join(d, "failed.tsv")))
rows = []
for line in open(os.path.join(d, "results.tsv")):
    key, name, runs, median_ms, rc = line.rstrip("\n").split("\t")
    counts = json.load(open(os.path.join(d, key + ".counts.json")))
    s = float(median_ms) / 1000
    rows.append((name, runs, s, files / s, size / 1e6 / s, counts, failed.get(key, "?"), rc))
print(f"{'tool':<20} {'runs':>4} {'median s':>9} {'files/s':>9} {'MB/s':>7} {'bytes outside':>14} {'files outside':>13} {'missed':>10} {'failed':>6} {'exit':>4}")
for name, runs, s, fps, mbps, c, f, rc in rows:
    missed = f"{c['targets_missed']}/{c['targets']}"
    print(f"{name:<20} {runs:>4} {s:>9.3f} {fps:>9.0f} {mbps:>7.2f} {c['bytes_outside']:>14} {c['files_changed_outside']:>13} {missed:>10} {f:>6} {rc:>4}")
if rows:
    base = rows[0][2]
    for name, _runs, s, *_ in rows[1:]:
        print(f"{name}: {s / base:.2f}x the time of {rows[0][0]}")
PY
