#include "hooks/nvidia/nvml.hpp"

#include "hooks/nvidia/child_query.hpp"
#include "hooks/nvidia/nvml_wire.hpp"
#include "util/error.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <memory>

namespace berth::nvidia {
namespace {

using namespace nvml_wire;

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
    if (!ask_child("the NVML query", "nvml", libnvml_path.c_str(), answer.get(), sizeof *answer, timeout)) {
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
