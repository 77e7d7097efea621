#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]
//! An in-memory embedded-io stream for the tests: blocking and async.

use embedded_io::{ErrorKind, ErrorType, Read, Write};

/// A stream that replays `input` in reads of the given sizes (cycled; a size is capped by the
/// reader's buffer), records what is written, and fails with `reset` once input runs out if
/// set.
pub struct Pipe<'a> {
    pub input: &'a [u8],
    pub splits: &'a [usize],
    pub next: usize,
    pub written: Vec<u8>,
    pub reset: bool,
}

impl<'a> Pipe<'a> {
    pub fn new(input: &'a [u8], splits: &'a [usize]) -> Self {
        Pipe {
            input,
            splits,
            next: 0,
            written: Vec::new(),
            reset: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reset;

impl core::fmt::Display for Reset {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("connection reset")
    }
}

impl core::error::Error for Reset {}

impl embedded_io::Error for Reset {
    fn kind(&self) -> ErrorKind {
        ErrorKind::ConnectionReset
    }
}

impl ErrorType for Pipe<'_> {
    type Error = Reset;
}

impl Read for Pipe<'_> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Reset> {
        if self.input.is_empty() && self.reset {
            return Err(Reset);
        }
        let want = if self.splits.is_empty() {
            usize::MAX
        } else {
            self.splits[self.next % self.splits.len()].max(1)
        };
        self.next += 1;
        let n = want.min(buf.len()).min(self.input.len());
        buf[..n].copy_from_slice(&self.input[..n]);
        self.input = &self.input[n..];
        Ok(n)
    }
}

impl Write for Pipe<'_> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Reset> {
        self.written.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), Reset> {
        Ok(())
    }
}

impl embedded_io_async::Read for Pipe<'_> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Reset> {
        Read::read(self, buf)
    }
}

impl embedded_io_async::Write for Pipe<'_> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Reset> {
        Write::write(self, buf)
    }

    async fn flush(&mut self) -> Result<(), Reset> {
        Ok(())
    }
}
