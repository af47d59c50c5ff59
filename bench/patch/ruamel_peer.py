#!/usr/bin/env python3
"""The comment-preserving Python way to patch an image: ruamel.yaml round trip.

    ruamel_peer.py --set NAME=NAME:TAG [--failed FILE] PATH...

What a careful team writes instead of sed: walk the tree, load every YAML
file that mentions the image with ruamel.yaml in round-trip mode
(YAML(typ="rt"), preserve_quotes=True, wide lines, the usual Kubernetes
indentation), update the same image fields gantry-patch updates, and dump the
documents back, only for files that changed. JSON files go through the json
module (indent 2). A quoted value stays quoted: the new tag is written with
the old value's scalar type.

Fields updated, in every document, at any depth:

* `image: NAME[:tag][@digest]` strings (containers, initContainers, Helm
  `image:` strings): the whole value becomes NAME:TAG;
* Helm image blocks: `repository: NAME` + `tag`, or the Bitnami layout
  `registry` + `repository` (joined, NAME) + `tag`: tag becomes TAG;
* kustomize `images:` entries with `name: NAME` (and no other newName) and a
  `newTag`: newTag becomes TAG;
* Argo CD `helm.parameters` lists: with `image.repository` = NAME, the
  `image.tag` parameter's value becomes TAG.

A file that fails to load or dump is left as it was and listed (--failed).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import ScalarString

REF_TAIL = re.compile(r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@[a-z0-9]+:[a-f0-9]{32,})?")


class Patcher:
    def __init__(self, name, tag):
        self.name = name
        self.tag = tag
        self.path = name.split("/", 1)[1] if "/" in name else name
        self.ref = re.compile(re.escape(name) + REF_TAIL.pattern + r"\Z")
        self.changed = False

    def same_style(self, old, new):
        """The new value with the old one's scalar type (keeps its quotes)."""
        if isinstance(old, ScalarString):
            return type(old)(new)
        return new

    def set(self, mapping, key, new):
        old = mapping[key]
        if str(old) != new:
            mapping[key] = self.same_style(old, new)
            self.changed = True

    def walk(self, node):
        if isinstance(node, dict):
            self.mapping(node)
            for value in node.values():
                self.walk(value)
        elif isinstance(node, list):
            for item in node:
                self.walk(item)

    def mapping(self, m):
        image = m.get("image")
        if isinstance(image, str) and self.ref.match(image):
            self.set(m, "image", self.name + ":" + self.tag)
        repo = m.get("repository")
        if isinstance(repo, str) and "tag" in m:
            registry = m.get("registry")
            full = registry + "/" + repo if isinstance(registry, str) and registry else repo
            if full == self.name:
                self.set(m, "tag", self.tag)
        if m.get("name") == self.name and "newTag" in m and m.get("newName", self.name) == self.name:
            self.set(m, "newTag", self.tag)
        params = m.get("parameters")
        if isinstance(params, list) and any(
            isinstance(p, dict) and p.get("name") == "image.repository" and p.get("value") == self.name for p in params
        ):
            for p in params:
                if isinstance(p, dict) and p.get("name") == "image.tag":
                    self.set(p, "value", self.tag)


def yaml_rt():
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def patch_file(path, patcher, yaml):
    with open(path, "rb") as f:
        data = f.read()
    # Like `grep -l`: skip files that cannot mention the image (the Bitnami
    # layout spells it without the registry).
    if patcher.path.encode() not in data:
        return False
    patcher.changed = False
    if path.endswith(".json"):
        doc = json.loads(data)
        patcher.walk(doc)
        if patcher.changed:
            with open(path, "w") as f:
                json.dump(doc, f, indent=2)
                f.write("\n")
        return patcher.changed
    docs = list(yaml.load_all(data))
    for doc in docs:
        patcher.walk(doc)
    if patcher.changed:
        buf = io.StringIO()
        yaml.dump_all(docs, buf)
        with open(path, "w") as f:
            f.write(buf.getvalue())
    return patcher.changed


def files(paths):
    for top in paths:
        if os.path.isfile(top):
            yield top
            continue
        for dirpath, dirs, names in os.walk(top):
            dirs.sort()
            for name in sorted(names):
                if name.endswith((".yaml", ".yml", ".json")):
                    yield os.path.join(dirpath, name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", required=True, metavar="NAME=NAME:TAG")
    ap.add_argument("--failed", help="write the files that failed to this file, one a line")
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args()
    name, _, newref = args.set.partition("=")
    repo, _, tag = newref.rpartition(":")
    if repo != name or not tag:
        sys.exit("ruamel_peer.py: --set must be NAME=NAME:TAG")
    patcher = Patcher(name, tag)
    yaml = yaml_rt()
    failed = []
    changed = 0
    for path in files(args.paths):
        try:
            changed += patch_file(path, patcher, yaml)
        except Exception as e:  # noqa: BLE001 - any failure is a failed file
            failed.append(path)
            print(f"ruamel_peer.py: {path}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}", file=sys.stderr)
            yaml = yaml_rt()
    if args.failed:
        with open(args.failed, "w") as f:
            f.writelines(p + "\n" for p in failed)
    print(f"ruamel_peer.py: {changed} files changed, {len(failed)} failed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
