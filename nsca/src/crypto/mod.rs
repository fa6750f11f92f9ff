//! The encryption methods NSCA can use, and the per-connection cipher state.
//!
//! NSCA encrypts each whole data packet after its CRC is computed. Method 0 sends plaintext;
//! method 1 XORs the packet with the 128-byte IV from the init packet and then with the password,
//! both restarted for every packet (obfuscation, not security). Methods 2 to 26 are libmcrypt
//! algorithms run in libmcrypt's `"cfb"` mode, which is 8-bit CFB: their stream runs on across
//! every packet of a connection, so a [`Cipher`] lives exactly as long as one connection and must
//! see the packets in order.
//!
//! # Algorithms and Cargo features
//!
//! Every method the NSCA daemon can run is implemented in pure Rust and checked byte for byte
//! against libmcrypt 2.5.8, which both NSCA programs use. Each algorithm has a Cargo feature, all
//! on by default; without its feature, [`Cipher::new`] returns
//! [`CryptoError::FeatureDisabled`] naming it.
//!
//! | method | libmcrypt name | feature | implementation |
//! |---|---|---|---|
//! | 2, 3 | `des`, `tripledes` | `des`, `tripledes` | this crate |
//! | 4 | `cast-128` | `cast128` | `cast5` crate |
//! | 5 | `cast-256` | `cast256` | `cast6` crate, with libmcrypt's little-endian words |
//! | 6 | `xtea` | `xtea` | this crate |
//! | 8 | `blowfish` | `blowfish` | `blowfish` crate |
//! | 9 | `twofish` | `twofish` | this crate |
//! | 10 | `loki97` | `loki97` | this crate, with libmcrypt's byte order |
//! | 11 | `rc2` | `rc2` | `rc2` crate (1024 effective key bits) |
//! | 14 | `rijndael-128` (AES-256) | `rijndael` | `aes` crate |
//! | 15, 16 | `rijndael-192`, `rijndael-256` | `rijndael` | this crate (192- and 256-bit blocks) |
//! | 20 | `serpent` | `serpent` | `serpent` crate |
//! | 23 | `gost` | `gost` | this crate, with libmcrypt's S-boxes and byte order |
//! | 26 | `saferplus` | `saferplus` | this crate, with libmcrypt's byte order |
//!
//! Methods 7, 12, 13, 17, 18, 19, 21, 22, 24 and 25 cannot be used with the NSCA daemon either;
//! [`Cipher::new`] says why ([`Unusable`]).

/// Keeps the items it wraps only in builds with at least one libmcrypt algorithm: without one,
/// the CFB-8 machinery has no user.
macro_rules! with_any_cipher {
    ($($item:item)*) => {$(
        #[cfg(any(
            feature = "blowfish",
            feature = "cast128",
            feature = "cast256",
            feature = "des",
            feature = "gost",
            feature = "loki97",
            feature = "rc2",
            feature = "rijndael",
            feature = "saferplus",
            feature = "serpent",
            feature = "tripledes",
            feature = "twofish",
            feature = "xtea",
        ))]
        $item
    )*};
}

#[cfg(feature = "blowfish")]
mod blowfish;
#[cfg(feature = "cast128")]
mod cast128;
#[cfg(feature = "cast256")]
mod cast256;
#[cfg(any(feature = "des", feature = "tripledes"))]
mod des;
#[cfg(feature = "gost")]
mod gost;
#[cfg(feature = "loki97")]
mod loki97;
mod mcrypt;
#[cfg(feature = "rc2")]
mod rc2;
#[cfg(feature = "rijndael")]
mod rijndael;
#[cfg(any(
    feature = "blowfish",
    feature = "cast128",
    feature = "rc2",
    feature = "rijndael",
    feature = "serpent",
))]
mod rustcrypto;
#[cfg(feature = "saferplus")]
mod saferplus;
#[cfg(feature = "serpent")]
mod serpent;
#[cfg(feature = "twofish")]
mod twofish;
mod xor;
#[cfg(feature = "xtea")]
mod xtea;

use core::fmt;

with_any_cipher! {
    mod cfb8;
    pub(crate) use cfb8::{BlockEncrypt, Cfb8};
}

use crate::error::{CryptoError, Unusable};
use crate::init::IV_LEN;

