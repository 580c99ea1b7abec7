// Child side: process attributes and hooks run by the init.
#include "child/process.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <poll.h>
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
#include <unistd.h>

namespace berth::child {

bool apply_limits(const LaunchPlan& plan, Failure& f) noexcept {
    const auto& p = plan.process;
    for (const auto& r : p.rlimits)
        if (::setrlimit(static_cast<__rlimit_resource>(r.resource), &r.limit) < 0) return fail(f, "setrlimit", "");
    if (p.has_scheduler && ::syscall(SYS_sched_setattr, 0, &p.scheduler, 0) < 0) return fail(f, "sched_setattr", "");
    if (p.has_ioprio && ::syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, p.ioprio) < 0)
        return fail(f, "ioprio_set", "");
    if (p.has_personality && ::personality(p.personality) < 0) return fail(f, "personality", "");
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
    char payload[] = "/dev/ptmx";
    iovec iov{payload, sizeof payload - 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    __builtin_memcpy(CMSG_DATA(cmsg), &master, sizeof master);
    if (::sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) return fail(f, "send console master", "console socket");
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
    if (::setsid() < 0) return fail(f, "setsid", "");
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
        if (::faccessat(AT_FDCWD, c[i].c_str(), X_OK, AT_EACCESS) == 0) return static_cast<int>(i);
        denied = static_cast<int>(i);
    }
    const char* name = plan.process.args.strings[0].c_str();
    fail(f, denied >= 0 ? "exec: permission denied" : "exec: executable file not found in $PATH", name,
         denied >= 0 ? EACCES : ENOENT);
    return -1;
}

namespace {

bool run_hook(const HookExec& h, const LaunchPlan& plan, std::int64_t host_pid, Failure& f) noexcept {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) return fail(f, "startContainer hook", h.path.c_str());
    int pidfd = -1;
    clone_args args{};
    args.flags = CLONE_PIDFD;
    args.pidfd = reinterpret_cast<std::uint64_t>(&pidfd);
    args.exit_signal = SIGCHLD;
    long pid = ::syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0) return fail(f, "startContainer hook", h.path.c_str());
    if (pid == 0) {
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
    pollfd pfd{pidfd, POLLIN, 0};
    int timeout_ms = h.timeout_seconds > 0 ? h.timeout_seconds * 1000 : -1;
    int ready = ::poll(&pfd, 1, timeout_ms);
    if (ready == 0) {
        ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
        ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
        return fail(f, "startContainer hook timed out", h.path.c_str(), ETIMEDOUT);
    }
    int status = 0;
    ::waitpid(static_cast<pid_t>(pid), &status, 0);
    ::close(pidfd);
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
