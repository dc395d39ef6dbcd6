//! Demo data: a believable organization to click through right after `make run`.

use ejento_api::OrgRole;

use crate::{
    auth::password,
    domain::{Email, Password, PersonName},
    error::Result,
    store::{NewUser, SignupOutcome, Store},
};

pub const DEMO_ORGANIZATION: &str = "Northwind Research";
pub const DEMO_PASSWORD: &str = "ejento-demo-2026";

/// (e-mail, first name, last name, role) of each demo account; the first founds the organization.
pub const DEMO_USERS: [(&str, &str, &str, OrgRole); 4] = [
    ("admin@northwind.example", "Ada", "Lovelace", OrgRole::GlobalAdmin),
    (
        "builder@northwind.example",
        "Grace",
        "Hopper",
        OrgRole::ApplicationAdmin,
    ),
    ("analyst@northwind.example", "Katherine", "Johnson", OrgRole::User),
    ("support@northwind.example", "Alan", "Turing", OrgRole::User),
];

/// Creates the demo accounts that do not exist yet; returns how many it created.
pub async fn seed_demo(store: &Store) -> Result<usize> {
    let pw = Password::parse(DEMO_PASSWORD).expect("the demo password meets the policy");
    let mut created = 0;
    let mut org_id = None;
    for (email, first, last, role) in DEMO_USERS {
        let email = Email::parse(email).expect("demo e-mails are valid");
        if let Some(existing) = store.find_user_by_email(&email).await? {
            org_id.get_or_insert(existing.organization_id);
            continue;
        }
        let new = NewUser {
            email,
            password_hash: Some(password::hash(&pw).await?),
            first_name: PersonName::parse(first).expect("demo names are valid"),
            last_name: PersonName::parse(last).expect("demo names are valid"),
        };
        let user = match org_id {
            Some(org) => store.create_user(org, &new, role).await?,
            None => match store
                .sign_up(new, crate::config::SignupPolicy::Open, DEMO_ORGANIZATION)
                .await?
            {
                SignupOutcome::Founded(u) | SignupOutcome::Joined(u) => u,
                SignupOutcome::Closed => unreachable!("seeding always signs up with open policy"),
            },
        };
        org_id.get_or_insert(user.organization_id);
        created += 1;
    }
    Ok(created)
}

pub fn print_demo_logins() {
    println!("Demo sign-ins (password for all: {DEMO_PASSWORD}):");
    for (email, first, last, role) in DEMO_USERS {
        println!("  {email:<28} {first} {last} ({})", role.as_str());
    }
}
