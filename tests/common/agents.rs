//! Scripted agents and their conversations, as the agent and conversation tests set them up.

use super::{Client, at, id_named};
use serde_json::json;

/// A scripted agent (the reference agent plays `script`) with the Editor role; its id and
/// handle.
pub async fn scripted_agent(
    admin: &Client,
    p: &str,
    name: &str,
    script: &str,
    max_iterations: i64,
) -> (String, String) {
    let role = id_named(&admin.get(&at(p, "/roles")).await, "role_name", "Editor");
    let handle = format!("bot{}", uuid::Uuid::new_v4().simple());
    let r = admin
        .post(
            &at(p, "/agents"),
            &json!({"name": name, "handle": handle,
                    "llm_provider": "scripted", "llm_model": "script", "llm_api_key": "unused",
                    "system_prompt": script, "max_iterations": max_iterations,
                    "project_role_id": role}),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    (
        r.data()["id"].as_str().expect("agent id").to_owned(),
        handle,
    )
}

/// Starts a "write with AI" conversation on `task`; its id.
pub async fn write_with_ai(admin: &Client, p: &str, task: &str, agent: &str) -> String {
    let r = admin
        .post(
            &at(p, &format!("/tasks/{task}/write-with-ai")),
            &json!({"agent_id": agent}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.data()["conversation"]["id"]
        .as_str()
        .expect("conversation id")
        .to_owned()
}
