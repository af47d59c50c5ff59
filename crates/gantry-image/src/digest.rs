//! Content digests: `algorithm:hex`.
//!
//! The grammar is distribution/reference's `digest` production, narrowed
//! where a registry would refuse the digest anyway:
//!
//! - the algorithm is one or more components `[a-z][a-z0-9]*` joined by one
//!   of `+ . _ -`. distribution also allows uppercase letters here, but the
//!   OCI image spec (and go-digest) do not, and `SHA256:…` is a typo for
//!   `sha256:…` far more often than a new algorithm;
//! - the registered algorithms of go-digest (`sha256`, `sha384`, `sha512`)
//!   need exactly 64, 96 or 128 lowercase hexadecimal characters, so a
//!   truncated or upper-cased digest is caught here rather than by the
//!   registry;
//! - any other algorithm is accepted with at least 32 hexadecimal
//!   characters (either case), as distribution's `[[:xdigit:]]{32,}`.
//!   go-digest would call it "unsupported", but gantry never hashes content
//!   itself, so it passes such digests through to the registry unchanged.

use std::fmt;
use std::str::FromStr;

use crate::shown::{Shown, ShownChar};

/// Fewest hexadecimal characters in a digest (128 bits), from
/// distribution's `digest-hex`.
pub const MIN_DIGEST_HEX_LENGTH: usize = 32;

/// Algorithms whose length is known: (name, hex characters).
const REGISTERED: [(&str, usize); 3] = [("sha256", 64), ("sha384", 96), ("sha512", 128)];

/// A valid content digest, e.g. `sha256:4c0f…` (64 hex digits).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    /// `algorithm:hex`, as written.
    full: String,
    /// Byte index of the `:`.
    colon: usize,
}

impl Digest {
    /// Parses a digest on its own. Errors name the digest.
    pub fn parse(digest: &str) -> Result<Digest, DigestError> {
        match check(digest) {
            Ok(colon) => Ok(Digest {
                full: digest.to_owned(),
                colon,
            }),
            Err(problem) => Err(DigestError {
                digest: digest.to_owned(),
                problem,
            }),
        }
    }

    /// The algorithm, e.g. `sha256`.
    pub fn algorithm(&self) -> &str {
        self.full.get(..self.colon).unwrap_or_default()
    }

    /// The hexadecimal part after the `:` (go-digest calls it "encoded").
    pub fn hex(&self) -> &str {
        self.full.get(self.colon + 1..).unwrap_or_default()
    }

    /// `algorithm:hex`, as written.
    pub fn as_str(&self) -> &str {
        &self.full
    }
}

/// Checks `digest` and returns the byte index of its `:`.
fn check(digest: &str) -> Result<usize, DigestProblem> {
    if digest.is_empty() {
        return Err(DigestProblem::Empty);
    }
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return Err(DigestProblem::MissingSeparator);
    };
    check_algorithm(algorithm)?;
    match REGISTERED.iter().find(|(name, _)| *name == algorithm) {
        Some(&(_, expected)) => check_registered_hex(algorithm, expected, hex)?,
        None => check_other_hex(hex)?,
    }
    Ok(algorithm.len())
}

/// `[a-z][a-z0-9]*` components joined by single `+ . _ -`.
fn check_algorithm(algorithm: &str) -> Result<(), DigestProblem> {
    let well_formed = algorithm.split(['+', '.', '_', '-']).all(|component| {
        let mut chars = component.chars();
        chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    });
    if well_formed {
        Ok(())
    } else {
        Err(DigestProblem::InvalidAlgorithm {
            algorithm: algorithm.to_owned(),
        })
    }
}

fn check_registered_hex(algorithm: &str, expected: usize, hex: &str) -> Result<(), DigestProblem> {
    if let Some(character) = hex.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(DigestProblem::InvalidHexCharacter { character });
    }
    if hex.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(DigestProblem::UppercaseHex {
            algorithm: algorithm.to_owned(),
        });
    }
    if hex.len() != expected {
        return Err(DigestProblem::WrongLength {
            algorithm: algorithm.to_owned(),
            expected,
            actual: hex.len(),
        });
    }
    Ok(())
}

fn check_other_hex(hex: &str) -> Result<(), DigestProblem> {
    if let Some(character) = hex.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(DigestProblem::InvalidHexCharacter { character });
    }
    if hex.len() < MIN_DIGEST_HEX_LENGTH {
        return Err(DigestProblem::TooShort { actual: hex.len() });
    }
    Ok(())
}

impl FromStr for Digest {
    type Err = DigestError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Digest::parse(s)
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full)
    }
}

impl AsRef<str> for Digest {
    fn as_ref(&self) -> &str {
        &self.full
    }
}

/// What is wrong with a digest.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DigestProblem {
    /// Nothing after `@`, or an empty string.
    Empty,
    /// No `:` between algorithm and hex.
    MissingSeparator,
    /// The algorithm is not `[a-z][a-z0-9]*` components joined by `+ . _ -`.
    InvalidAlgorithm {
        /// The algorithm as written.
        algorithm: String,
    },
    /// A character other than `0-9 a-f A-F` after the `:`.
    InvalidHexCharacter {
        /// The first offending character.
        character: char,
    },
    /// Uppercase hex for an algorithm that requires lowercase.
    UppercaseHex {
        /// The algorithm, e.g. `sha256`.
        algorithm: String,
    },
    /// A registered algorithm with the wrong number of hex characters.
    WrongLength {
        /// The algorithm, e.g. `sha256`.
        algorithm: String,
        /// How many it needs.
        expected: usize,
        /// How many it has.
        actual: usize,
    },
    /// Another algorithm with fewer than [`MIN_DIGEST_HEX_LENGTH`] hex characters.
    TooShort {
        /// How many it has.
        actual: usize,
    },
}

