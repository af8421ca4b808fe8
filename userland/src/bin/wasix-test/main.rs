//! `wasix-test CASE [ARGS]...`: a test driver for the WASIX process, pipe and descriptor
//! calls (`proc_spawn`, `proc_spawn2`, `proc_join`, `proc_exec3`, `proc_signal`,
//! `fd_pipe`, `fd_dup`, `fd_dup2`, `fd_fdflags_*`, `getcwd`, `chdir`, `thread_sleep`,
//! `tty_*`), through the raw bindings in `userland::wasix_sys`.
//!
//! Every check prints one deterministic line, `LABEL: ok`, and the first failed check
//! prints `FAIL: LABEL (got X)` and exits 1. Errnos print as `NOENT (44)`. Nothing
//! printed depends on pids, fd numbers or timing. The children it runs are other programs
//! of this package, expected in `/bin`: `echo`, `cat`, `wasi-test`, `true`, `false`,
//! `spin`, `sleep-ms` and `wasix-test` itself.
//!
//! Cases:
//! - `spawn-modes`: each stdio mode of `proc_spawn` (PIPED stdin/stdout/stderr, INHERIT,
//!   NULL, LOG), a bare program name, and `proc_spawn2` with `search_path` + DUP2.
//! - `errors [DIR]`: the errno of each failure (NOENT, NOEXEC — a text file it writes in
//!   DIR, default `/tmp` — INVAL, FAULT, CHILD, BADF).
//! - `join`: any-child joins, re-joining a reaped pid, NON_BLOCKING joins.
//! - `kill`: KILL/TERM to a spinning child, KILL to a sleeping child, a trapping child
//!   (EXIT_SIGNAL 6).
//! - `pipe`: `fd_pipe` data, short reads, EOF after the writer closes, and writes to a
//!   pipe without readers (PIPE errno with SIGPIPE ignored, death by signal 13 without).
//! - `dup`: `fd_dup`, `fd_dup2` (min fd, cloexec), `fd_fdflags_get/set`, `fd_renumber`,
//!   and CLOEXEC descriptors not reaching a spawned child.
//! - `cwd`: `getcwd`/`chdir` (absolute, relative, NOENT, NOTDIR) and a child's working
//!   directory (inherited, or `working_dir`). Needs `/tmp`.
//! - `chroot DIR`: a chrooted `cat` (root DIR/jail) must read `/inside.txt` but nothing
//!   outside the jail (`/../secret.txt`, `../secret.txt`, symlinks out). DIR must be an
//!   absolute, empty, writable directory; the case removes what it creates.
//! - `preopen [DIR]...`: a child spawned with preopens (default `/data /tmp`) lists them.
//! - `exec`: `proc_exec3` of a missing program (NOENT), then of `/bin/echo`, whose
//!   output (`exec worked`) ends the case. `exec-path`: the same through a PATH search.
//!   `exec1`, `exec2`: the older `proc_exec` (environment kept) and `proc_exec2`
//!   (environment replaced) replace us with `sh -c`, whose echo shows argv and environment.
//! - `ids`: `proc_id`, `proc_parent`, and a child that sees us as its parent.
//! - `sigdisp`: `proc_spawn2` signal dispositions (read back by the child with
//!   `proc_signals_get`; an ignored USR1 does not kill, a default one does).
//! - `tty`: `tty_get`/`tty_set` round trip.
//! - `yield`: `sched_yield` runs a just-spawned child that we poll a pipe for.
//! - `pingpong N`: N one-byte round trips through pipes with a child (`pong`): block and
//!   wake-up, over and over.
//! - `spawn-many N`, `spawn-concurrent N`: N `/bin/true` one after another; N
//!   `sleep-ms 200` at once.
//! - `bomb`: spawns sleeping children until `proc_spawn` fails with AGAIN, then kills and
//!   joins them all.
//! - `stream BYTES`: BYTES bytes of a fixed pseudo-random stream on stdout. `sum`: reads
//!   stdin to end of file and prints `N bytes, fnv1a64 HEX`.
//! - `pipeline BYTES`: `wasix-test stream BYTES | cat | wasix-test sum` built from
//!   `fd_pipe` + `proc_spawn2` DUP2/CLOSE actions; prints the `sum` line it got and the
//!   one expected, and checks they are equal.
//!
//! Internal cases, run as children by the ones above: `pwd`, `epipe`, `fd-check KEEP
//! GONE`, `list-preopens`, `ids-child PARENT`, `signals`.

#![feature(wasi_ext)]

use std::fmt::{Debug, Display};
use std::fs;
use std::os::wasi::fs::symlink_path;
use std::process::ExitCode;

use userland::wasix_sys::{
    self as w, DISP_IGNORE, Errno, FD_CLOEXEC, Fd, Fnv64, JOIN_NON_BLOCKING, Pid, Spawn, Status,
    Stream, errno, show, sig, stdio,
};

const SELF: &str = "/bin/wasix-test";
const ECHO: &str = "/bin/echo";
const CAT: &str = "/bin/cat";
const WASI_TEST: &str = "/bin/wasi-test";
const TRUE: &str = "/bin/true";
const FALSE: &str = "/bin/false";
const SPIN: &str = "/bin/spin";
const SLEEP_MS: &str = "/bin/sleep-ms";

const USAGE: &str = "usage: wasix-test spawn-modes | errors [DIR] | join | kill | pipe | dup | cwd \
                     | chroot DIR | preopen [DIR]... | exec | exec-path | exec1 | exec2 | ids | sigdisp | tty | yield | pingpong N \
                     | spawn-many N | spawn-concurrent N | bomb | stream BYTES | sum \
                     | pipeline BYTES";

// ---- reporting -------------------------------------------------------------------------

fn ok(label: &str) {
    println!("{label}: ok");
}

fn fail(label: &str, got: impl Display) -> ! {
    println!("FAIL: {label} (got {got})");
    std::process::exit(1)
}

fn check(label: &str, passed: bool, got: impl Display) {
    if passed {
        ok(label);
    } else {
        fail(label, got);
    }
}

fn expect_eq<T: PartialEq + Debug>(label: &str, got: T, want: T) {
    check(label, got == want, format_args!("{got:?}, want {want:?}"));
}

/// The value, or FAIL with the errno. Prints nothing on success.
fn must<T>(label: &str, result: Result<T, Errno>) -> T {
    result.unwrap_or_else(|e| fail(label, show(e)))
}

