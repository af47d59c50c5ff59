#!/usr/bin/env bash
# Runs gantry-patch for actions/patch: every input arrives as a GANTRY_*
# variable (see action.yml).
# - An input left empty means "not given": its variable is unset rather than
#   passed as an empty value the binary would have to parse.
# - The list inputs (set, paths, targets) are one item per line: each line is
#   trimmed and blank lines (the final newline of a `|` block) are dropped, so
#   an empty line never becomes an empty path or the document root as target.
# - The switches (dry-run, check, require-digest, allow-shared-anchor) must be
#   true or false; false unsets the variable, because the binary counts a
#   switch given through its variable as given whatever its value (and
#   --dry-run and --check exclude each other).
# Kept compatible with bash 3.2 (macOS /bin/bash), like install/install.sh.
set -euo pipefail

# Escape a workflow-command message as @actions/core does (command.ts).
escape_data() {
  local s=$1
  s=${s//'%'/'%25'}
  s=${s//$'\r'/'%0D'}
  s=${s//$'\n'/'%0A'}
  printf '%s' "$s"
}

usage_error() {
  printf '::error title=gantry-patch::%s\n' "$(escape_data "$1")"
  exit 2
}

# The lines of $1, each trimmed, without blank ones, joined by newlines.
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

for name in GANTRY_SET GANTRY_PATHS GANTRY_PATCH_TARGETS; do
  if [[ -n ${!name:-} ]]; then
    printf -v "$name" '%s' "$(clean_lines "${!name}")"
  fi
done

for name in $(compgen -e); do
  if [[ $name == GANTRY_* && -z ${!name} ]]; then
    unset "$name"
  fi
done

# Variable, input name.
switches=(
  GANTRY_DRY_RUN dry-run
  GANTRY_CHECK check
  GANTRY_REQUIRE_DIGEST require-digest
  GANTRY_ALLOW_SHARED_ANCHOR allow-shared-anchor
  GANTRY_ALLOW_MISSING allow-missing
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

operation=${GANTRY_OPERATION:-apply}
unset GANTRY_OPERATION

ignored() {
  local input
  for input in "$@"; do
    printf '::warning title=gantry-patch::the %s input is ignored by operation %s\n' "$input" "$operation"
  done
}

case $operation in
  apply)
    exec gantry-patch
    ;;
  list)
    [[ -n ${GANTRY_SET:-} ]] && ignored set
    unset GANTRY_SET GANTRY_DRY_RUN GANTRY_CHECK GANTRY_REQUIRE_DIGEST GANTRY_ALLOW_SHARED_ANCHOR GANTRY_ALLOW_MISSING
    exec gantry-patch list
    ;;
  audit)
    [[ -n ${GANTRY_SET:-} ]] && ignored set
    unset GANTRY_SET GANTRY_DRY_RUN GANTRY_CHECK GANTRY_ALLOW_SHARED_ANCHOR GANTRY_ALLOW_MISSING
    exec gantry-patch audit
    ;;
  *)
    usage_error "invalid operation \"$operation\": expected apply, list or audit"
    ;;
esac
