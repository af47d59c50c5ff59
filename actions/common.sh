# shellcheck shell=bash
# Helpers the actions' run.sh scripts share (sourced, never run). Kept
# compatible with bash 3.2 (macOS /bin/bash), like install/install.sh.

# Escape a workflow-command message as @actions/core does (command.ts).
escape_data() {
  local s=$1
  s=${s//'%'/'%25'}
  s=${s//$'\r'/'%0D'}
  s=${s//$'\n'/'%0A'}
  printf '%s' "$s"
}

# ::error title=$1::$2, then exit 2 (bad input).
usage_error() {
  printf '::error title=%s::%s\n' "$1" "$(escape_data "$2")"
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

# Trim the list variables named as arguments, line by line.
clean_list_vars() {
  local name
  for name in "$@"; do
    if [[ -n ${!name:-} ]]; then
      printf -v "$name" '%s' "$(clean_lines "${!name}")"
    fi
  done
}

# Unset every empty GANTRY_* variable: an empty input means "not given".
unset_empty_inputs() {
  local name
  for name in $(compgen -e); do
    if [[ $name == GANTRY_* && -z ${!name} ]]; then
      unset "$name"
    fi
  done
}

# Check switch variables given as pairs (VARIABLE input-name ...): true
# stays, false is unset, anything else is a usage error titled $1.
check_switches() {
  local title=$1 name input
  shift
  while (($# >= 2)); do
    name=$1
    input=$2
    shift 2
    case ${!name:-false} in
      true) ;;
      false) unset "$name" ;;
      *) usage_error "$title" "invalid $input input \"${!name}\": expected true or false" ;;
    esac
  done
}