fn expect_err<T: Debug>(label: &str, result: Result<T, Errno>, want: Errno) {
    match result {
        Err(e) if e == want => ok(label),
        Err(e) => fail(label, show(e)),
        Ok(v) => fail(label, format_args!("success: {v:?}")),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// ---- process helpers -------------------------------------------------------------------

fn spawn(label: &str, s: Spawn<'_>) -> w::Handles {
    must(label, s.run())
}

/// Our end of a PIPED stdio stream, or FAIL.
fn piped(label: &str, fd: Option<Fd>) -> Fd {
    fd.unwrap_or_else(|| fail(label, "no handle (tag None)"))
}

/// Reads a pipe to end of file and closes it.
fn slurp(label: &str, fd: Fd) -> Vec<u8> {
    let bytes = must(label, w::read_to_end(fd));
    must(label, w::close(fd));
    bytes
}

fn join_pid(label: &str, pid: Pid) -> Status {
    let (got_pid, status) = must(label, w::join(Some(pid), 0));
    if got_pid.is_some_and(|p| p != pid) {
        fail(
            label,
            format_args!("join wrote back another pid {got_pid:?}"),
        );
    }
    status
}

fn expect_exit(label: &str, pid: Pid, code: u16) {
    let status = join_pid(label, pid);
    check(label, status == Status::Exit(code), status);
}

fn expect_signal(label: &str, pid: Pid, signal: u8) {
    let status = join_pid(label, pid);
    check(
        label,
        matches!(status, Status::Signal { sig, .. } if sig == signal),
        status,
    );
}

// ---- cases -----------------------------------------------------------------------------

fn spawn_modes() {
    use stdio::{INHERIT, LOG, NULL, PIPED};

    let h = spawn(
        "spawn /bin/echo",
        Spawn::new(ECHO, &["echo", "hi"]).stdio(INHERIT, PIPED, INHERIT),
    );
    check(
        "spawn piped: stdin/stderr handles None",
        h.stdin.is_none() && h.stderr.is_none(),
        format_args!("{h:?}"),
    );
    let out = slurp(
        "read echo stdout",
        piped("spawn piped stdout handle", h.stdout),
    );
    expect_eq("spawn piped stdout", text(&out).as_str(), "hi\n");
    expect_exit("join echo: EXIT_NORMAL 0", h.pid, 0);

    let h = spawn(
        "spawn bare name echo",
        Spawn::new("echo", &["echo", "bare", "name"]).stdio(INHERIT, PIPED, INHERIT),
    );
    let out = slurp(
        "read echo stdout",
        piped("spawn bare name stdout handle", h.stdout),
    );
    expect_eq(
        "spawn bare name (found in /bin)",
        text(&out).as_str(),
        "bare name\n",
    );
    expect_exit("join bare-name echo: EXIT_NORMAL 0", h.pid, 0);

    let h = spawn(
        "spawn /bin/cat",
        Spawn::new(CAT, &["cat"]).stdio(PIPED, PIPED, INHERIT),
    );
    let input: String = (0..100).map(|i| format!("line {i}\n")).collect();
    let stdin = piped("spawn piped stdin handle", h.stdin);
    must(
        "write to cat's stdin",
        w::write_all(stdin, input.as_bytes()),
    );
    must("close cat's stdin", w::close(stdin));
    let out = slurp(
        "read cat stdout",
        piped("spawn piped stdout handle", h.stdout),
    );
    check(
        "spawn piped stdin -> cat -> piped stdout (790 bytes back)",
        out == input.as_bytes(),
        format_args!(
            "{} bytes {:?}...",
            out.len(),
            text(&out[..out.len().min(40)])
        ),
    );
    expect_exit("join cat: EXIT_NORMAL 0", h.pid, 0);

    let h = spawn(
        "spawn cat with piped stderr",
        Spawn::new(CAT, &["cat", "/no/such/file"]).stdio(INHERIT, PIPED, PIPED),
    );
    let out = slurp("read cat stdout", piped("stdout handle", h.stdout));
    let err = slurp(
        "read cat stderr",
        piped("spawn piped stderr handle", h.stderr),
    );
    check(
        "spawn piped stdout of failing cat is empty",
        out.is_empty(),
        format_args!("{:?}", text(&out)),
    );
    check(
        "spawn piped stderr",
        text(&err).starts_with("cat: /no/such/file: "),
        format_args!("{:?}", text(&err)),
    );
    expect_exit("join failing cat: EXIT_NORMAL 1", h.pid, 1);

    let h = spawn(
        "spawn echo with inherited stdout",
        Spawn::new(ECHO, &["echo", "inherited"]),
    );
    // Join before printing anything: the child writes its line straight to our stdout.
    expect_exit(
        "spawn inherit: child wrote the line above, EXIT_NORMAL 0",
        h.pid,
        0,
    );
    check(
        "spawn inherit: all handles None",
        h.stdin.is_none() && h.stdout.is_none() && h.stderr.is_none(),
        format_args!("{h:?}"),
    );

    let h = spawn(
        "spawn echo with null stdout",
        Spawn::new(ECHO, &["echo", "discarded"]).stdio(NULL, NULL, NULL),
    );
    check(
        "spawn null: all handles None",
        h.stdin.is_none() && h.stdout.is_none() && h.stderr.is_none(),
        format_args!("{h:?}"),
    );
    expect_exit(
        "spawn null stdout: output discarded, EXIT_NORMAL 0",
        h.pid,
        0,
    );

    let h = spawn(
        "spawn wasi-test stdin with null stdin",
        Spawn::new(WASI_TEST, &["wasi-test", "stdin"]).stdio(NULL, PIPED, INHERIT),
    );
    let out = slurp("read wasi-test stdout", piped("stdout handle", h.stdout));
    expect_eq(
        "spawn null stdin reads EOF",
        text(&out).as_str(),
        "stdin: 0 bytes, fnv1a 811c9dc5\n",
    );
    expect_exit("join wasi-test stdin: EXIT_NORMAL 0", h.pid, 0);

    let h = spawn(
        "spawn echo with log stdout",
        Spawn::new(ECHO, &["echo", "logged by wasix-test"]).stdio(INHERIT, LOG, LOG),
    );
    check(
        "spawn log: stdout/stderr handles None",
        h.stdout.is_none() && h.stderr.is_none(),
        format_args!("{h:?}"),
    );
    expect_exit("spawn log stdout: EXIT_NORMAL 0", h.pid, 0);

    let (r, wr) = must("fd_pipe", w::pipe());
    let ops = [w::fd_op_dup2(wr, 1), w::fd_op_close(r), w::fd_op_close(wr)];
    let pid = must(
        "proc_spawn2 echo (search_path)",
        w::spawn2(
            "echo",
            &["echo", "spawn2"],
            &ops,
            &[],
            true,
            "/no-such-dir:/bin",
        ),
    );
    must("close pipe write end", w::close(wr));
    let out = slurp("read pipe", r);
    expect_eq(
        "proc_spawn2 search_path + DUP2 stdout",
        text(&out).as_str(),
        "spawn2\n",
    );
    expect_exit("join spawn2 echo: EXIT_NORMAL 0", pid, 0);
}

fn errors(dir: &str) {
    use stdio::INHERIT;
    let inherit = i32::from(INHERIT);

    expect_err(
        "proc_join any with no children -> CHILD",
        w::join(None, 0),
        errno::CHILD,
    );
    expect_err(
        "proc_join any NON_BLOCKING with no children -> CHILD",
        w::join(None, JOIN_NON_BLOCKING),
        errno::CHILD,
    );
    let me = must("proc_id", w::proc_id());
    expect_err(
        "proc_join own pid (not a child) -> CHILD",
        w::join(Some(me), 0),
        errno::CHILD,
    );
    expect_err(
        "proc_join unknown pid -> CHILD",
        w::join(Some(0x7fff_fff0), 0),
        errno::CHILD,
    );

    expect_err(
        "proc_spawn missing path -> NOENT",
        Spawn::new("/bin/no-such-program", &["no-such-program"]).run(),
        errno::NOENT,
    );
    expect_err(
        "proc_spawn missing bare name -> NOENT",
        Spawn::new("no-such-program", &["no-such-program"]).run(),
        errno::NOENT,
    );

    let not_wasm = format!("{}/not-wasm.txt", dir.trim_end_matches('/'));
    if let Err(e) = fs::write(&not_wasm, "this is not a WebAssembly module\n") {
        fail(&format!("write {not_wasm}"), userland::describe(&e));
    }
    expect_err(
        "proc_spawn of a text file -> NOEXEC",
        Spawn::new(&not_wasm, &["not-wasm"]).run(),
        errno::NOEXEC,
    );
    if let Err(e) = fs::remove_file(&not_wasm) {
        fail(&format!("remove {not_wasm}"), userland::describe(&e));
    }

    expect_err(
        "proc_spawn stdout mode 9 -> INVAL",
        Spawn::new(ECHO, &["echo", "x"])
            .stdio(INHERIT, 9, INHERIT)
            .run(),
        errno::INVAL,
    );

    let args = w::lines(&["echo", "x"]);
    let mut handles = [0u8; 28];
    let ret = handles.as_mut_ptr() as usize as i32;
    let bad = 0xFFFF_FFF0_u32 as i32;
    expect_err(
        "proc_spawn name pointer 0xFFFFFFF0 -> FAULT",
        w::spawn_raw(
            bad,
            16,
            args.as_ptr() as usize as i32,
            args.len() as i32,
            inherit,
            inherit,
            inherit,
            ret,
        ),
        errno::FAULT,
    );
    expect_err(
        "proc_spawn args pointer 0xFFFFFFF0 -> FAULT",
        w::spawn_raw(
            ECHO.as_ptr() as usize as i32,
            ECHO.len() as i32,
            bad,
            16,
            inherit,
            inherit,
            inherit,
            ret,
        ),
        errno::FAULT,
    );

    expect_err("fd_dup of a closed fd -> BADF", w::dup(9999), errno::BADF);
    expect_err(
        "fd_dup2 of a closed fd -> BADF",
        w::dup2(9999, 0, false),
        errno::BADF,
    );
    expect_err(
        "fd_fdflags_get of a closed fd -> BADF",
        w::fdflags_get(9999),
        errno::BADF,
    );
    let (r, wr) = must("fd_pipe", w::pipe());
    must("close pipe read end", w::close(r));
    must("close pipe write end", w::close(wr));
    expect_err(
        "fd_dup of a just-closed pipe end -> BADF",
        w::dup(r),
        errno::BADF,
    );
    expect_err(
        "fd_read of a just-closed pipe end -> BADF",
        w::read(r, &mut [0; 4]),
        errno::BADF,
    );
}

fn join() {
    let codes = [3u16, 5, 7];
    let mut pids: Vec<(Pid, u16)> = Vec::new();
    for code in codes {
        let arg = code.to_string();
        let h = spawn(
            "spawn wasi-test exit N",
            Spawn::new(WASI_TEST, &["wasi-test", "exit", &arg]),
        );
        pids.push((h.pid, code));
    }
    check(
        "3 children have distinct pids",
        pids[0].0 != pids[1].0 && pids[1].0 != pids[2].0 && pids[0].0 != pids[2].0,
        format_args!("{pids:?}"),
    );
    let mut seen = Vec::new();
    for _ in 0..3 {
        let (got_pid, status) = must("proc_join any", w::join(None, 0));
        let Some(got_pid) = got_pid else {
            fail(
                "proc_join any writes back the pid",
                format_args!("None, status {status}"),
            );
        };
        let Some(i) = pids.iter().position(|&(p, _)| p == got_pid) else {
            fail("proc_join any returns one of our children", got_pid);
        };
        let (_, code) = pids.remove(i);
        check(
            "proc_join any: status matches that child's exit code",
            status == Status::Exit(code),
            format_args!("{status}, want EXIT_NORMAL {code}"),
        );
        seen.push(code);
    }
    seen.sort();
    expect_eq(
        "proc_join any x3 collected exit codes",
        seen,
        codes.to_vec(),
    );
    expect_err(
        "proc_join any with every child reaped -> CHILD",
        w::join(None, 0),
        errno::CHILD,
    );

    let h = spawn(
        "spawn wasi-test exit 9",
        Spawn::new(WASI_TEST, &["wasi-test", "exit", "9"]),
    );
    expect_exit("proc_join pid: EXIT_NORMAL 9", h.pid, 9);
    expect_err(
        "proc_join of the reaped pid -> CHILD",
        w::join(Some(h.pid), 0),
        errno::CHILD,
    );

    let h = spawn(
        "spawn sleep-ms 500",
        Spawn::new(SLEEP_MS, &["sleep-ms", "500"]),
    );
    let (_, status) = must(
        "proc_join pid NON_BLOCKING",
        w::join(Some(h.pid), JOIN_NON_BLOCKING),
    );
    check(
        "proc_join pid NON_BLOCKING on a running child -> NOTHING",
        status == Status::Nothing,
        status,
    );
    let (_, status) = must(
        "proc_join any NON_BLOCKING",
        w::join(None, JOIN_NON_BLOCKING),
    );
    check(
        "proc_join any NON_BLOCKING on a running child -> NOTHING",
        status == Status::Nothing,
        status,
    );
    expect_exit(
        "proc_join pid blocking after NOTHING: EXIT_NORMAL 0",
        h.pid,
        0,
    );
}

fn kill() {
    use stdio::{INHERIT, NULL};

    let h = spawn(
        "spawn spin",
        Spawn::new(SPIN, &["spin"]).stdio(INHERIT, NULL, INHERIT),
    );
    must("thread_sleep 50 ms", w::sleep_ms(50));
    must("proc_signal KILL", w::signal(h.pid, sig::KILL));
    expect_signal("KILL a spinning child -> EXIT_SIGNAL 9", h.pid, sig::KILL);

    let h = spawn(
        "spawn spin",
        Spawn::new(SPIN, &["spin"]).stdio(INHERIT, NULL, INHERIT),
    );
    must("thread_sleep 50 ms", w::sleep_ms(50));
    must("proc_signal TERM", w::signal(h.pid, sig::TERM));
    expect_signal("TERM a spinning child -> EXIT_SIGNAL 15", h.pid, sig::TERM);

    let h = spawn(
        "spawn sleep-ms 600000",
        Spawn::new(SLEEP_MS, &["sleep-ms", "600000"]),
    );
    must("thread_sleep 50 ms", w::sleep_ms(50));
    must("proc_signal KILL", w::signal(h.pid, sig::KILL));
    expect_signal("KILL a sleeping child -> EXIT_SIGNAL 9", h.pid, sig::KILL);

    let h = spawn(
        "spawn wasi-test trap unreachable",
        Spawn::new(WASI_TEST, &["wasi-test", "trap", "unreachable"]).stdio(INHERIT, NULL, INHERIT),
    );
    expect_signal(
        "trapping child -> EXIT_SIGNAL 6 (SIGABRT)",
        h.pid,
        sig::ABRT,
    );
}

/// Reads exactly `buf.len()` bytes.
fn read_exact(label: &str, fd: Fd, buf: &mut [u8]) {
    let mut got = 0;
    while got < buf.len() {
        match must(label, w::read(fd, &mut buf[got..])) {
            0 => fail(
                label,
                format_args!("EOF after {got} of {} bytes", buf.len()),
            ),
            n => got += n,
        }
    }
}

fn pipe() {
    let (r, wr) = must("fd_pipe", w::pipe());
    check(
        "fd_pipe returns two distinct fds above stdio",
        r != wr && r > 2 && wr > 2,
        format_args!("{r}, {wr}"),
    );

    let mut source = Stream::new(64 * 1024);
    let (mut sent, mut received) = (Fnv64::default(), Fnv64::default());
    let mut chunk = [0u8; 4096];
    let mut back = [0u8; 4096];
    loop {
        let n = source.fill(&mut chunk);
        if n == 0 {
            break;
        }
        sent.update(&chunk[..n]);
        must("pipe write 4 KiB", w::write_all(wr, &chunk[..n]));
        read_exact("pipe read 4 KiB", r, &mut back[..n]);
        received.update(&back[..n]);
    }
    check(
        "pipe: 64 KiB in 4 KiB chunks, checksums match",
        sent.0 == received.0,
        format_args!("{:016x} vs {:016x}", received.0, sent.0),
    );

    must("pipe write 10 bytes", w::write_all(wr, b"0123456789"));
    let mut big = [0u8; 100];
    let n = must("pipe read", w::read(r, &mut big));
    expect_eq(
        "pipe: read with a 100-byte buffer returns the 10 bytes available",
        text(&big[..n]).as_str(),
        "0123456789",
    );

    must("pipe write tail", w::write_all(wr, b"tail"));
    must("close write end", w::close(wr));
    let n = must("pipe read", w::read(r, &mut big));
    expect_eq(
        "pipe: data written before the writer closed is still read",
        text(&big[..n]).as_str(),
        "tail",
    );
    expect_eq(
        "pipe: read after the write end is closed -> 0 (EOF)",
        w::read(r, &mut big),
        Ok(0),
    );
    must("close read end", w::close(r));

    let ignore = [w::disposition(sig::PIPE, DISP_IGNORE)];
    let pid = must(
        "proc_spawn2 wasix-test epipe",
        w::spawn2(SELF, &["wasix-test", "epipe"], &[], &ignore, false, ""),
    );
    expect_exit(
        "pipe: write without readers, SIGPIPE ignored -> PIPE errno (child exit 0)",
        pid,
        0,
    );
    let pid = must(
        "proc_spawn2 wasix-test epipe",
        w::spawn2(SELF, &["wasix-test", "epipe"], &[], &[], false, ""),
    );
    expect_signal(
        "pipe: write without readers, SIGPIPE default -> EXIT_SIGNAL 13",
        pid,
        sig::PIPE,
    );
}

/// Child of `pipe`: exit 0 iff a write to a pipe whose read end is closed fails with PIPE.
fn epipe() -> ExitCode {
    let (r, wr) = must("fd_pipe", w::pipe());
    must("close read end", w::close(r));
    match w::write(wr, b"x") {
        Err(errno::PIPE) => ExitCode::SUCCESS,
        other => {
            eprintln!("epipe: write to a pipe without readers: got {other:?}, want Err(64)");
            ExitCode::FAILURE
        }
    }
}

fn dup() {
    let (r, wr) = must("fd_pipe", w::pipe());
    let mut buf = [0u8; 64];

    let d = must("fd_dup", w::dup(wr));
    check("fd_dup returns a new fd", d != wr && d != r, d);
    must("write via dup", w::write_all(d, b"via dup\n"));
    let n = must("read", w::read(r, &mut buf));
    expect_eq(
        "fd_dup: the duplicate writes into the same pipe",
        text(&buf[..n]).as_str(),
        "via dup\n",
    );
    must("close dup", w::close(d));
    must("write via original", w::write_all(wr, b"original\n"));
    let n = must("read", w::read(r, &mut buf));
    expect_eq(
        "fd_dup: closing the duplicate leaves the original open",
        text(&buf[..n]).as_str(),
        "original\n",
    );

    let d2 = must("fd_dup2 min 100", w::dup2(wr, 100, false));
    check("fd_dup2 min 100: fd >= 100", d2 >= 100, d2);
    expect_eq(
        "fd_dup2 cloexec=false: CLOEXEC clear",
        w::fdflags_get(d2),
        Ok(0),
    );
    let d3 = must("fd_dup2 min 100 cloexec", w::dup2(wr, 100, true));
    check(
        "fd_dup2 min 100 again: another fd >= 100",
        d3 >= 100 && d3 != d2,
        d3,
    );
    expect_eq(
        "fd_dup2 cloexec=true: CLOEXEC set",
        w::fdflags_get(d3),
        Ok(FD_CLOEXEC),
    );
    expect_eq(
        "fd_dup2 cloexec=true leaves the original's flags alone",
        w::fdflags_get(wr),
        Ok(0),
    );

    must("fd_fdflags_set CLOEXEC", w::fdflags_set(d2, FD_CLOEXEC));
    expect_eq(
        "fd_fdflags_set CLOEXEC then get",
        w::fdflags_get(d2),
        Ok(FD_CLOEXEC),
    );
    must("fd_fdflags_set 0", w::fdflags_set(d2, 0));
    expect_eq("fd_fdflags_set 0 then get", w::fdflags_get(d2), Ok(0));

    must("fd_renumber", w::renumber(d2, 60));
    // A WASIX program's `fd_renumber` is `dup2` (wasmer's; wasix-libc's `dup2`).
    check("fd_renumber: the old number stays open", w::is_open(d2), d2);
    must("close the old number", w::close(d2));
    must("write via renumbered fd", w::write_all(60, b"renumbered\n"));
    let n = must("read", w::read(r, &mut buf));
    expect_eq(
        "fd_renumber: the new number writes into the pipe",
        text(&buf[..n]).as_str(),
        "renumbered\n",
    );

    let (keep, gone) = (60.to_string(), d3.to_string());
    let pid = must(
        "proc_spawn2 wasix-test fd-check",
        w::spawn2(
            SELF,
            &["wasix-test", "fd-check", &keep, &gone],
            &[],
            &[],
            false,
            "",
        ),
    );
    expect_exit(
        "spawned child has the plain fd but not the CLOEXEC one (child exit 0)",
        pid,
        0,
    );

    for fd in [r, wr, 60, d3] {
        must("close", w::close(fd));
    }
}

/// Child of `dup`: exit 0 iff KEEP is open and GONE is not.
fn fd_check(keep: &str, gone: &str) -> ExitCode {
    let (Ok(keep), Ok(gone)) = (keep.parse::<Fd>(), gone.parse::<Fd>()) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let (keep_open, gone_open) = (w::is_open(keep), w::is_open(gone));
    if keep_open && !gone_open {
        return ExitCode::SUCCESS;
    }
    eprintln!(
        "fd-check: fd {keep} open: {keep_open} (want true), CLOEXEC fd {gone} open: {gone_open} (want false)"
    );
    ExitCode::FAILURE
}

/// Runs `wasix-test pwd` with `working_dir` and returns what it printed.
fn child_pwd(working_dir: &str, chroot: bool) -> String {
    let mut s = Spawn::new(SELF, &["wasix-test", "pwd"]).stdio(
        stdio::INHERIT,
        stdio::PIPED,
        stdio::INHERIT,
    );
    s.working_dir = working_dir;
    s.chroot = chroot;
    let h = spawn("spawn wasix-test pwd", s);
    let out = slurp("read pwd output", piped("stdout handle", h.stdout));
    expect_exit("join wasix-test pwd: EXIT_NORMAL 0", h.pid, 0);
    text(&out)
}

fn cwd() {
    expect_eq("getcwd at start", w::getcwd(), Ok("/".to_owned()));
    must("chdir /tmp", w::chdir("/tmp"));
    expect_eq("chdir /tmp then getcwd", w::getcwd(), Ok("/tmp".to_owned()));
    must("chdir ..", w::chdir(".."));
    expect_eq("chdir .. then getcwd", w::getcwd(), Ok("/".to_owned()));
    must("chdir tmp", w::chdir("tmp"));
    expect_eq(
        "chdir tmp (relative) then getcwd",
        w::getcwd(),
        Ok("/tmp".to_owned()),
    );
    check(
        "getcwd into a 1-byte buffer fails",
        w::getcwd_cap(1).is_err(),
        format_args!("{:?}", w::getcwd_cap(1)),
    );

    expect_eq(
        "child inherits the working directory",
        child_pwd(".", false).as_str(),
        "/tmp\n",
    );
    expect_eq(
        "child with working_dir /bin",
        child_pwd("/bin", false).as_str(),
        "/bin\n",
    );
    expect_eq(
        "parent's working directory unchanged by the child's",
        w::getcwd(),
        Ok("/tmp".to_owned()),
    );

    expect_err(
        "chdir to a missing directory -> NOENT",
        w::chdir("/no-such-dir"),
        errno::NOENT,
    );
    expect_err(
        "chdir to a file -> NOTDIR",
        w::chdir("/bin/echo"),
        errno::NOTDIR,
    );
    expect_eq(
        "failed chdir leaves getcwd alone",
        w::getcwd(),
        Ok("/tmp".to_owned()),
    );
    must("chdir /", w::chdir("/"));
    expect_eq("chdir / then getcwd", w::getcwd(), Ok("/".to_owned()));
}

fn pwd() -> ExitCode {
    match w::getcwd() {
        Ok(cwd) => {
            println!("{cwd}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("pwd: getcwd: {}", show(e));
            ExitCode::FAILURE
        }
    }
}

fn io_ok(label: &str, result: std::io::Result<()>) {
    if let Err(e) = result {
        fail(label, userland::describe(&e));
    }
}

/// `cat PATH` chrooted to `jail` (with `/` preopened): (exit status, stdout, stderr).
fn jailed_cat(jail: &str, path: &str) -> (Status, String, String) {
    let args = ["cat", path];
    let mut s = Spawn::new(CAT, &args).stdio(stdio::INHERIT, stdio::PIPED, stdio::PIPED);
    s.chroot = true;
    s.working_dir = jail;
    s.preopens = &["/"];
    let h = spawn("spawn chrooted cat", s);
    let out = slurp("read cat stdout", piped("stdout handle", h.stdout));
    let err = slurp("read cat stderr", piped("stderr handle", h.stderr));
    let status = join_pid("join chrooted cat", h.pid);
    (status, text(&out), text(&err))
}

fn chroot(dir: &str) {
    if !dir.starts_with('/') {
        fail("chroot DIR must be absolute", dir);
    }
    let dir = dir.trim_end_matches('/');
    let jail = format!("{dir}/jail");
    let secret = format!("{dir}/secret.txt");
    io_ok("mkdir DIR/jail", fs::create_dir(&jail));
    io_ok(
        "write DIR/secret.txt",
        fs::write(&secret, "secret outside the jail\n"),
    );
    io_ok(
        "write DIR/jail/inside.txt",
        fs::write(format!("{jail}/inside.txt"), "inside\n"),
    );
    io_ok(
        "symlink DIR/jail/escape -> ../secret.txt",
        symlink_path("../secret.txt", format!("{jail}/escape")),
    );
    io_ok(
        "symlink DIR/jail/escape-abs -> DIR/secret.txt",
        symlink_path(&secret, format!("{jail}/escape-abs")),
    );
    ok("chroot: setup");

    let (status, out, err) = jailed_cat(&jail, "/inside.txt");
    check(
        "chroot: cat /inside.txt reads the file",
        status == Status::Exit(0) && out == "inside\n",
        format_args!("{status}, stdout {out:?}, stderr {err:?}"),
    );
    for path in [
        "/../secret.txt",
        "../secret.txt",
        "/../../secret.txt",
        "/escape",
        "/escape-abs",
    ] {
        let (status, out, err) = jailed_cat(&jail, path);
        let label = format!("chroot: cat {path} fails");
        check(
            &label,
            status != Status::Exit(0) && !out.contains("secret"),
            format_args!("{status}, stdout {out:?}, stderr {err:?}"),
        );
        println!("  {status}, stderr {:?}", err.trim_end());
    }
    expect_eq(
        "chroot: child's getcwd",
        child_pwd(&jail, true).as_str(),
        "/\n",
    );

    for file in [
        "jail/escape-abs",
        "jail/escape",
        "jail/inside.txt",
        "secret.txt",
    ] {
        io_ok("cleanup", fs::remove_file(format!("{dir}/{file}")));
    }
    io_ok("cleanup", fs::remove_dir(&jail));
    ok("chroot: cleanup");
}

fn preopen(dirs: &[&str]) {
    let mut s = Spawn::new(SELF, &["wasix-test", "list-preopens"]).stdio(
        stdio::INHERIT,
        stdio::PIPED,
        stdio::INHERIT,
    );
    s.preopens = dirs;
    let h = spawn("spawn wasix-test list-preopens with preopens", s);
    let out = text(&slurp(
        "read child output",
        piped("stdout handle", h.stdout),
    ));
    expect_exit("join list-preopens: EXIT_NORMAL 0", h.pid, 0);
    for line in out.lines() {
        println!("  child: {line}");
    }
    for dir in dirs {
        let listed = out
            .lines()
            .any(|line| line.split_once(": ").is_some_and(|(_, name)| name == *dir));
        check(
            &format!("child has preopen {dir}"),
            listed,
            format_args!("{out:?}"),
        );
    }
}

/// Child of `preopen`: `fd N: NAME` for each preopened directory among fds 3..64.
fn list_preopens() -> ExitCode {
    use wasix::wasi::wasi_snapshot_preview1 as p1;
    for fd in 3..64 {
        let mut prestat = [0u32; 2];
        // SAFETY: an 8-byte, 4-aligned writable prestat.
        let ret = unsafe { p1::fd_prestat_get(fd, prestat.as_mut_ptr() as usize as i32) };
        if ret != 0 {
            continue;
        }
        let mut name = vec![0u8; prestat[1] as usize];
        // SAFETY: `name` holds `name.len()` writable bytes.
        let ret = unsafe {
            p1::fd_prestat_dir_name(fd, name.as_mut_ptr() as usize as i32, name.len() as i32)
        };
        if ret != 0 {
            println!(
                "fd {fd}: fd_prestat_dir_name failed: {}",
                show(ret as Errno)
            );
            return ExitCode::FAILURE;
        }
        println!("fd {fd}: {}", text(&name).trim_end_matches('\0'));
    }
    ExitCode::SUCCESS
}

fn exec(search: bool) -> ExitCode {
    let e = w::exec3("/bin/no-such-program", &["no-such-program"], false, "");
    check(
        "proc_exec3 of a missing program -> NOENT",
        e == errno::NOENT,
        show(e),
    );
    let e = if search {
        println!("proc_exec3 echo via PATH /no-such-dir:/bin: the output below is echo's");
        w::exec3(
            "echo",
            &["echo", "exec", "via", "PATH", "worked"],
            true,
            "/no-such-dir:/bin",
        )
    } else {
        println!("proc_exec3 /bin/echo: the output below is echo's");
        w::exec3(ECHO, &["echo", "exec", "worked"], false, "")
    };
    fail("proc_exec3 returned", show(e));
}

fn ids() {
    let me = must("proc_id", w::proc_id());
    check("proc_id > 0", me > 0, me);
    must("proc_parent(own pid)", w::proc_parent(me));
    ok("proc_parent(own pid) succeeds");

    let arg = me.to_string();
    let h = spawn(
        "spawn wasix-test ids-child",
        Spawn::new(SELF, &["wasix-test", "ids-child", &arg]).stdio(
            stdio::INHERIT,
            stdio::PIPED,
            stdio::INHERIT,
        ),
    );
    let out = text(&slurp(
        "read child output",
        piped("stdout handle", h.stdout),
    ));
    expect_exit(
        "child: proc_parent(own pid) is the spawner (child exit 0)",
        h.pid,
        0,
    );
    expect_eq(
        "child's proc_id equals the pid proc_spawn returned",
        out,
        format!("pid {}\n", h.pid),
    );
    check("child's pid differs from ours", h.pid != me, h.pid);
}

/// Child of `ids`: prints `pid N`; exit 0 iff its parent is PARENT.
fn ids_child(parent: &str) -> ExitCode {
    let me = must("proc_id", w::proc_id());
    println!("pid {me}");
    let got = w::proc_parent(me);
    if got.ok().map(|p| p.to_string()).as_deref() == Some(parent) {
        ExitCode::SUCCESS
    } else {
        eprintln!("ids-child: proc_parent({me}) = {got:?}, want {parent}");
        ExitCode::FAILURE
    }
}

fn sigdisp() {
    let disps = [
        w::disposition(sig::PIPE, DISP_IGNORE),
        w::disposition(sig::USR1, DISP_IGNORE),
    ];
    let pid = must(
        "proc_spawn2 wasix-test signals",
        w::spawn2(SELF, &["wasix-test", "signals"], &[], &disps, false, ""),
    );
    expect_exit(
        "child reads back PIPE and USR1 ignored via proc_signals_get (child exit 0)",
        pid,
        0,
    );

    let pid = must(
        "proc_spawn2 spin, USR1 ignored",
        w::spawn2(SPIN, &["spin"], &[], &disps[1..], false, ""),
    );
    must("thread_sleep 50 ms", w::sleep_ms(50));
    must("proc_signal USR1", w::signal(pid, sig::USR1));
    must("thread_sleep 50 ms", w::sleep_ms(50));
    let (_, status) = must(
        "proc_join NON_BLOCKING",
        w::join(Some(pid), JOIN_NON_BLOCKING),
    );
    check(
        "ignored USR1 does not end the child",
        status == Status::Nothing,
        status,
    );
    must("proc_signal KILL", w::signal(pid, sig::KILL));
    expect_signal("KILL still does -> EXIT_SIGNAL 9", pid, sig::KILL);

    let pid = must(
        "proc_spawn2 spin",
        w::spawn2(SPIN, &["spin"], &[], &[], false, ""),
    );
    must("thread_sleep 50 ms", w::sleep_ms(50));
    must("proc_signal USR1", w::signal(pid, sig::USR1));
    expect_signal(
        "default USR1 ends the child -> EXIT_SIGNAL 10",
        pid,
        sig::USR1,
    );
}

/// `sched_yield` hands the processor over: a child is spawned (ready, not yet run) to write
/// into a pipe we poll without blocking, yielding whenever it is empty. Round robin runs
/// the child at our first yield or two; were yield a no-op, we would spin through
/// thousands of calls until the timer preempted us.
fn yield_to_child() {
    use wasix::wasi::wasi_snapshot_preview1 as p1;
    let (r, wr) = must("fd_pipe", w::pipe());
    let pid = must(
        "spawn echo into the pipe",
        w::spawn2(
            ECHO,
            &["echo", "from the child"],
            &[w::fd_op_dup2(wr, 1), w::fd_op_close(r)],
            &[],
            false,
            "",
        ),
    );
    must("close the write end", w::close(wr));
    // SAFETY: no pointers.
    let set = unsafe { p1::fd_fdstat_set_flags(r as i32, 4) };
    expect_eq("fd_fdstat_set_flags(NONBLOCK)", set, 0);
    let (mut yields, mut got) = (0u32, Vec::new());
    let mut buf = [0u8; 64];
    loop {
        match w::read(r, &mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(errno::AGAIN) if yields < 100_000 => {
                // SAFETY: no arguments.
                let e = unsafe { p1::sched_yield() };
                expect_eq("sched_yield", e, 0);
                yields += 1;
            }
            Err(e) => fail("read the pipe", show(e)),
        }
    }
    must("close the read end", w::close(r));
    let st = must("join echo", w::join(Some(pid), 0));
    expect_eq("echo's status", st.1, Status::Exit(0));
    expect_eq(
        "the child's output",
        String::from_utf8_lossy(&got).as_ref(),
        "from the child\n",
    );
    println!("sched_yield: {yields} yields until the child's output and end");
    // A yield runs the child (start-up, one write, exit) within a slice or two of its own.
    check(
        "sched_yield ran the child within 10 yields",
        yields <= 10,
        yields,
    );
}

/// `pingpong N`: N one-byte round trips with a `pong` child over its piped stdin and
/// stdout; every round blocks each side in a pipe read until the other's write wakes it.
/// Run with a fast timer (`hz=`), ticks often land just as a read blocks: a wake-up lost
/// there (the bug d92d0d9 fixed) leaves both sides asleep for good.
fn pingpong(rounds: u64) {
    let h = spawn(
        "spawn wasix-test pong",
        Spawn::new(SELF, &["wasix-test", "pong"]).stdio(stdio::PIPED, stdio::PIPED, stdio::INHERIT),
    );
    let (Some(to), Some(from)) = (h.stdin, h.stdout) else {
        fail("pong's pipes", "none")
    };
    let mut byte = [0u8; 1];
    for round in 0..rounds {
        let sent = round as u8;
        must("write a ping", w::write_all(to, &[sent]));
        let n = must("read the pong", w::read(from, &mut byte));
        if n != 1 || byte[0] != sent.wrapping_add(1) {
            fail("pong", format_args!("round {round}: {n} bytes, {:?}", byte));
        }
    }
    must("close pong's stdin", w::close(to));
    let rest = must("read to pong's end", w::read_to_end(from));
    expect_eq("pong's output after its stdin closed", rest.len(), 0);
    must("close pong's stdout", w::close(from));
    let st = must("join pong", w::join(Some(h.pid), 0));
    expect_eq("pong's status", st.1, Status::Exit(0));
    ok(&format!("pingpong: {rounds} round trips"));
}

/// Child of `pingpong`: answers each byte on stdin with the byte + 1 until end of file.
fn pong() -> ExitCode {
    let mut byte = [0u8; 1];
    loop {
        match w::read(0, &mut byte) {
            Ok(0) => return ExitCode::SUCCESS,
            Ok(_) => {
                if w::write_all(1, &[byte[0].wrapping_add(1)]).is_err() {
                    return ExitCode::FAILURE;
                }
            }
            Err(_) => return ExitCode::FAILURE,
        }
    }
}

/// Child of `sigdisp`: exit 0 iff PIPE and USR1 are reported as ignored.
fn signals() -> ExitCode {
    match w::signal_dispositions() {
        Ok(list)
            if list.contains(&(sig::PIPE, DISP_IGNORE))
                && list.contains(&(sig::USR1, DISP_IGNORE)) =>
        {
            ExitCode::SUCCESS
        }
        other => {
            eprintln!("signals: proc_signals_get = {other:?}, want (13, 1) and (10, 1) in it");
            ExitCode::FAILURE
        }
    }
}

fn tty() {
    let before = must("tty_get", w::tty_get());
    ok("tty_get");
    let mut flipped = before;
    flipped.echo = !before.echo;
    must("tty_set (echo toggled)", w::tty_set(&flipped));
    let after = must("tty_get", w::tty_get());
    check(
        "tty_set echo toggle, then tty_get",
        after.echo == flipped.echo,
        after.echo,
    );
    must("tty_set (restore)", w::tty_set(&before));
    let restored = must("tty_get", w::tty_get());
    check(
        "tty_set restore, then tty_get",
        restored.echo == before.echo,
        restored.echo,
    );
}

fn parse_count(arg: &str) -> u64 {
    arg.parse().unwrap_or_else(|_| fail("parse count", arg))
}

fn spawn_many(n: u64) {
    for _ in 0..n {
        let h = spawn("spawn /bin/true", Spawn::new(TRUE, &["true"]));
        let status = join_pid("join /bin/true", h.pid);
        if status != Status::Exit(0) {
            fail("join /bin/true: EXIT_NORMAL 0", status);
        }
    }
    ok(&format!(
        "spawn-many: {n} spawned, each joined with EXIT_NORMAL 0"
    ));
    let h = spawn("spawn /bin/false", Spawn::new(FALSE, &["false"]));
    expect_exit("spawn-many: /bin/false -> EXIT_NORMAL 1", h.pid, 1);
}

fn spawn_concurrent(n: u64) {
    let pids: Vec<Pid> = (0..n)
        .map(|_| {
            spawn(
                "spawn sleep-ms 200",
                Spawn::new(SLEEP_MS, &["sleep-ms", "200"]),
            )
            .pid
        })
        .collect();
    let mut sorted = pids.clone();
    sorted.sort();
    sorted.dedup();
    check(
        &format!("spawn-concurrent: {n} children with distinct pids"),
        sorted.len() == pids.len(),
        sorted.len(),
    );
    for pid in pids {
        let status = join_pid("join sleep-ms", pid);
        if status != Status::Exit(0) {
            fail("join sleep-ms: EXIT_NORMAL 0", status);
        }
    }
    ok(&format!(
        "spawn-concurrent: {n} sleeping children joined, each EXIT_NORMAL 0"
    ));
}

fn bomb() {
    const LIMIT: usize = 10_000;
    let mut pids = Vec::new();
    let result = loop {
        if pids.len() == LIMIT {
            break None;
        }
        match Spawn::new(SLEEP_MS, &["sleep-ms", "600000"]).run() {
            Ok(h) => pids.push(h.pid),
            Err(e) => break Some(e),
        }
    };
    // Clean up before judging, so a failure does not leave sleepers behind.
    let mut bad = None;
    for &pid in &pids {
        if let Err(e) = w::signal(pid, sig::KILL) {
            bad.get_or_insert(format!("proc_signal KILL: {}", show(e)));
        }
    }
    for &pid in &pids {
        match w::join(Some(pid), 0) {
            Ok((_, Status::Signal { sig: sig::KILL, .. })) => {}
            Ok((_, status)) => {
                bad.get_or_insert(format!("join: {status}"));
            }
            Err(e) => {
                bad.get_or_insert(format!("join: {}", show(e)));
            }
        }
    }
    match result {
        Some(errno::AGAIN) => ok("bomb: proc_spawn eventually fails with AGAIN"),
        Some(e) => fail("bomb: proc_spawn eventually fails with AGAIN", show(e)),
        None => fail(
            "bomb: proc_spawn eventually fails with AGAIN",
            format_args!("{LIMIT} spawns succeeded"),
        ),
    }
    match bad {
        None => ok("bomb: every child killed and joined with EXIT_SIGNAL 9"),
        Some(got) => fail(
            "bomb: every child killed and joined with EXIT_SIGNAL 9",
            got,
        ),
    }
    expect_err(
        "bomb: no children left -> CHILD",
        w::join(None, 0),
        errno::CHILD,
    );
}

fn stream(len: u64) -> ExitCode {
    let mut source = Stream::new(len);
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = source.fill(&mut buf);
        if n == 0 {
            return ExitCode::SUCCESS;
        }
        if let Err(e) = w::write_all(1, &buf[..n]) {
            eprintln!("stream: write: {}", show(e));
            return ExitCode::FAILURE;
        }
    }
}

fn sum() -> ExitCode {
    let mut hash = Fnv64::default();
    let mut total = 0u64;
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match w::read(0, &mut buf) {
            Ok(0) => break,
            Ok(n) => {
                hash.update(&buf[..n]);
                total += n as u64;
            }
            Err(e) => {
                eprintln!("sum: read: {}", show(e));
                return ExitCode::FAILURE;
            }
        }
    }
    println!("{}", w::summary(total, hash));
    ExitCode::SUCCESS
}

fn pipeline(len: u64) {
    let arg = len.to_string();
    let (r1, w1) = must("fd_pipe 1", w::pipe());
    let (r2, w2) = must("fd_pipe 2", w::pipe());
    let close_all = [r1, w1, r2, w2].map(w::fd_op_close);

    let mut ops = vec![w::fd_op_dup2(w1, 1)];
    ops.extend_from_slice(&close_all);
    let stream_pid = must(
        "proc_spawn2 wasix-test stream",
        w::spawn2(SELF, &["wasix-test", "stream", &arg], &ops, &[], false, ""),
    );

    let mut ops = vec![w::fd_op_dup2(r1, 0), w::fd_op_dup2(w2, 1)];
    ops.extend_from_slice(&close_all);
    let cat_pid = must(
        "proc_spawn2 cat",
        w::spawn2(CAT, &["cat"], &ops, &[], false, ""),
    );

    let (r3, w3) = must("fd_pipe 3", w::pipe());
    let mut ops = vec![w::fd_op_dup2(r2, 0), w::fd_op_dup2(w3, 1)];
    ops.extend_from_slice(&close_all);
    ops.extend([w::fd_op_close(r3), w::fd_op_close(w3)]);
    let sum_pid = must(
        "proc_spawn2 wasix-test sum",
        w::spawn2(SELF, &["wasix-test", "sum"], &ops, &[], false, ""),
    );

    for fd in [r1, w1, r2, w2, w3] {
        must("close the parent's pipe ends", w::close(fd));
    }
    let got = text(&slurp("read the sum line", r3));
    expect_exit("pipeline: stream exits 0", stream_pid, 0);
    expect_exit("pipeline: cat exits 0", cat_pid, 0);
    expect_exit("pipeline: sum exits 0", sum_pid, 0);

    let mut source = Stream::new(len);
    let mut hash = Fnv64::default();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = source.fill(&mut buf);
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
    }
    let want = w::summary(len, hash);
    println!("pipeline: got: {}", got.trim_end());
    println!("pipeline: expected: {want}");
    expect_eq(
        "pipeline: stream | cat | sum checksum",
        got,
        format!("{want}\n"),
    );
}

