// The CUDA version query's child (child_query.hpp). Linked only into dynamically linked
// programs (vendor_answers.hpp).
#include "hooks/nvidia/vendor_answers.hpp"

#include <dlfcn.h>
#include <unistd.h>

namespace berth::nvidia {

// The child: nothing but dlopen, one call and one write; _exit skips atexit handlers
// the library may have registered.
void answer_cuda_version(const char* path, int out) {
    void* lib = ::dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) ::_exit(1);
    using Fn = int (*)(int*);
    auto fn = reinterpret_cast<Fn>(::dlsym(lib, "cuDriverGetVersion"));
    int version = 0;
    if (fn == nullptr || fn(&version) != 0) ::_exit(2);
    ssize_t n = ::write(out, &version, sizeof version);
    ::_exit(n == static_cast<ssize_t>(sizeof version) ? 0 : 3);
}

}  // namespace berth::nvidia
