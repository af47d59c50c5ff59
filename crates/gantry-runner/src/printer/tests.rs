use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::json;

use super::*;

/// A writer whose bytes the test can read after the printer took it.
#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Buf {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

struct Rig {
    printer: Printer,
    out: Buf,
    err: Buf,
}

fn rig(env: &[(&str, &str)], format: OutputFormat, color: ColorChoice, tty: bool) -> Rig {
    let (out, err) = (Buf::default(), Buf::default());
    let printer = Printer::new(
        RunnerEnv::from_pairs(env.iter().copied()),
        format,
        color,
        Box::new(out.clone()),
        tty,
        Box::new(err.clone()),
        tty,
    );
    Rig { printer, out, err }
}

const ACTIONS: &[(&str, &str)] = &[("GITHUB_ACTIONS", "true")];

fn terminal() -> Rig {
    rig(&[], OutputFormat::Human, ColorChoice::Never, false)
}

fn actions(format: OutputFormat) -> Rig {
    rig(ACTIONS, format, ColorChoice::Never, false)
}

#[test]
fn printer_is_send() {
    fn is_send<T: Send>() {}
    is_send::<Printer>();
}

#[test]
fn human_result_goes_to_stdout_only() {
    let mut r = terminal();
    r.printer
        .result("tagged app:1.0", &json!({"tags": ["app:1.0"]}))
        .unwrap();
    r.printer.result("", &json!(null)).unwrap();
    r.printer.result("two\n", &json!(null)).unwrap();
    assert_eq!(r.out.text(), "tagged app:1.0\ntwo\n");
    assert_eq!(r.err.text(), "");
}

#[test]
fn json_result_is_pretty_json_in_insertion_order() {
    let mut r = rig(&[], OutputFormat::Json, ColorChoice::Always, true);
    r.printer
        .result("ignored", &json!({"tags": ["a"], "n": 1}))
        .unwrap();
    assert_eq!(
        r.out.text(),
        "{\n  \"tags\": [\n    \"a\"\n  ],\n  \"n\": 1\n}\n"
    );
}

#[test]
fn terminal_diagnostics_have_no_workflow_commands() {
    let mut r = terminal();
    r.printer.info("pushing").unwrap();
    r.printer
        .warning("tag moved", Some(Location::at("a.yaml", 3).with_column(5)))
        .unwrap();
    r.printer
        .error(
            "gantry-patch",
            "cannot patch",
            Some(Location::new("b.yaml")),
        )
        .unwrap();
    r.printer.notice("dry run", None).unwrap();
    r.printer.group("Patch").unwrap();
    r.printer.end_group().unwrap();
    r.printer.debug("hidden").unwrap();
    r.printer.mask("s3cret").unwrap();
    assert_eq!(
        r.err.text(),
        "pushing\nwarning: a.yaml:3:5: tag moved\nerror: b.yaml: cannot patch\nnotice: dry run\n==> Patch\n"
    );
    assert_eq!(r.out.text(), "");
}

#[test]
fn actions_diagnostics_add_annotations_on_stderr() {
    let mut r = actions(OutputFormat::Human);
    r.printer
        .warning("tag moved", Some(Location::at("a.yaml", 3).with_column(5)))
        .unwrap();
    r.printer
        .error(
            "gantry-tag",
            "bad tag: x,y\nsee docs",
            Some(Location::at("deploy/app.yaml", 7)),
        )
        .unwrap();
    r.printer.notice("n", None).unwrap();
    r.printer.group("Push").unwrap();
    r.printer.end_group().unwrap();
    r.printer.debug("d").unwrap();
    assert_eq!(
        r.err.text(),
        "warning: a.yaml:3:5: tag moved\n\
         ::warning file=a.yaml,line=3,col=5::tag moved\n\
         error: deploy/app.yaml:7: bad tag: x,y\nsee docs\n\
         ::error title=gantry-tag,file=deploy/app.yaml,line=7::bad tag: x,y%0Asee docs\n\
         notice: n\n\
         ::notice::n\n\
         ::group::Push\n\
         ::endgroup::\n\
         ::debug::d\n"
    );
    assert_eq!(r.out.text(), "");
}

