#include "hooks/nvidia/cdi_spec.hpp"

#include "hooks/nvidia/cdi_names.hpp"
#include "hooks/nvidia/files.hpp"
#include "hooks/nvidia/json_fields.hpp"
#include "hooks/nvidia/requirements.hpp"
#include "hooks/nvidia/yaml.hpp"
#include "util/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <set>

namespace berth::nvidia {
namespace {

using Kind = json::Value::Kind;

std::map<std::string, std::string> read_annotations(const JsonContext& ctx, const json::Value& v,
                                                    const std::string& path) {
    if (v.kind != Kind::object) throw_at(ctx, path, "expected an object");
    std::map<std::string, std::string> out;
    for (const auto& [key, value] : v.members) out[key] = json_string(ctx, value, path + "." + key);
    return out;
}

std::optional<std::uint32_t> read_u32(ObjectReader& r, std::string_view key) {
    const json::Value* v = r.get(key);
    if (v == nullptr) return std::nullopt;
    return static_cast<std::uint32_t>(
        json_int(r.context(), *v, r.path(key), 0, std::numeric_limits<std::uint32_t>::max()));
}

void check_env(const JsonContext& ctx, const std::vector<std::string>& env, const std::string& path) {
    for (const std::string& e : env)
        if (e.find('=') == std::string::npos || e.front() == '=')
            throw_at(ctx, path, "invalid environment variable '" + e + "'");
}

DeviceNodeEdit read_device_node(const JsonContext& ctx, const json::Value& v, const std::string& path) {
    ObjectReader r(ctx, v, path);
    DeviceNodeEdit n;
    n.path = json_string(ctx, r.require("path"), r.path("path"));
    r.read("hostPath", n.host_path);
    r.read("type", n.type);
    if (!n.type.empty() && n.type != "b" && n.type != "c" && n.type != "u" && n.type != "p")
        throw_at(ctx, r.path("type"), "invalid device type '" + n.type + "'");
    if (const json::Value* m = r.get("major")) n.major = json_int(ctx, *m, r.path("major"), 0, 0xffffffff);
    if (const json::Value* m = r.get("minor")) n.minor = json_int(ctx, *m, r.path("minor"), 0, 0xffffffff);
    if (auto mode = read_u32(r, "fileMode")) n.file_mode = *mode & 07777;
    r.read("permissions", n.permissions);
    if (n.permissions.find_first_not_of("rwm") != std::string::npos)
        throw_at(ctx, r.path("permissions"), "invalid permissions '" + n.permissions + "'");
    n.uid = read_u32(r, "uid");
    n.gid = read_u32(r, "gid");
    r.finish();
    if (n.path.empty()) throw_at(ctx, r.path("path"), "empty path");
    return n;
}

MountEdit read_mount(const JsonContext& ctx, const json::Value& v, const std::string& path) {
    ObjectReader r(ctx, v, path);
    MountEdit m;
    m.host_path = json_string(ctx, r.require("hostPath"), r.path("hostPath"));
    m.container_path = json_string(ctx, r.require("containerPath"), r.path("containerPath"));
    r.read("type", m.type);
    r.read("options", m.options);
    r.finish();
    if (m.host_path.empty() || m.container_path.empty()) throw_at(ctx, path, "empty mount path");
    return m;
}

HookEdit read_hook(const JsonContext& ctx, const json::Value& v, const std::string& path) {
    ObjectReader r(ctx, v, path);
    HookEdit h;
    std::string name = json_string(ctx, r.require("hookName"), r.path("hookName"));
    auto stage = hook_stage_from_string(name);
    if (!stage) throw_at(ctx, r.path("hookName"), "invalid hook name '" + name + "'");
    h.stage = *stage;
    h.hook.path = json_string(ctx, r.require("path"), r.path("path"));
    if (h.hook.path.empty()) throw_at(ctx, r.path("path"), "empty path");
    r.read("args", h.hook.args);
    r.read("env", h.hook.env);
    check_env(ctx, h.hook.env, r.path("env"));
    if (const json::Value* t = r.get("timeout"))
        h.hook.timeout = static_cast<std::int32_t>(
            json_int(ctx, *t, r.path("timeout"), 1, std::numeric_limits<std::int32_t>::max()));
    r.finish();
    return h;
}

oci::IntelRdt read_intel_rdt(const JsonContext& ctx, const json::Value& v, const std::string& path) {
    ObjectReader r(ctx, v, path);
    oci::IntelRdt rdt;
    r.read("closID", rdt.clos_id);
    r.read("l3CacheSchema", rdt.l3_cache_schema);
    r.read("memBwSchema", rdt.mem_bw_schema);
    r.read("schemata", rdt.schemata);
    r.read("enableMonitoring", rdt.enable_monitoring);
    r.finish();
    return rdt;
}

ContainerEdits read_edits(const JsonContext& ctx, const json::Value& v, const std::string& path) {
    ObjectReader r(ctx, v, path);
    ContainerEdits e;
    r.read("env", e.env);
    check_env(ctx, e.env, r.path("env"));
    if (const json::Value* a = r.get("deviceNodes"))
        json_each(ctx, *a, r.path("deviceNodes"), [&](const json::Value& item, const std::string& p) {
            e.device_nodes.push_back(read_device_node(ctx, item, p));
        });
    if (const json::Value* a = r.get("mounts"))
        json_each(ctx, *a, r.path("mounts"), [&](const json::Value& item, const std::string& p) {
            e.mounts.push_back(read_mount(ctx, item, p));
        });
    if (const json::Value* a = r.get("hooks"))
        json_each(ctx, *a, r.path("hooks"), [&](const json::Value& item, const std::string& p) {
            e.hooks.push_back(read_hook(ctx, item, p));
        });
    if (const json::Value* a = r.get("additionalGids"))
        json_each(ctx, *a, r.path("additionalGids"), [&](const json::Value& item, const std::string& p) {
            e.additional_gids.push_back(static_cast<std::uint32_t>(json_int(ctx, item, p, 0, 0xffffffff)));
        });
    if (const json::Value* rdt = r.get("intelRdt"))
        e.intel_rdt = read_intel_rdt(ctx, *rdt, r.path("intelRdt"));
    if (const json::Value* a = r.get("netDevices"))
        json_each(ctx, *a, r.path("netDevices"), [&](const json::Value& item, const std::string& p) {
            ObjectReader nr(ctx, item, p);
            NetDeviceEdit nd;
            nd.host_interface_name =
                json_string(ctx, nr.require("hostInterfaceName"), nr.path("hostInterfaceName"));
            nd.name = json_string(ctx, nr.require("name"), nr.path("name"));
            nr.finish();
            e.net_devices.push_back(std::move(nd));
        });
    r.finish();
    return e;
}

CdiDevice read_device(const JsonContext& ctx, const json::Value& v, const std::string& path) {
    ObjectReader r(ctx, v, path);
    CdiDevice d;
    d.name = json_string(ctx, r.require("name"), r.path("name"));
    if (std::string why = device_name_error(d.name); !why.empty())
        throw_at(ctx, r.path("name"), "invalid device name '" + d.name + "': " + why);
    if (const json::Value* a = r.get("annotations"))
        d.annotations = read_annotations(ctx, *a, r.path("annotations"));
    d.edits = read_edits(ctx, r.require("containerEdits"), r.path("containerEdits"));
    if (d.edits.empty()) throw_at(ctx, r.path("containerEdits"), "empty container edits");
    r.finish();
    return d;
}

// The lowest version a set of edits needs, with the reason.
void edits_need(const ContainerEdits& e, std::pair<std::string, std::string>& need) {
    auto bump = [&](std::string_view v, std::string_view why) {
        if (*compare_versions(v, need.first) > 0) need = {std::string(v), std::string(why)};
    };
    for (const MountEdit& m : e.mounts)
        if (!m.type.empty()) bump("0.4.0", "mount type");
    for (const DeviceNodeEdit& n : e.device_nodes)
        if (!n.host_path.empty()) bump("0.5.0", "device node hostPath");
    if (e.intel_rdt) bump("0.7.0", "intelRdt");
    if (!e.additional_gids.empty()) bump("0.7.0", "additionalGids");
    if (e.intel_rdt && (!e.intel_rdt->schemata.empty() || e.intel_rdt->enable_monitoring))
        bump("1.1.0", "intelRdt schemata/enableMonitoring");
    if (!e.net_devices.empty()) bump("1.1.0", "netDevices");
}

std::pair<std::string, std::string> version_need(const CdiSpec& spec) {
    std::pair<std::string, std::string> need{"0.3.0", "base"};
    auto bump = [&](std::string_view v, std::string_view why) {
        if (*compare_versions(v, need.first) > 0) need = {std::string(v), std::string(why)};
    };
    std::string_view class_ = std::string_view(spec.kind).substr(spec.kind.find('/') + 1);
    if (class_.find('.') != std::string_view::npos) bump("0.6.0", "a dot in the class name");
    if (!spec.annotations.empty()) bump("0.6.0", "annotations");
    edits_need(spec.edits, need);
    for (const CdiDevice& d : spec.devices) {
        if (!d.name.empty() && !(std::isalpha(static_cast<unsigned char>(d.name.front()))))
            bump("0.5.0", "a device name not starting with a letter");
        if (!d.annotations.empty()) bump("0.6.0", "annotations");
        edits_need(d.edits, need);
    }
    return need;
}

}  // namespace

const std::vector<std::string_view>& cdi_versions() {
    static const std::vector<std::string_view> kVersions{"0.3.0", "0.4.0", "0.5.0", "0.6.0",
                                                         "0.7.0", "0.8.0", "1.0.0", "1.1.0"};
    return kVersions;
}

std::string minimum_cdi_version(const CdiSpec& spec) {
    return version_need(spec).first;
}

CdiSpec parse_cdi_spec(std::string_view text, std::string_view source) {
    size_t first = text.find_first_not_of(" \t\r\n");
    bool is_json = first != std::string_view::npos && text[first] == '{';
    JsonContext ctx{std::string(source), !is_json};
    json::Value doc = is_json ? json::parse(text, source) : parse_yaml(text, source);
    ObjectReader r(ctx, doc, "");
    CdiSpec spec;
    spec.path = std::string(source);
    spec.version = json_string(ctx, r.require("cdiVersion"), ".cdiVersion");
    const auto& versions = cdi_versions();
    if (std::find(versions.begin(), versions.end(), spec.version) == versions.end())
        throw_at(ctx, ".cdiVersion", "unsupported version '" + spec.version + "' (known: 0.3.0 to 1.1.0)");
    spec.kind = json_string(ctx, r.require("kind"), ".kind");
    if (std::string why = kind_error(spec.kind); !why.empty())
        throw_at(ctx, ".kind", "invalid kind '" + spec.kind + "': " + why);
    if (const json::Value* a = r.get("annotations"))
        spec.annotations = read_annotations(ctx, *a, ".annotations");
    json_each(ctx, r.require("devices"), ".devices", [&](const json::Value& item, const std::string& p) {
        spec.devices.push_back(read_device(ctx, item, p));
    });
    if (spec.devices.empty()) throw_at(ctx, ".devices", "no devices");
    if (const json::Value* e = r.get("containerEdits")) spec.edits = read_edits(ctx, *e, ".containerEdits");
    r.finish();
    std::set<std::string_view> names;
    for (const CdiDevice& d : spec.devices)
        if (!names.insert(d.name).second) throw_at(ctx, ".devices", "device '" + d.name + "' defined twice");
    auto [need, why] = version_need(spec);
    if (*compare_versions(need, spec.version) > 0)
        throw_at(ctx, ".cdiVersion",
                 fmt::format("{} needs cdiVersion {}, the spec declares {}", why, need, spec.version));
    return spec;
}

void CdiRegistry::add(CdiSpec spec, int priority) {
    size_t index = specs_.size();
    for (size_t d = 0; d < spec.devices.size(); ++d) {
        std::string name = spec.kind + "=" + spec.devices[d].name;
        auto it = devices_.find(name);
        if (it == devices_.end() || it->second.priority < priority) {
            devices_[name] = Entry{index, d, priority, false};
        } else if (it->second.priority == priority) {
            it->second.conflict = true;
        }
    }
    specs_.push_back(std::move(spec));
}

std::vector<std::string> CdiRegistry::device_names() const {
    std::vector<std::string> out;
    for (const auto& [name, entry] : devices_)
        if (!entry.conflict) out.push_back(name);
    return out;
}

ContainerEdits CdiRegistry::resolve(const std::vector<std::string>& names) const {
    std::vector<std::string> missing, conflicts;
    std::vector<const Entry*> found;
    for (const std::string& name : names) {
        auto it = devices_.find(name);
        if (it == devices_.end())
            missing.push_back(name);
        else if (it->second.conflict)
            conflicts.push_back(name);
        else
            found.push_back(&it->second);
    }
    if (!missing.empty() || !conflicts.empty()) {
        std::vector<std::string> known = device_names();
        std::string msg = fmt::format("nvidia: unresolvable CDI devices {} (known: {})",
                                      fmt::join(missing.empty() ? conflicts : missing, ", "),
                                      known.empty() ? "none" : fmt::format("{}", fmt::join(known, ", ")));
        if (!conflicts.empty())
            msg += fmt::format("; defined twice at one priority: {}", fmt::join(conflicts, ", "));
        if (!errors.empty()) msg += fmt::format("; spec errors: {}", fmt::join(errors, "; "));
        throw Error(msg);
    }
    ContainerEdits edits;
    std::vector<size_t> specs_seen;
    for (const Entry* e : found) {
        if (std::find(specs_seen.begin(), specs_seen.end(), e->spec) == specs_seen.end()) {
            specs_seen.push_back(e->spec);
            edits.append(specs_[e->spec].edits);
        }
        edits.append(specs_[e->spec].devices[e->device].edits);
    }
    return edits;
}

CdiRegistry load_cdi_specs(const std::vector<std::string>& dirs) {
    CdiRegistry registry;
    for (size_t i = 0; i < dirs.size(); ++i) {
        std::optional<std::vector<std::string>> names = list_dir(dirs[i]);
        if (!names) continue;
        for (const std::string& name : *names) {
            if (!name.ends_with(".json") && !name.ends_with(".yaml")) continue;
            std::string path = dirs[i] + "/" + name;
            try {
                std::optional<std::string> text = read_file_if_exists(path, 16u << 20);
                if (text) registry.add(parse_cdi_spec(*text, path), static_cast<int>(i));
            } catch (const Error& e) {
                registry.errors.emplace_back(e.what());
            }
        }
    }
    return registry;
}

}  // namespace berth::nvidia
