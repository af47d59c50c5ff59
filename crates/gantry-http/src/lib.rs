//! What every gantry call to an HTTP service shares, so that a service
//! that floods is stopped at the same cap with the same words everywhere,
//! and no printed URL carries a credential.
//!
//! - [`read_capped`]: read a response body up to a cap; more is an error
//!   naming the cap, never an allocation that grows until the process dies.
//! - [`display_url`]: a URL as it may be printed: user name and password
//!   replaced by `***` (a token given as the user name is a secret too).

mod body;
mod url_display;

pub use body::{BodyError, read_capped};
pub use url_display::{display_url, display_url_str, url_credentials};
