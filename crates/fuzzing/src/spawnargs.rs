//! The decoding of `proc_spawn*`/`proc_exec*` arguments from guest memory
//! (`runtime::wasix::proc`): argv/environment/preopen lists, program names and
//! directories ([`spawn_args`]), and `proc_spawn2`'s file actions ([`fd_actions`]). Each
//! was once a kernel panic for a hostile guest (issue 14). The fuzz input builds a guest
//! memory (up to 1.5 MiB, so lists can pass `ARG_MAX`) and edge-biased pointers and
//! lengths; every outcome is compared with a model written from the documented rules,
//! and what a success holds must be bounded: at most `ARG_MAX` of kernel memory for a
//! list, every copy allocated exactly (capacity = length, so nothing a guest asks for is
//! over-allocated), file-action paths at most `PATH_MAX` each and
//! `FD_OPS_PATH_BYTES` in all.

use abi::Errno;
use abi::wasix::{ProcSpawnFdOp, fd_op};
use runtime::mem::GuestMem;
use runtime::wasix::proc::{
    ARG_MAX, FD_OPS_PATH_BYTES, MAX_FD_OPS, check_arg_total, copied_cost, decode_fd_ops,
    decode_list, path_arg,
};

use crate::Input;

/// A guest memory built from the input: a size from 1 KiB (64 KiB unless `small`) to
/// `max_pages` of 64 KiB and a fill —
/// zeros, a repeated pattern from the input, one-byte entries (`a\n`, the costliest list
/// per byte), only separators, or bytes that are not UTF-8.
fn memory(input: &mut Input<'_>, small: bool, max_pages: usize) -> Vec<u8> {
    // Mostly 1-4 KiB: the decoders look at every byte, and the fuzzer's instrumentation
    // makes that ~100 ns a byte. One in sixteen is 64 or 128 KiB (a list of one-byte
    // entries that size passes ARG_MAX by its cost), one in 128 up to `max_pages` of
    // 64 KiB (a list longer than ARG_MAX).
    let size = match input.byte() {
        127 | 255 => (1 + input.below(max_pages)) << 16,
        b if b % 16 == 15 || !small => (1 + input.below(2)) << 16,
        _ => (1 + input.below(4)) << 10,
    };
    let mut mem = vec![0u8; size];
    let pattern: Vec<u8> = match input.below(5) {
        0 => Vec::new(),
        1 => {
            let n = 1 + input.below(64);
            input.bytes(n).to_vec()
        }
        2 => b"a\n".to_vec(),
        3 => b"\n\r".to_vec(),
        _ => vec![0xff, b'x', 0xc3],
    };
    // Filled by doubling what is already there: a few copies, not a loop per byte (the
    // fuzzer instruments every loop of ours).
    let first = pattern.len().min(mem.len());
    mem[..first].copy_from_slice(&pattern[..first]);
    let mut filled = first;
    while filled > 0 && filled < mem.len() {
        let n = filled.min(mem.len() - filled);
        mem.copy_within(..n, filled);
        filled += n;
    }
    // A few spans written straight from the input.
    for _ in 0..input.below(4) {
        let at = input.u32() as usize % mem.len();
        let n = input.below(256);
        let data = input.bytes(n);
        let end = (at + data.len()).min(mem.len());
        mem[at..end].copy_from_slice(&data[..end - at]);
    }
    mem
}

/// A pointer and length into a memory of `size` bytes, biased toward its edges and the
/// limits (`ARG_MAX`, `PATH_MAX`).
fn range(input: &mut Input<'_>, size: usize) -> (i32, i32) {
    let size = size as u64;
    let ptr = input.edgy_u64(size) as u32;
    let len = match input.below(7) {
        0 => ARG_MAX as u32 + input.below(3) as u32 - 1,
        1 => vfs::PATH_MAX as u32 + input.below(3) as u32 - 1,
        2 => (size as u32).wrapping_sub(ptr),
        // All of memory: the largest list this memory can hold.
        3 => return (0, size as i32),
        _ => input.edgy_u64(size) as u32,
    };
    (ptr as i32, len as i32)
}

