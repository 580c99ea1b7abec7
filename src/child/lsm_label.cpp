#include "child/lsm_label.hpp"

#include "child/proc_root.hpp"

#include <unistd.h>

namespace berth::child {

namespace {

// Opens this task's /proc/<pid>/<attr> for writing, or returns -errno. The pid is read
// from that proc's own "self" link, since the "self" link itself is refused by the
// verified resolution and getpid() may name another pid namespace than the mount's.
int open_self_attr(const char* attr, Failure& f) noexcept {
    int proc = open_proc_root(f);
    if (proc < 0) return -f.err;
    char rel[96];
    ssize_t n = ::readlinkat(proc, "self", rel, sizeof rel - 40);
    int fd = -ENOENT;
    if (n > 0) {
        rel[n] = '/';
        copy_cstr(rel + n + 1, sizeof rel - static_cast<std::size_t>(n) - 1, attr);
        fd = open_proc_file(proc, rel);
    } else {
        fd = -errno;
    }
    ::close(proc);
    return fd;
}

// Writes `value` to the attribute; the kernel validates it here (an unknown AppArmor
// profile gives ENOENT, an invalid SELinux context EINVAL).
bool write_self_attr(const char* attr, const std::string& value, const char* stage, const char* detail,
                     Failure& f) noexcept {
    int fd = open_self_attr(attr, f);
    if (fd < 0) return fail(f, stage, detail, -fd);
    bool ok = write_all(fd, value.data(), value.size());
    int err = errno;
    ::close(fd);
    return ok || fail(f, stage, detail, err);
}

}  // namespace

bool apply_exec_labels(const sys::ProcessPlan& p, Failure& f) noexcept {
    if (!p.apparmor_exec.empty()) {
        const char* profile = p.apparmor_exec.c_str() + 5;  // after "exec "
        int fd = open_self_attr("attr/apparmor/exec", f);
        if (fd == -ENOENT) fd = open_self_attr("attr/exec", f);  // kernels before 5.8
        if (fd < 0) return fail(f, "apparmor: open the exec attribute", profile, -fd);
        bool ok = write_all(fd, p.apparmor_exec.data(), p.apparmor_exec.size());
        int err = errno;
        ::close(fd);
        if (!ok) return fail(f, "apparmor profile (is it loaded?)", profile, err);
    }
    if (!p.selinux_label.empty())
        return write_self_attr("attr/exec", p.selinux_label, "selinux label", p.selinux_label.c_str(), f);
    return true;
}

bool label_new_keyring(const sys::ProcessPlan& p, Failure& f) noexcept {
    if (p.selinux_label.empty()) return true;
    return write_self_attr("attr/keycreate", p.selinux_label, "selinux keyring label", p.selinux_label.c_str(), f);
}

}  // namespace berth::child
