//! Environment variables gantry reads, one constant each.
//!
//! Every flag of every binary can also be set through the variable named
//! here (clap's `env = …`), which is how the composite actions pass their
//! inputs without putting `${{ }}` inside a script.

/// Output format: `human` (default) or `json`.
pub const GANTRY_FORMAT: &str = "GANTRY_FORMAT";
/// Colour: `auto` (default), `always` or `never`.
pub const GANTRY_COLOR: &str = "GANTRY_COLOR";
/// Log filter for diagnostics on stderr, in `tracing` syntax (`debug`,
/// `gantry_image=trace`).
pub const GANTRY_LOG: &str = "GANTRY_LOG";
/// The image reference `gantry-tag inspect` reads.
pub const GANTRY_REF: &str = "GANTRY_REF";

// gantry-tag compute (metadata-action's input names, upper-cased).
/// Images to tag, one per line (`images` input of metadata-action).
pub const GANTRY_IMAGES: &str = "GANTRY_IMAGES";
/// Tag rules, one per line (`tags` input of metadata-action).
pub const GANTRY_TAGS: &str = "GANTRY_TAGS";
/// Flavor, one setting per line (`flavor` input of metadata-action).
pub const GANTRY_FLAVOR: &str = "GANTRY_FLAVOR";
/// Extra labels, `key=value` per line.
pub const GANTRY_LABELS: &str = "GANTRY_LABELS";
/// Extra annotations, `key=value` per line.
pub const GANTRY_ANNOTATIONS: &str = "GANTRY_ANNOTATIONS";
/// Where the git context comes from: `auto`, `github`, `git` or `flags`.
pub const GANTRY_CONTEXT: &str = "GANTRY_CONTEXT";
/// The checkout `--context git` reads.
pub const GANTRY_GIT_DIR: &str = "GANTRY_GIT_DIR";
/// Event name for `--context flags` (or to override).
pub const GANTRY_EVENT: &str = "GANTRY_EVENT";
/// Full git ref for `--context flags` (or to override).
pub const GANTRY_GIT_REF: &str = "GANTRY_GIT_REF";
/// Commit SHA for `--context flags` (or to override).
pub const GANTRY_SHA: &str = "GANTRY_SHA";
/// Default branch of the repository (or to override).
pub const GANTRY_DEFAULT_BRANCH: &str = "GANTRY_DEFAULT_BRANCH";
/// Base ref of a pull request (or to override).
pub const GANTRY_BASE_REF: &str = "GANTRY_BASE_REF";
/// The current time (RFC 3339), for reproducible `{{date}}` and `schedule` tags.
pub const GANTRY_NOW: &str = "GANTRY_NOW";
/// Length of short SHAs everywhere.
pub const GANTRY_SHORT_SHA_LENGTH: &str = "GANTRY_SHORT_SHA_LENGTH";
/// Shorten tags over 128 characters with a hash suffix.
pub const GANTRY_SHORTEN_LONG_TAGS: &str = "GANTRY_SHORTEN_LONG_TAGS";
/// Prefix `_` to a tag that starts with `.` or `-`.
pub const GANTRY_FIX_FIRST_CHARACTER: &str = "GANTRY_FIX_FIRST_CHARACTER";
/// `latest` only for the highest stable semver in the registry.
pub const GANTRY_LATEST_FROM_REGISTRY: &str = "GANTRY_LATEST_FROM_REGISTRY";
/// Succeed when the rules yield no tag.
pub const GANTRY_ALLOW_EMPTY: &str = "GANTRY_ALLOW_EMPTY";
/// Monorepo git tag prefix, such as `api/`.
pub const GANTRY_TAG_PREFIX: &str = "GANTRY_TAG_PREFIX";
/// No major tag for `0.x` versions.
pub const GANTRY_SKIP_MAJOR_ZERO: &str = "GANTRY_SKIP_MAJOR_ZERO";
/// Separator of the `tags` output.
pub const GANTRY_SEP_TAGS: &str = "GANTRY_SEP_TAGS";

