// FsManager: construction, create, apply and the saved form. Freezing, signalling, pids and
// removal are in fs_control.cpp.
#include "cgroup/fs_manager.hpp"

#include "cgroup/device_filter_v2.hpp"
#include "cgroup/devices_v1.hpp"
#include "cgroup/fs_io.hpp"
#include "cgroup/rt_budget.hpp"
#include "cgroup/translate.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

namespace berth::cgroup {

namespace {

const char* layout_name(Layout l) {
    switch (l) {
    case Layout::legacy: return "legacy";
    case Layout::hybrid: return "hybrid";
    case Layout::unified: return "unified";
    }
    return "legacy";
}

Layout layout_from_name(const std::string& s) {
    if (s == "legacy") return Layout::legacy;
    if (s == "hybrid") return Layout::hybrid;
    if (s == "unified") return Layout::unified;
    throw_error("load cgroup state: unknown layout \"{}\"", s);
}

std::string join(const std::vector<std::string>& v, char sep) {
    std::string out;
    for (const auto& s : v) {
        if (!out.empty()) out += sep;
        out += s;
    }
    return out;
}

std::vector<std::string> split_list(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos <= s.size() && !s.empty()) {
        const auto next = s.find(sep, pos);
        out.push_back(s.substr(pos, next == std::string::npos ? std::string::npos : next - pos));
        if (next == std::string::npos) break;
        pos = next + 1;
    }
    return out;
}

// Why a control file can be missing, where the reason is a known kernel option.
std::string missing_file_hint(const std::string& file) {
    if (file.starts_with("cpu.rt_")) return " (no CONFIG_RT_GROUP_SCHED)";
    if (file.starts_with("blkio.") && file.find("weight") != std::string::npos)
        return " (no BFQ or CFQ I/O scheduler)";
    if (file.starts_with("memory.memsw.")) return " (no swap accounting: swapaccount=1)";
    if (file.starts_with("hugetlb.")) return " (no such huge page size)";
    return "";
}

bool has(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

Stats Manager::stats() const { throw_error("stats: not supported by this cgroup driver"); }

OomWatch Manager::watch_oom() const { throw_error("oom events: not supported by this cgroup driver"); }

OomWatch FsManager::watch_oom() const {
    const Dir* d = dir_for("memory");
    if (!d) throw_error("oom events: memory controller not available");
    return d->hierarchy.unified ? OomWatch::v2(d->path) : OomWatch::v1(d->path);
}

FsManager::FsManager(Layout layout, bool emulated, std::vector<Dir> dirs)
    : layout_(layout), emulated_(emulated), dirs_(std::move(dirs)) {}

std::unique_ptr<FsManager> FsManager::make(const ManagerOptions& options) {
    const HostView host = options.host ? *options.host : discover_host();
    const std::string inner = inner_path(options.cgroups_path, options.container_id);
    std::vector<Dir> dirs;
    for (const auto& h : host.v1) dirs.push_back({h, resolve_path(h, inner)});
    // On hybrid hosts runc places the container in the cgroup2 tree too, so that tools that
    // look there (and cgroup.kill) see it; no controller is enabled there.
    if (host.unified) dirs.push_back({*host.unified, resolve_path(*host.unified, inner)});
    return std::make_unique<FsManager>(host.layout, host.emulated, std::move(dirs));
}

void FsManager::add_to_saved_form(SavedForm& form) const {
    form.add("layout", layout_name(layout_));
    form.add("emulated", emulated_ ? "1" : "0");
    for (const auto& d : dirs_) {
        form.add("dir", d.hierarchy.unified ? "v2" : "v1");
        form.add("mount", d.hierarchy.mount);
        form.add("controllers", join(d.hierarchy.controllers, ','));
        form.add("path", d.path);
    }
    for (const auto& d : skipped_) {
        form.add("skipped", d.hierarchy.unified ? "v2" : "v1");
        form.add("mount", d.hierarchy.mount);
        form.add("controllers", join(d.hierarchy.controllers, ','));
        form.add("path", d.path);
    }
}

std::string FsManager::saved_form() const {
    SavedForm form;
    form.add("driver", "fs");
    add_to_saved_form(form);
    return form.encode();
}

std::unique_ptr<FsManager> FsManager::load(const SavedForm& form) {
    std::vector<Dir> dirs;
    std::vector<Dir> skipped;
    std::vector<Dir>* current = nullptr;  // the list of the last "dir" or "skipped" key
    for (const auto& [key, value] : form.items()) {
        if (key == "dir" || key == "skipped") {
            current = key == "dir" ? &dirs : &skipped;
            current->push_back({});
            current->back().hierarchy.unified = value == "v2";
        } else if (!current) {
            continue;
        } else if (key == "mount") {
            current->back().hierarchy.mount = value;
        } else if (key == "controllers") {
            current->back().hierarchy.controllers = split_list(value, ',');
        } else if (key == "path") {
            current->back().path = value;
        }
    }
    for (const auto* list : {&dirs, &skipped}) {
        for (const auto& d : *list) {
            if (d.path.empty() || d.path.rfind(d.hierarchy.mount, 0) != 0) {
                throw_error("load cgroup state: bad cgroup path \"{}\"", d.path);
            }
        }
    }
    auto m = std::make_unique<FsManager>(layout_from_name(form.get("layout")), form.get("emulated") == "1",
                                         std::move(dirs));
    m->skipped_ = std::move(skipped);
    return m;
}

const FsManager::Dir* FsManager::unified_dir() const {
    for (const auto& d : dirs_) {
        if (d.hierarchy.unified) return &d;
    }
    return nullptr;
}

const FsManager::Dir* FsManager::dir_for(const std::string& controller) const {
    if (layout_ == Layout::unified) {
        const Dir* u = unified_dir();
        if (!u || controller.empty()) return u;
        // The controllers delegated to this cgroup; a test's tree has only the root's list.
        auto own = fsio::read_if_exists(u->path + "/cgroup.controllers");
        const auto list = own && !emulated_ ? split_list(fsio::trim(*own), ' ') : u->hierarchy.controllers;
        return has(list, controller) ? u : nullptr;
    }
    for (const auto& d : dirs_) {
        if (!d.hierarchy.unified && has(d.hierarchy.controllers, controller)) return &d;
    }
    return nullptr;
}

const FsManager::Dir* FsManager::skipped_for(const std::string& controller) const {
    for (const auto& d : skipped_) {
        if (d.hierarchy.unified ? controller.empty() : has(d.hierarchy.controllers, controller)) return &d;
    }
    return nullptr;
}

void FsManager::throw_unavailable(const std::string& what, const std::string& controller) const {
    // runc 1.1: "cannot toggle freezer: cgroups not configured for container", "cannot set
    // memory limit: container could not join or create cgroup"; berth names the directory.
    if (const Dir* d = skipped_for(controller))
        throw_error("{}: the container has no {} cgroup (\"{}\" was not writable by uid {} at create; a rootless "
                    "container needs one delegated to its user)",
                    what, controller, d->path, ::geteuid());
    throw_error("{}: {} controller not available", what, controller);
}

void FsManager::init_dir(const Dir& dir, const std::string& path) const {
    // A new cpuset cgroup starts with empty cpus and mems, and no task may join it until both
    // are set: inherit the parent's, as runc does, unless already set.
    if (has(dir.hierarchy.controllers, "cpuset")) {
        const std::string parent = path.substr(0, path.rfind('/'));
        for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
            auto mine = fsio::read_if_exists(path + "/" + file);
            if (mine && !fsio::trim(*mine).empty()) continue;
            const std::string value = fsio::trim(fsio::read(parent + "/" + file));
            if (!value.empty()) fsio::write(path, file, value, emulated_);
        }
    }
}

void FsManager::enable_controllers(const std::vector<std::string>& controllers, const std::string& dir) const {
    // cgroup v2's "no internal processes" rule: a parent delegates controllers to its children
    // through cgroup.subtree_control. A controller the kernel refuses is left out, as runc
    // does, and reported when a setting needs it (dir_for).
    std::string all;
    for (const auto& c : controllers) {
        all += all.empty() ? "+" : " +";
        all += c;
    }
    if (all.empty()) return;
    try {
        fsio::write(dir, "cgroup.subtree_control", all, emulated_);
    } catch (const Error&) {
        for (const auto& c : controllers) {
            try {
                fsio::write(dir, "cgroup.subtree_control", "+" + c, emulated_);
            } catch (const Error& e) {
                log::debug("cgroup: enable \"{}\" in \"{}\": {}", c, dir, e.what());
            }
        }
    }
}

void FsManager::create() {
    for (const auto& d : dirs_) create_dir(d);
}

void FsManager::create_dir(const Dir& d) {
    std::vector<std::string> made;
    if (d.hierarchy.unified && layout_ == Layout::unified) {
        enable_controllers(d.hierarchy.controllers, d.hierarchy.mount);
        made = fsio::make_path(d.hierarchy.mount, d.path, [&](const std::string& dir) {
            if (dir != d.path) enable_controllers(d.hierarchy.controllers, dir);
        });
    } else {
        made = fsio::make_path(d.hierarchy.mount, d.path, [&](const std::string& dir) { init_dir(d, dir); });
    }
    if (made.empty() || made.back() != d.path) found_existing_ = true;
    made_.insert(made_.end(), made.begin(), made.end());
}

void FsManager::create_where_permitted() {
    auto refused = [](int err) { return err == EACCES || err == EPERM || err == EROFS; };
    std::vector<Dir> kept;
    std::optional<Error> first;
    for (const auto& d : dirs_) {
        try {
            create_dir(d);
            // An existing cgroup (cgroupsPath naming one) that the caller may not join: the
            // kernel would refuse the init later, in add_process.
            if (!emulated_ && fsio::access(d.path + "/cgroup.procs", W_OK) != 0)
                throw_errno("join cgroup \"{}\"", d.path);
            kept.push_back(d);
        } catch (const Error& e) {
            if (!refused(e.error_number())) throw;
            log::debug("rootless: no cgroup in \"{}\": {}", d.hierarchy.mount, e.what());
            if (!first) first = e;
            skipped_.push_back(d);
        }
    }
    if (kept.empty()) {
        skipped_.clear();
        if (first) throw *first;
        return;
    }
    dirs_ = std::move(kept);
}

int FsManager::open_unified_dir() const {
    if (!unified_fd_) {
        const Dir* u = unified_dir();
        if (!u) return -1;
        unified_fd_.reset(fsio::open(u->path, O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!unified_fd_) throw_errno("open cgroup \"{}\"", u->path);
    }
    return unified_fd_.get();
}

int FsManager::unified_fd() const { return layout_ == Layout::unified ? open_unified_dir() : -1; }

Placement FsManager::placement() const {
    if (emulated_) return Manager::placement();  // regular files: only add_process() writes them
    Placement p;
    p.clone_into = open_unified_dir();
    for (const auto& d : dirs_) {
        if (d.hierarchy.unified) continue;
        std::string tasks = d.path + "/tasks";
        UniqueFd fd(fsio::open(tasks, O_WRONLY | O_CLOEXEC));
        // A delegated cgroup (rootless) may give its user cgroup.procs and not tasks:
        // add_process() then, as before.
        if (!fd && (errno == EACCES || errno == EPERM)) return Manager::placement();
        if (!fd) throw_errno("open \"{}\"", tasks);
        p.self_join.push_back(std::move(fd));
        p.self_join_paths.push_back(std::move(tasks));
    }
    p.complete = true;
    return p;
}

void FsManager::add_process(pid_t pid) {
    for (const auto& d : dirs_) fsio::write(d.path, "cgroup.procs", std::to_string(pid), emulated_);
}

void FsManager::add_process(pid_t pid, const SubCgroup& sub) {
    for (const auto& c : sub.controllers) {
        if (layout_ == Layout::unified)
            throw_error("--cgroup \"{}:{}\": a cgroup v2 host has one hierarchy, name no controller", c, sub.path);
        if (!dir_for(c)) throw_error("--cgroup: controller \"{}\" is not one of the container's hierarchies", c);
    }
    auto named = [&](const Dir& d) {
        // On a hybrid host the cgroup2 tree has no v1 controller to name: it takes the
        // sub-cgroup only when every hierarchy does (runc's v1 manager keys it by "").
        if (sub.controllers.empty()) return true;
        if (d.hierarchy.unified) return false;
        for (const auto& c : sub.controllers)
            if (has(d.hierarchy.controllers, c)) return true;
        return false;
    };
    // Every target is checked before the process moves anywhere.
    std::vector<std::string> targets;
    for (const auto& d : dirs_) {
        std::string target = named(d) ? d.path + "/" + sub.path : d.path;
        if (!fsio::exists(target))
            throw_error("--cgroup \"{}\": no such sub-cgroup {} (it must exist already)", sub.path, target);
        targets.push_back(std::move(target));
    }
    for (const auto& t : targets) {
        try {
            fsio::write(t, "cgroup.procs", std::to_string(pid), emulated_);
        } catch (const Error& e) {
            // A new v1 cpuset child starts with empty cpuset.cpus and cpuset.mems.
            if (e.error_number() == ENOSPC)
                throw_error("--cgroup \"{}\": cannot join {}: set its cpuset.cpus and cpuset.mems first", sub.path, t);
            throw e.with_context(fmt::format("--cgroup \"{}\"", sub.path));
        }
    }
}

void FsManager::apply(const oci::Resources& resources) {
    if (layout_ == Layout::unified) return apply_translation(translate_v2(resources));
    if (layout_ == Layout::legacy || resources.hugepage_limits.empty() || dir_for("hugetlb")) {
        return apply_translation(translate_v1(resources));
    }
    // A hybrid host whose hugetlb controller is bound to the cgroup2 tree instead of a v1
    // hierarchy (as on Debian 12 here): the limits go there, in v2 form, and the rest to v1.
    oci::Resources v1_part = resources;
    v1_part.hugepage_limits.clear();
    oci::Resources v2_part;
    v2_part.hugepage_limits = resources.hugepage_limits;
    const Translation v1 = translate_v1(v1_part);
    const Translation v2 = translate_v2(v2_part);
    const Dir* u = unified_dir();
    if (!u || !has(u->hierarchy.controllers, "hugetlb")) {
        throw_error("{}: hugetlb controller not available", v2.settings.front().field);
    }
    apply_translation(v1);
    const std::vector<std::string> hugetlb = {"hugetlb"};
    enable_controllers(hugetlb, u->hierarchy.mount);
    fsio::make_path(u->hierarchy.mount, u->path, [&](const std::string& dir) {
        if (dir != u->path) enable_controllers(hugetlb, dir);
    });
    for (const auto& setting : v2.settings) write_setting(setting, u);
}

void FsManager::apply_translation(const Translation& t) {
    for (const auto& w : t.warnings) log::warn("{}", w);
    if (t.check_memory_below_usage) check_memory_usage(*t.check_memory_below_usage);
    if (layout_ == Layout::unified && t.devices_requested) apply_device_filter(t.device_rules);
    if (layout_ != Layout::unified && t.devices_requested) apply_devices_v1(t.device_rules);
    write_settings(t.settings);
}

void FsManager::write_setting(const Setting& s, const Dir* target) const {
    const Dir* d = target ? target : dir_for(s.controller);
    if (!d) throw_unavailable(s.field, s.controller);
    std::string file = s.file;
    std::string value = s.value;
    if (!emulated_ && (!s.fallback.empty() || s.optional) && !fsio::exists(d->path + "/" + file)) {
        if (s.optional) return;
        if (fsio::exists(d->path + "/" + s.fallback)) {
            file = s.fallback;
            if (!s.fallback_value.empty()) value = s.fallback_value;
        }
    }
    try {
        fsio::write(d->path, file, value, emulated_);
    } catch (const Error& e) {
        // A missing file is a feature this kernel lacks; say so rather than "No such file".
        // Asked only after a failed write: a stat before each write cost create 12 calls
        // for the default device rules alone.
        if (!emulated_ && e.error_number() == ENOENT && fsio::exists(d->path) && !fsio::exists(d->path + "/" + file))
            throw_error("{}: \"{}\" is not supported by this kernel{}", s.field, file, missing_file_hint(file));
        throw e.with_context(s.field);
    }
}

bool FsManager::grant_rt_parents(const Setting& s) const {
    const Dir* d = dir_for(s.controller);
    if (!d || emulated_ || s.value.empty() || s.value[0] == '-') return false;
    try {
        return grant_rt_budget(d->hierarchy.mount, d->path, std::stoull(s.value));
    } catch (const Error& e) {
        throw e.with_context(s.field);
    }
}

void FsManager::write_settings(const std::vector<Setting>& settings) const {
    // Setting::retry_after: a write the kernel refused with EINVAL waits for its partner,
    // and goes again right after it (and whatever waited for that one, in turn).
    std::vector<const Setting*> waiting;
    auto written = [&](const std::string& first) {
        std::vector<std::string> done = {first};
        while (!done.empty()) {
            const std::string file = done.back();
            done.pop_back();
            for (auto it = waiting.begin(); it != waiting.end();) {
                if ((*it)->retry_after != file) {
                    ++it;
                    continue;
                }
                const Setting* again = *it;
                it = waiting.erase(it);
                write_setting(*again);
                done.push_back(again->file);
            }
        }
    };
    for (auto s = settings.begin(); s != settings.end(); ++s) {
        const bool partner_later = !s->retry_after.empty() &&
            std::any_of(s + 1, settings.end(), [&](const Setting& o) { return o.file == s->retry_after; });
        try {
            write_setting(*s);
        } catch (const Error& e) {
            if (e.error_number() == EINVAL && s->file == "cpu.rt_runtime_us" && grant_rt_parents(*s)) {
                write_setting(*s);
                written(s->file);
                continue;
            }
            if (!partner_later || e.error_number() != EINVAL) throw;
            waiting.push_back(&*s);
            continue;
        }
        written(s->file);
    }
}

void FsManager::check_memory_usage(std::int64_t new_limit) const {
    // runtime-spec config-linux.md#memory checkBeforeUpdate: reject a limit below usage.
    const Dir* d = dir_for("memory");
    if (!d) return;
    auto current = fsio::read_if_exists(d->path + (d->hierarchy.unified ? "/memory.current" : "/memory.usage_in_bytes"));
    if (!current || fsio::trim(*current).empty()) return;
    const auto usage = std::stoll(fsio::trim(*current));
    if (usage > new_limit) {
        throw_error(".linux.resources.memory.limit: new limit {} is below the current usage {}", new_limit, usage);
    }
}

void FsManager::apply_devices_v1(const std::vector<DeviceRule>& rules) const {
    const std::string field = ".linux.resources.devices";
    const Dir* d = dir_for("devices");
    if (!d) throw_error("{}: devices controller not available", field);
    // The OCI list is relative to "deny everything", as runc starts a new cgroup.
    const DevicePolicy target = apply_device_rules(DevicePolicy{false, {}}, rules);
    // A test's tree has no devices.list: it stands for a new cgroup (default allow).
    const auto list = fsio::read_if_exists(d->path + "/devices.list");
    DevicePolicy current;
    try {
        current = parse_devices_list(list.value_or("a *:* rwm\n"));
    } catch (const Error& e) {
        throw e.with_context(field);
    }
    for (const auto& s : device_transition(current, target, field)) write_setting(s, d);
}

void FsManager::apply_device_filter(const std::vector<DeviceRule>& rules) {
    // A test's tree is no cgroup2: nothing to attach the program to. The rules were
    // validated by the translation; the program itself is tested on a real cgroup2 mount.
    if (emulated_) return;
    const Dir* u = unified_dir();
    if (!u) throw_error(".linux.resources.devices: no cgroup2 directory");
    UniqueFd program = load_device_filter(rules);
    // bpf(2) looks the cgroup up with fdget(), which refuses O_PATH fds: open it for reading.
    UniqueFd dir(fsio::open(u->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir) throw_errno("open cgroup \"{}\"", u->path);
    try {
        replace_device_filter(dir.get(), program.get());
    } catch (const Error& e) {
        throw e.with_context(".linux.resources.devices");
    }
}

}  // namespace berth::cgroup
