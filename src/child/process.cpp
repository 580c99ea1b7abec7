// Child side: process attributes and hooks run by the init.
#include "child/process.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <grp.h>
#include <signal.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cstring>

namespace berth::child {

// Writing "0" to a v1 "tasks" file moves the writing thread, which is the whole process:
// the init and the exec child have no other thread. The kernel moves a thread that moves
// itself without taking the global cgroup_threadgroup_rwsem for writing, whose first
// writer waits an RCU grace period (cgroup/manager.hpp, Placement). The parent opened the
// files, and the kernel checks the opener's credentials, not the child's.
bool join_cgroups(const LaunchPlan& plan, Failure& f) noexcept {
    for (std::size_t i = 0; i < plan.cgroup_join_fds.size(); ++i) {
        bool ok = write_all(plan.cgroup_join_fds[i], "0", 1);
        int err = errno;
        ::close(plan.cgroup_join_fds[i]);
        if (!ok) return fail(f, "join cgroup", plan.cgroup_join_paths[i].c_str(), err);
    }
    return true;
}

bool apply_limits(const LaunchPlan& plan, Failure& f) noexcept {
    const auto& p = plan.process;
    for (const auto& r : p.rlimits)
        if (::setrlimit(static_cast<__rlimit_resource>(r.resource), &r.limit) < 0) return fail(f, "setrlimit", "");
    if (p.has_scheduler && ::syscall(SYS_sched_setattr, 0, &p.scheduler, 0) < 0) return fail(f, "sched_setattr", "");
    if (p.has_ioprio && ::syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, p.ioprio) < 0)
        return fail(f, "ioprio_set", "");
    if (p.has_personality && ::personality(p.personality) < 0) return fail(f, "personality", "");
    // Before the seccomp filter, which may deny set_mempolicy (Docker's profile does
    // without CAP_SYS_NICE).
    if (int rc = sys::apply_mempolicy(plan.mempolicy); rc < 0)
        return fail(f, ".linux.memoryPolicy: set_mempolicy", "", -rc);
    return true;
}

namespace {

bool set_capabilities(const sys::CapabilityPlan& c, Failure& f) noexcept {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    for (int i = 0; i < 2; ++i) {
        data[i].effective = static_cast<std::uint32_t>(c.effective >> (32 * i));
        data[i].permitted = static_cast<std::uint32_t>(c.permitted >> (32 * i));
        data[i].inheritable = static_cast<std::uint32_t>(c.inheritable >> (32 * i));
    }
    if (::syscall(SYS_capset, &header, data) < 0) return fail(f, "capset", "");
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return fail(f, "ambient capabilities", "");
    for (int cap = 0; cap <= c.last_cap; ++cap) {
        if (!(c.ambient & (std::uint64_t{1} << cap))) continue;
        // Raising needs the capability in permitted and inheritable; runc ignores
        // the failure for one that is not, and so does berth.
        ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
    }
    return true;
}

}  // namespace

