#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal of its own, the way a person's terminal runs it:
the child is a session leader with the terminal as its controlling terminal, in the
foreground, so the terminal's signal keys (^C, ^\\, ^Z) would signal it unless it puts
the terminal in raw mode. Then drives it.

    pty_session.py STEPS_JSON TIMEOUT_SECS COMMAND [ARGS...]

STEPS_JSON is a list of ["wait", TEXT] (until TEXT appears in the output written since
the previous step), ["send", TEXT] (typed into the terminal) and ["sleep", SECS]. After
the last step the output is read to its end. Everything the command wrote goes to our
stdout; we exit with the command's exit status, 128+N when a signal N killed it, or 124
(with a line on stderr) when TIMEOUT_SECS passed first.
"""
import json
import os
import pty
import select
import signal
import sys
import time


def main():
    steps = json.loads(sys.argv[1])
    deadline = time.monotonic() + float(sys.argv[2])
    command = sys.argv[3:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(command[0], command)
    out = bytearray()
    mark = 0

    def read_some(wait):
        """Reads what is there within `wait` seconds; False at the end of the output."""
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            return True
        try:
            data = os.read(fd, 65536)
        except OSError:
            return False
        if not data:
            return False
        out.extend(data)
        return True

    def timed_out(what):
        sys.stdout.buffer.write(bytes(out))
        sys.stderr.write(f"pty_session: timed out {what}\n")
        os.killpg(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        sys.exit(124)

    for kind, arg in steps:
        if kind == "wait":
            while arg.encode() not in out[mark:]:
                if time.monotonic() > deadline:
                    timed_out(f"waiting for {arg!r}")
                if not read_some(0.1):
                    break
            mark = len(out)
        elif kind == "send":
            mark = len(out)
            os.write(fd, arg.encode())
        elif kind == "sleep":
            end = time.monotonic() + float(arg)
            while time.monotonic() < end:
                read_some(0.05)
    while read_some(0.1):
        if time.monotonic() > deadline:
            timed_out("waiting for the end")
    _, status = os.waitpid(pid, 0)
    sys.stdout.buffer.write(bytes(out))
    if os.WIFSIGNALED(status):
        sys.exit(128 + os.WTERMSIG(status))
    sys.exit(os.WEXITSTATUS(status))


main()
