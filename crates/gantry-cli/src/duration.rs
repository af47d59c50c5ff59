use std::time::Duration;

use crate::CliError;

/// A duration flag: `30s`, `500ms`, `2m`, `1m30s`, `1h`. Negative is bad
/// input, and so is zero unless `allow_zero` (an initial delay may be 0).
pub fn parse_duration(flag: &str, text: &str, allow_zero: bool) -> Result<Duration, CliError> {
    let invalid = |why: String| CliError::usage(anyhow::anyhow!("invalid {flag} `{text}`: {why}"));
    let signed: jiff::SignedDuration = text
        .trim()
        .parse()
        .map_err(|error| invalid(format!("{error} (examples: `500ms`, `10s`, `2m`, `1m30s`)")))?;
    if signed.is_negative() {
        return Err(invalid("must not be negative".to_owned()));
    }
    let duration =
        Duration::try_from(signed).map_err(|_| invalid("must not be negative".to_owned()))?;
    if duration.is_zero() && !allow_zero {
        return Err(invalid("must be more than zero".to_owned()));
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_people_write() {
        let ok = [
            ("10s", 10_000),
            ("500ms", 500),
            ("2m", 120_000),
            ("1m30s", 90_000),
            ("1h", 3_600_000),
        ];
        for (text, ms) in ok {
            let got = parse_duration("--interval", text, false).ok();
            assert_eq!(got, Some(Duration::from_millis(ms)), "{text}");
        }
        for bad in ["-10s", "0s", "ten", "", "10"] {
            let err = parse_duration("--interval", bad, false).err();
            let text = err.map(|e| format!("{:#}", e.error())).unwrap_or_default();
            assert!(text.contains("invalid --interval"), "{bad}: {text}");
        }
        assert_eq!(
            parse_duration("--initial-delay", "0s", true).ok(),
            Some(Duration::ZERO)
        );
    }
}
