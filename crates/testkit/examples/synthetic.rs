//! Serves a synthetic organization until killed: `cargo run -p govern-testkit --example synthetic
//! -- ACCOUNTS DIR [aws]` writes DIR/org.toml and prints the environment to run govern with.

use govern_testkit::synthetic::{Options, Shape, Synthetic};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let accounts: u32 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(50);
    let dir = std::path::PathBuf::from(
        args.get(2)
            .cloned()
            .unwrap_or_else(|| "/tmp/synthetic".into()),
    );
    let options = if args.get(3).map(String::as_str) == Some("aws") {
        Options::aws()
    } else {
        Options::test()
    };
    let server = Synthetic::start(Shape::large(accounts), options);
    let config = server.org().write_config(&dir).expect("write org.toml");
    for (k, v) in server.env() {
        println!("export {k}={v:?}");
    }
    eprintln!("config: {}", config.display());
    loop {
        std::thread::sleep(std::time::Duration::from_secs(5));
        eprintln!(
            "counts: {:?}\nthrottled: {:?}",
            server.counts().values().sum::<u64>(),
            server.throttled()
        );
    }
}
