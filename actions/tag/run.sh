#!/usr/bin/env bash
# Runs gantry-tag for actions/tag: every input arrives as a GANTRY_* variable
# (see action.yml).
# - An input left empty means "not given": its variable is unset rather than
#   passed as an empty value the binary would have to parse.
# - The switches (push, latest-from-registry, shorten-long-tags,
#   fix-first-character, allow-empty) must be true or false; false unsets the
#   variable (the binary would read any other word as true).
# - Whatever an input holds is escaped before it is printed in a workflow
#   command, so a newline in it cannot start a command of its own.
# Kept compatible with bash 3.2 (macOS /bin/bash), like install/install.sh.
set -euo pipefail
# shellcheck source=actions/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

unset_empty_inputs
check_switches gantry-tag \
  GANTRY_PUSH push \
  GANTRY_LATEST_FROM_REGISTRY latest-from-registry \
  GANTRY_SHORTEN_LONG_TAGS shorten-long-tags \
  GANTRY_FIX_FIRST_CHARACTER fix-first-character \
  GANTRY_ALLOW_EMPTY allow-empty

operation=${GANTRY_OPERATION:-compute}
unset GANTRY_OPERATION
if [[ $operation == compute && ${GANTRY_PUSH:-false} == true ]]; then
  operation=push
fi
unset GANTRY_PUSH

case $operation in
  compute | push | resolve | inspect) ;;
  *)
    usage_error gantry-tag "invalid operation input \"$operation\": expected compute, push, resolve or inspect"
    ;;
esac
exec gantry-tag "$operation"
