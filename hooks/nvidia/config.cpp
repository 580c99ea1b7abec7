#include "hooks/nvidia/config.hpp"

#include "berth_build_info.h"
#include "hooks/nvidia/files.hpp"
#include "hooks/nvidia/json_fields.hpp"
#include "util/error.hpp"

#include <cstdlib>

namespace berth::nvidia {
namespace {

void require_absolute(const JsonContext& ctx, std::string_view path, std::string_view value) {
    if (!value.starts_with('/')) throw_at(ctx, path, "must be an absolute path");
}

void read_root(ObjectReader& r, std::string_view key, std::string& out) {
    r.read(key, out);
    require_absolute(r.context(), r.path(key), out);
}

}  // namespace

NvidiaConfig parse_nvidia_config(std::string_view text, std::string_view source) {
    JsonContext ctx{std::string(source), false};
    json::Value doc = json::parse(text, source);
    if (doc.kind != json::Value::Kind::object) throw_at(ctx, "", "expected an object");
    NvidiaConfig config;
    const json::Value* nv = doc.find("nvidia");
    if (nv == nullptr) return config;
    ObjectReader r(ctx, *nv, ".nvidia");
    read_root(r, "driverRoot", config.driver_root);
    if (r.get("devRoot") != nullptr) read_root(r, "devRoot", config.dev_root);
    read_root(r, "procRoot", config.proc_root);
    r.read("cdiSpecDirs", config.cdi_spec_dirs);
    for (const std::string& dir : config.cdi_spec_dirs) require_absolute(ctx, r.path("cdiSpecDirs"), dir);
    r.read("cdiAnnotationPrefixes", config.cdi_annotation_prefixes);
    for (const std::string& prefix : config.cdi_annotation_prefixes)
        if (prefix.empty()) throw_at(ctx, r.path("cdiAnnotationPrefixes"), "empty prefix");
    r.read("acceptEnvvarUnprivileged", config.accept_envvar_unprivileged);
    r.read("acceptVolumeMounts", config.accept_volume_mounts);
    r.read("ldconfig", config.ldconfig);
    if (!config.ldconfig.empty()) {
        std::string_view path = config.ldconfig;
        if (path.starts_with('@')) path.remove_prefix(1);
        require_absolute(ctx, r.path("ldconfig"), path);
    }
    r.read("hookPath", config.hook_path);
    if (!config.hook_path.empty()) require_absolute(ctx, r.path("hookPath"), config.hook_path);
    r.finish();
    return config;
}

NvidiaConfig load_nvidia_config() {
    const char* env = std::getenv("BERTH_CONFIG");
    std::string path = env != nullptr && *env != '\0' ? env : kDefaultConfigPath;
    std::optional<std::string> text = read_file_if_exists(path, 1u << 20);
    if (!text) {
        if (path != kDefaultConfigPath) throw_error("read config \"{}\" (BERTH_CONFIG): no such file", path);
        return NvidiaConfig{};
    }
    return parse_nvidia_config(*text, path);
}

std::string effective_ldconfig(const NvidiaConfig& config) {
    if (!config.ldconfig.empty()) return config.ldconfig;
    if (lstat_if_exists(under_root(config.driver_root, "/sbin/ldconfig.real"))) return "@/sbin/ldconfig.real";
    return "@/sbin/ldconfig";
}

std::string effective_hook_path(const NvidiaConfig& config) {
    return config.hook_path.empty() ? std::string(BERTH_LIBEXECDIR) + "/berth-nvidia-hook" : config.hook_path;
}

}  // namespace berth::nvidia
