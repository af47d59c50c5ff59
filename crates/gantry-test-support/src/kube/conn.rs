//! One client connection, plain or TLS: the same port answers both, told
//! apart by the first byte (a TLS record starts with 0x16, an HTTP
//! request with a letter).

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use rustls::{ServerConfig, ServerConnection, StreamOwned};

/// A connection's byte stream.
#[derive(Debug)]
pub(crate) enum Conn {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ServerConnection, TcpStream>>),
}

/// The TLS handshake record type.
const HANDSHAKE: u8 = 0x16;

impl Conn {
    /// Wrap `stream`, whose first byte is `first`.
    pub(crate) fn new(stream: TcpStream, first: u8, tls: &Arc<ServerConfig>) -> io::Result<Conn> {
        if first == HANDSHAKE {
            let server = ServerConnection::new(Arc::clone(tls)).map_err(io::Error::other)?;
            Ok(Conn::Tls(Box::new(StreamOwned::new(server, stream))))
        } else {
            Ok(Conn::Plain(stream))
        }
    }

    fn tcp(&self) -> &TcpStream {
        match self {
            Conn::Plain(s) => s,
            Conn::Tls(s) => &s.sock,
        }
    }

    /// The socket's read timeout.
    pub(crate) fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.tcp().set_read_timeout(timeout)
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf),
            Conn::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.write(buf),
            Conn::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            Conn::Tls(s) => s.flush(),
        }
    }
}

/// Whether a read timed out (rather than failed).
pub(crate) fn timed_out(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

/// Wait up to `wait` for bytes: `Ok(true)` when some are buffered,
/// `Ok(false)` when none came in time, `Err` when the peer closed the
/// connection or it failed. Nothing is consumed.
pub(crate) fn poll_readable(reader: &mut BufReader<Conn>, wait: Duration) -> io::Result<bool> {
    if !reader.buffer().is_empty() {
        return Ok(true);
    }
    reader.get_ref().set_read_timeout(Some(wait))?;
    match reader.fill_buf() {
        Ok([]) => Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "peer closed the connection",
        )),
        Ok(_) => Ok(true),
        Err(e) if timed_out(&e) => Ok(false),
        Err(e) => Err(e),
    }
}
