//! Every route of Paca's router (`tests/contract/paca_routes.tsv`, from the contract reference
//! §1.2) exists in Corral: none answers the router's own 404 (`NOT_FOUND`) or 405. The routes of
//! capabilities not built yet are listed in [`EXPECTED_GAPS`]; each of them must still be
//! missing, so building one fails this test until it leaves the list (which only shrinks).

mod common;

use common::{Auth, Backend, TestServer, at, project};
use serde_json::json;

const PACA_ROUTES: &str = include_str!("contract/paca_routes.tsv");

/// Paca routes Corral does not serve yet, by the issue that builds them.
const EXPECTED_GAPS: &[(&str, &str)] = &[
    // Automation workflows.
    ("GET", "/api/v1/projects/{projectId}/workflows"),
    ("POST", "/api/v1/projects/{projectId}/workflows"),
    ("GET", "/api/v1/projects/{projectId}/workflows/{workflowId}"),
    (
        "PATCH",
        "/api/v1/projects/{projectId}/workflows/{workflowId}",
    ),
    (
        "DELETE",
        "/api/v1/projects/{projectId}/workflows/{workflowId}",
    ),
    (
        "POST",
        "/api/v1/projects/{projectId}/workflows/{workflowId}/activate",
    ),
    (
        "POST",
        "/api/v1/projects/{projectId}/workflows/{workflowId}/archive",
    ),
    (
        "POST",
        "/api/v1/projects/{projectId}/workflows/{workflowId}/revert-to-draft",
    ),
    (
        "POST",
        "/api/v1/projects/{projectId}/workflows/{workflowId}/nodes",
    ),
    (
        "PATCH",
        "/api/v1/projects/{projectId}/workflows/{workflowId}/nodes/{nodeId}",
    ),
    (
        "DELETE",
        "/api/v1/projects/{projectId}/workflows/{workflowId}/nodes/{nodeId}",
    ),
    (
        "POST",
        "/api/v1/projects/{projectId}/workflows/{workflowId}/status-rules",
    ),
    (
        "DELETE",
        "/api/v1/projects/{projectId}/workflows/{workflowId}/status-rules/{ruleId}",
    ),
    (
        "POST",
        "/api/v1/projects/{projectId}/workflows/{workflowId}/status-transitions",
    ),
    (
        "DELETE",
        "/api/v1/projects/{projectId}/workflows/{workflowId}/status-transitions/{transitionId}",
    ),
    (
        "POST",
        "/api/v1/projects/{projectId}/workflows/{workflowId}/edges",
    ),
    (
        "DELETE",
        "/api/v1/projects/{projectId}/workflows/{workflowId}/edges/{edgeId}",
    ),
    (
        "GET",
        "/api/v1/projects/{projectId}/tasks/{taskId}/workflows",
    ),
    // Plugins: the proxy and administration.
    ("ANY", "/api/v1/plugins/{pluginId}/*"),
    ("GET", "/api/v1/admin/plugins/marketplace"),
    ("POST", "/api/v1/admin/plugins/marketplace/install"),
    ("POST", "/api/v1/admin/plugins"),
    ("PATCH", "/api/v1/admin/plugins/{pluginId}"),
    ("POST", "/api/v1/admin/plugins/{pluginId}/upgrade"),
    ("DELETE", "/api/v1/admin/plugins/{pluginId}"),
    ("PATCH", "/api/v1/admin/plugin-extension-settings"),
];

fn paca_routes() -> Vec<(&'static str, &'static str)> {
    PACA_ROUTES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut cols = l.split('\t');
            Some((cols.next()?, cols.next()?))
        })
        .collect()
}

/// The path with its parameters filled: the fixture's project and task, a task number, a
/// random id for anything else.
fn fill(template: &str, project: &str, task: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
        out.push_str(&match &rest[open + 1..close] {
            "projectId" => project.to_owned(),
            "taskId" => task.to_owned(),
            "taskNumber" => "1".to_owned(),
            _ => uuid::Uuid::new_v4().to_string(),
        });
        rest = &rest[(close + 1).min(rest.len())..];
    }
    out.push_str(rest);
    out.replace('*', "anything")
}

async fn every_paca_route_exists(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let routes = paca_routes();
    assert_eq!(routes.len(), 164, "Paca's router has 164 routes");
    for gap in EXPECTED_GAPS {
        assert!(routes.contains(gap), "{gap:?} is not a Paca route");
    }
    let admin = s.admin().await;
    let key = admin
        .post("/api/v1/users/me/api-keys", &json!({"name": "contract"}))
        .await;
    let c = admin.with_auth(Auth::Bearer(
        key.data()["key"].as_str().expect("key").to_owned(),
    ));
    let p = project(&c, "Contract").await;
    let t = c.post(&at(&p, "/tasks"), &json!({"title": "t"})).await;
    let t = t.data()["id"].as_str().expect("task").to_owned();

    let mut missing = Vec::new();
    let mut built = Vec::new();
    for (method, template) in &routes {
        // Deleting with the fixture's own ids would end the fixture; any id shows the route.
        let path = if *method == "DELETE" {
            fill(
                template,
                &uuid::Uuid::new_v4().to_string(),
                &uuid::Uuid::new_v4().to_string(),
            )
        } else {
            fill(template, &p, &t)
        };
        let send = if *method == "ANY" { "GET" } else { method };
        let body = matches!(send, "POST" | "PUT" | "PATCH").then(|| b"{}".to_vec());
        let r = c.try_send(send, &path, body).await.expect("an answer");
        let absent = r.status == 405 || (r.status == 404 && r.body["error_code"] == "NOT_FOUND");
        let expected_gap = EXPECTED_GAPS.contains(&(*method, *template));
        match (absent, expected_gap) {
            (true, false) => missing.push(format!("{method} {template}: {} {}", r.status, r.body)),
            (false, true) => built.push(format!("{method} {template}")),
            _ => {}
        }
    }
    assert!(
        missing.is_empty(),
        "Paca routes Corral does not serve:\n{}",
        missing.join("\n")
    );
    assert!(
        built.is_empty(),
        "now served: remove from EXPECTED_GAPS:\n{}",
        built.join("\n")
    );
}

on_both_backends!(every_paca_route_exists);
