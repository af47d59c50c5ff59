//! `actions/gitops` in a workflow run by `act`, offline, on this machine,
//! with the `gantry-gitops` of this build: an update through an
//! environment defined in the inputs, its outputs in a later step, then a
//! revert; the bare repository is checked commit by commit.

use gantry_test_support::act::{Act, ActWorkspace};
use gantry_test_support::git_daemon::{bare_repo, git};
use gantry_test_support::tools;

const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: api\n        image: ghcr.io/acme/api:1.0.0 # bumped by CI\n";

#[test]
fn gitops_action_updates_then_reverts_through_an_environment() {
    let bin_dir = tools::target_bin_dir().unwrap();
    tools::gantry_bin("gantry-gitops").unwrap();
    let base = tempfile::tempdir().unwrap();
    let bare = bare_repo(
        base.path(),
        "deploy",
        &[
            ("envs/staging/api.yaml", DEPLOY),
            ("envs/prod/api.yaml", DEPLOY),
        ],
    )
    .unwrap();
    let url = format!("file://{}", bare.display());
    let workspace = ActWorkspace::new().unwrap();
    workspace
        .copy_from_repo(&["action.yml", "actions", "install", "manifests"])
        .unwrap();
    let workflow = format!(
        r#"name: deploy
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: update
        uses: ./actions/gitops
        with:
          repo: {url}
          environments: |
            staging=main:envs/staging
            production=main:envs/prod
          environment: staging
          set: ghcr.io/acme/api=ghcr.io/acme/api:1.1.0
          author: Deploy Bot <deploy@example.com>
          gantry-source: path
          gantry-path: {bin}
      - id: revert
        uses: ./actions/gitops
        with:
          operation: revert
          repo: {url}
          environments: staging=main:envs/staging
          environment: staging
          image: ghcr.io/acme/api
          reason: smoke test failed
          set: ignored-by-revert:1
          gantry-source: path
          gantry-path: {bin}
      - name: Record the outputs
        shell: bash
        env:
          CHANGED: ${{{{ steps.update.outputs.changed }}}}
          COMMIT: ${{{{ steps.update.outputs.commit }}}}
          OPERATION: ${{{{ steps.update.outputs.operation }}}}
          CHANGES: ${{{{ steps.update.outputs.changes }}}}
          REVERT_CHANGED: ${{{{ steps.revert.outputs.changed }}}}
          REVERT_COMMIT: ${{{{ steps.revert.outputs.commit }}}}
        run: |
          {{
            echo "changed=$CHANGED"
            echo "commit=$COMMIT"
            echo "operation=$OPERATION"
            echo "changes=$CHANGES"
            echo "revert_changed=$REVERT_CHANGED"
            echo "revert_commit=$REVERT_COMMIT"
          }} > "$RIG_OUT/outputs"
"#,
        url = url,
        bin = bin_dir.display()
    );
    let run = Act::new(workflow).run(&workspace).unwrap();
    assert!(run.success(), "{run}");
    let outputs = run.read_out_vars("outputs").unwrap();
    assert_eq!(outputs["changed"], "true", "{run}");
    assert_eq!(outputs["operation"], "update");
    assert_eq!(outputs["revert_changed"], "true");
    let changes: serde_json::Value = serde_json::from_str(&outputs["changes"]).unwrap();
    assert_eq!(changes[0]["file"], "envs/staging/api.yaml", "{changes}");
    assert_eq!(changes[0]["new"], "ghcr.io/acme/api:1.1.0");
    let output = format!("{run}");
    assert!(
        output.contains("the set input is ignored by operation revert"),
        "{run}"
    );

    let log = git(&bare, &["log", "--format=%H|%an <%ae>|%s", "main"]).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 3, "{log}");
    assert!(lines[0].starts_with(&outputs["revert_commit"]), "{log}");
    assert!(
        lines[0].ends_with("|revert(staging): ghcr.io/acme/api 1.1.0 → 1.0.0"),
        "{log}"
    );
    assert!(
        lines[1].starts_with(&format!(
            "{}|Deploy Bot <deploy@example.com>|deploy(staging): ghcr.io/acme/api 1.0.0 → 1.1.0",
            outputs["commit"]
        )),
        "{log}"
    );
    assert_eq!(
        git(&bare, &["show", "main:envs/staging/api.yaml"]).unwrap(),
        DEPLOY
    );
    assert_eq!(
        git(&bare, &["show", "main:envs/prod/api.yaml"]).unwrap(),
        DEPLOY
    );
    let reverted = git(
        &bare,
        &[
            "show",
            &format!("{}:envs/staging/api.yaml", outputs["commit"]),
        ],
    )
    .unwrap();
    assert_eq!(reverted, DEPLOY.replace("1.0.0", "1.1.0"));
}
