//! The IDT: a reporting handler for every CPU exception (name, error code, RIP, CR2, then
//! exit with the failure code), the breakpoint handler that returns, the single-step
//! handler that plants traps (`fiber`), and the PIC interrupt handlers (timer tick — which
//! also preempts processes —, COM1/COM3 receive, everything else acknowledged).

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use drivers::exit::{ExitCode, exit_qemu};
use drivers::pic::{PIC1_OFFSET, Pics};
use spin::{Mutex, Once};
use x86_64::registers::control::Cr2;
use x86_64::structures::idt::{InterruptDescriptorTable, InterruptStackFrame, PageFaultErrorCode};

use super::gdt::{DOUBLE_FAULT_IST, PAGE_FAULT_IST};
use super::{cpu, fiber, hooks};

static IDT: Once<InterruptDescriptorTable> = Once::new();
static PICS: Mutex<Pics> = Mutex::new(Pics::new());
static TICKS: AtomicU64 = AtomicU64::new(0);
static STACK_GUARD: AtomicU64 = AtomicU64::new(0);
static BREAKPOINTS: AtomicU32 = AtomicU32::new(0);
static TICK_HZ: AtomicU32 = AtomicU32::new(0);

const TIMER_IRQ: u8 = 0;
const COM1_IRQ: u8 = 4;

/// Timer interrupts taken since boot.
pub fn ticks() -> u64 {
    TICKS.load(Ordering::Relaxed)
}

/// Breakpoint exceptions taken (the self-test checks the handler returns).
pub fn breakpoints() -> u32 {
    BREAKPOINTS.load(Ordering::Relaxed)
}

/// Records the timer's rate, which the kernel's clock measured when it started the tick.
pub fn set_tick_hz(hz: u32) {
    TICK_HZ.store(hz, Ordering::Relaxed);
}

/// Timer interrupts per second (zero before [`set_tick_hz`]).
pub fn tick_hz() -> u32 {
    TICK_HZ.load(Ordering::Relaxed)
}

fn report(name: &str, frame: &InterruptStackFrame, error: Option<u64>, with_cr2: bool) -> ! {
    cpu::interrupts_off();
    let rip = frame.instruction_pointer.as_u64();
    let rsp = frame.stack_pointer.as_u64();
    let cr2 = if with_cr2 { Cr2::read_raw() } else { 0 };
    let guard = STACK_GUARD.load(Ordering::Relaxed);
    let overflow = with_cr2 && guard != 0 && cr2 < guard && cr2 >= guard.saturating_sub(64 * 1024);
    // No allocation here: the fault may have happened inside the allocator.
    hooks::emergency(format_args!(
        "EXCEPTION: {name}{}\n  error code: {}\n  RIP: {rip:#018x}  RSP: {rsp:#018x}  CR2: {}\n",
        if overflow {
            " (kernel stack overflow)"
        } else {
            ""
        },
        OptHex(error),
        OptHex(with_cr2.then_some(cr2)),
    ));
    exit_qemu(ExitCode::Failure)
}

/// Formats `Some(v)` as hex and `None` as "none" without allocating.
struct OptHex(Option<u64>);

impl core::fmt::Display for OptHex {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            Some(v) => write!(f, "{v:#x}"),
            None => f.write_str("none"),
        }
    }
}

macro_rules! fault {
    ($fn:ident, $name:literal) => {
        extern "x86-interrupt" fn $fn(frame: InterruptStackFrame) {
            report($name, &frame, None, false)
        }
    };
    ($fn:ident, $name:literal, err) => {
        extern "x86-interrupt" fn $fn(frame: InterruptStackFrame, code: u64) {
            report($name, &frame, Some(code), false)
        }
    };
}

fault!(divide_error, "divide error (#DE)");
fault!(nmi, "non-maskable interrupt");
fault!(overflow, "overflow (#OF)");
fault!(bound_range, "bound range exceeded (#BR)");
fault!(invalid_opcode, "invalid opcode (#UD)");
fault!(device_not_available, "device not available (#NM)");
fault!(invalid_tss, "invalid TSS (#TS)", err);
fault!(segment_not_present, "segment not present (#NP)", err);
fault!(stack_segment, "stack-segment fault (#SS)", err);
fault!(general_protection, "general protection fault (#GP)", err);
fault!(x87_fp, "x87 floating-point exception (#MF)");
fault!(alignment_check, "alignment check (#AC)", err);
fault!(simd_fp, "SIMD floating-point exception (#XM)");
fault!(virtualization, "virtualization exception (#VE)");
fault!(
    control_protection,
    "control protection exception (#CP)",
    err
);
fault!(hv_injection, "hypervisor injection exception (#HV)");
fault!(vmm_communication, "VMM communication exception (#VC)", err);
fault!(security, "security exception (#SX)", err);

