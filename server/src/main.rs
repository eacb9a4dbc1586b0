//! The `vigia` binary: parses the command line and hands over to `server`.

/// mimalloc instead of the system allocator: rendering a page makes many
/// small, short-lived allocations (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    server::cli::main()
}
