#!/usr/bin/env bash
# The slowest exits of gantry-gitops and gantry-patch with default settings
# against servers that accept and never answer (issue 12): an HTTP git
# remote, a git:// remote, an ssh remote, the GitHub API in --mode api and
# --mode pr, and the reads and writes of every operation. Each run must end
# with exit 3 naming what it waited on, in under 60 s. gantry-patch makes no
# network call; its figure is a FIFO given as a manifest, which used to
# block forever.
#
# Prints one line per scenario: seconds, exit code, the error line.
# Environment: GANTRY_BIN_DIR (built binaries; default target/debug, built
# if missing). Exits 1 when a run takes 60 s or more, or does not exit 3 (2
# for the FIFO).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${GANTRY_BIN_DIR:-$PWD/target/debug}
if [ ! -x "$bin/gantry-gitops" ] || [ ! -x "$bin/gantry-patch" ]; then
  cargo build -q -p gantry-gitops -p gantry-patch
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A server that accepts every connection and never answers.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 - "$port" <<'EOF' &
import socket, sys
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen(64)
held = []
while True:
    connection, _ = server.accept()
    held.append(connection)
EOF
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 50); do
  if python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null; then break; fi
  sleep 0.1
done
hang=127.0.0.1:$port

# A bare repository on disk, for pr mode (it clones, then asks GitHub).
git init -q -b main "$tmp/work"
mkdir -p "$tmp/work/envs/staging"
printf 'kind: Pod\nspec:\n  containers:\n  - name: api\n    image: ghcr.io/acme/api:1.0.0\n' >"$tmp/work/envs/staging/api.yaml"
git -C "$tmp/work" add -A
git -C "$tmp/work" -c user.name=bench -c user.email=bench@example.invalid commit -q -m init
git clone -q --bare "$tmp/work" "$tmp/deploy.git"
mkfifo "$tmp/pipe.yaml"

# scenario NAME EXPECTED-EXIT BINARY ARGS…: run with a clean GANTRY_*
# environment (defaults only) and a decoy token, in the background.
runs=()
scenario() {
  local name=$1 want=$2 binary=$3
  shift 3
  (
    start=$(date +%s.%N)
    set +e
    env -u GANTRY_GIT_TIMEOUT -u GANTRY_GITHUB_TIMEOUT GANTRY_TOKEN=bench-token-0000 \
      "$bin/$binary" "$@" >/dev/null 2>"$tmp/$name.err"
    code=$?
    set -e
    end=$(date +%s.%N)
    line=$(grep -m1 '^error:' "$tmp/$name.err" || true)
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$(awk "BEGIN { print $end - $start }")" "$code" "$want" "$line" >"$tmp/$name.result"
  ) &
  runs+=("$!")
}

set_api=(--set ghcr.io/acme/api:2.0.0)
scenario git-http-update 3 gantry-gitops update --repo "http://$hang/acme/deploy.git" "${set_api[@]}"
scenario git-http-env 3 gantry-gitops update --repo "http://$hang/acme/deploy.git" --env staging "${set_api[@]}"
scenario git-http-promote 3 gantry-gitops promote --repo "http://$hang/acme/deploy.git" --from staging --to production
scenario git-http-revert 3 gantry-gitops revert --repo "http://$hang/acme/deploy.git" --image ghcr.io/acme/api
scenario git-protocol 3 gantry-gitops update --repo "git://$hang/acme/deploy.git" "${set_api[@]}"
if command -v ssh >/dev/null; then
  scenario git-ssh 3 gantry-gitops update --repo "ssh://git@$hang/acme/deploy.git" "${set_api[@]}"
fi
scenario github-api-mode 3 gantry-gitops update --repo https://github.com/acme/deploy.git --mode api \
  --github-api-url "http://$hang" "${set_api[@]}"
scenario github-api-env 3 gantry-gitops update --repo https://github.com/acme/deploy.git --mode api \
  --github-api-url "http://$hang" --env staging "${set_api[@]}"
scenario github-pr-mode 3 gantry-gitops update --repo "file://$tmp/deploy.git" --mode pr \
  --github-repository acme/deploy --github-api-url "http://$hang" "${set_api[@]}"
scenario patch-fifo 2 gantry-patch --set ghcr.io/acme/api:2.0.0 "$tmp/pipe.yaml"
# Not a bare `wait`: that would wait for the server too.
wait "${runs[@]}"

status=0
slowest=0
printf '%-18s %8s  %4s  %s\n' scenario seconds exit message
for result in "$tmp"/*.result; do
  IFS=$'\t' read -r name secs code want line <"$result"
  printf '%-18s %8.1f  %4s  %s\n' "$name" "$secs" "$code" "${line:0:150}"
  if [ "$code" != "$want" ] || awk "BEGIN { exit !($secs >= 60) }"; then
    echo "  ^ FAILED: wanted exit $want in under 60 s" >&2
    status=1
  fi
  if awk "BEGIN { exit !($secs > $slowest) }"; then slowest=$secs; fi
done
printf 'slowest exit: %.1f s (target: under 60 s)\n' "$slowest"
exit "$status"
