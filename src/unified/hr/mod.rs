//! `hr.employee`: one table of the providers that serve it. Each provider's calls and mapping
//! live in its own file as an [`EmployeeProvider`]; adding a provider is one new file and one
//! line in [`NANGO_PROVIDERS`].

pub mod bamboohr;

use super::{
    call::Backend,
    command::EmployeeCommand,
    model::{Page, UnifiedEmployee},
    panora,
    reader::{self, Reader},
};
use crate::{Error, Result};

/// How one provider serves `hr.employee`.
pub struct EmployeeProvider {
    /// Nango's provider keys (`bamboohr`, `bamboohr-basic`), or `panora`.
    pub keys: &'static [&'static str],
    /// The provider's name for messages (`BambooHR`).
    pub display_name: &'static str,
    pub read: Reader<UnifiedEmployee>,
}

/// The Nango providers whose employees Patchbay maps.
pub const NANGO_PROVIDERS: &[&EmployeeProvider] = &[&bamboohr::EMPLOYEES];

/// The provider behind `backend`.
pub fn provider(backend: &Backend<'_>) -> Result<&'static EmployeeProvider> {
    match backend {
        Backend::Panora { .. } => Ok(&panora::hris::EMPLOYEES),
        Backend::Nango { target, .. } => NANGO_PROVIDERS
            .iter()
            .copied()
            .find(|p| p.keys.contains(&target.provider.as_str()))
            .ok_or_else(|| {
                Error::invalid_field(
                    "connectionId",
                    format!("hr.employee is not mapped for {}", target.provider),
                )
            }),
    }
}

/// What an employee command produced.
pub enum EmployeeOutcome {
    Page(Page<UnifiedEmployee>),
    One(Box<UnifiedEmployee>),
}

/// Runs `command` against the provider behind `backend`.
pub async fn run(
    backend: &Backend<'_>,
    command: &EmployeeCommand,
    remote_data: bool,
) -> Result<EmployeeOutcome> {
    let provider = provider(backend)?;
    Ok(match command {
        EmployeeCommand::List(params) => {
            EmployeeOutcome::Page(reader::list(backend, &provider.read, params, remote_data).await?)
        }
        EmployeeCommand::Get(id) => EmployeeOutcome::One(Box::new(
            reader::get(backend, &provider.read, id, remote_data, "employee").await?,
        )),
    })
}
