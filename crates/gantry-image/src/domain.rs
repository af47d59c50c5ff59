//! The registry part of a name: `host[:port]`.
//!
//! Whether the first `/`-separated component is a registry at all is
//! decided exactly as Docker decides it (normalize.go `splitDockerDomain`),
//! so `gantry` and `docker pull` agree on which registry an image lives in.
//! Its syntax then follows regexp.go `domainAndPort`: a DNS-like host name
//! (which also covers IPv4), or an IPv6 address in brackets, then an
//! optional numeric port.

use std::fmt;

use crate::shown::{Shown, ShownChar};

/// The host name Docker treats as a registry even without `.` or `:`.
const LOCALHOST: &str = "localhost";

/// Why the first component of a name counts as a registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Candidate {
    /// It is not a registry; it is the first path component.
    No,
    /// It contains `.` or `:`, or is `localhost`: a registry for certain.
    Yes,
    /// It is a registry only because it has uppercase letters (repository
    /// paths cannot). If it is not a valid host either, the user most
    /// likely typed a repository namespace in the wrong case.
    OnlyByCase,
}

/// Classifies the text before the first `/` like `splitDockerDomain`.
pub(crate) fn candidate(first: &str) -> Candidate {
    if first == LOCALHOST || first.contains(['.', ':']) {
        Candidate::Yes
    } else if first.chars().any(char::is_uppercase) {
        // Go compares `strings.ToLower(s) != s`, which is Unicode-aware.
        Candidate::OnlyByCase
    } else {
        Candidate::No
    }
}

/// Checks `domain` against regexp.go `domainAndPort`.
pub(crate) fn check(domain: &str) -> Result<(), DomainProblem> {
    let (host, port) = if let Some(inner) = domain.strip_prefix('[') {
        let (address, rest) = inner.split_once(']').ok_or(DomainProblem::InvalidIpv6)?;
        check_ipv6(address)?;
        if rest.is_empty() {
            return Ok(());
        }
        let port = rest.strip_prefix(':').ok_or(DomainProblem::TextAfterIpv6)?;
        (None, Some(port))
    } else {
        match domain.split_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(domain), None),
        }
    };
    if let Some(port) = port
        && port.contains(':')
    {
        return Err(DomainProblem::UnbracketedIpv6);
    }
    if let Some(host) = host {
        check_host(host)?;
    }
    if let Some(port) = port {
        check_port(port)?;
    }
    Ok(())
}

/// regexp.go `ipv6address` between the brackets: `[a-fA-F0-9:]+`. Zones
/// (`%eth0`) and embedded IPv4 are deliberately refused, as in Go.
fn check_ipv6(address: &str) -> Result<(), DomainProblem> {
    if !address.is_empty() && address.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
        Ok(())
    } else {
        Err(DomainProblem::InvalidIpv6)
    }
}

/// `domainName`: labels `[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?` joined by `.`.
fn check_host(host: &str) -> Result<(), DomainProblem> {
    if host.is_empty() {
        return Err(DomainProblem::EmptyHost);
    }
    for label in host.split('.') {
        if label.is_empty() {
            return Err(DomainProblem::EmptyLabel);
        }
        if let Some(character) = label
            .chars()
            .find(|&c| !(c.is_ascii_alphanumeric() || c == '-'))
        {
            return Err(DomainProblem::InvalidHostCharacter { character });
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(DomainProblem::HyphenAtLabelEdge {
                label: label.to_owned(),
            });
        }
    }
    Ok(())
}

/// `optionalPort`: `[0-9]+`. Go does not range-check it and neither do we,
/// so that everything Docker accepts parses here too.
fn check_port(port: &str) -> Result<(), DomainProblem> {
    if port.is_empty() {
        Err(DomainProblem::EmptyPort)
    } else if port.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(DomainProblem::InvalidPort {
            port: port.to_owned(),
        })
    }
}

/// What is wrong with a registry (`host[:port]`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DomainProblem {
    /// Nothing before the `:` (e.g. `:5000/app`).
    EmptyHost,
    /// `..`, or a `.` at the start or end of the host.
    EmptyLabel,
    /// A host character other than ASCII letters, digits, `-` and `.`.
    InvalidHostCharacter {
        /// The first offending character.
        character: char,
    },
    /// A host label starting or ending with `-`.
    HyphenAtLabelEdge {
        /// The label.
        label: String,
    },
    /// Nothing after the `:`.
    EmptyPort,
    /// A port that is not all digits.
    InvalidPort {
        /// The port as written.
        port: String,
    },
    /// An IPv6 address without brackets (e.g. `fc00::1:5000`).
    UnbracketedIpv6,
    /// Something other than hex digits and `:` between `[` and `]`.
    InvalidIpv6,
    /// Something other than `:port` after `]`.
    TextAfterIpv6,
}

