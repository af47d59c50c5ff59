#!/usr/bin/env bash
# The sed/yq way to patch an image: Debian's yq (kislyuk/yq 3, a jq wrapper
# that round-trips through PyYAML), in place, on every YAML file that
# mentions the image; JSON files go through jq and a temporary file.
#
#   yq_peer.sh --set NAME=NAME:TAG [--failed FILE] PATH...
#
# The jq program updates the same fields as gantry-patch and ruamel_peer.py,
# at any depth of every document: `image:` strings naming NAME, Helm
# repository (+ Bitnami registry) + tag blocks, kustomize images entries
# (name NAME, newTag), Argo CD helm.parameters (image.repository NAME ->
# image.tag). Files are found with `grep -rlF` on NAME's repository path and
# passed to yq in batches (one python start per batch, one jq per file, as
# `yq -i` does); a batch that fails is re-run file by file so that each file
# that fails is listed (--failed) and left as yq left it.
set -euo pipefail

usage() {
  echo "usage: yq_peer.sh --set NAME=NAME:TAG [--failed FILE] PATH..." >&2
  exit 2
}

# Internal: `yq_peer.sh --batch FILE...` patches FILEs, given the jq program,
# the failed-files list and a log for yq's errors in the environment.
if [ "${1:-}" = --batch ]; then
  shift
  if yq -y -i "$YQ_PEER_FILTER" "$@" 2>/dev/null; then
    exit 0
  fi
  for f in "$@"; do
    if ! yq -y -i "$YQ_PEER_FILTER" "$f" 2>>"$YQ_PEER_LOG"; then
      printf '%s\n' "$f" >>"$YQ_PEER_FAILED"
    fi
  done
  exit 0
fi

set_arg=
failed=/dev/null
paths=()
while [ $# -gt 0 ]; do
  case $1 in
  --set)
    [ $# -ge 2 ] || usage
    set_arg=$2
    shift 2
    ;;
  --failed)
    [ $# -ge 2 ] || usage
    failed=$2
    shift 2
    ;;
  -*) usage ;;
  *)
    paths+=("$1")
    shift
    ;;
  esac
done
if [ -z "$set_arg" ] || [ ${#paths[@]} -eq 0 ]; then
  usage
fi
name=${set_arg%%=*}
newref=${set_arg#*=}
tag=${newref##*:}
if [ "${newref%:*}" != "$name" ] || [ -z "$tag" ]; then
  usage
fi
path_part=${name#*/}
log=/dev/null
if [ "$failed" != /dev/null ]; then
  log=$failed.log
  : >"$failed"
  : >"$log"
fi

# jq string literals for NAME and TAG (they hold no quotes or backslashes).
filter='
def name: "'"$name"'";
def newtag: "'"$tag"'";
def names_image: type == "string" and (. == name or startswith(name + ":") or startswith(name + "@"));
walk(
  if type == "object" then
    (if (.image | names_image) then .image = (name + ":" + newtag) else . end)
    | (if (.repository | type) == "string" and has("tag")
          and ((if (.registry | type) == "string" and .registry != "" then .registry + "/" else "" end) + .repository) == name
       then .tag = newtag else . end)
    | (if .name == name and has("newTag") and ((.newName // name) == name) then .newTag = newtag else . end)
    | (if (.parameters | type) == "array"
          and any(.parameters[]; type == "object" and .name == "image.repository" and .value == name)
       then .parameters |= map(if type == "object" and .name == "image.tag" then .value = newtag else . end)
       else . end)
  else . end)'

export YQ_PEER_FILTER=$filter YQ_PEER_FAILED=$failed YQ_PEER_LOG=$log

grep -rlZF --include='*.yaml' --include='*.yml' -e "$path_part" -- "${paths[@]}" |
  xargs -0 -r -n 100 "$0" --batch

grep -rlZF --include='*.json' -e "$path_part" -- "${paths[@]}" |
  while IFS= read -r -d '' f; do
    if jq "$filter" "$f" >"$f.yq-peer.tmp" 2>>"$log"; then
      mv "$f.yq-peer.tmp" "$f"
    else
      rm -f "$f.yq-peer.tmp"
      printf '%s\n' "$f" >>"$failed"
    fi
  done
