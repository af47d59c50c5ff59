//! Workflow commands: `::name key=value,key=value::data` lines that the
//! GitHub Actions runner reads from a step's stdout and stderr.
//!
//! Escaping follows `@actions/core` (`packages/core/src/command.ts`)
//! character for character, and the runner's `ActionCommand` unescapes the
//! same set, so any text round-trips.
//! Reference: <https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/workflow-commands-for-github-actions>

use std::io::{self, Write};

/// Escapes a command's data (the text after the second `::`).
///
/// `%` first, so that an already escaped `%0A` in the input stays literal.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property value: like [`escape_data`], plus `:` and `,`,
/// which would otherwise end the value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Annotation levels, named like the commands they become.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// `::debug::` — shown only when step debug logging is on; takes no
    /// file/line properties.
    Debug,
    /// `::notice::`
    Notice,
    /// `::warning::`
    Warning,
    /// `::error::`
    Error,
}

impl Level {
    /// The workflow command name.
    pub fn command(self) -> &'static str {
        match self {
            Self::Debug => "debug",
            Self::Notice => "notice",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

/// A message with an optional place in a file, shown by GitHub in the run
/// summary and, when the file is part of the diff, on the pull request.
///
/// Paths are best given relative to the repository root; the runner turns
/// absolute paths inside the workspace into relative ones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Annotation<'a> {
    /// Which command.
    pub level: Level,
    /// The message (may span lines).
    pub message: &'a str,
    /// Bold title above the message, e.g. the binary name `gantry-patch`.
    pub title: Option<&'a str>,
    /// File the annotation belongs to.
    pub file: Option<&'a str>,
    /// 1-based start line (0 is treated as absent, as `@actions/core` does).
    pub line: Option<u64>,
    /// 1-based end line.
    pub end_line: Option<u64>,
    /// 1-based start column; GitHub ignores it when the annotation spans lines.
    pub col: Option<u64>,
    /// 1-based end column.
    pub end_column: Option<u64>,
}

impl<'a> Annotation<'a> {
    /// An annotation with only a level and a message.
    pub fn new(level: Level, message: &'a str) -> Self {
        Self {
            level,
            message,
            title: None,
            file: None,
            line: None,
            end_line: None,
            col: None,
            end_column: None,
        }
    }
}

/// Writes workflow commands to any writer, one command per line.
///
/// Each command is formatted completely and written with one `write_all`,
/// then flushed, so the runner never sees half a command.
#[derive(Debug)]
pub struct WorkflowCommands<W: Write> {
    out: W,
}

impl<W: Write> WorkflowCommands<W> {
    /// Commands written to `out`.
    pub fn new(out: W) -> Self {
        Self { out }
    }

    /// Any command. Properties with empty values are left out, as
    /// `@actions/core` does; an empty name becomes `missing.command`, also
    /// like `@actions/core`.
    pub fn command(
        &mut self,
        name: &str,
        properties: &[(&str, &str)],
        data: &str,
    ) -> io::Result<()> {
        let line = format_command(name, properties, data);
        self.out.write_all(line.as_bytes())?;
        self.out.flush()
    }

    /// `::error|warning|notice|debug title=..,file=..,line=..,endLine=..,col=..,endColumn=..::message`,
    /// properties in `@actions/core`'s order.
    pub fn annotation(&mut self, a: &Annotation<'_>) -> io::Result<()> {
        if a.level == Level::Debug {
            return self.command("debug", &[], a.message);
        }
        let numbers = [a.line, a.end_line, a.col, a.end_column].map(|n| {
            n.filter(|&n| n > 0)
                .map(|n| n.to_string())
                .unwrap_or_default()
        });
        let [line, end_line, col, end_column] = &numbers;
        let properties = [
            ("title", a.title.unwrap_or_default()),
            ("file", a.file.unwrap_or_default()),
            ("line", line.as_str()),
            ("endLine", end_line.as_str()),
            ("col", col.as_str()),
            ("endColumn", end_column.as_str()),
        ];
        self.command(a.level.command(), &properties, a.message)
    }

