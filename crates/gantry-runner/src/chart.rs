//! Mermaid `xychart-beta` line charts for the step summary.
//!
//! Grammar (mermaid `packages/mermaid/src/diagrams/xychart/parser/xychart.jison`):
//! numbers are `[+-]?(\d+(\.\d+)?|\.\d+)` — no exponent, no NaN — and quoted
//! strings are `"[^"]*"`. `xychart-beta` is the keyword every Mermaid version
//! with XY charts accepts (newer ones also take `xychart`). Lines have no
//! legend in Mermaid, so the colours are fixed with `plotColorPalette` and
//! named in a legend under the chart.

/// Okabe–Ito colours (distinguishable with the common colour-vision
/// deficiencies), without black, which vanishes on GitHub's dark theme.
const PALETTE: [(&str, &str); 7] = [
    ("blue", "#0072B2"),
    ("orange", "#E69F00"),
    ("green", "#009E73"),
    ("vermilion", "#D55E00"),
    ("purple", "#CC79A7"),
    ("sky blue", "#56B4E9"),
    ("yellow", "#F0E442"),
];

/// At most this many left-out positions are named under the chart.
const MAX_NAMED_GAPS: usize = 10;

/// The Markdown for a chart (code block, legend, note on left-out points),
/// without a trailing newline. See `Summary::mermaid_line_chart`.
pub(crate) fn line_chart(
    title: &str,
    x_labels: &[&str],
    series: &[(&str, &[f64])],
    y_label: &str,
) -> String {
    let value = |s: &[f64], i: usize| s.get(i).copied().filter(|v| v.is_finite());
    let (kept, dropped): (Vec<usize>, Vec<usize>) =
        (0..x_labels.len()).partition(|&i| series.iter().all(|(_, s)| value(s, i).is_some()));

    if series.is_empty() || kept.is_empty() {
        let what = if title.trim().is_empty() {
            "Chart"
        } else {
            title.trim()
        };
        return format!("_{}: no data to chart._", inline_text(what));
    }

    let mut lo = 0.0_f64;
    let mut hi = 0.0_f64;
    for (_, s) in series {
        for &i in &kept {
            let v = value(s, i).unwrap_or_default();
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    if lo == hi {
        hi = lo + 1.0;
    }

    let colours: Vec<(&str, &str)> = (0..series.len())
        .map(|i| PALETTE[i % PALETTE.len()])
        .collect();
    let palette: Vec<&str> = colours.iter().map(|(_, hex)| *hex).collect();

    let mut lines = vec![
        "```mermaid".to_owned(),
        format!(
            "%%{{init: {{\"themeVariables\": {{\"xyChart\": {{\"plotColorPalette\": \"{}\"}}}}}}}}%%",
            palette.join(", ")
        ),
        "xychart-beta".to_owned(),
    ];
    if !title.trim().is_empty() {
        lines.push(format!("    title {}", quoted(title)));
    }
    let categories: Vec<String> = kept.iter().map(|&i| quoted(x_labels[i])).collect();
    lines.push(format!("    x-axis [{}]", categories.join(", ")));
    let range = format!("{} --> {}", number(lo), number(hi));
    if y_label.trim().is_empty() {
        lines.push(format!("    y-axis {range}"));
    } else {
        lines.push(format!("    y-axis {} {range}", quoted(y_label)));
    }
    for (_, s) in series {
        let values: Vec<String> = kept
            .iter()
            .map(|&i| number(value(s, i).unwrap_or_default()))
            .collect();
        lines.push(format!("    line [{}]", values.join(", ")));
    }
    lines.push("```".to_owned());

    let legend: Vec<String> = series
        .iter()
        .zip(&colours)
        .map(|((name, _), (colour, _))| format!("{colour}: {}", inline_text(name)))
        .collect();
    let mut markdown = format!("{}\n\nLines: {}.", lines.join("\n"), legend.join(", "));

    if !dropped.is_empty() {
        let mut named: Vec<String> = dropped
            .iter()
            .take(MAX_NAMED_GAPS)
            .map(|&i| inline_text(x_labels[i]))
            .collect();
        if dropped.len() > MAX_NAMED_GAPS {
            named.push(format!("and {} more", dropped.len() - MAX_NAMED_GAPS));
        }
        markdown.push_str(&format!(
            "\n\nNot charted (no value for every line): {}.",
            named.join(", ")
        ));
    }
    markdown
}

/// A Mermaid string: `"` cannot be escaped inside one, so it becomes `'`;
/// line breaks become spaces.
fn quoted(text: &str) -> String {
    let clean: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '"' => '\'',
            '\r' | '\n' => ' ',
            c => c,
        })
        .collect();
    format!("\"{clean}\"")
}

