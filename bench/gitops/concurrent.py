#!/usr/bin/env python3
"""N concurrent updaters against one bare repository, started at once.

    concurrent.py --tool TOOL [--tool TOOL]... --base DIR [--writers 20] [--rounds 3]
                  [--gantry BIN] [--naive naive.sh] [--workdir DIR] --out RESULT.json

Rounds interleave the tools (round 1 of each, then round 2, ...). TOOL is
`gantry` (gantry-gitops update --path apps/svc-NN), `gantry-serial` (the
same updates one after another: the uncontended reference), or a mode of
the naive script: `naive` (plain), `naive-retry`, `naive-force`.

Each round makes a fresh bare repository (file:// URL,
core.logAllRefUpdates=always, uploadpack.allowFilter=true as GitHub has)
with apps/svc-NN/deploy.yaml at ghcr.io/acme/svc-NN:1.0.0, starts one
process per service (writer i sets svc-i to 2.0.0), times each process from
its own spawn to its exit, then checks the final tip:

* landed / lost: files at the tip (`git show main:PATH`) that do / do not
  hold 2.0.0;
* silently dropped: writers that exited 0 but whose change is not at the tip;
* merges on main (`git rev-list --merges`), reflog entries of
  refs/heads/main that are not fast-forwards (`git merge-base --is-ancestor`).
"""

import argparse
import json
import os
import resource
import subprocess
import threading
import time
from pathlib import Path


def deploy(image: str) -> str:
    return (
        "# deployed by CI\napiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n"
        "    spec:\n      containers:\n      - name: app\n"
        f"        image: {image} # keep this comment\n"
    )


def git(cwd, *args, check=True):
    return subprocess.run(
        ["git", *args], cwd=cwd, check=check, capture_output=True, text=True
    )


def make_repo(root: Path, writers: int) -> Path:
    seed = root / "seed"
    bare = root / "deploy.git"
    git(root, "init", "--quiet", "-b", "main", str(seed))
    for i in range(writers):
        f = seed / f"apps/svc-{i:02d}/deploy.yaml"
        f.parent.mkdir(parents=True)
        f.write_text(deploy(f"ghcr.io/acme/svc-{i:02d}:1.0.0"))
    (seed / "README.md").write_text("# deploy\n")
    git(seed, "add", "--all")
    git(seed, "commit", "--quiet", "-m", "initial")
    git(root, "clone", "--quiet", "--bare", str(seed), str(bare))
    for k, v in (
        ("core.logAllRefUpdates", "always"),
        ("uploadpack.allowFilter", "true"),
        ("uploadpack.allowAnySHA1InWant", "true"),
    ):
        git(bare, "config", k, v)
    # The reflog starts with the first push: one entry (old new) per update.
    return bare


def command(tool: str, args, url: str, i: int):
    svc = f"svc-{i:02d}"
    image = f"ghcr.io/acme/{svc}"
    if tool in ("gantry", "gantry-serial"):
        return [
            args.gantry, "update", "--repo", url, "--branch", "main",
            "--path", f"apps/{svc}", "--set", f"{image}={image}:2.0.0",
            "--format", "json",
        ]
    mode = {"naive": "plain", "naive-retry": "retry", "naive-force": "force"}[tool]
    return ["bash", args.naive, mode, url, f"apps/{svc}/deploy.yaml", image, "2.0.0"]


def failure_kind(stderr: str) -> str:
    """Why a writer failed, in git's words."""
    if "cannot lock ref" in stderr or "failed to update ref" in stderr:
        return "lost the ref race (remote rejected: cannot lock ref)"
    if "fetch first" in stderr or "non-fast-forward" in stderr or "[rejected]" in stderr:
        return "rejected (fetch first / non-fast-forward)"
    if "could not apply" in stderr or "CONFLICT" in stderr:
        return "rebase failed"
    lines = [l for l in stderr.strip().splitlines() if l.strip()]
    return "other: " + (lines[-1][:120] if lines else "no message")


