//! The hosted WASI runtime: wasmi 2.0 with `wasmi_wasi` (wasmi's own preview1 host, built on
//! wasi-common) linked in. Arguments and the environment are passed through; stdin, stdout
//! and stderr are this process's own (stdout can be redirected to any writer, which the
//! in-process CPU benchmark uses to prefix lines). No directories are preopened, so
//! `fd_prestat_get` answers BADF and guests see no filesystem.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use wasmi::{Engine, Linker, Module, Store};
use wasmi_wasi::{WasiCtx, WasiCtxBuilder, WasiFile};

/// Exit status for a trap (like the kernel's `run`: 128 + SIGABRT).
pub const TRAP_STATUS: i32 = 134;

/// `linux-init run MODULE ARGS...`: runs the module, returns its exit status.
pub fn run_cli(module: &Path, args: &[String]) -> i32 {
    let status = match run_module(module, args, None) {
        Ok(status) => status,
        Err(e) => {
            eprintln!("linux-init: {}: {e:#}", module.display());
            TRAP_STATUS
        }
    };
    let _ = std::io::stdout().flush();
    status
}

/// Runs `module`'s `_start` with argv `[file name, args...]` and returns its exit status
/// (0 when `_start` returns, the `proc_exit` code otherwise). A trap is an `Err`.
/// `stdout`: where the guest's fd 1 goes (None: this process's stdout).
pub fn run_module(
    module: &Path,
    args: &[String],
    stdout: Option<Box<dyn WasiFile>>,
) -> Result<i32> {
    let wasm = std::fs::read(module).with_context(|| format!("reading {}", module.display()))?;
    let engine = Engine::default();
    let module_obj = Module::new(&engine, &wasm).context("compiling")?;

    let argv0 = module.file_name().map_or_else(
        || module.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut builder = WasiCtxBuilder::new();
    builder.inherit_stdin().inherit_stderr();
    match stdout {
        Some(file) => builder.stdout(file),
        None => builder.inherit_stdout(),
    };
    builder.arg(&argv0)?.args(args)?.inherit_env()?;
    let ctx: WasiCtx = builder.build();

    let mut linker = Linker::<WasiCtx>::new(&engine);
    wasmi_wasi::add_to_linker(&mut linker, |ctx| ctx).context("linking WASI")?;
    let mut store = Store::new(&engine, ctx);
    let instance = linker
        .instantiate_and_start(&mut store, &module_obj)
        .context("instantiating")?;
    let start = instance
        .get_typed_func::<(), ()>(&store, "_start")
        .context("finding _start")?;
    match start.call(&mut store, ()) {
        Ok(()) => Ok(0),
        Err(e) => match e.i32_exit_status() {
            Some(status) => Ok(status),
            None => Err(anyhow::anyhow!("trap: {e}")),
        },
    }
}
