//! `spin`: loops forever without making a single call, so only a signal can end it — a
//! child for the `proc_signal` tests that also needs a scheduler able to preempt it.

fn main() {
    userland::inherit_cwd();
    let mut n: u64 = 0;
    loop {
        // black_box keeps the loop a real, preemptible computation.
        n = std::hint::black_box(n.wrapping_add(1));
    }
}
