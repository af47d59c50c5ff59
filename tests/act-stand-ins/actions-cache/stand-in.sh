#!/usr/bin/env bash
# The stand-ins' work (README.md): `restore` or `save`, with the action's
# inputs in CACHE_KEY and CACHE_PATHS (one path per line).
set -euo pipefail

mode=$1
store=${RIG_ACTIONS_CACHE:-}
if [[ -z $store ]]; then
  echo "::warning::actions/cache stand-in: no cache service (RIG_ACTIONS_CACHE is not set)"
  if [[ $mode == restore ]]; then echo "cache-hit=false" >>"$GITHUB_OUTPUT"; fi
  exit 0
fi
mkdir -p "$store"
entry=$store/$(printf '%s' "$CACHE_KEY" | tr -c 'A-Za-z0-9._-' '_').tar

paths=()
while IFS= read -r line; do
  line=${line%$'\r'}
  if [[ -n $line ]]; then paths+=("${line/#\~/$HOME}"); fi
done <<<"$CACHE_PATHS"

case $mode in
  restore)
    echo "cache-primary-key=$CACHE_KEY" >>"$GITHUB_OUTPUT"
    if [[ ! -f $entry ]]; then
      echo "Cache not found for input keys: $CACHE_KEY"
      exit 0
    fi
    tar -C "$GITHUB_WORKSPACE" -xPf "$entry"
    echo "Cache restored from key: $CACHE_KEY"
    {
      echo "cache-hit=true"
      echo "cache-matched-key=$CACHE_KEY"
    } >>"$GITHUB_OUTPUT"
    ;;
  save)
    if [[ -f $entry ]]; then
      echo "::warning::Failed to save: Unable to reserve cache with key $CACHE_KEY, another job may be creating this cache."
      exit 0
    fi
    # Relative to the workspace, as actions/cache stores them: under act
    # the tool cache and the workspace move together from run to run.
    existing=()
    for path in "${paths[@]}"; do
      if [[ -e $path ]]; then existing+=("$(realpath -s --relative-to="$GITHUB_WORKSPACE" "$path")"); fi
    done
    if ((${#existing[@]} == 0)); then
      echo "::warning::Path Validation Error: Path(s) specified in the action for caching do(es) not exist, hence no cache is being saved."
      exit 0
    fi
    tar -C "$GITHUB_WORKSPACE" -cPf "$entry.tmp" "${existing[@]}"
    mv "$entry.tmp" "$entry"
    echo "Cache saved with key: $CACHE_KEY"
    ;;
  *)
    echo "::error::actions/cache stand-in: unknown mode $mode"
    exit 1
    ;;
esac
