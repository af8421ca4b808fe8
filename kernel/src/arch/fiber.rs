//! Preemptive slices. Each slice of a process runs on a stack of its own (a fiber), so the
//! timer interrupt can suspend it in the middle of its WebAssembly and switch back to the
//! scheduler; WebAssembly then runs without wasmi's fuel metering. A fiber keeps its stack
//! only while it is suspended: a slice that ends (the process blocked, exited, trapped)
//! hands the stack back, so sleeping processes cost no stack at all.
//!
//! The timer suspends a fiber only where that is safe: when the interrupted instruction
//! is inside wasmi's instruction handlers (`link.ld` gives them a section of their own).
//! Handlers take no locks and call out for anything that might (allocation, host calls,
//! the memory limiter), so there the process holds nothing another process could need —
//! and never in a host call, which the runtime brackets (`set_in_host`).
//!
//! Killing a suspended process must release what its WebAssembly run holds (wasmi's value
//! stack, engine handles), so it is resumed with a trap to plant: once the interrupted
//! code is between two instructions — in a handler whose stack top is the return address
//! into `execute_until_done`, where every callee-saved register is as wasmi's dispatcher
//! left it — its return is redirected to a stub that returns the trap code, and wasmi
//! unwinds normally. Until then it is single-stepped. The same trap ends WebAssembly that
//! runs where it cannot be preempted (a start section run by a spawn, a signal handler, a
//! slice started when the heap has no room for another stack) once it has run for
//! `RUNAWAY_SECONDS`.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};

use runtime::sched::{Executor, RUNAWAY_TRAP, Run, Slice, SliceWork};
use x86_64::registers::rflags::RFlags;
use x86_64::structures::idt::InterruptStackFrame;

use drivers::exit::{ExitCode, exit_qemu};

/// Bytes of stack per fiber: host calls, compiling a spawned program included, used at
/// most 17 KiB in the test suites (`hostile all`, `wasix-test`, pipelines of every tool).
const STACK_BYTES: usize = 64 * 1024;
/// Heap left free when a fiber stack is allocated. Below it a slice runs on the
/// scheduler's stack instead: it cannot be preempted then, so the runaway trap bounds it.
const STACK_RESERVE: usize = 2 << 20;
/// Words at the bottom of each stack checked after every switch back: an overflow is
/// reported instead of silently corrupting the heap below.
const CANARY_WORDS: usize = 512;
const CANARY: u64 = 0x57ac_0ff1_ce5a_fe00;
/// Free stacks kept for the next slices.
const SPARE_STACKS: usize = 4;
/// Timer ticks a slice runs before it may be suspended (the tick is 10 ms by default).
const QUANTUM_TICKS: u64 = 1;
/// Seconds WebAssembly may run where it cannot be preempted before it is made to trap.
const RUNAWAY_SECONDS: u64 = 2;

#[repr(C, align(4096))]
struct Page([u64; 512]);

/// A fiber's stack.
struct Stack(Box<[Page]>);

impl Stack {
    /// A new stack, or `None` when the heap is (nearly) exhausted: a hostile guest spawning
    /// thousands of spinning processes must not turn their stacks into a kernel panic.
    fn try_new() -> Option<Self> {
        let (used, size) = super::heap_usage();
        if size.saturating_sub(used) < STACK_BYTES + STACK_RESERVE {
            return None;
        }
        let count = STACK_BYTES / 4096;
        let mut pages = Vec::new();
        pages.try_reserve_exact(count).ok()?;
        pages.extend((0..count).map(|_| Page([0; 512])));
        pages[0].0.fill(CANARY);
        Some(Self(pages.into_boxed_slice()))
    }

    fn intact(&self) -> bool {
        self.0[0].0[..CANARY_WORDS].iter().all(|&w| w == CANARY)
    }

    /// The address just past the stack (16-byte aligned: pages are).
    fn top(&mut self) -> *mut u64 {
        let len = self.0.len();
        // SAFETY: one past the end of the allocation, which `add` may form.
        unsafe { self.0.as_mut_ptr().add(len).cast::<u64>() }
    }
}