#[test]
fn json_stdout_stays_valid_under_actions() {
    let mut r = actions(OutputFormat::Json);
    r.printer.mask("tok3n").unwrap();
    r.printer.group("g").unwrap();
    r.printer.warning("w", Some(Location::at("f", 1))).unwrap();
    r.printer.error("gantry-canary", "e tok3n", None).unwrap();
    r.printer.end_group().unwrap();
    r.printer
        .result("human", &json!({"decision": "rollback", "token": "tok3n"}))
        .unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&r.out.text()).unwrap();
    assert_eq!(parsed, json!({"decision": "rollback", "token": "***"}));
    assert!(
        r.err.text().contains("::add-mask::tok3n\n"),
        "{}",
        r.err.text()
    );
    assert!(
        r.err
            .text()
            .contains("::error title=gantry-canary::e ***\n"),
        "{}",
        r.err.text()
    );
}

#[test]
fn colour_only_when_allowed() {
    type Vars = &'static [(&'static str, &'static str)];
    let cases: &[(Vars, ColorChoice, bool, bool)] = &[
        (&[], ColorChoice::Never, true, false),
        (&[], ColorChoice::Always, false, true),
        (&[], ColorChoice::Auto, true, true),
        (&[], ColorChoice::Auto, false, false),
        (&[("NO_COLOR", "1")], ColorChoice::Auto, true, false),
        (&[("CLICOLOR_FORCE", "1")], ColorChoice::Auto, false, true),
        (ACTIONS, ColorChoice::Auto, false, true),
    ];
    for (env, choice, tty, coloured) in cases {
        let mut r = rig(env, OutputFormat::Human, *choice, *tty);
        r.printer.warning("w", None).unwrap();
        r.printer.error("t", "e", None).unwrap();
        r.printer.result("plain result", &json!(null)).unwrap();
        let err = r.err.text();
        assert_eq!(
            err.contains('\x1b'),
            *coloured,
            "{env:?} {choice} tty={tty}: {err:?}"
        );
        assert_eq!(r.printer.stderr_color(), *coloured);
        // The result is never styled by the printer, and commands never are.
        assert!(!r.out.text().contains('\x1b'));
        assert!(
            err.lines()
                .filter(|l| l.starts_with("::"))
                .all(|l| !l.contains('\x1b'))
        );
    }
    let mut r = rig(&[], OutputFormat::Human, ColorChoice::Always, false);
    r.printer.error("t", "e", None).unwrap();
    assert_eq!(r.err.text(), "\x1b[1m\x1b[31merror\x1b[0m: e\n");
}

#[test]
fn masked_secret_never_printed() {
    for env in [&[][..], ACTIONS] {
        for format in [OutputFormat::Human, OutputFormat::Json] {
            let mut r = rig(env, format, ColorChoice::Always, true);
            r.printer.mask("hunter2").unwrap();
            r.printer
                .mask("-----BEGIN KEY-----\nAAAAsecretline\n-----END KEY-----")
                .unwrap();
            let leak = "token hunter2 and AAAAsecretline";
            r.printer
                .result(leak, &json!({"k": leak, leak: 1}))
                .unwrap();
            r.printer.info(leak).unwrap();
            r.printer
                .warning(leak, Some(Location::new("hunter2.yaml")))
                .unwrap();
            r.printer.error(leak, leak, None).unwrap();
            r.printer.notice(leak, None).unwrap();
            r.printer.group(leak).unwrap();
            r.printer.debug(leak).unwrap();
            let out = r.out.text();
            let err = r.err.text();
            let printed = err.lines().filter(|l| !l.starts_with("::add-mask::"));
            for text in printed.chain(out.lines()) {
                assert!(!text.contains("hunter2"), "{env:?} {format}: {text}");
                assert!(!text.contains("AAAAsecretline"), "{env:?} {format}: {text}");
            }
            assert!(err.contains("***") || out.contains("***"));
            let masks: Vec<&str> = err
                .lines()
                .filter(|l| l.starts_with("::add-mask::"))
                .collect();
            if env.is_empty() {
                assert!(masks.is_empty(), "{masks:?}");
            } else {
                assert_eq!(
                    masks,
                    [
                        "::add-mask::hunter2",
                        "::add-mask::-----BEGIN KEY-----%0AAAAAsecretline%0A-----END KEY-----",
                        "::add-mask::-----BEGIN KEY-----",
                        "::add-mask::AAAAsecretline",
                        "::add-mask::-----END KEY-----",
                    ]
                );
            }
        }
    }
}

