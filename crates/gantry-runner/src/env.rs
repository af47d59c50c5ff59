//! A snapshot of the runner environment.
//!
//! Logic reads variables from a [`RunnerEnv`] instead of `std::env`, so a
//! test can describe "running under Actions with `GITHUB_OUTPUT` set" as
//! plain data, without touching the process environment that other tests
//! share.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// Variable names gantry reads from the runner.
pub mod vars {
    /// `"true"` on GitHub Actions (and compatible runners such as Gitea/Forgejo).
    pub const GITHUB_ACTIONS: &str = "GITHUB_ACTIONS";
    /// File that step outputs are appended to.
    pub const GITHUB_OUTPUT: &str = "GITHUB_OUTPUT";
    /// File that environment variables for later steps are appended to.
    pub const GITHUB_ENV: &str = "GITHUB_ENV";
    /// File that `PATH` entries for later steps are appended to.
    pub const GITHUB_PATH: &str = "GITHUB_PATH";
    /// File that the job summary markdown is appended to.
    pub const GITHUB_STEP_SUMMARY: &str = "GITHUB_STEP_SUMMARY";
    /// `"1"` when step debug logging is on.
    pub const RUNNER_DEBUG: &str = "RUNNER_DEBUG";
    /// Set (non-empty) to turn colour off: <https://no-color.org>.
    pub const NO_COLOR: &str = "NO_COLOR";
    /// Set (non-empty, not `0`) to force colour even without a terminal.
    pub const CLICOLOR_FORCE: &str = "CLICOLOR_FORCE";
    /// Node.js / chalk spelling of [`CLICOLOR_FORCE`].
    pub const FORCE_COLOR: &str = "FORCE_COLOR";
    /// `dumb` terminals get no colour.
    pub const TERM: &str = "TERM";
}

/// The environment the binary runs in, read once at start-up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunnerEnv {
    vars: BTreeMap<String, String>,
}

impl RunnerEnv {
    /// Snapshot of the process environment. Variables whose name or value is
    /// not UTF-8 are skipped: no runner variable gantry reads can be one.
    pub fn from_process() -> Self {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        Self { vars }
    }

    /// An environment made of the given pairs; for tests and embedding.
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let vars = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        Self { vars }
    }

    /// The value of `name`. An empty value counts as unset, as it does for
    /// the runner and `@actions/core` (`process.env[x] || ''`).
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Whether we run under GitHub Actions (`GITHUB_ACTIONS=true`).
    pub fn is_github_actions(&self) -> bool {
        self.var(vars::GITHUB_ACTIONS) == Some("true")
    }

    /// Whether step debug logging is on (`RUNNER_DEBUG=1`), like `core.isDebug()`.
    pub fn is_debug(&self) -> bool {
        self.var(vars::RUNNER_DEBUG) == Some("1")
    }

    /// An action input, read like `core.getInput`: from `INPUT_<NAME>` with
    /// spaces turned into `_` and the name upper-cased (hyphens stay), and
    /// surrounding whitespace trimmed. Empty after trimming counts as unset.
    ///
    /// Composite actions do not get `INPUT_*` variables from the runner;
    /// their `action.yml` must set them through `env:`.
    pub fn input(&self, name: &str) -> Option<&str> {
        let key = format!("INPUT_{}", name.replace(' ', "_").to_uppercase());
        self.var(&key).map(str::trim).filter(|v| !v.is_empty())
    }

    /// `$GITHUB_OUTPUT`.
    pub fn output_file(&self) -> Option<PathBuf> {
        self.path_var(vars::GITHUB_OUTPUT)
    }

    /// `$GITHUB_ENV`.
    pub fn env_file(&self) -> Option<PathBuf> {
        self.path_var(vars::GITHUB_ENV)
    }

    /// `$GITHUB_PATH`.
    pub fn path_file(&self) -> Option<PathBuf> {
        self.path_var(vars::GITHUB_PATH)
    }

    /// `$GITHUB_STEP_SUMMARY`.
    pub fn step_summary_file(&self) -> Option<PathBuf> {
        self.path_var(vars::GITHUB_STEP_SUMMARY)
    }

    fn path_var(&self, name: &str) -> Option<PathBuf> {
        self.var(name).map(PathBuf::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> RunnerEnv {
        RunnerEnv::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn empty_counts_as_unset() {
        let e = env(&[("A", ""), ("B", "x")]);
        assert_eq!(e.var("A"), None);
        assert_eq!(e.var("B"), Some("x"));
        assert_eq!(e.var("C"), None);
    }

    #[test]
    fn github_actions_only_when_exactly_true() {
        for (value, expected) in [("true", true), ("TRUE", false), ("1", false), ("", false)] {
            assert_eq!(
                env(&[("GITHUB_ACTIONS", value)]).is_github_actions(),
                expected,
                "GITHUB_ACTIONS={value:?}"
            );
        }
        assert!(!env(&[]).is_github_actions());
    }

    #[test]
    fn input_names_and_trimming() {
        let e = env(&[
            ("INPUT_MY_INPUT", "  val  "),
            ("INPUT_DRY-RUN", "true"),
            ("INPUT_BLANK", "   "),
            ("INPUT_MULTI", "\n a\n b \n"),
        ]);
        let cases = [
            ("my input", Some("val")),
            ("My Input", Some("val")),
            ("my_input", Some("val")),
            ("dry-run", Some("true")),
            ("blank", None),
            ("missing", None),
            ("multi", Some("a\n b")),
        ];
        for (name, expected) in cases {
            assert_eq!(e.input(name), expected, "input {name:?}");
        }
    }

    #[test]
    fn file_paths() {
        let e = env(&[
            ("GITHUB_OUTPUT", "/o"),
            ("GITHUB_ENV", "/e"),
            ("GITHUB_PATH", "/p"),
            ("GITHUB_STEP_SUMMARY", "/s"),
        ]);
        assert_eq!(e.output_file(), Some(PathBuf::from("/o")));
        assert_eq!(e.env_file(), Some(PathBuf::from("/e")));
        assert_eq!(e.path_file(), Some(PathBuf::from("/p")));
        assert_eq!(e.step_summary_file(), Some(PathBuf::from("/s")));
        assert_eq!(env(&[("GITHUB_OUTPUT", "")]).output_file(), None);
    }

    #[test]
    fn from_process_does_not_panic() {
        let e = RunnerEnv::from_process();
        // PATH is set in every sane test environment; mostly this checks the
        // snapshot runs at all.
        let _ = e.var("PATH");
    }

    #[test]
    fn debug_flag() {
        assert!(env(&[("RUNNER_DEBUG", "1")]).is_debug());
        assert!(!env(&[("RUNNER_DEBUG", "true")]).is_debug());
    }
}