/// One slice on its own stack.
struct Fiber {
    /// The fiber's stack pointer while it is switched out.
    rsp: u64,
    /// The scheduler's stack pointer while the fiber runs.
    home_rsp: u64,
    stack: Stack,
    work: Option<SliceWork>,
    done: Option<Box<Slice>>,
}

/// The fiber running now (null while the scheduler runs).
static CURRENT: AtomicPtr<Fiber> = AtomicPtr::new(ptr::null_mut());
/// Tick at which the current slice started or resumed.
static SLICE_TICK: AtomicU64 = AtomicU64::new(0);
/// A host call is running (WebAssembly it runs is not the process's own).
static IN_HOST: AtomicBool = AtomicBool::new(false);
/// The running WebAssembly is to trap at its next safe point.
static KILL: AtomicBool = AtomicBool::new(false);
/// Slices run on fibers (set once `Fibers` exists); under fuel there is nothing to watch.
static PREEMPTING: AtomicBool = AtomicBool::new(false);
/// Ticks seen in WebAssembly that cannot be preempted, since the last slice began (the
/// limit is `RUNAWAY_SECONDS` of ticks).
static RUNAWAY: AtomicU64 = AtomicU64::new(0);

unsafe extern "C" {
    /// Saves callee-saved registers and flags on the current stack, stores the stack
    /// pointer at `save`, switches to `load` and restores what was saved there.
    fn fiber_switch(save: *mut u64, load: u64);
    fn fiber_entry();
    fn wasm_trap_return();
    static __wasm_exec_start: u8;
    static __wasm_exec_end: u8;
    static __wasm_entry_start: u8;
    static __wasm_entry_end: u8;
}

core::arch::global_asm!(
    ".pushsection .text.fiber,\"ax\",@progbits",
    ".global fiber_switch",
    "fiber_switch:",
    "push rbp",
    "push rbx",
    "push r12",
    "push r13",
    "push r14",
    "push r15",
    "pushfq",
    "mov [rdi], rsp",
    "mov rsp, rsi",
    "popfq",
    "pop r15",
    "pop r14",
    "pop r13",
    "pop r12",
    "pop rbx",
    "pop rbp",
    "ret",
    // A new fiber's first switch "returns" here with the fiber in r12.
    ".global fiber_entry",
    "fiber_entry:",
    "mov rdi, r12",
    "call {main}",
    "ud2",
    // Planted as a handler's return: wasmi's dispatcher reads the trap code in al.
    ".global wasm_trap_return",
    "wasm_trap_return:",
    "mov eax, {trap}",
    "ret",
    ".popsection",
    main = sym fiber_main,
    trap = const RUNAWAY_TRAP,
);

/// Runs a new fiber's work, then switches back for good.
extern "C" fn fiber_main(fiber: *mut Fiber) -> ! {
    // SAFETY: `fiber` is the boxed fiber `run` switched into; the scheduler does not touch
    // it until this fiber switches back, and the box outlives the switch.
    unsafe {
        let work = (*fiber).work.take();
        if let Some(work) = work {
            let done = work();
            (*fiber).done = Some(done);
        }
        fiber_switch(&raw mut (*fiber).rsp, (*fiber).home_rsp);
    }
    unreachable!("a finished fiber is never resumed")
}

fn range(start: &u8, end: &u8) -> (u64, u64) {
    (ptr::from_ref(start) as u64, ptr::from_ref(end) as u64)
}

fn exec_range() -> (u64, u64) {
    // SAFETY: linker-defined symbols; only their addresses are taken.
    unsafe { range(&__wasm_exec_start, &__wasm_exec_end) }
}

fn entry_range() -> (u64, u64) {
    // SAFETY: as above.
    unsafe { range(&__wasm_entry_start, &__wasm_entry_end) }
}

fn in_exec(rip: u64) -> bool {
    let (start, end) = exec_range();
    (start..end).contains(&rip)
}