// gantry-tag push / resolve.
/// The image in a registry to add tags to.
pub const GANTRY_SOURCE: &str = "GANTRY_SOURCE";
/// The image in the local Docker daemon to tag and push.
pub const GANTRY_LOCAL_IMAGE: &str = "GANTRY_LOCAL_IMAGE";
/// Explicit targets (references or bare tags), one per line.
pub const GANTRY_TARGETS: &str = "GANTRY_TARGETS";
/// Registry user name (else the Docker config file).
pub const GANTRY_REGISTRY_USERNAME: &str = "GANTRY_REGISTRY_USERNAME";
/// Registry password or token (else the Docker config file).
pub const GANTRY_REGISTRY_PASSWORD: &str = "GANTRY_REGISTRY_PASSWORD";
/// Directory of the Docker config file (`config.json`), as Docker reads it.
pub const DOCKER_CONFIG: &str = "DOCKER_CONFIG";
/// Registries spoken to over plain HTTP, one per line or comma-separated.
pub const GANTRY_INSECURE_REGISTRIES: &str = "GANTRY_INSECURE_REGISTRIES";
/// Print what would be pushed, push nothing.
pub const GANTRY_DRY_RUN: &str = "GANTRY_DRY_RUN";
/// Timeout of one registry request, e.g. `30s`.
pub const GANTRY_REGISTRY_TIMEOUT: &str = "GANTRY_REGISTRY_TIMEOUT";
/// Attempts per registry request (429, 5xx, timeouts).
pub const GANTRY_REGISTRY_ATTEMPTS: &str = "GANTRY_REGISTRY_ATTEMPTS";

// gantry-patch.
/// Updates, `NAME=NEWREF` (or `NEWREF`), one per line.
pub const GANTRY_SET: &str = "GANTRY_SET";
/// Files and directories to read, one per line.
pub const GANTRY_PATHS: &str = "GANTRY_PATHS";
/// Explicit paths of image values inside files, one per line.
pub const GANTRY_PATCH_TARGETS: &str = "GANTRY_PATCH_TARGETS";
/// Exit 1 if anything would change; write nothing.
pub const GANTRY_CHECK: &str = "GANTRY_CHECK";
/// Refuse updates (and, in `audit`, references) without a digest.
pub const GANTRY_REQUIRE_DIGEST: &str = "GANTRY_REQUIRE_DIGEST";
/// Edit an anchored value even though an alias shares it.
pub const GANTRY_ALLOW_SHARED_ANCHOR: &str = "GANTRY_ALLOW_SHARED_ANCHOR";
/// Succeed when an image of --set is found nowhere.
pub const GANTRY_ALLOW_MISSING: &str = "GANTRY_ALLOW_MISSING";

