//! `tty_get` / `tty_set`: the console's terminal description (24 bytes: cols, rows, width,
//! height as u32, then the stdin/stdout/stderr-is-a-tty, echo, line-buffered and
//! line-feeds flags as bytes). The settings are system-wide, like the one serial console;
//! changing them needs the console on a standard stream and, once a foreground group is
//! set (`wasix::jobs`), being in it; a change lasts until the process that made it exits.

use abi::Errno;

use crate::io::is_console;
use crate::sys::{Cx, SysResult};
use crate::types::Tty;

/// `tty_get(ret_tty)`: the console's settings and whether fds 0–2 are the console.
pub fn tty_get(cx: &mut Cx<'_>, out: i32) -> SysResult {
    let t = cx.sys.tty;
    let abi = abi::wasix::Tty {
        cols: t.cols,
        rows: t.rows,
        width: t.width,
        height: t.height,
        stdin_tty: is_console(cx, 0),
        stdout_tty: is_console(cx, 1),
        stderr_tty: is_console(cx, 2),
        echo: t.echo,
        line_buffered: t.line_buffered,
        line_feeds: t.line_feeds,
    };
    cx.mem.write_struct(out as u32, &abi)?;
    Ok(())
}

/// `tty_set(tty)`: changes the console's settings, which every process shares. Only a
/// process with the console on fd 0, 1 or 2 may (PERM otherwise): one whose standard
/// streams all go elsewhere (a file, a pipe, null) is not talking to the terminal. The
/// change lasts as long as the process: its exit puts back the settings it found
/// ([`crate::sys::System::release_tty`]), so a program cannot leave the console raw, or
/// adding `\r` to the byte-exact output of the programs after it.
pub fn tty_set(cx: &mut Cx<'_>, tty: i32) -> SysResult {
    // A boolean byte other than 0 or 1 does not decode: INVAL.
    let t = cx.mem.read_struct::<abi::wasix::Tty>(tty as u32)?;
    if !crate::io::on_console(cx) {
        return Err(Errno::Perm.into());
    }
    // With a foreground group set, only it changes the console (a background job is
    // stopped by TTOU until it is brought to the foreground).
    crate::signals::background_access(cx, abi::wasix::signal::TTOU)?;
    let pid = cx.proc.pid;
    if !cx.sys.tty_saved.iter().any(|&(p, _)| p == pid) {
        crate::failpoint::reserve(&mut cx.sys.tty_saved, 1)?;
        let found = cx.sys.tty;
        cx.sys.tty_saved.push((pid, found));
    }
    cx.sys.tty = Tty {
        cols: t.cols,
        rows: t.rows,
        width: t.width,
        height: t.height,
        echo: t.echo,
        line_buffered: t.line_buffered,
        line_feeds: t.line_feeds,
    };
    Ok(())
}
