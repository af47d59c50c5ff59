use std::process::ExitCode;

/// The exit codes every gantry binary documents.
///
/// They are the same across binaries so that a pipeline can tell "the check
/// said no" (1) from "you called it wrong" (2) from "something outside gantry
/// failed" (3) without knowing which binary ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// The command did what was asked.
    Success,
    /// The command ran and its answer is "no": a check failed, a canary was
    /// rolled back, `--check` found something to change.
    Failure,
    /// Bad usage or bad input: nothing was written or pushed.
    Usage,
    /// A service gantry depends on (registry, git remote, API) failed after
    /// retries.
    External,
    /// The analysis ended without enough evidence either way (a canary that
    /// is neither promoted nor rolled back).
    Inconclusive,
}

impl ExitStatus {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Usage => 2,
            ExitStatus::External => 3,
            ExitStatus::Inconclusive => 4,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status.code())
    }
}

#[cfg(test)]
mod tests {
    use super::ExitStatus;

    #[test]
    fn codes_are_the_documented_ones() {
        let table = [
            (ExitStatus::Success, 0),
            (ExitStatus::Failure, 1),
            (ExitStatus::Usage, 2),
            (ExitStatus::External, 3),
            (ExitStatus::Inconclusive, 4),
        ];
        for (status, code) in table {
            assert_eq!(status.code(), code, "{status:?}");
        }
    }
}
