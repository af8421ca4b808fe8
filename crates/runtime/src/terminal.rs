//! The console's line discipline. In canonical mode (`line_buffered`) typed bytes are
//! edited into a line — backspace, ^U (kill line), ^W (erase word) — echoed back, and
//! handed to readers a whole line at a time; ^C, ^\ and ^Z raise SIGINT / SIGQUIT /
//! SIGTSTP (the caller picks whom: `System::pump_console`), ^D on an
//! empty line is end-of-file. In raw mode bytes pass straight through. UTF-8 passes
//! through untouched (backspace removes a whole character). Output gets `\n` → `\r\n`
//! when `line_feeds` is set. Pure logic: the caller moves bytes in and out.
//!
//! When the console's input is a script rather than a person (the boot tool types a piped
//! stdin and turns its end into ^D), [`Terminal::hang_up_on_eof`] makes that end final:
//! like a hung-up terminal, every later read gets end-of-file, so the shell and whatever
//! else reads the console all stop instead of waiting for ever.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use crate::types::Tty;
use abi::wasix::signal;

/// Most bytes held for readers before further input is dropped (like a full tty queue).
const MAX_QUEUED: usize = 64 * 1024;

/// Buffers of the console terminal.
#[derive(Debug, Default)]
pub struct Terminal {
    line: Vec<u8>,
    cooked: VecDeque<u8>,
    /// Where each queued canonical line ends, counted in bytes ever queued: a read returns
    /// at most one line, as a tty in canonical mode does (a shell that reads a buffer at a
    /// time must not take the lines typed for the program it starts next).
    ends: VecDeque<u64>,
    /// Bytes ever queued into / taken from `cooked`.
    queued: u64,
    taken: u64,
    eof: bool,
    /// ^D on an empty line hangs the terminal up (see the module comment).
    hangup_on_eof: bool,
    hung_up: bool,
}

impl Terminal {
    /// Makes the next end-of-file (^D on an empty line) final.
    pub fn hang_up_on_eof(&mut self) {
        self.hangup_on_eof = true;
    }

    /// How many more typed bytes can be taken now: the caller leaves the rest where it
    /// is (in the UART, holding the sender back) rather than have them dropped.
    pub fn room(&self) -> usize {
        if self.hung_up {
            // Nothing will read it; take and drop it so the sender is never stuck.
            return usize::MAX;
        }
        let held = self.cooked.len() + self.line.len();
        if held >= MAX_QUEUED && self.cooked.is_empty() {
            // One line longer than the queue: the rest of it is dropped, as a full tty
            // drops it, or the sender would wait for ever.
            return 256;
        }
        MAX_QUEUED.saturating_sub(held)
    }

    /// Processes typed bytes under `tty`: appends echo to `echo` and signals to `signals`.
    pub fn feed(&mut self, tty: &Tty, input: &[u8], echo: &mut Vec<u8>, signals: &mut Vec<u8>) {
        for &b in input {
            if self.hung_up {
                return;
            }
            if !tty.line_buffered {
                self.queue(&[b]);
                if tty.echo {
                    echo.push(b);
                }
                continue;
            }
            match b {
                0x03 | 0x1c | 0x1a => {
                    self.line.clear();
                    let (sig, shown): (u8, &[u8]) = match b {
                        0x03 => (signal::INT, b"^C\r\n"),
                        0x1c => (signal::QUIT, b"^\\\r\n"),
                        _ => (signal::TSTP, b"^Z\r\n"),
                    };
                    signals.push(sig);
                    if tty.echo {
                        echo.extend_from_slice(shown);
                    }
                }
                0x04 => {
                    if self.line.is_empty() {
                        self.eof = true;
                        self.hung_up |= self.hangup_on_eof;
                    } else {
                        let line = core::mem::take(&mut self.line);
                        self.queue_line(&line);
                    }
                }
                b'\r' | b'\n' => {
                    let mut line = core::mem::take(&mut self.line);
                    line.push(b'\n');
                    self.queue_line(&line);
                    if tty.echo {
                        echo.extend_from_slice(b"\r\n");
                    }
                }
                0x7f | 0x08 => {
                    if self.erase_char() && tty.echo {
                        echo.extend_from_slice(b"\x08 \x08");
                    }
                }
                0x15 => {
                    while self.erase_char() {
                        if tty.echo {
                            echo.extend_from_slice(b"\x08 \x08");
                        }
                    }
                }
                0x17 => {
                    while self.line.last() == Some(&b' ') && self.erase_char() {
                        if tty.echo {
                            echo.extend_from_slice(b"\x08 \x08");
                        }
                    }
                    while self.line.last().is_some_and(|&c| c != b' ') && self.erase_char() {
                        if tty.echo {
                            echo.extend_from_slice(b"\x08 \x08");
                        }
                    }
                }
                _ => {
                    if self.line.len() < MAX_QUEUED {
                        self.line.push(b);
                        if tty.echo {
                            echo.push(b);
                        }
                    }
                }
            }
        }
    }

