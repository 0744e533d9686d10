//! Secrets held by a compiled endpoint and the constant-time checks made with them.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

/// A resolved secret. Its `Debug` output never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    /// Argo reads secrets from mounted files and drops one trailing newline (an editor's);
    /// values from other stores are treated the same so a secret means the same everywhere.
    pub(crate) fn new(mut value: String) -> Secret {
        if value.ends_with('\n') {
            value.pop();
        }
        Secret(value)
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Compares `given` with the secret in constant time. Both sides are hashed first so the
    /// time does not depend on where they differ nor on the secret's length.
    pub(crate) fn matches(&self, given: &[u8]) -> bool {
        let a = Sha256::digest(self.0.as_bytes());
        let b = Sha256::digest(given);
        a.ct_eq(&b).into()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// A hash function GitHub may sign with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HashAlg {
    Sha1,
    Sha256,
    Sha512,
}

/// Whether `expected` is the HMAC of the concatenated `parts` under `key`; the comparison is
/// constant-time (`Mac::verify_slice`).
pub(crate) fn hmac_matches(alg: HashAlg, key: &[u8], parts: &[&[u8]], expected: &[u8]) -> bool {
    fn check<M: Mac + hmac::digest::KeyInit>(key: &[u8], parts: &[&[u8]], expected: &[u8]) -> bool {
        let Ok(mut mac) = <M as hmac::digest::KeyInit>::new_from_slice(key) else {
            return false;
        };
        for p in parts {
            mac.update(p);
        }
        mac.verify_slice(expected).is_ok()
    }
    match alg {
        HashAlg::Sha1 => check::<Hmac<sha1::Sha1>>(key, parts, expected),
        HashAlg::Sha256 => check::<Hmac<Sha256>>(key, parts, expected),
        HashAlg::Sha512 => check::<Hmac<sha2::Sha512>>(key, parts, expected),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_trims_one_newline_and_hides_itself() {
        let s = Secret::new("tok\n\n".into());
        assert!(s.matches(b"tok\n"));
        assert!(!s.matches(b"tok"));
        assert_eq!(format!("{s:?}"), "Secret(***)");
    }

    #[test]
    fn hmac_checks_each_algorithm() {
        // RFC 4231 test case 2 (HMAC-SHA-256, key "Jefe").
        let want = hex::decode("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
            .expect("hex");
        let msg: [&[u8]; 2] = [b"what do ya want ", b"for nothing?"];
        assert!(hmac_matches(HashAlg::Sha256, b"Jefe", &msg, &want));
        assert!(!hmac_matches(HashAlg::Sha256, b"jefe", &msg, &want));
        assert!(!hmac_matches(HashAlg::Sha1, b"Jefe", &msg, &want));
        // RFC 2202 test case 2 (HMAC-SHA-1).
        let sha1 = hex::decode("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79").expect("hex");
        assert!(hmac_matches(HashAlg::Sha1, b"Jefe", &msg, &sha1));
    }
}