// gantry-gitops.
/// The GitOps repository URL.
pub const GANTRY_REPO: &str = "GANTRY_REPO";
/// The branch to update.
pub const GANTRY_BRANCH: &str = "GANTRY_BRANCH";
/// Repository-relative paths to update, one per line.
pub const GANTRY_REPO_PATHS: &str = "GANTRY_REPO_PATHS";
/// The environment to update (from `.gantry/environments.yaml` or --environment).
pub const GANTRY_ENVIRONMENT: &str = "GANTRY_ENVIRONMENT";
/// Environment definitions `NAME=BRANCH[:PATH,…]`, one per line.
pub const GANTRY_ENVIRONMENTS: &str = "GANTRY_ENVIRONMENTS";
/// HTTPS token for the repository (and the GitHub API). Never printed.
pub const GANTRY_TOKEN: &str = "GANTRY_TOKEN";
/// Commit author, `Name <email>`.
pub const GANTRY_AUTHOR: &str = "GANTRY_AUTHOR";
/// Committer, `Name <email>`.
pub const GANTRY_COMMITTER: &str = "GANTRY_COMMITTER";
/// Commit message template.
pub const GANTRY_MESSAGE: &str = "GANTRY_MESSAGE";
/// Push attempts before giving up.
pub const GANTRY_PUSH_ATTEMPTS: &str = "GANTRY_PUSH_ATTEMPTS";
/// Clone the whole repository instead of a minimal clone.
pub const GANTRY_FULL_CLONE: &str = "GANTRY_FULL_CLONE";
/// How to write: `push`, `pr` or `api`.
pub const GANTRY_MODE: &str = "GANTRY_MODE";
/// Promote from this environment.
pub const GANTRY_FROM: &str = "GANTRY_FROM";
/// Promote to this environment.
pub const GANTRY_TO: &str = "GANTRY_TO";
/// The image (repository) to promote or revert.
pub const GANTRY_IMAGE: &str = "GANTRY_IMAGE";
/// The reference to revert to.
pub const GANTRY_REVERT_TO: &str = "GANTRY_REVERT_TO";
/// Why a revert is made, for its commit message.
pub const GANTRY_REASON: &str = "GANTRY_REASON";
/// Where to make clones (a temporary directory inside it).
pub const GANTRY_WORKDIR: &str = "GANTRY_WORKDIR";
/// Source repository trailer (default: GITHUB_REPOSITORY).
pub const GANTRY_SOURCE_REPOSITORY: &str = "GANTRY_SOURCE_REPOSITORY";
/// Source commit trailer (default: GITHUB_SHA).
pub const GANTRY_SOURCE_COMMIT: &str = "GANTRY_SOURCE_COMMIT";
/// Workflow run URL trailer (default: from GITHUB_SERVER_URL, GITHUB_REPOSITORY and GITHUB_RUN_ID).
pub const GANTRY_RUN_URL: &str = "GANTRY_RUN_URL";
/// Actor trailer (default: GITHUB_ACTOR).
pub const GANTRY_ACTOR: &str = "GANTRY_ACTOR";
/// GitHub REST API root for `--mode pr|api` (default: GITHUB_API_URL, else https://api.github.com).
pub const GANTRY_GITHUB_API_URL: &str = "GANTRY_GITHUB_API_URL";
/// The GitOps repository on GitHub, `OWNER/NAME` (default: read from the repository URL).
pub const GANTRY_GITHUB_REPOSITORY: &str = "GANTRY_GITHUB_REPOSITORY";
/// Attempts per GitHub API request on 5xx and rate limits.
pub const GANTRY_API_ATTEMPTS: &str = "GANTRY_API_ATTEMPTS";
/// Labels for the pull request (`--mode pr`), comma-separated.
pub const GANTRY_PR_LABELS: &str = "GANTRY_PR_LABELS";
/// Reviewers to request on the pull request (`--mode pr`): users, or `org/team`.
pub const GANTRY_PR_REVIEWERS: &str = "GANTRY_PR_REVIEWERS";
/// Turn on auto-merge for the pull request (`--mode pr`): `merge`, `squash` or `rebase`.
pub const GANTRY_PR_AUTO_MERGE: &str = "GANTRY_PR_AUTO_MERGE";

