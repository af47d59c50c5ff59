#!/usr/bin/env bash
# Runs gantry-rollback for actions/rollback: every input arrives as a
# GANTRY_* variable (see action.yml).
# - An input left empty means "not given": its variable is unset rather than
#   passed as an empty value the binary would have to parse.
# - workload and images are the binary's arguments, not variables: they are
#   read here, unset, and passed after `--` (so a value starting with `-` is
#   never taken for a flag). images is one CONTAINER=IMAGE per line; each
#   line is trimmed and blank lines are dropped.
# - The switch (undo-on-failure) must be true or false; false unsets it.
# - Inputs another operation uses are dropped, with a warning if given.
# - The token is masked here: gantry-rollback hands it to gantry-gitops in
#   its environment, and that child's own ::add-mask:: goes to a pipe the
#   runner never reads.
# Kept compatible with bash 3.2 (macOS /bin/bash), like install/install.sh.
set -euo pipefail
# shellcheck source=actions/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

clean_list_vars GANTRY_CONTAINER_IMAGES
unset_empty_inputs
check_switches gantry-rollback \
  GANTRY_UNDO_ON_FAILURE undo-on-failure

operation=${GANTRY_OPERATION:-run}
unset GANTRY_OPERATION
workload=${GANTRY_WORKLOAD:-}
images=${GANTRY_CONTAINER_IMAGES:-}

# Drop the variables of inputs this operation does not take, warning for
# each one that was given.
drop() {
  local pair name input
  for pair in "$@"; do
    name=${pair%%:*}
    input=${pair#*:}
    if [[ -n ${!name:-} ]]; then
      printf '::warning title=gantry-rollback::the %s input is ignored by operation %s\n' "$input" "$operation"
      unset "$name"
    fi
  done
}

# The workload as the binary's argument; status, set-image and undo need one.
take_workload() {
  unset GANTRY_WORKLOAD
  if [[ -z $workload ]]; then
    usage_error gantry-rollback "operation $operation needs the workload input (e.g. deployment/web)"
  fi
}

case $operation in
  status)
    drop GANTRY_CONTAINER_IMAGES:images GANTRY_TARGET:target GANTRY_WEIGHT:weight GANTRY_REASON:reason \
      GANTRY_TO_REVISION:to-revision GANTRY_TO_IMAGE:to-image GANTRY_UNDO_ON_FAILURE:undo-on-failure GANTRY_TOKEN:token \
      GANTRY_CLOUD_RUN_TIMEOUT:cloud-run-timeout
    take_workload
    exec gantry-rollback status -- "$workload"
    ;;
  set-image)
    drop GANTRY_TARGET:target GANTRY_WEIGHT:weight GANTRY_TO_REVISION:to-revision GANTRY_TO_IMAGE:to-image \
      GANTRY_TOKEN:token GANTRY_CLOUD_RUN_TIMEOUT:cloud-run-timeout
    take_workload
    unset GANTRY_CONTAINER_IMAGES
    if [[ -z $images ]]; then
      usage_error gantry-rollback "operation set-image needs the images input: CONTAINER=IMAGE, one per line"
    fi
    args=()
    while IFS= read -r line; do
      args+=("$line")
    done <<<"$images"
    exec gantry-rollback set-image -- "$workload" "${args[@]}"
    ;;
  undo)
    drop GANTRY_CONTAINER_IMAGES:images GANTRY_TARGET:target GANTRY_WEIGHT:weight GANTRY_REASON:reason \
      GANTRY_UNDO_ON_FAILURE:undo-on-failure GANTRY_TOKEN:token GANTRY_CLOUD_RUN_TIMEOUT:cloud-run-timeout
    take_workload
    exec gantry-rollback undo -- "$workload"
    ;;
  shift)
    drop GANTRY_WORKLOAD:workload GANTRY_CONTAINER_IMAGES:images GANTRY_REASON:reason \
      GANTRY_ROLLOUT_TIMEOUT:timeout GANTRY_TO_REVISION:to-revision GANTRY_TO_IMAGE:to-image \
      GANTRY_UNDO_ON_FAILURE:undo-on-failure GANTRY_TOKEN:token GANTRY_CLOUD_RUN_TIMEOUT:cloud-run-timeout
    exec gantry-rollback shift
    ;;
  run)
    drop GANTRY_WORKLOAD:workload GANTRY_CONTAINER_IMAGES:images GANTRY_WEIGHT:weight \
      GANTRY_ROLLOUT_TIMEOUT:timeout GANTRY_TO_REVISION:to-revision GANTRY_TO_IMAGE:to-image \
      GANTRY_UNDO_ON_FAILURE:undo-on-failure
    if [[ -n ${GANTRY_TOKEN:-} ]]; then
      printf '::add-mask::%s\n' "$(escape_data "$GANTRY_TOKEN")"
    fi
    exec gantry-rollback run
    ;;
  *)
    usage_error gantry-rollback "invalid operation \"$operation\": expected run, status, set-image, undo or shift"
    ;;
esac
