#include "hooks/nvidia/inject.hpp"

#include "hooks/nvidia/cdi_spec.hpp"
#include "hooks/nvidia/child_query.hpp"
#include "hooks/nvidia/cuda_version.hpp"
#include "hooks/nvidia/discovery.hpp"
#include "hooks/nvidia/nvml.hpp"
#include "hooks/nvidia/plan.hpp"
#include "hooks/nvidia/request.hpp"
#include "util/error.hpp"

namespace berth::nvidia {
namespace {

ContainerEdits cdi_edits(const std::vector<std::string>& names, const NvidiaConfig& nvidia,
                         std::vector<std::string>& warnings) {
    CdiRegistry registry = load_cdi_specs(nvidia.cdi_spec_dirs);
    ContainerEdits edits = registry.resolve(names);
    for (const std::string& e : registry.errors) warnings.push_back("nvidia: CDI: " + e);
    // CDI hostPaths are host paths; nvidia-ctk leaves the numbers to the runtime.
    complete_device_nodes(edits, "/");
    return edits;
}

// What NVML said, or why it said nothing.
struct NvmlAnswer {
    std::optional<NvmlInfo> info;
    std::string problem;  // empty when `info` is set
};

// NVML is asked only for what the files cannot tell: a "MIG-<uuid>" name, or a brand or
// arch requirement. Everything else stays file-based, and no vendor code runs.
NvmlAnswer ask_nvml(const Request& request, const Driver& driver, std::vector<std::string>& warnings) {
    NvmlAnswer a;
    bool facts = uses_key(request.requirements, {"brand", "arch"});
    if (!facts && !names_mig_uuid(request.devices)) {
        a.problem = "not queried";
        return a;
    }
    if (driver.libnvml)
        a.info = query_nvml(*driver.libnvml, a.problem);
    else
        a.problem = "libnvidia-ml.so." + driver.version + " not found in the driver root";
    if (!a.info && facts)
        warnings.push_back("nvidia: NVML unavailable (" + a.problem +
                           "): brand and arch requirements count as satisfied");
    return a;
}

void check(const Request& request, const Driver& driver, const std::vector<std::size_t>& selected,
           const NvmlAnswer& nvml, std::vector<std::string>& warnings) {
    if (request.requirements.empty()) return;
    RequireFacts facts;
    facts.driver = driver.version;
    if (driver.libcuda) facts.cuda = query_cuda_version(*driver.libcuda);
    // libnvidia-container evaluates per selected GPU (a MIG device's parent), or once
    // with no device facts when none is selected.
    std::vector<RequireFacts> per_gpu;
    for (std::size_t i : selected) {
        RequireFacts f = facts;
        const Gpu& gpu = driver.gpus.at(i);
        f.device = fmt::format("GPU {} {}", i, gpu.uuid);
        if (const NvmlGpu* g = nvml.info ? find_nvml_gpu(*nvml.info, gpu.uuid) : nullptr) {
            f.brand = g->brand;
            f.arch = g->arch;
        } else if (nvml.info) {
            warnings.push_back("nvidia: NVML does not list " + gpu.uuid + ": its brand and arch are unknown");
        }
        per_gpu.push_back(std::move(f));
    }
    if (per_gpu.empty()) per_gpu.push_back(facts);
    check_requirements(request.requirements, per_gpu);
}

}  // namespace

std::optional<ContainerEdits> gpu_edits(const oci::Config& config, const NvidiaConfig& nvidia,
                                        const std::string& rootfs, std::vector<std::string>& warnings) {
    std::optional<Request> request = detect_request(config, nvidia, warnings);
    if (!request) return std::nullopt;
    // A static berth's driver queries run in the hook it injects (child_query.hpp).
    set_query_helper(effective_hook_path(nvidia));
    if (request->devices.mode == VisibleMode::cdi) return cdi_edits(request->devices.cdi_names, nvidia, warnings);
    DiscoveryOptions where{nvidia.driver_root, nvidia.effective_dev_root(), nvidia.proc_root};
    Driver driver = discover_driver(where);
    warnings.insert(warnings.end(), driver.warnings.begin(), driver.warnings.end());
    NvmlAnswer nvml = ask_nvml(*request, driver, warnings);
    std::vector<GpuRef> refs;
    for (const Gpu& g : driver.gpus) refs.push_back({g.uuid, g.bus});
    std::vector<MigRef> migs;
    for (const MigDevice& m : driver.migs) {
        std::string uuid = nvml.info ? nvml_mig_uuid(*nvml.info, driver.gpus.at(m.gpu).uuid, m.gi, m.ci) : "";
        migs.push_back({m.gpu, m.gi, m.ci, std::move(uuid)});
    }
    Selection chosen = select_devices(refs, migs, request->devices, nvml.problem);
    check(*request, driver, chosen.gpus, nvml, warnings);
    DeviceChoice selected{chosen.gpus, chosen.migs, request->mig_config, request->mig_monitor};
    PlanOptions plan;
    plan.lib_dirs = container_lib_dirs(rootfs);
    plan.hook_path = effective_hook_path(nvidia);
    plan.ldconfig = effective_ldconfig(nvidia);
    plan.proc_root = nvidia.proc_root;
    return plan_edits(driver, selected, request->capabilities, plan);
}

InjectResult inject_gpus(oci::Config& config, const NvidiaConfig& nvidia, const std::string& rootfs,
                         NodeDelivery nodes) {
    InjectResult result;
    std::optional<ContainerEdits> edits = gpu_edits(config, nvidia, rootfs, result.warnings);
    if (!edits) return result;
    result.requested = true;
    apply_edits(*edits, config, nodes);
    return result;
}

}  // namespace berth::nvidia
