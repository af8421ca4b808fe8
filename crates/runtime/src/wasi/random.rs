//! `random_get`: bytes from the platform's CSPRNG, straight into guest memory.

use crate::sys::{Cx, SysResult};

pub fn random_get(cx: &mut Cx<'_>, buf: i32, len: i32) -> SysResult {
    let out = cx.mem.slice_mut(buf as u32, len as u32)?;
    cx.sys.platform.random(out);
    Ok(())
}
