//! [`PushProgress`]: one message of a push's progress stream, and
//! [`format_progress`], its compact human line.

/// One progress message of a push, as the daemon sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushProgress {
    /// The target being pushed (`127.0.0.1:5000/acme/api:1.0`).
    pub target: String,
    /// The layer (short ID, `1a2b3c4d5e6f`) the message is about, if any.
    pub layer: Option<String>,
    /// The daemon's status text: `Preparing`, `Pushing`, `Pushed`,
    /// `Layer already exists`, `The push refers to repository […]`, …
    pub status: String,
    /// Bytes done so far, when the daemon says.
    pub current: Option<u64>,
    /// Bytes in all, when the daemon says.
    pub total: Option<u64>,
}

/// A compact human line for a progress message:
///
/// | message | line |
/// |---|---|
/// | layer, status, current and total | `layer 1a2b3c: Pushing 12.0 MB / 48.3 MB` |
/// | layer, status, current only | `layer 1a2b3c: Pushing 12.0 MB` |
/// | layer and status | `layer 1a2b3c: Pushed` |
/// | status only | the status as sent |
///
/// The target is not repeated: callers that push several print it once.
pub fn format_progress(progress: &PushProgress) -> String {
    let status = progress.status.trim();
    let mut line = match &progress.layer {
        Some(layer) if !layer.is_empty() => format!("layer {layer}: {status}"),
        _ => status.to_owned(),
    };
    match (progress.current, progress.total) {
        // The daemon counts the bytes it sends (the tar stream) against the
        // layer's compressed size, so `current` can pass `total` on tiny
        // layers: a fraction above one would only confuse.
        (Some(current), Some(total)) if total > 0 && current <= total => {
            line.push_str(&format!(
                " {} / {}",
                human_bytes(current),
                human_bytes(total)
            ));
        }
        (Some(current), _) if current > 0 => {
            line.push_str(&format!(" {}", human_bytes(current)));
        }
        _ => {}
    }
    line
}

/// Bytes in decimal units with one decimal, as Docker prints them:
/// `512 B`, `1.5 kB`, `12.0 MB`, `1.2 GB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    // Precision loss above 2^53 bytes is irrelevant for one decimal.
    #[allow(clippy::cast_precision_loss)]
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    // Round first so 999_999 B shows as `1.0 MB`, not `1000.0 kB`.
    while (value * 10.0).round() / 10.0 >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS.get(unit).copied().unwrap_or("PB"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(
        layer: Option<&str>,
        status: &str,
        current: Option<u64>,
        total: Option<u64>,
    ) -> PushProgress {
        PushProgress {
            target: "127.0.0.1:5000/acme/api:1.0".to_owned(),
            layer: layer.map(str::to_owned),
            status: status.to_owned(),
            current,
            total,
        }
    }

    /// Layer, status, current, total, expected line.
    type Case<'a> = (Option<&'a str>, &'a str, Option<u64>, Option<u64>, &'a str);

    #[test]
    fn formats_progress_lines() {
        let cases: &[Case<'_>] = &[
            (
                Some("1a2b3c"),
                "Pushing",
                Some(12_000_000),
                Some(48_300_000),
                "layer 1a2b3c: Pushing 12.0 MB / 48.3 MB",
            ),
            (
                Some("1a2b3c"),
                "Pushing",
                Some(512),
                Some(2048),
                "layer 1a2b3c: Pushing 512 B / 2.0 kB",
            ),
            (
                Some("1a2b3c"),
                "Pushing",
                Some(1_500),
                None,
                "layer 1a2b3c: Pushing 1.5 kB",
            ),
            (
                Some("1a2b3c"),
                "Pushing",
                Some(1_500),
                Some(0),
                "layer 1a2b3c: Pushing 1.5 kB",
            ),
            (
                Some("1a2b3c"),
                "Pushing",
                Some(2048),
                Some(29),
                "layer 1a2b3c: Pushing 2.0 kB",
            ),
            (
                Some("1a2b3c"),
                "Preparing",
                None,
                None,
                "layer 1a2b3c: Preparing",
            ),
            (
                Some("1a2b3c"),
                "Waiting",
                None,
                None,
                "layer 1a2b3c: Waiting",
            ),
            (Some("1a2b3c"), "Pushed", None, None, "layer 1a2b3c: Pushed"),
            (
                Some("1a2b3c"),
                "Layer already exists",
                None,
                None,
                "layer 1a2b3c: Layer already exists",
            ),
            (
                Some("1a2b3c"),
                "Pushed",
                Some(0),
                Some(0),
                "layer 1a2b3c: Pushed",
            ),
            (
                None,
                "The push refers to repository [127.0.0.1:5000/acme/api]",
                None,
                None,
                "The push refers to repository [127.0.0.1:5000/acme/api]",
            ),
            (
                None,
                "1.0: digest: sha256:abc size: 528",
                None,
                None,
                "1.0: digest: sha256:abc size: 528",
            ),
            (Some(""), "Pushed", None, None, "Pushed"),
            (
                Some("1a2b3c"),
                "  Pushed \n",
                None,
                None,
                "layer 1a2b3c: Pushed",
            ),
            (
                Some("1a2b3c"),
                "Pushing",
                Some(3_200_000_000),
                Some(4_000_000_000),
                "layer 1a2b3c: Pushing 3.2 GB / 4.0 GB",
            ),
        ];
        for (layer, status, current, total, want) in cases {
            let got = format_progress(&progress(*layer, status, *current, *total));
            assert_eq!(
                &got, want,
                "layer {layer:?} status {status:?} {current:?}/{total:?}"
            );
        }
    }

    #[test]
    fn formats_byte_counts() {
        let cases: &[(u64, &str)] = &[
            (0, "0 B"),
            (1, "1 B"),
            (999, "999 B"),
            (1_000, "1.0 kB"),
            (1_049, "1.0 kB"),
            (1_050, "1.1 kB"),
            (999_949, "999.9 kB"),
            (999_999, "1.0 MB"),
            (12_000_000, "12.0 MB"),
            (48_300_000, "48.3 MB"),
            (1_000_000_000, "1.0 GB"),
            (1_000_000_000_000, "1.0 TB"),
            (u64::MAX, "18446.7 PB"),
        ];
        for (bytes, want) in cases {
            assert_eq!(&human_bytes(*bytes), want, "{bytes} bytes");
        }
    }
}
