//! Logs: tracing events to stderr only, so stdout stays the plan or JSON a pipe expects.

use tracing_subscriber::EnvFilter;

use crate::cli::{ColorChoice, LogFormat};

/// The filter for `-v` counts: govern's own events first, the SDK's retries from -vv on. Without
/// -v, the SDK's warnings about the credential chain and the profile files (a provider that failed,
/// a file AWS_CONFIG_FILE names that is missing) are left out: govern's error says the same in one
/// line, and -v shows them.
fn directives(verbose: u8) -> &'static str {
    match verbose {
        0 => "warn,aws_config=error,aws_runtime::env_config=error",
        1 => "warn,govern=info",
        2 => "info,govern=debug,aws_smithy_runtime::client::retries=debug",
        _ => "trace",
    }
}

/// Installs the subscriber. RUST_LOG, when set, replaces the `-v` filter.
pub fn init(verbose: u8, format: LogFormat, color: ColorChoice) {
    use std::io::IsTerminal;
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => EnvFilter::new(spec),
        _ => EnvFilter::new(directives(verbose)),
    };
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let ansi = match color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => !no_color && std::io::stderr().is_terminal(),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(verbose >= 2);
    // A second init (tests calling twice) keeps the first subscriber; nothing to report.
    let _ = match format {
        LogFormat::Json => builder.json().with_ansi(false).try_init(),
        LogFormat::Text => builder.with_ansi(ansi).try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_verbosity_is_a_valid_filter() {
        for v in 0..5 {
            EnvFilter::try_new(directives(v)).unwrap();
        }
    }
}
