//! The Mann-Whitney U test against SciPy's own results on fixed samples
//! (tests/data/gen_scipy.py wrote them).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use gantry_analysis::{Method, mann_whitney_u};
use serde_json::Value;

#[test]
fn p_values_match_scipy() {
    let data: Value = serde_json::from_str(include_str!("data/mann_whitney_scipy.json")).unwrap();
    let cases = data["cases"].as_array().unwrap();
    assert!(cases.len() >= 10);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let sample = |k: &str| -> Vec<f64> {
            case[k]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect()
        };
        let got = mann_whitney_u(&sample("x"), &sample("y")).unwrap();
        let want_p = case["p"].as_f64().unwrap();
        let want_u = case["u"].as_f64().unwrap();
        let want_method = match case["method"].as_str().unwrap() {
            "exact" => Method::Exact,
            _ => Method::Asymptotic,
        };
        assert_eq!(got.method, want_method, "{name}");
        assert!(
            (got.u - want_u).abs() < 1e-9,
            "{name}: U {} vs SciPy {want_u}",
            got.u
        );
        let tolerance = 1e-9 * want_p.max(1e-300) + 1e-15;
        assert!(
            (got.p_value - want_p).abs() <= tolerance,
            "{name}: p {} vs SciPy {want_p}",
            got.p_value
        );
    }
}
