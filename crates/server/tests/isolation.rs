//! Tenant isolation: a user of organization B gets 404 for every id of organization A, on every
//! route with an id. New routes join by adding a line to `ROUTES`; a route with an id that is
//! missing from the table fails `the_table_covers_every_route_with_an_id`.

mod common;

use std::collections::HashMap;

use common::{TestApp, assert_error};
use ejento_server::config::SignupPolicy;
use serde_json::{Value, json};

/// (method, path, body). `{name}` is replaced by the id of organization A's object of that name.
const ROUTES: &[(&str, &str, &str)] = &[
    ("POST", "/indexing-service/api/v2/corpora/{corpus_id}/documents", ""),
    ("POST", "/api/v2/corpora/{corpus_id}/chunk-preview", ""),
    ("GET", "/api/v2/corpora/{corpus_id}/documents", ""),
    (
        "DELETE",
        "/api/v2/corpora/{corpus_id}/documents",
        r#"{"document_ids":[1]}"#,
    ),
    ("GET", "/api/v2/corpora/{corpus_id}/documents/duplicates", ""),
    ("POST", "/api/v2/corpora/{corpus_id}/documents/retry-failed", ""),
    ("GET", "/api/v2/corpora/{corpus_id}/conversation-starters", ""),
    ("POST", "/api/v2/corpora/{corpus_id}/refresh", ""),
    ("POST", "/api/v2/corpora/{corpus_id}/retrieval-test", r#"{"query":"a"}"#),
    ("GET", "/api/v2/documents/{document_id}", ""),
    ("PUT", "/api/v2/documents/{document_id}", r#"{"title":"x"}"#),
    ("DELETE", "/api/v2/documents/{document_id}", ""),
    ("PUT", "/api/v2/documents/{document_id}/tags", r#"{"tags":["x"]}"#),
    ("GET", "/api/v2/documents/{document_id}/conversation-starters", ""),
    ("POST", "/api/v2/documents/{document_id}/refresh", ""),
    ("GET", "/api/v2/documents/{document_id}/chunks", ""),
    (
        "PUT",
        "/api/v2/documents/{document_id}/chunking",
        r#"{"chunk_sizing": null}"#,
    ),
    (
        "PUT",
        "/api/v2/documents/{document_id}/chunks/{chunk_id}",
        r#"{"is_enabled": false}"#,
    ),
    ("GET", "/api/v2/documents/{document_id}/history", ""),
    ("GET", "/api/v2/documents/{document_id}/content", ""),
    ("GET", "/api/v2/agents/{agent_id}/chat-threads", ""),
    ("GET", "/api/v2/workflows/{workflow_id}", ""),
    (
        "PUT",
        "/api/v2/workflows/{workflow_id}",
        r#"{"name":"x","project_id":1,"agent_ids":[1],"supervisor_type":"Router"}"#,
    ),
    ("DELETE", "/api/v2/workflows/{workflow_id}", ""),
    ("GET", "/api/v2/workflows/{workflow_id}/workflow-chat-threads", ""),
    ("POST", "/api/v2/workflows/{workflow_id}/workflow-chat-threads", ""),
    ("GET", "/api/v2/workflow-chat-threads/{workflow_thread_id}", ""),
    (
        "PUT",
        "/api/v2/workflow-chat-threads/{workflow_thread_id}",
        r#"{"title":"x"}"#,
    ),
    ("DELETE", "/api/v2/workflow-chat-threads/{workflow_thread_id}", ""),
    ("GET", "/api/v2/projects/{project_id}/workflows", ""),
    ("GET", "/api/v2/users/{user_id}/workflows", ""),
    ("GET", "/api/v2/users/{user_id}/workflow-tables", ""),
    ("GET", "/api/v2/agents/{agent_id}/evaluation-datasets", ""),
    (
        "POST",
        "/api/v2/agents/{agent_id}/evaluation-datasets",
        r#"{"name":"x"}"#,
    ),
    (
        "DELETE",
        "/api/v2/agents/{agent_id}/evaluation-datasets",
        r#"{"all":true}"#,
    ),
    ("GET", "/api/v2/evaluation-datasets/{dataset_id}", ""),
    ("PUT", "/api/v2/evaluation-datasets/{dataset_id}", r#"{"name":"x"}"#),
    ("DELETE", "/api/v2/evaluation-datasets/{dataset_id}", ""),
    ("GET", "/api/v2/evaluation-datasets/{dataset_id}/evaluation-queries", ""),
    (
        "POST",
        "/api/v2/evaluation-datasets/{dataset_id}/evaluation-queries",
        r#"{"question":"x?"}"#,
    ),
    ("GET", "/api/v2/evaluation-queries/{query_id}", ""),
    ("PUT", "/api/v2/evaluation-queries/{query_id}", r#"{"question":"x?"}"#),
    ("DELETE", "/api/v2/evaluation-queries/{query_id}", ""),
    ("GET", "/api/v2/evaluation-metrics/{metric_id}", ""),
    ("GET", "/api/v2/evaluations/{evaluation_id}", ""),
    ("PUT", "/api/v2/evaluations/{evaluation_id}", r#"{"name":"x"}"#),
    ("DELETE", "/api/v2/evaluations/{evaluation_id}", ""),
    ("GET", "/api/v2/evaluations/{evaluation_id}/query-results", ""),
    ("GET", "/api/v2/evaluations/{evaluation_id}/compare/{other_id}", ""),
    ("GET", "/api/v2/workflows/{workflow_id}/analytics", ""),
    ("GET", "/api/v2/notifications/{notification_id}", ""),
    ("PUT", "/api/v2/notifications/{notification_id}", r#"{"is_read":true}"#),
    ("DELETE", "/api/v2/notifications/{notification_id}", ""),
    ("PUT", "/api/v2/users/{user_id}/notifications", r#"{"is_read":true}"#),
    ("GET", "/api/v2/guardrails/{guardrail_id}", ""),
    (
        "PUT",
        "/api/v2/guardrails/{guardrail_id}",
        r#"{"name":"x","guardrail_type":"pii"}"#,
    ),
    ("DELETE", "/api/v2/guardrails/{guardrail_id}", ""),
    ("GET", "/api/v2/organizations/{organization_id}/guardrails", ""),
    (
        "POST",
        "/api/v2/organizations/{organization_id}/guardrails",
        r#"{"name":"x","guardrail_type":"pii"}"#,
    ),
    (
        "PUT",
        "/api/v2/organizations/{organization_id}/guardrails/{guardrail_id}",
        r#"{"is_enabled":false}"#,
    ),
    ("GET", "/api/v2/organizations/{organization_id}/audit-log", ""),
    ("GET", "/api/v2/agents/{agent_id}/guardrail-types", ""),
    (
        "PUT",
        "/api/v2/agents/{agent_id}/guardrail-types/1",
        r#"{"is_enabled":false}"#,
    ),
    ("GET", "/api/v2/agents/{agent_id}/tools", ""),
    ("GET", "/api/v2/agents/{agent_id}/tools/connected", ""),
    ("POST", "/api/v2/agents/{agent_id}/tools/{tool_id}", ""),
    ("DELETE", "/api/v2/agents/{agent_id}/tools/{tool_id}", ""),
    ("GET", "/api/v2/organizations/{organization_id}/api-tool-templates", ""),
    (
        "POST",
        "/api/v2/organizations/{organization_id}/api-tool-templates",
        r#"{"name":"t","spec":{"method":"GET","url_template":"https://a.example"}}"#,
    ),
    ("GET", "/api/v2/organizations/{organization_id}/tools", ""),
    (
        "POST",
        "/api/v2/organizations/{organization_id}/tools/api",
        r#"{"name":"t","api":{"method":"GET","url_template":"https://a.example"}}"#,
    ),
    (
        "POST",
        "/api/v2/organizations/{organization_id}/tools/attachment",
        r#"{"name":"t"}"#,
    ),
    (
        "POST",
        "/api/v2/organizations/{organization_id}/tools/rag",
        r#"{"name":"t","corpus_ids":[1]}"#,
    ),
    (
        "POST",
        "/api/v2/organizations/{organization_id}/tools/web-search",
        r#"{"name":"t","search_url":"https://s.example/search"}"#,
    ),
    (
        "POST",
        "/api/v2/organizations/{organization_id}/tools/{tool_id}/disable",
        "",
    ),
    (
        "POST",
        "/api/v2/organizations/{organization_id}/tools/{tool_id}/enable",
        "",
    ),
    ("GET", "/api/v2/tools/{tool_id}", ""),
    ("PUT", "/api/v2/tools/{tool_id}", r#"{"name":"t"}"#),
    ("DELETE", "/api/v2/tools/{tool_id}", ""),
    ("POST", "/api/v2/tools/{tool_id}/test", "{}"),
    (
        "POST",
        "/api/v2/evaluations/{evaluation_id}/query-results",
        r#"{"query_id":1,"answer":"x"}"#,
    ),
    ("GET", "/api/v2/query-results/{query_result_id}", ""),
    (
        "PUT",
        "/api/v2/query-results/{query_result_id}",
        r#"{"metric_scores":[]}"#,
    ),
    ("GET", "/api/v2/metric-results/{metric_result_id}", ""),
    ("GET", "/api/v2/evaluation-metrics/{metric_id}/metric-results", ""),
    (
        "POST",
        "/api/v2/evaluation-metrics/{metric_id}/metric-results",
        r#"{"query_result_id":1,"score":0.5}"#,
    ),
    ("PUT", "/api/v2/evaluation-metrics/{metric_id}", r#"{"name":"x"}"#),
    ("DELETE", "/api/v2/evaluation-metrics/{metric_id}", ""),
    (
        "POST",
        "/response-service/api/v2/workflows/{workflow_id}/responses",
        r#"{"user_query":"hi"}"#,
    ),
    (
        "POST",
        "/response-service/api/v2/workflows/{workflow_id}/responses/stream",
        r#"{"user_query":"hi"}"#,
    ),
    (
        "POST",
        "/response-service/api/v2/workflows/{workflow_id}/responses/start",
        r#"{"user_query":"hi"}"#,
    ),
    (
        "POST",
        "/response-service/api/v2/workflow-responses/{workflow_response_id}/cancel",
        "",
    ),
    (
        "GET",
        "/response-service/api/v2/workflow-responses/{workflow_response_id}/events-url",
        "",
    ),
    (
        "GET",
        "/api/v2/workflow-chat-threads/{workflow_thread_id}/workflow-responses",
        "",
    ),
    ("DELETE", "/api/v2/workflow-responses/{workflow_response_id}", ""),
    (
        "POST",
        "/api/v2/workflow-responses/{workflow_response_id}/feedbacks",
        r#"{"vote_type":"upvote"}"#,
    ),
    ("GET", "/api/v2/workflow-responses/{workflow_response_id}/reviews", ""),
    (
        "POST",
        "/api/v2/workflow-responses/{workflow_response_id}/reviews",
        r#"{"rating":5}"#,
    ),
    ("POST", "/api/v2/agents/{agent_id}/chat-threads", ""),
    ("GET", "/api/v2/chat-threads/{thread_id}", ""),
    ("GET", "/api/v2/chat-threads/{thread_id}/corpora", ""),
    ("DELETE", "/api/v2/chat-threads/{thread_id}/corpora", ""),
    ("GET", "/api/v2/chat-threads/{thread_id}/corpora/{corpus_id}", ""),
    ("POST", "/api/v2/chat-threads/{thread_id}/corpora/{corpus_id}", ""),
    ("DELETE", "/api/v2/chat-threads/{thread_id}/corpora/{corpus_id}", ""),
    ("GET", "/api/v2/chat-threads/{thread_id}/documents", ""),
    ("PUT", "/api/v2/chat-threads/{thread_id}", r#"{"title":"x"}"#),
    ("GET", "/api/v2/chat-threads/{thread_id}/agent-responses", ""),
    ("DELETE", "/api/v2/chat-threads/{thread_id}/agent-responses", ""),
    (
        "POST",
        "/response-service/api/v2/agents/{agent_id}/responses",
        r#"{"user_query":"hi"}"#,
    ),
    (
        "POST",
        "/response-service/api/v2/agents/{agent_id}/responses/stream",
        r#"{"user_query":"hi"}"#,
    ),
    (
        "POST",
        "/response-service/api/v2/agents/{agent_id}/responses/start",
        r#"{"user_query":"hi"}"#,
    ),
    (
        "POST",
        "/response-service/api/v2/agent-responses/{response_id}/cancel",
        "",
    ),
    (
        "GET",
        "/response-service/api/v2/agent-responses/{response_id}/events-url",
        "",
    ),
    ("GET", "/api/v2/agent-responses/{response_id}", ""),
    ("GET", "/api/v2/agent-responses/{response_id}/supporting-content", ""),
    ("GET", "/api/v2/agent-responses/{response_id}/thoughts", ""),
    ("GET", "/api/v2/agent-responses/{response_id}/trace", ""),
    ("GET", "/api/v2/agent-responses/{response_id}/versions", ""),
    (
        "POST",
        "/api/v2/agent-responses/{response_id}/feedbacks",
        r#"{"vote_type":"upvote"}"#,
    ),
    ("GET", "/api/v2/agent-responses/{response_id}/comments", ""),
    (
        "POST",
        "/api/v2/agent-responses/{response_id}/comments",
        r#"{"comment":"x"}"#,
    ),
    ("PUT", "/api/v2/agent-responses/{response_id}/pin", ""),
    ("DELETE", "/api/v2/agent-responses/{response_id}/pin", ""),
    ("DELETE", "/api/v2/agent-responses/{response_id}", ""),
    ("GET", "/api/v2/chat-logs/{response_id}", ""),
    ("GET", "/api/v2/chat-threads/{thread_id}/chat-logs", ""),
    ("GET", "/api/v2/agents/{agent_id}/agent-responses", ""),
    ("PUT", "/api/v2/agent-responses/{response_id}", r#"{"is_pinned":true}"#),
    ("GET", "/api/v2/agents/{agent_id}/conversation-starters", ""),
    (
        "POST",
        "/api/v2/agents/{agent_id}/conversation-starters",
        r#"{"text":"x"}"#,
    ),
    (
        "PUT",
        "/api/v2/agents/{agent_id}/llm-configuration",
        r#"{"llm_config_id":1}"#,
    ),
    ("DELETE", "/api/v2/chat-threads/{thread_id}", ""),
    ("GET", "/api/v2/organizations/{organization_id}/api-keys", ""),
    (
        "POST",
        "/api/v2/organizations/{organization_id}/api-keys",
        r#"{"name":"k","scope":"All"}"#,
    ),
    (
        "DELETE",
        "/api/v2/organizations/{organization_id}/api-keys/{api_key_id}",
        "",
    ),
    ("GET", "/api/v2/organizations/{organization_id}/users", ""),
    (
        "POST",
        "/api/v2/organizations/{organization_id}/users",
        r#"{"email":"new@example.org"}"#,
    ),
    ("GET", "/api/v2/organizations/{organization_id}/configurations", ""),
    (
        "GET",
        "/api/v2/organizations/{organization_id}/configurations/active",
        "",
    ),
    ("GET", "/api/v2/organizations/{organization_id}/model-deployment", ""),
    ("GET", "/api/v2/llm-configurations/{llm_config_id}", ""),
    ("GET", "/api/v2/users/{user_id}", ""),
    ("PUT", "/api/v2/users/{user_id}", r#"{"first_name":"X"}"#),
    ("DELETE", "/api/v2/users/{user_id}", ""),
    ("GET", "/api/v2/users/by-email/{user_email}", ""),
    ("GET", "/api/v2/users/{user_id}/permissions", ""),
    ("GET", "/api/v2/users/{user_id}/projects", ""),
    (
        "POST",
        "/api/v2/users/{user_id}/organization-permissions",
        r#"{"permission":"view_analytics"}"#,
    ),
    (
        "PUT",
        "/api/v2/users/{user_id}/organization-permissions/{permission_id}",
        r#"{"permission":"manage_tools"}"#,
    ),
    (
        "DELETE",
        "/api/v2/users/{user_id}/organization-permissions/{permission_id}",
        "",
    ),
    ("GET", "/api/v2/teams/{team_id}", ""),
    ("PUT", "/api/v2/teams/{team_id}", r#"{"name":"Taken over"}"#),
    ("DELETE", "/api/v2/teams/{team_id}", ""),
    ("GET", "/api/v2/teams/{team_id}/projects", ""),
    ("GET", "/api/v2/teams/{team_id}/agents", ""),
    ("GET", "/api/v2/teams/{team_id}/users", ""),
    ("POST", "/api/v2/teams/{team_id}/users", r#"{"user_ids":[]}"#),
    ("PUT", "/api/v2/teams/{team_id}/users/{user_id}", r#"{"role":"Admin"}"#),
    ("DELETE", "/api/v2/teams/{team_id}/users/{user_id}", ""),
    ("POST", "/api/v2/users/me/recent-teams/{team_id}", ""),
    ("GET", "/api/v2/projects/{project_id}", ""),
    ("PUT", "/api/v2/projects/{project_id}", r#"{"name":"Taken over"}"#),
    ("DELETE", "/api/v2/projects/{project_id}", ""),
    ("GET", "/api/v2/projects/{project_id}/agents", ""),
    ("GET", "/api/v2/projects/{project_id}/agent-responses", ""),
    ("GET", "/api/v2/users/{user_id}/agent-responses", ""),
    ("GET", "/api/v2/projects/{project_id}/users", ""),
    ("POST", "/api/v2/projects/{project_id}/users", r#"{"user_ids":[]}"#),
    (
        "PUT",
        "/api/v2/projects/{project_id}/users/{user_id}",
        r#"{"role":"Admin"}"#,
    ),
    ("DELETE", "/api/v2/projects/{project_id}/users/{user_id}", ""),
    ("POST", "/api/v2/users/me/recent-projects/{project_id}", ""),
    ("GET", "/api/v2/agents/{agent_id}", ""),
    ("PUT", "/api/v2/agents/{agent_id}", r#"{"prefix_prompt":"Taken over"}"#),
    ("DELETE", "/api/v2/agents/{agent_id}", ""),
    ("POST", "/api/v2/agents/{agent_id}/activate", ""),
    ("GET", "/api/v2/agents/{agent_id}/status", ""),
    ("GET", "/api/v2/agents/{agent_id}/history", ""),
    ("POST", "/api/v2/agents/{agent_id}/history/{history_id}/restore", ""),
    ("GET", "/api/v2/agents/{agent_id}/prompt-history", ""),
    (
        "POST",
        "/api/v2/agents/{agent_id}/instructions",
        r#"{"instructions":["x"]}"#,
    ),
    ("GET", "/api/v2/agents/{agent_id}/access", ""),
    ("PUT", "/api/v2/agents/{agent_id}/access", r#"{"access":"Public"}"#),
    ("GET", "/api/v2/agents/{agent_id}/aliases", ""),
    (
        "POST",
        "/api/v2/agents/{agent_id}/aliases",
        r#"{"alias":"steal@example.org"}"#,
    ),
    ("GET", "/api/v2/agents/{agent_id}/aliases/{alias_id}", ""),
    (
        "PUT",
        "/api/v2/agents/{agent_id}/aliases/{alias_id}",
        r#"{"alias":"steal@example.org"}"#,
    ),
    ("DELETE", "/api/v2/agents/{agent_id}/aliases/{alias_id}", ""),
    ("PUT", "/api/v2/agents/{agent_id}/tags", r#"{"add":["x"]}"#),
    ("GET", "/api/v2/agents/{agent_id}/comments", ""),
    ("POST", "/api/v2/agents/{agent_id}/comments", r#"{"comment":"x"}"#),
    (
        "PUT",
        "/api/v2/agents/{agent_id}/comments/{comment_id}",
        r#"{"comment":"x"}"#,
    ),
    ("DELETE", "/api/v2/agents/{agent_id}/comments/{comment_id}", ""),
    ("GET", "/api/v2/agents/{agent_id}/ratings", ""),
    ("PUT", "/api/v2/agents/{agent_id}/ratings", r#"{"rating":1}"#),
    ("GET", "/api/v2/agents/{agent_id}/reviews", ""),
    ("POST", "/api/v2/agents/{agent_id}/reviews", r#"{"review":"x"}"#),
    (
        "PUT",
        "/api/v2/agents/{agent_id}/reviews/{review_id}",
        r#"{"review":"x"}"#,
    ),
    ("DELETE", "/api/v2/agents/{agent_id}/reviews/{review_id}", ""),
    ("GET", "/api/v2/agents/{agent_id}/users", ""),
    ("POST", "/api/v2/agents/{agent_id}/users", r#"{"user_ids":[]}"#),
    ("DELETE", "/api/v2/agents/{agent_id}/users/{user_id}", ""),
    ("GET", "/api/v2/agents/{agent_id}/users/{user_id}/permissions", ""),
    ("GET", "/api/v2/agents/{agent_id}/users/{user_id}/team-role", ""),
    ("GET", "/api/v2/agents/{agent_id}/votes", ""),
    ("POST", "/api/v2/agents/{agent_id}/votes", r#"{"vote":"upvote"}"#),
    ("GET", "/api/v2/agents/{agent_id}/corpora", ""),
    ("DELETE", "/api/v2/agents/{agent_id}/corpora", r#"{"corpus_ids":[1]}"#),
    ("GET", "/api/v2/agents/{agent_id}/corpora/default", ""),
    ("GET", "/api/v2/agents/{agent_id}/corpora/{corpus_id}", ""),
    ("POST", "/api/v2/agents/{agent_id}/corpora/{corpus_id}", ""),
    (
        "PUT",
        "/api/v2/agents/{agent_id}/corpora/{corpus_id}",
        r#"{"is_enabled":false}"#,
    ),
    ("DELETE", "/api/v2/agents/{agent_id}/corpora/{corpus_id}", ""),
    ("GET", "/api/v2/corpora/{corpus_id}", ""),
    ("PUT", "/api/v2/corpora/{corpus_id}", r#"{"name":"Taken over"}"#),
    ("DELETE", "/api/v2/corpora/{corpus_id}", ""),
    ("PUT", "/api/v2/corpora/{corpus_id}/tags", r#"{"tags":["x"]}"#),
    ("GET", "/api/v2/corpora/{corpus_id}/agents", ""),
    ("GET", "/api/v2/corpora/{corpus_id}/permissions", ""),
    (
        "POST",
        "/api/v2/corpora/{corpus_id}/permissions",
        r#"{"user_id":1,"access":"Read"}"#,
    ),
    ("GET", "/api/v2/corpora/{corpus_id}/users/{user_id}/permissions", ""),
    ("DELETE", "/api/v2/corpora/{corpus_id}/users/{user_id}/permissions", ""),
    ("GET", "/api/v2/agent-types/{agent_type_id}", ""),
    ("PUT", "/api/v2/agent-types/{agent_type_id}", r#"{"name":"Taken over"}"#),
    ("POST", "/api/v2/users/me/recent-agents/{agent_id}", ""),
    ("DELETE", "/api/v2/users/me/recent-agents/{agent_id}", ""),
    ("GET", "/api/v2/users/me/starred-agents/{agent_id}", ""),
    ("POST", "/api/v2/users/me/starred-agents/{agent_id}", ""),
    ("DELETE", "/api/v2/users/me/starred-agents/{agent_id}", ""),
];

/// Builds organization A with one of everything; returns the ids by placeholder name.
async fn organization_a(app: &TestApp) -> HashMap<&'static str, String> {
    let (admin, _, org) = app.member("ada@a.example", "Ada A").await;
    let mut ids: HashMap<&'static str, String> = HashMap::new();
    let mut put = |k: &'static str, v: &Value| {
        ids.insert(
            k,
            v.as_i64()
                .map(|n| n.to_string())
                .unwrap_or_else(|| v.as_str().unwrap().to_string()),
        );
    };
    put("organization_id", &json!(org));
    let team = app
        .ok("POST", "/api/v2/teams", &admin, Some(&json!({"name": "A team"})))
        .await;
    put("team_id", &team["id"]);
    let project = app
        .ok(
            "POST",
            "/api/v2/projects",
            &admin,
            Some(&json!({"name": "A project", "team_id": team["id"]})),
        )
        .await;
    put("project_id", &project["id"]);
    let agent = app
        .ok(
            "POST",
            "/api/v2/agents",
            &admin,
            Some(&json!({"project_id": project["id"], "agent_name": "A agent", "access": "Public"})),
        )
        .await;
    let agent_id = agent["id"].as_i64().unwrap();
    put("agent_id", &agent["id"]);
    put("agent_type_id", &agent["agent_type"]["id"]);
    put("llm_config_id", &agent["llm_config"]["id"]);
    let history = app
        .ok("GET", &format!("/api/v2/agents/{agent_id}/history"), &admin, None)
        .await;
    put("history_id", &history["history_records"][0]["history_id"]);
    let corpora = app
        .ok("GET", &format!("/api/v2/agents/{agent_id}/corpora"), &admin, None)
        .await;
    put("corpus_id", &corpora["items"]["agent_corpus"][0]["corpus_id"]);
    let corpus_id = corpora["items"]["agent_corpus"][0]["corpus_id"].as_i64().unwrap();
    let document = app
        .upload_file(corpus_id, &admin, "a.txt", b"A's private words".to_vec())
        .await;
    put("document_id", &json!(document));
    app.settled(document, &admin).await;
    let chunks = app
        .ok("GET", &format!("/api/v2/documents/{document}/chunks"), &admin, None)
        .await;
    put("chunk_id", &chunks["chunks"][0]["id"]);
    let thread = app
        .ok("POST", &format!("/api/v2/agents/{agent_id}/chat-threads"), &admin, None)
        .await;
    put("thread_id", &thread["id"]);
    let workflow = app
        .ok(
            "POST",
            "/api/v2/workflows",
            &admin,
            Some(&json!({"name": "A workflow", "project_id": project["id"], "agent_ids": [agent_id], "supervisor_type": "Router"})),
        )
        .await;
    put("workflow_id", &workflow["id"]);
    let workflow_thread = app
        .ok(
            "POST",
            &format!("/api/v2/workflows/{}/workflow-chat-threads", workflow["id"]),
            &admin,
            None,
        )
        .await;
    put("workflow_thread_id", &workflow_thread["id"]);
    let workflow_answer = app
        .ok(
            "POST",
            &format!("/response-service/api/v2/workflows/{}/responses", workflow["id"]),
            &admin,
            Some(&json!({"user_query": "What do A's documents say?"})),
        )
        .await;
    put("workflow_response_id", &workflow_answer["workflow_response_id"]);
    let dataset = app
        .ok(
            "POST",
            &format!("/api/v2/agents/{agent_id}/evaluation-datasets"),
            &admin,
            Some(&json!({"name": "A dataset"})),
        )
        .await;
    put("dataset_id", &dataset["id"]);
    let query = app
        .ok(
            "POST",
            &format!("/api/v2/evaluation-datasets/{}/evaluation-queries", dataset["id"]),
            &admin,
            Some(&json!({"question": "A question?"})),
        )
        .await;
    put("query_id", &query[0]["id"]);
    let metric = app
        .ok(
            "POST",
            "/api/v2/evaluation-metrics",
            &admin,
            Some(&json!({"name": "A metric"})),
        )
        .await;
    put("metric_id", &metric["id"]);
    let run = app
        .ok(
            "POST",
            "/api/v2/evaluations",
            &admin,
            Some(&json!({"dataset_id": dataset["id"]})),
        )
        .await;
    put("evaluation_id", &run["id"]);
    put("other_id", &run["id"]);
    // The run answers its one question; its result and a score by A's own metric.
    let mut results = Value::Null;
    for _ in 0..300 {
        results = app
            .ok(
                "GET",
                &format!("/api/v2/evaluations/{}/query-results", run["id"]),
                &admin,
                None,
            )
            .await;
        if results["meta"]["count"] == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let result = &results["query_results"][0]["id"];
    put("query_result_id", result);
    let score = app
        .ok(
            "POST",
            &format!("/api/v2/evaluation-metrics/{}/metric-results", metric["id"]),
            &admin,
            Some(&json!({"query_result_id": result, "score": 0.5})),
        )
        .await;
    put("metric_result_id", &score["id"]);
    let answer = app
        .ok(
            "POST",
            &format!("/response-service/api/v2/agents/{agent_id}/responses"),
            &admin,
            Some(&json!({"user_query": "A's question", "chat_thread_id": thread["id"]})),
        )
        .await;
    put("response_id", &answer["agent_response_id"]);
    app.ok(
        "POST",
        &format!("/api/v2/chat-threads/{}/corpora/{corpus_id}", thread["id"]),
        &admin,
        None,
    )
    .await;
    let alias = app
        .ok(
            "POST",
            &format!("/api/v2/agents/{agent_id}/aliases"),
            &admin,
            Some(&json!({"alias": "a@a.example"})),
        )
        .await;
    put("alias_id", &alias["id"]);
    let comment = app
        .ok(
            "POST",
            &format!("/api/v2/agents/{agent_id}/comments"),
            &admin,
            Some(&json!({"comment": "mine"})),
        )
        .await;
    put("comment_id", &comment["id"]);
    let review = app
        .ok(
            "POST",
            &format!("/api/v2/agents/{agent_id}/reviews"),
            &admin,
            Some(&json!({"review": "mine"})),
        )
        .await;
    put("review_id", &review["id"]);
    let ann = app
        .ok(
            "POST",
            &format!("/api/v2/organizations/{org}/users"),
            &admin,
            Some(&json!({"email": "ann@a.example", "first_name": "Ann"})),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    put("user_id", &json!(ann));
    let note = app
        .ok(
            "POST",
            "/api/v2/notifications",
            &admin,
            Some(&json!({"title": "A's reminder"})),
        )
        .await;
    put("notification_id", &note["ids"][0]);
    let guardrail = app
        .ok(
            "POST",
            &format!("/api/v2/organizations/{org}/guardrails"),
            &admin,
            Some(&json!({"name": "A's guardrail", "guardrail_type": "pii"})),
        )
        .await;
    put("guardrail_id", &guardrail["id"]);
    let tool = app
        .ok(
            "POST",
            &format!("/api/v2/organizations/{org}/tools/attachment"),
            &admin,
            Some(&json!({"name": "A's attachments"})),
        )
        .await;
    put("tool_id", &tool["id"]);
    put("user_email", &json!("ann@a.example"));
    let grant = app
        .ok(
            "POST",
            &format!("/api/v2/users/{ann}/organization-permissions"),
            &admin,
            Some(&json!({"permission": "manage_teams"})),
        )
        .await;
    put("permission_id", &grant["id"]);
    let key = app
        .ok(
            "POST",
            &format!("/api/v2/organizations/{org}/api-keys"),
            &admin,
            Some(&json!({"name": "k", "scope": "All"})),
        )
        .await;
    put("api_key_id", &key["id"]);
    ids
}

fn fill(path: &str, ids: &HashMap<&'static str, String>) -> String {
    let mut out = path.to_string();
    for (name, value) in ids {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    assert!(!out.contains('{'), "no id of A for a placeholder in {path}");
    out
}

#[tokio::test]
async fn another_organization_sees_404_for_every_id() {
    let app = TestApp::spawn_with(common::Backend::Sqlite, |c| c.signup = SignupPolicy::Organizations)
        .await
        .unwrap();
    let ids = organization_a(&app).await;
    let (intruder, _, org_b) = app.member("bea@b.example", "Bea B").await;
    assert_ne!(org_b.to_string(), ids["organization_id"], "B is its own organization");
    for (method, path, body) in ROUTES {
        let url = fill(path, &ids);
        let body: Option<Value> = (!body.is_empty()).then(|| serde_json::from_str(body).unwrap());
        let (status, response) = app.call(method, &url, &intruder, body.as_ref()).await;
        assert_eq!(status, 404, "{method} {path} as organization B: {response}");
        assert_error(status, &response, 404);
    }
    // Lists never show A's things to B.
    for list in [
        "/api/v2/teams",
        "/api/v2/projects",
        "/api/v2/agents",
        "/api/v2/users",
        "/api/v2/agent-tags",
    ] {
        let data = app.ok("GET", list, &intruder, None).await;
        let text = data.to_string();
        assert!(
            !text.contains("A team")
                && !text.contains("A agent")
                && !text.contains("A agent_Default")
                && !text.contains("ann@a.example"),
            "{list}: {text}"
        );
    }
    // And A's things are untouched.
    let (admin_a, _) = {
        let (s, b) = app.login("ada@a.example", "a-good-password").await;
        assert_eq!(s, 200);
        common::tokens(&b)
    };
    let agent = app
        .ok("GET", &format!("/api/v2/agents/{}", ids["agent_id"]), &admin_a, None)
        .await;
    assert_eq!(agent["prefix_prompt"], "");
    assert_eq!(
        app.ok("GET", "/api/v2/teams", &admin_a, None).await["teams"][0]["name"],
        "A team"
    );
}

/// Routes authorised by a ticket in the URL instead of a token (EventSource cannot send
/// headers): another organization's caller has no ticket and gets 401; `chat.rs` tests them.
const TICKET_ROUTES: &[&str] = &[
    "/response-service/api/v2/agent-responses/{response_id}/events",
    "/response-service/api/v2/workflow-responses/{workflow_response_id}/events",
];

#[test]
fn the_table_covers_every_route_with_an_id() {
    let doc = ejento_server::routes::openapi_document();
    let groups = [
        "Teams",
        "Projects",
        "Users",
        "Organizations",
        "Agents",
        "Corpora",
        "Documents",
        "Chat Thread",
        "Agent Response",
        "Workflows",
        "Evaluations",
        "Notifications",
    ];
    let mut missing = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        if !path.contains('{') {
            continue;
        }
        for (method, op) in ops.as_object().unwrap() {
            let tag = op["tags"][0].as_str().unwrap();
            if !groups.iter().any(|g| tag.starts_with(g)) {
                continue;
            }
            let method = method.to_uppercase();
            if TICKET_ROUTES.contains(&path.as_str()) {
                continue;
            }
            if !ROUTES.iter().any(|(m, p, _)| *m == method && *p == path) {
                missing.push(format!("{method} {path}"));
            }
        }
    }
    assert!(missing.is_empty(), "add these routes to ROUTES: {missing:#?}");
}

#[test]
fn openapi_lists_every_contract_row() {
    // A copy of `shared/reference/endpoints.tsv`, the contract, kept with the tests.
    let tsv = include_str!("contract/endpoints.tsv");
    let doc = ejento_server::routes::openapi_document();
    let mut checked = 0;
    let mut missing = Vec::new();
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (method, path) = (cols[2], cols[3]);
        checked += 1;
        if !doc["paths"][path][method.to_lowercase()].is_object() {
            missing.push(format!("{method} {path}"));
        }
    }
    assert!(missing.is_empty(), "not implemented: {missing:#?}");
    assert_eq!(checked, 319, "every row of the contract is checked");
}
