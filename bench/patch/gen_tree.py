#!/usr/bin/env python3
"""Generate the gantry-patch benchmark tree: a GitOps repository of manifests.

    gen_tree.py OUT [--files 10000] [--seed 4]

writes

    OUT/pristine/      the tree as a team would have it (YAML and a few JSON files)
    OUT/expected/      the same tree where only the tags of ghcr.io/acme/api are 2.0.0
    OUT/targets.json   for every file of expected/, the byte spans of those tags
                       (start, end, old tag) in expected/'s bytes

The generator emits every file itself (it does not use a YAML library), so it
knows the exact bytes of each value it wrote: expected/ differs from pristine/
only inside the target spans, and a tool's output can be compared with
expected/ byte for byte (outside_bytes.py).

What is in the tree, in the layouts teams use:

* Kubernetes Deployments, StatefulSets and CronJobs, alone or in multi-document
  files with Services, ConfigMaps (literal block strings) and HPAs; comments,
  plain, single- and double-quoted values, indented and non-indented
  sequences; some files with CRLF line ends, a BOM, no final newline.
* kustomization.yaml with `images:` entries (name, newName, newTag, digest).
* Helm values: image.repository + image.tag, the Bitnami
  registry/repository/tag layout, `image: repo:tag` strings, per-component
  blocks (api:, worker:), a few flow mappings and anchors.
* Flux HelmReleases (spec.values) and Argo CD Applications
  (spec.source.helm.parameters).
* A few JSON manifests.

The target, ghcr.io/acme/api, is in about a quarter of the files, next to
images that must not change: ghcr.io/acme/api-worker, ghcr.io/acme/api/migrations,
docker.io/acme/api, acme/api (Docker Hub), public.ecr.aws/acme/api, and
mentions of ghcr.io/acme/api:<tag> in comments, annotations and block strings,
which are text, not image fields.

Deterministic: the same --seed and --files give the same bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time

TARGET = "ghcr.io/acme/api"
NEW_TAG = "2.0.0"

# --------------------------------------------------------------------------
# Nodes. A file is a list of documents; a document is a tree of these.


class S:
    """A scalar written with a given style: plain, single or double."""

    __slots__ = ("value", "style")

    def __init__(self, value, style="plain"):
        self.value = value
        self.style = style


class T:
    """A target: a scalar whose `old` part becomes NEW_TAG in expected/."""

    __slots__ = ("prefix", "old", "suffix", "style", "layout")

    def __init__(self, prefix, old, suffix="", style="plain", layout=""):
        self.prefix = prefix
        self.old = old
        self.suffix = suffix
        self.style = style
        self.layout = layout


class M:
    """A block mapping: items are (key, value), (key, value, comment) or C."""

    __slots__ = ("items", "anchor", "flow")

    def __init__(self, items, anchor=None, flow=False):
        self.items = items
        self.anchor = anchor
        self.flow = flow


class L:
    """A block sequence: items are nodes or C."""

    __slots__ = ("items", "flow")

    def __init__(self, items, flow=False):
        self.items = items
        self.flow = flow


class B:
    """A block scalar (`|` or `|-`): never edited, its text is raw."""

    __slots__ = ("text", "indicator")

    def __init__(self, text, indicator="|"):
        self.text = text
        self.indicator = indicator


class C:
    """A comment line."""

    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text


class Alias:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name


class Blank:
    """An empty line."""


# --------------------------------------------------------------------------
# Emitters: write pristine and expected text at once and record the spans.


class Out:
    def __init__(self, nl, seq_indent):
        self.nl = nl
        self.seq_indent = seq_indent
        self.buf = []
        self.pieces = []  # literal str, or T

    def w(self, s):
        self.buf.append(s)

    def t(self, target):
        self.pieces.append("".join(self.buf))
        self.buf = []
        self.pieces.append(target)

    def finish(self, bom, final_newline):
        self.pieces.append("".join(self.buf))
        self.buf = []
        if not final_newline:
            last = self.pieces[-1]
            while last.endswith(self.nl):
                last = last[: -len(self.nl)]
            self.pieces[-1] = last
        pristine = bytearray(b"\xef\xbb\xbf" if bom else b"")
        expected = bytearray(pristine)
        spans = []
        layouts = []
        for piece in self.pieces:
            if isinstance(piece, str):
                b = piece.encode()
                pristine += b
                expected += b
            else:
                start = len(expected)
                pristine += piece.old.encode()
                expected += NEW_TAG.encode()
                spans.append([start, len(expected), piece.old])
                layouts.append(piece.layout)
        return bytes(pristine), bytes(expected), spans, layouts


def is_scalar(v):
    return isinstance(v, (str, int, bool, S, T, Alias)) or v is None


def quote(o, value, style):
    if style == "double":
        o.w('"' + value + '"')
    elif style == "single":
        o.w("'" + value + "'")
    else:
        o.w(value)


def emit_scalar(o, v):
    if isinstance(v, bool):
        o.w("true" if v else "false")
    elif v is None:
        o.w("null")
    elif isinstance(v, int):
        o.w(str(v))
    elif isinstance(v, str):
        o.w(v)
    elif isinstance(v, S):
        quote(o, v.value, v.style)
    elif isinstance(v, Alias):
        o.w("*" + v.name)
    elif isinstance(v, T):
        q = {"double": '"', "single": "'"}.get(v.style, "")
        o.w(q + v.prefix)
        o.t(v)
        o.w(v.suffix + q)
    else:
        raise TypeError(type(v))


def emit_flow(o, v):
    if isinstance(v, M):
        o.w("{")
        first = True
        for item in v.items:
            if isinstance(item, (C, Blank)):
                continue
            if not first:
                o.w(", ")
            first = False
            o.w(item[0] + ": ")
            emit_flow(o, item[1])
        o.w("}")
    elif isinstance(v, L):
        o.w("[")
        first = True
        for item in v.items:
            if isinstance(item, (C, Blank)):
                continue
            if not first:
                o.w(", ")
            first = False
            emit_flow(o, item)
        o.w("]")
    else:
        emit_scalar(o, v)


def is_inline(v):
    return is_scalar(v) or (isinstance(v, (M, L)) and (v.flow or not v.items))


def emit_pair(o, key, val, ind, pre, comment=None):
    nl = o.nl
    o.w(pre + key + ":")
    if isinstance(val, B):
        o.w(" " + val.indicator)
        if comment:
            o.w("  # " + comment)
        o.w(nl)
        pad = " " * (ind + 2)
        for line in val.text.split("\n"):
            o.w((pad + line if line else "") + nl)
        return
    if isinstance(val, M) and val.anchor:
        o.w(" &" + val.anchor)
    if is_inline(val):
        o.w(" ")
        emit_flow(o, val)
        if comment:
            o.w("  # " + comment)
        o.w(nl)
    elif isinstance(val, M):
        if comment:
            o.w("  # " + comment)
        o.w(nl)
        emit_map(o, val, ind + 2)
    else:
        if comment:
            o.w("  # " + comment)
        o.w(nl)
        emit_seq(o, val, ind + 2 if o.seq_indent else ind)


def emit_map(o, m, ind, first_prefix=None):
    first = True
    for item in m.items:
        if isinstance(item, Blank):
            o.w(o.nl)
            continue
        if isinstance(item, C):
            o.w(" " * ind + "# " + item.text + o.nl)
            continue
        pre = first_prefix if (first and first_prefix is not None) else " " * ind
        first = False
        emit_pair(o, item[0], item[1], ind, pre, item[2] if len(item) > 2 else None)


def emit_seq(o, seq, ind):
    for item in seq.items:
        if isinstance(item, C):
            o.w(" " * ind + "# " + item.text + o.nl)
        elif isinstance(item, M) and item.items and not item.flow:
            emit_map(o, item, ind + 2, first_prefix=" " * ind + "- ")
        else:
            o.w(" " * ind + "- ")
            emit_flow(o, item)
            o.w(o.nl)


def emit_json(o, v, ind):
    nl = o.nl
    if isinstance(v, M):
        items = [i for i in v.items if not isinstance(i, (C, Blank))]
        if not items:
            o.w("{}")
            return
        o.w("{" + nl)
        for n, item in enumerate(items):
            o.w(" " * (ind + 2) + json.dumps(item[0]) + ": ")
            emit_json(o, item[1], ind + 2)
            o.w(("," if n + 1 < len(items) else "") + nl)
        o.w(" " * ind + "}")
    elif isinstance(v, L):
        items = [i for i in v.items if not isinstance(i, (C, Blank))]
        if not items:
            o.w("[]")
            return
        o.w("[" + nl)
        for n, item in enumerate(items):
            o.w(" " * (ind + 2))
            emit_json(o, item, ind + 2)
            o.w(("," if n + 1 < len(items) else "") + nl)
        o.w(" " * ind + "]")
    elif isinstance(v, T):
        o.w('"' + v.prefix)
        o.t(v)
        o.w(v.suffix + '"')
    elif isinstance(v, S):
        o.w(json.dumps(v.value))
    elif isinstance(v, B):
        o.w(json.dumps(v.text))
    elif isinstance(v, bool) or v is None or isinstance(v, int):
        o.w(json.dumps(v))
    else:
        o.w(json.dumps(v))


# --------------------------------------------------------------------------
# Content.

API_TAGS = ["1.4.2", "1.4.3", "v1.3.0", "1.10.0", "sha-3f2a9c1", "main-8c1e2d0", "1.4.2-alpine", "2024.06.1"]
WORKER = "ghcr.io/acme/api-worker"
# Images that are not the target, some of them close to it.
DECOYS = [
    WORKER,
    WORKER,
    "ghcr.io/acme/api/migrations",
    "docker.io/acme/api",
    "acme/api",
    "public.ecr.aws/acme/api",
    "ghcr.io/acme-labs/api",
    "ghcr.io/acme/apiserver",
]
OTHERS = [
    "ghcr.io/acme/web",
    "ghcr.io/acme/billing",
    "ghcr.io/acme/ledger",
    "ghcr.io/acme/search-indexer",
    "ghcr.io/acme/notifications",
    "nginx",
    "docker.io/library/redis",
    "bitnami/postgresql",
    "quay.io/prometheus/node-exporter",
    "registry.k8s.io/ingress-nginx/controller",
    "docker.io/grafana/grafana",
    "gcr.io/distroless/static",
    "registry.acme.dev/platform/envoy",
    "public.ecr.aws/aws-observability/aws-otel-collector",
]
OTHER_TAGS = ["1.25.3", "7.2.4-alpine", "16.1.0-debian-12-r5", "v1.44.0", "v1.9.4", "10.2.3", "nonroot", "3.1.7", "latest", "0.98.0"]
WORDS = (
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa "
    "quebec romeo sierra tango uniform victor whiskey xray yankee zulu payments ledger search catalog "
    "checkout orders invoices accounts profile identity gateway reports billing pricing inventory"
).split()
TEAMS = ["payments", "platform", "identity", "growth", "data", "search", "core", "edge"]
ENVS = ["dev", "staging", "prod"]
REGIONS = ["eu-west-1", "us-east-1", "ap-south-1", "eu-central-1"]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    # small helpers -------------------------------------------------------

    def pick(self, xs):
        return self.r.choice(xs)

    def chance(self, p):
        return self.r.random() < p

    def style(self, plain=0.6, double=0.3):
        x = self.r.random()
        return "plain" if x < plain else ("double" if x < plain + double else "single")

    def word(self):
        return self.pick(WORDS)

    def names(self, n):
        """n distinct WORD_WORD names."""
        out = []
        seen = set()
        while len(out) < n:
            name = (self.word() + "_" + self.word()).upper()
            if name not in seen:
                seen.add(name)
                out.append(name)
        return out

    def digest(self):
        return "sha256:" + "".join(self.pick("0123456789abcdef") for _ in range(64))

    def other_ref(self, decoy_share=0.35):
        img = self.pick(DECOYS) if self.chance(decoy_share) else self.pick(OTHERS)
        tag = self.pick(API_TAGS) if img in DECOYS else self.pick(OTHER_TAGS)
        ref = img + ":" + tag
        if self.chance(0.12):
            ref += "@" + self.digest()
        return ref

    def image_value(self, api, layout):
        """The value of an `image:` field: a target when api, else another image."""
        if api:
            return T(TARGET + ":", self.pick(API_TAGS), "", self.style(), layout)
        return S(self.other_ref(), self.style())

    def api_text_mention(self):
        return TARGET + ":" + self.pick(["1.3.9", "1.4.1", "1.2.0"])

    # Kubernetes ---------------------------------------------------------

    def labels(self, app, extra=0):
        items = [
            ("app.kubernetes.io/name", app),
            ("app.kubernetes.io/instance", app + "-" + self.pick(ENVS)),
            ("app.kubernetes.io/part-of", self.word() + "-platform"),
            ("app.kubernetes.io/managed-by", self.pick(["kustomize", "Helm", "argocd", "flux"])),
        ]
        for key in self.r.sample(WORDS, extra):
            items.append(("acme.dev/" + key, S(self.word(), self.style(0.7, 0.2))))
        return M(items)

    def metadata(self, app, ns, api=False, annotations=True):
        items = [("name", app), ("namespace", ns), ("labels", self.labels(app, self.r.randint(0, 3)))]
        if annotations:
            ann = [
                ("acme.dev/owner", S("team-" + self.pick(TEAMS) + "@acme.dev", self.style(0.8, 0.1))),
                ("acme.dev/runbook", S("https://runbooks.acme.dev/" + app, self.style(0.7, 0.2))),
            ]
            if self.chance(0.4):
                ann.append(("reloader.stakater.com/auto", S("true", "double")))
            if api and self.chance(0.15):
                # Text that names the target image: not an image field.
                ann.append(("acme.dev/last-known-good", S(self.api_text_mention(), self.style(0.5, 0.4))))
            items.append(("annotations", M(ann)))
        return M(items)

    def env(self, app, n):
        out = []
        for name in self.names(n):
            x = self.r.random()
            if x < 0.55:
                out.append(M([("name", name), ("value", S(self.pick(["info", "true", "8080", "30s", self.word(), "https://" + self.word() + ".acme.dev"]), self.pick(["plain", "double", "double", "single"])))]))
            elif x < 0.75:
                out.append(M([("name", name), ("valueFrom", M([("secretKeyRef", M([("name", app + "-secrets"), ("key", self.word())]))]))]))
            elif x < 0.9:
                out.append(M([("name", name), ("valueFrom", M([("configMapKeyRef", M([("name", app + "-config"), ("key", self.word())]))]))]))
            else:
                out.append(C("- name: " + name + "_DEBUG  # disabled " + self.pick(["during incident 4123", "until the migration lands", "see INC-88"])))
        return L(out)

    def resources(self):
        return M([
            ("requests", M([("cpu", self.pick(["100m", "250m", "500m", "1"])), ("memory", self.pick(["128Mi", "256Mi", "512Mi", "1Gi"]))])),
            ("limits", M([("memory", self.pick(["256Mi", "512Mi", "1Gi", "2Gi"]))])),
        ])

    def probe(self, path):
        return M([
            ("httpGet", M([("path", path), ("port", "http")])),
            ("initialDelaySeconds", self.r.randint(1, 30)),
            ("periodSeconds", 10),
            ("failureThreshold", 3),
        ])

    def container(self, app, api, name=None, layout="k8s container image"):
        img = self.image_value(api, layout)
        comment = None
        if api and self.chance(0.2):
            comment = '{"$imagepolicy": "flux-system:' + app + '"}'
        elif self.chance(0.08):
            comment = "pinned by " + self.pick(TEAMS)
        items = [("name", name or app), ("image", img, comment)]
        if self.chance(0.7):
            items.append(("imagePullPolicy", self.pick(["IfNotPresent", "Always"])))
        if self.chance(0.5):
            items.append(("args", L([S("--port=8080"), S("--log-format=json"), S("--metrics-addr=:9090", "double")], flow=self.chance(0.3))))
        items.append(("ports", L([M([("name", "http"), ("containerPort", 8080), ("protocol", "TCP")]), M([("name", "metrics"), ("containerPort", 9090)])])))
        items.append(("env", self.env(app, self.r.randint(12, 46))))
        items.append(("resources", self.resources()))
        if self.chance(0.8):
            items.append(("livenessProbe", self.probe("/healthz")))
            items.append(("readinessProbe", self.probe("/readyz")))
        if self.chance(0.5):
            items.append(("securityContext", M([("allowPrivilegeEscalation", False), ("readOnlyRootFilesystem", True), ("capabilities", M([("drop", L([S("ALL")]))]))])))
        if self.chance(0.3):
            items.append(("volumeMounts", L([M([("name", "config"), ("mountPath", "/etc/" + app), ("readOnly", True)])])))
        return M(items)

    def pod_spec(self, app, api):
        containers = []
        if api and self.chance(0.25):
            # A second container running the same image (a migration step).
            init = [M([("name", "migrate"), ("image", self.image_value(True, "k8s initContainer image")), ("command", L([S("/app/migrate", "double"), S("--up", "double")], flow=True))])]
        elif self.chance(0.2):
            init = [M([("name", "wait-for-db"), ("image", S(self.other_ref(0.5), self.style())), ("command", L([S("sh"), S("-c"), S("until nc -z db 5432; do sleep 1; done", "single")], flow=True))])]
        else:
            init = []
        containers.append(self.container(app, api))
        if self.chance(0.35):
            containers.append(self.container(app + "-sidecar", False, name=self.pick(["worker", "envoy", "otel-collector"])))
        items = [("serviceAccountName", app)]
        if self.chance(0.5):
            items.append(("securityContext", M([("runAsNonRoot", True), ("runAsUser", 10001), ("fsGroup", 10001)])))
        if init:
            items.append(("initContainers", L(init)))
        items.append(("containers", L(containers)))
        if self.chance(0.4):
            items.append(("volumes", L([M([("name", "config"), ("configMap", M([("name", app + "-config")]))])])))
        if self.chance(0.3):
            items.append(("nodeSelector", M([("kubernetes.io/arch", "amd64"), ("acme.dev/pool", self.word())])))
        if self.chance(0.3):
            items.append(("tolerations", L([M([("key", "dedicated"), ("operator", "Equal"), ("value", self.word()), ("effect", "NoSchedule")])])))
        return M(items)

    def pod_template(self, app, api):
        ann = M([("prometheus.io/scrape", S("true", "double")), ("prometheus.io/port", S("9090", self.pick(["double", "single"])))])
        return M([("metadata", M([("labels", self.labels(app)), ("annotations", ann)])), ("spec", self.pod_spec(app, api))])

    def workload(self, app, ns, api):
        kind = self.pick(["Deployment", "Deployment", "Deployment", "StatefulSet", "CronJob"])
        items = []
        if self.chance(0.5):
            items.append(C(kind + " for " + app + " (" + self.pick(TEAMS) + "); change through a pull request"))
        if api and self.chance(0.12):
            items.append(C("rollback target: " + self.api_text_mention()))
        if kind == "CronJob":
            items += [("apiVersion", "batch/v1"), ("kind", kind), ("metadata", self.metadata(app + "-nightly", ns, api)),
                      ("spec", M([("schedule", S(self.pick(["0 3 * * *", "*/15 * * * *", "30 1 * * 0"]), "double")),
                                  ("concurrencyPolicy", "Forbid"),
                                  ("jobTemplate", M([("spec", M([("backoffLimit", 2), ("template", self.pod_template(app, api))]))]))]))]
        else:
            spec = [("replicas", self.r.randint(1, 6))]
            if kind == "StatefulSet":
                spec.append(("serviceName", app))
            spec.append(("revisionHistoryLimit", 5))
            spec.append(("selector", M([("matchLabels", M([("app.kubernetes.io/name", app)]))])))
            if kind == "Deployment":
                spec.append(("strategy", M([("type", "RollingUpdate"), ("rollingUpdate", M([("maxSurge", "25%"), ("maxUnavailable", 0)]))])))
            spec.append(("template", self.pod_template(app, api)))
            if kind == "StatefulSet":
                spec.append(("volumeClaimTemplates", L([M([("metadata", M([("name", "data")])), ("spec", M([("accessModes", L([S("ReadWriteOnce")])), ("resources", M([("requests", M([("storage", "10Gi")]))]))]))])])))
            items += [("apiVersion", "apps/v1"), ("kind", kind), ("metadata", self.metadata(app, ns, api)), ("spec", M(spec))]
        return M(items)

    def service(self, app, ns):
        return M([("apiVersion", "v1"), ("kind", "Service"), ("metadata", self.metadata(app, ns, annotations=self.chance(0.5))),
                  ("spec", M([("type", "ClusterIP"), ("selector", M([("app.kubernetes.io/name", app)])),
                              ("ports", L([M([("name", "http"), ("port", 80), ("targetPort", "http")]), M([("name", "metrics"), ("port", 9090), ("targetPort", "metrics")])]))]))])

    def hpa(self, app, ns):
        return M([("apiVersion", "autoscaling/v2"), ("kind", "HorizontalPodAutoscaler"), ("metadata", M([("name", app), ("namespace", ns)])),
                  ("spec", M([("scaleTargetRef", M([("apiVersion", "apps/v1"), ("kind", "Deployment"), ("name", app)])),
                              ("minReplicas", 2), ("maxReplicas", self.r.randint(4, 30)),
                              ("metrics", L([M([("type", "Resource"), ("resource", M([("name", "cpu"), ("target", M([("type", "Utilization"), ("averageUtilization", 70)]))]))])]))]))])

    def config_text(self, app, api, lines):
        out = []
        kind = self.r.randint(0, 2)
        if kind == 0:
            out.append("server:")
            out.append("  port: 8080")
            out.append("  shutdownTimeout: 30s")
            out.append("features:")
            for _ in range(lines):
                out.append("  " + self.word() + "_" + self.word() + ": " + self.pick(["true", "false", "\"on\"", "42", "0.5"]))
        elif kind == 1:
            out.append("upstream backend {")
            for i in range(max(2, lines // 3)):
                out.append("    server " + self.word() + "-" + str(i) + ".svc.cluster.local:8080 max_fails=3;")
            out.append("}")
            out.append("")
            out.append("server {")
            out.append("    listen 8080;")
            for _ in range(lines):
                out.append("    location /" + self.word() + " { proxy_pass http://backend; }")
            out.append("}")
        else:
            for _ in range(lines):
                out.append(self.word().upper() + "_" + self.word().upper() + "=" + self.word())
        if api and self.chance(0.3):
            # An image inside a block string: text, never an image field.
            out.insert(0, "# deployed image: " + self.api_text_mention())
        return "\n".join(out)

    def configmap(self, app, ns, api, big=False):
        data = [("LOG_LEVEL", S(self.pick(["info", "debug", "warn"]), self.style())), ("REGION", self.pick(REGIONS))]
        for name in self.r.sample(["application.yaml", "nginx.conf", "features.env", "settings.yaml"], self.r.randint(1, 3)):
            data.append((name, B(self.config_text(app, api, self.r.randint(100, 400) if big else self.r.randint(20, 90)), self.pick(["|", "|", "|-"]))))
        if api and self.chance(0.15):
            data.append(("job-template.yaml", B("apiVersion: batch/v1\nkind: Job\nspec:\n  template:\n    spec:\n      containers:\n        - name: task\n          image: " + self.api_text_mention() + "\n")))
        return M([("apiVersion", "v1"), ("kind", "ConfigMap"), ("metadata", M([("name", app + "-config"), ("namespace", ns)])), ("data", M(data))])

    # kustomize -----------------------------------------------------------

    def kustomization(self, app, ns, api, env):
        items = [("apiVersion", "kustomize.config.k8s.io/v1beta1"), ("kind", "Kustomization")]
        if env:
            items.append(("namespace", ns))
            items.append(("resources", L([S("../../base")] + ([S("ingress.yaml")] if self.chance(0.4) else []))))
        else:
            items.append(("resources", L([S("deployment.yaml"), S("service.yaml"), S("configmap.yaml")])))
        if self.chance(0.6):
            items.append(("labels", L([M([("pairs", M([("acme.dev/env", env or "base"), ("acme.dev/team", self.pick(TEAMS))])), ("includeSelectors", False)])])))
        images = []
        if api:
            if self.chance(0.7):
                images.append(M([("name", TARGET), ("newTag", T("", self.pick(API_TAGS), "", self.style(), "kustomize newTag"))]))
            else:
                images.append(M([("name", TARGET), ("newName", TARGET), ("newTag", T("", self.pick(API_TAGS), "", self.style(), "kustomize newName+newTag"))]))
            if self.chance(0.3):
                images.insert(0, C("bumped by CI on " + self.pick(["2024-05-02", "2024-06-11", "2024-07-30"])))
        for _ in range(self.r.randint(0, 3)):
            x = self.r.random()
            img = self.pick(DECOYS) if x < 0.4 else self.pick(OTHERS)
            if x < 0.15:
                images.append(M([("name", img), ("digest", self.digest())]))
            elif x < 0.35:
                images.append(M([("name", img), ("newName", "registry.acme.dev/mirror/" + img.split("/")[-1]), ("newTag", S(self.pick(OTHER_TAGS), self.style()))]))
            else:
                images.append(M([("name", img), ("newTag", S(self.pick(API_TAGS if img in DECOYS else OTHER_TAGS), self.style()))]))
        if images:
            items.append(("images", L(images)))
        if env and self.chance(0.5):
            items.append(("patches", L([M([("path", "patch-resources.yaml"), ("target", M([("kind", "Deployment"), ("name", app)]))])])))
        if self.chance(0.7):
            items.append(("commonAnnotations", M([("acme.dev/" + key, S(self.word() + "-" + self.word(), self.style())) for key in self.r.sample(WORDS, self.r.randint(2, 6))])))
        if self.chance(0.6):
            items.append(("configMapGenerator", L([M([("name", app + "-env"), ("literals", L([S(name + "=" + self.word()) for name in self.names(self.r.randint(4, 16))]))])])))
        if env and self.chance(0.4):
            patch = ("- op: replace\n  path: /spec/replicas\n  value: " + str(self.r.randint(2, 9)) +
                     "\n- op: add\n  path: /spec/template/metadata/annotations/acme.dev~1env\n  value: " + env + "\n")
            items.append(C("inline JSON 6902 patch"))
            items.append(("patchesJson6902", L([M([("target", M([("group", "apps"), ("version", "v1"), ("kind", "Deployment"), ("name", app)])), ("patch", B(patch, "|-"))])])))
        return M(items)

    # Helm ----------------------------------------------------------------

    def helm_image(self, api, layout_kind):
        """An image block in one of the Helm layouts, as (key, value) pairs."""
        if layout_kind == "string":
            return ("image", self.image_value(api, "helm image: string"))
        tag_style = self.style(0.5, 0.4)
        if layout_kind == "bitnami":
            if api:
                return ("image", M([("registry", "ghcr.io"), ("repository", "acme/api"), ("tag", T("", self.pick(API_TAGS), "", tag_style, "helm bitnami registry/repository/tag")), ("digest", S("", "double")), ("pullPolicy", "IfNotPresent")]))
            img = self.pick(["docker.io|acme/api", "ghcr.io|acme/api-worker", "docker.io|bitnami/postgresql", "ghcr.io|acme/web"]).split("|")
            return ("image", M([("registry", img[0]), ("repository", img[1]), ("tag", S(self.pick(OTHER_TAGS), tag_style)), ("digest", S("", "double")), ("pullPolicy", "IfNotPresent")]))
        if api:
            tag = T("", self.pick(API_TAGS), "", tag_style, "helm image.repository+tag" + (" (flow)" if layout_kind == "flow" else ""))
            repo = TARGET
        else:
            tag = S(self.pick(OTHER_TAGS + API_TAGS), tag_style)
            repo = self.pick(DECOYS + OTHERS)
        if layout_kind == "flow":
            return ("image", M([("repository", S(repo, self.style(0.7, 0.2))), ("tag", tag)], flow=True))
        items = [("repository", S(repo, self.style(0.7, 0.2))), ("tag", tag, "overridden by CI" if self.chance(0.1) else None)]
        if self.chance(0.5):
            items.append(("pullPolicy", "IfNotPresent"))
        return ("image", M(items))

    def helm_values_body(self, app, api, layout_kind, size):
        items = []
        if self.chance(0.6):
            items.append(C("Default values for " + app + "."))
            items.append(C("This is a YAML-formatted file."))
        items.append(("replicaCount", self.r.randint(1, 5)))
        anchors = self.chance(0.05)
        if anchors:
            items.append(("commonLabels", M([("team", self.pick(TEAMS)), ("tier", "backend")], anchor="labels")))
        if self.chance(0.6):
            # Per-component blocks, the chart's main image under api:.
            items.append(("api", M([self.helm_image(api, layout_kind), ("replicaCount", self.r.randint(1, 5)), ("resources", self.resources())])))
            items.append(("worker", M([self.helm_image(False, layout_kind if layout_kind != "string" else "repo"), ("concurrency", self.r.randint(2, 16))])))
        else:
            items.append(self.helm_image(api, layout_kind))
            if self.chance(0.3):
                items.append(("migrations", M([("enabled", True), ("image", M([("repository", "ghcr.io/acme/api/migrations"), ("tag", S(self.pick(API_TAGS), self.style()))]))])))
        items.append(("imagePullSecrets", L([M([("name", "ghcr-pull")])])))
        items.append(("serviceAccount", M([("create", True), ("annotations", M([("eks.amazonaws.com/role-arn", S("arn:aws:iam::123456789012:role/" + app, self.style(0.5, 0.3)))])), ("name", S("", "double"))])))
        items.append(("podAnnotations", M([("prometheus.io/scrape", S("true", "double"))])))
        if anchors:
            items.append(("podLabels", Alias("labels")))
        items.append(Blank())
        items.append(("service", M([("type", "ClusterIP"), ("port", 80)])))
        items.append(("ingress", M([("enabled", self.chance(0.5)), ("className", "nginx"),
                                    ("hosts", L([M([("host", app + "." + self.pick(REGIONS) + ".acme.dev"), ("paths", L([M([("path", "/"), ("pathType", "Prefix")])]))])])),
                                    ("tls", L([]))])))
        items.append(("resources", self.resources()))
        items.append(("autoscaling", M([("enabled", True), ("minReplicas", 2), ("maxReplicas", 10), ("targetCPUUtilizationPercentage", 75)])))
        env = []
        for key in self.names(size):
            env.append((key, S(self.pick(["true", "false", "30s", "info", self.word()]), self.style(0.4, 0.5))))
        items.append(("env", M(env)))
        if self.chance(0.5):
            items.append(("config", B(self.config_text(app, api, self.r.randint(5, 40)))))
        items.append(("nodeSelector", M([])))
        items.append(("tolerations", L([])))
        items.append(("affinity", M([])))
        return items

    def helmrelease(self, app, ns, api, layout_kind):
        values = self.helm_values_body(app, api, layout_kind, self.r.randint(10, 40))
        values = [v for v in values if not isinstance(v, C)]
        return M([
            ("apiVersion", "helm.toolkit.fluxcd.io/v2"),
            ("kind", "HelmRelease"),
            ("metadata", M([("name", app), ("namespace", ns)])),
            ("spec", M([
                ("interval", "10m"),
                ("timeout", "5m"),
                ("chart", M([("spec", M([("chart", app), ("version", S(self.pick(["1.2.x", ">=1.0.0", "0.4.3"]), "double")),
                                         ("sourceRef", M([("kind", "HelmRepository"), ("name", "acme"), ("namespace", "flux-system")])), ("interval", "1h")]))])),
                ("install", M([("remediation", M([("retries", 3)]))])),
                ("upgrade", M([("remediation", M([("retries", 3), ("remediateLastFailure", True)])), ("cleanupOnFail", True)])),
                ("values", M(values)),
            ])),
        ])

    def argo_app(self, app, ns, api, env):
        params = []
        if api:
            params.append(M([("name", "image.repository"), ("value", TARGET)]))
            params.append(M([("name", "image.tag"), ("value", T("", self.pick(API_TAGS), "", self.style(0.4, 0.5), "argo helm.parameters"))]))
        else:
            params.append(M([("name", "image.repository"), ("value", self.pick(DECOYS + OTHERS))]))
            params.append(M([("name", "image.tag"), ("value", S(self.pick(API_TAGS + OTHER_TAGS), self.style(0.4, 0.5)))]))
        if self.chance(0.4):
            params.append(M([("name", "worker.image.repository"), ("value", WORKER)]))
            params.append(M([("name", "worker.image.tag"), ("value", S(self.pick(API_TAGS), self.style(0.4, 0.5)))]))
        for _ in range(self.r.randint(3, 16)):
            params.append(M([("name", self.pick(["replicaCount", "resources.limits.memory", "ingress.enabled", "env.LOG_LEVEL", "podAnnotations.team"]) + ("" if self.chance(0.5) else "." + self.word())),
                             ("value", S(self.pick(["3", "true", "512Mi", "info", self.word()]), "double"))]))
        if self.chance(0.3):
            params.insert(2, C("image.tag is written by the deploy pipeline"))
        return M([
            ("apiVersion", "argoproj.io/v1alpha1"),
            ("kind", "Application"),
            ("metadata", M([("name", app + "-" + env), ("namespace", "argocd"), ("finalizers", L([S("resources-finalizer.argocd.argoproj.io")])),
                            ("annotations", M([("notifications.argoproj.io/subscribe.on-sync-failed.slack", "deploys-" + env)]))])),
            ("spec", M([
                ("project", self.pick(TEAMS)),
                ("source", M([("repoURL", "https://charts.acme.dev"), ("chart", app), ("targetRevision", S(self.pick(["1.2.3", "0.9.0", "2.0.1"]), self.style())),
                              ("helm", M([("releaseName", app), ("valueFiles", L([S("values-" + env + ".yaml")])), ("parameters", L(params))]))])),
                ("destination", M([("server", "https://kubernetes.default.svc"), ("namespace", ns)])),
                ("syncPolicy", M([("automated", M([("prune", True), ("selfHeal", True)])) if env != "prod" else ("syncOptions", L([S("CreateNamespace=true")])),
                                  ("retry", M([("limit", 5), ("backoff", M([("duration", "5s"), ("factor", 2), ("maxDuration", "3m")]))]))])),
            ])),
        ])


# --------------------------------------------------------------------------
# The tree.


class Tree:
    def __init__(self, out, seed):
        self.out = out
        self.g = Gen(seed)
        self.files = {}  # relpath -> (pristine, expected, spans, layouts)
        self.order = []

    def add(self, rel, docs, fmt="yaml"):
        g = self.g
        crlf = g.chance(0.05)
        bom = g.chance(0.03)
        final_newline = not g.chance(0.05)
        o = Out("\r\n" if crlf else "\n", seq_indent=g.chance(0.7))
        if fmt == "json":
            emit_json(o, docs[0], 0)
            o.w(o.nl)
        else:
            explicit_first = g.chance(0.3)
            for i, doc in enumerate(docs):
                if i > 0 or explicit_first:
                    o.w("---" + o.nl)
                emit_map(o, doc, 0)
        pristine, expected, spans, layouts = o.finish(bom and fmt != "json", final_newline)
        self.files[rel] = (pristine, expected, spans, layouts)
        self.order.append(rel)

    def app_files(self, n):
        g = self.g
        app = g.word() + "-" + g.word() + "-" + str(n)
        ns = g.pick(TEAMS) + "-" + g.pick(ENVS)
        api = g.chance(0.36)
        style = g.r.random()
        if style < 0.36:
            base = "apps/" + app + "/base/"
            docs = [g.workload(app, ns, api)]
            if g.chance(0.5):
                docs.append(g.service(app, ns))
            if g.chance(0.2):
                docs.append(g.hpa(app, ns))
            self.add(base + "deployment.yaml", docs)
            self.add(base + "service.yaml", [g.service(app, ns)])
            self.add(base + "configmap.yaml", [g.configmap(app, ns, api, big=g.chance(0.3))])
            self.add(base + "kustomization.yaml", [g.kustomization(app, ns, api and g.chance(0.3), None)])
            for env in ENVS:
                d = "apps/" + app + "/overlays/" + env + "/"
                self.add(d + "kustomization.yaml", [g.kustomization(app, ns, api, env)])
                if g.chance(0.4):
                    patch = M([("apiVersion", "apps/v1"), ("kind", "Deployment"), ("metadata", M([("name", app)])),
                               ("spec", M([("replicas", g.r.randint(2, 12)), ("template", M([("spec", M([("containers", L([M([("name", app), ("resources", g.resources())])]))]))]))]))])
                    self.add(d + "patch-resources.yaml", [patch])
            if g.chance(0.3):
                self.add(base + "cronjob.yaml", [g.workload(app + "-report", ns, api and g.chance(0.5))])
        elif style < 0.62:
            layout = g.pick(["repo", "repo", "bitnami", "string", "flow"])
            self.add("charts/" + app + "/values.yaml", [M(g.helm_values_body(app, api, layout, g.r.randint(15, 70)))])
            for env in ENVS:
                if g.chance(0.6):
                    self.add("charts/" + app + "/values-" + env + ".yaml", [M(g.helm_values_body(app, api, layout, g.r.randint(5, 25)))])
            for cluster in g.r.sample(["staging-" + REGIONS[0], "prod-" + REGIONS[0], "prod-" + REGIONS[1], "prod-" + REGIONS[2]], 2):
                self.add("clusters/" + cluster + "/apps/" + app + "/helmrelease.yaml", [g.helmrelease(app, ns, api, layout)])
        elif style < 0.84:
            layout = g.pick(["repo", "repo", "bitnami", "string"])
            self.add("charts/" + app + "/values.yaml", [M(g.helm_values_body(app, api, layout, g.r.randint(15, 70)))])
            for env in ENVS:
                self.add("argocd/" + env + "/" + app + ".yaml", [g.argo_app(app, ns, api, env)])
        elif style < 0.98:
            docs = [g.configmap(app, ns, api, big=g.chance(0.5)), g.workload(app, ns, api), g.service(app, ns)]
            if g.chance(0.5):
                docs.append(g.hpa(app, ns))
            if g.chance(0.3):
                docs.append(g.workload(app + "-sync", ns, api and g.chance(0.6)))
            self.add("manifests/" + app + "/all.yaml", docs)
            self.add("manifests/" + app + "/ingress.yaml", [M([("apiVersion", "networking.k8s.io/v1"), ("kind", "Ingress"), ("metadata", g.metadata(app, ns)),
                                                                 ("spec", M([("ingressClassName", "nginx"), ("rules", L([M([("host", app + ".acme.dev"), ("http", M([("paths", L([M([("path", "/"), ("pathType", "Prefix"), ("backend", M([("service", M([("name", app), ("port", M([("number", 80)]))]))]))])]))]))])]))]))])])
        else:
            self.add("manifests/" + app + "/deployment.json", [g.workload(app, ns, api)], fmt="json")
            self.add("manifests/" + app + "/service.json", [g.service(app, ns)], fmt="json")

    def build(self, nfiles):
        n = 0
        while len(self.order) < nfiles:
            self.app_files(n)
            n += 1
        for rel in self.order[nfiles:]:
            del self.files[rel]
        self.order = self.order[:nfiles]

    def write(self):
        # Rewrite only what differs from a previous run (creating files is
        # the slow part on some disks) and remove files no longer generated.
        wanted = set(self.order)
        for sub in ("pristine", "expected"):
            top = os.path.join(self.out, sub)
            for dirpath, _dirs, names in os.walk(top, topdown=False):
                for name in names:
                    path = os.path.join(dirpath, name)
                    if os.path.relpath(path, top) not in wanted:
                        os.unlink(path)
                if dirpath != top and not os.listdir(dirpath):
                    os.rmdir(dirpath)
        made = set()
        targets = {}
        layouts = {}
        total = 0
        with_targets = 0
        for rel in self.order:
            pristine, expected, spans, lay = self.files[rel]
            d = os.path.dirname(rel)
            if d not in made:
                os.makedirs(os.path.join(self.out, "pristine", d), exist_ok=True)
                os.makedirs(os.path.join(self.out, "expected", d), exist_ok=True)
                made.add(d)
            write_if_changed(os.path.join(self.out, "pristine", rel), pristine)
            write_if_changed(os.path.join(self.out, "expected", rel), expected)
            total += len(pristine)
            if spans:
                targets[rel] = spans
                with_targets += 1
            for name in lay:
                layouts[name] = layouts.get(name, 0) + 1
        meta = {
            "target": TARGET,
            "new_tag": NEW_TAG,
            "set": TARGET + "=" + TARGET + ":" + NEW_TAG,
            "files": len(self.order),
            "bytes": total,
            "files_with_targets": with_targets,
            "targets_by_layout": dict(sorted(layouts.items())),
            "spans": targets,
        }
        with open(os.path.join(self.out, "targets.json"), "w") as f:
            json.dump(meta, f)
        return meta


def write_if_changed(path, data):
    try:
        with open(path, "rb") as f:
            if f.read() == data:
                return
    except FileNotFoundError:
        pass
    with open(path, "wb") as f:
        f.write(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", help="directory to write pristine/, expected/ and targets.json into")
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=4)
    args = ap.parse_args()
    start = time.monotonic()
    tree = Tree(args.out, args.seed)
    tree.build(args.files)
    meta = tree.write()
    took = time.monotonic() - start
    share = meta["files_with_targets"] / max(1, meta["files"])
    print(f"generated {meta['files']} files, {meta['bytes'] / 1e6:.1f} MB, "
          f"{meta['files_with_targets']} ({share:.0%}) with {sum(meta['targets_by_layout'].values())} "
          f"tags of {TARGET}, in {took:.1f} s", file=sys.stderr)
    for name, count in meta["targets_by_layout"].items():
        print(f"  {count:6d}  {name}", file=sys.stderr)


if __name__ == "__main__":
    main()
