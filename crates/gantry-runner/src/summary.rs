//! The job summary (`$GITHUB_STEP_SUMMARY`), built as GitHub-flavoured
//! Markdown.
//!
//! `@actions/core`'s summary writes HTML; gantry writes Markdown, which
//! reads as well in the raw file, in a terminal and in a PR comment. Every
//! block ends with a blank line so blocks never run into each other.
//! Building is pure (a `String`); only [`Summary::append_to`] does I/O.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::Path;

use crate::chart;

/// A step summary under construction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    markdown: String,
}

impl Summary {
    /// An empty summary.
    pub fn new() -> Self {
        Self::default()
    }

    /// `#` … `######` heading; `level` is clamped to 1..=6 and line breaks
    /// in `text` become spaces (a heading is one line).
    pub fn heading(&mut self, level: u8, text: &str) -> &mut Self {
        let hashes = "#".repeat(usize::from(level.clamp(1, 6)));
        let text = one_line(text);
        self.block(&format!("{hashes} {text}"))
    }

    /// A paragraph of Markdown text.
    pub fn paragraph(&mut self, text: &str) -> &mut Self {
        self.block(text.trim_end())
    }

    /// A table. Cells are escaped with [`escape_table_cell`], so any text is
    /// safe in them; inline Markdown (`code`, links) still renders. Short
    /// rows are padded with empty cells; a row longer than the header gets
    /// untitled columns. Nothing is written when there are no columns.
    pub fn table<H, R, C>(&mut self, headers: &[H], rows: &[R]) -> &mut Self
    where
        H: AsRef<str>,
        R: AsRef<[C]>,
        C: AsRef<str>,
    {
        let columns = rows
            .iter()
            .map(|r| r.as_ref().len())
            .chain([headers.len()])
            .max()
            .unwrap_or_default();
        if columns == 0 {
            return self;
        }
        let row_line = |cells: Vec<String>| {
            let mut line = String::from("|");
            for cell in cells {
                line.push(' ');
                line.push_str(&cell);
                line.push_str(" |");
            }
            line
        };
        let padded = |cells: &mut Vec<String>| cells.resize(columns, String::new());
        let mut header: Vec<String> = headers
            .iter()
            .map(|h| escape_table_cell(h.as_ref()))
            .collect();
        padded(&mut header);
        let mut lines = vec![row_line(header), row_line(vec!["---".to_owned(); columns])];
        for row in rows {
            let mut cells: Vec<String> = row
                .as_ref()
                .iter()
                .map(|c| escape_table_cell(c.as_ref()))
                .collect();
            padded(&mut cells);
            lines.push(row_line(cells));
        }
        self.block(&lines.join("\n"))
    }

    /// A fenced code block. The fence is longer than any run of backticks in
    /// `text`, so the text cannot close it early.
    pub fn code_block(&mut self, lang: &str, text: &str) -> &mut Self {
        let longest = longest_run(text, '`');
        let fence = "`".repeat(longest.max(2) + 1);
        let lang: String = lang
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '`')
            .collect();
        let body = text.strip_suffix('\n').unwrap_or(text);
        self.block(&format!("{fence}{lang}\n{body}\n{fence}"))
    }

    /// A collapsed `<details>` section; `summary` is plain text (HTML-escaped),
    /// `body` is Markdown (blank lines around it make GitHub render it).
    pub fn details(&mut self, summary: &str, body: &str) -> &mut Self {
        let summary = escape_html(&one_line(summary));
        let body = body.trim_end();
        self.block(&format!(
            "<details><summary>{summary}</summary>\n\n{body}\n\n</details>"
        ))
    }

    /// A bulleted list; line breaks inside an item continue the same item.
    pub fn list<I: AsRef<str>>(&mut self, items: &[I]) -> &mut Self {
        if items.is_empty() {
            return self;
        }
        let lines: Vec<String> = items
            .iter()
            .map(|i| format!("- {}", split_lines(i.as_ref()).join("\n  ")))
            .collect();
        self.block(&lines.join("\n"))
    }

    /// A link on its own line; see [`link_markdown`] for use inside text.
    pub fn link(&mut self, text: &str, url: &str) -> &mut Self {
        self.block(&link_markdown(text, url))
    }

    /// Markdown appended exactly as given (no blank line added).
    pub fn raw(&mut self, markdown: &str) -> &mut Self {
        self.markdown.push_str(markdown);
        self
    }

    /// A line chart as a ```` ```mermaid ```` `xychart-beta` block, one line
    /// per series, followed by a legend naming each line's colour.
    ///
    /// Mermaid has no way to draw a missing point (its grammar only accepts
    /// plain decimal numbers), so positions where any series has no finite
    /// value (NaN, ±∞, or the series is shorter than `x_labels`) are left out
    /// of the chart and named in a note under it: the chart never shows a
    /// made-up value. Values past the end of `x_labels` are ignored. The y
    /// axis always includes 0, so small changes are not blown up. Quotes in
    /// labels become `'` (Mermaid strings cannot contain `"`). With nothing
    /// to draw, a one-line note replaces the chart.
    pub fn mermaid_line_chart<L, N>(
        &mut self,
        title: &str,
        x_labels: &[L],
        series: &[(N, Vec<f64>)],
        y_label: &str,
    ) -> &mut Self
    where
        L: AsRef<str>,
        N: AsRef<str>,
    {
        let labels: Vec<&str> = x_labels.iter().map(AsRef::as_ref).collect();
        let series: Vec<(&str, &[f64])> = series
            .iter()
            .map(|(n, v)| (n.as_ref(), v.as_slice()))
            .collect();
        let markdown = chart::line_chart(title, &labels, &series, y_label);
        self.block(&markdown)
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.markdown.is_empty()
    }

    /// The Markdown so far.
    pub fn to_markdown(&self) -> String {
        self.markdown.clone()
    }

    /// The Markdown so far, borrowed.
    pub fn as_str(&self) -> &str {
        &self.markdown
    }

    /// Appends the Markdown to `path` in one write. The file must exist (the
    /// runner creates `$GITHUB_STEP_SUMMARY`), as in `@actions/core`.
    pub fn append_to(&self, path: &Path) -> io::Result<()> {
        append_text(path, &self.markdown)
    }

    fn block(&mut self, text: &str) -> &mut Self {
        self.markdown.push_str(text);
        self.markdown.push_str("\n\n");
        self
    }
}

