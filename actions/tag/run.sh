#!/usr/bin/env bash
# Runs gantry-tag for actions/tag: every input arrives as a GANTRY_* variable
# (see action.yml). An input left empty means "not given", so its variable is
# unset rather than passed as an empty value the binary would have to parse.
set -euo pipefail

for name in $(compgen -e); do
  if [[ $name == GANTRY_* && -z ${!name} ]]; then
    unset "$name"
  fi
done

operation=${GANTRY_OPERATION:-compute}
unset GANTRY_OPERATION
if [[ $operation == compute && ${GANTRY_PUSH:-false} == true ]]; then
  operation=push
fi
unset GANTRY_PUSH

case $operation in
  compute | push | resolve | inspect) ;;
  *)
    printf '::error title=gantry-tag::invalid operation "%s": expected compute, push, resolve or inspect\n' "$operation"
    exit 2
    ;;
esac
exec gantry-tag "$operation"
