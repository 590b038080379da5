fn main() -> std::process::ExitCode {
    relconf::cli::main()
}
