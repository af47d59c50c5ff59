#!/usr/bin/env bash
# `make demo`: build gantry, install it the way the setup action does, and
# run each binary end to end, printing each step. Needs only the Rust
# toolchain (and git; python3 for the canary's local web server).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
  step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
else
  step() { printf '\n==> %s\n' "$*"; }
fi
show() { printf '$ %s\n' "$*"; "$@"; }

# shellcheck source=scripts/toolchain.sh
source scripts/toolchain.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step "0. Install what the demo runs for real (a registry, git, act), as make test does"
bash tests/rig/install.sh
export PATH="$root/.rig/venv/bin:$PATH"

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
  port_registry=$port
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

step "8. Patch image references in manifests, changing only the value's bytes"
mkdir -p "$work/deploy/apps/web"
cat >"$work/deploy/apps/web/deployment.yaml" <<'YAML'
# the web front end
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: app
          image: "ghcr.io/acme/web:1.0"   # bumped by CI
YAML
cat >"$work/deploy/apps/web/kustomization.yaml" <<'YAML'
resources: [deployment.yaml]
images:
  - name: ghcr.io/acme/web
    newTag: "1.0"
YAML
show gantry-patch list "$work/deploy"
show gantry-patch "$work/deploy" --set ghcr.io/acme/web=ghcr.io/acme/web:1.1 --dry-run
show gantry-patch "$work/deploy" --set ghcr.io/acme/web=ghcr.io/acme/web:1.1
echo "run it again: nothing to change"
show gantry-patch "$work/deploy" --set ghcr.io/acme/web=ghcr.io/acme/web:1.1

step "9. Commit the update to a GitOps repository (a local bare one here), then revert it"
git init -q --bare --initial-branch=main "$work/deploy.git"
git -C "$work/deploy" init -q --initial-branch=main
git -C "$work/deploy" -c user.name=demo -c user.email=demo@example.com add -A
git -C "$work/deploy" -c user.name=demo -c user.email=demo@example.com commit -qm "web 1.1"
git -C "$work/deploy" push -q "$work/deploy.git" main
repo="file://$work/deploy.git"
show gantry-gitops update --repo "$repo" --branch main --set ghcr.io/acme/web=ghcr.io/acme/web:2.0
show git --git-dir "$work/deploy.git" log -1 --format=%B
show gantry-gitops revert --repo "$repo" --branch main --image ghcr.io/acme/web --reason "demo: 2.0 is bad"

