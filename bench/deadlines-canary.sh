#!/usr/bin/env bash
# The slowest exit of gantry-canary, with default settings, against a server
# that accepts connections and never answers, for each outside service it
# calls: Prometheus, webhooks (a hook's, the step webhook, the abort
# webhook), GitHub (deployment statuses) and the Kubernetes API server.
# Issue 12's target: under 60 s each. Prints one line per service with the
# exit code and the wall time.
#
# The analysis itself is kept short where the service is not what decides
# (GitHub: --count 1 against a probe that answers at once), so the figure is
# the wait on the silent service; the abort webhook runs with every default,
# since there the wait is what ends the analysis.
#
# Usage: bench/deadlines-canary.sh  (GANTRY_CANARY=path/to/gantry-canary to
# measure another build; default target/debug, built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${GANTRY_CANARY:-target/debug/gantry-canary}
if [[ ! -x $bin ]]; then
  cargo build --quiet -p gantry-canary
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

# A server that accepts and never answers, and one that answers 200 at once
# (the canary's own endpoint, so that only the silent service is waited on).
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
python3 - "$work/ok.port" <<'EOF' &
import http.server, sys
class Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Ok)
open(sys.argv[1], "w").write(str(server.server_address[1]))
server.serve_forever()
EOF
pids+=($!)
for _ in $(seq 50); do
  [[ -s $work/silent.port && -s $work/ok.port ]] && break
  sleep 0.1
done
silent="127.0.0.1:$(cat "$work/silent.port")"
ok="http://127.0.0.1:$(cat "$work/ok.port")/health"

cat >"$work/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- {name: c, cluster: {server: "http://$silent"}}
users:
- {name: u, user: {token: bench-token}}
contexts:
- {name: x, context: {cluster: c, user: u}}
current-context: x
EOF
cat >"$work/hook.yaml" <<EOF
hooks:
  - name: gate
    phase: pre-analysis
    webhook: {url: "http://$silent/gate"}
EOF

# measure NAME ARGS...: run gantry-canary in the background, its exit code
# and wall time into $work/NAME.result.
measure() {
  local name=$1
  shift
  (
    cd "$work"
    start=$(date +%s.%N)
    code=0
    env -u GANTRY_TOKEN -u GITHUB_ACTIONS "$@" >"$work/$name.out" 2>&1 || code=$?
    end=$(date +%s.%N)
    printf "%s %s\n" "$code" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" >"$work/$name.result"
  ) &
  pids+=($!)
}

measure prometheus "$bin" --prometheus "http://$silent" --query up --max 1
measure webhook-hook "$bin" --probe "$ok" --spec hook.yaml
measure step-webhook "$bin" --probe "$ok" --steps 50 --step-webhook "http://$silent/shift"
measure abort-webhook "$bin" --probe "$ok" --abort-webhook "http://$silent/abort"
measure github-create env GANTRY_TOKEN=bench-token "$bin" --probe "$ok" --count 1 \
  --deployment-environment production --github-repository acme/web --deployment-ref abc123 \
  --github-api-url "http://$silent"
measure github-existing env GANTRY_TOKEN=bench-token "$bin" --probe "$ok" --count 1 \
  --deployment-id 42 --github-repository acme/web --github-api-url "http://$silent"
measure kubernetes "$bin" --workload deployment/web --kubeconfig kubeconfig

# Wait for the measurements only (the servers run until the end).
for name in prometheus webhook-hook step-webhook abort-webhook github-create github-existing kubernetes; do
  while [[ ! -s $work/$name.result ]]; do
    sleep 0.2
  done
done

printf '%-40s %5s %9s\n' "silent service (defaults)" exit seconds
for row in \
  "prometheus:Prometheus (at the start)" \
  "webhook-hook:webhook hook (pre-analysis)" \
  "step-webhook:step webhook (shift, then back)" \
  "abort-webhook:abort webhook (every interval)" \
  "github-create:GitHub (creating the deployment)" \
  "github-existing:GitHub (statuses of a deployment)" \
  "kubernetes:Kubernetes API server (--workload)"; do
  name=${row%%:*}
  read -r code secs <"$work/$name.result"
  printf '%-40s %5s %9.1f\n' "${row#*:}" "$code" "$secs"
done