/// True when the kernel was linked with wasmi's handlers in their own section (so slices
/// can be preempted); otherwise the runtime keeps fuel.
pub fn available() -> bool {
    let (s, e) = exec_range();
    let (es, ee) = entry_range();
    s < e && es < ee
}

/// Bytes of handler code found at link time, for the boot log.
pub fn handler_bytes() -> u64 {
    let (s, e) = exec_range();
    e - s
}

/// The runtime tells when a host call starts and ends.
pub fn set_in_host(active: bool) {
    IN_HOST.store(active, Ordering::Relaxed);
}

/// Interrupted between two WebAssembly instructions: in a handler, with the return
/// address into the dispatcher on top of the stack.
fn at_dispatch(frame: &InterruptStackFrame) -> bool {
    if !in_exec(frame.instruction_pointer.as_u64()) {
        return false;
    }
    let sp = frame.stack_pointer.as_u64();
    // SAFETY: the interrupted code's stack pointer points into its (mapped) stack; a
    // handler in the middle of its body has pushed at least a return address there.
    let top = unsafe { ptr::read_volatile(sp as *const u64) };
    let (start, end) = entry_range();
    (start..end).contains(&top)
}

fn set_trap_flag(frame: &mut InterruptStackFrame, on: bool) {
    // SAFETY: only the saved RFLAGS' trap flag changes: single-stepping the interrupted
    // code (or stopping to) is harmless to it.
    unsafe {
        frame
            .as_mut()
            .update(|f| f.cpu_flags.set(RFlags::TRAP_FLAG, on));
    }
}

/// Plants the trap if the interrupted code is between two instructions; otherwise
/// single-steps it until it is (or until it leaves the handlers: then a later tick tries
/// again).
fn plant_trap(frame: &mut InterruptStackFrame) {
    if at_dispatch(frame) {
        let stub = x86_64::VirtAddr::new(wasm_trap_return as *const () as u64);
        // SAFETY: the handler has not touched the stack or any callee-saved register yet
        // (its stack top is still its return address), so returning from it here — to a
        // stub that returns the trap code — is what wasmi's own trapping handlers do.
        unsafe {
            frame.as_mut().update(|f| {
                f.instruction_pointer = stub;
                f.cpu_flags.remove(RFlags::TRAP_FLAG);
            });
        }
        KILL.store(false, Ordering::Relaxed);
    } else {
        set_trap_flag(frame, true);
    }
}

/// From the timer interrupt: suspends the current fiber when its quantum is over and it
/// is safely preemptible, plants pending traps, and watches for runaway WebAssembly.
pub fn on_tick(frame: &mut InterruptStackFrame, tick: u64) {
    if !PREEMPTING.load(Ordering::Relaxed) || !in_exec(frame.instruction_pointer.as_u64()) {
        return;
    }
    let fiber = CURRENT.load(Ordering::Relaxed);
    let nested = fiber.is_null() || IN_HOST.load(Ordering::Relaxed);
    let runaway_ticks = RUNAWAY_SECONDS * u64::from(crate::time::tick_hz().max(1));
    if nested && RUNAWAY.fetch_add(1, Ordering::Relaxed) + 1 >= runaway_ticks {
        KILL.store(true, Ordering::Relaxed);
    }
    if KILL.load(Ordering::Relaxed) {
        plant_trap(frame);
        return;
    }
    if nested || tick.wrapping_sub(SLICE_TICK.load(Ordering::Relaxed)) < QUANTUM_TICKS {
        return;
    }
    // SAFETY: `fiber` is the running fiber (non-null: not nested), boxed by `Fibers::run`
    // on the scheduler's stack, which waits in `fiber_switch` until we switch back. The
    // interrupt frame and everything below it stay on this fiber's stack until resumed.
    unsafe { fiber_switch(&raw mut (*fiber).rsp, (*fiber).home_rsp) };
    // Resumed by the scheduler, possibly to be killed.
    if KILL.load(Ordering::Relaxed) {
        plant_trap(frame);
    }
}

