//! The Markdown of the pull-request comment `--pr-comment` keeps: what a
//! deploy would change (images old → new, files), the unified diff, the
//! findings, under a hidden marker that finds the comment again. Pure: the
//! posting is in `pr_comment`.

use std::fmt::Write as _;

/// GitHub refuses a comment body over 65,536 characters.
const MAX_BODY: usize = gantry_github::MAX_COMMENT_BODY;

/// The most of the diff a comment shows: with the rest of the comment
/// (capped lists) it stays under GitHub's limit.
pub(crate) const MAX_DIFF: usize = 60_000;

/// Items a list shows before "… and N more".
const MAX_FILES: usize = 30;
const MAX_IMAGES: usize = 20;
const MAX_FINDINGS: usize = 20;

/// Characters of one list item (a path, an image, a note) at most.
const MAX_ITEM: usize = 300;

/// What the comment reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Report {
    /// The run's one-line result (`would change 2 value(s) in 1 file(s) …`).
    pub(crate) headline: String,
    /// Each image changed, old → new, in order of first change.
    pub(crate) images: Vec<(String, String)>,
    /// Each file that would change, with its number of values changed.
    pub(crate) files: Vec<(String, usize)>,
    /// The unified diff.
    pub(crate) diff: String,
    /// What the user should know (notes, images found nowhere).
    pub(crate) findings: Vec<String>,
}

/// The hidden first line that identifies the comment of `key`.
pub(crate) fn marker(key: &str) -> String {
    format!("<!-- gantry-patch:pr-comment key={key} -->")
}

/// Whether `body` is the comment of `marker` (its first line).
pub(crate) fn is_ours(body: &str, marker: &str) -> bool {
    body.lines().next().map(|l| l.trim_end_matches('\r')) == Some(marker)
}

/// Whether two bodies are the same comment (GitHub may answer with `\r\n`
/// line ends, or without the final newline).
pub(crate) fn same(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.replace("\r\n", "\n").trim_end().to_owned();
    norm(a) == norm(b)
}

/// A valid `--pr-comment-key`: what the marker can hold unambiguously
/// (letters, digits, `-`, `_`, `.`, `/`; 1 to 100 of them).
pub(crate) fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 100
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
}

/// The comment's Markdown, under GitHub's limit.
pub(crate) fn render(key: &str, report: &Report) -> String {
    let head = head(key, report);
    let tail = tail(key, report);
    // The diff gets what the rest leaves, and never more than MAX_DIFF.
    let room = MAX_BODY
        .saturating_sub(head.chars().count() + tail.chars().count())
        .saturating_sub(1_000);
    let mut out = head;
    if !report.diff.is_empty() {
        out.push_str(&diff_block(&report.diff, room.min(MAX_DIFF)));
    }
    out.push_str(&tail);
    out
}

fn head(key: &str, report: &Report) -> String {
    let mut out = format!(
        "{}\n### gantry-patch: {}\n\n",
        marker(key),
        plain(&report.headline)
    );
    if !report.images.is_empty() {
        let items: Vec<String> = report
            .images
            .iter()
            .map(|(old, new)| format!("{} → {}", code(old), code(new)))
            .collect();
        out.push_str("**Images**\n\n");
        out.push_str(&list(&items, MAX_IMAGES));
    }
    if !report.files.is_empty() {
        let items: Vec<String> = report
            .files
            .iter()
            .map(|(file, count)| format!("{}: {count} value(s)", code(file)))
            .collect();
        out.push_str("**Files**\n\n");
        out.push_str(&list(&items, MAX_FILES));
    }
    out
}

fn tail(key: &str, report: &Report) -> String {
    let mut out = String::new();
    if !report.findings.is_empty() {
        let items: Vec<String> = report.findings.iter().map(|f| plain(f)).collect();
        out.push_str("**Findings**\n\n");
        out.push_str(&list(&items, MAX_FINDINGS));
    }
    let _ = writeln!(
        out,
        "<sub>`gantry-patch --dry-run` (comment key {}): nothing was written or deployed. Each run updates this comment.</sub>",
        code(key)
    );
    out
}

fn list(items: &[String], max: usize) -> String {
    let mut out = String::new();
    for item in items.iter().take(max) {
        let _ = writeln!(out, "- {}", cut_chars(item, MAX_ITEM));
    }
    if items.len() > max {
        let _ = writeln!(out, "- … and {} more", items.len() - max);
    }
    out.push('\n');
    out
}

/// A fenced `diff` block of at most `max` characters of `diff`, cut at a
/// line end, with a note saying how much was left out.
fn diff_block(diff: &str, max: usize) -> String {
    let (shown, cut) = cut_lines(diff, max);
    let fence = "`".repeat(longest_run(shown, '`').max(2) + 1);
    let mut out = format!("{fence}diff\n{}\n{fence}\n\n", shown.trim_end_matches('\n'));
    if cut > 0 {
        let _ = writeln!(
            out,
            "_The diff is cut here: {cut} more line(s) past {max} characters, more than a comment holds. The whole diff is in the job's summary and the step's `diff` output._\n"
        );
    }
    out
}

/// The longest prefix of `text` of at most `max` characters that ends at a
/// line end (the whole text if it fits), and how many lines are left out.
pub(crate) fn cut_lines(text: &str, max: usize) -> (&str, usize) {
    if text.chars().count() <= max {
        return (text, 0);
    }
    let byte_end = text.char_indices().nth(max).map_or(text.len(), |(i, _)| i);
    let end = text[..byte_end].rfind('\n').map_or(0, |i| i + 1);
    let rest = &text[end..];
    (&text[..end], rest.lines().count())
}

