//! Every host call the runtime registers, with its wasm signature, for the `wasi_call`
//! target. A unit test checks this list against the runtime's registry, so a new call
//! fails the tests until it is listed here (and so fuzzed).

/// One host call: import module, name, parameter types (`i` = i32, `I` = i64), and
/// whether it returns an errno (the `proc_exit` family and the exec calls do not).
#[derive(Debug, Clone, Copy)]
pub struct Call {
    pub module: &'static str,
    pub name: &'static str,
    pub params: &'static str,
    pub returns: bool,
}

/// The preview1 calls: (name, params, returns an errno).
const PREVIEW1: &[(&str, &str, bool)] = &[
    ("args_get", "ii", true),
    ("args_sizes_get", "ii", true),
    ("environ_get", "ii", true),
    ("environ_sizes_get", "ii", true),
    ("clock_res_get", "ii", true),
    ("clock_time_get", "iIi", true),
    ("fd_advise", "iIIi", true),
    ("fd_allocate", "iII", true),
    ("fd_close", "i", true),
    ("fd_datasync", "i", true),
    ("fd_fdstat_get", "ii", true),
    ("fd_fdstat_set_flags", "ii", true),
    ("fd_fdstat_set_rights", "iII", true),
    ("fd_filestat_get", "ii", true),
    ("fd_filestat_set_size", "iI", true),
    ("fd_filestat_set_times", "iIIi", true),
    ("fd_pread", "iiiIi", true),
    ("fd_prestat_get", "ii", true),
    ("fd_prestat_dir_name", "iii", true),
    ("fd_pwrite", "iiiIi", true),
    ("fd_read", "iiii", true),
    ("fd_readdir", "iiiIi", true),
    ("fd_renumber", "ii", true),
    ("fd_seek", "iIii", true),
    ("fd_sync", "i", true),
    ("fd_tell", "ii", true),
    ("fd_write", "iiii", true),
    ("path_create_directory", "iii", true),
    ("path_filestat_get", "iiiii", true),
    ("path_filestat_set_times", "iiiiIIi", true),
    ("path_link", "iiiiiii", true),
    ("path_open", "iiiiiIIii", true),
    ("path_readlink", "iiiiii", true),
    ("path_remove_directory", "iii", true),
    ("path_rename", "iiiiii", true),
    ("path_symlink", "iiiii", true),
    ("path_unlink_file", "iii", true),
    ("poll_oneoff", "iiii", true),
    ("proc_raise", "i", true),
    ("sched_yield", "", true),
    ("random_get", "ii", true),
    ("sock_accept", "iii", true),
    ("sock_recv", "iiiiii", true),
    ("sock_send", "iiiii", true),
    ("sock_shutdown", "ii", true),
    ("proc_exit", "i", false),
];

/// The WASIX-only calls of `wasix_32v1`.
const WASIX: &[(&str, &str, bool)] = &[
    ("fd_pipe", "ii", true),
    ("fd_event", "Iii", true),
    ("epoll_create", "i", true),
    ("epoll_ctl", "iiii", true),
    ("epoll_wait", "iiiIi", true),
    ("fd_dup", "ii", true),
    ("fd_dup2", "iiii", true),
    ("fd_fdflags_get", "ii", true),
    ("fd_fdflags_set", "ii", true),
    ("path_open2", "iiiiiIIiii", true),
    ("getcwd", "ii", true),
    ("chdir", "ii", true),
    ("thread_sleep", "I", true),
    ("tty_get", "i", true),
    ("tty_set", "i", true),
    ("proc_id", "i", true),
    ("proc_parent", "ii", true),
    ("proc_spawn", "iiiiiiiiiiiii", true),
    ("proc_spawn2", "iiiiiiiiiiiiii", true),
    ("proc_join", "iii", true),
    ("proc_exec3", "iiiiiiiii", true),
    ("proc_spawn3", "iiiiiiiiiiiiii", true),
    ("proc_exec4", "iiiiiiiii", true),
    ("proc_signal", "ii", true),
    ("proc_signals_sizes_get", "i", true),
    ("proc_signals_get", "i", true),
    ("proc_raise_interval", "iIi", true),
    ("proc_exit2", "i", false),
    ("proc_exec2", "iiiiii", false),
    ("proc_exec", "iiii", false),
    ("callback_signal", "ii", false),
    ("futex_wait", "iiii", true),
    ("futex_wake", "ii", true),
    ("futex_wake_all", "ii", true),
    ("thread_id", "i", true),
    ("thread_signal", "ii", true),
    ("thread_parallelism", "i", true),
    ("thread_local_create", "Ii", true),
    ("thread_local_destroy", "i", true),
    ("thread_local_set", "iI", true),
    ("thread_local_get", "ii", true),
    ("thread_exit", "i", false),
    ("proc_fork", "ii", true),
    ("stack_checkpoint", "ii", true),
    ("stack_restore", "iI", false),
];

