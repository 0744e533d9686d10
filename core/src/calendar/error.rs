//! Why a calendar spec cannot be compiled. Each variant names the offending field, with the
//! spec's own (camelCase) spelling, so the message can be shown next to the YAML.

/// A calendar spec that cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("calendar: set `schedule` (5-field cron, e.g. \"0 * * * *\") or `interval` (Go duration, e.g. \"10s\"); neither is set")]
    NoSchedule,
    #[error("calendar `schedule`: {0}")]
    Schedule(String),
    #[error("calendar `interval`: {0}")]
    Interval(String),
    #[error("calendar `timezone`: {0}")]
    Timezone(String),
    #[error("calendar `exclusionDates[{index}]`: {reason}")]
    ExclusionDate { index: usize, reason: String },
    #[error("calendar `persistence.catchup.maxDuration`: {0}")]
    MaxDuration(String),
}

impl CalendarError {
    /// The spec field at fault, relative to the calendar entry (e.g. `exclusionDates[2]`).
    pub fn field(&self) -> String {
        match self {
            CalendarError::NoSchedule => "schedule".into(),
            CalendarError::Schedule(_) => "schedule".into(),
            CalendarError::Interval(_) => "interval".into(),
            CalendarError::Timezone(_) => "timezone".into(),
            CalendarError::ExclusionDate { index, .. } => format!("exclusionDates[{index}]"),
            CalendarError::MaxDuration(_) => "persistence.catchup.maxDuration".into(),
        }
    }
}
