#!/usr/bin/env bash
# Runs gantry-gitops for actions/gitops: every input arrives as a GANTRY_*
# variable (see action.yml).
# - An input left empty means "not given": its variable is unset rather than
#   passed as an empty value the binary would have to parse.
# - The list inputs (paths, environments, set) are one item per line: each
#   line is trimmed and blank lines are dropped.
# - The switches (require-digest, allow-missing, full-clone) must be true or
#   false; false unsets the variable.
# - Inputs another operation uses are dropped, with a warning if given.
# Kept compatible with bash 3.2 (macOS /bin/bash), like install/install.sh.
set -euo pipefail
# shellcheck source=actions/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

clean_list_vars GANTRY_SET GANTRY_REPO_PATHS GANTRY_ENVIRONMENTS
unset_empty_inputs
check_switches gantry-gitops \
  GANTRY_REQUIRE_DIGEST require-digest \
  GANTRY_ALLOW_MISSING allow-missing \
  GANTRY_FULL_CLONE full-clone

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
    drop GANTRY_SET:set GANTRY_REQUIRE_DIGEST:require-digest GANTRY_ALLOW_MISSING:allow-missing GANTRY_FROM:from GANTRY_TO:to
    exec gantry-gitops revert
    ;;
  *)
    usage_error gantry-gitops "invalid operation \"$operation\": expected update, promote or revert"
    ;;
esac