/// An NSCA encryption method, numbered as in NSCA's `common.h` (`ENCRYPT_*`).
///
/// Every number the protocol defines is listed, including those no NSCA daemon can run; use
/// [`EncryptionMethod::usability`] or [`Cipher::new`] to learn whether one works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
#[allow(missing_docs)] // Each variant is the algorithm it names; see `mcrypt_name`.
pub enum EncryptionMethod {
    None = 0,
    Xor = 1,
    Des = 2,
    /// Three-key Triple DES (libmcrypt `tripledes`), keyed with the password zero-padded to 24
    /// bytes. A password of 8 bytes or fewer leaves K2 = K3 = 0, which makes it single DES with a
    /// 56-bit key, in the C programs as here (this crate then runs one pass): use a longer one.
    TripleDes = 3,
    Cast128 = 4,
    Cast256 = 5,
    Xtea = 6,
    ThreeWay = 7,
    Blowfish = 8,
    Twofish = 9,
    Loki97 = 10,
    Rc2 = 11,
    Arcfour = 12,
    Rc6 = 13,
    Rijndael128 = 14,
    Rijndael192 = 15,
    Rijndael256 = 16,
    Mars = 17,
    Panama = 18,
    Wake = 19,
    Serpent = 20,
    Idea = 21,
    Enigma = 22,
    Gost = 23,
    Safer64 = 24,
    Safer128 = 25,
    SaferPlus = 26,
}

/// Static facts about one method.
struct Info {
    method: EncryptionMethod,
    /// libmcrypt's algorithm name (`-` for none and XOR).
    name: &'static str,
    /// Key bytes: libmcrypt's maximum key size for the algorithm, which NSCA always uses.
    key_len: usize,
    /// Block bytes, which is also the IV length in CFB mode.
    block_len: usize,
    usable: Option<Unusable>,
}

const fn info(
    method: EncryptionMethod,
    name: &'static str,
    key_len: usize,
    block_len: usize,
    usable: Option<Unusable>,
) -> Info {
    Info {
        method,
        name,
        key_len,
        block_len,
        usable,
    }
}

use EncryptionMethod as M;
use Unusable::{NotAccepted, NotInLibmcrypt, StreamCipher};

/// Indexed by method number. Key and block sizes are libmcrypt 2.5.8's.
const TABLE: [Info; 27] = [
    info(M::None, "none", 0, 0, None),
    info(M::Xor, "xor", 0, 0, None),
    info(M::Des, "des", 8, 8, None),
    info(M::TripleDes, "tripledes", 24, 8, None),
    info(M::Cast128, "cast-128", 16, 8, None),
    info(M::Cast256, "cast-256", 32, 16, None),
    info(M::Xtea, "xtea", 16, 8, None),
    info(M::ThreeWay, "threeway", 12, 12, Some(NotInLibmcrypt)),
    info(M::Blowfish, "blowfish", 56, 8, None),
    info(M::Twofish, "twofish", 32, 16, None),
    info(M::Loki97, "loki97", 32, 16, None),
    info(M::Rc2, "rc2", 128, 8, None),
    info(M::Arcfour, "arcfour", 256, 0, Some(StreamCipher)),
    info(M::Rc6, "rc6", 0, 0, Some(NotAccepted)),
    info(M::Rijndael128, "rijndael-128", 32, 16, None),
    info(M::Rijndael192, "rijndael-192", 32, 24, None),
    info(M::Rijndael256, "rijndael-256", 32, 32, None),
    info(M::Mars, "mars", 0, 0, Some(NotAccepted)),
    info(M::Panama, "panama", 0, 0, Some(NotAccepted)),
    info(M::Wake, "wake", 32, 0, Some(StreamCipher)),
    info(M::Serpent, "serpent", 32, 16, None),
    info(M::Idea, "idea", 0, 0, Some(NotAccepted)),
    info(M::Enigma, "enigma", 13, 0, Some(StreamCipher)),
    info(M::Gost, "gost", 32, 8, None),
    info(M::Safer64, "safer-sk64", 8, 8, Some(NotInLibmcrypt)),
    info(M::Safer128, "safer-sk128", 16, 8, Some(NotInLibmcrypt)),
    info(M::SaferPlus, "saferplus", 32, 16, None),
];

