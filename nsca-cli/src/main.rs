//! `send_nsca`: placeholder until the CLI issue lands.

fn main() {
    eprintln!("send_nsca: not implemented yet");
    std::process::exit(3);
}
