//! Shared input layout and helpers for the fuzz targets.
//!
//! Byte-stream inputs are `[method] [password length] [password] [IV: 128 bytes] [rest]`, so
//! that real captures (with their own IV and password) make good seeds: see `seeds/make.py`.

use std::sync::LazyLock;

use nsca::{CheckResult, EncryptionMethod};

/// A split fuzz input.
pub struct Framed<'a> {
    /// The method byte as given; see [`fast_method`] and [`usable_method`] for what it selects.
    pub method: u8,
    /// The password.
    pub password: &'a [u8],
    /// The init packet's IV.
    pub iv: [u8; 128],
    /// Everything after the IV.
    pub rest: &'a [u8],
}

/// Splits `data`; `None` when it is too short to hold the header.
pub fn split(data: &[u8]) -> Option<Framed<'_>> {
    let [method, pw_len, rest @ ..] = data else {
        return None;
    };
    let (password, rest) = rest.split_at_checked(usize::from(*pw_len))?;
    let (iv, rest) = rest.split_at_checked(128)?;
    let iv = iv.try_into().ok()?;
    Some(Framed {
        method: *method,
        password,
        iv,
        rest,
    })
}

/// The stream targets (framing, chunking, legacy detection, session state) run with the two
/// methods that cost nothing per byte: an even byte is method 0 (none), an odd one method 1
/// (XOR), so the captures' own method numbers 0 and 1 keep their meaning. What the libmcrypt
/// methods do to bytes is the `cipher` and `cipher_packet` targets' business.
pub fn fast_method(byte: u8) -> EncryptionMethod {
    if byte & 1 == 0 {
        EncryptionMethod::None
    } else {
        EncryptionMethod::Xor
    }
}

/// The methods a daemon can run (0, 1 and the 15 CFB-8 ones), in numeric order. The fuzz
/// build has every algorithm feature, so `nsca::Cipher::new` accepts all of them.
pub static USABLE: LazyLock<Vec<EncryptionMethod>> = LazyLock::new(|| {
    EncryptionMethod::ALL
        .into_iter()
        .filter(|m| m.usability().is_ok())
        .collect()
});

/// The method a byte selects among `from`: its NSCA number when that method is in `from` (so
/// that seeds read naturally), else the one at the byte's index (modulo the length).
pub fn pick_method(byte: u8, from: &[EncryptionMethod]) -> EncryptionMethod {
    let m = EncryptionMethod::ALL[usize::from(byte) % EncryptionMethod::ALL.len()];
    if from.contains(&m) {
        m
    } else {
        from[usize::from(byte) % from.len()]
    }
}

/// The key bytes NSCA derives from `password` for `method`: up to the first NUL, then (for the
/// libmcrypt methods) cut or zero-padded to the key length. XOR uses the bytes up to the NUL as
/// they are.
pub fn effective_key(method: EncryptionMethod, password: &[u8]) -> Vec<u8> {
    let text = password.split(|&b| b == 0).next().unwrap_or_default();
    match method {
        EncryptionMethod::None => Vec::new(),
        EncryptionMethod::Xor => text.to_vec(),
        _ => {
            let mut key = vec![0u8; method.key_len()];
            let n = text.len().min(key.len());
            key[..n].copy_from_slice(&text[..n]);
            key
        }
    }
}

/// Reads the fields of a fuzz input from the front; past the end, everything reads as zero or
/// empty (so that every input means something).
pub struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    /// Whether everything has been read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Up to `n` bytes.
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (head, tail) = self.data.split_at(n.min(self.data.len()));
        self.data = tail;
        head
    }

    /// One byte.
    pub fn u8(&mut self) -> u8 {
        self.bytes(1).first().copied().unwrap_or(0)
    }

    /// Two bytes, little-endian.
    pub fn u16(&mut self) -> u16 {
        u16::from(self.u8()) | u16::from(self.u8()) << 8
    }

    /// Four bytes, little-endian.
    pub fn u32(&mut self) -> u32 {
        u32::from(self.u16()) | u32::from(self.u16()) << 16
    }

    /// A check result: `[host length] [host] [service length, 255 = host check] [service]
    /// [return code: 2 bytes] [output length: 2 bytes] [output]`. Lengths may exceed what a
    /// packet carries, and fields may hold NULs: the targets cut them with
    /// `CheckResult::truncate`.
    pub fn check(&mut self) -> CheckResult {
        let n = self.u8();
        let host = self.bytes(usize::from(n)).to_vec();
        let service = match self.u8() {
            255 => None,
            n => Some(self.bytes(usize::from(n)).to_vec()),
        };
        let code = i16::from_le_bytes(self.u16().to_le_bytes());
        let n = self.u16();
        let output = self.bytes(usize::from(n)).to_vec();
        match service {
            Some(s) => CheckResult::service(host, s, code, output),
            None => CheckResult::host(host, code, output),
        }
    }
}
