#!/usr/bin/env bash
# `make demo`: build gantry, install it the way the setup action does, and
# run what exists today end to end, printing each step. Needs only the Rust
# toolchain. Later releases extend this script as the actions fill in.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
  step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
else
  step() { printf '\n==> %s\n' "$*"; }
fi
show() { printf '$ %s\n' "$*"; "$@"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step "1. Build the five gantry binaries"
cargo build --workspace --bins --locked --quiet
ls -1 target/debug/gantry-{tag,patch,gitops,canary,rollback}

step "2. Install them as the setup action (action.yml) does, from a directory"
mkdir -p "$work/tool-cache" "$work/runner-temp"
: >"$work/github-path"
: >"$work/install-output"
env GITHUB_ACTION_PATH="$root" RUNNER_TOOL_CACHE="$work/tool-cache" RUNNER_TEMP="$work/runner-temp" \
  GITHUB_PATH="$work/github-path" GITHUB_OUTPUT="$work/install-output" \
  INPUT_SOURCE=path INPUT_PATH="$root/target/debug" INPUT_VERSION= \
  bash install/install.sh
bin_dir=$(head -n1 "$work/github-path")
echo "installed into: $bin_dir"
export PATH="$bin_dir:$PATH"
show gantry-tag --version

step "3. Inspect image references (the user's spelling in, normalised parts out)"
show gantry-tag inspect nginx
show gantry-tag inspect ghcr.io/acme/api:1.2.3 --format json
show gantry-tag inspect "localhost:5000/team/worker:v2@sha256:$(printf 'ab%.0s' {1..32})" --format json

step "4. The same step under GitHub Actions: outputs and step summary"
: >"$work/github-output"
: >"$work/step-summary"
env GITHUB_ACTIONS=true GITHUB_OUTPUT="$work/github-output" GITHUB_STEP_SUMMARY="$work/step-summary" \
  GANTRY_REF=ghcr.io/acme/api:1.2.3 gantry-tag inspect >/dev/null
echo "--- \$GITHUB_OUTPUT (heredoc values, random delimiter) ---"
cat "$work/github-output"
echo "--- \$GITHUB_STEP_SUMMARY ---"
cat "$work/step-summary"

step "5. Bad input: exit code 2 and one message naming the input"
set +e
gantry-tag inspect 'ghcr.io/Acme/api:1.2.3'
echo "exit code: $?"
echo "under GitHub Actions the same error is also an annotation:"
GITHUB_ACTIONS=true gantry-tag inspect 'app:-bad' --color never 2>&1
echo "exit code: $?"
set -e

step "6. Compute tags with docker/metadata-action's rules"
show gantry-tag compute --context flags --event push --git-ref refs/tags/v1.4.2 \
  --sha 860c1904a1ce19322e91ac35af1ab07466440c37 \
  --images "ghcr.io/acme/api" \
  --tags "type=semver,pattern={{version}}
type=semver,pattern={{major}}.{{minor}}
type=sha"
echo "the same rules on this checkout (--context git):"
gantry-tag compute --context git --images ghcr.io/acme/api --tags "type=ref,event=branch
type=sha" || true

step "7. Tag an image in a registry without pulling it"
pushed=0
if command -v docker-registry >/dev/null && docker info >/dev/null 2>&1; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  cat >"$work/registry.yml" <<YAML
version: 0.1
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$port
YAML
  docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
  registry_pid=$!
  trap 'kill "$registry_pid" 2>/dev/null; rm -rf "$work"' EXIT
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break; sleep 0.1; done
  echo "a CNCF distribution registry is listening on 127.0.0.1:$port"
  mkdir -p "$work/image"
  date >"$work/image/hello"
  printf 'FROM scratch\nCOPY hello /hello\n' >"$work/image/Dockerfile"
  DOCKER_BUILDKIT=0 docker build -q -t gantry-demo:build "$work/image" >/dev/null 2>&1
  repo="127.0.0.1:$port/acme/demo"
  show gantry-tag push --local gantry-demo:build --targets "$repo:build-1"
  show gantry-tag push --source "$repo:build-1" --images "$repo" --context flags --event push \
    --git-ref refs/tags/v1.4.2 --sha 860c1904a1ce19322e91ac35af1ab07466440c37 \
    --tags "type=semver,pattern={{version}}
type=semver,pattern={{major}}.{{minor}}"
  echo "run it again: nothing is written"
  show gantry-tag push --source "$repo:build-1" --targets "1.4.2
1.4
latest"
  show gantry-tag resolve "$repo:1.4"
  docker image rm -f gantry-demo:build "$repo:build-1" >/dev/null 2>&1 || true
  pushed=1
else
  echo "skipped: needs Debian's docker-registry and a Docker daemon (make rig installs the registry)"
fi

step "8. Still to come (later releases): patch, gitops, canary, rollback"
for cmd in "gantry-patch" "gantry-gitops update" "gantry-canary" "gantry-rollback undo"; do
  # shellcheck disable=SC2086 # split the command into binary and subcommand
  $cmd 2>&1 | sed 's/^/  /' || true
done

if [ "$pushed" = 1 ]; then
  step "Done: built 5 binaries, installed them through install/install.sh, inspected 3 references, wrote Actions outputs and a summary, rejected 2 bad references with exit code 2, computed tags, pushed a local image and retagged it in a real registry without pulling."
else
  step "Done: built 5 binaries, installed them through install/install.sh, inspected 3 references, wrote Actions outputs and a summary, rejected 2 bad references with exit code 2, computed tags (registry steps skipped)."
fi
