fn main() -> std::process::ExitCode {
    vmargs::cli::main()
}
