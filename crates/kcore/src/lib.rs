//! Hardware-independent pieces of the kernel, kept here so they build and unit-test on the
//! host: the [`acpi`] table reader behind power-off and reset, the byte [`ring::RingBuffer`] behind serial receive, the physical
//! [`frames::FrameAllocator`] over the bootloader's memory map, the clock maths
//! ([`time`]: TSC calibration, calendar conversion for the RTC) and the boot
//! [`cmdline::Cmdline`]. The kernel's `arch` and `drivers` code feeds them real hardware
//! values; tests feed them fakes.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

pub mod acpi;
pub mod cmdline;
pub mod frames;
pub mod ring;
pub mod time;
