//! One file per route group. Each handler extracts, calls one core operation and maps the reply.

pub mod admin_users;
pub mod agent_catalog;
pub mod agents;
pub mod api_keys;
pub mod attachments;
pub mod auth;
pub mod board;
pub mod consumers;
pub mod conversations;
pub mod docs;
pub mod dto;
pub mod global_roles;
pub mod health;
pub mod me;
pub mod notifications;
pub mod planning;
pub mod plugins;
pub mod projects;
pub mod task_config;
pub mod tasks;
