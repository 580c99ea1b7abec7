// update-ldcache --ldconfig @/sbin/ldconfig --folder DIR...: refresh the container's
// /etc/ld.so.cache so the injected libraries are found.
//
// Why it is safe (CVE-2025-23267, and libnvidia-container's nvc_ldcache.c): only the
// HOST's ldconfig ("@path") runs, opened by this process, never a binary of the image.
// It runs in a forked child that has its own mount namespace in which the rootfs's
// /proc and /sys are covered by empty read-only tmpfs (no magic link can lead out),
// chrooted into the rootfs (or with -r, for a dynamically linked ldconfig, whose loader
// must be the host's), with no_new_privs, a few capabilities, rlimits and an empty env.
// Every folder is checked for a symlink leading out of the rootfs before it is named.
#include "hook_common.hpp"
#include "hook_rootfs.hpp"

#include "util/error.hpp"

#include <elf.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <csignal>
#include <thread>

namespace berth::hook {
namespace {

constexpr int kTimeoutSeconds = 30;

// True if the ELF file has a PT_INTERP header (needs a dynamic loader).
bool is_dynamic(int fd) {
    Elf64_Ehdr eh{};
    if (::pread(fd, &eh, sizeof eh, 0) != sizeof eh || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
        eh.e_ident[EI_CLASS] != ELFCLASS64)
        throw_error("ldconfig is not a 64-bit ELF binary");
    for (unsigned i = 0; i < eh.e_phnum; ++i) {
        Elf64_Phdr ph{};
        auto off = static_cast<off_t>(eh.e_phoff + i * sizeof ph);
        if (::pread(fd, &ph, sizeof ph, off) != sizeof ph) throw_error("ldconfig: truncated ELF header");
        if (ph.p_type == PT_INTERP) return true;
    }
    return false;
}

// Covers <rootfs>/<dir> with an empty read-only tmpfs, if it is a directory there.
void cover(int root, const char* dir) {
    std::optional<UniqueFd> target = open_in_root(root, dir, O_PATH | O_DIRECTORY | O_NOFOLLOW);
    if (!target) return;
    UniqueFd tmp = new_tmpfs(0555, dir);
    set_mount_attr(tmp.get(), MOUNT_ATTR_RDONLY, 0, dir);
    attach(tmp.get(), target->get(), dir);
}

// Keeps only what ldconfig needs to write the cache and links as root in the rootfs.
void narrow_capabilities() {
    constexpr std::uint64_t keep = (1ull << CAP_DAC_OVERRIDE) | (1ull << CAP_DAC_READ_SEARCH) |
                                   (1ull << CAP_FOWNER) | (1ull << CAP_CHOWN);
    for (int cap = 0; cap <= CAP_LAST_CAP; ++cap)
        if ((keep & (1ull << cap)) == 0) ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
    __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    data[0].effective = data[0].permitted = static_cast<std::uint32_t>(keep);
    if (::syscall(SYS_capset, &hdr, data) != 0) throw_errno("capset");
}

// The child: never returns. Errors go to stderr in one line and exit 1.
[[noreturn]] void run_child(const Container& c, int ldconfig, bool dynamic, const std::vector<std::string>& folders) {
    try {
        if (::unshare(CLONE_NEWNS) != 0) throw_errno("unshare mount namespace");
        if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) throw_errno("make / private");
        // c.root pins the rootfs of the namespace we left; mounts must go on this copy.
        UniqueFd root(::open(c.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        struct stat a{}, b{};
        if (!root || ::fstat(root.get(), &a) != 0 || ::fstat(c.root.get(), &b) != 0 || a.st_ino != b.st_ino ||
            a.st_dev != b.st_dev)
            throw_error("reopen rootfs '{}' in the private mount namespace", c.rootfs);
        cover(root.get(), "/proc");
        cover(root.get(), "/sys");
        std::vector<std::string> argv_s{"ldconfig"};
        if (dynamic) {
            argv_s.insert(argv_s.end(), {"-r", c.rootfs});
        } else {
            if (::fchdir(root.get()) != 0 || ::chroot(".") != 0 || ::chdir("/") != 0) throw_errno("chroot rootfs");
        }
        argv_s.insert(argv_s.end(), folders.begin(), folders.end());
        rlimit cpu{10, 10}, files{64, 64}, size{256u << 20, 256u << 20};
        ::setrlimit(RLIMIT_CPU, &cpu);
        ::setrlimit(RLIMIT_NOFILE, &files);
        ::setrlimit(RLIMIT_FSIZE, &size);
        if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) throw_errno("no_new_privs");
        narrow_capabilities();
        std::vector<char*> argv;
        for (std::string& arg : argv_s) argv.push_back(arg.data());
        argv.push_back(nullptr);
        char* envp[] = {nullptr};
        ::syscall(SYS_execveat, ldconfig, "", argv.data(), envp, AT_EMPTY_PATH);
        throw_errno("exec ldconfig");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "berth-nvidia-hook: update-ldcache: %s\n", e.what());
    }
    ::_exit(1);
}

void wait_child(pid_t pid) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kTimeoutSeconds);
    int status = 0;
    for (;;) {
        pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) throw_errno("wait for ldconfig");
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            throw_error("ldconfig did not finish in {} s", kTimeoutSeconds);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw_error("ldconfig failed (status {})", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

UniqueFd open_ldconfig(const Container& c, const std::string& spec) {
    if (c.ldconfig_fd >= 0) {
        int fd = ::fcntl(c.ldconfig_fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0) throw_errno("dup ldconfig fd");
        return UniqueFd(fd);
    }
    if (!spec.starts_with("@/"))
        throw_error("refusing to run the container's own ldconfig '{}' with host privileges; use '@{}'", spec,
                    spec);
    int fd = ::open(spec.c_str() + 1, O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw_errno("open ldconfig '{}'", spec.substr(1));
    return UniqueFd(fd);
}

}  // namespace

void update_ldcache(const Container& c, const Args& args) {
    std::string ldconfig = "@/sbin/ldconfig";
    std::vector<std::string> folders;
    for (const auto& [name, value] : parse_options(args, {"--ldconfig", "--folder"})) {
        if (name == "--ldconfig") ldconfig = value;
        if (name != "--folder") continue;
        if (!value.starts_with('/') || value.find('\n') != std::string::npos)
            throw_error("folder '{}' must be an absolute path", value);
        refuse_escaping_symlinks(c.root.get(), value);
        if (open_in_root(c.root.get(), value, O_PATH | O_DIRECTORY)) folders.push_back(value);
    }
    UniqueFd bin = open_ldconfig(c, ldconfig);
    bool dynamic = is_dynamic(bin.get());
    make_dirs_in_root(c.root.get(), "/etc");  // where the cache goes
    pid_t pid = ::fork();
    if (pid < 0) throw_errno("fork");
    if (pid == 0) run_child(c, bin.get(), dynamic, folders);
    wait_child(pid);
}

}  // namespace berth::hook
