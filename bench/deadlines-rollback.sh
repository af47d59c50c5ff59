#!/usr/bin/env bash
# The slowest exit of gantry-rollback, with default settings, against a
# server that accepts connections and never answers: the Kubernetes API
# server (status, undo, set-image, shift and run), the Cloud Run Admin API
# (run with a cloud-run section) and the metadata server Cloud Run tokens
# come from when no token is given. Issue 12's target: under 60 s each.
# Prints one line per case with the exit code and the wall time.
#
# Usage: bench/deadlines-rollback.sh  (GANTRY_ROLLBACK=path/to/gantry-rollback
# to measure another build; default target/debug, built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${GANTRY_ROLLBACK:-target/debug/gantry-rollback}
if [[ ! -x $bin ]]; then
  cargo build --quiet -p gantry-rollback
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

work=$(mktemp -d)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

# A server that accepts and never answers.
python3 - "$work/silent.port" <<'EOF' &
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(128)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
held = []
while True:
    held.append(s.accept()[0])
EOF
pids+=($!)
for _ in $(seq 50); do
  [[ -s $work/silent.port ]] && break
  sleep 0.1
done
silent="127.0.0.1:$(cat "$work/silent.port")"

cat >"$work/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- {name: c, cluster: {server: "http://$silent"}}
users:
- {name: u, user: {token: bench-token}}
contexts:
- {name: x, context: {cluster: c, user: u, namespace: prod}}
current-context: x
EOF
cat >"$work/kube.yaml" <<EOF
traffic:
  http-route: {name: web, stable: web-stable, canary: web-canary}
scale-down: [deployment/web-canary]
undo: [{workload: deployment/web-canary}]
EOF
cat >"$work/cloud-run.yaml" <<EOF
cloud-run: {service: projects/acme/locations/europe-west1/services/web}
EOF

# measure NAME ARGS...: run in the background, its exit code and wall time
# into $work/NAME.result.
measure() {
  local name=$1
  shift
  (
    cd "$work"
    start=$(date +%s.%N)
    code=0
    env -u GANTRY_TOKEN -u GITHUB_ACTIONS -u KUBECONFIG -u GOOGLE_OAUTH_ACCESS_TOKEN \
      -u GOOGLE_APPLICATION_CREDENTIALS "$@" >"$work/$name.out" 2>&1 || code=$?
    end=$(date +%s.%N)
    printf "%s %s\n" "$code" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" >"$work/$name.result"
  ) &
  pids+=($!)
}

k=(--kubeconfig kubeconfig)
measure kube-status "$bin" status deployment/web "${k[@]}"
measure kube-undo "$bin" undo deployment/web "${k[@]}"
measure kube-set-image "$bin" set-image deployment/web app=ghcr.io/acme/web:1.2.3 "${k[@]}"
measure kube-shift "$bin" shift --target kube.yaml --weight 25 "${k[@]}"
measure kube-run "$bin" run --target kube.yaml "${k[@]}"
measure cloud-run-api env GOOGLE_OAUTH_ACCESS_TOKEN=ya29.bench GANTRY_CLOUD_RUN_API_URL="http://$silent" \
  "$bin" run --target cloud-run.yaml
measure cloud-run-metadata env CLOUDSDK_CONFIG="$work/no-gcloud" GCE_METADATA_HOST="$silent" \
  "$bin" run --target cloud-run.yaml

names=(kube-status kube-undo kube-set-image kube-shift kube-run cloud-run-api cloud-run-metadata)
for name in "${names[@]}"; do
  while [[ ! -s $work/$name.result ]]; do
    sleep 0.2
  done
done

printf "%-20s %-5s %s\n" case exit seconds
worst=0
for name in "${names[@]}"; do
  read -r code secs <"$work/$name.result"
  printf "%-20s %-5s %.1f\n" "$name" "$code" "$secs"
  worst=$(awk -v a="$worst" -v b="$secs" 'BEGIN { print (b > a) ? b : a }')
  if [[ ${VERBOSE:-} == 1 ]]; then
    sed 's/^/    /' "$work/$name.out"
  fi
done
printf "%-20s %-5s %.1f\n" slowest "" "$worst"
