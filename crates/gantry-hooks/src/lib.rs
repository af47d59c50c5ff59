//! Hooks of a canary analysis, after Flagger's webhooks: commands and
//! webhooks run at fixed points, an "abort now" webhook, a confirm gate.
//!
//! - A [`Hook`] runs at a [`Phase`]: before the first interval
//!   (`pre-analysis`: a failure rolls back before any traffic moves), after
//!   each traffic step (`step`), after a promotion or a rollback. Its
//!   [`Action`] is a shell command (`sh -c`, `GANTRY_*` variables, its
//!   whole process group killed at the timeout, output tail kept) or a
//!   webhook (Flagger's payload plus gantry's fields, 2xx is a success).
//!   [`run_hook`] never fails: every way a hook can go wrong is a
//!   [`HookOutcome`] with `success: false` and a one-line `detail`.
//! - [`AbortWebhook`] (Flagger's `rollback` hook) is polled every
//!   interval: 2xx aborts, 4xx carries on, anything else is a provider
//!   error.
//! - [`ConfirmWebhook`] (Flagger's `confirm-rollout`/`confirm-promotion`)
//!   waits for a 2xx answer.
//! - [`HookContext`] is what they are told about the canary; see
//!   [`context`] for the variables and the payload.
//!
//! Every `validate` runs before the analysis starts (bad input, exit 2).
//! Header values are never printed; each hook's `secrets` lists what the
//! printer must mask. Commands and webhooks run through gantry-traffic's
//! [`gantry_traffic::exec`] and [`gantry_traffic::post`], the same runners
//! as the command and webhook traffic shifters (this crate depends on
//! gantry-traffic, not the other way round).

pub mod context;
mod error;
mod gate;
mod hook;

pub use context::HookContext;
pub use error::HookError;
pub use gate::{AbortPoll, AbortWebhook, ConfirmWebhook, Confirmation, DEFAULT_WEBHOOK_TIMEOUT};
pub use hook::{Action, DEFAULT_HOOK_TIMEOUT, Hook, HookOutcome, Phase, run_hook};