step "10. Watch a canary: probes every interval, traffic in steps, then decide"
served=0
if command -v python3 >/dev/null; then
  mkdir -p "$work/site"
  echo '{"version": "2.0"}' >"$work/site/version"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  (cd "$work/site" && exec python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
  site_pid=$!
  trap 'kill "$site_pid" "${registry_pid:-}" 2>/dev/null; rm -rf "$work"' EXIT
  for _ in $(seq 50); do python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/version')" 2>/dev/null && break; sleep 0.1; done
  echo "a canary answers on 127.0.0.1:$port; the traffic shifter is a shell command that logs each weight"
  # Single quotes on purpose: gantry-canary sets the variable for the command.
  # shellcheck disable=SC2016
  shift_cmd='echo "    canary now gets $GANTRY_CANARY_WEIGHT% of the traffic"' 
  show gantry-canary --probe "http://127.0.0.1:$port/version" --expect-json /version=2.0 \
    --interval 200ms --count 2 --steps 25,50,100 \
    --on-step "$shift_cmd" \
    --on-promote 'echo "    promoted"'
  echo "the same canary answering the wrong version rolls back (exit 1):"
  echo '{"version": "1.9"}' >"$work/site/version"
  set +e
  gantry-canary --probe "http://127.0.0.1:$port/version" --expect-json /version=2.0 \
    --interval 200ms --count 2 --failure-limit 2 --steps 25,50,100 \
    --on-step "$shift_cmd"
  echo "exit code: $?"
  set -e
  served=1
else
  echo "skipped: needs python3 for a local web server"
fi

step "11. Roll back in one command (here the GitOps side; the target can add Kubernetes traffic, undo and Cloud Run)"
gantry-gitops update --repo "$repo" --branch main --set ghcr.io/acme/web=ghcr.io/acme/web:3.0 >/dev/null
cat >"$work/rollback.yaml" <<YAML
gitops: {repo: '$repo', branch: main, image: ghcr.io/acme/web}
YAML
show gantry-rollback run --target "$work/rollback.yaml" --reason "demo: the canary failed"
echo "run it again: already there"
show gantry-rollback run --target "$work/rollback.yaml"
show git --git-dir "$work/deploy.git" log --format='%h %s' -4

step "12. A whole pipeline under act: examples/argocd-services on a push to main"
ran_example=0
if [ "$pushed" = 1 ] && command -v act >/dev/null; then
  # The GitOps repository the example deploys to: Helm values per environment.
  gitops="$work/gitops"
  mkdir -p "$gitops/.gantry" "$gitops/envs"/{dev,staging,production}
  printf 'environments:\n  dev: {branch: main, paths: [envs/dev]}\n  staging: {branch: main, paths: [envs/staging]}\n  production: {branch: main, paths: [envs/production]}\n' >"$gitops/.gantry/environments.yaml"
  for env in dev staging production; do
    for service in cart catalog; do
      printf 'image:\n  repository: 127.0.0.1:%s/acme/%s\n  tag: sha-0000000 # set by CI\n' "$port_registry" "$service" >"$gitops/envs/$env/$service.yaml"
    done
  done
  git -C "$gitops" init -q -b main
  git -C "$gitops" add -A
  git -C "$gitops" -c user.name=demo -c user.email=demo@example.com commit -q -m "the GitOps repository"
  git clone -q --bare "$gitops" "$work/gitops.git"
  example="$work/example"
  cargo build -q -p gantry-test-support --bin act-example
  mapfile -t stand_ins < <(target/debug/act-example argocd-services "$root/target/debug" "$example" \
    "ghcr.io/acme=127.0.0.1:$port_registry/acme" "https://github.com/acme/gitops.git=file://$work/gitops.git")
  git -C "$example" init -q -b main
  git -C "$example" add -A
  git -C "$example" -c user.name=demo -c user.email=demo@example.com commit -q -m "the team's repository"
  mkdir -p "$work/act-home"
  echo "-P ubuntu-latest=-self-hosted" >"$work/act-home/.actrc"
  echo "the example's ci.yml: find the services, test and build each, push their images, deploy them all to dev"
  act_status=0
  (cd "$example" && HOME="$work/act-home" act push -W .github/workflows/ci.yml \
    -P ubuntu-latest=-self-hosted --no-cache-server --action-offline-mode --pull=false \
    "${stand_ins[@]}" </dev/null >"$work/act.log" 2>&1) || act_status=$?
  # The jobs and their results; the whole log is kept on failure.
  grep -E '🏁|deploy\(dev\)' "$work/act.log" || true
  if [ "$act_status" != 0 ]; then
    tail -n 60 "$work/act.log"
    echo "act failed (exit $act_status)" >&2
    exit 1
  fi
  show git --git-dir "$work/gitops.git" log --format='%h %s' -3
  show git --git-dir "$work/gitops.git" show main:envs/dev/cart.yaml
  ran_example=1
else
  echo "skipped: needs the registry of step 7 and act (tests/rig/install.sh)"
fi

registry_note="pushed a local image and retagged it in a real registry without pulling"
[ "$pushed" = 1 ] || registry_note="registry steps skipped"
canary_note="watched a canary through traffic steps (promote, then rollback)"
[ "$served" = 1 ] || canary_note="canary step skipped"
example_note="ran pipeline 5 under act through the reusable workflows"
[ "$ran_example" = 1 ] || example_note="example pipeline skipped"
step "Done: built 5 binaries, installed them through install/install.sh, inspected references, wrote Actions outputs and a summary, rejected bad input with exit code 2, computed tags ($registry_note), patched manifests, committed and reverted through GitOps, $canary_note, rolled back in one idempotent command, and $example_note."
