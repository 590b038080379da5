fn main() -> std::process::ExitCode {
    secret_link::cli::main()
}
