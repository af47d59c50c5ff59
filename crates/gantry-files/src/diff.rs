//! Unified diffs for `--dry-run` and the action's `diff` output.

/// A unified diff of one file, with `a/` and `b/` headers as git writes
/// them, three lines of context. Empty when nothing changed.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("a/{}", path.trim_start_matches('/')),
            &format!("b/{}", path.trim_start_matches('/')),
        )
        .missing_newline_hint(true)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::unified_diff;

    #[test]
    fn shows_only_the_changed_line_with_context() {
        let old = "a: 1\nb: 2\nimage: nginx:1.0\nc: 3\n";
        let new = "a: 1\nb: 2\nimage: nginx:1.1\nc: 3\n";
        assert_eq!(
            unified_diff("x.yaml", old, new),
            "--- a/x.yaml\n+++ b/x.yaml\n@@ -1,4 +1,4 @@\n a: 1\n b: 2\n-image: nginx:1.0\n+image: nginx:1.1\n c: 3\n"
        );
        assert_eq!(unified_diff("x.yaml", old, old), "");
    }
}
