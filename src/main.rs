//! `corral`: reads the configuration, starts the server, serves until signalled.
//! `corral scripted-agent --host H --port P` runs the reference scripted agent (what the local
//! sandbox runtime starts for agents whose `llm_provider` is `scripted`).

use corral::config::{Config, LogFormat};
use tracing_subscriber::EnvFilter;

/// Allocation-heavy work on every core (requests, JSON, row images): mimalloc's thread-local
/// heaps instead of glibc's arenas.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    if std::env::args().nth(1).as_deref() == Some("scripted-agent") {
        // The reference scripted agent, as the local sandbox runtime starts it.
        let served = match corral_sandbox::scripted::parse_args(std::env::args().skip(2)) {
            Ok((host, port)) => corral_sandbox::scripted::serve(&host, port)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        return match served {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("corral scripted-agent: {e}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    if std::env::args().skip(1).any(|a| a == "--help" || a == "-h") {
        print_help();
        return std::process::ExitCode::SUCCESS;
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(problems) => {
            eprintln!("corral: invalid configuration:");
            for problem in problems {
                eprintln!("  - {problem}");
            }
            return std::process::ExitCode::from(2);
        }
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    match config.log_format {
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .init(),
        LogFormat::Text => tracing_subscriber::fmt().with_env_filter(filter).init(),
    }

    let admin = config.admin_username.clone();
    let server = match corral::start(config).await {
        Ok(server) => server,
        Err(err) => {
            eprintln!("corral: failed to start: {err:#}");
            return std::process::ExitCode::FAILURE;
        }
    };
    if let Some(password) = &server.generated_admin_password {
        // Shown once: it is stored only as a hash.
        println!("\n  Administrator created: username {admin:?}, password {password:?}");
        println!("  This password is shown only now. Set ADMIN_PASSWORD to choose one instead.\n");
    }
    println!("corral listening on http://{}", server.addr);
    match server.run_until_signalled().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("corral: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn print_help() {
    println!(
        "corral {}: {}",
        env!("CARGO_PKG_VERSION"),
        env!("CARGO_PKG_DESCRIPTION")
    );
    println!("\nConfigured by environment variables:\n");
    for (name, default, meaning) in corral::config::VARIABLES {
        println!("  {name:<26} {meaning}\n  {:<26} default: {default}", "");
    }
}
