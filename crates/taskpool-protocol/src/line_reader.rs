use std::io;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

/// What [`LineReader::next_line`] read.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// One line, without its `\n` (or `\r\n`).
    Bytes(Vec<u8>),
    /// A line longer than the limit; it was read to its end and dropped.
    TooLong,
    /// The peer closed its side and no partial line is left.
    Eof,
}

/// Reads `\n`-terminated lines of at most `max_len` bytes, in bounded memory
/// whatever the peer sends: a longer line is skipped to its end and reported
/// as [`Line::TooLong`]. A last line without `\n` before the end of the
/// stream counts as a line.
///
/// It also gives access to the stream for writing, so that a session owns
/// one value. Both the control server and [`ControlClient`](crate::ControlClient)
/// read the protocol's lines with it.
///
/// ```
/// use taskpool_protocol::{Line, LineReader};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mut reader = LineReader::new(&b"status\r\n0123456789\n"[..], 8);
/// assert_eq!(reader.next_line().await.unwrap(), Line::Bytes(b"status".to_vec()));
/// assert_eq!(reader.next_line().await.unwrap(), Line::TooLong);
/// assert_eq!(reader.next_line().await.unwrap(), Line::Eof);
/// # }
/// ```
#[derive(Debug)]
pub struct LineReader<S> {
    stream: BufReader<S>,
    max_len: usize,
    /// The line read so far, when the previous call was cancelled mid-line.
    partial: Vec<u8>,
    /// Whether the current line has passed `max_len` and is being skipped.
    skipping: bool,
}

impl<S: AsyncRead + Unpin> LineReader<S> {
    /// A reader of lines of at most `max_len` bytes (not counting the line
    /// end) from `stream`.
    pub fn new(stream: S, max_len: usize) -> Self {
        LineReader { stream: BufReader::new(stream), max_len, partial: Vec::new(), skipping: false }
    }

    /// The stream, to write replies to (`BufReader` passes writes through).
    pub fn stream_mut(&mut self) -> &mut BufReader<S> {
        &mut self.stream
    }

    /// Reads the next line.
    ///
    /// # Errors
    ///
    /// The stream's errors.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: what was read of a line is kept in `self`, so a call
    /// dropped mid-line loses nothing; the next call goes on from there.
    pub async fn next_line(&mut self) -> io::Result<Line> {
        loop {
            let available = self.stream.fill_buf().await?;
            if available.is_empty() {
                if std::mem::take(&mut self.skipping) {
                    return Ok(Line::TooLong);
                }
                if self.partial.is_empty() {
                    return Ok(Line::Eof);
                }
                return Ok(Line::Bytes(std::mem::take(&mut self.partial)));
            }
            let (chunk, newline) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (&available[..i], true),
                None => (available, false),
            };
            let consumed = chunk.len() + usize::from(newline);
            if !self.skipping {
                if self.partial.len() + chunk.len() > self.max_len + 1 {
                    // +1 leaves room for the '\r' of a "\r\n" line of exactly max_len.
                    self.skipping = true;
                    self.partial = Vec::new();
                } else {
                    self.partial.extend_from_slice(chunk);
                }
            }
            self.stream.consume(consumed);
            if newline {
                if std::mem::take(&mut self.skipping) {
                    return Ok(Line::TooLong);
                }
                let mut line = std::mem::take(&mut self.partial);
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                if line.len() > self.max_len {
                    return Ok(Line::TooLong);
                }
                return Ok(Line::Bytes(line));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn lines(input: &[u8], max_len: usize) -> Vec<Line> {
        let mut reader = LineReader::new(input, max_len);
        let mut out = Vec::new();
        loop {
            let line = reader.next_line().await.unwrap();
            let eof = line == Line::Eof;
            out.push(line);
            if eof {
                return out;
            }
        }
    }

    fn bytes(s: &str) -> Line {
        Line::Bytes(s.as_bytes().to_vec())
    }

    #[tokio::test]
    async fn splits_lines_and_strips_cr() {
        assert_eq!(
            lines(b"a\r\nbc\n\nd", 8).await,
            [bytes("a"), bytes("bc"), bytes(""), bytes("d"), Line::Eof]
        );
    }

    #[tokio::test]
    async fn skips_long_lines_and_goes_on() {
        assert_eq!(
            lines(b"1234\n12345\nok\n", 4).await,
            [bytes("1234"), Line::TooLong, bytes("ok"), Line::Eof]
        );
        assert_eq!(lines(b"1234\r\n", 4).await, [bytes("1234"), Line::Eof]);
        assert_eq!(lines(b"12345\r\n", 4).await, [Line::TooLong, Line::Eof]);
        assert_eq!(lines(b"123456789", 4).await, [Line::TooLong, Line::Eof]);
    }

    #[tokio::test]
    async fn long_lines_across_many_reads_use_bounded_memory() {
        // A small BufReader capacity is not settable here, so feed a duplex
        // pipe in pieces instead.
        let (mut tx, rx) = tokio::io::duplex(16);
        let writer = tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            for _ in 0..1000 {
                tx.write_all(b"xxxxxxxxxxxxxxxx").await.unwrap();
            }
            tx.write_all(b"\nafter\n").await.unwrap();
        });
        let mut reader = LineReader::new(rx, 100);
        assert_eq!(reader.next_line().await.unwrap(), Line::TooLong);
        assert!(reader.partial.capacity() <= 200, "kept {} bytes", reader.partial.capacity());
        assert_eq!(reader.next_line().await.unwrap(), bytes("after"));
        writer.await.unwrap();
    }
}
