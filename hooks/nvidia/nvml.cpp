#include "hooks/nvidia/nvml.hpp"

#include "hooks/nvidia/child_query.hpp"
#include "util/error.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>

namespace berth::nvidia {
namespace {

// The fixed answer the child writes: no allocation or formatting between fork and
// _exit beyond what dlopen and NVML do themselves.
constexpr std::size_t kMaxGpus = 32;
constexpr std::size_t kMaxMigs = 8;     // libnvidia-container's MAX_MIG_DEVICES; A100/H100 have at most 7
constexpr std::size_t kUuidSize = 96;   // NVML_DEVICE_UUID_V2_BUFFER_SIZE
constexpr int kNvmlSuccess = 0;
constexpr unsigned kNvmlMigEnable = 1;  // NVML_DEVICE_MIG_ENABLE

enum WireStatus : std::int32_t { kOk = 0, kNoLibrary, kNoSymbol, kInitFailed, kCountFailed };

struct WireMig {
    char uuid[kUuidSize];
    std::uint32_t gi, ci;
};

struct WireGpu {
    char uuid[kUuidSize];
    std::int32_t brand, cc_major, cc_minor;
    std::uint8_t has_brand, has_cc;
    std::uint32_t nmigs;
    WireMig migs[kMaxMigs];
};

struct WireAnswer {
    std::int32_t status;
    std::int32_t nvml_error;  // kInitFailed, kCountFailed: NVML's return code
    std::uint32_t count;
    WireGpu gpus[kMaxGpus];
};

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

std::string wire_string(const char (&s)[kUuidSize]) {
    return std::string(s, ::strnlen(s, kUuidSize));
}

NvmlInfo decode(const WireAnswer& a) {
    NvmlInfo info;
    for (std::uint32_t i = 0; i < std::min<std::uint32_t>(a.count, kMaxGpus); ++i) {
        const WireGpu& w = a.gpus[i];
        NvmlGpu g{wire_string(w.uuid), std::nullopt, std::nullopt, {}};
        if (w.has_brand) g.brand = brand_name(w.brand);
        if (w.has_cc) g.arch = std::to_string(w.cc_major) + "." + std::to_string(w.cc_minor);
        for (std::uint32_t m = 0; m < std::min<std::uint32_t>(w.nmigs, kMaxMigs); ++m)
            g.migs.push_back({wire_string(w.migs[m].uuid), w.migs[m].gi, w.migs[m].ci});
        info.gpus.push_back(std::move(g));
    }
    return info;
}

}  // namespace

const VendorQuery kNvmlQuery{"nvml", child_query};

std::string brand_name(int nvml_brand) {
    // nvmlBrandType_t order (nvml.h). libnvidia-container names only the first six and
    // calls the rest "Unknown"; CUDA images' requirement strings use these spellings
    // (brand=nvidiartx, brand=geforcertx, ...), so an RTX-branded GPU can match them.
    static constexpr std::array<const char*, 17> kNames{
        "unknown",     "quadro",      "tesla",       "nvs",        "grid",       "geforce",
        "titan",       "nvidiavapps", "nvidiavpc",   "nvidiavcs",  "nvidiavws",  "nvidiacloudgaming",
        "quadrortx",   "nvidiartx",   "nvidia",      "geforcertx", "titanrtx"};
    if (nvml_brand < 0 || static_cast<std::size_t>(nvml_brand) >= kNames.size()) return "unknown";
    return kNames[static_cast<std::size_t>(nvml_brand)];
}

const NvmlGpu* find_nvml_gpu(const NvmlInfo& info, std::string_view gpu_uuid) {
    auto same = [&](const NvmlGpu& g) {
        return std::equal(g.uuid.begin(), g.uuid.end(), gpu_uuid.begin(), gpu_uuid.end(),
                          [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) ==
                                                      std::tolower(static_cast<unsigned char>(b)); });
    };
    auto it = std::find_if(info.gpus.begin(), info.gpus.end(), same);
    return it == info.gpus.end() ? nullptr : &*it;
}

std::string nvml_mig_uuid(const NvmlInfo& info, std::string_view gpu_uuid, std::uint32_t gi, std::uint32_t ci) {
    if (const NvmlGpu* g = find_nvml_gpu(info, gpu_uuid))
        for (const NvmlMig& m : g->migs)
            if (m.gi == gi && m.ci == ci) return m.uuid;
    return {};
}

std::optional<NvmlInfo> query_nvml(const std::string& libnvml_path, std::string& why,
                                   std::chrono::milliseconds timeout) {
    auto answer = std::make_unique<WireAnswer>();
    if (!ask_child("the NVML query", kNvmlQuery, libnvml_path.c_str(), answer.get(), sizeof *answer, timeout)) {
        why = fmt::format("no answer from '{}' (it died, or took over {} ms)", libnvml_path, timeout.count());
        return std::nullopt;
    }
    switch (answer->status) {
        case kOk: return decode(*answer);
        case kNoLibrary: why = fmt::format("cannot load '{}'", libnvml_path); break;
        case kNoSymbol: why = fmt::format("'{}' lacks nvmlInit_v2 or the device functions", libnvml_path); break;
        case kInitFailed: why = fmt::format("nvmlInit_v2 failed with NVML error {}", answer->nvml_error); break;
        case kCountFailed: why = fmt::format("nvmlDeviceGetCount_v2 failed with NVML error {}", answer->nvml_error); break;
        default: why = "a malformed answer"; break;
    }
    return std::nullopt;
}

}  // namespace berth::nvidia
