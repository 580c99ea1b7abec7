#include "hooks/nvidia/cdi_generate.hpp"

#include "oci/json.hpp"

#include <fmt/format.h>

namespace berth::nvidia {
namespace {

using json::Value;
using Kind = json::Value::Kind;

Value str(std::string_view s) {
    Value v;
    v.kind = Kind::string;
    v.text = std::string(s);
    return v;
}

Value num(std::int64_t n) {
    Value v;
    v.kind = Kind::number;
    v.text = std::to_string(n);
    return v;
}

Value object() {
    Value v;
    v.kind = Kind::object;
    return v;
}

Value strings(const std::vector<std::string>& list) {
    Value v;
    v.kind = Kind::array;
    for (const std::string& s : list) v.items.push_back(str(s));
    return v;
}

void put(Value& obj, std::string key, Value v) {
    obj.members.emplace_back(std::move(key), std::move(v));
}

Value node_value(const DeviceNodeEdit& n) {
    Value v = object();
    put(v, "path", str(n.path));
    if (!n.host_path.empty()) put(v, "hostPath", str(n.host_path));
    if (!n.type.empty()) put(v, "type", str(n.type));
    if (n.major) put(v, "major", num(*n.major));
    if (n.minor) put(v, "minor", num(*n.minor));
    if (n.file_mode) put(v, "fileMode", num(*n.file_mode));
    if (!n.permissions.empty()) put(v, "permissions", str(n.permissions));
    if (n.uid) put(v, "uid", num(*n.uid));
    if (n.gid) put(v, "gid", num(*n.gid));
    return v;
}

Value hook_value(const HookEdit& h) {
    Value v = object();
    put(v, "hookName", str(to_string(h.stage)));
    put(v, "path", str(h.hook.path));
    if (!h.hook.args.empty()) put(v, "args", strings(h.hook.args));
    if (!h.hook.env.empty()) put(v, "env", strings(h.hook.env));
    if (h.hook.timeout) put(v, "timeout", num(*h.hook.timeout));
    return v;
}

// Only the fields a generated spec uses; intelRdt and netDevices never appear.
Value edits_value(const ContainerEdits& e) {
    Value v = object();
    if (!e.env.empty()) put(v, "env", strings(e.env));
    Value list;
    list.kind = Kind::array;
    if (!e.device_nodes.empty()) {
        Value nodes = list;
        for (const DeviceNodeEdit& n : e.device_nodes) nodes.items.push_back(node_value(n));
        put(v, "deviceNodes", std::move(nodes));
    }
    if (!e.mounts.empty()) {
        Value mounts = list;
        for (const MountEdit& m : e.mounts) {
            Value mv = object();
            put(mv, "hostPath", str(m.host_path));
            put(mv, "containerPath", str(m.container_path));
            if (!m.type.empty()) put(mv, "type", str(m.type));
            if (!m.options.empty()) put(mv, "options", strings(m.options));
            mounts.items.push_back(std::move(mv));
        }
        put(v, "mounts", std::move(mounts));
    }
    if (!e.hooks.empty()) {
        Value hooks = list;
        for (const HookEdit& h : e.hooks) hooks.items.push_back(hook_value(h));
        put(v, "hooks", std::move(hooks));
    }
    return v;
}

Value spec_value(const CdiSpec& spec) {
    Value v = object();
    put(v, "cdiVersion", str(spec.version));
    put(v, "kind", str(spec.kind));
    Value devices;
    devices.kind = Kind::array;
    for (const CdiDevice& d : spec.devices) {
        Value dv = object();
        put(dv, "name", str(d.name));
        put(dv, "containerEdits", edits_value(d.edits));
        devices.items.push_back(std::move(dv));
    }
    put(v, "devices", std::move(devices));
    if (!spec.edits.empty()) put(v, "containerEdits", edits_value(spec.edits));
    return v;
}

// A YAML double-quoted scalar: JSON's escapes are valid there.
std::string quoted(std::string_view s) {
    // push_back/append only: GCC 12 at -O3 misreports operator+ chains (-Wrestrict).
    std::string out(1, '"');
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(c);
        } else if (u < 0x20 || u == 0x7f) {
            out.append(fmt::format("\\u{:04x}", u));
        } else {
            out.push_back(c);
        }
    }
    out.push_back('"');
    return out;
}

std::string scalar(const Value& v) {
    return v.kind == Kind::string ? quoted(v.text) : v.text;
}

void yaml(const Value& v, int indent, std::string& out);

