//! The kernel's implementation of the runtime's `Platform`: TSC/RTC clocks, RDRAND or a
//! seeded ChaCha20 for randomness, the serial ports for console streams, and `hlt` for idling.

use runtime::files::Stream;

use crate::console;
use crate::entropy::Entropy;
use crate::{arch, time};

/// The hardware behind every process.
pub struct KernelPlatform {
    entropy: Entropy,
}

impl KernelPlatform {
    pub fn new() -> Self {
        let entropy = Entropy::new();
        log::info!(
            "random: {}",
            if entropy.hardware() {
                "RDRAND"
            } else {
                "ChaCha20 seeded from TSC jitter and RTC"
            }
        );
        Self { entropy }
    }
}

impl runtime::Platform for KernelPlatform {
    fn monotonic_ns(&self) -> u64 {
        time::monotonic_ns()
    }

    fn realtime_ns(&self) -> u64 {
        time::realtime_ns()
    }

    fn random(&mut self, buf: &mut [u8]) {
        self.entropy.fill(buf);
    }

    fn write(&mut self, stream: Stream, data: &[u8]) {
        match stream {
            Stream::Stdout => console::write(console::Stream::Console, data),
            Stream::Stderr => console::write(console::Stream::Error, data),
            Stream::Log => console::write_log(data),
        }
    }

    fn read_console(&mut self, buf: &mut [u8]) -> usize {
        console::read_received(buf)
    }

    fn memory_available(&self) -> Option<usize> {
        let (used, size) = crate::memory::heap_usage();
        Some(size.saturating_sub(used))
    }

    fn memory_total(&self) -> Option<usize> {
        Some(crate::memory::heap_usage().1)
    }

    fn host_call(&mut self, active: bool) {
        arch::set_in_host(active);
    }

    fn nested_run(&mut self, active: bool) {
        arch::set_nested(active);
    }

    fn slice_over(&self) -> bool {
        arch::slice_over()
    }

    fn idle(&mut self, deadline: Option<u64>) {
        if deadline.is_none_or(|d| time::monotonic_ns() < d) {
            arch::wait_for_interrupt();
        }
    }
}