fn cut_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn longest_run(text: &str, c: char) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for ch in text.chars() {
        if ch == c {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

/// An inline code span holding `text` whatever backticks it has (one line).
pub(crate) fn code(text: &str) -> String {
    let text = text.replace(['\r', '\n'], " ");
    let fence = "`".repeat(longest_run(&text, '`') + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// Text from files and messages, safe as Markdown prose: no HTML, and an
/// `@` that starts a word cannot mention anyone (a zero-width space after
/// it), so a value in a manifest never pings a person or a team.
pub(crate) fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut previous: Option<char> = None;
    for ch in text.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' | '\n' => out.push(' '),
            '@' if !previous.is_some_and(|p| p.is_alphanumeric()) => out.push_str("@\u{200b}"),
            _ => out.push(ch),
        }
        previous = Some(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(diff: &str) -> Report {
        Report {
            headline: "would change 1 value(s) in 1 file(s) (1 file(s) read)".to_owned(),
            images: vec![("nginx:1.25".to_owned(), "nginx:1.27".to_owned())],
            files: vec![("deploy/app.yaml".to_owned(), 1)],
            diff: diff.to_owned(),
            findings: Vec::new(),
        }
    }

    #[test]
    fn markers_find_their_own_comment_only() {
        let table: &[(&str, &str, bool)] = &[
            (
                "check",
                "<!-- gantry-patch:pr-comment key=check -->\n### x",
                true,
            ),
            (
                "check",
                "<!-- gantry-patch:pr-comment key=check -->\r\n### x",
                true,
            ),
            ("check", "<!-- gantry-patch:pr-comment key=check -->", true),
            (
                "check",
                "<!-- gantry-patch:pr-comment key=check-prod -->\n",
                false,
            ),
            (
                "check-prod",
                "<!-- gantry-patch:pr-comment key=check -->\n",
                false,
            ),
            (
                "check",
                "hello\n<!-- gantry-patch:pr-comment key=check -->",
                false,
            ),
            (
                "check",
                " <!-- gantry-patch:pr-comment key=check -->",
                false,
            ),
            ("check", "", false),
        ];
        for (key, body, want) in table {
            assert_eq!(is_ours(body, &marker(key)), *want, "{key} {body:?}");
        }
        for (key, want) in [
            ("check", true),
            ("pr-check/api_v1.2", true),
            ("", false),
            ("a b", false),
            ("a-->b", false),
            ("é", false),
            (&*"k".repeat(101), false),
        ] {
            assert_eq!(valid_key(key), want, "{key}");
        }
        assert!(same("a\r\nb\n", "a\nb"));
        assert!(!same("a\nb", "a\nc"));
    }

    #[test]
    fn text_from_files_is_inert() {
        let table: &[(&str, &str)] = &[
            ("nginx:1.25", "`nginx:1.25`"),
            ("a`b", "``a`b``"),
            ("`a", "`` `a ``"),
            ("a\nb", "`a b`"),
        ];
        for (text, want) in table {
            assert_eq!(code(text), *want, "{text}");
        }
        let table: &[(&str, &str)] = &[
            ("ping @acme/admins now", "ping @\u{200b}acme/admins now"),
            ("@octocat", "@\u{200b}octocat"),
            ("api@sha256:abc", "api@sha256:abc"),
            ("<img src=x>", "&lt;img src=x&gt;"),
            ("two\nlines", "two lines"),
        ];
        for (text, want) in table {
            assert_eq!(plain(text), *want, "{text}");
        }
    }

    #[test]
    fn long_diffs_are_cut_at_a_line_end_under_githubs_limit() {
        let table: &[(&str, usize, &str, usize)] = &[
            ("a\nb\n", 10, "a\nb\n", 0),
            ("a\nb\n", 4, "a\nb\n", 0),
            ("a\nb\nc\n", 4, "a\nb\n", 1),
            ("aaaa\nb\n", 3, "", 2),
            ("é\né\né\n", 5, "é\né\n", 1),
        ];
        for (text, max, shown, cut) in table {
            assert_eq!(cut_lines(text, *max), (*shown, *cut), "{text:?} {max}");
        }
        let line = format!("+{}\n", "x".repeat(99));
        let huge = line.repeat(2_000);
        let body = render("check", &report(&huge));
        assert!(body.chars().count() <= MAX_BODY, "{}", body.len());
        assert!(
            body.contains("more line(s) past 60000 characters"),
            "{body}"
        );
        assert!(body.contains("```diff\n+xxx"));

        // Everything at once still fits: long lists are cut too.
        let mut big = report(&huge);
        big.files = (0..500)
            .map(|i| (format!("{i}/{}", "d".repeat(400)), 1))
            .collect();
        big.images = (0..500)
            .map(|i| (format!("a{i}"), "b".repeat(400)))
            .collect();
        big.findings = (0..500)
            .map(|i| format!("{i} {}", "n".repeat(400)))
            .collect();
        let body = render("check", &big);
        assert!(body.chars().count() <= MAX_BODY, "{}", body.chars().count());
        assert!(body.contains("- … and 470 more"));
    }

    #[test]
    fn a_diff_with_backticks_cannot_close_its_fence() {
        let body = render("check", &report("+  script: |\n+    ```\n+    echo\n"));
        assert!(body.contains("````diff\n"), "{body}");
        assert!(body.contains("\n````\n"), "{body}");
    }
}
