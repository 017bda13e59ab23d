//! Where agents run, and how Corral talks to them.
//!
//! - `local`: each sandbox a child process with resource limits (the default, no set-up).
//! - `containment`: what keeps a local sandbox's processes together and bounded (PID
//!   namespace, pids cgroup).
//! - `docker`: each sandbox a container with CPU, memory and pids limits on its own network.
//! - `client`: the OpenHands agent-server API subset Corral drives.
//! - `scripted`: the reference scripted agent, which serves that API and plays a script
//!   against Corral's REST API instead of asking an LLM.

pub mod client;
pub mod containment;
pub mod docker;
pub mod local;
pub mod scripted;

pub use client::{AgentClient, ClientError, OpenHandsDriver, StartConversation};
pub use docker::{DockerConfig, DockerRuntime};
pub use local::{LocalConfig, LocalRuntime};
