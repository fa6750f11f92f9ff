//! The floor under the daemon benchmark's "one result per connection" rows
//! (`bench/compare-nsca-daemon.sh`): a server that does only what the kernel charges any NSCA
//! daemon for one connection, and nothing of NSCA itself. It accepts, sends 132 bytes where the
//! init packet goes, reads until the client closes, and closes: no decryption, no CRC, no
//! command file, one blocking thread. The CPU it uses per connection is what TCP on this
//! machine costs the serving process, so no daemon can go below it.
//!
//!     tcp_floor ADDR
//!
//! Prints nothing; runs until killed.

use std::io::{Read, Write};
use std::net::TcpListener;

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .ok_or_else(|| std::io::Error::other("usage: tcp_floor ADDR"))?;
    let listener = TcpListener::bind(addr)?;
    let init = [0u8; nsca::InitPacket::LEN];
    let mut buf = vec![0u8; 64 * 1024];
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        if stream.write_all(&init).is_err() {
            continue;
        }
        while let Ok(n) = stream.read(&mut buf) {
            if n == 0 {
                break;
            }
        }
    }
    Ok(())
}
