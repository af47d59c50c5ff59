//! The input-list and CSV conventions of docker/metadata-action.
//!
//! Its `images`, `tags` and `flavor` inputs are read with
//! `Util.getInputList(name, {ignoreComma: true, comment: '#', commentNoInfix: true})`:
//! one entry per line, lines trimmed, empty lines and lines *starting* with
//! `#` dropped (a `#` later in a line is kept). Each entry is then read as
//! one CSV record by `csv-parse`: fields separated by `,`, a field may be
//! quoted with `"` (and then contain `,`; `""` is a literal quote).

/// The non-empty, non-comment lines of a list input, trimmed.
pub(crate) fn input_lines(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
}

/// Splits one line into CSV fields.
///
/// Lenient where `csv-parse` is strict (balanced `"` inside an unquoted
/// field are kept as literal characters); errors on an unterminated quote,
/// text after a closing quote, or an odd number of `"` inside an unquoted
/// field (a quote a comma cut in two).
pub(crate) fn fields(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        // Skip whitespace before a possible opening quote.
        let mut field = String::new();
        let mut leading = String::new();
        while let Some(&c) = chars.peek() {
            if c == ' ' || c == '\t' {
                leading.push(c);
                chars.next();
            } else {
                break;
            }
        }
        if chars.peek() == Some(&'"') {
            chars.next();
            let mut closed = false;
            while let Some(c) = chars.next() {
                if c == '"' {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        field.push('"');
                    } else {
                        closed = true;
                        break;
                    }
                } else {
                    field.push(c);
                }
            }
            if !closed {
                return Err("unterminated `\"` quote".to_owned());
            }
            // Only whitespace may follow a closing quote before the separator.
            while let Some(&c) = chars.peek() {
                if c == ' ' || c == '\t' {
                    chars.next();
                } else {
                    break;
                }
            }
            match chars.next() {
                None => {
                    out.push(field);
                    return Ok(out);
                }
                Some(',') => out.push(field),
                Some(c) => {
                    return Err(format!(
                        "unexpected `{c}` after a closing `\"` (quote the whole field: `\"key=value\"`)"
                    ));
                }
            }
        } else {
            field.push_str(&leading);
            let mut ended = true;
            for c in chars.by_ref() {
                if c == ',' {
                    ended = false;
                    break;
                }
                field.push(c);
            }
            // `value="a,b"`: the quote does not start the field, so the
            // comma splits it and the value would silently be `"a`. Balanced
            // quotes inside a field (`{{date "YYYY"}}`) stay as they are.
            if field.matches('"').count() % 2 == 1 {
                return Err(format!(
                    "unbalanced `\"` in `{}` (to keep a comma in a value, quote the whole field: `\"key=a,b\"`)",
                    field.trim()
                ));
            }
            out.push(field);
            if ended {
                return Ok(out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_unquotes() {
        assert_eq!(fields("a,b").unwrap(), vec!["a", "b"]);
        assert_eq!(
            fields(r#"type=match,"pattern=\d,\d",group=1"#).unwrap(),
            vec!["type=match", r"pattern=\d,\d", "group=1"]
        );
        assert_eq!(fields(r#""a""b""#).unwrap(), vec![r#"a"b"#]);
        assert_eq!(fields("a,").unwrap(), vec!["a", ""]);
        assert!(fields(r#""abc"#).is_err());
        assert!(fields(r#""abc"x"#).is_err());
        // A quote in the middle of a field is kept when balanced, and an
        // error when a comma cuts it.
        assert_eq!(
            fields(r#"type=raw,value={{date "YYYY"}}"#).unwrap(),
            vec!["type=raw", r#"value={{date "YYYY"}}"#]
        );
        let err = fields(r#"type=raw,value="a,b""#).unwrap_err();
        assert!(err.starts_with(r#"unbalanced `"` in `value="a`"#), "{err}");
    }

    #[test]
    fn list_input_drops_comments_and_blank_lines() {
        assert_eq!(
            input_lines("  a \n\n# comment\nb # not a comment\n"),
            vec!["a", "b # not a comment"]
        );
    }
}
