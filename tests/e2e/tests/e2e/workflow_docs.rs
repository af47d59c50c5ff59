//! docs/workflows/<name>.md cannot drift from .github/workflows/<name>.yml:
//! the reference part of each page (between `<!-- reference:begin -->` and
//! `<!-- reference:end -->`) is made from the workflow file here: every
//! input with its type, default and description, every secret, every
//! output, and the permissions of each job with the comment that says why.
//! A stale page fails with the text it should hold; `GANTRY_UPDATE_DOCS=1`
//! writes it.

use std::fmt::Write as _;
use std::path::PathBuf;

use gantry_test_support::act_workflows::REUSABLE_WORKFLOWS;
use serde_json::Value;

const BEGIN: &str = "<!-- reference:begin (made from the workflow file by tests/e2e/tests/e2e/workflow_docs.rs) -->";
const END: &str = "<!-- reference:end -->";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

fn default_of(input: &Value) -> String {
    match &input["default"] {
        Value::Null if input["required"] == Value::Bool(true) => "required".to_owned(),
        Value::Null => String::new(),
        Value::String(s) if s.is_empty() => "`\"\"`".to_owned(),
        Value::String(s) => format!("`{}`", cell(s)),
        other => format!("`{other}`"),
    }
}

/// The `permissions:` blocks of each job, as written (comments included).
fn job_permissions(text: &str) -> Vec<(String, Vec<String>)> {
    let mut jobs = Vec::new();
    let mut in_jobs = false;
    let mut job = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line == "jobs:" {
            in_jobs = true;
            continue;
        }
        if !in_jobs {
            continue;
        }
        if let Some(name) = line.strip_prefix("  ").and_then(|l| l.strip_suffix(':'))
            && !name.starts_with(' ')
        {
            job = name.to_owned();
        }
        if let Some(rest) = line.strip_prefix("    permissions:") {
            let mut block = Vec::new();
            if !rest.trim().is_empty() {
                block.push(format!("permissions:{rest}"));
            } else {
                while let Some(next) = lines.peek() {
                    if let Some(entry) = next.strip_prefix("      ") {
                        block.push(entry.to_owned());
                        lines.next();
                    } else {
                        break;
                    }
                }
            }
            jobs.push((job.clone(), block));
        }
    }
    jobs
}

fn reference(name: &str, text: &str) -> String {
    let workflow: Value = serde_saphyr::from_str(text).unwrap();
    let on = &workflow["on"];
    let call = &on["workflow_call"];
    let mut out = String::new();
    let _ = writeln!(out, "{BEGIN}\n");
    let _ = writeln!(out, "### Inputs\n");
    let _ = writeln!(
        out,
        "| input | type | default | description |\n|---|---|---|---|"
    );
    if let Some(inputs) = call["inputs"].as_object() {
        for (key, input) in inputs {
            let _ = writeln!(
                out,
                "| `{key}` | {} | {} | {} |",
                input["type"].as_str().unwrap_or(""),
                default_of(input),
                cell(input["description"].as_str().unwrap_or(""))
            );
        }
    }
    if let Some(dispatch) = on["workflow_dispatch"]["inputs"].as_object() {
        let _ = writeln!(
            out,
            "\nStarted by hand (**Actions → {name} → Run workflow**), the form asks for:\n"
        );
        let _ = writeln!(
            out,
            "| input | type | default | description |\n|---|---|---|---|"
        );
        for (key, input) in dispatch {
            let mut kind = input["type"].as_str().unwrap_or("").to_owned();
            if let Some(options) = input["options"].as_array() {
                let options: Vec<&str> = options.iter().filter_map(Value::as_str).collect();
                kind = format!("{kind}: {}", options.join(", "));
            }
            let _ = writeln!(
                out,
                "| `{key}` | {kind} | {} | {} |",
                default_of(input),
                cell(input["description"].as_str().unwrap_or(""))
            );
        }
    }
    let _ = writeln!(out, "\n### Secrets\n");
    match call["secrets"].as_object() {
        Some(secrets) if !secrets.is_empty() => {
            let _ = writeln!(out, "| secret | required | description |\n|---|---|---|");
            for (key, secret) in secrets {
                let _ = writeln!(
                    out,
                    "| `{key}` | {} | {} |",
                    if secret["required"] == Value::Bool(true) {
                        "yes"
                    } else {
                        "no"
                    },
                    cell(secret["description"].as_str().unwrap_or(""))
                );
            }
        }
        _ => {
            let _ = writeln!(out, "None.");
        }
    }
    let _ = writeln!(out, "\n### Outputs\n");
    let _ = writeln!(out, "| output | description |\n|---|---|");
    if let Some(outputs) = call["outputs"].as_object() {
        for (key, output) in outputs {
            let _ = writeln!(
                out,
                "| `{key}` | {} |",
                cell(output["description"].as_str().unwrap_or(""))
            );
        }
    }
    let _ = writeln!(out, "\n### Permissions\n");
    let _ = writeln!(
        out,
        "The workflow asks for nothing at the top (`permissions: {{}}`); each job asks for what it uses. The calling job must grant at least these:\n"
    );
    for (job, block) in job_permissions(text) {
        let _ = writeln!(out, "Job `{job}`:\n\n```yaml");
        if block.len() == 1 && block[0].starts_with("permissions:") {
            let _ = writeln!(out, "{}", block[0]);
        } else {
            let _ = writeln!(out, "permissions:");
            for line in block {
                let _ = writeln!(out, "  {line}");
            }
        }
        let _ = writeln!(out, "```\n");
    }
    let _ = write!(out, "{END}");
    out
}

#[test]
fn every_reusable_workflow_has_a_page_that_matches_it() {
    let update = std::env::var_os("GANTRY_UPDATE_DOCS").is_some();
    let mut stale = Vec::new();
    for file in REUSABLE_WORKFLOWS {
        let name = file.trim_end_matches(".yml");
        let text = std::fs::read_to_string(root().join(".github/workflows").join(file)).unwrap();
        let page_path = root().join("docs/workflows").join(format!("{name}.md"));
        let page = std::fs::read_to_string(&page_path)
            .unwrap_or_else(|e| panic!("{}: {e}", page_path.display()));
        let (Some(begin), Some(end)) = (page.find(BEGIN), page.find(END)) else {
            panic!(
                "{}: no reference markers; add these two lines where the reference goes:\n{BEGIN}\n{END}",
                page_path.display()
            );
        };
        let expected = reference(name, &text);
        let current = &page[begin..end + END.len()];
        if current != expected {
            if update {
                let new = format!("{}{expected}{}", &page[..begin], &page[end + END.len()..]);
                std::fs::write(&page_path, new).unwrap();
            } else {
                stale.push(format!("{}:\n{expected}", page_path.display()));
            }
        }
        // The page's example calls this workflow.
        assert!(
            page.contains(&format!("gantry-dev/gantry/.github/workflows/{file}@")),
            "{}: no example calling {file}",
            page_path.display()
        );
    }
    assert!(
        stale.is_empty(),
        "stale reference (run with GANTRY_UPDATE_DOCS=1 to rewrite):\n\n{}",
        stale.join("\n\n")
    );
}

#[test]
fn the_permissions_reader_keeps_the_comments() {
    let text = "jobs:\n  a:\n    runs-on: x\n    permissions:\n      contents: read # why\n    steps: []\n  b:\n    permissions: {} # none\n";
    assert_eq!(
        job_permissions(text),
        [
            ("a".to_owned(), vec!["contents: read # why".to_owned()]),
            ("b".to_owned(), vec!["permissions: {} # none".to_owned()]),
        ]
    );
}
