//! Every format, layout and rule, each case asserting the exact bytes out
//! (or the exact kind of refusal).

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use gantry_manifest::{FileOptions, PlanError, Update, plan_file};

enum Want {
    /// The exact new text.
    Out(&'static str),
    /// Nothing changes.
    Same,
    /// Refused, with an error whose text contains this.
    Err(&'static str),
}
use Want::{Err as Refused, Out, Same};

struct Case {
    name: &'static str,
    file: &'static str,
    src: &'static str,
    set: &'static [&'static str],
    targets: &'static [&'static str],
    add: bool,
    want: Want,
}

const fn c(
    name: &'static str,
    src: &'static str,
    set: &'static [&'static str],
    want: Want,
) -> Case {
    Case {
        name,
        file: "manifest.yaml",
        src,
        set,
        targets: &[],
        add: false,
        want,
    }
}

const fn named(mut case: Case, file: &'static str) -> Case {
    case.file = file;
    case
}

const fn target(mut case: Case, targets: &'static [&'static str]) -> Case {
    case.targets = targets;
    case
}

const fn adding(mut case: Case) -> Case {
    case.add = true;
    case
}

const API: &[&str] = &["ghcr.io/acme/api=ghcr.io/acme/api:2.0.0"];
const D: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

fn cases() -> Vec<Case> {
    vec![
        // --- Kubernetes workloads ---------------------------------------
        c(
            "deployment container",
            "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:1.0.0\n",
            API,
            Out(
                "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:2.0.0\n",
            ),
        ),
        c(
            "init, regular and ephemeral containers",
            "apiVersion: v1\nkind: Pod\nspec:\n  initContainers:\n  - image: ghcr.io/acme/api:1\n  containers:\n  - image: ghcr.io/acme/api:1\n  ephemeralContainers:\n  - image: ghcr.io/acme/api:1\n",
            API,
            Out(
                "apiVersion: v1\nkind: Pod\nspec:\n  initContainers:\n  - image: ghcr.io/acme/api:2.0.0\n  containers:\n  - image: ghcr.io/acme/api:2.0.0\n  ephemeralContainers:\n  - image: ghcr.io/acme/api:2.0.0\n",
            ),
        ),
        c(
            "statefulset keeps double quotes and comment",
            "apiVersion: apps/v1\nkind: StatefulSet\nspec:\n  template:\n    spec:\n      containers:\n      - image: \"ghcr.io/acme/api:1.0.0\"  # pinned by CI\n",
            API,
            Out(
                "apiVersion: apps/v1\nkind: StatefulSet\nspec:\n  template:\n    spec:\n      containers:\n      - image: \"ghcr.io/acme/api:2.0.0\"  # pinned by CI\n",
            ),
        ),
        c(
            "daemonset keeps single quotes",
            "apiVersion: apps/v1\nkind: DaemonSet\nspec:\n  template:\n    spec:\n      containers:\n      - image: 'ghcr.io/acme/api:1.0.0'\n",
            API,
            Out(
                "apiVersion: apps/v1\nkind: DaemonSet\nspec:\n  template:\n    spec:\n      containers:\n      - image: 'ghcr.io/acme/api:2.0.0'\n",
            ),
        ),
        c(
            "cronjob job template",
            "apiVersion: batch/v1\nkind: CronJob\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - image: ghcr.io/acme/api:1.0.0\n",
            API,
            Out(
                "apiVersion: batch/v1\nkind: CronJob\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - image: ghcr.io/acme/api:2.0.0\n",
            ),
        ),
        c(
            "job",
            "apiVersion: batch/v1\nkind: Job\nspec:\n  template:\n    spec:\n      containers: [{name: m, image: ghcr.io/acme/api:1.0.0}]\n",
            API,
            Out(
                "apiVersion: batch/v1\nkind: Job\nspec:\n  template:\n    spec:\n      containers: [{name: m, image: ghcr.io/acme/api:2.0.0}]\n",
            ),
        ),
        c(
            "replicaset",
            "apiVersion: apps/v1\nkind: ReplicaSet\nspec:\n  template:\n    spec:\n      containers:\n      - image: ghcr.io/acme/api:1.0.0\n",
            API,
            Out(
                "apiVersion: apps/v1\nkind: ReplicaSet\nspec:\n  template:\n    spec:\n      containers:\n      - image: ghcr.io/acme/api:2.0.0\n",
            ),
        ),
        c(
            "argo rollout",
            "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nspec:\n  template:\n    spec:\n      containers:\n      - image: ghcr.io/acme/api:1.0.0\n",
            API,
            Out(
                "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nspec:\n  template:\n    spec:\n      containers:\n      - image: ghcr.io/acme/api:2.0.0\n",
            ),
        ),
        c(
            "image volume reference",
            "apiVersion: v1\nkind: Pod\nspec:\n  volumes:\n  - name: data\n    image:\n      reference: ghcr.io/acme/api:1.0.0\n      pullPolicy: IfNotPresent\n",
            API,
            Out(
                "apiVersion: v1\nkind: Pod\nspec:\n  volumes:\n  - name: data\n    image:\n      reference: ghcr.io/acme/api:2.0.0\n      pullPolicy: IfNotPresent\n",
            ),
        ),
        c(
            "custom resource image field",
            "apiVersion: serving.knative.dev/v1\nkind: Service\nspec:\n  template:\n    spec:\n      containers:\n      - image: ghcr.io/acme/api:1.0.0\n",
            API,
            Out(
                "apiVersion: serving.knative.dev/v1\nkind: Service\nspec:\n  template:\n    spec:\n      containers:\n      - image: ghcr.io/acme/api:2.0.0\n",
            ),
        ),
        c(
            "configmap data is not an image",
            "apiVersion: v1\nkind: ConfigMap\ndata:\n  image: ghcr.io/acme/api:1.0.0\n",
            API,
            Same,
        ),
        c(
            "metadata annotations are not images",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  annotations:\n    image: ghcr.io/acme/api:1.0.0\nspec: {}\n",
            API,
            Same,
        ),
        c(
            "a longer repository never matches",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api-worker:1.0.0\n  - image: ghcr.io/acme/api/sub:1.0.0\n",
            API,
            Same,
        ),
        c(
            "other registry same path does not match",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: docker.io/acme/api:1.0.0\n",
            API,
            Same,
        ),
        c(
            "digest dropped when new ref has none",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api:1.0.0@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
            API,
            Out(
                "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api:2.0.0\n",
            ),
        ),
        c(
            "tag and digest",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api:1.0.0\n",
            &[
                "ghcr.io/acme/api=ghcr.io/acme/api:2.0.0@sha256:1111111111111111111111111111111111111111111111111111111111111111",
            ],
            Out(
                "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api:2.0.0@sha256:1111111111111111111111111111111111111111111111111111111111111111\n",
            ),
        ),
        c(
            "digest only",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api:1.0.0\n",
            &[
                "ghcr.io/acme/api@sha256:1111111111111111111111111111111111111111111111111111111111111111",
            ],
            Out(
                "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api@sha256:1111111111111111111111111111111111111111111111111111111111111111\n",
            ),
        ),
        c(
            "short form --set repo:tag",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api:1.0.0\n",
            &["ghcr.io/acme/api:3.1.4"],
            Out(
                "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api:3.1.4\n",
            ),
        ),
        c(
            "docker hub spellings match, file spelling kept (short)",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: nginx:1.25\n  - image: library/nginx:1.25\n  - image: docker.io/library/nginx:1.25\n  - image: index.docker.io/nginx:1.25\n",
            &["docker.io/library/nginx=nginx:1.27"],
            Out(
                "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: nginx:1.27\n  - image: library/nginx:1.27\n  - image: docker.io/library/nginx:1.27\n  - image: index.docker.io/nginx:1.27\n",
            ),
        ),
        c(
            "renaming to another registry writes NEWREF's name",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: nginx:1.25\n",
            &["nginx=mirror.example.com/library/nginx:1.27"],
            Out(
                "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: mirror.example.com/library/nginx:1.27\n",
            ),
        ),
        c(
            "tag without a tag before",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api\n",
            API,
            Out(
                "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api:2.0.0\n",
            ),
        ),
        c(
            "registry with port",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: localhost:5000/team/app:1\n",
            &["localhost:5000/team/app:2"],
            Out(
                "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: localhost:5000/team/app:2\n",
            ),
        ),
        c(
            "numeric-looking tag gets quoted in plain style",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api:1.0.0\n",
            &["ghcr.io/acme/api:1.10"],
            Out(
                "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api:1.10\n",
            ),
        ),
        c(
            "already up to date is no change",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api:2.0.0\n",
            API,
            Same,
        ),
        c(
            "two images in one run",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api:1\n  - image: redis:7.0\n",
            &["ghcr.io/acme/api:2", "redis:7.2"],
            Out(
                "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api:2\n  - image: redis:7.2\n",
            ),
        ),
        c(
            "multi-document file, only matching documents change",
            "apiVersion: v1\nkind: Service\nmetadata: {name: api}\n---\n# the app\napiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api:1\n...\n---\napiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: redis:7\n",
            API,
            Out(
                "apiVersion: v1\nkind: Service\nmetadata: {name: api}\n---\n# the app\napiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api:2.0.0\n...\n---\napiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: redis:7\n",
            ),
        ),
        c(
            "CRLF line endings kept",
            "apiVersion: v1\r\nkind: Pod\r\nspec:\r\n  containers:\r\n  - image: ghcr.io/acme/api:1\r\n",
            API,
            Out(
                "apiVersion: v1\r\nkind: Pod\r\nspec:\r\n  containers:\r\n  - image: ghcr.io/acme/api:2.0.0\r\n",
            ),
        ),
        c(
            "BOM kept",
            "\u{feff}apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api:1\n",
            API,
            Out(
                "\u{feff}apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api:2.0.0\n",
            ),
        ),
        c(
            "no final newline kept",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api:1",
            API,
            Out(
                "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api:2.0.0",
            ),
        ),
        c(
            "directive and header comment kept",
            "%YAML 1.2\n# generated, then edited by hand\n---\napiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api:1 # here\n",
            API,
            Out(
                "%YAML 1.2\n# generated, then edited by hand\n---\napiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api:2.0.0 # here\n",
            ),
        ),
        c(
            "block strings elsewhere are left alone",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api:1\n    args:\n    - |\n      echo ghcr.io/acme/api:1\n      exit 0\n",
            API,
            Out(
                "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api:2.0.0\n    args:\n    - |\n      echo ghcr.io/acme/api:1\n      exit 0\n",
            ),
        ),
        c(
            "template file refused",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: \"ghcr.io/acme/api:{{ .Values.tag }}\"\n",
            API,
            Refused("template marker"),
        ),
        c(
            "shared anchor refused",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: &img ghcr.io/acme/api:1\n  initContainers:\n  - image: *img\n",
            API,
            Refused("alias elsewhere shares it"),
        ),
        named(
            c(
                "anchor on the enclosing mapping, aliased, refused",
                "defaults: &d\n  image: ghcr.io/acme/api:1\nworker: *d\n",
                API,
                Refused("inside an anchored mapping or sequence"),
            ),
            "values.yaml",
        ),
        named(
            c(
                "anchor on an enclosing flow mapping, aliased, refused",
                "defaults: &d {image: ghcr.io/acme/api:1}\nworker: *d\n",
                API,
                Refused("inside an anchored mapping or sequence"),
            ),
            "values.yaml",
        ),
        named(
            c(
                "anchor on the enclosing mapping, merged, refused",
                "base: &b\n  image:\n    repository: ghcr.io/acme/api\n    tag: \"1\"\nworker:\n  <<: *b\n  replicas: 2\n",
                API,
                Refused("inside an anchored mapping or sequence"),
            ),
            "values.yaml",
        ),
        named(
            c(
                "anchored image mapping shared, tag refused",
                "image: &img\n  repository: ghcr.io/acme/api\n  tag: \"1\"\nsidecar:\n  image: *img\n",
                API,
                Refused("inside an anchored mapping or sequence"),
            ),
            "values.yaml",
        ),
        named(
            c(
                "anchored image mapping shared, already up to date",
                "image: &img\n  repository: ghcr.io/acme/api\n  tag: \"2.0.0\"\nsidecar:\n  image: *img\n",
                API,
                Same,
            ),
            "values.yaml",
        ),
        named(
            c(
                "shared digest slot refused",
                "image: &img\n  repository: ghcr.io/acme/api\n  tag: \"2.0.0\"\n  digest: \"\"\nsidecar:\n  image: *img\n",
                &[
                    "ghcr.io/acme/api=ghcr.io/acme/api:2.0.0@sha256:1111111111111111111111111111111111111111111111111111111111111111",
                ],
                Refused("inside an anchored mapping or sequence"),
            ),
            "values.yaml",
        ),
        c(
            "anchored container list shared, refused",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers: &cs\n  - name: api\n    image: ghcr.io/acme/api:1\n  initContainers: *cs\n",
            API,
            Refused("inside an anchored mapping or sequence"),
        ),
        named(
            c(
                "anchor on the enclosing mapping, not aliased, edited",
                "defaults: &d\n  image: ghcr.io/acme/api:1\nworker:\n  replicas: 2\n",
                API,
                Out("defaults: &d\n  image: ghcr.io/acme/api:2.0.0\nworker:\n  replicas: 2\n"),
            ),
            "values.yaml",
        ),
        named(
            c(
                "an override beside a merge is edited, the shared base is not",
                "base: &b\n  replicas: 1\nworker:\n  <<: *b\n  image: ghcr.io/acme/api:1\n",
                API,
                Out(
                    "base: &b\n  replicas: 1\nworker:\n  <<: *b\n  image: ghcr.io/acme/api:2.0.0\n",
                ),
            ),
            "values.yaml",
        ),
        c(
            "anchor without alias is edited",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: &img ghcr.io/acme/api:1\n",
            API,
            Out(
                "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: &img ghcr.io/acme/api:2.0.0\n",
            ),
        ),
        c(
            "duplicate key on the path refused",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api:1\n    image: ghcr.io/acme/api:1\n",
            API,
            Refused("duplicate key"),
        ),
        c(
            "syntax error refused",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers: [\n",
            API,
            Refused("line 4"),
        ),
        c(
            "List items",
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  spec:\n    containers:\n    - image: ghcr.io/acme/api:1\n",
            API,
            Out(
                "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  spec:\n    containers:\n    - image: ghcr.io/acme/api:2.0.0\n",
            ),
        ),
        // --- kustomization.yaml ------------------------------------------
        named(
            c(
                "kustomize newTag",
                "resources:\n- deploy.yaml\nimages:\n- name: ghcr.io/acme/api\n  newTag: 1.0.0\n",
                API,
                Out(
                    "resources:\n- deploy.yaml\nimages:\n- name: ghcr.io/acme/api\n  newTag: 2.0.0\n",
                ),
            ),
            "kustomization.yaml",
        ),
        c(
            "kustomize by kind, quoted tag kept quoted",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nimages:\n  - name: ghcr.io/acme/api\n    newTag: \"1.0\"\n",
            API,
            Out(
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nimages:\n  - name: ghcr.io/acme/api\n    newTag: \"2.0.0\"\n",
            ),
        ),
        named(
            c(
                "kustomize numeric tag quoted",
                "images:\n- name: ghcr.io/acme/api\n  newTag: v1\n",
                &["ghcr.io/acme/api:1.10"],
                Out("images:\n- name: ghcr.io/acme/api\n  newTag: \"1.10\"\n"),
            ),
            "kustomization.yaml",
        ),
        named(
            c(
                "kustomize adds newTag",
                "images:\n- name: ghcr.io/acme/api\n  newName: ghcr.io/acme/api\n",
                API,
                Out(
                    "images:\n- name: ghcr.io/acme/api\n  newName: ghcr.io/acme/api\n  newTag: 2.0.0\n",
                ),
            ),
            "kustomization.yaml",
        ),
        named(
            c(
                "kustomize matches by newName",
                "images:\n- name: api\n  newName: ghcr.io/acme/api\n  newTag: 1.0.0\n",
                API,
                Out("images:\n- name: api\n  newName: ghcr.io/acme/api\n  newTag: 2.0.0\n"),
            ),
            "kustomization.yaml",
        ),
        named(
            c(
                "kustomize renames with newName",
                "images:\n- name: nginx\n  newTag: \"1.25\"\n",
                &["nginx=mirror.example.com/nginx:1.27"],
                Out(
                    "images:\n- name: nginx\n  newTag: \"1.27\"\n  newName: mirror.example.com/nginx\n",
                ),
            ),
            "kustomization.yaml",
        ),
        named(
            c(
                "kustomize tag-only update removes the old digest",
                "images:\n- name: ghcr.io/acme/api\n  newTag: 1.0.0\n  digest: sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n- name: redis\n  newTag: \"7\"\n",
                API,
                Out(
                    "images:\n- name: ghcr.io/acme/api\n  newTag: 2.0.0\n- name: redis\n  newTag: \"7\"\n",
                ),
            ),
            "kustomization.yaml",
        ),
        named(
            c(
                "kustomize digest-only update removes the old tag",
                "images:\n- name: ghcr.io/acme/api\n  newTag: 1.0.0\n",
                &[
                    "ghcr.io/acme/api@sha256:1111111111111111111111111111111111111111111111111111111111111111",
                ],
                Out(
                    "images:\n- name: ghcr.io/acme/api\n  digest: sha256:1111111111111111111111111111111111111111111111111111111111111111\n",
                ),
            ),
            "kustomization.yaml",
        ),
        named(
            c(
                "kustomize tag and digest both set",
                "images:\n- name: ghcr.io/acme/api\n  newTag: 1.0.0\n  digest: sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
                &[
                    "ghcr.io/acme/api:2.0.0@sha256:1111111111111111111111111111111111111111111111111111111111111111",
                ],
                Out(
                    "images:\n- name: ghcr.io/acme/api\n  newTag: 2.0.0\n  digest: sha256:1111111111111111111111111111111111111111111111111111111111111111\n",
                ),
            ),
            "kustomization.yaml",
        ),
        named(
            c(
                "kustomize removal of the last line without final newline",
                "images:\n- name: ghcr.io/acme/api\n  newTag: 1.0.0\n  digest: sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                API,
                Out("images:\n- name: ghcr.io/acme/api\n  newTag: 2.0.0"),
            ),
            "kustomization.yaml",
        ),
        named(
            c(
                "kustomize CRLF insert",
                "images:\r\n- name: ghcr.io/acme/api\r\n",
                API,
                Out("images:\r\n- name: ghcr.io/acme/api\r\n  newTag: 2.0.0\r\n"),
            ),
            "kustomization.yaml",
        ),
        named(
            c(
                "kustomize entry comments kept",
                "images:\n# the api\n- name: ghcr.io/acme/api # ours\n  newTag: 1.0.0 # bumped by CI\n",
                API,
                Out(
                    "images:\n# the api\n- name: ghcr.io/acme/api # ours\n  newTag: 2.0.0 # bumped by CI\n",
                ),
            ),
            "kustomization.yaml",
        ),
        adding(named(
            c(
                "kustomize appends a missing entry when named explicitly",
                "resources:\n- deploy.yaml\nimages:\n- name: redis\n  newTag: \"7\"\n",
                API,
                Out(
                    "resources:\n- deploy.yaml\nimages:\n- name: redis\n  newTag: \"7\"\n- name: ghcr.io/acme/api\n  newTag: 2.0.0\n",
                ),
            ),
            "kustomization.yaml",
        )),
        adding(named(
            c(
                "kustomize adds images: when missing",
                "resources:\n- deploy.yaml\n",
                &[
                    "ghcr.io/acme/api=ghcr.io/acme/api:2.0.0@sha256:1111111111111111111111111111111111111111111111111111111111111111",
                ],
                Out(
                    "resources:\n- deploy.yaml\nimages:\n- name: ghcr.io/acme/api\n  newTag: 2.0.0\n  digest: sha256:1111111111111111111111111111111111111111111111111111111111111111\n",
                ),
            ),
            "kustomization.yaml",
        )),
        named(
            c(
                "kustomize found by walking does not append",
                "resources:\n- deploy.yaml\n",
                API,
                Same,
            ),
            "kustomization.yaml",
        ),
        named(
            c(
                "kustomize images in flow style",
                "images: [{name: ghcr.io/acme/api, newTag: 1.0.0}]\n",
                API,
                Out("images: [{name: ghcr.io/acme/api, newTag: 2.0.0}]\n"),
            ),
            "kustomization.yaml",
        ),
        named(
            c(
                "kustomize flow entry cannot grow",
                "images: [{name: ghcr.io/acme/api}]\n",
                API,
                Refused("only a block mapping"),
            ),
            "kustomization.yaml",
        ),
        c(
            "flux Kustomization spec.images",
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nspec:\n  images:\n  - name: ghcr.io/acme/api\n    newTag: 1.0.0\n",
            API,
            Out(
                "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nspec:\n  images:\n  - name: ghcr.io/acme/api\n    newTag: 2.0.0\n",
            ),
        ),
        // --- Helm values -------------------------------------------------
        named(
            c(
                "helm repository and tag",
                "image:\n  repository: ghcr.io/acme/api\n  tag: 1.0.0\n  pullPolicy: IfNotPresent\n",
                API,
                Out(
                    "image:\n  repository: ghcr.io/acme/api\n  tag: 2.0.0\n  pullPolicy: IfNotPresent\n",
                ),
            ),
            "values.yaml",
        ),
        named(
            c(
                "helm tag 1.10 stays a string",
                "image:\n  repository: ghcr.io/acme/api\n  tag: \"1.9\"\n",
                &["ghcr.io/acme/api:1.10"],
                Out("image:\n  repository: ghcr.io/acme/api\n  tag: \"1.10\"\n"),
            ),
            "values.yaml",
        ),
        named(
            c(
                "helm plain tag becomes quoted when it would read as a number",
                "image:\n  repository: ghcr.io/acme/api\n  tag: v1\n",
                &["ghcr.io/acme/api:1234e56"],
                Out("image:\n  repository: ghcr.io/acme/api\n  tag: \"1234e56\"\n"),
            ),
            "values.yaml",
        ),
        named(
            c(
                "helm tag on becomes quoted",
                "image:\n  repository: ghcr.io/acme/api\n  tag: 'x'\n  other: \"y\"\n",
                &["ghcr.io/acme/api:on"],
                Out("image:\n  repository: ghcr.io/acme/api\n  tag: 'on'\n  other: \"y\"\n"),
            ),
            "values.yaml",
        ),
        named(
            c(
                "helm empty tag is set",
                "image:\n  repository: ghcr.io/acme/api\n  tag: \"\"\n",
                API,
                Out("image:\n  repository: ghcr.io/acme/api\n  tag: \"2.0.0\"\n"),
            ),
            "values.yaml",
        ),
        named(
            c(
                "helm implicit empty tag is set",
                "image:\n  repository: ghcr.io/acme/api\n  tag:\n",
                API,
                Out("image:\n  repository: ghcr.io/acme/api\n  tag: 2.0.0\n"),
            ),
            "values.yaml",
        ),
        named(
            c(
                "helm adds a missing tag key",
                "image:\n  repository: ghcr.io/acme/api\n  pullPolicy: Always\n",
                API,
                Out("image:\n  repository: ghcr.io/acme/api\n  pullPolicy: Always\n  tag: 2.0.0\n"),
            ),
            "values.yaml",
        ),
        named(
            c(
                "helm digest set and tag kept",
                "image:\n  repository: ghcr.io/acme/api\n  tag: 1.0.0\n  digest: \"\"\n",
                &[
                    "ghcr.io/acme/api:2.0.0@sha256:1111111111111111111111111111111111111111111111111111111111111111",
                ],
                Out(
                    "image:\n  repository: ghcr.io/acme/api\n  tag: 2.0.0\n  digest: \"sha256:1111111111111111111111111111111111111111111111111111111111111111\"\n",
                ),
            ),
            "values.yaml",
        ),
        named(
            c(
                "helm old digest cleared by a tag-only update",
                "image:\n  repository: ghcr.io/acme/api\n  tag: 1.0.0\n  digest: sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
                API,
                Out("image:\n  repository: ghcr.io/acme/api\n  tag: 2.0.0\n  digest: \"\"\n"),
            ),
            "values.yaml",
        ),
        named(
            c(
                "helm digest-only update without digest key refused",
                "image:\n  repository: ghcr.io/acme/api\n  tag: 1.0.0\n",
                &[
                    "ghcr.io/acme/api@sha256:1111111111111111111111111111111111111111111111111111111111111111",
                ],
                Refused("no `digest` field"),
            ),
            "values.yaml",
        ),
        named(
            c(
                "bitnami registry repository tag",
                "image:\n  registry: docker.io\n  repository: bitnami/redis\n  tag: 7.2.4-debian-12-r9\n  digest: \"\"\n",
                &["docker.io/bitnami/redis:7.4.1-debian-12-r0"],
                Out(
                    "image:\n  registry: docker.io\n  repository: bitnami/redis\n  tag: 7.4.1-debian-12-r0\n  digest: \"\"\n",
                ),
            ),
            "values.yaml",
        ),
        named(
            c(
                "bitnami registry moved",
                "image:\n  registry: docker.io\n  repository: bitnami/redis\n  tag: \"7.2\"\n",
                &["bitnami/redis=registry.example.com/mirror/redis:7.4"],
                Out(
                    "image:\n  registry: registry.example.com\n  repository: mirror/redis\n  tag: \"7.4\"\n",
                ),
            ),
            "values.yaml",
        ),
        named(
            c(
                "single image string in values",
                "api:\n  image: ghcr.io/acme/api:1.0.0\n  replicas: 2\n",
                API,
                Out("api:\n  image: ghcr.io/acme/api:2.0.0\n  replicas: 2\n"),
            ),
            "values.yaml",
        ),
        named(
            c(
                "per-component images",
                "frontend:\n  image:\n    repository: ghcr.io/acme/web\n    tag: 1.0.0\nbackend:\n  image:\n    repository: ghcr.io/acme/api\n    tag: 1.0.0\n",
                API,
                Out(
                    "frontend:\n  image:\n    repository: ghcr.io/acme/web\n    tag: 1.0.0\nbackend:\n  image:\n    repository: ghcr.io/acme/api\n    tag: 2.0.0\n",
                ),
            ),
            "values.yaml",
        ),
        named(
            c(
                "global image",
                "global:\n  image:\n    repository: ghcr.io/acme/api\n    tag: 1.0.0\n",
                API,
                Out("global:\n  image:\n    repository: ghcr.io/acme/api\n    tag: 2.0.0\n"),
            ),
            "values.yaml",
        ),
        named(
            c(
                "sidecarImage key",
                "sidecarImage: ghcr.io/acme/api:1.0.0\n",
                API,
                Out("sidecarImage: ghcr.io/acme/api:2.0.0\n"),
            ),
            "values.yaml",
        ),
        named(
            c(
                "image name and tag layout",
                "image:\n  name: ghcr.io/acme/api\n  tag: 1.0.0\n",
                API,
                Out("image:\n  name: ghcr.io/acme/api\n  tag: 2.0.0\n"),
            ),
            "values.yaml",
        ),
        named(
            c(
                "repository key without image context is not an image",
                "source:\n  repository: ghcr.io/acme/api\n  branch: main\n",
                API,
                Same,
            ),
            "values.yaml",
        ),
        named(
            c(
                "values in a list of workers",
                "workers:\n- name: a\n  image:\n    repository: ghcr.io/acme/api\n    tag: 1.0.0\n",
                API,
                Out(
                    "workers:\n- name: a\n  image:\n    repository: ghcr.io/acme/api\n    tag: 2.0.0\n",
                ),
            ),
            "values.yaml",
        ),
        named(
            c(
                "values JSON file",
                "{\n  \"image\": {\n    \"repository\": \"ghcr.io/acme/api\",\n    \"tag\": \"1.0.0\"\n  }\n}\n",
                API,
                Out(
                    "{\n  \"image\": {\n    \"repository\": \"ghcr.io/acme/api\",\n    \"tag\": \"2.0.0\"\n  }\n}\n",
                ),
            ),
            "values.json",
        ),
        named(
            c(
                "kubernetes JSON manifest",
                "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"ghcr.io/acme/api:1\"}]}}",
                API,
                Out(
                    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"ghcr.io/acme/api:2.0.0\"}]}}",
                ),
            ),
            "pod.json",
        ),
        // --- Flux HelmRelease --------------------------------------------
        c(
            "flux helmrelease values",
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: api\nspec:\n  chart:\n    spec:\n      chart: api\n      version: 1.2.3\n  values:\n    image:\n      repository: ghcr.io/acme/api\n      tag: 1.0.0 # deployed\n",
            API,
            Out(
                "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: api\nspec:\n  chart:\n    spec:\n      chart: api\n      version: 1.2.3\n  values:\n    image:\n      repository: ghcr.io/acme/api\n      tag: 2.0.0 # deployed\n",
            ),
        ),
        c(
            "flux helmrelease chart version is not a tag",
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nspec:\n  chart:\n    spec:\n      chart: ghcr.io/acme/api\n      version: 1.0.0\n",
            API,
            Same,
        ),
        c(
            "flux helmrelease canary settings untouched",
            "apiVersion: helm.toolkit.fluxcd.io/v2beta2\nkind: HelmRelease\nspec:\n  values:\n    canary:\n      enabled: true\n      weight: 20\n    image: ghcr.io/acme/api:1.0.0\n",
            API,
            Out(
                "apiVersion: helm.toolkit.fluxcd.io/v2beta2\nkind: HelmRelease\nspec:\n  values:\n    canary:\n      enabled: true\n      weight: 20\n    image: ghcr.io/acme/api:2.0.0\n",
            ),
        ),
        // --- Argo CD Application -----------------------------------------
        c(
            "argocd helm parameters, forceString kept",
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    helm:\n      parameters:\n      - name: image.repository\n        value: ghcr.io/acme/api\n      - name: image.tag\n        value: \"1.0.0\"\n        forceString: true\n",
            API,
            Out(
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    helm:\n      parameters:\n      - name: image.repository\n        value: ghcr.io/acme/api\n      - name: image.tag\n        value: \"2.0.0\"\n        forceString: true\n",
            ),
        ),
        c(
            "argocd whole image parameter",
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    helm:\n      parameters:\n      - {name: worker.image, value: 'ghcr.io/acme/api:1'}\n",
            API,
            Out(
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    helm:\n      parameters:\n      - {name: worker.image, value: 'ghcr.io/acme/api:2.0.0'}\n",
            ),
        ),
        c(
            "argocd valuesObject",
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    helm:\n      valuesObject:\n        image:\n          repository: ghcr.io/acme/api\n          tag: 1.0.0\n",
            API,
            Out(
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    helm:\n      valuesObject:\n        image:\n          repository: ghcr.io/acme/api\n          tag: 2.0.0\n",
            ),
        ),
        c(
            "argocd multiple sources",
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  sources:\n  - repoURL: https://charts.example.com\n    helm:\n      parameters:\n      - name: image.tag\n        value: 1.0.0\n      - name: image.repository\n        value: ghcr.io/acme/api\n  - repoURL: https://git.example.com/acme/config\n",
            API,
            Out(
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  sources:\n  - repoURL: https://charts.example.com\n    helm:\n      parameters:\n      - name: image.tag\n        value: 2.0.0\n      - name: image.repository\n        value: ghcr.io/acme/api\n  - repoURL: https://git.example.com/acme/config\n",
            ),
        ),
        c(
            "argocd kustomize images with name=",
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    kustomize:\n      images:\n      - ghcr.io/acme/api=ghcr.io/acme/api:1.0.0\n      - redis:7\n",
            API,
            Out(
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    kustomize:\n      images:\n      - ghcr.io/acme/api=ghcr.io/acme/api:2.0.0\n      - redis:7\n",
            ),
        ),
        c(
            "argocd kustomize images plain",
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    kustomize:\n      images: [\"ghcr.io/acme/api:1.0.0\"]\n",
            API,
            Out(
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    kustomize:\n      images: [\"ghcr.io/acme/api:2.0.0\"]\n",
            ),
        ),
        c(
            "argocd helm.values block string refused",
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    helm:\n      values: |\n        image:\n          repository: ghcr.io/acme/api\n          tag: 1.0.0\n",
            API,
            Refused("block string"),
        ),
        c(
            "argocd helm.values without the image is fine",
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    helm:\n      values: |\n        replicas: 2\n      parameters:\n      - name: image\n        value: ghcr.io/acme/api:1\n",
            API,
            Out(
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    helm:\n      values: |\n        replicas: 2\n      parameters:\n      - name: image\n        value: ghcr.io/acme/api:2.0.0\n",
            ),
        ),
        // --- markers -----------------------------------------------------
        named(
            c(
                "flux imagepolicy whole marker",
                "app:\n  img: ghcr.io/acme/api:1.0.0 # {\"$imagepolicy\": \"flux-system:api\"}\n",
                API,
                Out(
                    "app:\n  img: ghcr.io/acme/api:2.0.0 # {\"$imagepolicy\": \"flux-system:api\"}\n",
                ),
            ),
            "values.yaml",
        ),
        named(
            c(
                "flux imagepolicy name and tag markers",
                "app:\n  repo: ghcr.io/acme/api # {\"$imagepolicy\": \"flux-system:api:name\"}\n  version: 1.0.0 # {\"$imagepolicy\": \"flux-system:api:tag\"}\n",
                API,
                Out(
                    "app:\n  repo: ghcr.io/acme/api # {\"$imagepolicy\": \"flux-system:api:name\"}\n  version: 2.0.0 # {\"$imagepolicy\": \"flux-system:api:tag\"}\n",
                ),
            ),
            "values.yaml",
        ),
        c(
            "gantry tag marker on an env var",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api:1.0.0\n    env:\n    - name: APP_VERSION\n      value: \"1.0.0\" # gantry: tag=ghcr.io/acme/api\n",
            API,
            Out(
                "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api:2.0.0\n    env:\n    - name: APP_VERSION\n      value: \"2.0.0\" # gantry: tag=ghcr.io/acme/api\n",
            ),
        ),
        named(
            c(
                "gantry tag marker on chart appVersion",
                "apiVersion: v2\nname: api\nversion: 0.3.0\nappVersion: 1.0.0 # gantry: tag=ghcr.io/acme/api\n",
                &["ghcr.io/acme/api:1.10"],
                Out(
                    "apiVersion: v2\nname: api\nversion: 0.3.0\nappVersion: \"1.10\" # gantry: tag=ghcr.io/acme/api\n",
                ),
            ),
            "Chart.yaml",
        ),
        named(
            c(
                "gantry digest marker",
                "pin: sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa # gantry: digest=ghcr.io/acme/api\n",
                &[
                    "ghcr.io/acme/api:2@sha256:1111111111111111111111111111111111111111111111111111111111111111",
                ],
                Out(
                    "pin: sha256:1111111111111111111111111111111111111111111111111111111111111111 # gantry: digest=ghcr.io/acme/api\n",
                ),
            ),
            "values.yaml",
        ),
        named(
            c(
                "gantry tag marker with digest-only update refused",
                "v: 1.0.0 # gantry: tag=ghcr.io/acme/api\n",
                &[
                    "ghcr.io/acme/api@sha256:1111111111111111111111111111111111111111111111111111111111111111",
                ],
                Refused("holds only the tag"),
            ),
            "values.yaml",
        ),
        named(
            c(
                "marker for another image untouched",
                "v: 1.0.0 # gantry: tag=ghcr.io/acme/web\n",
                API,
                Same,
            ),
            "values.yaml",
        ),
        named(
            c(
                "kustomize short form keeps a mirror newName",
                "images:\n- name: nginx\n  newName: registry.internal/mirror/nginx\n  newTag: \"1.25\"\n",
                &["nginx:1.27"],
                Out(
                    "images:\n- name: nginx\n  newName: registry.internal/mirror/nginx\n  newTag: \"1.27\"\n",
                ),
            ),
            "kustomization.yaml",
        ),
        named(
            c(
                "gantry digest marker on an empty value",
                "pin: \"\" # gantry: digest=ghcr.io/acme/api\n",
                &[
                    "ghcr.io/acme/api:2@sha256:1111111111111111111111111111111111111111111111111111111111111111",
                ],
                Out(
                    "pin: \"sha256:1111111111111111111111111111111111111111111111111111111111111111\" # gantry: digest=ghcr.io/acme/api\n",
                ),
            ),
            "values.yaml",
        ),
        target(
            c(
                "a target on a field detection also finds is one site",
                "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: app\n    image: ghcr.io/acme/api:1\n",
                API,
                Out(
                    "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: app\n    image: ghcr.io/acme/api:2.0.0\n",
                ),
            ),
            &["spec.containers[name=app].image"],
        ),
        // --- explicit targets --------------------------------------------
        target(
            named(
                c(
                    "target path to a whole reference",
                    "deploy:\n  app: ghcr.io/acme/api:1.0.0\n",
                    API,
                    Out("deploy:\n  app: ghcr.io/acme/api:2.0.0\n"),
                ),
                "values.yaml",
            ),
            &["deploy.app"],
        ),
        target(
            named(
                c(
                    "target path to a layout mapping with any key",
                    "server:\n  container:\n    repository: ghcr.io/acme/api\n    tag: 1.0.0\n",
                    API,
                    Out(
                        "server:\n  container:\n    repository: ghcr.io/acme/api\n    tag: 2.0.0\n",
                    ),
                ),
                "values.yaml",
            ),
            &["server.container"],
        ),
        target(
            c(
                "target with a selector",
                "apiVersion: example.com/v1\nkind: Thing\nspec:\n  parts:\n  - name: app\n    ref: ghcr.io/acme/api:1.0.0\n  - name: db\n    ref: postgres:16\n",
                API,
                Out(
                    "apiVersion: example.com/v1\nkind: Thing\nspec:\n  parts:\n  - name: app\n    ref: ghcr.io/acme/api:2.0.0\n  - name: db\n    ref: postgres:16\n",
                ),
            ),
            &["spec.parts[name=app].ref"],
        ),
        target(
            named(
                c(
                    "target that does not resolve is skipped",
                    "other: 1\n",
                    API,
                    Same,
                ),
                "values.yaml",
            ),
            &["deploy.app"],
        ),
        // --- more quoting and layout edge cases --------------------------
        named(
            c(
                "flow mapping image",
                "image: {repository: ghcr.io/acme/api, tag: 1.0.0}\n",
                API,
                Out("image: {repository: ghcr.io/acme/api, tag: 2.0.0}\n"),
            ),
            "values.yaml",
        ),
        named(
            c(
                "flow mapping new tag with a comma-unsafe value stays valid",
                "image: {repository: ghcr.io/acme/api, tag: v1}\n",
                &["ghcr.io/acme/api:1.10"],
                Out("image: {repository: ghcr.io/acme/api, tag: \"1.10\"}\n"),
            ),
            "values.yaml",
        ),
        named(
            c(
                "tag null becomes quoted",
                "image:\n  repository: ghcr.io/acme/api\n  tag: v1\n",
                &["ghcr.io/acme/api:null"],
                Out("image:\n  repository: ghcr.io/acme/api\n  tag: \"null\"\n"),
            ),
            "values.yaml",
        ),
        named(
            c(
                "octal-looking tag quoted",
                "image:\n  repository: ghcr.io/acme/api\n  tag: v1\n",
                &["ghcr.io/acme/api:0755"],
                Out("image:\n  repository: ghcr.io/acme/api\n  tag: \"0755\"\n"),
            ),
            "values.yaml",
        ),
        named(
            c(
                "single-quoted file prefers single quotes for new quoting",
                "a: 'x'\nb: 'y'\nimage:\n  repository: 'ghcr.io/acme/api'\n  tag: v1\n",
                &["ghcr.io/acme/api:1.10"],
                Out("a: 'x'\nb: 'y'\nimage:\n  repository: 'ghcr.io/acme/api'\n  tag: '1.10'\n"),
            ),
            "values.yaml",
        ),
        named(
            c(
                "tabs and trailing spaces around elsewhere kept",
                "image:\n  repository: ghcr.io/acme/api   \n  tag: 1.0.0\t# t\n\n\n",
                API,
                Out("image:\n  repository: ghcr.io/acme/api   \n  tag: 2.0.0\t# t\n\n\n"),
            ),
            "values.yaml",
        ),
        named(
            c(
                "non-string tag refused",
                "image:\n  repository: ghcr.io/acme/api\n  tag: !!int 5\n",
                API,
                Refused("tag other than"),
            ),
            "values.yaml",
        ),
        named(c("empty file", "", API, Same), "values.yaml"),
        named(
            c("comment-only file", "# nothing here yet\n", API, Same),
            "values.yaml",
        ),
    ]
}

#[test]
fn every_case_gives_exactly_the_expected_bytes() {
    let cases = cases();
    assert!(cases.len() >= 80, "{} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let updates = Update::parse_all(case.set).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let options = FileOptions {
            targets: case.targets.iter().map(|t| (*t).to_owned()).collect(),
            add_to_kustomization: case.add,
            allow_shared_anchor: false,
            require_digest: false,
        };
        let got = plan_file(case.file, case.src, &updates, &options);
        let ok = match (&case.want, &got) {
            (Out(want), Ok(plan)) => plan.output.as_deref() == Some(*want),
            (Same, Ok(plan)) => plan.output.is_none() && plan.changes.is_empty(),
            (Refused(want), Err(e)) => e.to_string().contains(want),
            _ => false,
        };
        if !ok {
            let shown = match &got {
                Ok(plan) => format!("{:?}", plan.output),
                Err(e) => format!("error: {e}"),
            };
            failures.push(format!("{}:\n  got {shown}", case.name));
        }
        // Idempotence: applying the result again changes nothing.
        if let (Out(_), Ok(plan)) = (&case.want, &got)
            && let Some(out) = &plan.output
        {
            let again = plan_file(
                case.file,
                out,
                &updates,
                &FileOptions {
                    add_to_kustomization: false,
                    ..options.clone()
                },
            );
            match again {
                Ok(p) if p.output.is_none() => {}
                other => failures.push(format!("{}: second run not a no-op: {other:?}", case.name)),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn refusals_name_the_line() {
    let src = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: &img ghcr.io/acme/api:1\n  initContainers:\n  - image: *img\n";
    let updates = Update::parse_all(API).unwrap();
    let err = plan_file("pod.yaml", src, &updates, &FileOptions::default()).unwrap_err();
    assert_eq!(err.position().map(|p| p.0), Some(5), "{err}");
    assert!(matches!(err, PlanError::Yaml(_)));
}

#[test]
fn bad_updates_are_refused_with_the_input_named() {
    let table: &[(&str, &str)] = &[
        ("ghcr.io/acme/api=", "invalid image reference"),
        (
            "ghcr.io/acme/api:1=ghcr.io/acme/api:2",
            "has a tag or digest",
        ),
        ("ghcr.io/acme/api=ghcr.io/acme/api", "no tag and no digest"),
        ("ghcr.io/acme/api", "no tag and no digest"),
        ("ghcr.io/Acme/api:1", "invalid image reference"),
        (
            "ghcr.io/acme/api=ghcr.io/acme/api:bad tag",
            "invalid image reference",
        ),
        ("x=y:z@sha256:12", "invalid image reference"),
    ];
    for (spec, want) in table {
        let err = Update::parse(spec).unwrap_err().to_string();
        assert!(err.contains(want) && err.contains(spec), "{spec}: {err}");
    }
    let dup = Update::parse_all(&["nginx:1", "docker.io/library/nginx:2"]).unwrap_err();
    assert!(dup.to_string().contains("set twice"), "{dup}");
    let no_digest = Update::parse("ghcr.io/acme/api:1")
        .unwrap()
        .require_digest()
        .unwrap_err();
    assert!(no_digest.to_string().contains("no digest"), "{no_digest}");
}

#[test]
fn require_digest_refuses_a_layout_with_nowhere_to_put_it() {
    let src = "image:\n  repository: ghcr.io/acme/api\n  tag: 1.0.0\n";
    let updates = Update::parse_all(&[format!("ghcr.io/acme/api:2.0.0@{D}")]).unwrap();
    let lenient = plan_file("values.yaml", src, &updates, &FileOptions::default()).unwrap();
    assert_eq!(
        lenient.notes.len(),
        1,
        "without the flag it is a note: {:?}",
        lenient.notes
    );
    let strict = FileOptions {
        require_digest: true,
        ..FileOptions::default()
    };
    let err = plan_file("values.yaml", src, &updates, &strict).unwrap_err();
    assert!(err.to_string().contains("no `digest` field"), "{err}");
    assert_eq!(err.position(), Some((2, 15)));
}
