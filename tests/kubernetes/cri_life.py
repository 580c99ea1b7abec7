#!/usr/bin/python3
"""The kubelet calls tests/kubernetes/lifecycle.sh and tests/bench/cri_bench.sh make over CRI
that tests/engines/cri_client.py has no command for, on one gRPC channel per run.

    cri_life.py SOCKET GEN_DIR COMMAND ARGS...

  runp LOGDIR HANDLER JSON       RunPodSandbox with a PodSandboxConfig given as JSON, kept
                                 in LOGDIR/sandbox.json (as cri_client.py runp does)
  create POD LOGDIR JSON         CreateContainer with a ContainerConfig given as JSON (the
                                 sandbox config from LOGDIR/sandbox.json, as cri_client.py
                                 runp wrote it); prints the id
  status ID                      "STATE exit=N attempt=N reason=R finished=UNIX_NS"
  probes ID N CMD...             N ExecSync calls in a row; "ok=N failed=N median_ms p99_ms"
  exec_timeout ID SECONDS CMD... ExecSync with that timeout; "elapsed=S" and the outcome
  stop ID GRACE                  StopContainer; "elapsed=S"
  exec ID STDIN CMD...           streaming Exec through the URL containerd returns: sends
                                 STDIN, prints what each channel carried
  exec_tty ID STDIN CMD...       the same on a terminal (kubectl exec -it; no stderr)
  attach ID STDIN UNTIL          streaming Attach: sends STDIN, reads stdout until UNTIL
  reopen ID                      ReopenContainerLog
  podstart POD_JSON CTR_JSON N HANDLER...
                                 benchmark: N rounds, each handler in turn, of RunPodSandbox
                                 to the first container running, then 200 rounds of ExecSync
                                 on one container per handler; one CSV row
                                 "runtime,op,ns,status" per sample
Streaming is Kubernetes' websocket channel protocol (v4.channel.k8s.io: one byte of
channel, 0 stdin, 1 stdout, 2 stderr, 3 the final status), which containerd 1.6's
streaming server speaks beside SPDY; the websocket client is the few lines below.
"""
import base64
import json
import os
import socket
import statistics
import struct
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "engines"))
from cri_client import connect, run, sandbox_config  # noqa: E402

import grpc  # noqa: E402


def quantile(values, q):
    """The q-quantile with linear interpolation (as tests/bench/report.py)."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
    from report import quantile as q_of
    return q_of(values, q)


class WebSocket:
    """A minimal RFC 6455 client: binary frames, masked as a client must."""

    def __init__(self, url, protocol):
        u = urllib.parse.urlsplit(url)
        self.sock = socket.create_connection((u.hostname, u.port or 80), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        req = (f"GET {u.path}{'?' + u.query if u.query else ''} HTTP/1.1\r\nHost: {u.netloc}\r\n"
               f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: {protocol}\r\n\r\n")
        self.sock.sendall(req.encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise OSError("websocket handshake: connection closed")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 101"):
            raise OSError("websocket handshake: " + head.decode(errors="replace").splitlines()[0])

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send(self, payload, opcode=2):
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([0x80 | opcode])
        head += bytes([0x80 | n]) if n < 126 else (struct.pack("!BH", 0x80 | 126, n) if n < 65536
                                                    else struct.pack("!BQ", 0x80 | 127, n))
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def recv(self):
        """The next message's payload, or None once the server closed."""
        data = b""
        try:
            while True:
                b0, b1 = self._read(2)
                n = b1 & 0x7F
                if n == 126:
                    n = struct.unpack("!H", self._read(2))[0]
                elif n == 127:
                    n = struct.unpack("!Q", self._read(8))[0]
                mask = self._read(4) if b1 & 0x80 else None
                payload = self._read(n)
                if mask:
                    payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
                opcode = b0 & 0x0F
                if opcode == 8:
                    return None
                if opcode == 9:
                    self.send(payload, 10)
                    continue
                data += payload
                if b0 & 0x80:
                    return data
        except EOFError:
            return None


def stream(url, stdin, until=None, deadline=20):
    """Drives a v4.channel.k8s.io session: sends STDIN on channel 0, collects the other
    channels until the server closes (or UNTIL shows on stdout); returns {channel: bytes}."""
    ws = WebSocket(url, "v4.channel.k8s.io")
    ws.sock.settimeout(deadline)
    got = {1: b"", 2: b"", 3: b""}
    if stdin:
        ws.send(b"\x00" + stdin.encode())
    while True:
        msg = ws.recv()
        if msg is None:
            break
        if len(msg) > 1:
            got[msg[0]] = got.get(msg[0], b"") + msg[1:]
        if until and until.encode() in got[1]:
            break
    ws.sock.close()
    return got


