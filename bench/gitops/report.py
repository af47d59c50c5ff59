#!/usr/bin/env python3
"""Print the gitops bench table from the results concurrent.py and large.py wrote.

    report.py FACTS.json CONCURRENT.json [--large LARGE.json]

Exit status 1 when gantry missed an acceptance figure (an update lost, a
merge, a non-fast-forward ref update, a failed run, the minimal clone
failing on the large repository).
"""

import argparse
import json
import math
import statistics
import sys


def pct(xs, p):
    """Nearest-rank percentile."""
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def fmt(x):
    return "-" if x != x else f"{x:.2f}"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("facts")
    p.add_argument("concurrent")
    p.add_argument("--large")
    args = p.parse_args()
    facts = json.load(open(args.facts))
    bad = []

    print()
    print("==> gantry-gitops bench (issue 5)")
    for k, v in facts.items():
        print(f"    {k}: {v}")

    print()
    print("1-2. concurrent updaters, one bare repository (file://), all started at once")
    head = (f"{'tool':<13} {'rounds':>6} {'runs':>5} {'exit 0':>6} {'failed':>6} {'landed':>6} "
            f"{'lost':>5} {'dropped':>7} {'merges':>6} {'non-ff':>6} {'med s':>6} {'p95 s':>6} "
            f"{'total s':>16} {'cpu %':>6} {'attempts':>14}")
    print(head)
    print("-" * len(head))
    notes = []
    for tool, rounds in json.load(open(args.concurrent)).items():
        s = lambda k: sum(r[k] for r in rounds)
        times = [t for r in rounds for t in r["times_ok"]]
        totals = [r["total"] for r in rounds]
        cpu = statistics.median(r["cpu_seconds"] / (r["total"] * facts["nproc"]) * 100 for r in rounds)
        total = f"{statistics.median(totals):.2f} ({min(totals):.1f}-{max(totals):.1f})"
        attempts = [a for r in rounds for a in r["attempts"]]
        att = f"med {statistics.median(attempts):g} max {max(attempts)}" if attempts else "-"
        print(f"{tool:<13} {len(rounds):>6} {s('writers'):>5} {s('ok'):>6} {s('failed'):>6} "
              f"{s('landed'):>6} {s('lost'):>5} {s('dropped_silently'):>7} {s('merges'):>6} "
              f"{s('non_ff_updates'):>6} {fmt(statistics.median(times) if times else float('nan')):>6} "
              f"{fmt(pct(times, 95)):>6} {total:>16} {cpu:>6.0f} {att:>14}")
        kinds = {}
        for r in rounds:
            for k, n in r["failure_kinds"].items():
                kinds[k] = kinds.get(k, 0) + n
        for k, n in sorted(kinds.items()):
            notes.append(f"  {tool}: {n} failed: {k}")
        if tool.startswith("gantry"):
            if s("done_by_another"):
                notes.append(f"  {tool}: {s('done_by_another')} run(s) reported done_by_another")
            if s("lost") or s("merges") or s("non_ff_updates") or s("failed") or s("changed") != s("writers"):
                bad.append(f"{tool} lost an update, merged, forced or failed in the concurrent bench")
                for r in rounds:
                    notes.extend(f"  {tool} error: {e}" for e in r["errors"])
    print("""
    runs: updaters started (writers x rounds). exit 0 / failed: their exit status (failed: push
    rejected, nothing retried or the retries ran out). landed / lost: services whose file at the
    final tip (git show main:apps/svc-NN/deploy.yaml) has / lacks 2.0.0. dropped: exited 0 but
    the change is not at the tip (silently overwritten). merges: merge commits on main.
    non-ff: reflog entries of refs/heads/main whose old tip is not an ancestor of the new one
    (forced updates). med / p95: wall time of one update process, runs that exited 0, all
    rounds pooled (nearest-rank p95). total: first spawn to last exit, median of rounds (range).
    cpu %: CPU time of all processes / (total x nproc), median of rounds. attempts: gantry's
    push attempts per update (JSON `attempts`). gantry-serial: the same 20 updates one after
    another (no contention), for reference.""")
    if notes:
        print()
        print("\n".join(notes))

    if args.large:
        data = json.load(open(args.large))
        print()
        print(f"3. one file updated in a large repository ({facts.get('large repo', '?')})")
        head = f"{'variant':<30} {'reps':>4} {'median s':>9} {'min s':>7} {'max s':>7} {'failed':>6}"
        print(head)
        print("-" * len(head))
        for name, ts in data["times"].items():
            n_fail = len(data["failures"][name])
            print(f"{name:<30} {len(ts) + n_fail:>4} "
                  f"{fmt(statistics.median(ts) if ts else float('nan')):>9} "
                  f"{fmt(min(ts) if ts else float('nan')):>7} {fmt(max(ts) if ts else float('nan')):>7} {n_fail:>6}")
        t = data["times"]
        m = lambda k: statistics.median(t[k]) if t[k] else float("nan")
        mini, full = m("gantry --path (minimal)"), m("gantry --path --full-clone")
        if mini == mini and full == full:
            print(f"    gantry --path (minimal) is {full / mini:.1f}x faster than gantry --full-clone and "
                  f"{m('git clone (full)') / mini:.1f}x faster than a plain git clone (medians)")
        whole, shallow = m("gantry, no --path (shallow)"), m("git clone --depth 1")
        if whole == whole and shallow == shallow:
            print(f"    gantry without --path takes {whole - shallow:.2f}s more than the shallow clone "
                  "it makes: reading and planning every file of the tree")
        probe = data["minimal_probe"]
        print(f"    the minimal clone (same git options by hand): {probe['checked_out']} of "
              f"{probe['files_in_index']} files checked out, .git {probe['git_dir_bytes'] / 1e6:.1f} MB")
        for name, fails in data["failures"].items():
            for f in fails:
                print(f"    FAILED {name}: exit {f['code']}: {f['command']}\n{f['stderr']}")
                if name.startswith("gantry --path (minimal)"):
                    bad.append("gantry's minimal clone failed on the large repository")
    print()
    if bad:
        print("NOT MET:", "; ".join(sorted(set(bad))))
        sys.exit(1)
    print("gantry: all acceptance figures met (0 lost, linear history, no force push)")


if __name__ == "__main__":
    main()
