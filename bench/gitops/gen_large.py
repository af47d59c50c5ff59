#!/usr/bin/env python3
"""Write a `git fast-import` stream for a large GitOps repository.

    gen_large.py [--teams 50] [--services 100] [--commits 5000] [--touch 3] [--seed 5] | git fast-import

The tree is apps/team-TT/svc-NNNN/<10 files> (teams x services x 10 files;
50 x 100 x 10 = 50,000 files by default), nested so that no tree object is
large. The first commit adds every file; each later commit changes --touch
files of random services (an image tag bump in deploy.yaml, a value in
configmap.yaml or a replica count in hpa.yaml), as deploy repositories see.
Every service's deploy.yaml holds `image: ghcr.io/acme/svc-NNNN:<tag>`.

Deterministic for a given --seed. Branch: refs/heads/main.
"""

import argparse
import random
import sys

FILES = (
    "deploy.yaml",
    "service.yaml",
    "configmap.yaml",
    "hpa.yaml",
    "pdb.yaml",
    "serviceaccount.yaml",
    "networkpolicy.yaml",
    "kustomization.yaml",
    "values.yaml",
    "README.md",
)


def content(svc: str, team: str, name: str, version: int) -> str:
    """The text of one file; `version` varies what commits change."""
    if name == "deploy.yaml":
        return (
            f"# {team}/{svc}: managed by CI\n"
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
            f"  name: {svc}\n  namespace: {team}\n  labels:\n    app: {svc}\n    team: {team}\n"
            "spec:\n  replicas: 2\n  selector:\n    matchLabels:\n"
            f"      app: {svc}\n  template:\n    metadata:\n      labels:\n        app: {svc}\n"
            "    spec:\n      serviceAccountName: " + svc + "\n      containers:\n"
            f"      - name: app\n        image: ghcr.io/acme/{svc}:1.{version // 100}.{version % 100} # pinned by CI\n"
            "        ports:\n        - containerPort: 8080\n        resources:\n"
            "          requests: {cpu: 100m, memory: 128Mi}\n          limits: {memory: 256Mi}\n"
        )
    if name == "service.yaml":
        return (
            f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {svc}\n  namespace: {team}\n"
            f"spec:\n  selector:\n    app: {svc}\n  ports:\n  - port: 80\n    targetPort: 8080\n"
        )
    if name == "configmap.yaml":
        return (
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {svc}-config\n  namespace: {team}\n"
            f"data:\n  LOG_LEVEL: info\n  FEATURE_FLAGS: \"rev-{version}\"\n"
            f"  UPSTREAM: http://{svc}-upstream.{team}.svc.cluster.local\n"
        )
    if name == "hpa.yaml":
        return (
            f"apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: {svc}\n"
            f"spec:\n  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: {svc}}}\n"
            f"  minReplicas: 2\n  maxReplicas: {4 + version % 20}\n"
        )
    if name == "pdb.yaml":
        return (
            f"apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: {svc}\n"
            f"spec:\n  minAvailable: 1\n  selector:\n    matchLabels:\n      app: {svc}\n"
        )
    if name == "serviceaccount.yaml":
        return f"apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {svc}\n  namespace: {team}\n"
    if name == "networkpolicy.yaml":
        return (
            f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {svc}\n"
            f"spec:\n  podSelector:\n    matchLabels:\n      app: {svc}\n  ingress:\n"
            f"  - from:\n    - namespaceSelector:\n        matchLabels:\n          team: {team}\n"
        )
    if name == "kustomization.yaml":
        return (
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
            f"namespace: {team}\nresources:\n"
            + "".join(f"- {f}\n" for f in FILES if f.endswith(".yaml") and f not in ("kustomization.yaml", "values.yaml"))
        )
    if name == "values.yaml":
        return f"# Helm values for {svc}\nreplicaCount: 2\ningress:\n  enabled: true\n  host: {svc}.{team}.example.com\n"
    return f"# {svc}\n\nOwned by {team}. Deployed from this repository by CI.\n"


def data(out, text: str) -> None:
    raw = text.encode()
    out.write(b"data %d\n" % len(raw))
    out.write(raw)
    out.write(b"\n")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--teams", type=int, default=50)
    p.add_argument("--services", type=int, default=100, help="services per team")
    p.add_argument("--commits", type=int, default=5000)
    p.add_argument("--touch", type=int, default=3, help="files changed per later commit")
    p.add_argument("--seed", type=int, default=5)
    args = p.parse_args()
    rng = random.Random(args.seed)
    out = sys.stdout.buffer
    services = []
    for t in range(args.teams):
        team = f"team-{t:02d}"
        for s in range(args.services):
            services.append((team, f"svc-{t * args.services + s:04d}"))
    version = {}
    when = 1_600_000_000

    def commit(message: str) -> None:
        nonlocal when
        when += 600
        out.write(b"commit refs/heads/main\n")
        out.write(b"committer CI Bot <ci@example.com> %d +0000\n" % when)
        data(out, message)

    commit("initial import\n")
    for team, svc in services:
        for name in FILES:
            out.write(f"M 100644 inline apps/{team}/{svc}/{name}\n".encode())
            data(out, content(svc, team, name, 0))
    for n in range(1, args.commits):
        picks = rng.sample(services, args.touch)
        commit(f"deploy: batch {n}\n")
        for team, svc in picks:
            name = rng.choice(("deploy.yaml", "deploy.yaml", "configmap.yaml", "hpa.yaml"))
            key = (svc, name)
            version[key] = version.get(key, 0) + 1
            out.write(f"M 100644 inline apps/{team}/{svc}/{name}\n".encode())
            data(out, content(svc, team, name, version[key]))
    out.write(b"done\n")
    out.flush()


if __name__ == "__main__":
    main()
