//! The `send_nsca.cfg` parser on arbitrary bytes: no panic; an error names a line that exists;
//! what parses carries only methods the C client accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nsca_cli::config::{C_METHODS, ConfigError, parse};

fuzz_target!(|data: &[u8]| {
    match parse(data) {
        Ok(config) => {
            if let Some(m) = config.encryption_method {
                assert!(C_METHODS.contains(&m));
            }
            if let Some(pw) = &config.password {
                assert!(!pw.is_empty());
                assert!(!pw.contains(&b'\n'));
            }
        }
        Err(e) => {
            // Every message renders, with the path given.
            let text = e.render(b"/etc/send_nsca.cfg");
            assert!(!text.is_empty());
            assert!(!matches!(e, ConfigError::CannotOpen));
        }
    }
});
