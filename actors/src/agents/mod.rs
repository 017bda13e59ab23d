//! Agent conversations: what a trigger starts, the scheduler that admits runs under limits,
//! and the conversation actor that drives one run in a sandbox.

pub mod conversation;
pub mod runner;
pub mod service;

pub use service::{AgentTriggers, Agents, AgentsConfig, NewConversation};
