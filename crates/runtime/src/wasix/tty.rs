//! `tty_get` / `tty_set`: the console's terminal description (24 bytes: cols, rows, width,
//! height as u32, then the stdin/stdout/stderr-is-a-tty, echo, line-buffered and
//! line-feeds flags as bytes). The settings are system-wide, like the one serial console.

use abi::Errno;

use crate::files::Object;
use crate::sys::{Cx, SysResult, Tty};

fn is_console(cx: &Cx<'_>, fd: u32) -> bool {
    cx.proc
        .fds
        .get(fd)
        .ok()
        .and_then(|e| cx.sys.files.get(e.file).ok())
        .is_some_and(|f| matches!(f.object, Object::ConsoleIn | Object::ConsoleOut(_)))
}

pub fn tty_get(cx: &mut Cx<'_>, out: i32) -> SysResult {
    let t = cx.sys.tty;
    let mut buf = [0u8; 24];
    buf[0..4].copy_from_slice(&t.cols.to_le_bytes());
    buf[4..8].copy_from_slice(&t.rows.to_le_bytes());
    buf[8..12].copy_from_slice(&t.width.to_le_bytes());
    buf[12..16].copy_from_slice(&t.height.to_le_bytes());
    buf[16] = u8::from(is_console(cx, 0));
    buf[17] = u8::from(is_console(cx, 1));
    buf[18] = u8::from(is_console(cx, 2));
    buf[19] = u8::from(t.echo);
    buf[20] = u8::from(t.line_buffered);
    buf[21] = u8::from(t.line_feeds);
    cx.mem.write(out as u32, &buf)?;
    Ok(())
}

pub fn tty_set(cx: &mut Cx<'_>, tty: i32) -> SysResult {
    let b = cx.mem.read_array::<24>(tty as u32)?;
    let word = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let flag = |i: usize| match b[i] {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(Errno::Inval),
    };
    cx.sys.tty = Tty {
        cols: word(0),
        rows: word(4),
        width: word(8),
        height: word(12),
        echo: flag(19)?,
        line_buffered: flag(20)?,
        line_feeds: flag(21)?,
    };
    Ok(())
}