impl fmt::Display for DomainProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const HOST: &str = "a host name is dot-separated labels of ASCII letters, digits and `-`";
        const PORT: &str = "a port is digits, e.g. `localhost:5000`";
        match self {
            DomainProblem::EmptyHost => write!(f, "no host before `:`; {HOST}"),
            DomainProblem::EmptyLabel => {
                write!(f, "empty label (`..`, or `.` at the start or end); {HOST}")
            }
            DomainProblem::InvalidHostCharacter { character } => {
                write!(f, "{HOST} (found `{}`)", ShownChar(*character))
            }
            DomainProblem::HyphenAtLabelEdge { label } => write!(
                f,
                "label `{}` starts or ends with `-`; labels start and end with a letter or digit",
                Shown(label)
            ),
            DomainProblem::EmptyPort => write!(f, "no port after `:`; {PORT}"),
            DomainProblem::InvalidPort { port } => {
                write!(f, "port `{}` is not a number; {PORT}", Shown(port))
            }
            DomainProblem::UnbracketedIpv6 => {
                f.write_str("an IPv6 address goes in square brackets, e.g. `[fc00::1]:5000/app`")
            }
            DomainProblem::InvalidIpv6 => f.write_str(
                "an IPv6 address is hexadecimal digits and `:` between `[` and `]`, without a \
                 zone (`%eth0`) or an embedded IPv4 address",
            ),
            DomainProblem::TextAfterIpv6 => {
                f.write_str("only a port may follow `]`, e.g. `[::1]:5000`")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_follow_split_docker_domain() {
        assert_eq!(candidate("localhost"), Candidate::Yes);
        assert_eq!(candidate("ghcr.io"), Candidate::Yes);
        assert_eq!(candidate("registry:5000"), Candidate::Yes);
        assert_eq!(candidate("[::1]"), Candidate::Yes);
        assert_eq!(candidate("Foo"), Candidate::OnlyByCase);
        assert_eq!(candidate("É"), Candidate::OnlyByCase);
        assert_eq!(candidate("acme"), Candidate::No);
        assert_eq!(candidate("local-host"), Candidate::No);
        assert_eq!(candidate(""), Candidate::No);
    }

    #[test]
    fn valid_domains() {
        for domain in [
            "localhost",
            "localhost:5000",
            "ghcr.io",
            "sub-dom1.foo.com",
            "xn--n3h.com:18080",
            "127.0.0.1:5000",
            "Foo",
            "a",
            "[::1]",
            "[::1]:5000",
            "[2001:DB8::1]:443",
        ] {
            assert_eq!(check(domain), Ok(()), "{domain}");
        }
    }

    #[test]
    fn invalid_domains() {
        let cases = [
            (":5000", DomainProblem::EmptyHost),
            ("a..b", DomainProblem::EmptyLabel),
            (".a", DomainProblem::EmptyLabel),
            ("a.", DomainProblem::EmptyLabel),
            (
                "foo_bar.com",
                DomainProblem::InvalidHostCharacter { character: '_' },
            ),
            (
                "-a.com",
                DomainProblem::HyphenAtLabelEdge {
                    label: "-a".to_owned(),
                },
            ),
            ("a.com:", DomainProblem::EmptyPort),
            (
                "a.com:http",
                DomainProblem::InvalidPort {
                    port: "http".to_owned(),
                },
            ),
            ("fc00::1:5000", DomainProblem::UnbracketedIpv6),
            ("[fe80::1%eth0]:5000", DomainProblem::InvalidIpv6),
            ("[2001:db8::192.0.2.33]", DomainProblem::InvalidIpv6),
            ("[]:5000", DomainProblem::InvalidIpv6),
            ("[::1", DomainProblem::InvalidIpv6),
            ("[::1]5000", DomainProblem::TextAfterIpv6),
            ("[::1]:", DomainProblem::EmptyPort),
        ];
        for (domain, problem) in cases {
            assert_eq!(check(domain), Err(problem), "{domain}");
        }
    }
}
