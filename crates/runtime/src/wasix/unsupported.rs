//! WASIX calls of subsystems this kernel does not have yet — sockets and ports,
//! threads beyond the main one, dynamic linking, closures, contexts —
//! registered so that a program that merely imports them (every wasix-libc program
//! imports most) still loads; each answers NOTSUP. The signatures are those of
//! wasix-libc's import declarations (`__wasixlibc_real.c`). docs/WASIX.md lists them.

use alloc::vec::Vec;

use abi::Errno;
use wasmi::{FuncType, Linker, Val, ValType};

use crate::sys::Proc;
use crate::sys::Registry;

/// (name, parameter types, result type or "" for none), for `wasix_32v1`.
pub const CALLS: &[(&str, &str, &str)] = &[
    ("call_dynamic", "i32 i32 i32 i32 i32 i32", "i32"),
    ("clock_time_set", "i32 i64", "i32"),
    ("closure_allocate", "i32", "i32"),
    ("closure_free", "i32", "i32"),
    ("closure_prepare", "i32 i32 i32 i32 i32 i32 i32", "i32"),
    ("context_create", "i32 i32", "i32"),
    ("context_destroy", "i64", "i32"),
    ("context_switch", "i64", "i32"),
    ("dl_invalid_handle", "i32", "i32"),
    ("dlopen", "i32 i32 i32 i32 i32 i32 i32 i32", "i32"),
    ("dlsym", "i32 i32 i32 i32 i32 i32", "i32"),
    ("port_addr_add", "i32", "i32"),
    ("port_addr_clear", "", "i32"),
    ("port_addr_list", "i32 i32", "i32"),
    ("port_addr_remove", "i32", "i32"),
    ("port_bridge", "i32 i32 i32 i32 i32", "i32"),
    ("port_dhcp_acquire", "", "i32"),
    ("port_gateway_set", "i32", "i32"),
    ("port_mac", "i32", "i32"),
    ("port_route_add", "i32 i32 i32 i32", "i32"),
    ("port_route_clear", "", "i32"),
    ("port_route_list", "i32 i32", "i32"),
    ("port_route_remove", "i32", "i32"),
    ("port_unbridge", "", "i32"),
    ("proc_fork_env", "i32", "i32"),
    ("proc_snapshot", "", "i32"),
    ("reflect_signature", "i32 i32 i32 i32 i32 i32", "i32"),
    ("resolve", "i32 i32 i32 i32 i32 i32", "i32"),
    ("sock_accept_v2", "i32 i32 i32 i32", "i32"),
    ("sock_addr_local", "i32 i32", "i32"),
    ("sock_addr_peer", "i32 i32", "i32"),
    ("sock_bind", "i32 i32", "i32"),
    ("sock_connect", "i32 i32", "i32"),
    ("sock_get_opt_flag", "i32 i32 i32", "i32"),
    ("sock_get_opt_size", "i32 i32 i32", "i32"),
    ("sock_get_opt_time", "i32 i32 i32", "i32"),
    ("sock_join_multicast_v4", "i32 i32 i32", "i32"),
    ("sock_join_multicast_v6", "i32 i32 i32", "i32"),
    ("sock_leave_multicast_v4", "i32 i32 i32", "i32"),
    ("sock_leave_multicast_v6", "i32 i32 i32", "i32"),
    ("sock_listen", "i32 i32", "i32"),
    ("sock_open", "i32 i32 i32 i32", "i32"),
    ("sock_pair", "i32 i32 i32 i32 i32", "i32"),
    ("sock_recv_from", "i32 i32 i32 i32 i32 i32 i32", "i32"),
    ("sock_send_file", "i32 i32 i64 i64 i32", "i32"),
    ("sock_send_to", "i32 i32 i32 i32 i32 i32", "i32"),
    ("sock_set_opt_flag", "i32 i32 i32", "i32"),
    ("sock_set_opt_size", "i32 i32 i64", "i32"),
    ("sock_set_opt_time", "i32 i32 i32", "i32"),
    ("sock_status", "i32 i32", "i32"),
    ("thread_join", "i32", "i32"),
    ("thread_spawn_v2", "i32 i32", "i32"),
];

fn types(list: &str) -> Vec<ValType> {
    list.split_whitespace()
        .map(|t| {
            if t == "i64" {
                ValType::I64
            } else {
                ValType::I32
            }
        })
        .collect()
}

/// Registers every call of [`CALLS`] under `module`, answering NOTSUP.
pub fn register(
    linker: &mut Linker<Proc>,
    reg: &mut Registry,
    module: &str,
) -> Result<(), wasmi::Error> {
    for &(name, params, result) in CALLS {
        if !reg.wants(module, name) {
            continue;
        }
        let ty = FuncType::new(types(params), types(result));
        linker.func_new(module, name, ty, move |caller, _args, results| {
            log::debug!("pid {}: {name}: not supported", caller.data().data.pid);
            if let Some(r) = results.first_mut() {
                *r = Val::I32(i32::from(Errno::NotSup.raw()));
            }
            Ok(())
        })?;
        reg.record(module, name);
    }
    Ok(())
}
