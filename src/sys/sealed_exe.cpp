#include "sys/sealed_exe.hpp"

#include "util/error.hpp"
#include "util/unique_fd.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace berth::sys {

namespace {

constexpr int kSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

bool is_sealed(int fd) {
    int seals = ::fcntl(fd, F_GET_SEALS);
    return seals >= 0 && (seals & kSeals) == kSeals;
}

}  // namespace

// A memfd copy rather than execveat through a read-only open_tree mount: the copy costs
// a few ms per create/exec, but works without new mount API support and leaves no
// mount behind; the init is still cloned from this process, not re-executed.
void ensure_sealed_exe(char** argv) {
    UniqueFd self(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
    if (!self) throw_errno("open /proc/self/exe");
    if (is_sealed(self.get())) return;
    struct stat st{};
    if (::fstat(self.get(), &st) < 0) throw_errno("stat /proc/self/exe");
    UniqueFd copy(::memfd_create("berth", MFD_ALLOW_SEALING | MFD_CLOEXEC));
    if (!copy) throw_errno("memfd_create");
    for (off_t done = 0; done < st.st_size;) {
        ssize_t n = ::sendfile(copy.get(), self.get(), &done, static_cast<size_t>(st.st_size - done));
        if (n < 0 && errno != EINTR) throw_errno("copy /proc/self/exe to memfd");
        if (n == 0) throw_error("copy /proc/self/exe to memfd: short read");
    }
    if (::fcntl(copy.get(), F_ADD_SEALS, kSeals) < 0) throw_errno("seal memfd");
    ::syscall(SYS_execveat, copy.get(), "", argv, environ, AT_EMPTY_PATH);
    throw_errno("re-execute from sealed memfd");
}

}  // namespace berth::sys