const SHAPE: &str = "a digest is `algorithm:hex`, e.g. `sha256:` and 64 hexadecimal characters";

impl fmt::Display for DigestProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DigestProblem::Empty => write!(f, "empty; {SHAPE}"),
            DigestProblem::MissingSeparator => write!(f, "no `:`; {SHAPE}"),
            DigestProblem::InvalidAlgorithm { algorithm } => write!(
                f,
                "algorithm `{}` is not valid; an algorithm is lowercase letters and digits \
                 starting with a letter, optionally joined by `+`, `.`, `_` or `-` (e.g. `sha256`)",
                Shown(algorithm)
            ),
            DigestProblem::InvalidHexCharacter { character } => write!(
                f,
                "the part after `:` is hexadecimal, 0-9 and a-f (found `{}`)",
                ShownChar(*character)
            ),
            DigestProblem::UppercaseHex { algorithm } => write!(
                f,
                "{algorithm} digests are lowercase hexadecimal, 0-9 and a-f (found uppercase)"
            ),
            DigestProblem::WrongLength {
                algorithm,
                expected,
                actual,
            } => write!(
                f,
                "{algorithm} digests have {expected} hexadecimal characters (this one has {actual})"
            ),
            DigestProblem::TooShort { actual } => write!(
                f,
                "digests have at least {MIN_DIGEST_HEX_LENGTH} hexadecimal characters \
                 (this one has {actual})"
            ),
        }
    }
}

/// A digest that failed [`Digest::parse`].
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[error("invalid digest `{}`: {problem}", Shown(.digest))]
pub struct DigestError {
    digest: String,
    problem: DigestProblem,
}

impl DigestError {
    /// The digest as given.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// What is wrong with it.
    pub fn problem(&self) -> &DigestProblem {
        &self.problem
    }

    /// What is wrong with it, by value.
    pub fn into_problem(self) -> DigestProblem {
        self.problem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX64: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn message(digest: &str) -> String {
        match Digest::parse(digest) {
            Ok(digest) => format!("unexpectedly valid: {digest}"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn parts_of_a_valid_digest() {
        let digest = Digest::parse(&format!("sha256:{HEX64}")).unwrap();
        assert_eq!(digest.algorithm(), "sha256");
        assert_eq!(digest.hex(), HEX64);
        assert_eq!(digest.to_string(), format!("sha256:{HEX64}"));
        assert_eq!(digest.as_str(), digest.as_ref());

        let sha512 = format!("sha512:{HEX64}{HEX64}");
        assert_eq!(Digest::parse(&sha512).map(|d| d.to_string()), Ok(sha512));
        let sha384 = format!("sha384:{HEX64}{}", &HEX64[..32]);
        assert!(Digest::parse(&sha384).is_ok());
    }

    #[test]
    fn other_algorithms_need_32_hex_characters_of_either_case() {
        let digest =
            Digest::parse("multihash+base58.v1_x-y:0123456789ABCDEF0123456789abcdef").unwrap();
        assert_eq!(digest.algorithm(), "multihash+base58.v1_x-y");
        assert_eq!(digest.hex(), "0123456789ABCDEF0123456789abcdef");
        assert_eq!(
            message("blake3:0123456789abcdef0123456789abcde"),
            "invalid digest `blake3:0123456789abcdef0123456789abcde`: digests have at least 32 \
             hexadecimal characters (this one has 31)"
        );
    }

    #[test]
    fn errors_name_the_digest_and_the_rule() {
        assert_eq!(
            message(""),
            "invalid digest ``: empty; a digest is `algorithm:hex`, e.g. `sha256:` and 64 \
             hexadecimal characters"
        );
        assert_eq!(
            message("sha256"),
            "invalid digest `sha256`: no `:`; a digest is `algorithm:hex`, e.g. `sha256:` and \
             64 hexadecimal characters"
        );
        assert_eq!(
            message("sha256:abc"),
            "invalid digest `sha256:abc`: sha256 digests have 64 hexadecimal characters (this \
             one has 3)"
        );
        assert_eq!(
            message(&format!("SHA256:{HEX64}")),
            format!(
                "invalid digest `SHA256:{HEX64}`: algorithm `SHA256` is not valid; an algorithm \
                 is lowercase letters and digits starting with a letter, optionally joined by \
                 `+`, `.`, `_` or `-` (e.g. `sha256`)"
            )
        );
        for algorithm in ["", "1sha", "sha-", "sha--256", "sha 256", "-sha", "sha256é"] {
            assert_eq!(
                Digest::parse(&format!("{algorithm}:{HEX64}")).map_err(|e| e.problem().clone()),
                Err(DigestProblem::InvalidAlgorithm {
                    algorithm: algorithm.to_owned()
                }),
                "{algorithm}"
            );
        }
        assert_eq!(
            message(&format!("sha256:{}", HEX64.to_uppercase())),
            format!(
                "invalid digest `sha256:{}`: sha256 digests are lowercase hexadecimal, 0-9 and \
                 a-f (found uppercase)",
                HEX64.to_uppercase()
            )
        );
        assert_eq!(
            message("sha256:xyz"),
            "invalid digest `sha256:xyz`: the part after `:` is hexadecimal, 0-9 and a-f (found \
             `x`)"
        );
        assert_eq!(
            Digest::parse(&format!("sha256:{HEX64}:")).map_err(|e| e.problem().clone()),
            Err(DigestProblem::InvalidHexCharacter { character: ':' })
        );
    }
}
