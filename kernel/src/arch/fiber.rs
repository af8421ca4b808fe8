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
//! runs where it cannot be preempted (the guest's asyncify exports, called between slices
//! or from inside a host call;
//! a slice started with no stack, which happens only if the spare stacks could not be made
//! at start-up) once it has run for `RUNAWAY_SECONDS`. Start sections and signal handlers
//! are not among them: the runtime runs them in slices of their own (`runtime::startsec`,
//! `Outcome::Handler`). With the heap low and every stack held by
//! a suspended process, a fresh slice waits for its turn instead (`ready_to_start`).
//!
//! **Upgrading wasmi** (pinned `=2.0.0` in the workspace Cargo.toml for this reason): the
//! mechanism rests on that version's internals, and a change that moves them makes the
//! kernel fall back to fuel-metered slices (CoreMark about 20 % slower, every test still
//! green) or worse. Before bumping it, check that (1) `link.ld`'s symbol patterns still
//! gather wasmi's instruction handlers into their section (the boot banner prints the
//! section's size: it must not be 0); (2) the `unstable` feature still compiles handlers
//! into tail calls whose return address is `execute_until_done`'s; (3) a handler still
//! returns its trap code in `al`, and `RUNAWAY_TRAP` is still the out-of-fuel code; (4)
//! the preempt=off / default comparison in `bench` still shows the timer mode faster.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering};

use runtime::sched::{Executor, RUNAWAY_TRAP, Run, Slice, SliceWork};
use x86_64::registers::debug::{DebugAddressRegister, Dr0, Dr6, Dr7};
use x86_64::registers::rflags::RFlags;
use x86_64::structures::idt::InterruptStackFrame;

use drivers::exit::{ExitCode, exit_qemu};

/// Bytes of stack per fiber: host calls, compiling a spawned program included, used at
/// most 17 KiB in the test suites (`hostile all`, `wasix-test`, pipelines of every tool).
const STACK_BYTES: usize = 64 * 1024;
/// Heap left free when a fiber stack is allocated. As much as a spawn keeps free (the
/// runtime's `SPAWN_HEADROOM`): stacks of suspended processes must not eat the room the
/// kernel's own, infallible allocations rely on (the allocator's per-chunk overhead is not
/// in its counters either).
const STACK_RESERVE: usize = 8 << 20;
/// Heap left free when a stack is made because a slice needs one now and none is spare:
/// half of the 4 MiB every guest-driven growth (memory, tables, pipes, files) leaves free
/// (the runtime's `GROW_HEADROOM`). Below it the slice waits for its next turn while
/// suspended processes hold the stacks (`ready_to_start`); it never runs unpreemptibly
/// then, where the runaway trap would kill a long, well-behaved computation after 2 s.
const STACK_LOW_RESERVE: usize = 2 << 20;
/// Words at the bottom of each stack checked after every switch back: an overflow is
/// reported instead of silently corrupting the heap below.
const CANARY_WORDS: usize = 512;
const CANARY: u64 = 0x57ac_0ff1_ce5a_fe00;
/// Free stacks kept for the next slices (made at start-up, so some are there even when
/// the heap is too full for new ones).
const SPARE_STACKS: usize = 4;
/// Timer ticks a slice runs before it may be suspended (the tick is 10 ms by default).
const QUANTUM_TICKS: u64 = 1;
/// Stack words searched for the handler a helper will return to.
const SCAN_WORDS: u64 = 256;
/// DR7: local enable of breakpoint 0 (condition 00 = execution, length 00).
const DR7_L0: u64 = 1;
/// DR6: breakpoint 0 hit; single step; the value that clears the status bits.
const DR6_B0: u64 = 1;
const DR6_BS: u64 = 1 << 14;
const DR6_CLEAR: u64 = 0xffff_0ff0;
/// Seconds WebAssembly may run where it cannot be preempted before it is made to trap.
const RUNAWAY_SECONDS: u64 = 2;

#[repr(C, align(16))]
struct Page([u64; 512]);

/// A fiber's stack.
struct Stack(Box<[Page]>);

