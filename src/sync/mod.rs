//! The CRM sync engine: a local copy of each CRM connection's contacts, companies, deals and
//! activities. So far its storage ([`store`]); the runs, triggers and pages build on it.

pub mod store;

use crate::{Error, Result};

/// What a sync copies. Stored as the lowercase plural, as the records API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyncModel {
    Contacts,
    Companies,
    Deals,
    Activities,
}

impl SyncModel {
    pub const ALL: [Self; 4] = [
        Self::Contacts,
        Self::Companies,
        Self::Deals,
        Self::Activities,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Contacts => "contacts",
            Self::Companies => "companies",
            Self::Deals => "deals",
            Self::Activities => "activities",
        }
    }

    /// The model a caller named, or a 400 listing the models.
    pub fn parse(raw: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == raw)
            .ok_or_else(|| Error::InvalidChoice {
                field: "model",
                value: raw.to_owned(),
                allowed: Self::ALL.iter().map(|m| m.as_str().to_owned()).collect(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_round_trip_and_unknown_ones_are_refused() {
        for model in SyncModel::ALL {
            assert_eq!(SyncModel::parse(model.as_str()).ok(), Some(model));
        }
        assert!(SyncModel::parse("Contacts").is_err());
        assert!(SyncModel::parse("leads").is_err());
    }
}