fn main() -> ExitCode {
    userland::inherit_cwd();
    let argv: Vec<String> = std::env::args().collect();
    let words: Vec<&str> = argv.iter().skip(1).map(String::as_str).collect();
    match *words.as_slice() {
        ["spawn-modes"] => spawn_modes(),
        ["errors"] => errors("/tmp"),
        ["errors", dir] => errors(dir),
        ["join"] => join(),
        ["kill"] => kill(),
        ["pipe"] => pipe(),
        ["dup"] => dup(),
        ["cwd"] => cwd(),
        ["chroot", dir] => chroot(dir),
        ["preopen"] => preopen(&["/data", "/tmp"]),
        ["preopen", ref dirs @ ..] => preopen(dirs),
        ["exec"] => return exec(false),
        ["exec-path"] => return exec(true),
        ["exec1"] => {
            println!("proc_exec /bin/sh: the output below is the shell's");
            w::exec1(
                "/bin/sh",
                &["sh", "-c", "echo proc_exec: argv and KEPT=$KEPT"],
            );
        }
        ["exec2"] => {
            println!("proc_exec2 /bin/sh: the output below is the shell's");
            w::exec2(
                "/bin/sh",
                &["sh", "-c", "echo proc_exec2: KEPT=[$KEPT] NEW=$NEW"],
                &["NEW=given"],
            );
        }
        ["ids"] => ids(),
        ["sigdisp"] => sigdisp(),
        ["tty"] => tty(),
        ["yield"] => yield_to_child(),
        ["pingpong", n] => pingpong(parse_count(n)),
        ["pong"] => return pong(),
        ["spawn-many", n] => spawn_many(parse_count(n)),
        ["spawn-concurrent", n] => spawn_concurrent(parse_count(n)),
        ["bomb"] => bomb(),
        ["stream", n] => return stream(parse_count(n)),
        ["sum"] => return sum(),
        ["pipeline", n] => pipeline(parse_count(n)),
        // Internal: run as children by the cases above.
        ["pwd"] => return pwd(),
        ["epipe"] => return epipe(),
        ["fd-check", keep, gone] => return fd_check(keep, gone),
        ["list-preopens"] => return list_preopens(),
        ["ids-child", parent] => return ids_child(parent),
        ["signals"] => return signals(),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}
