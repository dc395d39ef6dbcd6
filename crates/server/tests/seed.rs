//! The demo organization: believable, complete, and created once however often seeding runs.

use ejento_server::{Application, Config, seed};
use serde_json::Value;

#[tokio::test]
async fn demo_data_is_complete_and_seeding_twice_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::for_database(format!("sqlite://{}?mode=rwc", dir.path().join("demo.db").display()));
    let app = Application::build(config).await.unwrap();
    assert_eq!(seed::seed_demo(&app.state().store).await.unwrap(), 4);
    assert_eq!(
        seed::seed_demo(&app.state().store).await.unwrap(),
        0,
        "the second run creates nothing"
    );
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let login = |email: &'static str| {
        let client = client.clone();
        let url = format!("{base}/auth-service/api/v2/login/access-token");
        async move {
            let res: Value = client
                .post(url)
                .json(&serde_json::json!({"username": email, "password": seed::DEMO_PASSWORD}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            res["data"]["ejento_access_token"]
                .as_str()
                .expect("demo login works")
                .to_string()
        }
    };
    let get = |token: String, path: &'static str| {
        let client = client.clone();
        let url = format!("{base}{path}");
        async move {
            client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()["data"]
                .clone()
        }
    };
    let admin = login("admin@northwind.example").await;
    assert_eq!(get(admin.clone(), "/api/v2/teams").await["meta"]["count"], 3);
    assert_eq!(get(admin.clone(), "/api/v2/projects").await["meta"]["count"], 4);
    let agents = get(admin.clone(), "/api/v2/agents").await;
    assert_eq!(agents["meta"]["count"], 5);
    for agent in agents["agents"].as_array().unwrap() {
        assert!(
            agent["prefix_prompt"].as_str().unwrap().len() > 50,
            "a real prompt: {agent}"
        );
        assert!(!agent["sample_q1"].as_str().unwrap().is_empty());
    }
    // Roles differ: the support lead sees the public agents and their team's, not Research's private ones.
    let support = login("support@northwind.example").await;
    let seen = get(support, "/api/v2/agents").await;
    let names: Vec<&str> = seen["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["agent_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Billing Helper", "Onboarding Guide"]);
}