    /// `::group::title` — starts a collapsible section of the log.
    pub fn group(&mut self, title: &str) -> io::Result<()> {
        self.command("group", &[], title)
    }

    /// `::endgroup::`
    pub fn end_group(&mut self) -> io::Result<()> {
        self.command("endgroup", &[], "")
    }

    /// `::add-mask::value` — the runner replaces `value` with `***` in the
    /// log from now on.
    pub fn add_mask(&mut self, value: &str) -> io::Result<()> {
        self.command("add-mask", &[], value)
    }

    /// `::debug::message`
    pub fn debug(&mut self, message: &str) -> io::Result<()> {
        self.command("debug", &[], message)
    }

    /// `::stop-commands::token` — the runner ignores commands until it
    /// reads `::token::`. Used around text that may contain `::` lines.
    pub fn stop_commands(&mut self, token: &str) -> io::Result<()> {
        self.command("stop-commands", &[], token)
    }

    /// `::token::` — resumes command processing after [`Self::stop_commands`].
    pub fn resume_commands(&mut self, token: &str) -> io::Result<()> {
        self.command(token, &[], "")
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        self.out
    }
}

fn format_command(name: &str, properties: &[(&str, &str)], data: &str) -> String {
    let name = if name.is_empty() {
        "missing.command"
    } else {
        name
    };
    let mut line = format!("::{name}");
    let mut first = true;
    for (key, value) in properties.iter().filter(|(_, v)| !v.is_empty()) {
        line.push(if first { ' ' } else { ',' });
        first = false;
        line.push_str(key);
        line.push('=');
        line.push_str(&escape_property(value));
    }
    line.push_str("::");
    line.push_str(&escape_data(data));
    line.push('\n');
    line
}

/// Whether the runner could read a line of `text` as a workflow command
/// (`::` after leading whitespace, or the legacy `##[` form), so plain
/// output containing it needs guarding with stop-commands.
pub(crate) fn looks_like_command(text: &str) -> bool {
    // .NET's line reader, which the runner uses, also ends a line at a lone `\r`.
    text.split(['\r', '\n'])
        .any(|l| l.trim_start().starts_with("::") || l.contains("##["))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: impl FnOnce(&mut WorkflowCommands<Vec<u8>>) -> io::Result<()>) -> String {
        let mut c = WorkflowCommands::new(Vec::new());
        f(&mut c).unwrap();
        String::from_utf8(c.into_inner()).unwrap()
    }

    // The cases of @actions/core's __tests__/command.test.ts.
    #[test]
    fn matches_actions_core_command_tests() {
        type Props = &'static [(&'static str, &'static str)];
        let cases: &[(&str, Props, &str, &str)] = &[
            ("some-command", &[], "", "::some-command::\n"),
            (
                "some-command",
                &[],
                "percent % percent % cr \r cr \r lf \n lf \n",
                "::some-command::percent %25 percent %25 cr %0D cr %0D lf %0A lf %0A\n",
            ),
            (
                "some-command",
                &[],
                "%25 %25 %0D %0D %0A %0A",
                "::some-command::%2525 %2525 %250D %250D %250A %250A\n",
            ),
            (
                "some-command",
                &[(
                    "name",
                    "percent % percent % cr \r cr \r lf \n lf \n colon : colon : comma , comma ,",
                )],
                "",
                "::some-command name=percent %25 percent %25 cr %0D cr %0D lf %0A lf %0A colon %3A colon %3A comma %2C comma %2C::\n",
            ),
            (
                "some-command",
                &[],
                "%25 %25 %0D %0D %0A %0A %3A %3A %2C %2C",
                "::some-command::%2525 %2525 %250D %250D %250A %250A %253A %253A %252C %252C\n",
            ),
            (
                "some-command",
                &[],
                "some message",
                "::some-command::some message\n",
            ),
            (
                "some-command",
                &[("prop1", "value 1"), ("prop2", "value 2")],
                "some message",
                "::some-command prop1=value 1,prop2=value 2::some message\n",
            ),
            (
                "some-command",
                &[("prop1", "value 1")],
                "",
                "::some-command prop1=value 1::\n",
            ),
            (
                "some-command",
                &[
                    ("prop1", "value 1"),
                    ("prop2", "value 2"),
                    ("prop3", "value 3"),
                ],
                "",
                "::some-command prop1=value 1,prop2=value 2,prop3=value 3::\n",
            ),
            // Not from @actions/core: empty values are skipped, empty names replaced.
            ("c", &[("a", ""), ("b", "x")], "", "::c b=x::\n"),
            ("", &[], "m", "::missing.command::m\n"),
        ];
        for (name, props, data, expected) in cases {
            let got = run(|c| c.command(name, props, data));
            assert_eq!(&got, expected, "command {name:?} {props:?} {data:?}");
        }
    }