/// What the model expects of a list decoding, or its error.
fn model_list(mem: &[u8], ptr: i32, len: i32) -> Result<Vec<Vec<u8>>, Errno> {
    let (ptr, len) = (ptr as u32 as usize, len as u32 as usize);
    let bytes = mem
        .get(ptr..ptr.checked_add(len).ok_or(Errno::Fault)?)
        .ok_or(Errno::Fault)?;
    let s = core::str::from_utf8(bytes).map_err(|_| Errno::IlSeq)?;
    if s.len() > ARG_MAX {
        return Err(Errno::TooBig);
    }
    // By bytes: the separators are ASCII, so a UTF-8 string splits the same either way.
    let list: Vec<Vec<u8>> = s
        .as_bytes()
        .split(|&b| b == b'\n' || b == b'\r')
        .filter(|e| !e.is_empty())
        .map(<[u8]>::to_vec)
        .collect();
    if copied_cost(&list) > ARG_MAX {
        return Err(Errno::TooBig);
    }
    Ok(list)
}

/// What one input's decodings ended in: `Ok` or an errno, per decoding (the tests check
/// that seeded inputs reach every outcome, the attacks' 2BIG and NAMETOOLONG included).
pub type Outcomes = Vec<Result<(), Errno>>;

/// A decoded list is exactly what the model says, costs at most `ARG_MAX`, and every copy
/// was allocated exactly.
fn check_list(what: &str, got: &Result<Vec<Vec<u8>>, Errno>, want: Result<Vec<Vec<u8>>, Errno>) {
    match (got, want) {
        (Ok(got), Ok(want)) => {
            assert_eq!(got, &want, "{what}: entries differ");
            assert!(copied_cost(got) <= ARG_MAX, "{what}: over ARG_MAX");
            assert_eq!(got.capacity(), got.len(), "{what}: list over-allocated");
            for e in got {
                assert_eq!(e.capacity(), e.len(), "{what}: entry over-allocated");
            }
        }
        // NOMEM is the one outcome the model cannot foresee (the host ran out).
        (Err(Errno::NoMem), _) => {}
        (got, want) => assert_eq!(got.as_ref().err(), want.err().as_ref(), "{what}: {got:?}"),
    }
}

/// argv, environment and preopen lists, a program name and a directory decoded from
/// arbitrary guest memory at edge-biased pointers and lengths.
pub fn spawn_args(data: &[u8]) {
    spawn_args_outcomes(data);
}

/// [`spawn_args`], returning what each decoding ended in.
pub fn spawn_args_outcomes(data: &[u8]) -> Outcomes {
    let mut outcomes = Outcomes::new();
    let mut input = Input::new(data);
    let mut mem = memory(&mut input, true, 24);
    let size = mem.len();
    let copy = mem.clone();
    let guest = GuestMem::new(&mut mem);
    let mut lists = Vec::new();
    for what in ["args", "env", "preopens"] {
        let (ptr, len) = range(&mut input, size);
        let got = decode_list(&guest, ptr, len);
        check_list(what, &got, model_list(&copy, ptr, len));
        outcomes.push(got.as_ref().map(|_| ()).map_err(|e| *e));
        lists.push(got.unwrap_or_default());
    }
    // argv and environment together: 2BIG exactly when their cost passes ARG_MAX.
    let total = copied_cost(&lists[0]) + copied_cost(&lists[1]);
    let checked = check_arg_total(&lists[0], &lists[1]);
    assert_eq!(checked.is_err(), total > ARG_MAX, "arg total {total}");
    for what in ["name", "dir"] {
        let (ptr, len) = range(&mut input, size);
        let (p, l) = (ptr as u32 as usize, len as u32 as usize);
        let want = match copy.get(p..p.saturating_add(l)) {
            None => Err(Errno::Fault),
            Some(_) if l > vfs::PATH_MAX => Err(Errno::NameTooLong),
            Some(b) => core::str::from_utf8(b)
                .map(str::to_string)
                .map_err(|_| Errno::IlSeq),
        };
        let got = path_arg(&guest, ptr, len);
        outcomes.push(got.as_ref().map(|_| ()).map_err(|e| *e));
        match (got, want) {
            (Ok(got), Ok(want)) => {
                assert_eq!(got, want, "{what}");
                assert_eq!(got.capacity(), got.len(), "{what}: over-allocated");
            }
            (Err(Errno::NoMem), _) => {}
            (got, want) => assert_eq!(got.err(), want.err(), "{what}"),
        }
    }
    outcomes
}