/// A finite number in Mermaid's grammar. Rust's `Display` for `f64` never
/// uses an exponent and prints the shortest text that round-trips; `-0`
/// becomes `0`.
fn number(v: f64) -> String {
    if v == 0.0 {
        "0".to_owned()
    } else {
        v.to_string()
    }
}

/// Plain text in a Markdown line: characters that start emphasis, links,
/// code or HTML are backslash-escaped.
fn inline_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '*' | '_' | '[' | ']' | '<' | '>' | '`' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_chart() {
        let got = line_chart(
            "Canary \"p95\" latency",
            &["0m", "1m", "2m", "3m"],
            &[
                ("canary p95", &[120.0, 130.5, f64::NAN, 250.0]),
                ("baseline_p95", &[110.0, -0.0, 118.0, 0.001]),
            ],
            "latency (ms)",
        );
        let expected = r##"```mermaid
%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "#0072B2, #E69F00"}}}}%%
xychart-beta
    title "Canary 'p95' latency"
    x-axis ["0m", "1m", "3m"]
    y-axis "latency (ms)" 0 --> 250
    line [120, 130.5, 250]
    line [110, 0, 0.001]
```

Lines: blue: canary p95, orange: baseline\_p95.

Not charted (no value for every line): 2m."##;
        assert_eq!(got, expected);
    }

    #[test]
    fn infinities_and_short_series_are_left_out() {
        let got = line_chart(
            "",
            &["a", "b", "c", "d"],
            &[
                ("x", &[f64::INFINITY, -2.5, f64::NEG_INFINITY, 1.0]),
                ("y", &[1.0, 2.0, 3.0]),
            ],
            "",
        );
        assert!(
            got.contains(
                "    x-axis [\"b\"]\n    y-axis -2.5 --> 2\n    line [-2.5]\n    line [2]\n"
            ),
            "{got}"
        );
        assert!(!got.contains("title"), "{got}");
        assert!(
            got.ends_with("Not charted (no value for every line): a, c, d."),
            "{got}"
        );
        for bad in ["NaN", "inf", "e+", "e-"] {
            assert!(!got.contains(bad), "{bad} in {got}");
        }
    }

    #[test]
    fn flat_series_gets_a_non_empty_range() {
        let got = line_chart("t", &["a", "b"], &[("z", &[0.0, 0.0])], "");
        assert!(got.contains("y-axis 0 --> 1\n"), "{got}");
    }

    #[test]
    fn nothing_to_draw() {
        assert_eq!(
            line_chart("Error rate", &["a"], &[("x", &[f64::NAN])], ""),
            "_Error rate: no data to chart._"
        );
        assert_eq!(
            line_chart("", &[], &[("x", &[])], ""),
            "_Chart: no data to chart._"
        );
        assert_eq!(line_chart("t", &["a"], &[], ""), "_t: no data to chart._");
    }

    #[test]
    fn many_gaps_are_summarised_and_colours_cycle() {
        let labels: Vec<String> = (0..13).map(|i| format!("t{i}")).collect();
        let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
        let mut values = vec![f64::NAN; 13];
        values[12] = 1.0;
        let series: Vec<(&str, &[f64])> = (0..8).map(|_| ("s", values.as_slice())).collect();
        let got = line_chart("t", &labels, &series, "");
        assert!(got.contains("t9, and 2 more."), "{got}");
        assert!(got.contains("#F0E442, #0072B2\""), "{got}");
        assert!(got.contains("yellow: s, blue: s."), "{got}");
    }

    #[test]
    fn numbers_never_use_exponents() {
        for (v, s) in [
            (1e21, "1000000000000000000000"),
            (1.5e-7, "0.00000015"),
            (-0.0, "0"),
            (3.0, "3"),
        ] {
            assert_eq!(number(v), s);
        }
    }
}
