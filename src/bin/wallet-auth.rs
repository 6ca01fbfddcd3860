//! The `wallet-auth` command line.

fn main() {
    println!("wallet-auth {}", env!("CARGO_PKG_VERSION"));
}
