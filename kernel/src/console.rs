//! The serial console and the kernel log. COM1 is the console: guest output and, by default,
//! the log. With `logport=com3` on the command line the log moves to COM3 so that COM1 (guest
//! stdout) and COM2 (guest stderr) carry only guest bytes — the `run` mode of the boot tool
//! relies on that. Bytes received on COM1 are queued by the interrupt handler in a ring
//! buffer until a reader takes them.

use core::fmt::{self, Write};
use core::sync::atomic::{AtomicBool, AtomicU16, Ordering};

use drivers::serial::{COM_PORTS, Serial, emergency_write};
use kcore::ring::RingBuffer;
use log::{LevelFilter, Metadata, Record};
use spin::Mutex;

use crate::arch::without_interrupts;
use crate::memory::MemoryReport;

static COM1: Mutex<Option<Serial>> = Mutex::new(None);
static COM2: Mutex<Option<Serial>> = Mutex::new(None);
static COM3: Mutex<Option<Serial>> = Mutex::new(None);
/// COM4 carries `run --dir` directories back to the host at the end (see `init`).
static COM4: Mutex<Option<Serial>> = Mutex::new(None);
static RX: Mutex<RingBuffer<4096>> = Mutex::new(RingBuffer::new());
static LOG_ON_COM3: AtomicBool = AtomicBool::new(false);
static LOG_BASE: AtomicU16 = AtomicU16::new(COM_PORTS[0]);

/// Written to COM1 before any guest output in `run` mode (an OSC sequence no terminal
/// acts on); the boot tool discards everything up to and including it.
pub const STDOUT_START_MARKER: &[u8] = b"\x1b]wasmkernel;stdout\x07";

/// Which serial stream a write goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// COM1: the console, guest stdout.
    Console,
    /// COM2 when present (guest stderr in `run` mode), else the console.
    Error,
}

/// Initialises COM1 (with receive interrupts) and, when present, COM2 and COM3.
pub fn init() {
    let mut com1 = Serial::console(1, |b| {
        RX.lock().push(b);
    });
    if let Some(port) = com1.as_mut() {
        port.enable_rx_interrupt();
    }
    *COM1.lock() = com1;
    *COM2.lock() = Serial::com(2);
    *COM3.lock() = Serial::com(3);
}

/// Sends bytes on COM4 (opened on first use): the write-back stream of `run --dir`.
pub fn write_export(bytes: &[u8]) {
    let mut port = COM4.lock();
    if port.is_none() {
        *port = Serial::com(4);
    }
    if let Some(p) = port.as_mut() {
        p.write(bytes);
    }
}

/// Sends the log (and emergency reports) to COM3 when it exists.
pub fn route_log_to_com3() {
    if COM3.lock().is_some() {
        LOG_ON_COM3.store(true, Ordering::Relaxed);
        LOG_BASE.store(COM_PORTS[2], Ordering::Relaxed);
    }
}

/// Bytes written to a port with interrupts off: between pieces the timer and the serial
/// receive interrupt get their turn (a long write once held them off for seconds).
const WRITE_PIECE: usize = 256;

fn write_port(port: &Mutex<Option<Serial>>, bytes: &[u8]) -> bool {
    let write = |piece: &[u8]| {
        without_interrupts(|| match port.lock().as_mut() {
            Some(p) => {
                p.write(piece);
                true
            }
            None => false,
        })
    };
    if bytes.is_empty() {
        return write(bytes);
    }
    bytes.chunks(WRITE_PIECE).all(write)
}

/// Writes raw bytes to `stream`.
pub fn write(stream: Stream, bytes: &[u8]) {
    if stream == Stream::Error && write_port(&COM2, bytes) {
        return;
    }
    write_port(&COM1, bytes);
}

/// Writes raw bytes to the kernel log port.
pub fn write_log(bytes: &[u8]) {
    if LOG_ON_COM3.load(Ordering::Relaxed) && write_port(&COM3, bytes) {
        return;
    }
    write_port(&COM1, bytes);
}