extern "x86-interrupt" fn double_fault(frame: InterruptStackFrame, code: u64) -> ! {
    report("double fault (#DF)", &frame, Some(code), true)
}

extern "x86-interrupt" fn machine_check(frame: InterruptStackFrame) -> ! {
    report("machine check (#MC)", &frame, None, false)
}

extern "x86-interrupt" fn page_fault(frame: InterruptStackFrame, code: PageFaultErrorCode) {
    report("page fault (#PF)", &frame, Some(code.bits()), true)
}

extern "x86-interrupt" fn breakpoint(frame: InterruptStackFrame) {
    log::info!("breakpoint at {:#x}", frame.instruction_pointer.as_u64());
    BREAKPOINTS.fetch_add(1, Ordering::Relaxed);
}

extern "x86-interrupt" fn timer(mut frame: InterruptStackFrame) {
    let tick = TICKS.fetch_add(1, Ordering::Relaxed) + 1;
    PICS.lock().end_of_interrupt(PIC1_OFFSET + TIMER_IRQ);
    // May switch to the scheduler (preempting a process) and return much later.
    fiber::on_tick(&mut frame, tick);
}

extern "x86-interrupt" fn debug(mut frame: InterruptStackFrame) {
    if !fiber::on_debug(&mut frame) {
        report("debug (#DB)", &frame, None, false)
    }
}

extern "x86-interrupt" fn com1(_frame: InterruptStackFrame) {
    hooks::serial_receive();
    PICS.lock().end_of_interrupt(PIC1_OFFSET + COM1_IRQ);
}

macro_rules! other_irq {
    ($($fn:ident = $irq:literal),*) => {$(
        extern "x86-interrupt" fn $fn(_frame: InterruptStackFrame) {
            PICS.lock().end_of_interrupt(PIC1_OFFSET + $irq);
        }
    )*};
}
other_irq!(
    irq1 = 1,
    irq2 = 2,
    irq3 = 3,
    irq5 = 5,
    irq6 = 6,
    irq7 = 7,
    irq8 = 8,
    irq9 = 9,
    irq10 = 10,
    irq11 = 11,
    irq12 = 12,
    irq13 = 13,
    irq14 = 14,
    irq15 = 15
);

pub fn init(stack_bottom: u64, _stack_len: u64) {
    STACK_GUARD.store(stack_bottom, Ordering::Relaxed);
    let idt = IDT.call_once(|| {
        let mut idt = InterruptDescriptorTable::new();
        idt.divide_error.set_handler_fn(divide_error);
        idt.debug.set_handler_fn(debug);
        idt.non_maskable_interrupt.set_handler_fn(nmi);
        idt.breakpoint.set_handler_fn(breakpoint);
        idt.overflow.set_handler_fn(overflow);
        idt.bound_range_exceeded.set_handler_fn(bound_range);
        idt.invalid_opcode.set_handler_fn(invalid_opcode);
        idt.device_not_available
            .set_handler_fn(device_not_available);
        idt.invalid_tss.set_handler_fn(invalid_tss);
        idt.segment_not_present.set_handler_fn(segment_not_present);
        idt.stack_segment_fault.set_handler_fn(stack_segment);
        idt.general_protection_fault
            .set_handler_fn(general_protection);
        idt.x87_floating_point.set_handler_fn(x87_fp);
        idt.alignment_check.set_handler_fn(alignment_check);
        idt.machine_check.set_handler_fn(machine_check);
        idt.simd_floating_point.set_handler_fn(simd_fp);
        idt.virtualization.set_handler_fn(virtualization);
        idt.cp_protection_exception
            .set_handler_fn(control_protection);
        idt.hv_injection_exception.set_handler_fn(hv_injection);
        idt.vmm_communication_exception
            .set_handler_fn(vmm_communication);
        idt.security_exception.set_handler_fn(security);
        // SAFETY: the IST indices name stacks the TSS (loaded by `gdt::init`) provides and
        // that no other handler uses.
        unsafe {
            idt.double_fault
                .set_handler_fn(double_fault)
                .set_stack_index(DOUBLE_FAULT_IST);
            idt.page_fault
                .set_handler_fn(page_fault)
                .set_stack_index(PAGE_FAULT_IST);
        }
        let irqs: [extern "x86-interrupt" fn(InterruptStackFrame); 16] = [
            timer, irq1, irq2, irq3, com1, irq5, irq6, irq7, irq8, irq9, irq10, irq11, irq12,
            irq13, irq14, irq15,
        ];
        for (i, handler) in irqs.into_iter().enumerate() {
            idt[PIC1_OFFSET + i as u8].set_handler_fn(handler);
        }
        idt
    });
    idt.load();
}

/// Remaps the PICs, unmasks the timer and COM1 receive lines and enables interrupts.
pub fn init_interrupts() {
    PICS.lock().init((1 << TIMER_IRQ) | (1 << COM1_IRQ));
    x86_64::instructions::interrupts::enable();
}
