//! Shared input layout for the byte-stream fuzz targets.
//!
//! `[method] [password length] [password] [IV: 128 bytes] [rest]`, so that real captures (with
//! their own IV and password) make good seeds: see `seeds/make.py`.

use nsca::EncryptionMethod;

/// A split fuzz input.
pub struct Framed<'a> {
    /// Any of the 27 methods (the byte modulo 27).
    pub method: EncryptionMethod,
    /// The password.
    pub password: &'a [u8],
    /// The init packet's IV.
    pub iv: [u8; 128],
    /// Everything after the IV.
    pub rest: &'a [u8],
}

/// Splits `data`; `None` when it is too short to hold the header.
pub fn split(data: &[u8]) -> Option<Framed<'_>> {
    let [m, pw_len, rest @ ..] = data else {
        return None;
    };
    let method = EncryptionMethod::ALL[usize::from(*m) % EncryptionMethod::ALL.len()];
    let (password, rest) = rest.split_at_checked(usize::from(*pw_len))?;
    let (iv, rest) = rest.split_at_checked(128)?;
    let iv = iv.try_into().ok()?;
    Some(Framed {
        method,
        password,
        iv,
        rest,
    })
}
