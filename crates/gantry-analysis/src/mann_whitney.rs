//! The Mann-Whitney U test (Wilcoxon rank-sum), two-sided, as SciPy's
//! `mannwhitneyu(x, y, alternative="two-sided", method="auto",
//! use_continuity=True)` computes it: exact when either sample has at most
//! 8 values and there are no ties, otherwise the normal approximation with
//! the tie correction and a continuity correction. Tested against SciPy's
//! p-values (tests/data/mann_whitney_scipy.json).

/// How the p-value was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// From the exact distribution of U.
    Exact,
    /// From the normal approximation.
    Asymptotic,
}

/// The outcome of the test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannWhitney {
    /// U of the first sample: how many (x, y) pairs have x > y (ties half).
    pub u: f64,
    /// The two-sided p-value.
    pub p_value: f64,
    /// How it was computed.
    pub method: Method,
}

/// Test whether `x` and `y` come from the same distribution. `None` when
/// either is empty or holds a NaN.
pub fn mann_whitney_u(x: &[f64], y: &[f64]) -> Option<MannWhitney> {
    let (n1, n2) = (x.len(), y.len());
    if n1 == 0 || n2 == 0 || x.iter().chain(y).any(|v| v.is_nan()) {
        return None;
    }
    let (ranks, tie_sizes) = ranks(x, y);
    let r1: f64 = ranks.iter().take(n1).sum();
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let u1 = r1 - n1f * (n1f + 1.0) / 2.0;
    let u2 = n1f * n2f - u1;
    let u = u1.max(u2);
    let ties = tie_sizes.iter().any(|&t| t > 1);
    let method = if (n1 > 8 && n2 > 8) || ties {
        Method::Asymptotic
    } else {
        Method::Exact
    };
    let one_sided = match method {
        Method::Exact => exact_sf(u.round() as usize, n1.min(n2), n1.max(n2)),
        Method::Asymptotic => {
            let n = n1f + n2f;
            let tie_term: f64 = tie_sizes
                .iter()
                .map(|&t| (t as f64).powi(3) - t as f64)
                .sum();
            let variance = n1f * n2f / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)));
            if variance <= 0.0 {
                // Every value equal: no evidence of any difference.
                0.5
            } else {
                let z = (u - n1f * n2f / 2.0 - 0.5) / variance.sqrt();
                normal_sf(z)
            }
        }
    };
    Some(MannWhitney {
        u: u1,
        p_value: (2.0 * one_sided).clamp(0.0, 1.0),
        method,
    })
}

/// Ranks of `x` then `y` in the pooled sample (ties get their average
/// rank), and the size of every group of equal values.
fn ranks(x: &[f64], y: &[f64]) -> (Vec<f64>, Vec<usize>) {
    let pooled: Vec<f64> = x.iter().chain(y).copied().collect();
    let mut order: Vec<usize> = (0..pooled.len()).collect();
    order.sort_by(|&a, &b| pooled[a].total_cmp(&pooled[b]));
    let mut ranks = vec![0.0; pooled.len()];
    let mut ties = Vec::new();
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && pooled[order[j + 1]] == pooled[order[i]] {
            j += 1;
        }
        // Ranks are 1-based: positions i..=j share their mean.
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            ranks[k] = rank;
        }
        ties.push(j - i + 1);
        i = j + 1;
    }
    (ranks, ties)
}

/// P(U ≥ u) under the null hypothesis, for samples of sizes `m ≤ n`, from
/// the count of arrangements giving each U (the recurrence
/// f(m, n, k) = f(m − 1, n, k − n) + f(m, n − 1, k)).
fn exact_sf(u: usize, m: usize, n: usize) -> f64 {
    let max_u = m * n;
    if u > max_u {
        return 0.0;
    }
    // counts[j][k]: arrangements of i values of the small sample among j of
    // the other with U = k, rolled over i.
    let mut prev: Vec<Vec<f64>> = (0..=n)
        .map(|_| {
            let mut row = vec![0.0; max_u + 1];
            row[0] = 1.0;
            row
        })
        .collect();
    for i in 1..=m {
        let mut cur: Vec<Vec<f64>> = vec![vec![0.0; max_u + 1]; n + 1];
        cur[0][0] = 1.0;
        for j in 1..=n {
            for k in 0..=max_u.min(i * j) {
                let with_x_last = if k >= j { prev[j][k - j] } else { 0.0 };
                cur[j][k] = with_x_last + cur[j - 1][k];
            }
        }
        prev = cur;
    }
    let counts = &prev[n];
    let total: f64 = counts.iter().sum();
    counts.iter().skip(u).sum::<f64>() / total
}

/// P(Z > z) for a standard normal Z.
pub fn normal_sf(z: f64) -> f64 {
    0.5 * libm::erfc(z / std::f64::consts::SQRT_2)
}

/// The Hodges-Lehmann estimate of the shift of `x` over `y`: the median of
/// every difference `x_i − y_j`. `None` for an empty sample.
pub fn hodges_lehmann(x: &[f64], y: &[f64]) -> Option<f64> {
    let mut diffs: Vec<f64> = x
        .iter()
        .flat_map(|a| y.iter().map(move |b| a - b))
        .filter(|d| !d.is_nan())
        .collect();
    median_in_place(&mut diffs)
}

/// The median of `values` (sorted in place). `None` when empty.
pub fn median_in_place(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_distribution_sums_to_one_and_is_symmetric() {
        for (m, n) in [(1, 1), (2, 3), (4, 4), (3, 8), (8, 8), (5, 20)] {
            assert!((exact_sf(0, m, n) - 1.0).abs() < 1e-12, "{m} {n}");
            for u in 0..=m * n {
                // P(U ≥ u) = P(U ≤ mn − u) = 1 − P(U ≥ mn − u + 1).
                let left = exact_sf(u, m, n);
                let right = 1.0 - exact_sf(m * n - u + 1, m, n);
                assert!((left - right).abs() < 1e-12, "{m} {n} {u}");
            }
        }
        // Hand-computed: m = n = 2, C(4, 2) = 6 arrangements, U ∈ {0,1,2,2,3,4}.
        assert!((exact_sf(3, 2, 2) - 2.0 / 6.0).abs() < 1e-15);
    }

    #[test]
    fn hodges_lehmann_and_medians() {
        assert_eq!(hodges_lehmann(&[3.0, 4.0], &[1.0]), Some(2.5));
        assert_eq!(hodges_lehmann(&[], &[1.0]), None);
        assert_eq!(median_in_place(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median_in_place(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert!(mann_whitney_u(&[f64::NAN], &[1.0]).is_none());
        assert!(mann_whitney_u(&[], &[1.0]).is_none());
    }
}
