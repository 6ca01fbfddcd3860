//! Everything the command line writes, and how it ends.
//!
//! Output is assembled in a [`Text`] and written to stdout in one go by [`print`]. Nothing here
//! panics: a reader that went away (`wallet-auth inspect TOKEN | head -1`) ends the command
//! quietly ([`Failure::StdoutClosed`]), any other write error is one line on stderr, and messages
//! for stderr are dropped when stderr itself is closed.

use std::fmt::Display;
use std::io::{ErrorKind, Write as _};
use std::process::ExitCode;

use serde_json::Value;

/// Why a command did not succeed.
pub(crate) enum Failure {
    /// The token was refused, or could not be verified (exit 1).
    Refused(String),
    /// Bad usage or configuration (exit 2).
    Usage(String),
    /// The reader of stdout went away (a closed pipe): stop quietly. Only success paths write to
    /// stdout, so the exit status is the command's own: 0.
    StdoutClosed,
    /// stdout could not be written for another reason (a full disk, …): exit 2.
    Output(String),
}

/// A usage or configuration error (exit 2).
pub(crate) fn usage(message: impl Display) -> Failure {
    Failure::Usage(message.to_string())
}

/// A refusal (exit 1).
pub(crate) fn refused(message: impl Display) -> Failure {
    Failure::Refused(message.to_string())
}

/// The exit status of a command's result; failures are one line on stderr.
pub(crate) fn exit(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) | Err(Failure::StdoutClosed) => ExitCode::SUCCESS,
        Err(Failure::Refused(message)) => {
            warn(format_args!("error: {}", one_line(&message)));
            ExitCode::from(1)
        }
        Err(Failure::Usage(message)) => {
            warn(format_args!("error: {}", one_line(&message)));
            ExitCode::from(2)
        }
        Err(Failure::Output(message)) => {
            warn(format_args!(
                "error: cannot write to stdout: {}",
                one_line(&message)
            ));
            ExitCode::from(2)
        }
    }
}

fn one_line(message: &str) -> String {
    message.replace(['\n', '\r'], " ")
}

/// One line on stderr. When stderr is closed there is nowhere to say so: the line is dropped.
pub(crate) fn warn(line: impl Display) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

/// Text for stdout, assembled line by line.
#[derive(Default)]
pub(crate) struct Text(String);

impl Text {
    /// Append `line` and a newline.
    pub(crate) fn line(&mut self, line: impl Display) {
        self.0.push_str(&line.to_string());
        self.0.push('\n');
    }

    /// Append an empty line.
    pub(crate) fn blank(&mut self) {
        self.0.push('\n');
    }

    /// Append `value` as pretty-printed JSON and a newline.
    pub(crate) fn json(&mut self, value: &Value) {
        self.line(serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string()));
    }

    /// Write everything to stdout.
    pub(crate) fn print(&self) -> Result<(), Failure> {
        print(&self.0)
    }
}

/// Write `text` to stdout and flush. A closed pipe is [`Failure::StdoutClosed`], never a panic.
pub(crate) fn print(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Err(Failure::StdoutClosed),
        Err(e) => Err(Failure::Output(e.to_string())),
    }
}

/// `value` as pretty-printed JSON on stdout.
pub(crate) fn print_json(value: &Value) -> Result<(), Failure> {
    let mut text = Text::default();
    text.json(value);
    text.print()
}
