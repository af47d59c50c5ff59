#!/usr/bin/env bash
# Runs gantry-patch for actions/patch: every input arrives as a GANTRY_*
# variable (see action.yml).
# - An input left empty means "not given": its variable is unset rather than
#   passed as an empty value the binary would have to parse.
# - The list inputs (set, paths, targets) are one item per line: each line is
#   trimmed and blank lines (the final newline of a `|` block) are dropped, so
#   an empty line never becomes an empty path or the document root as target.
# - The switches (dry-run, check, require-digest, allow-shared-anchor,
#   allow-missing, pr-comment) must be true or false; false unsets the
#   variable.
# - The token (github-token, by default the job's) reaches the binary only
#   with pr-comment; pr-comment-key without pr-comment is ignored with a
#   warning.
# Kept compatible with bash 3.2 (macOS /bin/bash), like install/install.sh.
set -euo pipefail
# shellcheck source=actions/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

clean_list_vars GANTRY_SET GANTRY_PATHS GANTRY_PATCH_TARGETS
unset_empty_inputs
check_switches gantry-patch \
  GANTRY_DRY_RUN dry-run \
  GANTRY_CHECK check \
  GANTRY_REQUIRE_DIGEST require-digest \
  GANTRY_ALLOW_SHARED_ANCHOR allow-shared-anchor \
  GANTRY_ALLOW_MISSING allow-missing \
  GANTRY_PR_COMMENT pr-comment

operation=${GANTRY_OPERATION:-apply}
unset GANTRY_OPERATION

ignored() {
  local input
  for input in "$@"; do
    printf '::warning title=gantry-patch::the %s input is ignored by operation %s\n' "$input" "$operation"
  done
}

# The pull request comment is apply's; the token goes with it only.
if [[ $operation == apply && -n ${GANTRY_PR_COMMENT:-} ]]; then
  if [[ -z ${GITHUB_TOKEN:-} ]]; then
    usage_error gantry-patch "pr-comment needs a token: the github-token input is empty (give the job permissions: pull-requests: write, or a token)"
  fi
else
  if [[ -n ${GANTRY_PR_COMMENT:-} ]]; then
    ignored pr-comment
  elif [[ -n ${GANTRY_PR_COMMENT_KEY:-} ]]; then
    printf '::warning title=gantry-patch::the pr-comment-key input is ignored without pr-comment: true\n'
  fi
  unset GITHUB_TOKEN GANTRY_PR_COMMENT GANTRY_PR_COMMENT_KEY
fi

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
    usage_error gantry-patch "invalid operation \"$operation\": expected apply, list or audit"
    ;;
esac
