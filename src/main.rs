//! revshare's command line: parse the arguments, call the library, print
//! errors and set the exit code (0 success, 2 bad input or output, 130
//! interrupted).

mod cli;
mod commands;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};
use commands::AppError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Command::Run(args) => commands::limit_threads(args.threads),
        Command::Sweep(args) => commands::limit_threads(args.run.threads),
        _ => {}
    }
    let result = match cli.command {
        Command::Run(args) => commands::run(&args),
        Command::Sweep(args) => commands::sweep(&args),
        Command::Check { files, set } => commands::check(&files, &set),
        Command::List { dir } => commands::list(dir.as_deref()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(AppError::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            let mut err = io::stderr().lock();
            let _ = writeln!(err, "{}", e.render());
            ExitCode::from(e.exit_code())
        }
    }
}