    #[test]
    fn escape_tables() {
        let data = [
            ("", ""),
            ("plain", "plain"),
            ("%", "%25"),
            ("\r\n", "%0D%0A"),
            ("a:b,c", "a:b,c"),
            ("100%\n", "100%25%0A"),
            ("%0A", "%250A"),
        ];
        for (input, expected) in data {
            assert_eq!(escape_data(input), expected, "escape_data({input:?})");
        }
        let property = [
            ("", ""),
            ("a:b,c", "a%3Ab%2Cc"),
            ("C:\\x,y", "C%3A\\x%2Cy"),
            ("%3A", "%253A"),
            ("l1\r\nl2", "l1%0D%0Al2"),
        ];
        for (input, expected) in property {
            assert_eq!(
                escape_property(input),
                expected,
                "escape_property({input:?})"
            );
        }
    }

    #[test]
    fn annotation_with_every_property() {
        let a = Annotation {
            level: Level::Error,
            message: "bad tag: 1.10\nsecond line",
            title: Some("gantry-patch: invalid"),
            file: Some("deploy/a,b.yaml"),
            line: Some(3),
            end_line: Some(4),
            col: Some(7),
            end_column: Some(9),
        };
        assert_eq!(
            run(|c| c.annotation(&a)),
            "::error title=gantry-patch%3A invalid,file=deploy/a%2Cb.yaml,line=3,endLine=4,col=7,endColumn=9::bad tag: 1.10%0Asecond line\n"
        );
    }

    #[test]
    fn annotation_levels_and_missing_properties() {
        let cases = [
            (Level::Notice, "::notice::m\n"),
            (Level::Warning, "::warning::m\n"),
            (Level::Error, "::error::m\n"),
            (Level::Debug, "::debug::m\n"),
        ];
        for (level, expected) in cases {
            assert_eq!(
                run(|c| c.annotation(&Annotation::new(level, "m"))),
                expected
            );
        }
        let a = Annotation {
            file: Some("f"),
            line: Some(0),
            col: Some(2),
            ..Annotation::new(Level::Warning, "m")
        };
        assert_eq!(run(|c| c.annotation(&a)), "::warning file=f,col=2::m\n");
        // Debug takes no properties.
        let d = Annotation {
            file: Some("f"),
            ..Annotation::new(Level::Debug, "m")
        };
        assert_eq!(run(|c| c.annotation(&d)), "::debug::m\n");
    }

    #[test]
    fn group_mask_debug_stop() {
        let out = run(|c| {
            c.group("Build, push: 100%")?;
            c.end_group()?;
            c.add_mask("s3cr%t\nline")?;
            c.debug("d")?;
            c.stop_commands("tok")?;
            c.resume_commands("tok")
        });
        assert_eq!(
            out,
            "::group::Build, push: 100%25\n::endgroup::\n::add-mask::s3cr%25t%0Aline\n::debug::d\n::stop-commands::tok\n::tok::\n"
        );
    }

    #[test]
    fn command_detection() {
        for (text, expected) in [
            ("plain", false),
            ("a :: b", false),
            ("::error::x", true),
            ("ok\n  ::set-output name=a::b", true),
            ("x ##[error]y", true),
            ("a\r::error::x", true),
        ] {
            assert_eq!(looks_like_command(text), expected, "{text:?}");
        }
    }
}
