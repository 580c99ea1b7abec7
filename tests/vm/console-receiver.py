#!/usr/bin/python3
# A --console-socket receiver for the guest tests (guest-criu.sh): accepts connections on
# PATH for ever; the pty master each one carries (SCM_RIGHTS) is read until it hangs up,
# its output appended to PREFIX.N (N counts the connections from 1).
import os
import socket
import sys
import threading


def pump(fd, out):
    with open(out, "ab", buffering=0) as f:
        while True:
            try:
                data = os.read(fd, 4096)
            except OSError:  # EIO once the slave side is gone
                break
            if not data:
                break
            f.write(data)
    os.close(fd)


def main():
    path, prefix = sys.argv[1], sys.argv[2]
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(4)
    n = 0
    while True:
        conn, _ = server.accept()
        _, fds, _, _ = socket.recv_fds(conn, 4096, 1)
        conn.close()
        if not fds:
            continue
        n += 1
        threading.Thread(target=pump, args=(fds[0], f"{prefix}.{n}"), daemon=True).start()


main()
