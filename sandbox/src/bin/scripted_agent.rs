//! The reference scripted agent as its own program: `corral-scripted-agent --host H --port P`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let (host, port) = corral_sandbox::scripted::parse_args(std::env::args().skip(1))
        .map_err(std::io::Error::other)?;
    corral_sandbox::scripted::serve(&host, port).await
}
