//! Agents as project members: creation with their membership, validation, permissions,
//! secrets that are sealed at rest and never answered, environment variables, deletion.

mod common;

use common::{Backend, Client, TestServer, at, id_named, project};
use serde_json::{Value, json};

const KEY: &str = "sk-test-very-secret-0042";

async fn role(admin: &Client, p: &str, name: &str) -> String {
    id_named(&admin.get(&at(p, "/roles")).await, "role_name", name)
}

fn agent_body(handle: &str, role: &str) -> Value {
    json!({
        "name": "Dev Bot", "handle": handle, "llm_provider": "scripted", "llm_model": "script",
        "llm_api_key": KEY, "llm_base_url": "", "system_prompt": "comment hello",
        "project_role_id": role,
    })
}

async fn agents_lifecycle(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Agents").await;
    let editor = role(&admin, &p, "Editor").await;

    let created = admin
        .post(&at(&p, "/agents"), &agent_body("dev-bot", &editor))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let agent = created.data().clone();
    let agent_id = agent["id"].as_str().expect("id").to_owned();
    assert_eq!(agent["handle"], "dev-bot");
    assert_eq!(agent["max_iterations"], 500, "Paca's default");
    assert_eq!(agent["timeout_minutes"], 30);
    assert_eq!(agent["has_llm_api_key"], true);
    assert!(agent.get("llm_api_key").is_none() && !created.body.to_string().contains(KEY));

    // The agent is a member, with the chosen role, under its handle.
    let members = admin.get(&at(&p, "/members")).await;
    let member = members
        .data()
        .as_array()
        .and_then(|m| m.iter().find(|m| m["id"] == agent["member_id"]))
        .cloned()
        .expect("agent member listed");
    assert_eq!(
        (
            member["member_type"].as_str(),
            member["project_role_id"].as_str(),
            member["username"].as_str()
        ),
        (Some("agent"), Some(editor.as_str()), Some("dev-bot")),
        "{member}"
    );

    let listed = admin.get(&at(&p, "/agents")).await;
    assert_eq!(listed.data()["items"].as_array().map(Vec::len), Some(1));
    let got = admin.get(&at(&p, &format!("/agents/{agent_id}"))).await;
    assert_eq!(got.data()["name"], "Dev Bot");
    assert!(!got.body.to_string().contains(KEY) && !listed.body.to_string().contains(KEY));

    // Updates: fields, role, and an empty key keeps the key.
    let viewer = role(&admin, &p, "Viewer").await;
    let updated = admin
        .patch(
            &at(&p, &format!("/agents/{agent_id}")),
            &json!({"name": "Reviewer", "handle": "reviewer", "llm_api_key": "",
                    "timeout_minutes": 480, "project_role_id": viewer}),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(
        (
            updated.data()["handle"].as_str(),
            updated.data()["timeout_minutes"].as_i64()
        ),
        (Some("reviewer"), Some(480))
    );
    assert_eq!(updated.data()["has_llm_api_key"], true);
    let members = admin.get(&at(&p, "/members")).await;
    assert!(
        members.data().as_array().is_some_and(|m| m
            .iter()
            .any(|m| m["username"] == "reviewer" && m["project_role_id"] == viewer.as_str())),
        "{}",
        members.body
    );

    // Agent members leave only with their agent.
    let member_id = agent["member_id"].as_str().expect("member id");
    admin
        .delete(&at(&p, &format!("/members/{member_id}")))
        .await
        .assert_error(400, "BAD_REQUEST");

    // Survives a restart (state reloaded from the store).
    let mut s = s;
    s.restart(&[]).await;
    let admin = s.admin().await;
    let again = admin.get(&at(&p, &format!("/agents/{agent_id}"))).await;
    assert_eq!(
        (again.status, again.data()["handle"].as_str()),
        (200, Some("reviewer"))
    );

    // Delete: gone, membership ended, handle free again.
    let deleted = admin.delete(&at(&p, &format!("/agents/{agent_id}"))).await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    admin
        .get(&at(&p, &format!("/agents/{agent_id}")))
        .await
        .assert_error(404, "AGENT_NOT_FOUND");
    admin
        .delete(&at(&p, &format!("/agents/{agent_id}")))
        .await
        .assert_error(404, "AGENT_NOT_FOUND");
    let members = admin.get(&at(&p, "/members")).await;
    assert!(
        !members.body.to_string().contains(member_id),
        "membership ended: {}",
        members.body
    );
    let reused = admin
        .post(&at(&p, "/agents"), &agent_body("reviewer", &editor))
        .await;
    assert_eq!(reused.status, 201, "{}", reused.body);
}

async fn agent_validation(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Validation").await;
    let editor = role(&admin, &p, "Editor").await;
    admin
        .post(&at(&p, "/agents"), &agent_body("taken", &editor))
        .await
        .data();

    let with = |change: Value| {
        let mut body = agent_body("fresh", &editor);
        if let (Some(b), Some(c)) = (body.as_object_mut(), change.as_object()) {
            for (k, v) in c {
                b.insert(k.clone(), v.clone());
            }
        }
        body
    };
    let cases = [
        (with(json!({"handle": "taken"})), 409, "AGENT_HANDLE_TAKEN"),
        (with(json!({"handle": ""})), 400, "AGENT_HANDLE_INVALID"),
        (
            with(json!({"handle": "has space"})),
            400,
            "AGENT_HANDLE_INVALID",
        ),
        (with(json!({"name": "   "})), 400, "AGENT_NAME_INVALID"),
        (with(json!({"llm_api_key": ""})), 400, "BAD_REQUEST"),
        (with(json!({"llm_provider": ""})), 400, "BAD_REQUEST"),
        (with(json!({"max_iterations": 501})), 400, "BAD_REQUEST"),
        (with(json!({"timeout_minutes": 481})), 400, "BAD_REQUEST"),
        (with(json!({"timeout_minutes": -1})), 400, "BAD_REQUEST"),
        (with(json!({"llm_base_url": "ftp://x"})), 400, "BAD_REQUEST"),
        (
            with(json!({"project_role_id": uuid::Uuid::new_v4()})),
            404,
            "PROJECT_ROLE_NOT_FOUND",
        ),
        (with(json!({"project_role_id": null})), 400, "BAD_REQUEST"),
    ];
    for (body, status, code) in cases {
        admin
            .post(&at(&p, "/agents"), &body)
            .await
            .assert_error(status, code);
    }
    let listed = admin.get(&at(&p, "/agents")).await;
    assert_eq!(
        listed.data()["items"].as_array().map(Vec::len),
        Some(1),
        "refused requests change nothing"
    );
    let id = listed.data()["items"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    admin
        .patch(
            &at(&p, &format!("/agents/{id}")),
            &json!({"max_iterations": 0}),
        )
        .await
        .data();
    admin
        .patch(
            &at(&p, &format!("/agents/{id}")),
            &json!({"max_iterations": 9000}),
        )
        .await
        .assert_error(400, "BAD_REQUEST");
    admin
        .get(&at(&p, "/agents/not-a-uuid"))
        .await
        .assert_error(400, "BAD_REQUEST");
    admin
        .get(&at(&p, &format!("/agents/{}", uuid::Uuid::new_v4())))
        .await
        .assert_error(404, "AGENT_NOT_FOUND");
}

async fn agent_permissions(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Perms").await;
    let (vera, vera_id) = s.user("vera", "USER").await;
    let (olga, _) = s.user("olga", "USER").await;
    let viewer = role(&admin, &p, "Viewer").await;
    admin
        .post(
            &at(&p, "/members"),
            &json!({"user_id": vera_id, "project_role_id": viewer}),
        )
        .await
        .data();
    let agent = admin
        .post(&at(&p, "/agents"), &agent_body("bot", &viewer))
        .await
        .data()["id"]
        .as_str()
        .expect("id")
        .to_owned();

    // Viewers read agents but cannot change them.
    assert_eq!(vera.get(&at(&p, "/agents")).await.status, 200);
    vera.post(&at(&p, "/agents"), &agent_body("other", &viewer))
        .await
        .assert_error(403, "FORBIDDEN");
    vera.delete(&at(&p, &format!("/agents/{agent}")))
        .await
        .assert_error(403, "FORBIDDEN");
    vera.post(
        &at(&p, &format!("/agents/{agent}/env-vars")),
        &json!({"key": "A", "value": "b"}),
    )
    .await
    .assert_error(403, "FORBIDDEN");
    // Non-members see nothing; anonymous callers are unauthenticated.
    let outsider = olga.get(&at(&p, "/agents")).await;
    assert!([403, 404].contains(&outsider.status), "{}", outsider.body);
    assert_eq!(s.client().get(&at(&p, "/agents")).await.status, 401);
}

async fn agent_environment(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Env").await;
    let editor = role(&admin, &p, "Editor").await;
    let agent = admin
        .post(&at(&p, "/agents"), &agent_body("env-bot", &editor))
        .await
        .data()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let env = at(&p, &format!("/agents/{agent}/env-vars"));

    let created = admin
        .post(
            &env,
            &json!({"key": "GITHUB_TOKEN", "value": "ghp_topsecret"}),
        )
        .await;
    // Paca answers 200 with the value masked.
    assert_eq!(created.status, 200, "{}", created.body);
    assert!(!created.body.to_string().contains("ghp_topsecret"));
    assert_eq!(created.data()["value"], "***");
    let var = created.data()["id"].as_str().expect("id").to_owned();
    admin
        .post(&env, &json!({"key": "ALPHA", "value": ""}))
        .await
        .data();

    for (body, status, code) in [
        (
            json!({"key": "GITHUB_TOKEN", "value": "x"}),
            409,
            "AGENT_ENV_VAR_KEY_TAKEN",
        ),
        (
            json!({"key": "1BAD", "value": "x"}),
            400,
            "AGENT_ENV_VAR_KEY_INVALID",
        ),
        (
            json!({"key": "WITH-DASH", "value": "x"}),
            400,
            "AGENT_ENV_VAR_KEY_INVALID",
        ),
        (
            json!({"key": "PACA_API_KEY", "value": "x"}),
            400,
            "AGENT_ENV_VAR_KEY_RESERVED",
        ),
        (
            json!({"key": "OH_SECRET_KEY", "value": "x"}),
            400,
            "AGENT_ENV_VAR_KEY_RESERVED",
        ),
        (json!({"key": "NO_VALUE"}), 400, "BAD_REQUEST"),
    ] {
        admin.post(&env, &body).await.assert_error(status, code);
    }
    let listed = admin.get(&env).await;
    let keys: Vec<&str> = listed.data()["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v["key"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(keys, ["ALPHA", "GITHUB_TOKEN"], "sorted by key");
    assert!(!listed.body.to_string().contains("ghp_topsecret"));

    let renamed = admin
        .patch(
            &format!("{env}/{var}"),
            &json!({"key": "GH_TOKEN", "value": "ghp_rotated"}),
        )
        .await;
    assert_eq!(renamed.data()["key"], "GH_TOKEN");
    admin
        .patch(&format!("{env}/{var}"), &json!({"value": null}))
        .await
        .assert_error(400, "BAD_REQUEST");
    admin
        .patch(
            &format!("{env}/{}", uuid::Uuid::new_v4()),
            &json!({"value": "x"}),
        )
        .await
        .assert_error(404, "AGENT_ENV_VAR_NOT_FOUND");
    admin.delete(&format!("{env}/{var}")).await.data();
    admin
        .delete(&format!("{env}/{var}"))
        .await
        .assert_error(404, "AGENT_ENV_VAR_NOT_FOUND");

    // Secrets are sealed at rest: the plaintext is nowhere in the database, nor in the log.
    let events = admin.get(&at(&p, "/events?since=0&limit=200")).await;
    assert!(!events.body.to_string().contains(KEY) && !events.body.to_string().contains("ghp_"));
    assert!(
        !database_contains(&s, KEY).await && !database_contains(&s, "ghp_rotated").await,
        "a secret was stored in the clear"
    );
}

/// Whether `needle` occurs anywhere in the server's database.
async fn database_contains(s: &TestServer, needle: &str) -> bool {
    match &s.db {
        Some(db) => {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&db.url).await.expect("pg");
            let found: Option<i64> = sqlx::query_scalar(
                "SELECT 1::BIGINT FROM agents a WHERE a.llm_api_key_secret LIKE '%' || $1 || '%' \
                 UNION SELECT 1 FROM agent_environment_variables v \
                 WHERE v.encrypted_value LIKE '%' || $1 || '%' \
                 UNION SELECT 1 FROM agent_mcp_servers m WHERE m.env::text LIKE '%' || $1 || '%' \
                 UNION SELECT 1 FROM project_events e WHERE e.payload::text LIKE '%' || $1 || '%'",
            )
            .bind(needle)
            .fetch_optional(&mut conn)
            .await
            .expect("query");
            found.is_some()
        }
        None => std::fs::read_dir(&s.data_dir)
            .expect("data dir")
            .filter_map(Result::ok)
            .filter(|f| f.file_name().to_string_lossy().starts_with("corral.db"))
            .any(|f| {
                let bytes = std::fs::read(f.path()).unwrap_or_default();
                bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
            }),
    }
}

async fn agent_skills_and_mcp_servers(b: Backend) {
    let Some(mut s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Tools").await;
    let editor = role(&admin, &p, "Editor").await;
    let agent = admin
        .post(&at(&p, "/agents"), &agent_body("tool-bot", &editor))
        .await
        .data()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let skills = at(&p, &format!("/agents/{agent}/skills"));
    let added = admin
        .post(
            &skills,
            &json!({"skill_name": "reviewer", "skill_source": "inline",
                    "skill_content": "# Review\nBe thorough.", "triggers": ["review"]}),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.body);
    assert_eq!(added.data()["is_enabled"], true);
    let skill = added.data()["id"].as_str().expect("id").to_owned();
    for (body, status, code) in [
        (
            json!({"skill_name": "reviewer", "skill_source": "inline"}),
            409,
            "AGENT_SKILL_NAME_TAKEN",
        ),
        (
            json!({"skill_name": "paca-trigger-chat", "skill_source": "inline"}),
            400,
            "AGENT_SKILL_NAME_RESERVED",
        ),
        (
            json!({"skill_name": "other", "skill_source": "ftp"}),
            400,
            "BAD_REQUEST",
        ),
        (
            json!({"skill_name": "", "skill_source": "inline"}),
            400,
            "BAD_REQUEST",
        ),
    ] {
        admin.post(&skills, &body).await.assert_error(status, code);
    }
    let patched = admin
        .patch(
            &format!("{skills}/{skill}"),
            &json!({"is_enabled": false, "triggers": ["pr", "review"]}),
        )
        .await;
    assert_eq!(
        (
            patched.data()["is_enabled"].as_bool(),
            patched.data()["triggers"].clone()
        ),
        (Some(false), json!(["pr", "review"]))
    );

    let servers = at(&p, &format!("/agents/{agent}/mcp-servers"));
    for (body, status, code) in [
        (
            json!({"server_name": "files", "transport": "stdio"}),
            400,
            "BAD_REQUEST",
        ),
        (
            json!({"server_name": "web", "transport": "sse"}),
            400,
            "BAD_REQUEST",
        ),
        (
            json!({"server_name": "web", "transport": "carrier-pigeon", "url": "http://x"}),
            400,
            "BAD_REQUEST",
        ),
    ] {
        admin.post(&servers, &body).await.assert_error(status, code);
    }
    let server = admin
        .post(
            &servers,
            &json!({"server_name": "files", "transport": "stdio", "command": "npx",
                    "args": ["-y", "files-mcp"], "env": {"API_TOKEN": "s3cr3t-value", "REGION": "eu"}}),
        )
        .await;
    assert_eq!(server.status, 201, "{}", server.body);
    assert_eq!(
        server.data()["env"],
        json!({"API_TOKEN": "***", "REGION": "eu"}),
        "secret-looking values are masked"
    );
    let server_id = server.data()["id"].as_str().expect("id").to_owned();
    admin
        .post(
            &servers,
            &json!({"server_name": "files", "transport": "http", "url": "https://mcp.example"}),
        )
        .await
        .assert_error(409, "AGENT_MCP_SERVER_NAME_TAKEN");
    let off = admin
        .patch(
            &format!("{servers}/{server_id}"),
            &json!({"is_enabled": false}),
        )
        .await;
    assert_eq!(off.data()["is_enabled"], false);
    assert!(
        !database_contains(&s, "s3cr3t-value").await,
        "MCP environment values are sealed at rest"
    );

    // Kept across a restart; deletions are final.
    s.restart(&[]).await;
    let admin = s.admin().await;
    let listed = admin.get(&skills).await;
    assert_eq!(listed.data()["items"][0]["skill_name"], "reviewer");
    let listed = admin.get(&servers).await;
    assert_eq!(listed.data()["items"][0]["env"]["REGION"], "eu");
    admin.delete(&format!("{skills}/{skill}")).await.data();
    admin
        .delete(&format!("{skills}/{skill}"))
        .await
        .assert_error(404, "AGENT_SKILL_NOT_FOUND");
    admin.delete(&format!("{servers}/{server_id}")).await.data();
    admin
        .patch(
            &format!("{servers}/{server_id}"),
            &json!({"is_enabled": true}),
        )
        .await
        .assert_error(404, "AGENT_MCP_SERVER_NOT_FOUND");
}

/// The agent form's catalogs: providers with models and base URLs (raw, as Paca's client reads
/// it) and the four built-in skill templates; any signed-in user, nobody else.
async fn agent_catalogs(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let anonymous = s.client().get("/api/v1/agents/llm-models").await;
    anonymous.assert_error(401, "AUTH_MISSING_TOKEN");
    let (bob, _) = s.user("bob", "USER").await;
    let models = bob.get("/api/v1/agents/llm-models").await;
    assert_eq!(models.status, 200);
    assert!(
        models.body.get("success").is_none(),
        "raw catalog: {}",
        models.body
    );
    assert_eq!(
        models.body["anthropic"]["base_url"],
        "https://api.anthropic.com"
    );
    assert!(
        models.body["scripted"]["models"]
            .as_array()
            .is_some_and(|m| !m.is_empty())
    );
    for (provider, info) in models.body.as_object().expect("providers") {
        assert!(info["models"].is_array(), "{provider}");
        assert!(
            info["base_url"].is_string() || info["base_url"].is_null(),
            "{provider}"
        );
    }
    let templates = bob.get("/api/v1/agents/skill-templates").await;
    assert_eq!(templates.status, 200);
    let slugs: Vec<&str> = templates
        .data()
        .as_array()
        .expect("templates")
        .iter()
        .map(|t| t["slug"].as_str().expect("slug"))
        .collect();
    assert_eq!(slugs, ["developer", "ba", "manual-tester", "po-assistant"]);
    let developer = &templates.data()[0];
    assert!(
        developer["content"]
            .as_str()
            .is_some_and(|c| c.starts_with("# Developer Skill"))
    );
    assert!(
        developer["triggers"]
            .as_array()
            .is_some_and(|t| t.contains(&json!("bug")))
    );
    s.client()
        .get("/api/v1/agents/skill-templates")
        .await
        .assert_error(401, "AUTH_MISSING_TOKEN");
}

on_both_backends!(
    agent_catalogs,
    agent_skills_and_mcp_servers,
    agents_lifecycle,
    agent_validation,
    agent_permissions,
    agent_environment,
);
