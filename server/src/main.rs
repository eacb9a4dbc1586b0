//! The `vigia` binary: parses the command line and hands over to `server`.

fn main() -> std::process::ExitCode {
    server::cli::main()
}
