//! The `corral` binary as a child process, for tests that kill it or limit its resources.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Starts the `corral` binary with only `env` (and `PATH`), behind `wrapper` (a command that
/// runs it, such as `prlimit --nofile=…`; empty for none), and returns it with its base URL.
pub async fn spawn(env: &[(String, String)], wrapper: &[&str]) -> (Child, String) {
    let binary = env!("CARGO_BIN_EXE_corral");
    let mut command = match wrapper.split_first() {
        Some((program, args)) => {
            let mut c = Command::new(program);
            c.args(args).arg(binary);
            c
        }
        None => Command::new(binary),
    };
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = command.spawn().expect("spawn corral");
    let stdout = child.stdout.take().expect("stdout");
    let base = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines();
        let base = lines.by_ref().map_while(Result::ok).find_map(|l| {
            l.strip_prefix("corral listening on ")
                .map(|u| u.trim().to_owned())
        });
        // Keep draining so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        base
    })
    .await
    .expect("read stdout")
    .expect("corral started");
    (child, base)
}
