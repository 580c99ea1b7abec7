// The floor for `run`: the least any runtime must do for the default `spec` bundle, made
// with direct syscalls and nothing else (no JSON, no state, no cgroups, no hooks), so that
// a runtime's `run` can be compared with the work the bundle itself asks for:
//   - the same namespaces (mount, pid, uts, ipc, network) as `berth spec`;
//   - every mount of the default spec: the rootfs bind, proc, the /dev tmpfs, devpts, shm,
//     mqueue, sysfs read-only and the cgroup mount (cgroup v1/hybrid: a tmpfs with one
//     read-only bind per hierarchy, as a runtime without a cgroup namespace makes it;
//     cgroup v2: one cgroup2 mount), and the read-only rootfs;
//   - the default device nodes and /dev symlinks, `lo` up, pivot_root;
//   - the masked paths (/dev/null binds, read-only tmpfs on directories) and the
//     read-only paths (bind + read-only remount), each checked to exist first;
//   - hostname, the RLIMIT_NOFILE limit, the capability sets (bounding drop, capset,
//     ambient), no_new_privs; then execve.
// The parent reads /proc/self/mountinfo once (which cgroup hierarchies there are: a
// runtime must know that too), clones and waits.
//   floor ROOTFS CMD...     (exit status is the command's)
#include <fcntl.h>
#include <linux/capability.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

[[noreturn]] void die(const char* what) {
    std::perror(what);
    _exit(127);
}

void check(int rc, const char* what) {
    if (rc < 0) die(what);
}

// The cgroup hierarchies mounted on this host: v1 controllers under /sys/fs/cgroup, or
// empty with `unified` true on a pure cgroup v2 host.
struct CgroupMounts {
    std::vector<std::string> v1;  // mount point names under /sys/fs/cgroup ("cpu,cpuacct")
    bool unified = false;
};

CgroupMounts read_cgroup_mounts() {
    CgroupMounts out;
    FILE* f = std::fopen("/proc/self/mountinfo", "re");
    if (!f) die("open mountinfo");
    char line[4096];
    while (std::fgets(line, sizeof line, f)) {
        char mp[1024], fstype[64];
        const char* dash = std::strstr(line, " - ");
        if (!dash || std::sscanf(line, "%*s %*s %*s %*s %1023s", mp) != 1 ||
            std::sscanf(dash, " - %63s", fstype) != 1)
            continue;
        const std::string point = mp;
        if (point == "/sys/fs/cgroup" && std::strcmp(fstype, "cgroup2") == 0) out.unified = true;
        if (std::strcmp(fstype, "cgroup") == 0 && point.rfind("/sys/fs/cgroup/", 0) == 0)
            out.v1.push_back(point.substr(15));
    }
    std::fclose(f);
    return out;
}

constexpr unsigned long kRoRemount = MS_BIND | MS_REMOUNT | MS_RDONLY;

void bind_readonly(const char* src, const char* dst, unsigned long keep) {
    check(::mount(src, dst, nullptr, MS_BIND | MS_REC, nullptr), dst);
    check(::mount(nullptr, dst, nullptr, kRoRemount | keep, nullptr), dst);
}

void mount_cgroups(const CgroupMounts& cg) {
    constexpr unsigned long kFlags = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME;
    if (cg.unified) {
        check(::mount("cgroup", "sys/fs/cgroup", "cgroup2", kFlags | MS_RDONLY, nullptr), "mount cgroup2");
        return;
    }
    check(::mount("tmpfs", "sys/fs/cgroup", "tmpfs", kFlags, "mode=755"), "mount cgroup tmpfs");
    for (const auto& name : cg.v1) {
        const std::string dst = "sys/fs/cgroup/" + name, src = "/sys/fs/cgroup/" + name;
        check(::mkdir(dst.c_str(), 0755), "mkdir cgroup");
        bind_readonly(src.c_str(), dst.c_str(), kFlags);
    }
    check(::mount(nullptr, "sys/fs/cgroup", nullptr, MS_REMOUNT | MS_RDONLY | kFlags, "mode=755"),
          "remount cgroup tmpfs");
}

