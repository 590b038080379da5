fn main() -> std::process::ExitCode {
    release_pack::cli::main()
}
