#!/usr/bin/env bash
# Runs gantry-canary for actions/canary: every input arrives as a GANTRY_*
# variable (see action.yml). Empty inputs are unset (not given); the list
# inputs (probes, headers) are trimmed line by line. fail-on decides which
# decisions fail the step: the binary exits 1 for rollback and 4 for
# inconclusive, and has already set the decision output either way.
# Kept compatible with bash 3.2 (macOS /bin/bash), like install/install.sh.
set -euo pipefail

escape_data() {
  local s=$1
  s=${s//'%'/'%25'}
  s=${s//$'\r'/'%0D'}
  s=${s//$'\n'/'%0A'}
  printf '%s' "$s"
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

for name in GANTRY_PROBES GANTRY_PROBE_HEADERS; do
  if [[ -n ${!name:-} ]]; then
    printf -v "$name" '%s' "$(clean_lines "${!name}")"
  fi
done

fail_on=${GANTRY_FAIL_ON:-both}
unset GANTRY_FAIL_ON
case $fail_on in
  both | rollback | inconclusive | none) ;;
  *)
    printf '::error title=gantry-canary::%s\n' "$(escape_data "invalid fail-on input \"$fail_on\": expected both, rollback, inconclusive or none")"
    exit 2
    ;;
esac

for name in $(compgen -e); do
  if [[ $name == GANTRY_* && -z ${!name} ]]; then
    unset "$name"
  fi
done

status=0
gantry-canary || status=$?
case $status in
  1) [[ $fail_on == both || $fail_on == rollback ]] && exit 1 ;;
  4) [[ $fail_on == both || $fail_on == inconclusive ]] && exit 4 ;;
  *) exit "$status" ;;
esac
exit 0
