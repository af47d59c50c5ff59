//! Response bodies read within a cap.

/// Why a body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// The body went past the cap (a flooding or broken server).
    #[error("the response body exceeds {} (read limit)", human_bytes(*.cap))]
    TooLarge {
        /// The cap, in bytes.
        cap: usize,
    },
    /// The connection failed or timed out while reading.
    #[error("reading the response body failed: {0}")]
    Transport(#[source] reqwest::Error),
}

impl BodyError {
    /// Whether the read stopped at its deadline.
    pub fn is_timeout(&self) -> bool {
        matches!(self, BodyError::Transport(e) if e.is_timeout())
    }
}

/// Read `response`'s body, at most `cap` bytes. A `Content-Length` over
/// the cap fails before reading anything; a body that grows past it
/// (chunked, or lying about its length) fails as soon as it does.
pub async fn read_capped(
    mut response: reqwest::Response,
    cap: usize,
) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|length| length > cap as u64)
    {
        return Err(BodyError::TooLarge { cap });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
        if chunk.len() > cap.saturating_sub(body.len()) {
            return Err(BodyError::TooLarge { cap });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `4 MiB`, `512 KiB`, `100 bytes`.
pub(crate) fn human_bytes(n: usize) -> String {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * 1024;
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else if n >= KIB && n.is_multiple_of(KIB) {
        format!("{} KiB", n / KIB)
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use gantry_test_support::hostile::{Behaviour, HostileServer};

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_bytes(4 * 1024 * 1024), "4 MiB");
        assert_eq!(human_bytes(512 * 1024), "512 KiB");
        assert_eq!(human_bytes(1000), "1000 bytes");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn an_endless_body_stops_at_the_cap() {
        let server = HostileServer::start(Behaviour::EndlessBody {
            content_type: "application/json".into(),
        })
        .unwrap();
        let response = reqwest::get(server.url()).await.unwrap();
        let err = read_capped(response, 1024 * 1024).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "the response body exceeds 1 MiB (read limit)"
        );
        assert!(server.bytes_sent() < 64 * 1024 * 1024);
    }
}