impl EncryptionMethod {
    /// Every method, in numeric order.
    pub const ALL: [Self; 27] = {
        let mut all = [Self::None; 27];
        let mut i = 0;
        while i < 27 {
            all[i] = TABLE[i].method;
            i += 1;
        }
        all
    };

    /// The method with NSCA number `number`.
    ///
    /// # Errors
    /// [`CryptoError::NotAMethod`] for numbers outside 0..=26.
    pub fn from_number(number: i64) -> Result<Self, CryptoError> {
        usize::try_from(number)
            .ok()
            .and_then(|i| TABLE.get(i))
            .map(|info| info.method)
            .ok_or(CryptoError::NotAMethod { number })
    }

    /// The NSCA number of this method, as written in `nsca.cfg` and `send_nsca.cfg`.
    pub const fn number(self) -> u8 {
        self as u8
    }

    const fn info(self) -> &'static Info {
        &TABLE[self as usize]
    }

    /// libmcrypt's name for the algorithm (`"rijndael-128"`, …; `"none"` and `"xor"` for 0 and 1).
    pub const fn mcrypt_name(self) -> &'static str {
        self.info().name
    }

    /// The key length NSCA uses: libmcrypt's maximum key size for the algorithm. The password is
    /// cut or zero-padded to this length. Zero for none and XOR.
    pub const fn key_len(self) -> usize {
        self.info().key_len
    }

    /// The block length, which is also how many bytes of the transmitted IV the cipher uses.
    /// Zero for none, XOR and the stream ciphers.
    pub const fn block_len(self) -> usize {
        self.info().block_len
    }

    /// `Ok(())` when the reference daemon can run this method, else the reason it cannot.
    ///
    /// This says nothing about whether this build implements it; [`Cipher::new`] tells both.
    ///
    /// # Errors
    /// The reason the NSCA daemon can never use this method.
    pub const fn usability(self) -> Result<(), Unusable> {
        match self.info().usable {
            None => Ok(()),
            Some(reason) => Err(reason),
        }
    }
}

impl fmt::Display for EncryptionMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.number(), self.mcrypt_name())
    }
}

impl TryFrom<i64> for EncryptionMethod {
    type Error = CryptoError;

    fn try_from(number: i64) -> Result<Self, CryptoError> {
        Self::from_number(number)
    }
}

/// A keystream that continues across the packets of one connection.
pub(crate) trait KeyStream: Send + Sync {
    fn encrypt(&mut self, buf: &mut [u8]);
    fn decrypt(&mut self, buf: &mut [u8]);
    fn box_clone(&self) -> Box<dyn KeyStream>;
}

enum State {
    None,
    Xor(xor::Xor),
    Stream(Box<dyn KeyStream>),
}

/// The encryption state of one connection, for one side of it.
///
/// Make one per connection with the IV from that connection's init packet, and pass it every
/// packet in order: for methods 2 and above the cipher's stream continues from one packet to the
/// next, exactly as libmcrypt's does in `send_nsca` and `nsca`.
///
/// `Debug` never shows the key or the password.
pub struct Cipher {
    method: EncryptionMethod,
    state: State,
}

impl Cipher {
    /// Sets up `method` with `password` and the 128-byte IV of the connection's init packet.
    ///
    /// The password is used as NSCA uses it: for XOR, as is; for libmcrypt methods, cut or
    /// zero-padded to [`EncryptionMethod::key_len`]. NSCA reads passwords as C strings, so bytes
    /// from the first NUL on are ignored, as they are by the C programs.
    ///
    /// # Errors
    /// [`CryptoError::Unusable`] for methods no NSCA daemon can run, and
    /// [`CryptoError::FeatureDisabled`] when the algorithm was left out of this build.
    pub fn new(
        method: EncryptionMethod,
        password: &[u8],
        iv: &[u8; IV_LEN],
    ) -> Result<Self, CryptoError> {
        if let Err(reason) = method.usability() {
            return Err(CryptoError::Unusable { method, reason });
        }
        let password = password.split(|&b| b == 0).next().unwrap_or_default();
        let state = match method {
            M::None => State::None,
            M::Xor => State::Xor(xor::Xor::new(iv, password)),
            _ => {
                let mut key = vec![0u8; method.key_len()];
                let n = password.len().min(key.len());
                key[..n].copy_from_slice(&password[..n]);
                State::Stream(mcrypt::open(method, &key, &iv[..method.block_len()])?)
            }
        };
        Ok(Self { method, state })
    }

