//! How a wss client judges the server's certificate, as libzmq's does with
//! GnuTLS (gnutls_certificate_verify_peers3 with ZMQ_WSS_HOSTNAME):
//!
//! - a certificate that is itself in the trust list (ZMQ_WSS_TRUST_PEM) is
//!   trusted as it is, CA flag or not, within its validity period: libzmq's
//!   own test serves a self-signed CA certificate and trusts exactly it;
//! - any other must chain (through what the server sent) to a trusted
//!   certificate, checked by webpki (signatures, validity, CA constraints,
//!   the server-auth key usage);
//! - the name: subjectAltName DNS names (a leading `*.` label matches one
//!   label), or with none of them the subject's common name, as GnuTLS
//!   falls back to it; an IP address against subjectAltName addresses.
//!
//! The name checked is ZMQ_WSS_HOSTNAME or, without it, the endpoint's host
//! (see `tls::client_config`).

use super::x509;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, Error, OtherError, SignatureScheme};
use std::net::IpAddr;
use std::sync::Arc;

/// The trust a client was given and the name it expects.
#[derive(Debug)]
pub struct Verifier {
    /// Every trusted certificate, for the exact-match rule.
    pub trusted: Vec<CertificateDer<'static>>,
    /// The same as webpki trust anchors, for chains.
    pub anchors: Vec<TrustAnchor<'static>>,
    /// The name the certificate must carry.
    pub hostname: String,
    pub provider: Arc<CryptoProvider>,
}

fn cert_error(e: CertificateError) -> Error {
    Error::InvalidCertificate(e)
}

impl Verifier {
    /// The whole verdict on a presented chain at `now` (Unix seconds).
    fn check(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<(), Error> {
        let info = x509::parse(end_entity).ok_or(cert_error(CertificateError::BadEncoding))?;
        let secs = now.as_secs() as i64;
        if self
            .trusted
            .iter()
            .any(|t| t.as_ref() == end_entity.as_ref())
        {
            if secs < info.not_before {
                return Err(cert_error(CertificateError::NotValidYet));
            }
            if secs > info.not_after {
                return Err(cert_error(CertificateError::Expired));
            }
        } else {
            let cert = webpki::EndEntityCert::try_from(end_entity)
                .map_err(|_| cert_error(CertificateError::BadEncoding))?;
            cert.verify_for_usage(
                self.provider.signature_verification_algorithms.all,
                &self.anchors,
                intermediates,
                now,
                webpki::KeyUsage::server_auth(),
                None,
                None,
            )
            .map_err(|e| cert_error(CertificateError::Other(OtherError(Arc::new(e)))))?;
        }
        if name_matches(&info, &self.hostname) {
            Ok(())
        } else {
            Err(cert_error(CertificateError::NotValidForName))
        }
    }
}

/// Does the certificate carry `host`?
pub fn name_matches(info: &x509::CertInfo, host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    if let Ok(ip) = host
        .trim_matches(|c| c == '[' || c == ']')
        .parse::<IpAddr>()
    {
        return info.ip_addrs.contains(&ip);
    }
    if info.dns_names.is_empty() {
        // GnuTLS's fallback: the most specific (last) common name.
        return info
            .common_names
            .last()
            .is_some_and(|cn| dns_matches(cn, host));
    }
    info.dns_names
        .iter()
        .any(|pattern| dns_matches(pattern, host))
}

/// A DNS name against a certificate's pattern, case-insensitively; `*.`
/// as the whole first label stands for exactly one label, and only with at
/// least two labels after it.
fn dns_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.strip_suffix('.').unwrap_or(pattern);
    if let Some(rest) = pattern.strip_prefix("*.") {
        if !rest.contains('.') {
            return false;
        }
        return match host.split_once('.') {
            Some((label, tail)) => !label.is_empty() && tail.eq_ignore_ascii_case(rest),
            None => false,
        };
    }
    !pattern.contains('*') && pattern.eq_ignore_ascii_case(host)
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        self.check(end_entity, intermediates, now)?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(cns: &[&str], dns: &[&str], ips: &[&str]) -> x509::CertInfo {
        x509::CertInfo {
            common_names: cns.iter().map(|s| s.to_string()).collect(),
            dns_names: dns.iter().map(|s| s.to_string()).collect(),
            ip_addrs: ips.iter().map(|s| s.parse().unwrap()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn names_match_as_gnutls_matches_them() {
        // No subjectAltName: the common name.
        let cn_only = info(&["zeromq.org"], &[], &[]);
        assert!(name_matches(&cn_only, "zeromq.org"));
        assert!(name_matches(&cn_only, "ZeroMQ.org."));
        assert!(!name_matches(&cn_only, "example.org"));
        // With DNS names the common name no longer counts.
        let san = info(&["cn.example"], &["a.example.com", "*.b.example.com"], &[]);
        assert!(!name_matches(&san, "cn.example"));
        assert!(name_matches(&san, "a.example.com"));
        assert!(name_matches(&san, "x.b.example.com"));
        assert!(!name_matches(&san, "b.example.com"));
        assert!(!name_matches(&san, "y.x.b.example.com"));
        // Too broad a wildcard matches nothing.
        assert!(!name_matches(&info(&[], &["*.com"], &[]), "a.com"));
        // Addresses only against address entries.
        let ip = info(&["127.0.0.1"], &["localhost"], &["127.0.0.1", "::1"]);
        assert!(name_matches(&ip, "127.0.0.1"));
        assert!(name_matches(&ip, "::1"));
        assert!(!name_matches(&ip, "127.0.0.2"));
        assert!(!name_matches(&info(&["127.0.0.1"], &[], &[]), "127.0.0.1"));
    }
}
