fn main() -> std::process::ExitCode {
    hsts_check::cli::main()
}
