//! 16550 UART serial ports (COM1–COM4) through `uart_16550`'s port-I/O backend. COM1 is the
//! console; the `run` mode of the boot tool also attaches COM2 (guest stderr) and COM3
//! (kernel log) so the host can separate the streams byte-exactly.

use uart_16550::backend::PioBackend;
use uart_16550::spec::registers::IER;
use uart_16550::{BaudRate, Config, Uart16550};

/// Standard I/O base ports of COM1..COM4.
pub const COM_PORTS: [u16; 4] = [0x3f8, 0x2f8, 0x3e8, 0x2e8];

/// One initialised UART.
pub struct Serial {
    uart: Uart16550<PioBackend>,
    /// Set up by [`Serial::console`]: sends through [`Serial::fifo_write`] instead of the
    /// crate, which only knows about FIFOs it enabled itself.
    own_fifo: Option<bool>,
}

/// Register offsets from the port base.
const DATA: u16 = 0;
const IER_REG: u16 = 1;
const FCR: u16 = 2;
const LCR: u16 = 3;
const MCR: u16 = 4;
const LSR: u16 = 5;
/// LSR bits: received data ready, transmit holding register empty.
const LSR_DATA_READY: u8 = 0x01;
const LSR_THR_EMPTY: u8 = 0x20;
/// Bytes the transmit FIFO takes at once.
const TX_FIFO: usize = 16;

impl Serial {
    /// Probes and initialises COM`n` (1-based) at 115200 8N1 with FIFOs; `None` when there
    /// is no such port or it does not answer.
    pub fn com(n: usize) -> Option<Self> {
        let base = *COM_PORTS.get(n.checked_sub(1)?)?;
        // SAFETY: `base` is one of the four standard COM port bases, which on a PC belong to
        // the UARTs; the kernel creates each port once and keeps it behind a lock.
        let mut uart = unsafe { Uart16550::new_port(base) }.ok()?;
        let config = Config {
            baud_rate: BaudRate::Baud115200,
            ..Config::default()
        };
        uart.init(config).ok()?;
        Some(Self {
            uart,
            own_fifo: None,
        })
    }

    /// COM`n` as the console: set up like [`Serial::com`] (115200 8N1) but without
    /// losing what was typed before the kernel ran. The crate's `init` resets the receive
    /// FIFO and then discards whatever is still arriving ("stale data", as Linux does), so
    /// keys typed during boot — or piped into QEMU's stdin before it started — vanished.
    /// Here every waiting byte goes to `sink` and the FIFO setting is left as it was found
    /// (see below), so nothing is dropped.
    pub fn console(n: usize, mut sink: impl FnMut(u8)) -> Option<Self> {
        use x86_64::instructions::port::Port;
        let base = *COM_PORTS.get(n.checked_sub(1)?)?;
        // SAFETY: as in `com`: a standard COM port base, created once, kept behind a lock.
        let mut uart = unsafe { Uart16550::new_port(base) }.ok()?;
        if !uart.check_present() {
            return None;
        }
        let reg = |off: u16| Port::<u8>::new(base + off);
        // SAFETY: standard 16550 registers of a port that answered the presence check;
        // nothing else drives this UART yet.
        let fifo = unsafe {
            reg(IER_REG).write(0);
            // Divisor 1 (115200 baud), then 8 data bits, no parity, 1 stop bit.
            reg(LCR).write(0x80);
            reg(DATA).write(1);
            reg(IER_REG).write(0);
            reg(LCR).write(0x03);
            // DTR, RTS, OUT2 (routes the interrupt line).
            reg(MCR).write(0x0b);
            // IIR bits 6-7 read 11 when the FIFOs are on (firmware such as OVMF may have
            // enabled them). Then they stay on: FCR with no reset bits flushes nothing.
            // When they are off they stay off: turning them on empties the receiver, and a
            // byte arriving just before that write is lost (seen under load in CI). Without
            // FIFOs the UART holds one byte and QEMU holds the rest back until it is read.
            let fifo = reg(FCR).read() & 0xc0 == 0xc0;
            if fifo {
                reg(FCR).write(0x01);
            }
            drain(base, &mut sink);
            fifo
        };
        Some(Self {
            uart,
            own_fifo: Some(fifo),
        })
    }

    /// Sends every byte, waiting for FIFO room as needed.
    pub fn write(&mut self, bytes: &[u8]) {
        match self.own_fifo {
            Some(fifo) => self.fifo_write(bytes, if fifo { TX_FIFO } else { 1 }),
            None => self.uart.send_bytes_exact(bytes),
        }
    }

    /// Writes `bytes` in chunks of `chunk`, each once the transmitter is empty.
    fn fifo_write(&mut self, bytes: &[u8], chunk: usize) {
        poll_write(self.base(), bytes, chunk, None);
    }

    fn base(&self) -> u16 {
        self.uart.backend().base()
    }

    /// Raises IRQ 4 (COM1/COM3) or 3 (COM2/COM4) whenever a byte arrives.
    pub fn enable_rx_interrupt(&mut self) {
        self.uart.enable_interrupts(IER::DATA_READY);
    }

    /// The next received byte, if one is waiting.
    pub fn try_read(&mut self) -> Option<u8> {
        self.uart.try_receive_byte().ok()
    }
}

/// Writes `bytes` straight to the UART at `base`, polling the transmit-holding-register-empty
/// bit, with no lock and no initialisation. For panic and exception reports only, where the
/// normal console lock may be held by the code that faulted.
pub fn emergency_write(base: u16, bytes: &[u8]) {
    poll_write(base, bytes, 1, Some(100_000));
}

/// Writes `bytes` to the UART at `base` in chunks of `chunk`, each once LSR reports the
/// transmitter empty — or, with a `spin_limit`, after that many polls regardless (a report
/// must come out even from a wedged port).
fn poll_write(base: u16, bytes: &[u8], chunk: usize, spin_limit: Option<u32>) {
    use x86_64::instructions::port::Port;
    let mut data = Port::<u8>::new(base + DATA);
    let mut lsr = Port::<u8>::new(base + LSR);
    for part in bytes.chunks(chunk) {
        // SAFETY: `base` names a UART the console already initialised; polling LSR and
        // writing THR have no effect beyond sending the bytes.
        unsafe {
            let mut spins = 0u32;
            while lsr.read() & LSR_THR_EMPTY == 0 && spin_limit.is_none_or(|limit| spins < limit) {
                spins = spins.wrapping_add(1);
                core::hint::spin_loop();
            }
            for &b in part {
                data.write(b);
            }
        }
    }
}

/// Reads every byte waiting in the UART at `base`, handing each to `sink`.
fn drain(base: u16, sink: &mut impl FnMut(u8)) {
    use x86_64::instructions::port::Port;
    let mut data = Port::<u8>::new(base + DATA);
    let mut lsr = Port::<u8>::new(base + LSR);
    // SAFETY: standard UART registers; reading LSR and RBR has no effect beyond taking the
    // received byte. The bound stops a floating (absent) port from spinning forever.
    unsafe {
        for _ in 0..64 {
            let status = lsr.read();
            if status == 0xff || status & LSR_DATA_READY == 0 {
                break;
            }
            sink(data.read());
        }
    }
}
