#!/usr/bin/env python3
"""Run a WASI preview1 program under wasmtime, the reference the kernel is compared with.

    python3 wasmtime_run.py [--dir HOST::GUEST]... [--env K=V]... PROGRAM.wasm [ARGS]...

The guest sees argv[0] = PROGRAM's file name without its directory, then ARGS; exactly
the environment given with --env; the --dir preopens (HOST alone maps to the same guest
path); and this process's stdin, stdout and stderr. The script exits with the guest's
exit status: proc_exit's code, 0 when _start returns, or 134 after a trap, which is
reported on stderr as `trap: <message>` — wasmtime's innermost cause without backtrace
or addresses, e.g. `trap: out of bounds memory access` (wasmi words its traps the same
way). wasmtime refuses proc_exit codes >= 126 ("exit with invalid exit status outside
of [0..126)"); that and any other runtime error is reported as `error: <cause>` with
status 125. wasmtime has no WASIX: each import from another module (`wasix_32v1`, ...)
answers NOSYS (52), so a program that only links such calls (the shell) runs, and what
it does without them can be compared. Requires `pip install wasmtime==50.0.1` (the
version .ci/run pins).
"""

import argparse
import os
import sys

import wasmtime

TRAP_STATUS = 134
ERROR_STATUS = 125
ENOSYS = 52


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", action="append", default=[], metavar="HOST::GUEST",
                        help="preopen HOST as GUEST (may repeat)")
    parser.add_argument("--env", action="append", default=[], metavar="K=V",
                        help="set a guest environment variable (may repeat)")
    parser.add_argument("program", help="the .wasm file to run")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="guest arguments")
    return parser.parse_args(argv)


def wasi_config(opts):
    config = wasmtime.WasiConfig()
    config.argv = [os.path.basename(opts.program), *opts.args]
    env = []
    for pair in opts.env:
        key, sep, val = pair.partition("=")
        if not sep:
            sys.exit(f"wasmtime_run: --env needs K=V, got {pair!r}")
        env.append((key, val))
    config.env = env
    for spec in opts.dir:
        host, _, guest = spec.partition("::")
        config.preopen_dir(host, guest or host)
    config.inherit_stdin()
    config.inherit_stdout()
    config.inherit_stderr()
    return config


def cause(message):
    """The innermost `Caused by:` line of a wasmtime error, without numbering/prefix."""
    line = message.strip().splitlines()[-1].strip()
    number, sep, rest = line.partition(": ")
    if sep and number.isdigit():
        line = rest
    return line.removeprefix("wasm trap: ")


def define_nosys(linker, store, module):
    """Defines every function import outside WASI preview1 as returning NOSYS."""
    for imp in module.imports:
        if imp.module == "wasi_snapshot_preview1" or not isinstance(imp.type, wasmtime.FuncType):
            continue
        results = imp.type.results

        def nosys(*_args, results=results):
            if not results:
                return None
            return ENOSYS if len(results) == 1 else [ENOSYS] * len(results)

        linker.define(store, imp.module, imp.name, wasmtime.Func(store, imp.type, nosys))


def run(opts):
    engine = wasmtime.Engine()
    module = wasmtime.Module.from_file(engine, opts.program)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    store = wasmtime.Store(engine)
    store.set_wasi(wasi_config(opts))
    define_nosys(linker, store, module)
    instance = linker.instantiate(store, module)
    start = instance.exports(store)["_start"]
    try:
        start(store)
    except wasmtime.ExitTrap as exit_trap:
        return exit_trap.code
    except wasmtime.Trap as trap:
        print(f"trap: {cause(trap.message)}", file=sys.stderr)
        return TRAP_STATUS
    except wasmtime.WasmtimeError as err:
        print(f"error: {cause(str(err))}", file=sys.stderr)
        return ERROR_STATUS
    return 0


def main():
    # Guest output goes straight to file descriptors 1 and 2; flush Python's own first.
    sys.stdout.flush()
    status = run(parse_args(sys.argv[1:]))
    sys.exit(status)


if __name__ == "__main__":
    main()
