#!/usr/bin/env bash
# The script teams write today to bump an image tag in a GitOps repository,
# the peer of `gantry-gitops update` in bench/gitops.sh:
#
#   naive.sh MODE URL FILE IMAGE TAG
#
# clones URL (`git clone --depth 1`), rewrites `IMAGE:<anything>` to
# `IMAGE:TAG` in FILE with `sed -i`, `git commit -am`, `git push`. MODE:
#
#   plain   no retry: a rejected push fails the job (what people write first)
#   retry   up to 3 pushes, `git pull --rebase` between them ("fixed by hand")
#   force   a rejected push is re-committed on the old clone and pushed with
#           `git push --force` (the dangerous "fix": it drops what others pushed)
#
# Exit status: 0 when a push succeeded, else git's. Identity comes from the
# git configuration the bench sets (GIT_CONFIG_GLOBAL).
set -euo pipefail

mode=$1 url=$2 file=$3 image=$4 tag=$5
work=$(mktemp -d "${TMPDIR:-/tmp}/naive-gitops.XXXXXX")
trap 'rm -rf "$work"' EXIT

git clone --quiet --depth 1 "$url" "$work/repo"
cd "$work/repo"
sed -i "s|${image}:[^ \"']*|${image}:${tag}|" "$file"
git commit --quiet -am "deploy: ${image}:${tag}"

case $mode in
plain)
  git push --quiet
  ;;
retry)
  for try in 1 2 3; do
    if git push --quiet; then
      exit 0
    fi
    if [ "$try" -eq 3 ]; then
      exit 1
    fi
    git pull --quiet --rebase
  done
  ;;
force)
  if ! git push --quiet; then
    git commit --quiet --amend --no-edit
    git push --quiet --force
  fi
  ;;
*)
  echo "naive.sh: unknown mode $mode (plain, retry, force)" >&2
  exit 2
  ;;
esac
