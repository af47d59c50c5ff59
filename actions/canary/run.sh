#!/usr/bin/env bash
# Runs gantry-canary for actions/canary: every input arrives as a GANTRY_*
# variable (see action.yml). Empty inputs are unset (not given); the list
# inputs (probes, headers) are trimmed line by line. fail-on decides which
# decisions fail the step: the binary exits 1 for rollback and 4 for
# inconclusive, and has already set the decision output either way.
# Kept compatible with bash 3.2 (macOS /bin/bash), like install/install.sh.
set -euo pipefail
# shellcheck source=actions/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

clean_list_vars GANTRY_PROBES GANTRY_PROBE_HEADERS

fail_on=${GANTRY_FAIL_ON:-both}
unset GANTRY_FAIL_ON
case $fail_on in
  both | rollback | inconclusive | none) ;;
  *) usage_error gantry-canary "invalid fail-on input \"$fail_on\": expected both, rollback, inconclusive or none" ;;
esac
unset_empty_inputs

status=0
gantry-canary || status=$?
case $status in
  1) [[ $fail_on == both || $fail_on == rollback ]] && exit 1 ;;
  4) [[ $fail_on == both || $fail_on == inconclusive ]] && exit 4 ;;
  *) exit "$status" ;;
esac
exit 0
