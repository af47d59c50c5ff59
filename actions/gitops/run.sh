#!/usr/bin/env bash
# Runs gantry-gitops for actions/gitops: every input arrives as a GANTRY_*
# variable (see action.yml).
# - An input left empty means "not given": its variable is unset rather than
#   passed as an empty value the binary would have to parse.
# - The list inputs (paths, environments, set) are one item per line: each
#   line is trimmed and blank lines are dropped.
# - The switches (require-digest, full-clone) must be true or false; false
#   unsets the variable.
# - Inputs another operation uses are dropped, with a warning if given.
# Kept compatible with bash 3.2 (macOS /bin/bash), like install/install.sh.
set -euo pipefail

escape_data() {
  local s=$1
  s=${s//'%'/'%25'}
  s=${s//$'\r'/'%0D'}
  s=${s//$'\n'/'%0A'}
  printf '%s' "$s"
}

usage_error() {
  printf '::error title=gantry-gitops::%s\n' "$(escape_data "$1")"
  exit 2
}

clean_lines() {
  local line out=''
  while IFS= read -r line || [[ -n $line ]]; do
    line=${line%$'\r'}
    line=${line#"${line%%[![:space:]]*}"}
    line=${line%"${line##*[![:space:]]}"}
    if [[ -n $line ]]; then
      out+=${out:+$'\n'}$line
    fi
  done <<<"$1"
  printf '%s' "$out"
}

for name in GANTRY_SET GANTRY_REPO_PATHS GANTRY_ENVIRONMENTS; do
  if [[ -n ${!name:-} ]]; then
    printf -v "$name" '%s' "$(clean_lines "${!name}")"
  fi
done

for name in $(compgen -e); do
  if [[ $name == GANTRY_* && -z ${!name} ]]; then
    unset "$name"
  fi
done

switches=(
  GANTRY_REQUIRE_DIGEST require-digest
  GANTRY_FULL_CLONE full-clone
)
i=0
while ((i < ${#switches[@]})); do
  name=${switches[i]}
  input=${switches[i + 1]}
  i=$((i + 2))
  case ${!name:-false} in
    true) ;;
    false) unset "$name" ;;
    *) usage_error "invalid $input input \"${!name}\": expected true or false" ;;
  esac
done

operation=${GANTRY_OPERATION:-update}
unset GANTRY_OPERATION

# Drop the variables of inputs this operation does not take, warning for
# each one that was given.
drop() {
  local pair name input
  for pair in "$@"; do
    name=${pair%%:*}
    input=${pair#*:}
    if [[ -n ${!name:-} ]]; then
      printf '::warning title=gantry-gitops::the %s input is ignored by operation %s\n' "$input" "$operation"
      unset "$name"
    fi
  done
}

case $operation in
  update)
    drop GANTRY_FROM:from GANTRY_TO:to GANTRY_IMAGE:image GANTRY_REVERT_TO:revert-to GANTRY_REASON:reason
    exec gantry-gitops update
    ;;
  promote)
    drop GANTRY_SET:set GANTRY_REQUIRE_DIGEST:require-digest GANTRY_ENVIRONMENT:environment GANTRY_REVERT_TO:revert-to GANTRY_REASON:reason
    exec gantry-gitops promote
    ;;
  revert)
    drop GANTRY_SET:set GANTRY_REQUIRE_DIGEST:require-digest GANTRY_FROM:from GANTRY_TO:to
    exec gantry-gitops revert
    ;;
  *)
    usage_error "invalid operation \"$operation\": expected update, promote or revert"
    ;;
esac
