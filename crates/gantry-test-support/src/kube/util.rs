//! Small helpers the fake shares: wall-clock timestamps as the API server
//! writes them, random names and uids, template hashes, and JSON paths.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

/// The alphabet Kubernetes uses for generated names and hashes
/// (`rand.SafeEncodeString`: no vowels, no look-alikes).
const SAFE: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

static SEED: AtomicU64 = AtomicU64::new(0);

/// A non-cryptographic random number (splitmix64 over a shared counter
/// seeded from the clock): names only need to differ, not be secret.
pub(crate) fn random_u64() -> u64 {
    if SEED.load(Ordering::Relaxed) == 0 {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64);
        let _ = SEED.compare_exchange(0, nanos | 1, Ordering::Relaxed, Ordering::Relaxed);
    }
    let mut z = SEED.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `n` random characters of the safe alphabet (a pod name's suffix).
pub(crate) fn random_suffix(n: usize) -> String {
    (0..n)
        .map(|_| char::from(SAFE[(random_u64() % SAFE.len() as u64) as usize]))
        .collect()
}

/// A random RFC 4122 version 4 uid.
pub(crate) fn random_uid() -> String {
    let a = random_u64();
    let b = random_u64();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        ((b >> 48) & 0x3fff) | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

/// FNV-1a over the canonical JSON of `value`, written with the safe
/// alphabet, like the `pod-template-hash` the deployment controller
/// derives from a pod template.
pub(crate) fn template_hash(value: &Value) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in canonical(value).bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    let mut out = String::new();
    let mut n = u64::from(hash);
    while out.len() < 9 {
        out.push(char::from(SAFE[(n % SAFE.len() as u64) as usize]));
        n /= SAFE.len() as u64;
        if n == 0 {
            n = u64::from(hash.rotate_left(out.len() as u32 * 3)) + 1;
        }
    }
    out
}

/// JSON with object keys sorted, so equal values print equally whatever
/// order their keys were written in.
pub(crate) fn canonical(value: &Value) -> String {
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                let mut out = Map::new();
                for key in keys {
                    out.insert(key.clone(), sorted(&map[key]));
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(value).to_string()
}

/// Seconds since the Unix epoch, now.
pub(crate) fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Now as the API server writes times: RFC 3339, whole seconds, UTC.
pub(crate) fn now_rfc3339() -> String {
    format_rfc3339(now_unix())
}

/// `secs` since the epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn format_rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// The seconds since the epoch of a `YYYY-MM-DDTHH:MM:SS…Z` time.
pub(crate) fn parse_rfc3339(text: &str) -> Option<i64> {
    let num = |range: std::ops::Range<usize>| text.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // Howard Hinnant's days_from_civil.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

/// The value at a dotted path (`spec.template.spec`), if every step is an
/// object with that key.
pub(crate) fn at<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(value, |v, key| v.as_object()?.get(key))
}

/// The string at a dotted path, or `""`.
pub(crate) fn str_at<'a>(value: &'a Value, path: &str) -> &'a str {
    at(value, path).and_then(Value::as_str).unwrap_or("")
}

/// The integer at a dotted path.
pub(crate) fn int_at(value: &Value, path: &str) -> Option<i64> {
    at(value, path).and_then(Value::as_i64)
}

/// The object at a dotted path, created (with every missing step) if it
/// is absent or not an object. `None` only if `value` itself cannot hold
/// keys, which never happens for an object.
pub(crate) fn object_at<'a>(
    value: &'a mut Value,
    path: &str,
) -> Option<&'a mut Map<String, Value>> {
    let mut current = value;
    for key in path.split('.') {
        if !current.is_object() {
            *current = Value::Object(Map::new());
        }
        current = current
            .as_object_mut()?
            .entry(key.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    if !current.is_object() {
        *current = Value::Object(Map::new());
    }
    current.as_object_mut()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formats_and_parses_times() {
        for (secs, text) in [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_735_689_599, "2024-12-31T23:59:59Z"),
        ] {
            assert_eq!(format_rfc3339(secs), text);
            assert_eq!(parse_rfc3339(text), Some(secs));
        }
        assert_eq!(parse_rfc3339("nonsense"), None);
    }

    #[test]
    fn hashes_ignore_key_order() {
        let a = json!({"a": 1, "b": {"c": [1, 2], "d": "x"}});
        let b = json!({"b": {"d": "x", "c": [1, 2]}, "a": 1});
        assert_eq!(template_hash(&a), template_hash(&b));
        assert_ne!(template_hash(&a), template_hash(&json!({"a": 2})));
        assert!(template_hash(&a).bytes().all(|c| SAFE.contains(&c)));
    }

    #[test]
    fn uids_and_suffixes_have_their_shapes() {
        let uid = random_uid();
        assert_eq!(uid.len(), 36);
        assert_eq!(&uid[14..15], "4");
        assert_ne!(random_uid(), uid);
        assert_eq!(random_suffix(5).len(), 5);
    }

    #[test]
    fn paths_read_and_write() {
        let mut v = json!({"spec": {"replicas": 3}});
        assert_eq!(int_at(&v, "spec.replicas"), Some(3));
        object_at(&mut v, "metadata.labels")
            .unwrap()
            .insert("a".into(), json!("b"));
        assert_eq!(str_at(&v, "metadata.labels.a"), "b");
    }
}
