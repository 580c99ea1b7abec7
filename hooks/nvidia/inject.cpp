#include "hooks/nvidia/inject.hpp"

#include "hooks/nvidia/cdi_spec.hpp"
#include "hooks/nvidia/cuda_version.hpp"
#include "hooks/nvidia/discovery.hpp"
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

void check(const Request& request, const Driver& driver, const std::vector<std::size_t>& selected) {
    if (request.requirements.empty()) return;
    RequireFacts facts;
    facts.driver = driver.version;
    if (driver.libcuda) facts.cuda = query_cuda_version(*driver.libcuda);
    // brand and arch need NVML; unknown facts satisfy their terms. One entry per
    // selected GPU once they are known; identical entries until then.
    std::vector<RequireFacts> per_gpu(selected.empty() ? 1 : selected.size(), facts);
    check_requirements(request.requirements, per_gpu);
}

}  // namespace

std::optional<ContainerEdits> gpu_edits(const oci::Config& config, const NvidiaConfig& nvidia,
                                        const std::string& rootfs, std::vector<std::string>& warnings) {
    std::optional<Request> request = detect_request(config, nvidia, warnings);
    if (!request) return std::nullopt;
    if (request->devices.mode == VisibleMode::cdi) return cdi_edits(request->devices.cdi_names, nvidia, warnings);
    DiscoveryOptions where{nvidia.driver_root, nvidia.effective_dev_root(), nvidia.proc_root};
    Driver driver = discover_driver(where);
    warnings.insert(warnings.end(), driver.warnings.begin(), driver.warnings.end());
    std::vector<GpuRef> refs;
    for (const Gpu& g : driver.gpus) refs.push_back({g.uuid, g.bus});
    std::vector<MigRef> migs;
    for (const MigDevice& m : driver.migs) migs.push_back({m.gpu, m.gi, m.ci});
    Selection chosen = select_devices(refs, migs, request->devices);
    check(*request, driver, chosen.gpus);
    DeviceChoice selected{chosen.gpus, chosen.migs, request->mig_config, request->mig_monitor};
    PlanOptions plan;
    plan.lib_dirs = container_lib_dirs(rootfs);
    plan.hook_path = effective_hook_path(nvidia);
    plan.ldconfig = effective_ldconfig(nvidia);
    plan.proc_root = nvidia.proc_root;
    return plan_edits(driver, selected, request->capabilities, plan);
}

InjectResult inject_gpus(oci::Config& config, const NvidiaConfig& nvidia, const std::string& rootfs) {
    InjectResult result;
    std::optional<ContainerEdits> edits = gpu_edits(config, nvidia, rootfs, result.warnings);
    if (!edits) return result;
    result.requested = true;
    apply_edits(*edits, config);
    return result;
}

}  // namespace berth::nvidia