#[test]
fn text_that_looks_like_a_command_is_guarded_under_actions() {
    let mut r = actions(OutputFormat::Human);
    r.printer
        .info("registry said:\n::set-env name=X::y")
        .unwrap();
    r.printer
        .result("::error::not really", &json!(null))
        .unwrap();
    for text in [r.err.text(), r.out.text()] {
        let lines: Vec<&str> = text.lines().collect();
        let token = lines[0].strip_prefix("::stop-commands::").unwrap();
        assert_eq!(token.len(), 32, "{text}");
        assert_eq!(
            lines.last().copied(),
            Some(format!("::{token}::").as_str()),
            "{text}"
        );
    }
    let mut t = terminal();
    t.printer.info("::set-env name=X::y").unwrap();
    assert_eq!(t.err.text(), "::set-env name=X::y\n");
}

fn file_env(dir: &Path) -> Vec<(String, String)> {
    let mut env = vec![("GITHUB_ACTIONS".to_owned(), "true".to_owned())];
    for (var, file) in [
        ("GITHUB_OUTPUT", "output"),
        ("GITHUB_ENV", "env"),
        ("GITHUB_PATH", "path"),
        ("GITHUB_STEP_SUMMARY", "summary"),
    ] {
        let path = dir.join(file);
        std::fs::write(&path, "").unwrap();
        env.push((var.to_owned(), path.display().to_string()));
    }
    env
}

fn printer_with(env: Vec<(String, String)>) -> Printer {
    Printer::new(
        RunnerEnv::from_pairs(env),
        OutputFormat::Human,
        ColorChoice::Never,
        Box::new(io::sink()),
        false,
        Box::new(io::sink()),
        false,
    )
}

#[test]
fn file_commands_under_actions() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = printer_with(file_env(dir.path()));
    p.mask("s3cret").unwrap();
    p.set_output("tags", "a:1\na:latest").unwrap();
    p.set_output("token", "s3cret").unwrap();
    p.export_env("GANTRY_IMAGE", "a:1").unwrap();
    p.add_path("/opt/gantry").unwrap();
    let mut s = Summary::new();
    s.paragraph("deployed with s3cret");
    p.summary(&s).unwrap();
    p.summary(&Summary::new()).unwrap();

    let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap();
    let output = read("output");
    let lines: Vec<&str> = output.lines().collect();
    assert_eq!(lines.len(), 7, "{output}");
    assert!(lines[0].starts_with("tags<<ghadelimiter_"));
    assert_eq!(&lines[1..3], ["a:1", "a:latest"]);
    // Outputs are data: not redacted (the runner masks them where shown).
    assert_eq!(lines[5], "s3cret");
    assert!(read("env").starts_with("GANTRY_IMAGE<<ghadelimiter_"));
    assert_eq!(read("path"), "/opt/gantry\n");
    assert_eq!(read("summary"), "deployed with ***\n\n");
}

#[test]
fn file_commands_are_no_ops_outside_actions() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = file_env(dir.path());
    env.remove(0);
    let mut p = printer_with(env);
    p.set_output("a", "1").unwrap();
    p.export_env("A", "1").unwrap();
    p.add_path("/x").unwrap();
    p.summary(Summary::new().paragraph("x")).unwrap();
    for f in ["output", "env", "path", "summary"] {
        assert_eq!(
            std::fs::read_to_string(dir.path().join(f)).unwrap(),
            "",
            "{f}"
        );
    }
    // Under Actions without the variables: also a no-op.
    let mut p = printer_with(vec![("GITHUB_ACTIONS".into(), "true".into())]);
    p.set_output("a", "1").unwrap();
    p.summary(Summary::new().paragraph("x")).unwrap();
}

#[test]
fn file_command_errors_name_the_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = printer_with(file_env(dir.path()));
    let err = p.set_output("bad=name", "v").unwrap_err();
    let output = dir.path().join("output");
    assert_eq!(
        err.to_string(),
        format!("cannot write $GITHUB_OUTPUT (`{}`)", output.display())
    );
    let source = std::error::Error::source(&err).unwrap().to_string();
    assert!(source.contains("`bad=name`"), "{source}");

    let err = p.add_path("a\nb").unwrap_err();
    assert!(err.to_string().contains("$GITHUB_PATH"), "{err}");

    std::fs::remove_file(dir.path().join("summary")).unwrap();
    let err = p.summary(Summary::new().paragraph("x")).unwrap_err();
    assert!(err.to_string().contains("summary"), "{err}");
}
