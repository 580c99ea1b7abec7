// NVML's query child (child_query.hpp): loads libnvidia-ml and fills in the wire record.
// Linked only into dynamically linked programs (vendor_answers.hpp).
#include "hooks/nvidia/vendor_answers.hpp"

#include "hooks/nvidia/nvml_wire.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace berth::nvidia {
namespace {

using namespace nvml_wire;

using Device = void*;

// The NVML entry points the child uses, resolved once.
struct Nvml {
    int (*init)();
    int (*count)(unsigned*);
    int (*by_index)(unsigned, Device*);
    int (*uuid)(Device, char*, unsigned);
    int (*brand)(Device, int*);
    int (*cc)(Device, int*, int*);
    int (*mig_mode)(Device, unsigned*, unsigned*);
    int (*max_migs)(Device, unsigned*);
    int (*mig_by_index)(Device, unsigned, Device*);
    int (*gi_id)(Device, unsigned*);
    int (*ci_id)(Device, unsigned*);
};

template <typename Fn>
void resolve(void* lib, const char* name, Fn& out) {
    out = reinterpret_cast<Fn>(::dlsym(lib, name));
}

// MIG functions exist since R450; an older library simply has no MIG devices.
void query_migs(const Nvml& n, Device dev, WireGpu& g) {
    unsigned current = 0, pending = 0, max = 0;
    if (!n.mig_mode || !n.max_migs || !n.mig_by_index || !n.gi_id || !n.ci_id) return;
    if (n.mig_mode(dev, &current, &pending) != kNvmlSuccess || current != kNvmlMigEnable) return;
    if (n.max_migs(dev, &max) != kNvmlSuccess) return;
    for (unsigned i = 0; i < max && g.nmigs < kMaxMigs; ++i) {
        Device mig = nullptr;
        WireMig& m = g.migs[g.nmigs];
        // NVML_ERROR_NOT_FOUND: a free slot; the devices need not be contiguous.
        if (n.mig_by_index(dev, i, &mig) != kNvmlSuccess) continue;
        if (n.uuid(mig, m.uuid, kUuidSize) != kNvmlSuccess || n.gi_id(mig, &m.gi) != kNvmlSuccess ||
            n.ci_id(mig, &m.ci) != kNvmlSuccess)
            continue;
        m.uuid[kUuidSize - 1] = '\0';
        ++g.nmigs;
    }
}

void query_gpus(const Nvml& n, WireAnswer& a) {
    unsigned count = 0;
    if (int rc = n.count(&count); rc != kNvmlSuccess) {
        a.status = kCountFailed;
        a.nvml_error = rc;
        return;
    }
    for (unsigned i = 0; i < count && a.count < kMaxGpus; ++i) {
        Device dev = nullptr;
        WireGpu& g = a.gpus[a.count];
        if (n.by_index(i, &dev) != kNvmlSuccess || n.uuid(dev, g.uuid, kUuidSize) != kNvmlSuccess) continue;
        g.uuid[kUuidSize - 1] = '\0';
        g.has_brand = n.brand && n.brand(dev, &g.brand) == kNvmlSuccess;
        g.has_cc = n.cc && n.cc(dev, &g.cc_major, &g.cc_minor) == kNvmlSuccess;
        query_migs(n, dev, g);
        ++a.count;
    }
}

WireAnswer g_answer;  // static storage: ~30 KiB is too much for a forked child's stack

void child_query(const char* path, int out) {
    WireAnswer& a = g_answer;
    std::memset(&a, 0, sizeof a);
    Nvml n{};
    void* lib = ::dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
        a.status = kNoLibrary;
    } else {
        resolve(lib, "nvmlInit_v2", n.init);
        resolve(lib, "nvmlDeviceGetCount_v2", n.count);
        resolve(lib, "nvmlDeviceGetHandleByIndex_v2", n.by_index);
        resolve(lib, "nvmlDeviceGetUUID", n.uuid);
        resolve(lib, "nvmlDeviceGetBrand", n.brand);
        resolve(lib, "nvmlDeviceGetCudaComputeCapability", n.cc);
        resolve(lib, "nvmlDeviceGetMigMode", n.mig_mode);
        resolve(lib, "nvmlDeviceGetMaxMigDeviceCount", n.max_migs);
        resolve(lib, "nvmlDeviceGetMigDeviceHandleByIndex", n.mig_by_index);
        resolve(lib, "nvmlDeviceGetGpuInstanceId", n.gi_id);
        resolve(lib, "nvmlDeviceGetComputeInstanceId", n.ci_id);
        if (!n.init || !n.count || !n.by_index || !n.uuid) {
            a.status = kNoSymbol;
        } else if (int rc = n.init(); rc != kNvmlSuccess) {
            a.status = kInitFailed;
            a.nvml_error = rc;
        } else {
            query_gpus(n, a);
        }
    }
    // No nvmlShutdown: _exit ends the process, and shutdown may block on a hung GPU.
    const char* p = reinterpret_cast<const char*>(&a);
    std::size_t left = sizeof a;
    while (left > 0) {
        ssize_t w = ::write(out, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) ::_exit(3);
        p += w;
        left -= static_cast<std::size_t>(w);
    }
    ::_exit(0);
}

}  // namespace

void answer_nvml(const char* path, int out) { child_query(path, out); }

}  // namespace berth::nvidia
