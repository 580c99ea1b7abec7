#!/usr/bin/python3
"""Pods in depth over containerd's CRI, configured as kubelet configures them (driven by pods.sh).

    pods.py SOCKET GEN_DIR WORK_DIR HANDLER CGROUP_PARENT SECCOMP_PROFILE

Three pod sandboxes (the pause image) on runtime handler HANDLER, their cgroups under
CGROUP_PARENT, files under WORK_DIR, SECCOMP_PROFILE a Localhost profile denying mkdir; GEN_DIR holds api_pb2.py generated from the CRI
api.proto. Every check is read from inside the containers (ExecSync of busybox and the
static `probe` in the image) and, where the host has a view, from the host (/proc/PID,
the cgroup files). One line per check on stdout, tab-separated, for pods.sh to count:
    PASS <name>            FAIL <name> <detail>
A crash of the driver is reported by pods.sh as a failed check.
"""
import json
import os
import subprocess
import sys
import time

import grpc

SVC = "/runtime.v1.RuntimeService/"
IMAGE = "localhost/bb:latest"
MIB = 1024 * 1024
# What kubelet passes for the default ProcMount (k8s.io/kubernetes pkg/securitycontext).
MASKED = ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
          "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"]
READONLY = ["/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
# containerd's default capabilities for CRI containers (pkg/cri/opts, Docker's set).
DEFAULT_CAPS = ["CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID",
                "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE"]
CAP_BITS = {"CHOWN": 0, "DAC_OVERRIDE": 1, "FOWNER": 3, "FSETID": 4, "KILL": 5, "SETGID": 6, "SETUID": 7,
            "SETPCAP": 8, "NET_BIND_SERVICE": 10, "NET_RAW": 13, "SYS_CHROOT": 18, "SYS_PTRACE": 19,
            "SYS_ADMIN": 21, "SYS_TIME": 25, "MKNOD": 27, "AUDIT_WRITE": 29, "SETFCAP": 31}
# A kubelet-masked file this kernel has (no /proc/kcore without CONFIG_PROC_KCORE).
MASKED_FILE = next((p for p in ("/proc/kcore", "/proc/timer_list", "/proc/keys") if os.path.isfile(p)), "/proc/keys")
CPUS = "0-1" if os.cpu_count() > 1 else "0"  # the cpuset after UpdateContainerResources
SYS_UNSHARE, SYS_SHMGET, CLONE_NEWUSER = 272, 29, 0x10000000


def capmask(names):
    return "%016x" % sum(1 << CAP_BITS[n] for n in names)


class Checks:
    def check(self, name, ok, detail=""):
        line = ("PASS\t%s" % name) if ok else ("FAIL\t%s\t%s" % (name, repr(detail)))
        print(line, flush=True)
        return ok

    def eq(self, name, expected, actual):
        return self.check(name, expected == actual, "expected %r, actual %r" % (expected, actual))

    def has(self, name, haystack, needle):
        return self.check(name, needle in haystack, "%r not in %r" % (needle, haystack))


class Cri:
    """The RuntimeService calls kubelet makes, by method name on the generated messages."""

    def __init__(self, sock, gen):
        sys.path.insert(0, gen)
        import api_pb2  # noqa: E402  (generated at test time)
        self.pb = api_pb2
        self.chan = grpc.insecure_channel("unix://" + sock)

    def call(self, method, req, resp_name=None):
        resp = getattr(self.pb, resp_name or method + "Response")
        fn = self.chan.unary_unary(SVC + method, request_serializer=req.SerializeToString,
                                   response_deserializer=resp.FromString)
        return fn(req, timeout=120)

    def exec(self, cid, argv, timeout=30):
        """ExecSync: (exit code, stdout + stderr)."""
        r = self.call("ExecSync", self.pb.ExecSyncRequest(container_id=cid, cmd=argv, timeout=timeout))
        return r.exit_code, (r.stdout + r.stderr).decode(errors="replace")

    def sh(self, cid, script):
        return self.exec(cid, ["sh", "-c", script])

    def status(self, cid):
        return self.call("ContainerStatus", self.pb.ContainerStatusRequest(container_id=cid, verbose=True)).status

    def pid(self, cid):
        r = self.call("ContainerStatus", self.pb.ContainerStatusRequest(container_id=cid, verbose=True))
        return json.loads(r.info["info"])["pid"]

    def pod_pid(self, pod):
        r = self.call("PodSandboxStatus", self.pb.PodSandboxStatusRequest(pod_sandbox_id=pod, verbose=True))
        return json.loads(r.info["info"])["pid"]

    def wait_exited(self, cid, seconds=20):
        deadline = time.time() + seconds
        while time.time() < deadline:
            st = self.status(cid)
            if st.state == self.pb.CONTAINER_EXITED:
                return st
            time.sleep(0.2)
        return self.status(cid)


class Pods:
    """Pod sandboxes and containers made the way kubelet makes them."""

    def __init__(self, cri, work, handler, cg_parent):
        self.cri, self.pb, self.work, self.handler, self.cg_parent = cri, cri.pb, work, handler, cg_parent
        self.configs = {}

    def run_pod(self, name, hostname="", net=None, pid=None, ipc=None, privileged=False, sysctls=None):
        pb = self.pb
        logdir = os.path.join(self.work, name)
        os.makedirs(logdir, exist_ok=True)
        ns = pb.NamespaceOption(network=net if net is not None else pb.POD,
                                pid=pid if pid is not None else pb.CONTAINER,
                                ipc=ipc if ipc is not None else pb.POD)
        cfg = pb.PodSandboxConfig(
            metadata=pb.PodSandboxMetadata(name=name, uid=name + "-uid", namespace="berth-test", attempt=0),
            hostname=hostname, log_directory=logdir,
            labels={"io.kubernetes.pod.name": name, "io.kubernetes.pod.namespace": "berth-test"},
            linux=pb.LinuxPodSandboxConfig(
                cgroup_parent="/%s/%s" % (self.cg_parent, name), sysctls=sysctls or {},
                security_context=pb.LinuxSandboxSecurityContext(
                    namespace_options=ns, privileged=privileged,
                    seccomp=pb.SecurityProfile(profile_type=pb.SecurityProfile.RuntimeDefault))))
        r = self.cri.call("RunPodSandbox", pb.RunPodSandboxRequest(config=cfg, runtime_handler=self.handler))
        self.configs[r.pod_sandbox_id] = cfg
        return r.pod_sandbox_id

    def container_config(self, pod, name, argv, sc=None, resources=None, mounts=(), envs=None, devices=()):
        """A ContainerConfig as kubelet writes it: the pod's namespace options in the security
        context, the kubelet's masked and read-only /proc paths, /etc/hosts and
        /dev/termination-log mounted from the pod's directory."""
        pb, pcfg = self.pb, self.configs[pod]
        pdir = pcfg.log_directory
        hosts = os.path.join(pdir, "etc-hosts")
        if not os.path.exists(hosts):
            with open(hosts, "w") as f:
                f.write("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n10.88.0.2\t%s\n"
                        % (pcfg.hostname or "host-network"))
        term = os.path.join(pdir, name + "-termination-log")
        open(term, "w").close()
        os.chmod(term, 0o666)  # as kubelet leaves it, for any run_as_user
        sc = sc or pb.LinuxContainerSecurityContext()
        sc.namespace_options.CopyFrom(pcfg.linux.security_context.namespace_options)
        if not sc.privileged:
            sc.masked_paths.extend(MASKED)
            sc.readonly_paths.extend(READONLY)
        env = [pb.KeyValue(key="PATH", value="/bin"), pb.KeyValue(key="HOSTNAME", value=pcfg.hostname)]
        env += [pb.KeyValue(key=k, value=v) for k, v in (envs or {}).items()]
        return pb.ContainerConfig(
            metadata=pb.ContainerMetadata(name=name, attempt=0), image=pb.ImageSpec(image=IMAGE),
            command=argv[:1], args=argv[1:], envs=env, log_path=name + ".log",
            labels={"io.kubernetes.container.name": name, "io.kubernetes.pod.name": pcfg.metadata.name},
            annotations={"io.kubernetes.container.terminationMessagePath": "/dev/termination-log"},
            mounts=[pb.Mount(container_path="/etc/hosts", host_path=hosts),
                    pb.Mount(container_path="/dev/termination-log", host_path=term)] + list(mounts),
            devices=list(devices),
            linux=pb.LinuxContainerConfig(resources=resources or pb.LinuxContainerResources(), security_context=sc))

    def create(self, pod, cfg):
        r = self.cri.call("CreateContainer", self.pb.CreateContainerRequest(
            pod_sandbox_id=pod, config=cfg, sandbox_config=self.configs[pod]))
        return r.container_id

    def start(self, pod, name, argv=("sleep", "1000"), **kw):
        cid = self.create(pod, self.container_config(pod, name, list(argv), **kw))
        self.cri.call("StartContainer", self.pb.StartContainerRequest(container_id=cid))
        return cid


def probe_kv(text):
    """probe's key=value lines as a dict (the last value of a repeated key wins)."""
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def ns_inode(pid, ns):
    return os.readlink("/proc/%d/ns/%s" % (pid, ns))


def cgroup_path(pid, ctl):
    """The host path of PID's cgroup for v1 controller CTL, or of its cgroup2 cgroup."""
    with open("/proc/%d/cgroup" % pid) as f:
        lines = [line.rstrip("\n").split(":", 2) for line in f]
    for _, ctls, path in lines:
        if ctl in ctls.split(","):
            return "/sys/fs/cgroup/%s%s" % (ctl, path)
    return "/sys/fs/cgroup/unified" + next(path for h, _, path in lines if h == "0")


# The resources as cgroup files show them: cpu.shares, quota, period, memory limit (v1 files,
# or their cgroup2 equivalents converted back). The same script runs inside (the container's
# own cgroup is its /sys/fs/cgroup) and on the host (run with the host paths).
CG_READ = r"""
c=${1:-/sys/fs/cgroup/cpu} m=${2:-/sys/fs/cgroup/memory}
if [ -f "$c/cpu.shares" ]; then
  echo "$(cat "$c/cpu.shares") $(cat "$c/cpu.cfs_quota_us") $(cat "$c/cpu.cfs_period_us") $(cat "$m/memory.limit_in_bytes")"
else
  c=${1:-/sys/fs/cgroup} m=${2:-/sys/fs/cgroup}
  read q p <"$c/cpu.max"; echo "w$(cat "$c/cpu.weight") $q $p $(cat "$m/memory.max")"
fi
"""


def expected_cg(shares, quota, period, mem):
    if os.path.exists("/sys/fs/cgroup/cpu/cpu.shares"):
        return "%d %d %d %d" % (shares, quota, period, mem)
    return "w%d %d %d %d" % (1 + ((shares - 2) * 9999) // 262142, quota, period, mem)


def host_cg(pid):
    return subprocess.run(["sh", "-c", CG_READ, "sh", cgroup_path(pid, "cpu"), cgroup_path(pid, "memory")],
                          capture_output=True, text=True).stdout.strip()


def host_extras(pid):
    """The host's view of the swap and cpuset limits: {file: value} for the files this host
    has (memsw only with swap accounting)."""
    out = {}
    mem = cgroup_path(pid, "memory")
    for f in ("memory.memsw.limit_in_bytes", "memory.swap.max"):
        if os.path.exists(os.path.join(mem, f)):
            out[f] = read(os.path.join(mem, f))
    cpuset = cgroup_path(pid, "cpuset")
    for f in ("cpuset.cpus", "cpuset.mems"):
        out[f] = read(os.path.join(cpuset, f))
    return out


def pod_a(c, cri, pods, host):
    """Pod A: its own network (the test CNI plugin), IPC and UTS namespaces shared by its
    containers, a pid namespace per container; security contexts, resources, stats, update, OOM."""
    pb = cri.pb
    pod = pods.run_pod("pod-a", hostname="pod-a",
                       sysctls={"net.ipv4.ip_forward": host["pod_ip_forward"], "kernel.msgmax": "16000"})
    pdir = os.path.join(pods.work, "pod-a")
    shared, config = os.path.join(pdir, "empty-dir"), os.path.join(pdir, "config-map")
    os.makedirs(shared, mode=0o777)
    os.chmod(shared, 0o777)
    os.makedirs(config)
    with open(os.path.join(config, "key"), "w") as f:
        f.write("value")
    mounts = [pb.Mount(container_path="/shared", host_path=shared),
              pb.Mount(container_path="/config", host_path=config, readonly=True)]
    sc1 = pb.LinuxContainerSecurityContext(
        run_as_user=pb.Int64Value(value=1000), run_as_group=pb.Int64Value(value=3000),
        supplemental_groups=[4000, 5000], readonly_rootfs=True, no_new_privs=True,
        capabilities=pb.Capability(drop_capabilities=["ALL"], add_capabilities=["NET_BIND_SERVICE"]),
        seccomp=pb.SecurityProfile(profile_type=pb.SecurityProfile.RuntimeDefault))
    # As kubelet sends them: swap = memory limit (no swap), an exclusive CPU and memory node
    # (the static CPU manager). No hugepage limits: containerd 1.6 drops them unless the v1
    # hugetlb controller is mounted (here it is on cgroup2).
    res1 = pb.LinuxContainerResources(cpu_shares=512, cpu_quota=50000, cpu_period=100000,
                                      memory_limit_in_bytes=64 * MIB, memory_swap_limit_in_bytes=64 * MIB,
                                      oom_score_adj=500, cpuset_cpus="0", cpuset_mems="0")
    a1 = pods.start(pod, "app", sc=sc1, resources=res1, mounts=mounts)
    sc2 = pb.LinuxContainerSecurityContext(
        capabilities=pb.Capability(drop_capabilities=["NET_RAW"], add_capabilities=["SYS_TIME"]),
        seccomp=pb.SecurityProfile(profile_type=pb.SecurityProfile.Unconfined))
    # A device as a device plugin hands it over (kubelet passes it in devices).
    a2 = pods.start(pod, "sidecar", sc=sc2, mounts=mounts[:1],
                    devices=[pb.Device(container_path="/dev/fuse", host_path="/dev/fuse", permissions="rw")])
    shared_namespaces(c, cri, pod, a1, a2, host)
    return pod, a1, a2, cri.pid(a1)


def shared_namespaces(c, cri, pod, a1, a2, host):
    """Pod A's containers in the sandbox's net, IPC and UTS namespaces; its sysctls."""
    pause = cri.pod_pid(pod)
    # Namespaces: seen from inside each container, against the pause process's from the host.
    inside = {}
    for cid in (a1, a2):
        _, out = cri.sh(cid, "for n in net ipc uts pid; do readlink /proc/self/ns/$n; done")
        inside[cid] = out.split()
    for i, ns in enumerate(("net", "ipc", "uts")):
        want = ns_inode(pause, ns)
        c.check("pod A: both containers join the sandbox's %s namespace" % ns,
                inside[a1][i] == inside[a2][i] == want, "app %s, sidecar %s, sandbox %s" % (inside[a1][i], inside[a2][i], want))
    c.check("pod A: its net, ipc and uts namespaces are not the host's",
            all(ns_inode(pause, n) != ns_inode(os.getpid(), n) for n in ("net", "ipc", "uts")), "")
    c.check("pod A: each container has its own pid namespace (pid CONTAINER)",
            len({inside[a1][3], inside[a2][3], ns_inode(pause, "pid"), ns_inode(os.getpid(), "pid")}) == 4, inside)
    _, h1 = cri.sh(a1, "hostname; cat /etc/hostname")
    _, h2 = cri.exec(a2, ["hostname"])
    c.eq("pod A: hostname (and /etc/hostname) is the pod's in both containers", ["pod-a"] * 3, (h1 + h2).split())
    c.has("pod A: the kubelet's /etc/hosts is mounted", cri.exec(a1, ["cat", "/etc/hosts"])[1], "10.88.0.2\tpod-a")
    c.has("pod A: eth0 from the CNI plugin, in the pod's network namespace",
          cri.exec(a2, ["ip", "-o", "-4", "addr", "show", "eth0"])[1], "10.88.0.2/16")

    # IPC: a SysV segment made in the sidecar (shmget, key 0x4242) is listed in the app.
    rc, out = cri.exec(a2, ["probe", "syscall", str(SYS_SHMGET), "0x4242", "4096", "0x3b6"])
    c.eq("pod A: shmget in the sidecar", (0, "errno=0"), (rc, out.strip()))
    _, seen = cri.exec(a1, ["cat", "/proc/sysvipc/shm"])
    with open("/proc/sysvipc/shm") as f:
        on_host = f.read()
    c.check("pod A: the app sees the sidecar's SysV shm segment, the host does not",
            " 16962 " in seen and " 16962 " not in on_host, seen)
    cri.sh(a2, "echo posix-shm >/dev/shm/from-sidecar")
    c.eq("pod A: the sandbox's /dev/shm is shared (a file the sidecar wrote, read by the app)",
         (0, "posix-shm\n"), cri.exec(a1, ["cat", "/dev/shm/from-sidecar"]))

    # Sysctls: set in the pod's namespaces only.
    _, out = cri.exec(a1, ["cat", "/proc/sys/net/ipv4/ip_forward", "/proc/sys/kernel/msgmax"])
    c.eq("pod A: the pod's sysctls inside (net.ipv4.ip_forward, kernel.msgmax)", [host["pod_ip_forward"], "16000"],
         out.split())
    c.eq("pod A: the host's sysctls unchanged", [host["ip_forward"], host["msgmax"]],
         [read("/proc/sys/net/ipv4/ip_forward"), read("/proc/sys/kernel/msgmax")])


def read(path):
    with open(path) as f:
        return f.read().strip()


def security(c, cri, a1, a2, pid1, term):
    """securityContext of the app (uid 1000, groups, read-only rootfs, no_new_privs, caps
    ALL dropped but NET_BIND_SERVICE, RuntimeDefault seccomp) against the sidecar (root,
    NET_RAW dropped, SYS_TIME added, unconfined): each from inside, the ids also from the host."""
    _, out = cri.sh(a1, "id -u; id -g; id -G")
    lines = out.split("\n")
    c.eq("app: run_as_user 1000, run_as_group 3000", ["1000", "3000"], lines[:2])
    c.check("app: supplemental_groups 4000 and 5000", {"3000", "4000", "5000"} <= set(lines[2].split()), out)
    status = dict(l.split(":", 1) for l in read("/proc/%d/status" % pid1).splitlines())
    c.eq("app: the host sees uid 1000, gid 3000, groups 3000 4000 5000",
         ("1000", "3000", {"3000", "4000", "5000"}),
         (status["Uid"].split()[0], status["Gid"].split()[0], set(status["Groups"].split()) & {"3000", "4000", "5000"}))
    rc, out = cri.exec(a1, ["touch", "/new-file"])
    c.check("app: readonly_rootfs, a write fails with EROFS", rc != 0 and "Read-only file system" in out, out)
    rc, _ = cri.sh(a1, "echo finished >/dev/termination-log")
    c.eq("app: the kubelet's /dev/termination-log is writable under a read-only rootfs", (0, "finished"),
         (rc, read(term)))
    rc, out = cri.exec(a1, ["touch", "/config/new"])
    c.check("app: a read-only mount refuses writes (EROFS)", rc != 0 and "Read-only file system" in out, out)
    rc, _ = cri.exec(a1, ["sh", "-c", "echo from-app >/shared/note"])
    c.eq("app and sidecar share an emptyDir", (0, 0, "from-app"),
         (rc,) + tuple(x.strip() if isinstance(x, str) else x for x in cri.exec(a2, ["cat", "/shared/note"])))
    k1 = probe_kv(cri.exec(a1, ["probe"])[1])
    k2 = probe_kv(cri.exec(a2, ["probe"])[1])
    c.eq("app: allowPrivilegeEscalation false (NoNewPrivs: 1), sidecar 0",
         ("1", "0"), (k1.get("NoNewPrivs", "").strip(), k2.get("NoNewPrivs", "").strip()))
    c.eq("app: capabilities drop ALL add NET_BIND_SERVICE (CapBnd), none effective for uid 1000",
         (capmask(["NET_BIND_SERVICE"]), "0" * 16), (k1.get("CapBnd", "").strip(), k1.get("CapEff", "").strip()))
    want = capmask([x for x in DEFAULT_CAPS if x != "NET_RAW"] + ["SYS_TIME"])
    c.eq("sidecar: capabilities drop NET_RAW add SYS_TIME (CapEff)", want, k2.get("CapEff", "").strip())
    c.eq("app: seccomp RuntimeDefault (Seccomp: 2), sidecar unconfined (0)",
         ("2", "0"), (k1.get("Seccomp", "").strip(), k2.get("Seccomp", "").strip()))
    u1 = cri.exec(a1, ["probe", "syscall", str(SYS_UNSHARE), hex(CLONE_NEWUSER)])[1].strip()
    u2 = cri.exec(a2, ["probe", "syscall", str(SYS_UNSHARE), hex(CLONE_NEWUSER)])[1].strip()
    c.eq("RuntimeDefault blocks unshare(CLONE_NEWUSER) with EPERM; unconfined, the kernel allows it",
         ("errno=1", "errno=0"), (u1, u2))
    # The kubelet's masked and read-only paths, seen by root in the sidecar.
    masked = probe_kv(cri.exec(a2, ["probe", "stat", MASKED_FILE])[1])
    c.eq("sidecar: %s masked (a /dev/null bind)" % MASKED_FILE, ("char", "1:3"), (masked.get("type"), masked.get("rdev")))
    rc, out = cri.exec(a2, ["probe", "write", "/proc/sys/kernel/domainname", "x"])
    c.check("sidecar: /proc/sys read-only (EROFS)", rc != 0 and "Read-only file system" in out, out)
    firm = cri.exec(a2, ["ls", "-A", "/sys/firmware"])[1]
    c.eq("sidecar: /sys/firmware masked (empty)", "", firm.strip())
    sysro = probe_kv(cri.exec(a2, ["probe", "stat", "/sys"])[1])
    c.eq("sidecar: /sys read-only (not privileged)", "1", sysro.get("fs_readonly"))


def devices(c, cri, a1, a2):
    """The sidecar's /dev/fuse (a device plugin's device): present and openable there,
    absent in the app; a node the sidecar makes itself stays closed (the device cgroup)."""
    st = probe_kv(cri.exec(a2, ["probe", "stat", "/dev/fuse"])[1])
    rc, out = cri.exec(a2, ["probe", "cat", "/dev/fuse"])
    c.eq("sidecar: the /dev/fuse device (char 10:229) opens", ("char", "10:229", 0), (st.get("type"), st.get("rdev"), rc))
    c.eq("app: no /dev/fuse", 1, cri.exec(a1, ["probe", "stat", "/dev/fuse"])[0])
    rc, out = cri.sh(a2, "mknod /tmp/kmsg c 1 11 && probe cat /tmp/kmsg")
    c.has("sidecar: the device cgroup refuses to open a node it was not given (/dev/kmsg made with mknod)",
          out, "error=Operation not permitted")
    if os.path.exists("/sys/fs/cgroup/devices/devices.list"):
        listed = read(os.path.join(cgroup_path(cri.pid(a2), "devices"), "devices.list")).splitlines()
        c.check("sidecar: the host's device cgroup allows c 10:229 rw", "c 10:229 rw" in listed, listed)


def resources(c, cri, pod, a1, a2, pid1):
    """Requests and limits in the cgroup files, stats, UpdateContainerResources."""
    pb = cri.pb
    want = expected_cg(512, 50000, 100000, 64 * MIB)
    c.eq("app: cpu shares/quota/period and memory limit inside", want, cri.sh(a1, CG_READ)[1].strip())
    c.eq("app: the same from the host's cgroup files", want, host_cg(pid1))
    extras = host_extras(pid1)
    want = {"cpuset.cpus": "0", "cpuset.mems": "0"}
    want.update({k: str(64 * MIB) for k in extras if k.startswith("memory.")})
    c.eq("app: swap limit (= memory limit), cpuset cpus and mems in the host's files", want, extras)
    c.eq("app: oom_score_adj 500 in its init (from the host) and in an exec'd process", ("500", "500"),
         (read("/proc/%d/oom_score_adj" % pid1), cri.exec(a1, ["cat", "/proc/self/oom_score_adj"])[1].strip()))
    cri.sh(a1, "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done")  # some CPU time to report
    st = cri.call("ContainerStats", pb.ContainerStatsRequest(container_id=a1)).stats
    c.check("ContainerStats: the app's id, memory working set and CPU time",
            st.attributes.id == a1 and st.memory.working_set_bytes.value > 0 and st.cpu.usage_core_nano_seconds.value > 0,
            str(st))
    r = cri.call("ListContainerStats", pb.ListContainerStatsRequest(
        filter=pb.ContainerStatsFilter(pod_sandbox_id=pod)))
    got = {s.attributes.id: s for s in r.stats}
    c.check("ListContainerStats: both containers of the pod, each with memory and CPU",
            set(got) == {a1, a2} and all(s.memory.working_set_bytes.value > 0 and s.cpu.usage_core_nano_seconds.value > 0
                                         for s in got.values()), str(r))
    cri.call("UpdateContainerResources", pb.UpdateContainerResourcesRequest(
        container_id=a1, linux=pb.LinuxContainerResources(
            cpu_shares=256, cpu_quota=20000, cpu_period=100000, memory_limit_in_bytes=96 * MIB,
            memory_swap_limit_in_bytes=96 * MIB, cpuset_cpus=CPUS, cpuset_mems="0")))
    want = expected_cg(256, 20000, 100000, 96 * MIB)
    c.eq("UpdateContainerResources: the new limits inside the running app", want, cri.sh(a1, CG_READ)[1].strip())
    c.eq("UpdateContainerResources: the new limits in the host's cgroup files", want, host_cg(pid1))
    extras = host_extras(pid1)
    want = {"cpuset.cpus": CPUS, "cpuset.mems": "0"}
    want.update({k: str(96 * MIB) for k in extras if k.startswith("memory.")})
    c.eq("UpdateContainerResources: swap limit and cpuset cpus %s in the host's files" % CPUS, want, extras)
    c.eq("UpdateContainerResources: the app still runs", pb.CONTAINER_RUNNING, cri.status(a1).state)


def oom_and_refusals(c, cri, pods, pod):
    """A container over its memory limit is OOMKilled; one with a working_dir to make; one that
    cannot start; configurations containerd refuses."""
    pb = cri.pb
    sc = pb.LinuxContainerSecurityContext(run_as_username="user")
    cid = pods.start(pod, "hog", ["sh", "-c", "id; exec dd if=/dev/zero of=/dev/null bs=96M count=1"],
                     sc=sc, resources=pb.LinuxContainerResources(memory_limit_in_bytes=32 * MIB))
    st = cri.wait_exited(cid)
    c.eq("a container over its 32 MiB limit: ContainerStatus reason OOMKilled, exit code 137",
         (pb.CONTAINER_EXITED, "OOMKilled", 137), (st.state, st.reason, st.exit_code))
    log = read(os.path.join(pods.configs[pod].log_directory, "hog.log"))
    c.check("run_as_username user: uid 1000 from the image's /etc/passwd; dd killed before it finished",
            "uid=1000(user)" in log and "records out" not in log, log)
    cfg = pods.container_config(pod, "workdir", ["sh", "-c", "pwd; echo $GREETING"], envs={"GREETING": "hello-env"})
    cfg.working_dir = "/made/by/runtime"
    cid = pods.create(pod, cfg)
    cri.call("StartContainer", pb.StartContainerRequest(container_id=cid))
    st = cri.wait_exited(cid)
    log = read(os.path.join(pods.configs[pod].log_directory, "workdir.log"))
    c.check("a missing working_dir is made; the env reaches the process; exit 0 is Completed",
            "stdout F /made/by/runtime\n" in log and log.endswith("stdout F hello-env") and
            (st.exit_code, st.reason) == (0, "Completed"), "%r %r" % (log, st))
    cid = pods.create(pod, pods.container_config(pod, "bad", ["/no/such/binary"]))
    try:
        cri.call("StartContainer", pb.StartContainerRequest(container_id=cid))
        err = "started"
    except grpc.RpcError as e:
        err = e.details()
    st = cri.status(cid)
    left = [h for h in os.listdir("/sys/fs/cgroup")
            if os.path.exists(os.path.join("/sys/fs/cgroup", h, pods.cg_parent, "pod-a", cid))]
    c.check("a missing executable: StartContainer fails naming it, StartError 128, no cgroup left",
            "/no/such/binary" in err and (st.exit_code, st.reason) == (128, "StartError") and not left,
            "%s; %r; %r" % (err, (st.exit_code, st.reason), left))
    before = {x.id for x in cri.call("ListContainers", pb.ListContainersRequest()).containers}
    cases = [("run_as_group without run_as_user", pb.LinuxContainerSecurityContext(run_as_group=pb.Int64Value(value=5))),
             ("run_as_username not in the image", pb.LinuxContainerSecurityContext(run_as_username="nosuchuser")),
             ("a privileged container in a pod that is not", pb.LinuxContainerSecurityContext(privileged=True))]
    for i, (what, sc) in enumerate(cases):
        try:
            cid = pods.create(pod, pods.container_config(pod, "refused%d" % i, ["true"], sc=sc))
            c.check("CreateContainer refuses %s" % what, False, "created " + cid)
        except grpc.RpcError as e:
            c.check("CreateContainer refuses %s" % what, True)
            print("INFO\t%s: %s" % (what, e.details()), flush=True)
    after = {x.id for x in cri.call("ListContainers", pb.ListContainersRequest()).containers}
    c.eq("the refused containers left nothing listed", before, after)


def pod_b(c, cri, pods, profile):
    """Pod B: host network, shareProcessNamespace (pid POD), no hostname of its own; a
    Localhost seccomp profile; one container kills the other's process."""
    pb = cri.pb
    pod = pods.run_pod("pod-b", net=pb.NODE, pid=pb.POD)
    sc1 = pb.LinuxContainerSecurityContext(
        seccomp=pb.SecurityProfile(profile_type=pb.SecurityProfile.Localhost, localhost_ref=profile))
    b1 = pods.start(pod, "victim", ["sleep", "1001"], sc=sc1)
    b2 = pods.start(pod, "killer")
    pause, me = cri.pod_pid(pod), os.getpid()
    ns = {}
    for cid in (b1, b2):
        ns[cid] = cri.sh(cid, "for n in pid net uts; do readlink /proc/self/ns/$n; done")[1].split()
    c.check("pod B: both containers share the sandbox's pid namespace, not the host's",
            ns[b1][0] == ns[b2][0] == ns_inode(pause, "pid") != ns_inode(me, "pid"), ns)
    c.check("pod B (host network): the host's net and uts namespaces",
            ns[b1][1:] == ns[b2][1:] == [ns_inode(me, "net"), ns_inode(me, "uts")], ns)
    c.eq("pod B: no hostname of its own (the host's)", os.uname().nodename, cri.exec(b2, ["hostname"])[1].strip())
    _, out = cri.sh(b2, "cat /proc/1/cmdline | tr '\\0' ' '; echo; for p in /proc/[0-9]*; do "
                        "tr '\\0' ' ' <$p/cmdline; echo; done")
    c.check("pod B: the pause process is pid 1 and the killer sees the victim's sleep",
            out.split("\n")[0] == "/bin/sleep 2147483647 " and "sleep 1001" in out, out)
    k1 = probe_kv(cri.exec(b1, ["probe"])[1])
    rc1, out1 = cri.exec(b1, ["mkdir", "/tmp/d"])
    rc2, _ = cri.exec(b2, ["mkdir", "/tmp/d"])
    c.check("victim: seccomp Localhost profile (Seccomp: 2, mkdir EPERM); the killer may mkdir",
            k1.get("Seccomp", "").strip() == "2" and rc1 != 0 and "Operation not permitted" in out1 and rc2 == 0,
            "%s %s %s" % (k1.get("Seccomp"), out1, rc2))
    exec_matches_init(c, cri, "victim (Localhost seccomp)", b1)
    rc, out = cri.sh(b2, "kill -KILL $(pidof 'sleep' | tr ' ' '\\n' | while read p; do "
                         "grep -q 1001 /proc/$p/cmdline && echo $p; done)")
    st = cri.wait_exited(b1)
    c.eq("pod B: the killer's SIGKILL ends the victim (exit code 137)", (0, pb.CONTAINER_EXITED, 137),
         (rc, st.state, st.exit_code))


STATUS_KEYS = ("Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp")


def exec_matches_init(c, cri, name, cid):
    """An ExecSync'd process has its container's credentials, capabilities, no_new_privs,
    seccomp mode, cgroups and oom_score_adj: /proc/self of the exec'd probe against
    /proc/PID of the container's init, read from the host."""
    pid = cri.pid(cid)

    def status(text):
        fields = dict(l.split(":", 1) for l in text.splitlines() if ":" in l)
        return {k: " ".join(fields.get(k, "?").split()) for k in STATUS_KEYS}

    inside = status(cri.exec(cid, ["probe", "cat", "/proc/self/status"])[1])
    inside["oom_score_adj"] = cri.exec(cid, ["probe", "cat", "/proc/self/oom_score_adj"])[1].strip()
    host = status(read("/proc/%d/status" % pid))
    host["oom_score_adj"] = read("/proc/%d/oom_score_adj" % pid)
    if cri.exec(cid, ["readlink", "/proc/self/ns/cgroup"])[1].strip() == ns_inode(pid, "cgroup"):
        inside["cgroup"] = cri.exec(cid, ["probe", "cat", "/proc/self/cgroup"])[1].strip()
        host["cgroup"] = read("/proc/%d/cgroup" % pid)
    c.eq("%s: an exec'd process has the init's ids, capabilities, no_new_privs, seccomp, cgroups, "
         "oom_score_adj" % name, host, inside)


def propagation(c, cri, cid, prop):
    """Mount propagation as kubelet asks for it: a tmpfs the host mounts later shows up under
    a HostToContainer mount, not under a private one; one the container mounts under a
    Bidirectional mount (a CSI driver's) shows up on the host."""
    for sub in ("h2c/sub", "priv/sub"):
        subprocess.run(["mount", "-t", "tmpfs", "berth-prop", os.path.join(prop, sub)], check=True)
    tmpfs = "fs_magic=1021994"
    h2c = cri.exec(cid, ["probe", "stat", "/h2c/sub"])[1]
    priv = cri.exec(cid, ["probe", "stat", "/priv/sub"])[1]
    c.check("HostToContainer: a host mount made after start is seen inside; a private mount's is not",
            tmpfs in h2c and tmpfs not in priv, h2c + priv)
    rc, out = cri.exec(cid, ["mount", "-t", "tmpfs", "berth-bidir", "/bidir/sub"])
    with open("/proc/self/mountinfo") as f:
        seen = [l.split()[4] for l in f if l.split()[4] == os.path.join(prop, "bidir/sub")]
    c.check("Bidirectional: a mount made inside the privileged container is seen on the host", rc == 0 and seen,
            out + repr(seen))
    for sub in ("bidir/sub", "priv/sub", "h2c/sub"):
        subprocess.run(["umount", "-l", os.path.join(prop, sub)], check=False)


def pod_c(c, cri, pods):
    """Pod C: privileged, host pid, network and IPC (a node agent)."""
    pb = cri.pb
    pod = pods.run_pod("pod-c", net=pb.NODE, pid=pb.NODE, ipc=pb.NODE, privileged=True)
    prop = os.path.join(pods.work, "prop")  # a shared mount pods.sh made
    for sub in ("h2c/sub", "bidir/sub", "priv/sub"):
        os.makedirs(os.path.join(prop, sub))
    mounts = [pb.Mount(container_path="/h2c", host_path=prop + "/h2c", propagation=pb.PROPAGATION_HOST_TO_CONTAINER),
              pb.Mount(container_path="/bidir", host_path=prop + "/bidir", propagation=pb.PROPAGATION_BIDIRECTIONAL),
              pb.Mount(container_path="/priv", host_path=prop + "/priv", propagation=pb.PROPAGATION_PRIVATE)]
    c1 = pods.start(pod, "agent", sc=pb.LinuxContainerSecurityContext(privileged=True), mounts=mounts)
    propagation(c, cri, c1, prop)
    me = os.getpid()
    ns = cri.sh(c1, "for n in pid net ipc; do readlink /proc/self/ns/$n; done")[1].split()
    c.eq("pod C: the host's pid, net and ipc namespaces", [ns_inode(me, n) for n in ("pid", "net", "ipc")], ns)
    c.eq("pod C (host pid): the container sees the test driver's process",
         "python", cri.exec(c1, ["cat", "/proc/%d/comm" % me])[1].strip()[:6])
    k = probe_kv(cri.exec(c1, ["probe"])[1])
    bnd = dict(l.split(":", 1) for l in read("/proc/self/status").splitlines())["CapBnd"].strip()
    c.eq("privileged: every capability of the host's bounding set effective", bnd, k.get("CapEff", "").strip())
    host_devs = [d for d in ("kmsg", "loop-control", "cpu_dma_latency", "fuse") if os.path.exists("/dev/" + d)]
    out = cri.exec(c1, ["ls", "/dev"])[1].split()
    c.check("privileged: the host's devices in /dev (%s)" % " ".join(host_devs),
            bool(host_devs) and all(d in out for d in host_devs), out)
    sysrw = probe_kv(cri.exec(c1, ["probe", "stat", "/sys"])[1])
    masked = probe_kv(cri.exec(c1, ["probe", "stat", MASKED_FILE])[1])
    c.eq("privileged: /sys read-write, %s not masked" % MASKED_FILE, ("0", "file"),
         (sysrw.get("fs_readonly"), masked.get("type")))
    c.eq("privileged: no seccomp filter", "0", k.get("Seccomp", "").strip())
    exec_matches_init(c, cri, "privileged agent", c1)


def main():
    sock, gen, work, handler, cg_parent, profile = sys.argv[1:7]
    cri = Cri(sock, gen)
    pods = Pods(cri, work, handler, cg_parent)
    c = Checks()
    host = {"ip_forward": read("/proc/sys/net/ipv4/ip_forward"),
            "msgmax": read("/proc/sys/kernel/msgmax")}
    host["pod_ip_forward"] = "0" if host["ip_forward"] == "1" else "1"
    pod, a1, a2, pid1 = pod_a(c, cri, pods, host)
    security(c, cri, a1, a2, pid1, os.path.join(pods.work, "pod-a", "app-termination-log"))
    devices(c, cri, a1, a2)
    exec_matches_init(c, cri, "app", a1)
    exec_matches_init(c, cri, "sidecar", a2)
    resources(c, cri, pod, a1, a2, pid1)
    oom_and_refusals(c, cri, pods, pod)
    pod_b(c, cri, pods, profile)
    pod_c(c, cri, pods)
    return 0


if __name__ == "__main__":
    sys.exit(main())
