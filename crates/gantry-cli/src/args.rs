use crate::env_vars;
use gantry_runner::{ColorChoice, OutputFormat};

/// Flags every gantry binary takes.
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalArgs {
    /// How to print the result: `human` for people, `json` for programs.
    #[arg(long, global = true, value_enum, default_value_t = FormatArg::Human, env = env_vars::GANTRY_FORMAT)]
    pub format: FormatArg,

    /// When to colour the output. `auto` colours a terminal unless NO_COLOR
    /// is set.
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto, env = env_vars::GANTRY_COLOR)]
    pub color: ColorArg,

    /// Diagnostics to log on stderr, in `tracing` filter syntax (`info`,
    /// `debug`, `gantry_image=trace`). Defaults to `warn`, or `debug` when the
    /// workflow runs with debug logging (RUNNER_DEBUG=1).
    #[arg(long, global = true, value_name = "FILTER", env = env_vars::GANTRY_LOG)]
    pub log_level: Option<String>,
}

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// Text for people.
    Human,
    /// One JSON document on stdout.
    Json,
}

impl From<FormatArg> for OutputFormat {
    fn from(arg: FormatArg) -> Self {
        match arg {
            FormatArg::Human => OutputFormat::Human,
            FormatArg::Json => OutputFormat::Json,
        }
    }
}

/// `--color` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorArg {
    /// Colour when writing to a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl From<ColorArg> for ColorChoice {
    fn from(arg: ColorArg) -> Self {
        match arg {
            ColorArg::Auto => ColorChoice::Auto,
            ColorArg::Always => ColorChoice::Always,
            ColorArg::Never => ColorChoice::Never,
        }
    }
}