// Everything of the default spec under the rootfs, before pivot_root (cwd is the rootfs).
void mount_spec(const CgroupMounts& cg) {
    check(::mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr), "mount proc");
    check(::mount("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k"), "mount dev");
    check(::mkdir("dev/pts", 0755), "mkdir dev/pts");
    check(::mount("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                  "newinstance,ptmxmode=0666,mode=0620,gid=5"), "mount devpts");
    check(::mkdir("dev/shm", 0755), "mkdir dev/shm");
    check(::mount("shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=1777,size=65536k"),
          "mount shm");
    check(::mkdir("dev/mqueue", 0755), "mkdir dev/mqueue");
    check(::mount("mqueue", "dev/mqueue", "mqueue", MS_NOSUID | MS_NOEXEC | MS_NODEV, nullptr), "mount mqueue");
    check(::mount("sysfs", "sys", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, nullptr), "mount sysfs");
    mount_cgroups(cg);

    struct Node { const char* path; unsigned major, minor; };
    for (const Node& n : {Node{"dev/null", 1, 3}, Node{"dev/zero", 1, 5}, Node{"dev/full", 1, 7},
                          Node{"dev/random", 1, 8}, Node{"dev/urandom", 1, 9}, Node{"dev/tty", 5, 0}})
        check(::mknod(n.path, S_IFCHR | 0666, ::makedev(n.major, n.minor)), n.path);
    for (const auto& [target, link] : {std::pair{"/proc/self/fd", "dev/fd"}, {"/proc/self/fd/0", "dev/stdin"},
                                       {"/proc/self/fd/1", "dev/stdout"}, {"/proc/self/fd/2", "dev/stderr"},
                                       {"pts/ptmx", "dev/ptmx"}, {"/proc/kcore", "dev/core"}})
        check(::symlink(target, link), link);
}

// After pivot_root: masked and read-only paths, each checked to exist as a runtime must.
void mask_and_protect() {
    for (const char* p : {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                          "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
                          "/proc/scsi"}) {
        struct stat st{};
        if (::lstat(p, &st) < 0) continue;
        if (S_ISDIR(st.st_mode))
            check(::mount("tmpfs", p, "tmpfs", MS_RDONLY, nullptr), p);
        else
            check(::mount("/dev/null", p, nullptr, MS_BIND, nullptr), p);
    }
    for (const char* p : {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}) {
        struct stat st{};
        if (::lstat(p, &st) < 0) continue;
        bind_readonly(p, p, MS_NOSUID | MS_NODEV | MS_NOEXEC);
    }
}

void loopback_up() {
    const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) die("socket");
    struct ifreq ifr{};
    std::strcpy(ifr.ifr_name, "lo");
    check(::ioctl(s, SIOCGIFFLAGS, &ifr), "get lo flags");
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    check(::ioctl(s, SIOCSIFFLAGS, &ifr), "set lo up");
    ::close(s);
}

// The default spec's capabilities: AUDIT_WRITE, KILL, NET_BIND_SERVICE in every set.
void set_capabilities() {
    const unsigned keep[] = {CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE};
    for (unsigned cap = 0; cap <= CAP_LAST_CAP; ++cap) {
        bool kept = false;
        for (unsigned k : keep) kept |= (k == cap);
        if (!kept) check(::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), "drop bounding cap");
    }
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    for (unsigned k : keep) {
        data[0].effective |= 1u << k;
        data[0].permitted |= 1u << k;
        data[0].inheritable |= 1u << k;
    }
    check(static_cast<int>(::syscall(SYS_capset, &header, data)), "capset");
    for (unsigned k : keep) check(::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, k, 0, 0), "raise ambient");
}

[[noreturn]] void child(const char* rootfs, const CgroupMounts& cg, char** argv) {
    ::umask(0);  // device nodes and directories get exactly their modes
    check(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), "make / private");
    check(::mount(rootfs, rootfs, nullptr, MS_BIND | MS_REC, nullptr), "bind rootfs");
    check(::chdir(rootfs), "chdir rootfs");
    mount_spec(cg);
    loopback_up();
    check(static_cast<int>(::syscall(SYS_pivot_root, ".", ".")), "pivot_root");
    check(::umount2(".", MNT_DETACH), "detach old root");
    check(::chdir("/"), "chdir /");
    mask_and_protect();
    check(::mount(nullptr, "/", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr), "read-only rootfs");
    check(::sethostname("floor", 5), "sethostname");
    const struct rlimit nofile{1024, 1024};
    check(::setrlimit(RLIMIT_NOFILE, &nofile), "setrlimit");
    set_capabilities();
    check(::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs");
    ::umask(022);
    ::execv(argv[0], argv);
    die("execv");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: floor ROOTFS CMD...\n");
        return 2;
    }
    const CgroupMounts cg = read_cgroup_mounts();
    const int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET;
    const pid_t pid = static_cast<pid_t>(::syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr));
    if (pid < 0) die("clone");
    if (pid == 0) child(argv[1], cg, argv + 2);
    int status = 0;
    if (::waitpid(pid, &status, 0) < 0) die("waitpid");
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
