//! Adapter from a RustCrypto block cipher (`cipher` 0.5 traits) to [`BlockEncrypt`], for the
//! algorithms whose crate matches libmcrypt byte for byte.

use cipher::typenum::Unsigned;
use cipher::{Array, BlockCipherEncrypt};

use super::BlockEncrypt;

/// A RustCrypto block cipher with its key schedule done.
#[derive(Clone)]
pub(crate) struct RustCrypto<C>(pub(crate) C);

impl<C> BlockEncrypt for RustCrypto<C>
where
    C: BlockCipherEncrypt + Clone + Send + Sync + 'static,
{
    const BLOCK: usize = C::BlockSize::USIZE;

    #[inline]
    fn encrypt_block(&self, block: &mut [u8]) {
        // `Cfb8` always passes exactly `BLOCK` bytes, so this never skips a block.
        if let Some(block) = Array::slice_as_mut_array(block) {
            self.0.encrypt_block(block);
        }
    }
}
