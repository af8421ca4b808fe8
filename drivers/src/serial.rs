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
}

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
        Some(Self { uart })
    }

    /// Sends every byte, waiting for FIFO room as needed.
    pub fn write(&mut self, bytes: &[u8]) {
        self.uart.send_bytes_exact(bytes);
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
    use x86_64::instructions::port::Port;
    let mut data = Port::<u8>::new(base);
    let mut lsr = Port::<u8>::new(base + 5);
    for &b in bytes {
        // SAFETY: `base` names a UART the console already initialised; polling LSR and
        // writing THR are side-effect-free apart from sending the byte.
        unsafe {
            let mut spins = 0u32;
            while lsr.read() & 0x20 == 0 && spins < 100_000 {
                spins += 1;
                core::hint::spin_loop();
            }
            data.write(b);
        }
    }
}

/// Reads every byte already waiting in the UART at `base` (before it is initialised,
/// which resets its FIFO), handing each to `sink`: keys typed during boot are kept.
pub fn drain_before_init(base: u16, mut sink: impl FnMut(u8)) {
    use x86_64::instructions::port::Port;
    let mut data = Port::<u8>::new(base);
    let mut lsr = Port::<u8>::new(base + 5);
    // SAFETY: standard UART registers; reading LSR and RBR has no effect beyond taking the
    // received byte. The bound stops a floating (absent) port from spinning forever.
    unsafe {
        for _ in 0..64 {
            let status = lsr.read();
            if status == 0xff || status & 1 == 0 {
                break;
            }
            sink(data.read());
        }
    }
}