def main() -> int:
    sock, gen, cmd, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    pb, call = connect(sock, gen)
    from google.protobuf import json_format

    def create(pod, sandbox, cfg_json):
        cfg = json_format.Parse(cfg_json, pb.ContainerConfig())
        return call("CreateContainer", pb.CreateContainerRequest(
            pod_sandbox_id=pod, config=cfg, sandbox_config=sandbox), pb.CreateContainerResponse).container_id

    def exec_sync(cid, argv, timeout):
        return call("ExecSync", pb.ExecSyncRequest(container_id=cid, cmd=argv, timeout=timeout),
                    pb.ExecSyncResponse, timeout=timeout + 60)

    if cmd == "runp":
        logdir, handler, cfg = args[0], args[1], json_format.Parse(args[2], pb.PodSandboxConfig())
        cfg.log_directory = logdir
        with open(logdir + "/sandbox.json", "w") as f:
            f.write(json_format.MessageToJson(cfg))
        print(call("RunPodSandbox", pb.RunPodSandboxRequest(config=cfg, runtime_handler=handler),
                   pb.RunPodSandboxResponse).pod_sandbox_id)
    elif cmd == "create":
        print(create(args[0], sandbox_config(pb, args[1]), args[2]))
    elif cmd == "status":
        s = call("ContainerStatus", pb.ContainerStatusRequest(container_id=args[0]),
                 pb.ContainerStatusResponse).status
        print(f"{pb.ContainerState.Name(s.state)} exit={s.exit_code} attempt={s.metadata.attempt} reason={s.reason} "
              f"finished={s.finished_at}")
    elif cmd == "probes":
        cid, n, argv = args[0], int(args[1]), args[2:]
        ms, failed = [], 0
        for _ in range(n):
            t0 = time.monotonic()
            r = exec_sync(cid, argv, 10)
            ms.append((time.monotonic() - t0) * 1e3)
            failed += r.exit_code != 0
        print(f"ok={n - failed} failed={failed} median_ms={statistics.median(ms):.1f} p99_ms={quantile(ms, 0.99):.1f}")
    elif cmd == "exec_timeout":
        cid, timeout, argv = args[0], int(args[1]), args[2:]
        t0 = time.monotonic()
        try:
            r = exec_sync(cid, argv, timeout)
            outcome = f"exit={r.exit_code}"
        except grpc.RpcError as e:
            outcome = f"error={e.code().name}: {e.details()}"
        print(f"elapsed={time.monotonic() - t0:.1f}")
        print(outcome)
    elif cmd == "stop":
        t0 = time.monotonic()
        call("StopContainer", pb.StopContainerRequest(container_id=args[0], timeout=int(args[1])),
             pb.StopContainerResponse)
        print(f"elapsed={time.monotonic() - t0:.2f}")
    elif cmd in ("exec", "exec_tty"):
        cid, stdin, argv, tty = args[0], args[1], args[2:], cmd == "exec_tty"
        r = call("Exec", pb.ExecRequest(container_id=cid, cmd=argv, stdin=bool(stdin), stdout=True,
                                        stderr=not tty, tty=tty), pb.ExecResponse)
        got = stream(r.url, stdin)
        status = json.loads(got[3] or b"{}")
        codes = [c.get("message") for c in status.get("details", {}).get("causes", []) if c.get("reason") == "ExitCode"]
        print(f"stdout={got[1].decode(errors='replace')!r} stderr={got[2].decode(errors='replace')!r} "
              f"status={status.get('status')} exit={codes[0] if codes else 0}")
    elif cmd == "attach":
        cid, stdin, until = args
        r = call("Attach", pb.AttachRequest(container_id=cid, stdin=True, stdout=True, stderr=True),
                 pb.AttachResponse)
        got = stream(r.url, stdin, until)
        print(f"stdout={got[1].decode(errors='replace')!r}")
    elif cmd == "reopen":
        call("ReopenContainerLog", pb.ReopenContainerLogRequest(container_id=args[0]), pb.ReopenContainerLogResponse)
    elif cmd == "podstart":
        bench(pb, call, json_format, create, exec_sync, args)
    else:
        print("unknown command " + cmd, file=sys.stderr)
        return 2
    return 0


def bench(pb, call, json_format, create, exec_sync, args):
    pod_json, ctr_json, n, handlers = args[0], args[1], int(args[2]), args[3:]
    print("runtime,op,ns,status")

    def pod_start(h, name):
        cfg = json_format.Parse(pod_json, pb.PodSandboxConfig())
        cfg.metadata.name = cfg.metadata.uid = name
        cfg.log_directory = os.path.join(cfg.log_directory, name)
        os.makedirs(cfg.log_directory, exist_ok=True)
        t0 = time.monotonic_ns()
        pod = call("RunPodSandbox", pb.RunPodSandboxRequest(config=cfg, runtime_handler=h),
                   pb.RunPodSandboxResponse).pod_sandbox_id
        cid = create(pod, cfg, ctr_json)
        call("StartContainer", pb.StartContainerRequest(container_id=cid), pb.StartContainerResponse)
        state = call("ContainerStatus", pb.ContainerStatusRequest(container_id=cid),
                     pb.ContainerStatusResponse).status.state
        print(f"{h},pod-start,{time.monotonic_ns() - t0},{0 if state == pb.CONTAINER_RUNNING else 1}")
        return pod, cid

    def remove(pod):
        call("StopPodSandbox", pb.StopPodSandboxRequest(pod_sandbox_id=pod), pb.StopPodSandboxResponse)
        call("RemovePodSandbox", pb.RemovePodSandboxRequest(pod_sandbox_id=pod), pb.RemovePodSandboxResponse)

    for i in range(n):  # interleaved: each handler in turn, so load changes hit both alike
        for h in handlers:
            remove(pod_start(h, f"bench-{h}-{i}")[0])
    probed = {h: pod_start(h, f"bench-{h}-probed") for h in handlers}
    for _ in range(200):
        for h in handlers:
            t0 = time.monotonic_ns()
            r = exec_sync(probed[h][1], ["true"], 10)
            print(f"{h},exec-sync,{time.monotonic_ns() - t0},{r.exit_code}")
    for pod, _ in probed.values():
        remove(pod)


if __name__ == "__main__":
    run(main)
