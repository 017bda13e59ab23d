//! `/agents/llm-models` and `/agents/skill-templates`: what the agent form offers, for any
//! signed-in user (no project scope).

use crate::envelope::{ApiResult, Reply, ok};
use crate::extract::Caller;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Providers with their models and default base URL, `{provider: {models, base_url}}`. Paca's
/// web client reads this body as it is (no envelope), so it is answered raw. `scripted` runs
/// Corral's reference scripted agent.
const LLM_MODELS: &str = include_str!("../../catalog/llm_models.json");

pub async fn llm_models(Caller(me): Caller) -> ApiResult<Response> {
    me.require_fresh_password()?;
    Ok(([(header::CONTENT_TYPE, "application/json")], LLM_MODELS).into_response())
}

/// A built-in skill an agent can start from.
#[derive(Serialize)]
pub struct SkillTemplate {
    slug: &'static str,
    name: &'static str,
    description: &'static str,
    content: &'static str,
    triggers: &'static [&'static str],
}

pub async fn skill_templates(Caller(me): Caller) -> ApiResult<Reply<&'static [SkillTemplate]>> {
    me.require_fresh_password()?;
    Ok(ok(SKILL_TEMPLATES))
}

const SKILL_TEMPLATES: &[SkillTemplate] = &[
    SkillTemplate {
        slug: "developer",
        name: "Developer",
        description: "Software developer agent. Implements features, fixes bugs, writes tests, and creates pull requests.",
        content: include_str!("../../catalog/skills/developer.md").trim_ascii_end(),
        triggers: &[
            "implement",
            "fix",
            "refactor",
            "bug",
            "feature",
            "pr",
            "pull request",
            "test",
            "unit test",
        ],
    },
    SkillTemplate {
        slug: "ba",
        name: "Business Analyst",
        description: "Business Analyst assistant. Helps with requirements analysis, gap analysis, process modelling, and writing detailed functional specifications.",
        content: include_str!("../../catalog/skills/ba.md").trim_ascii_end(),
        triggers: &[
            "requirements",
            "functional spec",
            "gap analysis",
            "process",
            "use case",
            "specification",
        ],
    },
    SkillTemplate {
        slug: "manual-tester",
        name: "Manual Tester",
        description: "Manual tester agent. Designs test cases, writes test plans, analyses defect reports, and produces testing documentation.",
        content: include_str!("../../catalog/skills/manual-tester.md").trim_ascii_end(),
        triggers: &[
            "test case",
            "test plan",
            "QA",
            "defect",
            "bug report",
            "exploratory",
            "regression",
        ],
    },
    SkillTemplate {
        slug: "po-assistant",
        name: "Product Owner Assistant",
        description: "Product Owner assistant. Helps with backlog grooming, writing acceptance criteria, prioritizing features, and answering stakeholder questions about the product roadmap.",
        content: include_str!("../../catalog/skills/po-assistant.md").trim_ascii_end(),
        triggers: &[
            "acceptance criteria",
            "user story",
            "backlog",
            "prioritize",
            "roadmap",
            "groom",
        ],
    },
];
