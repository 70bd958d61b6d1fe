use std::process::ExitCode;

use clap::FromArgMatches;
use govern::cli::Cli;

fn main() -> ExitCode {
    // clap exits 2 on a usage error, which CI would read as "changes" (plan --detailed-exitcode,
    // drift): usage errors exit 1 like every other error.
    let parsed = govern::cli::command()
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(govern::exit::ERROR);
        }
    };
    govern::logging::init(cli.verbose, cli.log_format, cli.color);
    install_error_renderer();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(govern::exit::ERROR);
        }
    };
    match runtime.block_on(govern::commands::run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            ExitCode::from(govern::exit::ERROR)
        }
    }
}

/// Errors go to stderr, rendered once. On a terminal they wrap to its width; in a log (CI) they stay
/// on one line each so that grep finds them whole.
fn install_error_renderer() {
    use std::io::IsTerminal;
    let tty = std::io::stderr().is_terminal();
    let width = if tty {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .or_else(|| {
                terminal_size::terminal_size_of(std::io::stderr()).map(|(w, _)| usize::from(w.0))
            })
            .unwrap_or(100)
    } else {
        usize::MAX / 2
    };
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let _ = miette::set_hook(Box::new(move |_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .width(width)
                .color(tty && !no_color)
                .unicode(tty)
                .build(),
        )
    }));
}