bool apply_identity(const LaunchPlan& plan, Failure& f) noexcept {
    const auto& p = plan.process;
    if (p.caps.present) {
        // The bounding set can only shrink, and only while CAP_SETPCAP is still held.
        for (int cap = 0; cap <= p.caps.last_cap; ++cap)
            if (!(p.caps.bounding & (std::uint64_t{1} << cap)) && ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
                return fail(f, "drop bounding capability", "");
        // Keep the permitted set across setresuid to a non-zero uid; capset below
        // then sets exactly the configured sets.
        if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return fail(f, "keepcaps", "");
    }
    if (p.set_groups && ::setgroups(p.additional_gids.size(), p.additional_gids.data()) < 0)
        return fail(f, "setgroups", "");
    if (::setresgid(p.gid, p.gid, p.gid) < 0) return fail(f, "setresgid", "");
    if (::setresuid(p.uid, p.uid, p.uid) < 0) return fail(f, "setresuid", "");
    if (p.caps.present) {
        if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return fail(f, "keepcaps", "");
        if (!set_capabilities(p.caps, f)) return false;
    }
    if (p.no_new_privs && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return fail(f, "no_new_privs", "");
    ::umask(p.umask);
    return true;
}

namespace {

bool send_master(int sock, int master, Failure& f) noexcept {
    static const char payload[] = "/dev/ptmx";
    if (!send_with_fd(sock, payload, sizeof payload - 1, master)) return fail(f, "send console master", "console socket");
    return true;
}

// CVE-2025-52565: /dev may be a bind mount the container controls, where "console"
// could be a symlink to a host file that the bind would then cover. The target is
// opened without following links and must be a regular file (or already this pty);
// the pty is bound from its fd, so neither end is a path resolved at mount time.
int open_console_target(int slave, Failure& f) noexcept {
    int dev = ::open("/dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dev < 0) return fail(f, "bind console", "/dev/console"), -1;
    int fd = ::openat(dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        int made = ::openat(dev, "console", O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (made >= 0) ::close(made);
        fd = ::openat(dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
    }
    ::close(dev);
    if (fd < 0) return fail(f, "bind console", "/dev/console"), -1;
    struct stat st{}, pty{};
    bool ok = ::fstat(fd, &st) == 0 && ::fstat(slave, &pty) == 0 &&
              (S_ISREG(st.st_mode) || (S_ISCHR(st.st_mode) && st.st_rdev == pty.st_rdev));
    if (!ok) {
        ::close(fd);
        return fail(f, "bind console: not a regular file", "/dev/console", EPERM), -1;
    }
    return fd;
}

bool bind_console(int slave, Failure& f) noexcept {
    int target = open_console_target(slave, f);
    if (target < 0) return false;
    int tree = ::open_tree(slave, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
    bool ok = tree >= 0 && ::move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) == 0;
    if (!ok) fail(f, "bind console", "/dev/console");
    if (tree >= 0) ::close(tree);
    ::close(target);
    return ok;
}

}  // namespace

bool setup_terminal(const LaunchPlan& plan, Failure& f) noexcept {
    const auto& p = plan.process;
    // The new devpts instance of the container, not the host's /dev/ptmx.
    int master = ::open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) return fail(f, "open pty master", "/dev/pts/ptmx");
    int unlock = 0, number = 0;
    if (::ioctl(master, TIOCSPTLCK, &unlock) < 0 || ::ioctl(master, TIOCGPTN, &number) < 0)
        return fail(f, "unlock pty", "/dev/pts/ptmx");
    int slave = ::ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) return fail(f, "open pty slave", "/dev/pts");
    if (p.has_console_size && ::ioctl(slave, TIOCSWINSZ, &p.console_size) < 0) return fail(f, "console size", "");
    if (::fchown(slave, p.uid, static_cast<gid_t>(-1)) < 0) return fail(f, "chown pty slave", "/dev/pts");
    char slave_path[40] = "/dev/pts/";
    format_int(slave_path + 9, number);
    if (plan.bind_console && !bind_console(slave, f)) return false;
    if (!send_master(plan.console_socket_fd, master, f)) return false;
    ::close(master);
    ::close(plan.console_socket_fd);
    // The caller made this process a session leader (new_session): the pty becomes
    // that session's controlling terminal.
    if (::ioctl(slave, TIOCSCTTY, 0) < 0) return fail(f, "set controlling terminal", slave_path);
    for (int fd = 0; fd < 3; ++fd)
        if (::dup2(slave, fd) < 0) return fail(f, "dup2 pty slave", slave_path);
    if (slave > 2) ::close(slave);
    return true;
}

int find_executable(const LaunchPlan& plan, Failure& f) noexcept {
    int denied = -1;
    const auto& c = plan.process.exec_candidates;
    for (std::size_t i = 0; i < c.size(); ++i) {
        struct stat st{};
        if (::stat(c[i].c_str(), &st) < 0 || S_ISDIR(st.st_mode)) continue;
        // The old faccessat(2), not glibc's faccessat2: this may run under the filter
        // (child/filter.hpp). The ids are final here, so real ids are the effective ones.
        if (::syscall(SYS_faccessat, AT_FDCWD, c[i].c_str(), X_OK) == 0) return static_cast<int>(i);
        denied = static_cast<int>(i);
    }
    const char* name = plan.process.args.strings[0].c_str();
    // A name with a slash is not looked up in $PATH: say only that it is missing.
    const char* missing = std::strchr(name, '/') ? "exec" : "exec: executable file not found in $PATH";
    fail(f, denied >= 0 ? "exec: permission denied" : missing, name, denied >= 0 ? EACCES : ENOENT);
    return -1;
}

namespace {

// Waits for the hook `pid`, killing it after `timeout_seconds` (0: none). SIGCHLD is
// blocked, so rt_sigtimedwait sleeps until the hook exits. Returns 0, ETIMEDOUT, or the
// errno of wait4.
int wait_hook(pid_t pid, int timeout_seconds, int& status) noexcept {
    if (timeout_seconds <= 0) {
        while (::waitpid(pid, &status, 0) != pid)
            if (errno != EINTR) return errno;
        return 0;
    }
    sigset_t chld;
    ::sigemptyset(&chld);
    ::sigaddset(&chld, SIGCHLD);
    timespec now{}, end{};
    ::clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += timeout_seconds;
    for (;;) {
        pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) return 0;
        if (done < 0 && errno != EINTR) return errno;
        ::clock_gettime(CLOCK_MONOTONIC, &now);
        long left_ns = (end.tv_sec - now.tv_sec) * 1000000000L + (end.tv_nsec - now.tv_nsec);
        if (left_ns <= 0) {
            ::kill(pid, SIGKILL);  // our unreaped child: the pid cannot be reused yet
            ::waitpid(pid, &status, 0);
            return ETIMEDOUT;
        }
        timespec left{left_ns / 1000000000L, left_ns % 1000000000L};
        ::sigtimedwait(&chld, nullptr, &left);
    }
}

// The hook runs under the container's filter when noNewPrivileges is false (as in
// runc), so this uses only old syscalls: clone, not clone3; kill and rt_sigtimedwait,
// not pidfds (child/filter.hpp).
bool run_hook(const HookExec& h, const LaunchPlan& plan, std::int64_t host_pid, Failure& f) noexcept {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) return fail(f, "startContainer hook", h.path.c_str());
    sigset_t chld, old;
    ::sigemptyset(&chld);
    ::sigaddset(&chld, SIGCHLD);
    ::sigprocmask(SIG_BLOCK, &chld, &old);
    long pid = ::syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (pid < 0) return fail(f, "startContainer hook", h.path.c_str());
    if (pid == 0) {
        ::sigprocmask(SIG_SETMASK, &old, nullptr);
        ::dup2(fds[0], 0);
        ::execve(h.path.c_str(), h.args.pointers.data(), h.env.pointers.data());
        ::_exit(127);
    }
    ::close(fds[0]);
    char digits[24];
    std::size_t n = format_int(digits, host_pid);
    // A hook that does not read stdin closes the pipe: EPIPE is fine (SIGPIPE is ignored).
    write_all(fds[1], plan.hook_state_prefix.data(), plan.hook_state_prefix.size());
    write_all(fds[1], digits, n);
    write_all(fds[1], plan.hook_state_suffix.data(), plan.hook_state_suffix.size());
    ::close(fds[1]);
    int status = 0;
    int err = wait_hook(static_cast<pid_t>(pid), h.timeout_seconds, status);
    // Drop the SIGCHLD that is still pending, so the container does not inherit it.
    timespec zero{};
    while (::sigtimedwait(&chld, nullptr, &zero) == SIGCHLD) {
    }
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    if (err == ETIMEDOUT) return fail(f, "startContainer hook timed out", h.path.c_str(), ETIMEDOUT);
    if (err != 0) return fail(f, "startContainer hook: wait", h.path.c_str(), err);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return fail(f, "startContainer hook failed", h.path.c_str(), WIFEXITED(status) && WEXITSTATUS(status) == 127 ? ENOENT : ECANCELED);
    return true;
}

}  // namespace

bool run_start_hooks(const LaunchPlan& plan, std::int64_t host_pid, Failure& f) noexcept {
    for (const auto& h : plan.start_container_hooks)
        if (!run_hook(h, plan, host_pid, f)) return false;
    return true;
}

}  // namespace berth::child