pub(crate) fn append_text(path: &Path, text: &str) -> io::Result<()> {
    let mut file = OpenOptions::new().append(true).open(path)?;
    file.write_all(text.as_bytes())?;
    file.flush()
}

/// Text made safe for one GFM table cell: `\` doubled (so a trailing
/// backslash cannot escape the next `|`), `|` escaped, and line breaks turned
/// into `<br>` (a table row is one line).
pub fn escape_table_cell(text: &str) -> String {
    split_lines(&text.replace('\\', "\\\\").replace('|', "\\|")).join("<br>")
}

/// `[text](url)`, with `[`, `]` and `\` in the text escaped and the URL's
/// spaces, parentheses and angle brackets percent-encoded so the link
/// cannot end early.
pub fn link_markdown(text: &str, url: &str) -> String {
    let text = one_line(text)
        .replace('\\', "\\\\")
        .replace('[', "\\[")
        .replace(']', "\\]");
    let url: String = url
        .chars()
        .map(|c| match c {
            ' ' => "%20".to_owned(),
            '(' => "%28".to_owned(),
            ')' => "%29".to_owned(),
            '<' => "%3C".to_owned(),
            '>' => "%3E".to_owned(),
            '\r' | '\n' => String::new(),
            c => c.to_string(),
        })
        .collect();
    format!("[{text}]({url})")
}

pub(crate) fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Splits on `\r\n`, `\n` and a lone `\r`.
fn split_lines(text: &str) -> Vec<&str> {
    text.split('\n')
        .flat_map(|l| l.strip_suffix('\r').unwrap_or(l).split('\r'))
        .collect()
}

fn one_line(text: &str) -> String {
    split_lines(text.trim()).join(" ")
}

fn longest_run(text: &str, ch: char) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == ch { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_cell_escaping() {
        let cases = [
            ("plain", "plain"),
            ("a|b", "a\\|b"),
            ("back\\slash", "back\\\\slash"),
            ("ends\\", "ends\\\\"),
            ("a\\|b", "a\\\\\\|b"),
            ("l1\nl2\r\nl3\rl4", "l1<br>l2<br>l3<br>l4"),
            ("`x|y`", "`x\\|y`"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(escape_table_cell(input), expected, "{input:?}");
        }
    }

    #[test]
    fn golden_summary() {
        let mut s = Summary::new();
        s.heading(2, "Deploy\nresult")
            .paragraph("Tagged **3** images.")
            .table(
                &["image", "tag", "note"],
                &[
                    vec!["ghcr.io/acme/api", "1.10", "a|b"],
                    vec!["ghcr.io/acme/web", "on", "line1\nline2"],
                    vec!["short"],
                ],
            )
            .list(&["one", "two\nmore"])
            .link("run [42]", "https://example.com/a b(c)")
            .details("Diff <manifests>", "```diff\n-a\n+b\n```")
            .code_block("yaml", "image: x\n```\n")
            .raw("tail");
        let expected = "\
## Deploy result

Tagged **3** images.

| image | tag | note |
| --- | --- | --- |
| ghcr.io/acme/api | 1.10 | a\\|b |
| ghcr.io/acme/web | on | line1<br>line2 |
| short |  |  |

- one
- two
  more

[run \\[42\\]](https://example.com/a%20b%28c%29)

<details><summary>Diff &lt;manifests&gt;</summary>

```diff
-a
+b
```

</details>

````yaml
image: x
```
````

tail";
        assert_eq!(s.to_markdown(), expected);
    }

    #[test]
    fn headings_are_clamped() {
        let mut s = Summary::new();
        s.heading(0, "a").heading(9, "b");
        assert_eq!(s.as_str(), "# a\n\n###### b\n\n");
    }

    #[test]
    fn empty_table_and_list_write_nothing() {
        let mut s = Summary::new();
        s.table::<&str, Vec<&str>, &str>(&[], &[]).list::<&str>(&[]);
        assert!(s.is_empty());
        s.table(&["a"], &[vec!["1", "2"]]);
        assert_eq!(s.as_str(), "| a |  |\n| --- | --- |\n| 1 | 2 |\n\n");
    }

    #[test]
    fn append_to_appends() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.md");
        assert!(Summary::new().paragraph("x").append_to(&path).is_err());
        std::fs::write(&path, "before\n").unwrap();
        Summary::new().paragraph("x").append_to(&path).unwrap();
        Summary::new().paragraph("y").append_to(&path).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "before\nx\n\ny\n\n"
        );
    }
}
