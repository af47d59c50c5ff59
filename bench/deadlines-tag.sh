#!/usr/bin/env bash
# Issue 12's figure for gantry-tag: with default settings, how long the
# slowest exit takes against a server that accepts and never answers, per
# service it calls (a registry, the Docker Engine, the GitHub API). Each
# run must end with exit code 3 naming the service, within 60 s.
#
# The never-answering servers are python3 (a TCP listener and a unix socket
# that accept, read and never write). Not part of `make test` (it takes
# about two minutes). Knobs: GANTRY_TAG (a gantry-tag binary to use instead
# of building the debug one).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -n ${GANTRY_TAG:-} ]]; then
  bin=$GANTRY_TAG
else
  cargo build --quiet -p gantry-tag
  bin=target/debug/gantry-tag
fi
work=$(mktemp -d)
pids=()
# shellcheck disable=SC2317 # called by the trap
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

# hang_server ADDRESS_FILE [SOCKET_PATH]: a server that never answers; its
# address (127.0.0.1:PORT, or the socket path) is written to ADDRESS_FILE.
hang_server() {
  python3 - "$@" <<'PY' &
import os, socket, sys, threading
out = sys.argv[1]
if len(sys.argv) > 2:
    server = socket.socket(socket.AF_UNIX)
    server.bind(sys.argv[2])
    address = sys.argv[2]
else:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    address = "127.0.0.1:%d" % server.getsockname()[1]
server.listen(64)
held = []
def drain(conn):
    while conn.recv(65536):
        pass
with open(out + ".tmp", "w") as f:
    f.write(address)
os.rename(out + ".tmp", out)
while True:
    conn, _ = server.accept()
    held.append(conn)
    threading.Thread(target=drain, args=(conn,), daemon=True).start()
PY
  pids+=($!)
  local _
  for _ in $(seq 100); do
    [[ -s $1 ]] && return 0
    sleep 0.1
  done
  echo "the hanging server did not start" >&2
  exit 1
}

hang_server "$work/tcp"
hang=$(cat "$work/tcp")
hang_server "$work/unix" "$work/docker.sock"
printf '{"schedule":"0 3 * * *"}' >"$work/schedule.json"

# measure NAME WANT_TEXT CMD...: run CMD (no GANTRY_* of the caller), print
# the wall time, the exit code and the error line.
failed=0
measure() {
  local name=$1 want=$2
  shift 2
  local start end code=0 out
  start=$(date +%s.%N)
  out=$(env -u GANTRY_REGISTRY_TIMEOUT -u GANTRY_DOCKER_TIMEOUT -u GANTRY_GITHUB_TIMEOUT \
    -u GANTRY_REGISTRY_ATTEMPTS "$@" 2>&1 </dev/null) || code=$?
  end=$(date +%s.%N)
  local seconds
  seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  local line
  line=$(grep -m1 '^error:' <<<"$out" || true)
  printf '%-34s %6s s  exit %s  %s\n' "$name" "$seconds" "$code" "$line"
  if [[ $code != 3 || $out != *"$want"* ]] || awk -v s="$seconds" 'BEGIN { exit !(s >= 60) }'; then
    echo "  ^ expected exit 3 naming \"$want\" within 60 s" >&2
    failed=1
  fi
}

echo "gantry-tag against a server that never answers, default deadlines:"
measure "registry (resolve)" "cannot reach registry \`$hang\`" \
  "$bin" resolve "$hang/acme/api:1.0"
measure "registry (push --source)" "cannot reach registry \`$hang\`" \
  "$bin" push --source "$hang/acme/api:1.0" --targets 1.1
measure "Docker Engine (push --local)" "cannot reach the Docker Engine" \
  env DOCKER_HOST="unix://$work/docker.sock" \
  "$bin" push --local acme/api:dev --targets "127.0.0.1:1/acme/api:1.0"
measure "GitHub API (compute, schedule)" "cannot reach the GitHub API" \
  env GITHUB_EVENT_NAME=schedule GITHUB_REF=refs/heads/main \
  GITHUB_SHA=860c1904a1ce19322e91ac35af1ab07466440c37 GITHUB_REPOSITORY=acme/api \
  GITHUB_EVENT_PATH="$work/schedule.json" GITHUB_TOKEN=bench-token \
  GITHUB_API_URL="http://$hang" \
  "$bin" compute --context github --images ghcr.io/acme/api --tags type=edge
exit $failed