def run_round(tool: str, args, root: Path) -> dict:
    bare = make_repo(root, args.writers)
    url = f"file://{bare}"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GITHUB_", "RUNNER_", "GANTRY_"))}
    # Clones (gantry's temporary directories, the naive scripts') go here.
    work = args.workdir / root.name
    work.mkdir(parents=True, exist_ok=True)
    env["TMPDIR"] = str(work)
    results = [None] * args.writers
    go = threading.Barrier(args.writers + 1)

    serial = tool == "gantry-serial"
    lock = threading.Lock()

    def one(i):
        cmd = command(tool, args, url, i)
        go.wait()
        if serial:
            lock.acquire()
        start = time.monotonic()
        p = subprocess.run(cmd, env=env, capture_output=True, text=True)
        results[i] = {
            "i": i, "code": p.returncode, "seconds": time.monotonic() - start,
            "start": start, "end": time.monotonic(),
            "stdout": p.stdout, "stderr": p.stderr,
        }
        if serial:
            lock.release()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(args.writers)]
    for t in threads:
        t.start()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    go.wait()
    for t in threads:
        t.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    total = max(r["end"] for r in results) - min(r["start"] for r in results)

    landed = []
    for i in range(args.writers):
        text = git(bare, "show", f"main:apps/svc-{i:02d}/deploy.yaml").stdout
        landed.append(f"ghcr.io/acme/svc-{i:02d}:2.0.0 # keep this comment" in text)
    merges = int(git(bare, "rev-list", "--merges", "--count", "main").stdout)
    commits = int(git(bare, "rev-list", "--count", "main").stdout)
    forced, updates = 0, 0
    for line in (bare / "logs/refs/heads/main").read_text().splitlines():
        old, new = line.split(" ")[:2]
        if set(old) == {"0"}:
            continue
        updates += 1
        if git(bare, "merge-base", "--is-ancestor", old, new, check=False).returncode != 0:
            forced += 1
    attempts, done_by_another, changed = [], 0, 0
    errors, kinds = [], {}
    for r in results:
        if tool.startswith("gantry") and r["code"] == 0:
            try:
                j = json.loads(r["stdout"])
                attempts.append(j["attempts"])
                done_by_another += bool(j["done_by_another"])
                changed += bool(j["changed"])
            except (ValueError, KeyError) as e:
                errors.append(f"writer {r['i']}: bad JSON ({e}): {r['stdout'][:200]}")
        if r["code"] != 0:
            errors.append(f"writer {r['i']}: exit {r['code']}: {r['stderr'].strip()[-400:]}")
            kind = failure_kind(r["stderr"])
            kinds[kind] = kinds.get(kind, 0) + 1
    return {
        "writers": args.writers,
        "ok": sum(r["code"] == 0 for r in results),
        "failed": sum(r["code"] != 0 for r in results),
        "landed": sum(landed),
        "lost": args.writers - sum(landed),
        "dropped_silently": sum(1 for r, l in zip(results, landed) if r["code"] == 0 and not l),
        "merges": merges,
        "commits": commits,
        "ref_updates": updates,
        "non_ff_updates": forced,
        "times_ok": [r["seconds"] for r in results if r["code"] == 0],
        "times_all": [r["seconds"] for r in results],
        "total": total,
        "cpu_seconds": cpu,
        "failure_kinds": kinds,
        "attempts": attempts,
        "done_by_another": done_by_another,
        "changed": changed,
        "errors": errors,
    }


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--tool", required=True, action="append",
                   choices=("gantry", "gantry-serial", "naive", "naive-retry", "naive-force"),
                   help="repeatable; rounds interleave the tools")
    p.add_argument("--base", required=True, type=Path)
    p.add_argument("--writers", type=int, default=20)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--gantry")
    p.add_argument("--naive", default=str(Path(__file__).with_name("naive.sh")))
    p.add_argument("--workdir", type=Path, help="where clones go (TMPDIR of the updaters); default: --base")
    p.add_argument("--out", required=True, type=Path)
    args = p.parse_args()
    args.workdir = args.workdir or args.base
    if any(t.startswith("gantry") for t in args.tool) and not args.gantry:
        p.error("--gantry BIN is needed for --tool gantry")
    results = {tool: [] for tool in args.tool}
    for n in range(args.rounds):
        for tool in args.tool:
            root = args.base / f"{tool}-{n + 1}"
            subprocess.run(["rm", "-rf", str(root)], check=True)
            root.mkdir(parents=True)
            r = run_round(tool, args, root)
            results[tool].append(r)
            print(
                f"  round {n + 1} {tool}: {r['ok']}/{r['writers']} exited 0, "
                f"{r['landed']} landed, {r['lost']} lost, {r['dropped_silently']} dropped silently, "
                f"{r['merges']} merges, {r['non_ff_updates']}/{r['ref_updates']} non-fast-forward "
                f"ref updates, total {r['total']:.2f}s",
                flush=True,
            )
            for kind, count in sorted(r["failure_kinds"].items()):
                print(f"    {count} failed: {kind}", flush=True)
            if tool.startswith("gantry"):
                for e in r["errors"]:
                    print(f"    {e}", flush=True)
    args.out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