impl Stack {
    /// A new stack, or `None` when the heap is (nearly) exhausted: a hostile guest spawning
    /// thousands of spinning processes must not turn their stacks into a kernel panic.
    /// `set_aside` bytes of what is free are promised to others (the runtime's heap for
    /// code still to be translated) and do not count as free.
    fn try_new(set_aside: usize, reserve: usize) -> Option<Self> {
        let (used, size) = super::heap::heap_usage();
        // A check `failalloc=` may fail (see runtime::failpoint): the slice runs without a
        // fiber of its own, as when the heap is low.
        let free = size.saturating_sub(used).saturating_sub(set_aside);
        if runtime::failpoint::available(Some(free))
            .is_some_and(|free| free < STACK_BYTES + reserve)
        {
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

    /// The address just past the stack (16-byte aligned: `Page`s are).
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
/// Host calls in progress: a process is never suspended inside one, nor after one that
/// ends its slice (the runtime leaves those open; the slice's end closes them).
static HOST_DEPTH: AtomicU32 = AtomicU32::new(0);
/// WebAssembly runs in progress that cannot be preempted (start sections, signal
/// handlers, slices run without a stack of their own).
static NESTED: AtomicU32 = AtomicU32::new(0);
/// The current fiber's own WebAssembly is to trap at its next safe point (it is killed).
static FIBER_KILL: AtomicBool = AtomicBool::new(false);
/// The current non-preemptible run is to trap at its next safe point (it ran away).
static RUNAWAY_KILL: AtomicBool = AtomicBool::new(false);
/// The execution breakpoint (DR0) is set.
static ARMED: AtomicBool = AtomicBool::new(false);
/// Slices run on fibers (set once `Fibers` exists); under fuel there is nothing to watch.
static PREEMPTING: AtomicBool = AtomicBool::new(false);
/// Ticks the current non-preemptible run has taken (the limit is `RUNAWAY_SECONDS` of
/// ticks).
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

/// True when the running slice has used up its time: a host call that just succeeded
/// then ends the slice (a process that spends its time in host calls, where the timer
/// never suspends it, is preempted at their boundaries instead).
pub fn slice_over() -> bool {
    !CURRENT.load(Ordering::Relaxed).is_null()
        && NESTED.load(Ordering::Relaxed) == 0
        && quantum_over(super::idt::ticks())
}

/// The current slice has run its quantum by `tick`.
fn quantum_over(tick: u64) -> bool {
    tick.wrapping_sub(SLICE_TICK.load(Ordering::Relaxed)) >= QUANTUM_TICKS
}

/// The runtime tells when a host call starts and ends.
pub fn set_in_host(active: bool) {
    if active {
        HOST_DEPTH.fetch_add(1, Ordering::Relaxed);
    } else {
        // Saturating: a slice's end may have closed it already. (Only this CPU's
        // non-interrupt code changes the depth, so load and store suffice.)
        let depth = HOST_DEPTH.load(Ordering::Relaxed);
        HOST_DEPTH.store(depth.saturating_sub(1), Ordering::Relaxed);
    }
}

/// The runtime tells when WebAssembly that cannot be preempted starts and ends; each
/// outermost such run gets its own runaway budget, and a trap meant for it never outlives
/// it.
pub fn set_nested(active: bool) {
    let outermost = if active {
        NESTED.fetch_add(1, Ordering::Relaxed) == 0
    } else {
        NESTED.fetch_sub(1, Ordering::Relaxed) == 1
    };
    if outermost {
        RUNAWAY.store(0, Ordering::Relaxed);
        RUNAWAY_KILL.store(false, Ordering::Relaxed);
        disarm_breakpoint();
    }
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

/// Turns the execution breakpoint off (touching DR7 only when it is on: every write makes
/// the emulator drop and re-insert its breakpoints).
fn disarm_breakpoint() {
    if ARMED.swap(false, Ordering::Relaxed) {
        Dr7::write_raw(Dr7::read_raw() & !DR7_L0);
    }
}

/// Interrupted outside the handlers (in a copy, the allocator, a wasmi helper) at a time
/// it should stop: sets an execution breakpoint on the code it will return to, found as
/// the nearest handler address on its stack, so it stops as soon as it is back inside the
/// handlers — without single-stepping through a 64 MiB `memory.fill`. A stale value
/// there (a handler address a register held) is also a safe place to stop; if it is never
/// reached, the next tick sets another.
fn arm_breakpoint(frame: &InterruptStackFrame) {
    let sp = frame.stack_pointer.as_u64();
    let fiber = CURRENT.load(Ordering::Relaxed);
    let limit = if fiber.is_null() {
        // The scheduler's stack: the interrupted code is many frames deep in it (the
        // runtime's, wasmi's), far more than this above its stack pointer.
        sp + 1024
    } else {
        // SAFETY: the running fiber; only the address of its stack's end is read.
        unsafe { (*fiber).stack.top() as u64 }
    };
    let limit = limit.min(sp + 8 * SCAN_WORDS);
    let mut at = sp;
    while at + 8 <= limit {
        // SAFETY: [sp, limit) lies within the interrupted code's mapped stack.
        let word = unsafe { ptr::read_volatile(at as *const u64) };
        if in_exec(word) {
            Dr0::write(word);
            Dr7::write_raw(Dr7::read_raw() | DR7_L0);
            ARMED.store(true, Ordering::Relaxed);
            return;
        }
        at += 8;
    }
}

/// Plants the trap if the interrupted code is between two instructions; otherwise
/// single-steps it until it is, or — when it is outside the handlers — breaks where it
/// comes back.
fn plant_trap(frame: &mut InterruptStackFrame) {
    if !in_exec(frame.instruction_pointer.as_u64()) {
        set_trap_flag(frame, false);
        arm_breakpoint(frame);
        return;
    }
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
        if NESTED.load(Ordering::Relaxed) > 0 {
            RUNAWAY_KILL.store(false, Ordering::Relaxed);
        } else {
            FIBER_KILL.store(false, Ordering::Relaxed);
        }
    } else {
        set_trap_flag(frame, true);
    }
}

/// What the interrupted code should do now, if anything.
enum Due {
    Nothing,
    Trap,
    Suspend,
}

fn due(tick: u64) -> Due {
    if NESTED.load(Ordering::Relaxed) > 0 {
        return if RUNAWAY_KILL.load(Ordering::Relaxed) {
            Due::Trap
        } else {
            Due::Nothing
        };
    }
    if CURRENT.load(Ordering::Relaxed).is_null() || HOST_DEPTH.load(Ordering::Relaxed) > 0 {
        return Due::Nothing;
    }
    if FIBER_KILL.load(Ordering::Relaxed) {
        Due::Trap
    } else if quantum_over(tick) {
        Due::Suspend
    } else {
        Due::Nothing
    }
}

/// Acts on `due` for interrupted code: inside the handlers at once, elsewhere at the
/// breakpoint where it comes back.
fn act(frame: &mut InterruptStackFrame, due: Due) {
    match due {
        Due::Nothing => {}
        Due::Trap => plant_trap(frame),
        Due::Suspend if !in_exec(frame.instruction_pointer.as_u64()) => arm_breakpoint(frame),
        Due::Suspend => {
            let fiber = CURRENT.load(Ordering::Relaxed);
            disarm_breakpoint();
            // SAFETY: `fiber` is the running fiber (`due` checked it is non-null), whose
            // owner `Fibers::run` waits in `fiber_switch` on the scheduler's stack until we
            // switch back. The interrupt frame and everything below it stay on this fiber's
            // stack until it is resumed.
            unsafe { fiber_switch(&raw mut (*fiber).rsp, (*fiber).home_rsp) };
            // Resumed by the scheduler, possibly to be killed.
            if FIBER_KILL.load(Ordering::Relaxed) {
                plant_trap(frame);
            }
        }
    }
}

/// From the timer interrupt: suspends the current fiber when its quantum is over and it
/// is safely preemptible, plants pending traps, and counts runaway ticks.
pub fn on_tick(frame: &mut InterruptStackFrame, tick: u64) {
    if !PREEMPTING.load(Ordering::Relaxed) {
        return;
    }
    if NESTED.load(Ordering::Relaxed) > 0 {
        let runaway_ticks = RUNAWAY_SECONDS * u64::from(super::idt::tick_hz().max(1));
        if RUNAWAY.fetch_add(1, Ordering::Relaxed) + 1 >= runaway_ticks {
            RUNAWAY_KILL.store(true, Ordering::Relaxed);
        }
    }
    act(frame, due(tick));
}

/// From the debug exception: the breakpoint set by `arm_breakpoint`, or one single step
/// towards a planted trap. False when the exception was not ours.
pub fn on_debug(frame: &mut InterruptStackFrame) -> bool {
    let status = Dr6::read_raw();
    // SAFETY: clearing the sticky status bits of DR6 has no other effect.
    unsafe { core::arch::asm!("mov dr6, {}", in(reg) DR6_CLEAR, options(nomem, nostack)) };
    if status & DR6_B0 != 0 {
        disarm_breakpoint();
        // SAFETY: the resume flag only keeps the breakpoint (now off) from firing again on
        // the instruction it stopped at.
        unsafe {
            frame
                .as_mut()
                .update(|f| f.cpu_flags.insert(RFlags::RESUME_FLAG))
        };
        act(frame, due(super::idt::ticks()));
        return true;
    }
    if status & DR6_BS == 0 && !frame.cpu_flags.contains(RFlags::TRAP_FLAG) {
        return false;
    }
    match due(super::idt::ticks()) {
        Due::Trap => plant_trap(frame),
        _ => set_trap_flag(frame, false),
    }
    true
}

/// The runtime's executor: every slice on a fiber.
pub struct Fibers {
    /// Suspended fibers, each from `Box::into_raw`: while a fiber runs or waits, it is
    /// reached only through its raw pointer (its own stack holds pointers into it).
    parked: BTreeMap<u64, *mut Fiber>,
    spare: Vec<Stack>,
    next: u64,
    /// Heap the runtime has set aside (`runtime::sys::CodeReserve`): not free for stacks.
    set_aside: Arc<AtomicUsize>,
}

impl Fibers {
    /// The executor; from now on the timer preempts slices and watches for runaways.
    pub fn new() -> Self {
        PREEMPTING.store(true, Ordering::Relaxed);
        Self {
            parked: BTreeMap::new(),
            spare: (0..SPARE_STACKS)
                .filter_map(|_| Stack::try_new(0, STACK_RESERVE))
                .collect(),
            next: 0,
            set_aside: Arc::default(),
        }
    }

    fn run(&mut self, fiber: *mut Fiber, kill: bool) -> Run {
        // A suspended fiber was never inside a host call.
        HOST_DEPTH.store(0, Ordering::Relaxed);
        FIBER_KILL.store(kill, Ordering::Relaxed);
        SLICE_TICK.store(super::idt::ticks(), Ordering::Relaxed);
        disarm_breakpoint();
        CURRENT.store(fiber, Ordering::Relaxed);
        // SAFETY: `fiber` came from `Box::into_raw` and is freed only below, after it has
        // finished; its `rsp` is a stack prepared by `start` or saved by a switch.
        unsafe { fiber_switch(&raw mut (*fiber).home_rsp, (*fiber).rsp) };
        CURRENT.store(ptr::null_mut(), Ordering::Relaxed);
        FIBER_KILL.store(false, Ordering::Relaxed);
        HOST_DEPTH.store(0, Ordering::Relaxed);
        disarm_breakpoint();
        // SAFETY: the fiber is switched out: nothing else touches it until resumed.
        let (intact, done) = unsafe { ((*fiber).stack.intact(), (*fiber).done.take()) };
        if !intact {
            super::hooks::emergency(format_args!(
                "EXCEPTION: a process's kernel stack overflowed ({} KiB)\n",
                STACK_BYTES / 1024
            ));
            exit_qemu(ExitCode::Failure);
        }
        let Some(done) = done else {
            self.next += 1;
            self.parked.insert(self.next, fiber);
            return Run::Preempted(self.next);
        };
        // SAFETY: finished: its stack holds no live frame any more, so the box is ours.
        let fiber = unsafe { Box::from_raw(fiber) };
        if self.spare.len() < SPARE_STACKS {
            self.spare.push(fiber.stack);
        }
        Run::Done(done)
    }
}

impl Executor for Fibers {
    fn preempts(&self) -> bool {
        true
    }

    fn set_aside(&mut self, total: Arc<AtomicUsize>) {
        self.set_aside = total;
    }

    /// A stack is spare, or can be made with the heap's low reserve; otherwise the slice
    /// waits while any suspended process holds a stack (it gives it back when its slice
    /// ends). With nothing suspended the spares are all back (at least `SPARE_STACKS`
    /// stacks always exist once made), so a slice runs without one only if the spares
    /// could never be made.
    fn ready_to_start(&mut self) -> bool {
        if !self.spare.is_empty() {
            return true;
        }
        let set_aside = self.set_aside.load(Ordering::Relaxed);
        if let Some(stack) = Stack::try_new(set_aside, STACK_LOW_RESERVE) {
            self.spare.push(stack);
            return true;
        }
        if !self.parked.is_empty() {
            log::debug!("no memory for a process stack: the slice waits for its next turn");
            return false;
        }
        true
    }

    fn start(&mut self, work: SliceWork) -> Run {
        let set_aside = self.set_aside.load(Ordering::Relaxed);
        let Some(stack) = self
            .spare
            .pop()
            .or_else(|| Stack::try_new(set_aside, STACK_RESERVE))
        else {
            log::warn!("no memory for a process stack: running a slice unpreempted");
            set_nested(true);
            let done = work();
            set_nested(false);
            return Run::Done(done);
        };
        let fiber = Box::into_raw(Box::new(Fiber {
            rsp: 0,
            home_rsp: 0,
            stack,
            work: Some(work),
            done: None,
        }));
        // What `fiber_switch` pops, from the lowest address: flags (interrupts on), r15,
        // r14, r13, r12 (the fiber), rbx, rbp, then the return address: `fiber_entry`.
        let frame: [u64; 8] = [
            0x202,
            0,
            0,
            0,
            fiber as u64,
            0,
            0,
            fiber_entry as *const () as u64,
        ];
        // SAFETY: `fiber` is a fresh box nobody else sees yet; the frame goes in the eight
        // words below the top of its own, unused stack.
        unsafe {
            let base = (*fiber).stack.top().sub(frame.len());
            ptr::copy_nonoverlapping(frame.as_ptr(), base, frame.len());
            (*fiber).rsp = base as u64;
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
