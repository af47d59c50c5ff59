#!/usr/bin/env bash
# Runs gantry-canary for actions/canary: every input arrives as a GANTRY_*
# variable (see action.yml). Empty inputs are unset (not given); the list
# inputs (probes, headers, and the hooks pre-analysis, on-promote and
# on-rollback, one command per line) are trimmed line by line. on-step is
# one command, kept as written (it may be a multi-line script).
# The token (github-token, by default the job's) is passed only when
# deployment statuses are asked for (gantry-canary keeps it, and every
# GANTRY_* setting, out of hook and on-step commands; hook-env passes a
# variable on by name).
# fail-on decides which decisions fail the step: the binary exits 1 for
# rollback and 4 for inconclusive, and has already set the decision output
# either way.
# Kept compatible with bash 3.2 (macOS /bin/bash), like install/install.sh.
set -euo pipefail
# shellcheck source=actions/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

clean_list_vars GANTRY_PROBES GANTRY_PROBE_HEADERS \
  GANTRY_PRE_ANALYSIS GANTRY_ON_PROMOTE GANTRY_ON_ROLLBACK GANTRY_HOOK_ENV

fail_on=${GANTRY_FAIL_ON:-both}
unset GANTRY_FAIL_ON
case $fail_on in
  both | rollback | inconclusive | none) ;;
  *) usage_error gantry-canary "invalid fail-on input \"$fail_on\": expected both, rollback, inconclusive or none" ;;
esac
unset_empty_inputs

if [[ -z ${GANTRY_DEPLOYMENT_ENVIRONMENT:-} && -z ${GANTRY_DEPLOYMENT_ID:-} ]]; then
  unset GANTRY_TOKEN
elif [[ -z ${GANTRY_TOKEN:-} ]]; then
  usage_error gantry-canary "deployment statuses need a token: the github-token input is empty (give the job permissions: deployments: write, or a token)"
fi
# The binary sets deployment-id when it creates the deployment; an existing
# one given as an input is the output as it is.
if [[ -n ${GANTRY_DEPLOYMENT_ID:-} && -n ${GITHUB_OUTPUT:-} ]]; then
  case $GANTRY_DEPLOYMENT_ID in
    *[!0-9]*) ;;
    *) printf 'deployment-id=%s\n' "$GANTRY_DEPLOYMENT_ID" >>"$GITHUB_OUTPUT" ;;
  esac
fi

status=0
gantry-canary || status=$?
case $status in
  1) [[ $fail_on == both || $fail_on == rollback ]] && exit 1 ;;
  4) [[ $fail_on == both || $fail_on == inconclusive ]] && exit 4 ;;
  *) exit "$status" ;;
esac
exit 0