/// Every registered call, in a fixed order.
pub fn all() -> Vec<Call> {
    let mut calls = Vec::new();
    for module in ["wasi_snapshot_preview1", "wasix_32v1", "wasi_unstable"] {
        for &(name, params, returns) in PREVIEW1 {
            if module == "wasi_unstable" && name == "sock_accept" {
                continue;
            }
            calls.push(Call {
                module,
                name,
                params,
                returns,
            });
        }
    }
    for &(name, params, returns) in WASIX {
        calls.push(Call {
            module: "wasix_32v1",
            name,
            params,
            returns,
        });
    }
    // The calls of subsystems the kernel lacks, which answer NOTSUP.
    for &(name, params, result) in runtime::wasix::unsupported::CALLS {
        calls.push(Call {
            module: "wasix_32v1",
            name,
            params: signature(params),
            returns: !result.is_empty(),
        });
    }
    // The kernel's job-control extension.
    for (name, params) in [
        ("proc_setpgid", "ii"),
        ("proc_getpgid", "ii"),
        ("tty_setpgrp", "i"),
        ("tty_getpgrp", "i"),
    ] {
        calls.push(Call {
            module: abi::wasix::JOBS_MODULE,
            name,
            params,
            returns: true,
        });
    }
    // What lowered modules call for memory.atomic.wait / notify.
    for (name, params) in [
        ("atomic_wait32", "iiIi"),
        ("atomic_wait64", "iIIi"),
        ("atomic_notify", "iii"),
    ] {
        calls.push(Call {
            module: runtime::wasix::LOWERED,
            name,
            params,
            returns: true,
        });
    }
    calls
}

/// A parameter list of the unsupported-call table (`"i32 i64"`) in this table's letters
/// (`"iI"`); the lists are few and fixed, so they are interned.
fn signature(params: &'static str) -> &'static str {
    const KNOWN: &[(&str, &str)] = &[
        ("", ""),
        ("i32", "i"),
        ("i64", "I"),
        ("i32 i32", "ii"),
        ("i32 i64", "iI"),
        ("i64 i32", "Ii"),
        ("i64 i32 i32", "Iii"),
        ("i32 i32 i32", "iii"),
        ("i32 i32 i64", "iiI"),
        ("i32 i32 i32 i32", "iiii"),
        ("i32 i32 i32 i64 i32", "iiiIi"),
        ("i32 i32 i32 i32 i32", "iiiii"),
        ("i32 i32 i64 i64 i32", "iiIIi"),
        ("i32 i32 i32 i32 i32 i32", "iiiiii"),
        ("i32 i32 i32 i32 i32 i32 i32", "iiiiiii"),
        ("i32 i32 i32 i32 i32 i32 i32 i32", "iiiiiiii"),
        ("i32 i32 i32 i32 i32 i64 i64 i32 i32 i32", "iiiiiIIiii"),
    ];
    KNOWN.iter().find(|(long, _)| *long == params).map_or_else(
        || panic!("calls.rs: add the signature `{params}`"),
        |(_, short)| *short,
    )
}
