#!/usr/bin/python3
"""Runs a command on a new pseudo-terminal and types into it, like a user would.

    pty_run.py TIMEOUT INPUT CMD...

INPUT is split into lines; each is typed (with a newline) after the command first
printed something (a prompt) or after one second, 0.3 s apart. Everything the
terminal showed is written to stdout. Exits with the command's status, or 124 on
timeout (the command is then killed).
"""
import os
import pty
import select
import signal
import sys
import time


def main() -> int:
    timeout = float(sys.argv[1])
    lines = [l for l in sys.argv[2].split("\n") if l]
    cmd = sys.argv[3:]
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    start = time.monotonic()
    deadline = start + timeout
    seen = b""
    next_send = start + 1.0
    while True:
        now = time.monotonic()
        if now >= deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            sys.stdout.write(seen.decode(errors="replace"))
            return 124
        if lines and (now >= next_send):
            os.write(fd, (lines.pop(0) + "\n").encode())
            next_send = now + 0.3
        wait = min(deadline, next_send if lines else deadline) - now
        ready, _, _ = select.select([fd], [], [], max(0.01, wait))
        if ready:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            if not data:
                break
            if not seen and lines:
                next_send = time.monotonic() + 0.3
            seen += data
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(seen.decode(errors="replace"))
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
