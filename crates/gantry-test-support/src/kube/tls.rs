//! TLS for the fake: a throwaway CA and a server certificate for
//! 127.0.0.1 made at start-up (X.509 v3 written as DER by hand, ECDSA
//! P-256 signatures from ring), served with rustls.
//!
//! Why TLS at all: kubectl (client-go's clientcmd) never sends a
//! kubeconfig's credentials to an `http://` server, so a bearer-token
//! server is only reachable by kubectl over `https://`.

use std::io;
use std::sync::Arc;

use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use super::util::{format_rfc3339, now_unix, random_u64};
use crate::ports::base64;

/// The server's TLS configuration and the CA that signed its certificate.
#[derive(Debug)]
pub(crate) struct Tls {
    pub config: Arc<ServerConfig>,
    /// The CA certificate, PEM (for `certificate-authority-data`).
    pub ca_pem: String,
}

fn tls_error(what: &str, err: impl std::fmt::Debug) -> io::Error {
    io::Error::other(format!("fake Kubernetes TLS: {what}: {err:?}"))
}

/// Make a CA, a server certificate for `127.0.0.1` and `localhost`
/// signed by it, and the rustls configuration serving it.
pub(crate) fn setup() -> io::Result<Tls> {
    let rng = SystemRandom::new();
    let key = |what| {
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
            .map_err(|e| tls_error(what, e))?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
            .map_err(|e| tls_error(what, e))?;
        Ok::<_, io::Error>((pkcs8.as_ref().to_vec(), pair))
    };
    let (_, ca_key) = key("CA key")?;
    let (server_pkcs8, server_key) = key("server key")?;
    let ca_name = name("fake-kube-ca");
    let ca = certificate(
        &rng,
        &ca_key,
        &ca_name,
        &ca_name,
        ca_key.public_key().as_ref(),
        &ca_extensions(),
    )?;
    let server = certificate(
        &rng,
        &ca_key,
        &ca_name,
        &name("fake-kube-apiserver"),
        server_key.public_key().as_ref(),
        &server_extensions(),
    )?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error("protocol versions", e))?
        .with_no_client_auth()
        .with_single_cert(
            vec![
                CertificateDer::from(server),
                CertificateDer::from(ca.clone()),
            ],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_pkcs8)),
        )
        .map_err(|e| tls_error("server certificate", e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Tls {
        config: Arc::new(config),
        ca_pem: pem(&ca),
    })
}

/// PEM of a DER certificate.
fn pem(der: &[u8]) -> String {
    let b64 = base64(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

// ------------------------------------------------------------------ DER

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn oid(arcs: &[u64]) -> Vec<u8> {
    let mut body = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &arc in &arcs[2..] {
        let mut groups = vec![(arc & 0x7f) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            groups.push(0x80 | (rest & 0x7f) as u8);
            rest >>= 7;
        }
        body.extend(groups.into_iter().rev());
    }
    tlv(0x06, &body)
}

fn positive_integer(bytes: &[u8]) -> Vec<u8> {
    let mut body: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    if body.first().is_none_or(|b| b & 0x80 != 0) {
        body.insert(0, 0);
    }
    tlv(0x02, &body)
}

fn bit_string(unused_bits: u8, bytes: &[u8]) -> Vec<u8> {
    let mut body = vec![unused_bits];
    body.extend_from_slice(bytes);
    tlv(0x03, &body)
}

fn utc_time(secs: i64) -> Vec<u8> {
    // RFC 3339 `2025-01-02T03:04:05Z` → UTCTime `250102030405Z`.
    let text = format_rfc3339(secs);
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    tlv(0x17, format!("{}Z", &digits[2..]).as_bytes())
}

const ECDSA_WITH_SHA256: &[u64] = &[1, 2, 840, 10045, 4, 3, 2];

fn name(common_name: &str) -> Vec<u8> {
    seq(&[tlv(
        0x31,
        &seq(&[oid(&[2, 5, 4, 3]), tlv(0x0c, common_name.as_bytes())]),
    )])
}

fn extension(id: &[u64], critical: bool, value: &[u8]) -> Vec<u8> {
    let mut parts = vec![oid(id)];
    if critical {
        parts.push(vec![0x01, 0x01, 0xff]);
    }
    parts.push(tlv(0x04, value));
    seq(&parts)
}

fn ca_extensions() -> Vec<Vec<u8>> {
    vec![
        // basicConstraints: CA.
        extension(&[2, 5, 29, 19], true, &seq(&[vec![0x01, 0x01, 0xff]])),
        // keyUsage: keyCertSign, cRLSign.
        extension(&[2, 5, 29, 15], true, &bit_string(1, &[0x06])),
    ]
}

fn server_extensions() -> Vec<Vec<u8>> {
    let mut names = tlv(0x87, &[127, 0, 0, 1]);
    names.extend(tlv(0x82, b"localhost"));
    vec![
        extension(&[2, 5, 29, 19], true, &seq(&[])),
        // keyUsage: digitalSignature.
        extension(&[2, 5, 29, 15], true, &bit_string(7, &[0x80])),
        // extKeyUsage: serverAuth.
        extension(
            &[2, 5, 29, 37],
            false,
            &seq(&[oid(&[1, 3, 6, 1, 5, 5, 7, 3, 1])]),
        ),
        // subjectAltName: IP 127.0.0.1, DNS localhost.
        extension(&[2, 5, 29, 17], false, &tlv(0x30, &names)),
    ]
}

fn certificate(
    rng: &SystemRandom,
    issuer_key: &EcdsaKeyPair,
    issuer: &[u8],
    subject: &[u8],
    public_key: &[u8],
    extensions: &[Vec<u8>],
) -> io::Result<Vec<u8>> {
    let now = now_unix();
    let algorithm = seq(&[oid(ECDSA_WITH_SHA256)]);
    let spki = seq(&[
        seq(&[
            oid(&[1, 2, 840, 10045, 2, 1]),
            oid(&[1, 2, 840, 10045, 3, 1, 7]),
        ]),
        bit_string(0, public_key),
    ]);
    let tbs = seq(&[
        tlv(0xa0, &positive_integer(&[2])),
        positive_integer(&random_u64().to_be_bytes()),
        algorithm.clone(),
        issuer.to_vec(),
        seq(&[utc_time(now - 3600), utc_time(now + 10 * 365 * 86_400)]),
        subject.to_vec(),
        spki,
        tlv(0xa3, &seq(extensions)),
    ]);
    let signature = issuer_key
        .sign(rng, &tbs)
        .map_err(|e| tls_error("signing a certificate", e))?;
    Ok(seq(&[tbs, algorithm, bit_string(0, signature.as_ref())]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_primitives() {
        assert_eq!(
            oid(&[1, 2, 840, 10045, 2, 1]),
            [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]
        );
        assert_eq!(positive_integer(&[0x80]), [0x02, 0x02, 0x00, 0x80]);
        assert_eq!(positive_integer(&[0, 0, 5]), [0x02, 0x01, 0x05]);
        assert_eq!(tlv(0x04, &[0; 200])[..3], [0x04, 0x81, 200]);
        assert_eq!(utc_time(0), tlv(0x17, b"700101000000Z"));
    }

    #[test]
    fn makes_a_server_config() {
        let tls = setup().unwrap();
        assert!(tls.ca_pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert_eq!(tls.config.alpn_protocols, [b"http/1.1".to_vec()]);
    }
}