    /// Removes the last character (all bytes of a UTF-8 sequence); false if none.
    fn erase_char(&mut self) -> bool {
        let Some(mut last) = self.line.pop() else {
            return false;
        };
        while last & 0xc0 == 0x80 {
            match self.line.pop() {
                Some(b) => last = b,
                None => break,
            }
        }
        true
    }

    fn queue(&mut self, bytes: &[u8]) {
        let room = MAX_QUEUED.saturating_sub(self.cooked.len());
        let n = bytes.len().min(room);
        self.cooked.extend(&bytes[..n]);
        self.queued += n as u64;
    }

    /// Queues a whole canonical line, which a read hands over on its own.
    fn queue_line(&mut self, bytes: &[u8]) {
        self.queue(bytes);
        if self.ends.back() != Some(&self.queued) {
            self.ends.push_back(self.queued);
        }
    }

    /// True when a read would not block (data or end-of-file waiting).
    pub fn readable(&self) -> bool {
        !self.cooked.is_empty() || self.eof
    }

    /// Takes waiting bytes: `Some(n)` (0 = end-of-file), `None` when a read must wait.
    pub fn read(&mut self, buf: &mut [u8]) -> Option<usize> {
        if !self.cooked.is_empty() {
            let mut n = buf.len().min(self.cooked.len());
            if let Some(&end) = self.ends.front() {
                n = n.min(usize::try_from(end - self.taken).unwrap_or(usize::MAX));
            }
            for (dst, src) in buf.iter_mut().zip(self.cooked.drain(..n)) {
                *dst = src;
            }
            self.taken += n as u64;
            while self.ends.front().is_some_and(|&e| e <= self.taken) {
                self.ends.pop_front();
            }
            return Some(n);
        }
        if self.eof {
            self.eof = self.hung_up;
            return Some(0);
        }
        None
    }
}

