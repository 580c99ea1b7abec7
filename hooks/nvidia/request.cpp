#include "hooks/nvidia/request.hpp"

#include "hooks/nvidia/cdi_names.hpp"
#include "util/error.hpp"

#include <algorithm>

namespace berth::nvidia {
namespace {

// Ids from /dev/null mounts at kVolumeMountDevicesRoot/<id>; "cdi/<vendor>/<class>/<dev>"
// and "cdi/<vendor>/<class>=<dev>" tails are CDI names. IMEX channels are not handled yet.
std::vector<std::string> ids_from_mounts(const oci::Config& config, std::vector<std::string>& warnings) {
    std::vector<std::string> ids;
    std::string prefix = std::string(kVolumeMountDevicesRoot) + "/";
    for (const oci::Mount& m : config.mounts) {
        if (m.source != "/dev/null" || !m.destination.starts_with(prefix)) continue;
        std::string id = m.destination.substr(prefix.size());
        if (id.starts_with("imex/")) {
            warnings.push_back("nvidia: IMEX channel mounts are not supported yet, ignoring '" +
                               m.destination + "'");
            continue;
        }
        if (id.starts_with("cdi/")) {
            id = id.substr(4);
            if (id.find('=') == std::string::npos) {
                size_t last = id.rfind('/');
                if (last != std::string::npos) id[last] = '=';
            }
        }
        if (!id.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
    }
    return ids;
}

std::vector<Requirement> requirements(const oci::Config& config, bool legacy_image) {
    std::vector<Requirement> out;
    if (!config.process) return out;
    if (auto off = find_env(config, "NVIDIA_DISABLE_REQUIRE"); off && parse_go_bool_true(*off)) return out;
    for (const std::string& entry : config.process->env) {
        std::string_view e = entry;
        size_t eq = e.find('=');
        std::string_view key = e.substr(0, eq);
        if (!key.starts_with("NVIDIA_REQUIRE_") || key == "NVIDIA_REQUIRE_JETPACK" ||
            eq == std::string_view::npos)
            continue;
        if (find_env(config, key) != e.substr(eq + 1)) continue;  // an earlier duplicate
        out.push_back(parse_requirement(key, e.substr(eq + 1)));
    }
    if (legacy_image) {
        // A legacy image says which CUDA it was built for only in CUDA_VERSION.
        std::string_view v = *find_env(config, "CUDA_VERSION");
        size_t second_dot = v.find('.', v.find('.') + 1);
        std::string cuda(v.substr(0, second_dot));
        if (compare_versions(cuda, cuda)) out.push_back(parse_requirement("CUDA_VERSION", "cuda>=" + cuda));
    }
    return out;
}

void check_mig(const oci::Config& config, Request& r) {
    for (auto [key, flag] : {std::pair{"NVIDIA_MIG_CONFIG_DEVICES", &r.mig_config},
                             std::pair{"NVIDIA_MIG_MONITOR_DEVICES", &r.mig_monitor}}) {
        auto v = find_env(config, key);
        if (!v || v->empty()) continue;
        if (*v != "all") throw_error("nvidia: {}='{}': only 'all' is supported", key, *v);
        if (!is_privileged(config))
            throw_error("nvidia: cannot set {} in a non-privileged container (no CAP_SYS_ADMIN)", key);
        *flag = true;
    }
}

// The env-var strategy; nullopt when it asks for nothing.
std::optional<Request> from_env(const oci::Config& config, const NvidiaConfig& nvidia,
                                std::vector<std::string>& warnings) {
    auto visible = find_env(config, "NVIDIA_VISIBLE_DEVICES");
    bool legacy_image = find_env(config, "CUDA_VERSION") && !find_env(config, "NVIDIA_REQUIRE_CUDA");
    Request r;
    if (!is_privileged(config) && !nvidia.accept_envvar_unprivileged) {
        if (visible || legacy_image)
            warnings.push_back(
                "nvidia: ignoring NVIDIA_VISIBLE_DEVICES in an unprivileged container "
                "(acceptEnvvarUnprivileged is false)");
        return std::nullopt;
    }
    if (visible && *visible == kVolumeMountDevicesRoot)
        throw_error(
            "nvidia: NVIDIA_VISIBLE_DEVICES asks for volume-mount devices but acceptVolumeMounts is off");
    r.devices = visible ? parse_visible_devices(*visible) : VisibleDevices{};
    if (!visible && legacy_image) r.devices.mode = VisibleMode::all;
    if (r.devices.mode == VisibleMode::void_) return std::nullopt;
    if (r.devices.mode == VisibleMode::cdi) return r;
    auto caps = find_env(config, "NVIDIA_DRIVER_CAPABILITIES");
    r.capabilities = parse_capabilities(caps.value_or(""),
                                        legacy_image ? CapabilitySet::all() : CapabilitySet::defaults());
    r.requirements = requirements(config, legacy_image);
    check_mig(config, r);
    return r;
}

}  // namespace

std::optional<std::string_view> find_env(const oci::Config& config, std::string_view key) {
    if (!config.process) return std::nullopt;
    const std::vector<std::string>& env = config.process->env;
    for (auto it = env.rbegin(); it != env.rend(); ++it) {
        std::string_view e = *it;
        if (e.size() > key.size() && e.starts_with(key) && e[key.size()] == '=')
            return e.substr(key.size() + 1);
    }
    return std::nullopt;
}

bool is_privileged(const oci::Config& config) {
    if (!config.process || !config.process->capabilities) return false;
    const auto& bounding = config.process->capabilities->bounding;
    return std::find(bounding.begin(), bounding.end(), "CAP_SYS_ADMIN") != bounding.end();
}

std::optional<Request> detect_request(const oci::Config& config, const NvidiaConfig& nvidia,
                                      std::vector<std::string>& warnings) {
    Request r;
    r.devices.cdi_names = cdi_names_from_annotations(config.annotations, nvidia.cdi_annotation_prefixes);
    if (!r.devices.cdi_names.empty()) {
        r.devices.mode = VisibleMode::cdi;
        return r;
    }
    if (nvidia.accept_volume_mounts) {
        std::vector<std::string> ids = ids_from_mounts(config, warnings);
        if (!ids.empty()) {
            std::string joined;
            for (const std::string& id : ids) joined += (joined.empty() ? "" : ",") + id;
            Request vr;
            vr.devices = parse_visible_devices(joined);
            vr.capabilities = parse_capabilities(find_env(config, "NVIDIA_DRIVER_CAPABILITIES").value_or(""),
                                                 CapabilitySet::defaults());
            vr.requirements = requirements(config, false);
            if (vr.devices.mode != VisibleMode::void_) return vr;
        }
    }
    return from_env(config, nvidia, warnings);
}

}  // namespace berth::nvidia
