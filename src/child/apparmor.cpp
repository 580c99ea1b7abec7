#include "child/apparmor.hpp"

#include "child/proc_root.hpp"

#include <unistd.h>

namespace berth::child {

bool apply_apparmor(const sys::ProcessPlan& p, Failure& f) noexcept {
    if (p.apparmor_exec.empty()) return true;
    const char* profile = p.apparmor_exec.c_str() + 5;  // after "exec "
    int proc = open_proc_root(f);
    if (proc < 0) return false;
    // The task's own directory by pid (not the "self" symlink, which the verified
    // resolution refuses); pids are those of the proc mount, the container's own.
    char rel[64];
    std::size_t n = format_int(rel, ::getpid());
    copy_cstr(rel + n, sizeof rel - n, "/attr/apparmor/exec");
    int fd = open_proc_file(proc, rel);
    if (fd == -ENOENT) {  // kernels before 5.8 have only the shared attr/exec
        copy_cstr(rel + n, sizeof rel - n, "/attr/exec");
        fd = open_proc_file(proc, rel);
    }
    ::close(proc);
    if (fd < 0) return fail(f, "apparmor: open the exec attribute", profile, -fd);
    // The kernel checks the profile here: an unknown one fails with ENOENT.
    bool ok = write_all(fd, p.apparmor_exec.data(), p.apparmor_exec.size());
    int err = errno;
    ::close(fd);
    return ok || fail(f, "apparmor profile (is it loaded?)", profile, err);
}

}  // namespace berth::child