/// Output processing: hands `data` to `emit`, with `\n` made `\r\n` when
/// `tty.line_feeds` is set. Translated output goes out in pieces through a small buffer
/// on the stack: a write may be 16 MiB, and its copy must not come from the heap.
pub fn translate(tty: &Tty, data: &[u8], mut emit: impl FnMut(&[u8])) {
    if !tty.line_feeds || !data.contains(&b'\n') {
        emit(data);
        return;
    }
    let mut buf = [0u8; 512];
    let mut n = 0;
    for &b in data {
        if n + 2 > buf.len() {
            emit(&buf[..n]);
            n = 0;
        }
        if b == b'\n' {
            buf[n] = b'\r';
            n += 1;
        }
        buf[n] = b;
        n += 1;
    }
    emit(&buf[..n]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cooked() -> Tty {
        Tty {
            echo: true,
            line_buffered: true,
            line_feeds: true,
            ..Tty::default()
        }
    }

    fn feed(t: &mut Terminal, tty: &Tty, s: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let (mut echo, mut sigs) = (Vec::new(), Vec::new());
        t.feed(tty, s, &mut echo, &mut sigs);
        (echo, sigs)
    }

    fn read_all(t: &mut Terminal) -> Vec<u8> {
        let mut buf = [0u8; 256];
        let n = t.read(&mut buf).unwrap_or(0);
        buf[..n].to_vec()
    }

    #[test]
    fn a_read_returns_at_most_one_line_in_canonical_mode_and_all_in_raw() {
        let (tty, mut t) = (cooked(), Terminal::default());
        feed(&mut t, &tty, b"exit 4\necho rc\npart\x04\n");
        let mut small = [0u8; 3];
        assert_eq!(t.read(&mut small), Some(3));
        assert_eq!(&small, b"exi");
        assert_eq!(read_all(&mut t), b"t 4\n");
        assert_eq!(read_all(&mut t), b"echo rc\n");
        assert_eq!(
            read_all(&mut t),
            b"part",
            "^D ends a line without a newline"
        );
        assert_eq!(read_all(&mut t), b"\n");
        assert!(!t.readable());
        let raw = Tty {
            line_buffered: false,
            ..cooked()
        };
        feed(&mut t, &raw, b"ab\ncd\n");
        assert_eq!(read_all(&mut t), b"ab\ncd\n");
    }

    #[test]
    fn lines_are_edited_and_echoed() {
        let (tty, mut t) = (cooked(), Terminal::default());
        let (echo, _) = feed(&mut t, &tty, b"helo\x7flo wor");
        assert_eq!(echo, b"helo\x08 \x08lo wor");
        assert!(!t.readable(), "nothing until the line ends");
        feed(&mut t, &tty, b"\x17world\r");
        assert_eq!(read_all(&mut t), b"hello world\n");
        feed(&mut t, &tty, b"junk\x15ok\n");
        assert_eq!(read_all(&mut t), b"ok\n");
    }

    #[test]
    fn control_keys_signal_and_end_input() {
        let (tty, mut t) = (cooked(), Terminal::default());
        let (echo, sigs) = feed(&mut t, &tty, b"half\x03");
        assert_eq!(sigs, [signal::INT]);
        assert!(echo.ends_with(b"^C\r\n"));
        let (_, sigs) = feed(&mut t, &tty, b"\x1c");
        assert_eq!(sigs, [signal::QUIT]);
        let (echo, sigs) = feed(&mut t, &tty, b"typed\x1a");
        assert_eq!(
            (echo.ends_with(b"^Z\r\n"), sigs),
            (true, vec![signal::TSTP])
        );
        assert!(!t.readable(), "^Z drops the line");
        feed(&mut t, &tty, b"abc\x04");
        assert_eq!(read_all(&mut t), b"abc");
        feed(&mut t, &tty, b"\x04");
        let mut buf = [0u8; 8];
        assert_eq!(t.read(&mut buf), Some(0));
        assert_eq!(t.read(&mut buf), None);
    }

    #[test]
    fn a_hung_up_terminal_reads_end_of_file_for_ever() {
        let (tty, mut t) = (cooked(), Terminal::default());
        t.hang_up_on_eof();
        feed(&mut t, &tty, b"ls\n\x04more\n");
        assert_eq!(read_all(&mut t), b"ls\n");
        let mut buf = [0u8; 8];
        for _ in 0..3 {
            assert_eq!(t.read(&mut buf), Some(0), "end-of-file stays");
            assert!(t.readable());
        }
        assert_eq!(t.room(), usize::MAX, "later input is taken and dropped");
    }

    #[test]
    fn room_shrinks_as_lines_queue() {
        let (tty, mut t) = (cooked(), Terminal::default());
        assert_eq!(t.room(), MAX_QUEUED);
        feed(&mut t, &tty, b"abc\n");
        assert_eq!(t.room(), MAX_QUEUED - 4);
    }

    #[test]
    fn utf8_passes_and_backspace_removes_a_character() {
        let (tty, mut t) = (cooked(), Terminal::default());
        feed(&mut t, &tty, "héé\x7f\n".as_bytes());
        assert_eq!(read_all(&mut t), "hé\n".as_bytes());
    }

    #[test]
    fn raw_mode_passes_bytes_and_output_translation() {
        let tty = Tty {
            echo: false,
            line_buffered: false,
            line_feeds: false,
            ..Tty::default()
        };
        let mut t = Terminal::default();
        let (echo, sigs) = feed(&mut t, &tty, b"a\x03\x7f");
        assert!(echo.is_empty() && sigs.is_empty());
        assert_eq!(read_all(&mut t), b"a\x03\x7f");
        let translated = |tty: &Tty, data: &[u8]| {
            let mut out = Vec::new();
            translate(tty, data, |piece| out.extend_from_slice(piece));
            out
        };
        assert_eq!(translated(&tty, b"x\n"), b"x\n");
        assert_eq!(translated(&cooked(), b"x\ny\n"), b"x\r\ny\r\n");
        // Across the stack buffer's pieces.
        let long = b"ab\n".repeat(1000);
        assert_eq!(translated(&cooked(), &long), b"ab\r\n".repeat(1000));
    }
}
