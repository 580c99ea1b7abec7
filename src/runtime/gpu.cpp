#include "runtime/gpu.hpp"

#include "hooks/nvidia/config.hpp"
#include "hooks/nvidia/inject.hpp"
#include "hooks/nvidia/request.hpp"
#include "oci/parse.hpp"
#include "util/log.hpp"

namespace berth::runtime {

namespace {

// A CDI qualified name is "vendor/class=name"; the annotation prefixes are configurable,
// so the value's shape, not the key, is what can be checked without the config file.
bool looks_like_cdi_names(const std::string& value) {
    auto slash = value.find('/');
    return slash != std::string::npos && value.find('=', slash) != std::string::npos;
}

}  // namespace

bool may_request_gpus(const oci::Config& config) {
    if (auto visible = nvidia::find_env(config, "NVIDIA_VISIBLE_DEVICES"); visible && *visible != "void")
        return true;
    for (const char* key : {"CUDA_VERSION", "NVIDIA_MIG_CONFIG_DEVICES", "NVIDIA_MIG_MONITOR_DEVICES"})
        if (nvidia::find_env(config, key)) return true;
    for (const oci::Mount& m : config.mounts)
        if (m.destination.starts_with(nvidia::kVolumeMountDevicesRoot)) return true;
    for (const auto& [key, value] : config.annotations)
        if (looks_like_cdi_names(value)) return true;
    return false;
}

void apply_gpu_request(oci::Config& config, const std::string& rootfs, bool bind_nodes) {
    if (!may_request_gpus(config)) return;
    nvidia::NvidiaConfig settings = nvidia::load_nvidia_config();
    nvidia::InjectResult result = nvidia::inject_gpus(
        config, settings, rootfs, bind_nodes ? nvidia::NodeDelivery::bind : nvidia::NodeDelivery::make);
    for (const std::string& w : result.warnings) log::warn("{}", w);
}

bool has_post_hooks(const std::optional<oci::Hooks>& hooks) {
    return hooks && (!hooks->poststart.empty() || !hooks->poststop.empty());
}

std::string saved_config_text(const std::string& text, const std::string& path,
                              const std::optional<oci::Hooks>& given, const std::optional<oci::Hooks>& edited) {
    const oci::Hooks none;
    const oci::Hooks& before = given ? *given : none;
    const oci::Hooks& after = edited ? *edited : none;
    if (before.poststart == after.poststart && before.poststop == after.poststop) return text;
    oci::Config saved = oci::parse_config(text, path);
    saved.hooks = edited;
    return oci::to_json(saved, true);
}

}  // namespace berth::runtime
