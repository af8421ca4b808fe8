//! Drivers for the legacy PC devices the kernel uses, each a thin, `unsafe`-contained layer
//! over x86 port I/O: [`serial`] (16550 UARTs through `uart_16550`), [`pic`] (the chained
//! 8259s through `pic8259`), [`pit`] (8254 timer: periodic interrupts and a one-shot used to
//! calibrate the TSC), [`rtc`] (CMOS wall clock), [`exit`] (QEMU's isa-debug-exit) and
//! [`power`] (ACPI soft-off, reset). The decoding and arithmetic they need lives in the
//! host-tested `kcore` crate.
#![no_std]

pub mod exit;
pub mod pic;
pub mod pit;
pub mod power;
pub mod rtc;
pub mod serial;