/// One action's bytes: a generated action (a command, edge-biased descriptors, a path at
/// an edge-biased or shared place) or raw input bytes.
fn action(
    input: &mut Input<'_>,
    size: usize,
    shared: (u32, u32),
    attack: bool,
) -> [u8; ProcSpawnFdOp::SIZE] {
    if attack {
        // The issue's attack: every action a CHDIR (or OPEN) of the one shared path.
        let cmd = if input.one_in(4) {
            fd_op::OPEN
        } else {
            fd_op::CHDIR
        };
        return ProcSpawnFdOp {
            cmd,
            path: shared.0,
            path_len: shared.1,
            ..ProcSpawnFdOp::default()
        }
        .to_bytes();
    }
    if input.one_in(8) {
        let mut raw = [0u8; ProcSpawnFdOp::SIZE];
        let b = input.bytes(raw.len());
        raw[..b.len()].copy_from_slice(b);
        return raw;
    }
    let cmd = match input.below(8) {
        0 => fd_op::CLOSE,
        1 => fd_op::DUP2,
        2 | 3 => fd_op::OPEN,
        4 | 5 => fd_op::CHDIR,
        6 => fd_op::FCHDIR,
        _ => input.byte(),
    };
    let (path, path_len) = if input.one_in(2) {
        shared
    } else {
        let (p, l) = range(input, size);
        (p as u32, l as u32)
    };
    ProcSpawnFdOp {
        cmd,
        fd: input.edgy_u64(1024) as u32,
        src_fd: input.edgy_u64(1024) as u32,
        path,
        path_len,
        dirflags: input.u32(),
        oflags: input.u16(),
        rights_base: input.u64(),
        rights_inheriting: input.u64(),
        fdflags: input.u16(),
        fdflagsext: input.u16(),
    }
    .to_bytes()
}

/// What the model expects of a file-action table, or its error: the count, the table's
/// range, each action's layout, path ranges and lengths, the paths' total — all before any
/// copy — then each path as UTF-8.
fn model_fd_ops(mem: &[u8], ops: i32, count: i32) -> Result<Vec<(ProcSpawnFdOp, String)>, Errno> {
    let count = u32::try_from(count).map_err(|_| Errno::Inval)?;
    if count > MAX_FD_OPS {
        return Err(Errno::Inval);
    }
    let start = ops as u32 as usize;
    let len = count as usize * ProcSpawnFdOp::SIZE;
    let table = mem
        .get(start..start.checked_add(len).ok_or(Errno::Fault)?)
        .ok_or(Errno::Fault)?;
    let mut decoded = Vec::new();
    let mut total = 0usize;
    for raw in table.as_chunks::<{ ProcSpawnFdOp::SIZE }>().0 {
        let op = ProcSpawnFdOp::from_bytes(raw).ok_or(Errno::Inval)?;
        if matches!(op.cmd, fd_op::OPEN | fd_op::CHDIR) {
            let (p, l) = (op.path as usize, op.path_len as usize);
            mem.get(p..p.checked_add(l).ok_or(Errno::Fault)?)
                .ok_or(Errno::Fault)?;
            if l > vfs::PATH_MAX {
                return Err(Errno::NameTooLong);
            }
            total += l;
        }
        decoded.push(op);
    }
    if total > FD_OPS_PATH_BYTES {
        return Err(Errno::TooBig);
    }
    decoded
        .into_iter()
        .map(|op| {
            let path = if matches!(op.cmd, fd_op::OPEN | fd_op::CHDIR) {
                let (p, l) = (op.path as usize, op.path_len as usize);
                core::str::from_utf8(&mem[p..p + l])
                    .map_err(|_| Errno::IlSeq)?
                    .to_string()
            } else {
                String::new()
            };
            Ok((op, path))
        })
        .collect()
}

