#!/usr/bin/env python3
"""Count the bytes a tool changed outside the values it was asked to change.

    outside_bytes.py TREE_DIR OUTPUT_DIR [--json FILE] [--show N]

TREE_DIR is what gen_tree.py wrote (pristine/, expected/, targets.json); OUTPUT_DIR is
the tool's output: a copy of pristine/ that the tool patched.

For every file, the output is compared with expected/ (the pristine file with
only the target tags replaced, at the byte spans the generator recorded):

* Targets that the tool left at their old tag (or wrote a different value
  into) are "missed"; a missed target is not counted as bytes outside.
* Every other difference is a byte changed outside the targets: a diff of
  the lines matched on their content (then their indentation and line ends
  compared), refined to words and then to bytes inside each run of differing
  lines, where a run of differing bytes counts max(bytes removed, bytes
  inserted). So a CRLF turned
  into LF counts 1 per line, a dropped comment its length, an added pair of
  quotes 2. Differences fully inside a target span count as a wrong value
  (missed), not as outside bytes; changing the quotes around a value counts as
  outside.
* A file missing from the output counts all its bytes; a file the tool added
  (a backup, a temporary file) counts all of its bytes too.

Prints one line of totals (and, with --show, the worst files with the first
difference of each); --json writes the totals as JSON.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import sys

# A line: indentation, content, line end. Lines are matched on their content
# alone, so that re-indenting or changing line ends leaves them paired (and
# counts only the indentation or line-end bytes); runs of lines that differ
# are refined on words, then on bytes.
LINE = re.compile(rb"([ \t]*)([^\r\n]*)(\r\n|\n|\r|\Z)")
WORD_TOKEN = re.compile(rb"\s+|[\w.\-/:@]+|.", re.S)
# Runs longer than this (on either side) are counted whole, as max(removed,
# inserted), without a finer diff: a block string rewritten as one quoted
# line, say.
WORD_DIFF_LIMIT = 8000
BYTE_DIFF_LIMIT = 2000


def lines(data):
    out = []
    pos = 0
    n = len(data)
    while pos < n:
        m = LINE.match(data, pos)
        out.append((m.start(), m.end(1), m.end(2), m.end()))
        pos = m.end()
    return out


def byte_runs(a, b):
    if max(len(a), len(b)) > BYTE_DIFF_LIMIT:
        return [(0, len(a), 0, len(b))]
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in sm.get_opcodes() if tag != "equal"]


def word_runs(a, b):
    if max(len(a), len(b)) > WORD_DIFF_LIMIT:
        return [(0, len(a), 0, len(b))]
    ta = [m for m in WORD_TOKEN.finditer(a)]
    tb = [m for m in WORD_TOKEN.finditer(b)]
    oa = [m.start() for m in ta] + [len(a)]
    ob = [m.start() for m in tb] + [len(b)]
    out = []
    sm = difflib.SequenceMatcher(None, [m.group() for m in ta], [m.group() for m in tb], autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        a0, a1, b0, b1 = oa[i1], oa[i2], ob[j1], ob[j2]
        if a0 == a1 or b0 == b1:
            out.append((a0, a1, b0, b1))
            continue
        for s0, s1, t0, t1 in byte_runs(a[a0:a1], b[b0:b1]):
            out.append((a0 + s0, a0 + s1, b0 + t0, b0 + t1))
    return out


def regions(a, b):
    """Differing runs between a and b: (a_start, a_end, b_start, b_end)."""
    la = lines(a)
    lb = lines(b)
    out = []

    def sub(a0, a1, b0, b1, runs):
        if a[a0:a1] == b[b0:b1]:
            return
        if a0 == a1 or b0 == b1:
            out.append((a0, a1, b0, b1))
            return
        for s0, s1, t0, t1 in runs(a[a0:a1], b[b0:b1]):
            out.append((a0 + s0, a0 + s1, b0 + t0, b0 + t1))

    sm = difflib.SequenceMatcher(None, [a[x[1]:x[2]] for x in la], [b[x[1]:x[2]] for x in lb], autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                sa, ca, ea, za = la[i1 + k]
                sb, cb, eb, zb = lb[j1 + k]
                sub(sa, ca, sb, cb, byte_runs)  # indentation
                sub(ea, za, eb, zb, byte_runs)  # line end
            continue
        a0 = la[i1][0] if i1 < len(la) else len(a)
        a1 = la[i2 - 1][3] if i2 > i1 else a0
        b0 = lb[j1][0] if j1 < len(lb) else len(b)
        b1 = lb[j2 - 1][3] if j2 > j1 else b0
        sub(a0, a1, b0, b1, word_runs)
    return out


def inside(span, r0, r1, edges=False):
    """Whether the expected-side run [r0, r1) lies inside the target span.

    An insertion (r0 == r1) counts as inside only strictly within the span
    (bytes added right before or after a value, such as quotes, are outside
    it), or also at its edges when the tool wrote a wrong value there."""
    s, e = span
    if r0 == r1:
        return s <= r0 <= e if edges else s < r0 < e
    return s <= r0 and r1 <= e


def compare(expected, pristine, output, spans):
    """(bytes outside, targets missed, first outside run) for one file."""
    if output == expected:
        return 0, 0, None
    if output == pristine:
        return 0, len(spans), None
    # Pass 1: which targets did the tool not set? Revert those to their old
    # tag, so that a skipped target is a miss and not a difference.
    touched = set()
    for r0, r1, _b0, _b1 in regions(expected, output):
        for k, (s, e, _old) in enumerate(spans):
            if (r0 < e and r1 > s) if r1 > r0 else s < r0 < e:
                touched.add(k)
    reference = bytearray()
    ref_spans = []
    pos = 0
    for k, (s, e, old) in enumerate(spans):
        reference += expected[pos:s]
        start = len(reference)
        reference += old.encode() if k in touched else expected[s:e]
        ref_spans.append((start, len(reference)))
        pos = e
    reference += expected[pos:]
    reference = bytes(reference)
    # Pass 2: differences against that reference.
    outside = 0
    first = None
    for r0, r1, b0, b1 in regions(reference, output):
        if any(inside(span, r0, r1, k in touched) for k, span in enumerate(ref_spans)):
            continue
        outside += max(r1 - r0, b1 - b0)
        if first is None:
            first = (r0, r1, b0, b1, reference)
    # A target counts as set when no difference reached into its span.
    return outside, len(touched), first


def snippet(first, output):
    r0, r1, b0, b1, ref = first
    lo = max(0, r0 - 40)
    want = ref[lo:min(r1, r0 + 80) + 40]
    got = output[max(0, b0 - (r0 - lo)):min(b1, b0 + 80) + 40]
    return "expected {!r}, got {!r}".format(want, got)


def walk(top):
    out = set()
    for dirpath, _dirs, names in os.walk(top):
        for name in names:
            out.add(os.path.relpath(os.path.join(dirpath, name), top))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("tree", help="gen_tree.py's output directory (pristine/, expected/, targets.json)")
    ap.add_argument("output", help="the patched copy of pristine/")
    ap.add_argument("--json", help="write the totals to this file")
    ap.add_argument("--show", type=int, default=0, help="print the N files with the most bytes outside")
    args = ap.parse_args()

    meta = json.load(open(os.path.join(args.tree, "targets.json")))
    spans_by_file = meta["spans"]
    exp_top = os.path.join(args.tree, "expected")
    pri_top = os.path.join(args.tree, "pristine")
    expected_files = walk(exp_top)
    output_files = walk(args.output)

    outside = 0
    files_outside = 0
    missed = 0
    files_missed = 0
    targets = 0
    worst = []
    for rel in sorted(expected_files):
        spans = spans_by_file.get(rel, [])
        targets += len(spans)
        with open(os.path.join(exp_top, rel), "rb") as f:
            expected = f.read()
        if rel not in output_files:
            outside += len(expected)
            files_outside += 1
            missed += len(spans)
            files_missed += 1 if spans else 0
            worst.append((len(expected), rel, "missing from the output"))
            continue
        with open(os.path.join(args.output, rel), "rb") as f:
            output = f.read()
        with open(os.path.join(pri_top, rel), "rb") as f:
            pristine = f.read()
        n_out, n_missed, first = compare(expected, pristine, output, spans)
        if n_out:
            outside += n_out
            files_outside += 1
            worst.append((n_out, rel, snippet(first, output)))
        if n_missed:
            missed += n_missed
            files_missed += 1
    extra = sorted(output_files - expected_files)
    for rel in extra:
        size = os.path.getsize(os.path.join(args.output, rel))
        outside += size
        worst.append((size, rel, "not in the tree: added by the tool"))

    totals = {
        "files": len(expected_files),
        "bytes_outside": outside,
        "files_changed_outside": files_outside,
        "targets": targets,
        "targets_missed": missed,
        "files_missed": files_missed,
        "extra_files": len(extra),
    }
    print("bytes outside targets: {bytes_outside} in {files_changed_outside} files; "
          "targets missed: {targets_missed} of {targets} (in {files_missed} files); "
          "extra files: {extra_files}".format(**totals))
    if args.show:
        worst.sort(key=lambda w: (-w[0], w[1]))
        for n, rel, what in worst[: args.show]:
            print(f"  {n:8d}  {rel}: {what}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(totals, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
