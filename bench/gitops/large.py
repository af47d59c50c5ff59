#!/usr/bin/env python3
"""Time to update one file of a large repository.

    large.py --bare REPO.git --gantry BIN --workdir DIR [--reps 5] --out RESULT.json

DIR is where every clone goes (gantry's TMPDIR, the plain clone, a probe).

REPO.git is the repository gen_large.py made (apps/team-TT/svc-NNNN/...).
Interleaved, --reps times each, on the same file:// URL:

* git clone (full)          the reference: `git clone URL` (all history, full checkout)
* git clone --depth 1       the shallow reference (what gantry without --path clones)
* gantry --path             `gantry-gitops update --path apps/team-04/svc-0421` (minimal
                            clone: --depth 1 --filter=blob:none --sparse)
* gantry --full-clone       the same update with --full-clone (same --path)
* gantry (no --path)        the same update without --path: a shallow clone of
                            the whole tree, and every file of it read

Each gantry run sets a new tag (so each pushes a commit); a failed run is
recorded with its exact stderr, not retried.
"""

import argparse
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

TEAM, SVC = "team-04", "svc-0421"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--bare", required=True, type=Path)
    p.add_argument("--gantry", required=True)
    p.add_argument("--workdir", required=True, type=Path)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--out", required=True, type=Path)
    args = p.parse_args()
    url = f"file://{args.bare}"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GITHUB_", "RUNNER_", "GANTRY_"))}
    args.workdir.mkdir(parents=True, exist_ok=True)
    env["TMPDIR"] = str(args.workdir)
    image = f"ghcr.io/acme/{SVC}"
    path = f"apps/{TEAM}/{SVC}"

    def gantry(extra, tag):
        return [args.gantry, "update", "--repo", url, "--branch", "main",
                "--set", f"{image}={image}:{tag}", "--format", "json", *extra]

    variants = {
        "git clone (full)": lambda n: ["git", "clone", "--quiet", url, str(args.workdir / "plain-clone")],
        "git clone --depth 1": lambda n: ["git", "clone", "--quiet", "--depth", "1", url, str(args.workdir / "plain-clone")],
        "gantry --path (minimal)": lambda n: gantry(["--path", path], f"3.0.{n}"),
        "gantry --path --full-clone": lambda n: gantry(["--path", path, "--full-clone"], f"4.0.{n}"),
        "gantry, no --path (shallow)": lambda n: gantry([], f"5.0.{n}"),
    }
    times = {name: [] for name in variants}
    failures = {name: [] for name in variants}
    for n in range(args.reps):
        for name, make in variants.items():
            shutil.rmtree(args.workdir / "plain-clone", ignore_errors=True)
            cmd = make(n)
            start = time.monotonic()
            r = subprocess.run(cmd, env=env, capture_output=True, text=True)
            seconds = time.monotonic() - start
            ok = r.returncode == 0
            if ok and name.startswith("gantry"):
                try:
                    ok = json.loads(r.stdout).get("changed") is True
                except ValueError:
                    ok = False
            if ok:
                times[name].append(seconds)
            else:
                failures[name].append({
                    "command": " ".join(cmd), "code": r.returncode,
                    "stdout": r.stdout[-2000:], "stderr": r.stderr[-4000:],
                })
            print(f"  rep {n + 1} {name}: {seconds:.2f}s{'' if ok else ' FAILED'}", flush=True)
    shutil.rmtree(args.workdir / "plain-clone", ignore_errors=True)
    # What the minimal clone brings, measured with the same git options by hand.
    probe = args.workdir / "probe"
    shutil.rmtree(probe, ignore_errors=True)
    subprocess.run(["git", "clone", "--quiet", "--single-branch", "--no-tags", "--depth", "1",
                    "--filter=blob:none", "--sparse", url, str(probe)], check=True, env=env)
    subprocess.run(["git", "-C", str(probe), "sparse-checkout", "set", "--no-cone", f"/{path}"],
                   check=True, env=env)
    files = subprocess.run(["git", "-C", str(probe), "ls-files", "-t"], capture_output=True,
                           text=True, check=True).stdout.splitlines()
    checked_out = sum(1 for f in files if f.startswith("H "))
    git_bytes = sum(f.stat().st_size for f in (probe / ".git").rglob("*") if f.is_file())
    shutil.rmtree(probe, ignore_errors=True)
    args.out.write_text(json.dumps({
        "times": times, "failures": failures,
        "minimal_probe": {"files_in_index": len(files), "checked_out": checked_out, "git_dir_bytes": git_bytes},
    }, indent=1))


if __name__ == "__main__":
    main()