// gantry-canary.
/// HTTP probe URLs, one per line.
pub const GANTRY_PROBES: &str = "GANTRY_PROBES";
/// HTTP method of the probes.
pub const GANTRY_PROBE_METHOD: &str = "GANTRY_PROBE_METHOD";
/// Extra request headers of the probes, `Name: value`, one per line (values masked).
pub const GANTRY_PROBE_HEADERS: &str = "GANTRY_PROBE_HEADERS";
/// Expected HTTP statuses of the probes, comma-separated.
pub const GANTRY_EXPECT_STATUS: &str = "GANTRY_EXPECT_STATUS";
/// A regex the probe's body must match.
pub const GANTRY_EXPECT_BODY: &str = "GANTRY_EXPECT_BODY";
/// A JSON pointer check of the probe's body, `/pointer=value`.
pub const GANTRY_EXPECT_JSON: &str = "GANTRY_EXPECT_JSON";
/// Time limit of one probe.
pub const GANTRY_PROBE_TIMEOUT: &str = "GANTRY_PROBE_TIMEOUT";
/// Latency above which a probe fails.
pub const GANTRY_LATENCY_LIMIT: &str = "GANTRY_LATENCY_LIMIT";
/// Prometheus base URL.
pub const GANTRY_PROMETHEUS_URL: &str = "GANTRY_PROMETHEUS_URL";
/// Bearer token for Prometheus (masked).
pub const GANTRY_PROMETHEUS_TOKEN: &str = "GANTRY_PROMETHEUS_TOKEN";
/// PromQL instant query, templated with {{name}}, {{namespace}}, {{version}}, {{interval}}.
pub const GANTRY_QUERY: &str = "GANTRY_QUERY";
/// Lowest passing value of the query.
pub const GANTRY_QUERY_MIN: &str = "GANTRY_QUERY_MIN";
/// Highest passing value of the query.
pub const GANTRY_QUERY_MAX: &str = "GANTRY_QUERY_MAX";
/// Time between two measurements.
pub const GANTRY_INTERVAL: &str = "GANTRY_INTERVAL";
/// Wait before the first measurement.
pub const GANTRY_INITIAL_DELAY: &str = "GANTRY_INITIAL_DELAY";
/// Passed intervals needed to promote.
pub const GANTRY_COUNT: &str = "GANTRY_COUNT";
/// Failed intervals that roll back.
pub const GANTRY_FAILURE_LIMIT: &str = "GANTRY_FAILURE_LIMIT";
/// Failed intervals in a row that roll back.
pub const GANTRY_CONSECUTIVE_LIMIT: &str = "GANTRY_CONSECUTIVE_LIMIT";
/// Intervals with provider errors tolerated.
pub const GANTRY_PROVIDER_ERROR_BUDGET: &str = "GANTRY_PROVIDER_ERROR_BUDGET";
/// What an interval without data counts as: fail, inconclusive, pass.
pub const GANTRY_NO_DATA: &str = "GANTRY_NO_DATA";
/// Hard deadline of the whole analysis.
pub const GANTRY_DEADLINE: &str = "GANTRY_DEADLINE";
/// Where to write the JSON report.
pub const GANTRY_REPORT: &str = "GANTRY_REPORT";
/// The canary's name, for query templates.
pub const GANTRY_CANARY_NAME: &str = "GANTRY_CANARY_NAME";
/// The canary's namespace, for query templates.
pub const GANTRY_CANARY_NAMESPACE: &str = "GANTRY_CANARY_NAMESPACE";
/// The canary's version, for query templates.
pub const GANTRY_CANARY_VERSION: &str = "GANTRY_CANARY_VERSION";
/// The stable version the judge compares the canary with.
pub const GANTRY_BASELINE_VERSION: &str = "GANTRY_BASELINE_VERSION";
/// The analysis spec file (YAML or JSON).
pub const GANTRY_SPEC: &str = "GANTRY_SPEC";
/// Canary traffic steps in percent, comma-separated (`10,25,50,100`).
pub const GANTRY_STEPS: &str = "GANTRY_STEPS";
/// Shell command that shifts traffic to `$GANTRY_CANARY_WEIGHT` percent.
pub const GANTRY_ON_STEP: &str = "GANTRY_ON_STEP";
/// Webhook that shifts traffic (receives `canaryWeight`, `stableWeight`).
pub const GANTRY_STEP_WEBHOOK: &str = "GANTRY_STEP_WEBHOOK";
/// Shell command run before the first interval; a failure rolls back.
pub const GANTRY_PRE_ANALYSIS: &str = "GANTRY_PRE_ANALYSIS";
/// Shell command run after the decision to promote.
pub const GANTRY_ON_PROMOTE: &str = "GANTRY_ON_PROMOTE";
/// Shell command run after the decision to roll back.
pub const GANTRY_ON_ROLLBACK: &str = "GANTRY_ON_ROLLBACK";
/// Time limit of each hook and traffic shift.
pub const GANTRY_HOOK_TIMEOUT: &str = "GANTRY_HOOK_TIMEOUT";
/// Webhook polled every interval: a 2xx answer rolls back at once.
pub const GANTRY_ABORT_WEBHOOK: &str = "GANTRY_ABORT_WEBHOOK";
/// Create a GitHub Deployment for this environment and report the canary on it.
pub const GANTRY_DEPLOYMENT_ENVIRONMENT: &str = "GANTRY_DEPLOYMENT_ENVIRONMENT";
/// Report the canary on this existing GitHub Deployment.
pub const GANTRY_DEPLOYMENT_ID: &str = "GANTRY_DEPLOYMENT_ID";
/// The ref of the GitHub Deployment (default: GITHUB_SHA).
pub const GANTRY_DEPLOYMENT_REF: &str = "GANTRY_DEPLOYMENT_REF";
/// Where the deployed service answers, shown on the GitHub environment.
pub const GANTRY_ENVIRONMENT_URL: &str = "GANTRY_ENVIRONMENT_URL";

