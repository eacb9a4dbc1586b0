// `sqlx::migrate!` and `load_locales!` read files at compile time; tell cargo
// to rebuild when they change.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
    println!("cargo:rerun-if-changed=locales");
    println!("cargo:rerun-if-changed=Cargo.toml");
}
