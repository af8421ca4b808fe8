//! The kernel-wide allocation-failure injector (`runtime::failpoint`, armed by the
//! kernel's `failalloc=`) reaches the guest-driven copies: each fallible allocation of a
//! decoding is one check, and a failed check is NOMEM with nothing half-built. A test
//! binary of its own, since the injector is global (the library's tests run in parallel
//! and never arm it).

use abi::Errno;
use runtime::failpoint::{self, Mode, Stats};
use runtime::mem::GuestMem;
use runtime::wasix::proc::{decode_list, path_arg};

#[test]
fn every_copy_of_a_decoding_is_a_check_that_can_fail() {
    let mut bytes = b"one\ntwo\nthree\n/bin/x".to_vec();
    let mem = GuestMem::new(&mut bytes);
    let nth = |n: &str| Mode::parse(&format!("nth:{n}")).unwrap();

    // Unarmed: nothing counted, nothing failed.
    assert_eq!(decode_list(&mem, 0, 14).unwrap().len(), 3);
    assert_eq!(failpoint::stats(), Stats::default());

    // The list, then each of its three entries: four checks.
    failpoint::arm(nth("999"));
    assert_eq!(decode_list(&mem, 0, 14).unwrap().len(), 3);
    assert_eq!(failpoint::stats().checks, 4);
    for n in 1..=4 {
        failpoint::arm(nth(&n.to_string()));
        assert_eq!(decode_list(&mem, 0, 14), Err(Errno::NoMem), "check {n}");
        assert_eq!(
            failpoint::stats(),
            Stats {
                checks: n,
                injected: 1
            },
            "a failed check ends the decoding"
        );
    }

    // A name: one check.
    failpoint::arm(nth("1"));
    assert_eq!(path_arg(&mem, 14, 6), Err(Errno::NoMem));
    assert_eq!(path_arg(&mem, 14, 6).as_deref(), Ok("/bin/x"));

    // A free-heap check sees nothing free when it fails; unknown stays unknown, uncounted.
    failpoint::arm(nth("2"));
    assert_eq!(failpoint::available(Some(1 << 20)), Some(1 << 20));
    assert_eq!(failpoint::available(Some(1 << 20)), Some(0));
    assert_eq!(failpoint::available(None), None);
    assert_eq!(
        failpoint::stats(),
        Stats {
            checks: 2,
            injected: 1
        }
    );

    // A write's gather.
    failpoint::arm(nth("1"));
    assert_eq!(mem.gather(&[(0, 3)]), Err(Errno::NoMem));
    assert_eq!(mem.gather(&[(0, 3)]).as_deref(), Ok(&b"one"[..]));
    failpoint::arm(Mode::Off);
}
