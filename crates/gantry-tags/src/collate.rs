//! The order metadata-action gives labels and annotations: it sorts their
//! keys with JavaScript's `localeCompare`, i.e. ICU's root collation (node's
//! default `en-US` locale collates like root).
//!
//! For ASCII this is the Unicode Collation Algorithm with CLDR's root
//! weights, non-ignorable: whitespace, then punctuation and symbols in
//! their own order (`_ - , ; : ! ? . ' " ( ) [ ] { } @ * / \ & # % ` ^ + <
//! = > | ~ $`), then digits, then letters, case-insensitively at first; only
//! when two keys are otherwise equal does case decide, lower case first,
//! from the left. Control characters are ignored. Label keys are ASCII in
//! practice; any other character sorts after every ASCII one, by code point
//! (ICU would sort `é` with `e`): documented in docs/actions/tag.md.

use std::cmp::Ordering;

/// Printable ASCII and whitespace in the root collation's primary order;
/// a letter's two cases share a weight.
const PRIMARY_ORDER: &str =
    "\t\n\u{b}\u{c}\r _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$0123456789abcdefghijklmnopqrstuvwxyz";

/// The primary weight of `c`; `None` for an ignorable character.
fn primary(c: char) -> Option<u32> {
    if c.is_ascii() {
        let lower = c.to_ascii_lowercase();
        PRIMARY_ORDER
            .chars()
            .position(|p| p == lower)
            .and_then(|i| u32::try_from(i).ok())
    } else {
        // After every ASCII weight, in code point order.
        Some(0x100 + u32::from(c))
    }
}

/// `a.localeCompare(b)` for the keys labels have.
pub(crate) fn locale_compare(a: &str, b: &str) -> Ordering {
    let weights = |s: &str| -> Vec<(u32, bool)> {
        s.chars()
            .filter_map(|c| primary(c).map(|w| (w, c.is_ascii_uppercase())))
            .collect()
    };
    let (a, b) = (weights(a), weights(b));
    let primaries = |w: &[(u32, bool)]| w.iter().map(|(p, _)| *p).collect::<Vec<_>>();
    primaries(&a)
        .cmp(&primaries(&b))
        .then_with(|| a.iter().map(|(_, u)| *u).cmp(b.iter().map(|(_, u)| *u)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lists node sorted with `localeCompare` (tests/data/label_order.json):
    /// every printable character, label-like keys, random keys.
    #[test]
    fn sorts_as_node_localecompare() {
        let data: serde_json::Value =
            serde_json::from_str(include_str!("../tests/data/label_order.json")).unwrap();
        let strings = |v: &serde_json::Value| -> Vec<String> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_owned())
                .collect()
        };
        let cases = data["cases"].as_array().unwrap();
        assert!(cases.len() > 40);
        for case in cases {
            let mut keys = strings(&case["keys"]);
            keys.sort_by(|a, b| locale_compare(a, b));
            assert_eq!(keys, strings(&case["sorted"]));
        }
    }

    #[test]
    fn case_decides_last_lower_first() {
        assert_eq!(locale_compare("a", "A"), Ordering::Less);
        assert_eq!(locale_compare("aB", "Ab"), Ordering::Less);
        assert_eq!(locale_compare("B", "a"), Ordering::Greater);
        assert_eq!(locale_compare("a_b", "a-b"), Ordering::Less);
        assert_eq!(locale_compare("a-b", "a.b"), Ordering::Less);
        assert_eq!(locale_compare("a.b", "a1"), Ordering::Less);
        assert_eq!(locale_compare("a\u{1}b", "ab"), Ordering::Equal);
    }
}