/// From the debug exception: one single step towards a planted trap. False when the
/// exception was not ours.
pub fn on_step(frame: &mut InterruptStackFrame) -> bool {
    if !frame.cpu_flags.contains(RFlags::TRAP_FLAG) {
        return false;
    }
    if KILL.load(Ordering::Relaxed) && in_exec(frame.instruction_pointer.as_u64()) {
        plant_trap(frame);
    } else {
        set_trap_flag(frame, false);
    }
    true
}

/// The runtime's executor: every slice on a fiber.
pub struct Fibers {
    parked: BTreeMap<u64, Box<Fiber>>,
    spare: Vec<Stack>,
    next: u64,
}

impl Fibers {
    /// The executor; from now on the timer preempts slices and watches for runaways.
    pub fn new() -> Self {
        PREEMPTING.store(true, Ordering::Relaxed);
        Self {
            parked: BTreeMap::new(),
            spare: Vec::new(),
            next: 0,
        }
    }

    fn run(&mut self, mut fiber: Box<Fiber>, kill: bool) -> Run {
        let f: *mut Fiber = &raw mut *fiber;
        KILL.store(kill, Ordering::Relaxed);
        RUNAWAY.store(0, Ordering::Relaxed);
        SLICE_TICK.store(super::ticks(), Ordering::Relaxed);
        CURRENT.store(f, Ordering::Relaxed);
        // SAFETY: `f` is boxed and stays put until the fiber switches back (on finishing or
        // from the timer); its `rsp` is a stack prepared by `start` or saved by a switch.
        unsafe { fiber_switch(&raw mut (*f).home_rsp, (*f).rsp) };
        CURRENT.store(ptr::null_mut(), Ordering::Relaxed);
        KILL.store(false, Ordering::Relaxed);
        if !fiber.stack.intact() {
            crate::console::emergency(format_args!(
                "EXCEPTION: a process's kernel stack overflowed ({} KiB)\n",
                STACK_BYTES / 1024
            ));
            exit_qemu(ExitCode::Failure);
        }
        match fiber.done.take() {
            Some(done) => {
                if self.spare.len() < SPARE_STACKS {
                    self.spare.push(fiber.stack);
                }
                Run::Done(done)
            }
            None => {
                self.next += 1;
                self.parked.insert(self.next, fiber);
                Run::Preempted(self.next)
            }
        }
    }
}

impl Executor for Fibers {
    fn preempts(&self) -> bool {
        true
    }

    fn start(&mut self, work: SliceWork) -> Run {
        let Some(stack) = self.spare.pop().or_else(Stack::try_new) else {
            log::warn!("no memory for a process stack: running a slice unpreempted");
            RUNAWAY.store(0, Ordering::Relaxed);
            KILL.store(false, Ordering::Relaxed);
            return Run::Done(work());
        };
        let mut fiber = Box::new(Fiber {
            rsp: 0,
            home_rsp: 0,
            stack,
            work: Some(work),
            done: None,
        });
        let top = fiber.stack.top();
        let me = &raw mut *fiber as u64;
        // What `fiber_switch` pops, from the lowest address: flags (interrupts on), r15,
        // r14, r13, r12 (the fiber), rbx, rbp, then the return address: `fiber_entry`.
        let frame: [u64; 8] = [0x202, 0, 0, 0, me, 0, 0, fiber_entry as *const () as u64];
        // SAFETY: the eight words below the top of the fiber's own, unused stack.
        unsafe {
            let base = top.sub(frame.len());
            ptr::copy_nonoverlapping(frame.as_ptr(), base, frame.len());
            fiber.rsp = base as u64;
        }
        self.run(fiber, false)
    }

    fn resume(&mut self, fiber: u64, kill: bool) -> Run {
        let fiber = self
            .parked
            .remove(&fiber)
            .expect("the scheduler resumes only fibers it was given");
        self.run(fiber, kill)
    }
}