    /// The method this cipher runs.
    pub fn method(&self) -> EncryptionMethod {
        self.method
    }

    /// Whether this is a libmcrypt method: one CFB-8 stream per connection, where encrypting
    /// and decrypting consecutive pieces of a packet, in any mix, advance the same shift
    /// register by the ciphertext bytes (`ClientSession::encode` relies on that).
    pub(crate) fn is_cfb8(&self) -> bool {
        matches!(self.state, State::Stream(_))
    }

    /// Encrypts one whole packet in place.
    pub fn encrypt(&mut self, packet: &mut [u8]) {
        match &mut self.state {
            State::None => {}
            State::Xor(x) => x.apply(packet),
            State::Stream(s) => s.encrypt(packet),
        }
    }

    /// Decrypts one whole packet in place.
    pub fn decrypt(&mut self, packet: &mut [u8]) {
        match &mut self.state {
            State::None => {}
            State::Xor(x) => x.apply(packet),
            State::Stream(s) => s.decrypt(packet),
        }
    }
}

impl Clone for Cipher {
    fn clone(&self) -> Self {
        let state = match &self.state {
            State::None => State::None,
            State::Xor(x) => State::Xor(x.clone()),
            State::Stream(s) => State::Stream(s.box_clone()),
        };
        Self {
            method: self.method,
            state,
        }
    }
}

impl fmt::Debug for Cipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cipher")
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

with_any_cipher! {
    /// Helpers for the block-level test vectors of the algorithm modules.
    #[cfg(test)]
    pub(crate) mod test_util {
        use super::BlockEncrypt;

        /// Bytes from a hex string.
        pub(crate) fn hex(s: &str) -> Vec<u8> {
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .collect()
        }

        /// Asserts that `cipher` encrypts the block `pt` to `ct` (both hex).
        #[track_caller]
        pub(crate) fn assert_ecb<C: BlockEncrypt>(cipher: &C, pt: &str, ct: &str) {
            let mut block = hex(pt);
            assert_eq!(block.len(), C::BLOCK, "plaintext length");
            cipher.encrypt_block(&mut block);
            let got: String = block.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(got, ct);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip() {
        for (i, m) in EncryptionMethod::ALL.iter().enumerate() {
            assert_eq!(usize::from(m.number()), i);
            assert_eq!(EncryptionMethod::from_number(i as i64), Ok(*m));
        }
        assert_eq!(
            EncryptionMethod::from_number(27),
            Err(CryptoError::NotAMethod { number: 27 })
        );
        assert_eq!(
            EncryptionMethod::from_number(-1),
            Err(CryptoError::NotAMethod { number: -1 })
        );
    }

    #[test]
    fn unusable_methods_say_why() {
        let iv = [0u8; IV_LEN];
        for (n, reason) in [
            (7, NotInLibmcrypt),
            (12, StreamCipher),
            (13, NotAccepted),
            (17, NotAccepted),
            (18, NotAccepted),
            (19, StreamCipher),
            (21, NotAccepted),
            (22, StreamCipher),
            (24, NotInLibmcrypt),
            (25, NotInLibmcrypt),
        ] {
            let method = EncryptionMethod::from_number(n).unwrap();
            let err = Cipher::new(method, b"pw", &iv).unwrap_err();
            assert_eq!(err, CryptoError::Unusable { method, reason });
        }
    }

    #[test]
    fn rijndael_128_is_aes_256_sized() {
        assert_eq!(M::Rijndael128.key_len(), 32);
        assert_eq!(M::Rijndael128.block_len(), 16);
        assert_eq!(M::Rijndael256.block_len(), 32);
        assert_eq!(M::Blowfish.key_len(), 56);
        assert_eq!(M::Rc2.key_len(), 128);
    }

    #[test]
    fn debug_hides_the_password() {
        let c = Cipher::new(M::Xor, b"hunter2", &[7; IV_LEN]).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