// gantry-rollback.
/// The kubeconfig file.
pub const GANTRY_KUBECONFIG: &str = "GANTRY_KUBECONFIG";
/// The kubeconfig context.
pub const GANTRY_KUBE_CONTEXT: &str = "GANTRY_KUBE_CONTEXT";
/// The Kubernetes namespace.
pub const GANTRY_NAMESPACE: &str = "GANTRY_NAMESPACE";
/// How long to wait for a rollout.
pub const GANTRY_ROLLOUT_TIMEOUT: &str = "GANTRY_ROLLOUT_TIMEOUT";
/// The rollback target spec.
pub const GANTRY_TARGET: &str = "GANTRY_TARGET";
/// The canary weight to set (`gantry-rollback shift`).
pub const GANTRY_WEIGHT: &str = "GANTRY_WEIGHT";
/// The canary workload whose rollout gantry-canary checks (`deployment/NAME`).
pub const GANTRY_WORKLOAD: &str = "GANTRY_WORKLOAD";

// gantry-canary (issue 12).
/// Deadline of each webhook call (hooks, traffic, abort) of gantry-canary.
pub const GANTRY_WEBHOOK_TIMEOUT: &str = "GANTRY_WEBHOOK_TIMEOUT";
/// Variables passed to gantry-canary's hook and shift commands although scrubbed.
pub const GANTRY_HOOK_ENV: &str = "GANTRY_HOOK_ENV";

// Deadlines of gantry-gitops (issue 12).
/// Deadline of each git process (clone, fetch, push, …) of gantry-gitops.
pub const GANTRY_GIT_TIMEOUT: &str = "GANTRY_GIT_TIMEOUT";
/// Deadline of each GitHub API request (gantry-gitops `--mode pr|api`).
pub const GANTRY_GITHUB_TIMEOUT: &str = "GANTRY_GITHUB_TIMEOUT";

// Deadlines (issue 12): `--<service>-timeout`, one request's deadline.
/// Deadline of one Kubernetes API request, e.g. `15s` (gantry-rollback, gantry-canary `--workload`).
pub const GANTRY_KUBE_TIMEOUT: &str = "GANTRY_KUBE_TIMEOUT";
/// Deadline of one Cloud Run Admin API request, e.g. `10s`.
pub const GANTRY_CLOUD_RUN_TIMEOUT: &str = "GANTRY_CLOUD_RUN_TIMEOUT";

// Deadlines (docs/cli.md, "Deadlines and read limits").
/// Deadline of each Docker Engine API request (gantry-tag push --local).
pub const GANTRY_DOCKER_TIMEOUT: &str = "GANTRY_DOCKER_TIMEOUT";

// gantry-patch --dry-run --pr-comment (issue 13).
/// Post the dry run as one pull request comment that later runs update.
pub const GANTRY_PR_COMMENT: &str = "GANTRY_PR_COMMENT";
/// Which pull request comment --pr-comment keeps (default: GITHUB_JOB).
pub const GANTRY_PR_COMMENT_KEY: &str = "GANTRY_PR_COMMENT_KEY";
/// The pull request --pr-comment comments on (default: the event payload's).
pub const GANTRY_PR: &str = "GANTRY_PR";

// gantry-tag's separators besides GANTRY_SEP_TAGS (metadata-action's sep-labels, sep-annotations).
/// Separator of gantry-tag's `labels` output.
pub const GANTRY_SEP_LABELS: &str = "GANTRY_SEP_LABELS";
/// Separator of gantry-tag's `annotations` output.
pub const GANTRY_SEP_ANNOTATIONS: &str = "GANTRY_SEP_ANNOTATIONS";
