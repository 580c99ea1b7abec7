#include "hooks/nvidia/cuda_version.hpp"

#include "util/error.hpp"
#include "util/unique_fd.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace berth::nvidia {
namespace {

// The child: nothing but dlopen, one call and one write; _exit skips atexit handlers
// the library may have registered.
[[noreturn]] void child_query(const char* path, int out) {
    void* lib = ::dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) ::_exit(1);
    using Fn = int (*)(int*);
    auto fn = reinterpret_cast<Fn>(::dlsym(lib, "cuDriverGetVersion"));
    int version = 0;
    if (fn == nullptr || fn(&version) != 0) ::_exit(2);
    ssize_t n = ::write(out, &version, sizeof version);
    ::_exit(n == static_cast<ssize_t>(sizeof version) ? 0 : 3);
}

void reap(pid_t pid, bool kill_first) {
    if (kill_first) ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
}

}  // namespace

std::string format_cuda_version(int version) {
    return std::to_string(version / 1000) + "." + std::to_string((version % 1000) / 10);
}

std::optional<std::string> query_cuda_version(const std::string& libcuda_path,
                                              std::chrono::milliseconds timeout) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) throw_errno("nvidia: pipe for the CUDA version query");
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    pid_t pid = ::fork();
    if (pid < 0) throw_errno("nvidia: fork for the CUDA version query");
    if (pid == 0) child_query(libcuda_path.c_str(), write_end.get());
    write_end.reset();
    pollfd pfd{read_end.get(), POLLIN, 0};
    int ready;
    do {
        ready = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
    } while (ready < 0 && errno == EINTR);
    int version = 0;
    ssize_t n = ready > 0 ? ::read(read_end.get(), &version, sizeof version) : -1;
    reap(pid, n != static_cast<ssize_t>(sizeof version));
    if (n != static_cast<ssize_t>(sizeof version) || version <= 0) return std::nullopt;
    return format_cuda_version(version);
}

}  // namespace berth::nvidia