/// Called by the COM1/COM3 interrupt: moves waiting bytes into the receive queue while it
/// has room. Bytes it leaves in the UART hold QEMU's further input back (its serial
/// device takes no more than the FIFO holds), so piped input is never dropped.
pub fn on_receive_interrupt() {
    if let Some(port) = COM1.lock().as_mut() {
        let mut rx = RX.lock();
        while !rx.is_full() {
            match port.try_read() {
                Some(b) => {
                    rx.push(b);
                }
                None => break,
            }
        }
    }
}

/// Takes up to `buf.len()` received bytes. Then refills the queue from the UART: bytes left
/// there while the queue was full raise no further interrupt.
pub fn read_received(buf: &mut [u8]) -> usize {
    without_interrupts(|| {
        let n = RX.lock().pop_into(buf);
        on_receive_interrupt();
        n
    })
}

/// A report that must get out even if the console lock is held (panic, CPU exception):
/// written to the log port directly, without locks or allocation.
pub fn emergency(args: fmt::Arguments<'_>) {
    struct Raw(u16);
    impl Write for Raw {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            emergency_write(self.0, s.as_bytes());
            Ok(())
        }
    }
    let _ = Raw(LOG_BASE.load(Ordering::Relaxed)).write_fmt(args);
}

/// A `fmt::Write` over the log port, for building a line without allocating.
struct LineBuf {
    buf: [u8; 512],
    len: usize,
}

impl Write for LineBuf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &b in s.as_bytes() {
            if self.len == self.buf.len() {
                write_log(&self.buf);
                self.len = 0;
            }
            self.buf[self.len] = b;
            self.len += 1;
        }
        Ok(())
    }
}

struct KernelLogger;

impl log::Log for KernelLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        // The archive reader warns about every entry type it does not yield as a file
        // (directories, symlinks), which the rootfs unpacker handles itself.
        if metadata.target().starts_with("tar_no_std") {
            return metadata.level() <= log::Level::Error;
        }
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let ns = crate::time::monotonic_ns();
        let mut line = LineBuf {
            buf: [0; 512],
            len: 0,
        };
        // \r\n: the console may be a raw terminal (interactive image).
        let _ = write!(
            line,
            "[{:>5}.{:06}] {:<5} {}: {}\r\n",
            ns / 1_000_000_000,
            (ns % 1_000_000_000) / 1000,
            record.level(),
            record.target(),
            record.args()
        );
        write_log(&line.buf[..line.len]);
    }

    fn flush(&self) {}
}

static LOGGER: KernelLogger = KernelLogger;

/// Installs the logger at `level` ("off", "error", "warn", "info", "debug", "trace";
/// default info).
pub fn init_logger(level: Option<&str>) {
    let filter = level
        .and_then(|l| l.parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::Info);
    // A second call (there is none) would leave the first logger in place.
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(filter);
}

/// The boot banner: version, memory, and how long each boot phase took.
pub fn banner(loader: &str, mem: &MemoryReport, phases: &[(&str, u64, u64)]) {
    log::info!(
        "wasmkernel {} booting (loaded by {loader})",
        env!("CARGO_PKG_VERSION")
    );
    log::info!(
        "memory: {} MiB usable, heap {} MiB at {:#x}, {} KiB in free frames",
        mem.usable_bytes >> 20,
        mem.heap_bytes >> 20,
        mem.heap_start,
        mem.free_frame_bytes >> 10
    );
    let clock = crate::time::tsc();
    for (name, from, to) in phases {
        let us = clock.ns(*to).saturating_sub(clock.ns(*from)) / 1000;
        log::info!("boot phase {name}: {us} us");
    }
    log::info!(
        "clock: TSC {} MHz, timer {} Hz, wall clock {} (unix {})",
        clock.hz() / 1_000_000,
        crate::time::tick_hz(),
        crate::time::boot_datetime(),
        crate::time::boot_unix_seconds()
    );
}
