//! Adapter from a RustCrypto block cipher (`cipher` 0.5 traits) to [`BlockEncrypt`], for the
//! algorithms whose crate matches libmcrypt byte for byte.

use cipher::typenum::Unsigned;
use cipher::{Array, Block, BlockCipherEncrypt};

use super::BlockEncrypt;

/// Blocks handed to the cipher's parallel backend at once.
const PARALLEL: usize = 8;

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

    #[inline]
    fn first_bytes(&self, window: &[u8], out: &mut [u8]) {
        let n = Self::BLOCK;
        let mut blocks: [Block<C>; PARALLEL] = Default::default();
        for (start, out) in (0..).step_by(PARALLEL).zip(out.chunks_mut(PARALLEL)) {
            let blocks = &mut blocks[..out.len()];
            for (i, block) in blocks.iter_mut().enumerate() {
                block.copy_from_slice(&window[start + i..start + i + n]);
            }
            self.0.encrypt_blocks(blocks);
            for (o, block) in out.iter_mut().zip(blocks.iter()) {
                *o = block[0];
            }
        }
    }
}
