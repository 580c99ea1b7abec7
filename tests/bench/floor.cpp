// The floor for `run`: the least any runtime must do for the default `spec` bundle. Clones
// into new mount, pid, uts, ipc, network and cgroup namespaces, binds the rootfs, mounts
// /proc, pivots and execs the command; the parent waits. No config, cgroup, devices or state.
//   floor ROOTFS CMD...     (exit status is the command's)
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

namespace {

[[noreturn]] void die(const char* what) {
    std::perror(what);
    _exit(127);
}

[[noreturn]] void child(const char* rootfs, char** argv) {
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) die("make / private");
    if (::mount(rootfs, rootfs, nullptr, MS_BIND | MS_REC, nullptr) < 0) die("bind rootfs");
    if (::chdir(rootfs) < 0) die("chdir rootfs");
    if (::mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) < 0) die("mount proc");
    if (::syscall(SYS_pivot_root, ".", ".") < 0) die("pivot_root");
    if (::umount2(".", MNT_DETACH) < 0) die("detach old root");
    if (::chdir("/") < 0) die("chdir /");
    ::execv(argv[0], argv);
    die("execv");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: floor ROOTFS CMD...\n");
        return 2;
    }
    const int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP;
    const pid_t pid = static_cast<pid_t>(::syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr));
    if (pid < 0) die("clone");
    if (pid == 0) child(argv[1], argv + 2);
    int status = 0;
    if (::waitpid(pid, &status, 0) < 0) die("waitpid");
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