/// A `proc_spawn2` file-action table — generated actions, raw bytes, or both, many naming
/// one shared path (up to `PATH_MAX` + 1 bytes, as the 1024-times-256-KiB attack did) —
/// decoded at an edge-biased place and count.
pub fn fd_actions(data: &[u8]) {
    let _ = fd_actions_outcome(data);
}

/// [`fd_actions`], returning what the decoding ended in.
pub fn fd_actions_outcome(data: &[u8]) -> Result<(), Errno> {
    let mut input = Input::new(data);
    let mut mem = memory(&mut input, false, 4);
    let size = mem.len();
    let count = match input.below(6) {
        0 => input.below(8) as i32,
        1 => MAX_FD_OPS as i32 - 1 + input.below(3) as i32,
        2 => input.u32() as i32,
        _ => input.u16() as i32 % (MAX_FD_OPS as i32 + 2),
    };
    let table_len = (count.max(0) as usize).min(MAX_FD_OPS as usize + 1) * ProcSpawnFdOp::SIZE;
    let ops = if input.one_in(4) {
        input.edgy_u64(size as u64) as u32
    } else {
        (input.u32() as usize % size.saturating_sub(table_len).max(1)) as u32
    };
    let shared_len = match input.below(4) {
        0 => vfs::PATH_MAX as u32 + input.below(2) as u32,
        1 => (FD_OPS_PATH_BYTES / MAX_FD_OPS as usize) as u32 + input.below(3) as u32 - 1,
        _ => input.u16() as u32 % 5000,
    };
    let shared_ptr =
        (input.u32() as usize % size.saturating_sub(shared_len as usize).max(1)) as u32;
    let attack = input.one_in(4);
    // Write the table where the pointer says, as far as it fits.
    let mut at = ops as usize;
    for _ in 0..count.max(0).min(MAX_FD_OPS as i32 + 1) {
        let raw = action(&mut input, size, (shared_ptr, shared_len), attack);
        let Some(slot) = mem.get_mut(at..at + raw.len()) else {
            break;
        };
        slot.copy_from_slice(&raw);
        at += raw.len();
    }
    let copy = mem.clone();
    let guest = GuestMem::new(&mut mem);
    let got = decode_fd_ops(&guest, ops as i32, count);
    match (&got, model_fd_ops(&copy, ops as i32, count)) {
        (Ok(got), Ok(want)) => {
            assert_eq!(got.len(), want.len(), "action count");
            assert_eq!(got.capacity(), got.len(), "actions over-allocated");
            let mut total = 0;
            for (g, (w, path)) in got.iter().zip(&want) {
                assert_eq!(
                    (g.cmd, g.fd, g.src_fd, g.dirflags, g.oflags, g.fdflags),
                    (w.cmd, w.fd, w.src_fd, w.dirflags, w.oflags, w.fdflags)
                );
                assert_eq!(&g.path, path);
                assert!(g.path.len() <= vfs::PATH_MAX);
                assert_eq!(g.path.capacity(), g.path.len(), "path over-allocated");
                total += g.path.len();
            }
            assert!(total <= FD_OPS_PATH_BYTES, "{total} path bytes copied");
        }
        (Err(Errno::NoMem), _) => {}
        (got, want) => assert_eq!(got.as_ref().err(), want.err().as_ref(), "{got:?}"),
    }
    got.map(|_| ())
}
