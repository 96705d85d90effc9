//! Who is calling the REST API: a signed-in person (through their session) or a backend (through
//! an organisation's API key). Both resolve to one organisation; every query is scoped by it.

use crate::{Error, Result, accounts::Viewer, orgs::Role};

/// The authenticated caller of a REST route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub org_id: String,
    pub actor: Actor,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A person with a session, and their role in the organisation.
    User { user_id: String, role: Role },
    /// A backend or agent holding one of the organisation's API keys.
    ApiKey { key_id: String },
}

impl Caller {
    /// The caller behind a browser session (which must be working in an organisation).
    pub fn from_viewer(viewer: &Viewer) -> Result<Self> {
        let org = viewer.require_org()?;
        Ok(Self {
            org_id: org.org_id.clone(),
            actor: Actor::User {
                user_id: viewer.user.id.clone(),
                role: org.role,
            },
        })
    }

    /// The person's id, for audit entries (`None` for API keys).
    pub fn user_id(&self) -> Option<&str> {
        match &self.actor {
            Actor::User { user_id, .. } => Some(user_id),
            Actor::ApiKey { .. } => None,
        }
    }

    /// How the audit log names the actor when it is not a person.
    pub fn api_key_id(&self) -> Option<&str> {
        match &self.actor {
            Actor::ApiKey { key_id } => Some(key_id),
            Actor::User { .. } => None,
        }
    }

    /// Refuses callers that are not an admin signed in as a person (API keys manage nothing).
    pub fn require_admin_person(&self) -> Result<&str> {
        match &self.actor {
            Actor::User {
                user_id,
                role: Role::Admin,
            } => Ok(user_id),
            Actor::User { .. } => Err(Error::Forbidden(
                "only an admin of the organisation can do this".to_owned(),
            )),
            Actor::ApiKey { .. } => Err(Error::Forbidden(
                "API keys cannot manage API keys; sign in as an admin".to_owned(),
            )),
        }
    }
}
