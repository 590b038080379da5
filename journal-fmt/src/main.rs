fn main() -> std::process::ExitCode {
    journal_fmt::cli::main()
}