void yaml_members(const Value& v, int indent, bool first_inline, std::string& out) {
    std::string pad(static_cast<size_t>(indent), ' ');
    for (const json::Member& m : v.members) {
        if (!first_inline) out += pad;
        first_inline = false;
        out.append(m.first);
        out.push_back(':');
        const Value& x = m.second;
        if (x.kind == Kind::object || (x.kind == Kind::array && !x.items.empty())) {
            out += "\n";
            yaml(x, x.kind == Kind::object ? indent + 2 : indent, out);
        } else {
            out.push_back(' ');
            out.append(x.kind == Kind::array ? std::string("[]") : scalar(x));
            out.push_back('\n');
        }
    }
}

void yaml(const Value& v, int indent, std::string& out) {
    if (v.kind == Kind::object) return yaml_members(v, indent, false, out);
    std::string pad(static_cast<size_t>(indent), ' ');
    for (const Value& item : v.items) {
        out.append(pad);
        out.append("- ");
        if (item.kind == Kind::object)
            yaml_members(item, indent + 2, true, out);
        else
        {
            out.append(scalar(item));
            out.push_back('\n');
        }
    }
}

// One device's edits: plan_edits for `choice` without what the spec-level edits already
// carry for every device (nvidiactl, which plan_edits always adds, and the firmware).
ContainerEdits device_edits(const Driver& driver, const DeviceChoice& choice, const PlanOptions& plan) {
    ContainerEdits e = plan_edits(driver, choice, CapabilitySet{}, plan);
    e.mounts.clear();
    std::erase_if(e.device_nodes, [&](const DeviceNodeEdit& n) { return n.path == driver.ctl.path; });
    return e;
}

}  // namespace

CdiSpec generate_cdi_spec(const Driver& driver, const CdiGenerateOptions& options) {
    PlanOptions plan;
    plan.lib_dirs = options.lib_dirs;
    plan.hook_path = options.hook_path;
    plan.ldconfig = options.ldconfig;
    plan.proc_root = options.proc_root;
    plan.mask_procfs = false;  // per device below
    CdiSpec spec;
    spec.kind = options.kind;
    spec.edits = plan_edits(driver, {}, CapabilitySet::all(), plan);
    spec.edits.env.insert(spec.edits.env.begin(), "NVIDIA_VISIBLE_DEVICES=void");
    plan.mask_procfs = true;
    DeviceChoice every;
    for (std::size_t i = 0; i < driver.gpus.size(); ++i) {
        ContainerEdits one = device_edits(driver, {{i}, {}, false, false}, plan);
        spec.devices.push_back({std::to_string(i), {}, one});
        spec.devices.push_back({driver.gpus[i].uuid, {}, std::move(one)});
        every.gpus.push_back(i);
    }
    // nvidia-ctk up to 1.17 also listed a GPU in MIG mode as a full GPU; 1.18 leaves it out.
    // berth keeps it: the files show MIG mode only once instances exist, and
    // NVIDIA_VISIBLE_DEVICES=0 selects such a GPU too.
    //
    // MIG devices: the env-var path's own selection, so "<gpu>:<n>" here and in
    // NVIDIA_VISIBLE_DEVICES name one device, with the same nodes and mask-procfs --caps
    // files. (nvidia-ctk's n is NVML's MIG handle index; berth counts in (gi, ci) order,
    // which it can read from files.)
    for (std::size_t m = 0, nth = 0; m < driver.migs.size(); ++m, ++nth) {
        const MigDevice& mig = driver.migs[m];
        if (m > 0 && driver.migs[m - 1].gpu != mig.gpu) nth = 0;
        ContainerEdits one = device_edits(driver, {{mig.gpu}, {m}, false, false}, plan);
        spec.devices.push_back({fmt::format("{}:{}", mig.gpu, nth), {}, one});
        std::string uuid = options.nvml ? nvml_mig_uuid(*options.nvml, driver.gpus.at(mig.gpu).uuid, mig.gi, mig.ci) : "";
        if (!uuid.empty()) spec.devices.push_back({std::move(uuid), {}, std::move(one)});
        every.migs.push_back(m);
    }
    // nvidia-ctk's "all" merges every device it lists, MIG devices included (its
    // mergedDevice transform over the GPU and MIG generators), as the env path's "all" does.
    spec.devices.push_back({"all", {}, device_edits(driver, every, plan)});
    spec.version = minimum_cdi_version(spec);
    return spec;
}

std::string to_cdi_json(const CdiSpec& spec) {
    json::Writer w(true);
    w.value(spec_value(spec));
    return w.str() + "\n";
}

std::string to_edits_json(const ContainerEdits& edits) {
    json::Writer w(true);
    w.value(edits_value(edits));
    return w.str() + "\n";
}

std::string to_cdi_yaml(const CdiSpec& spec) {
    std::string out = "---\n";
    yaml(spec_value(spec), 0, out);
    return out;
}

}  // namespace berth::nvidia
