#include "hooks/nvidia/cuda_version.hpp"

#include "hooks/nvidia/child_query.hpp"

#include <dlfcn.h>
#include <unistd.h>

namespace berth::nvidia {
namespace {

// The child: nothing but dlopen, one call and one write; _exit skips atexit handlers
// the library may have registered.
void child_query(const char* path, int out) {
    void* lib = ::dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) ::_exit(1);
    using Fn = int (*)(int*);
    auto fn = reinterpret_cast<Fn>(::dlsym(lib, "cuDriverGetVersion"));
    int version = 0;
    if (fn == nullptr || fn(&version) != 0) ::_exit(2);
    ssize_t n = ::write(out, &version, sizeof version);
    ::_exit(n == static_cast<ssize_t>(sizeof version) ? 0 : 3);
}

}  // namespace

const VendorQuery kCudaVersionQuery{"cuda-version", child_query};

std::string format_cuda_version(int version) {
    return std::to_string(version / 1000) + "." + std::to_string((version % 1000) / 10);
}

std::optional<std::string> query_cuda_version(const std::string& libcuda_path,
                                              std::chrono::milliseconds timeout) {
    int version = 0;
    if (!ask_child("the CUDA version query", kCudaVersionQuery, libcuda_path.c_str(), &version, sizeof version, timeout) ||
        version <= 0)
        return std::nullopt;
    return format_cuda_version(version);
}

}  // namespace berth::nvidia
