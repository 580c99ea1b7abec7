#include "runtime/rootless.hpp"

#include "cgroup/fs_manager.hpp"
#include "sys/id_mapping.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace berth::runtime {

std::string default_state_root(std::string& problem) {
    const bool root = ::geteuid() == 0;
    const char* user = std::getenv("USER");
    // runc's shouldHonorXDGRuntimeDir: real root, or root in a user namespace that says
    // it is root, keeps /run; everyone else uses their runtime directory.
    if (root && (!sys::running_in_user_namespace() || (user && std::string_view(user) == "root")))
        return "/run/berth";
    const char* xdg = std::getenv("XDG_RUNTIME_DIR");
    std::string dir = xdg ? xdg : "";
    struct stat st{};
    bool usable = !dir.empty() && dir.front() == '/' && ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) &&
                  ::access(dir.c_str(), W_OK | X_OK) == 0;
    if (usable) return dir + "/berth";
    if (root) return "/run/berth";  // root in a user namespace: what runc does, /run may still be writable
    std::string hint = fmt::format("set XDG_RUNTIME_DIR to a directory you own (e.g. /run/user/{}) or pass --root DIR",
                                   ::geteuid());
    problem = dir.empty() ? fmt::format("no state directory: XDG_RUNTIME_DIR is not set; {}", hint)
                          : fmt::format("no state directory: XDG_RUNTIME_DIR \"{}\" is not a directory you can write; {}",
                                        dir, hint);
    return "";
}

bool binds_devices(const oci::Config& config, bool rootless) {
    if (rootless || sys::running_in_user_namespace()) return true;
    if (!config.linux_) return false;
    return std::any_of(config.linux_->namespaces.begin(), config.linux_->namespaces.end(),
                       [](const oci::Namespace& ns) { return ns.type == oci::NamespaceType::user; });
}

namespace {

bool positive(const std::optional<std::int64_t>& v) { return v && *v > 0; }

std::string first_memory_field(const oci::Memory& m) {
    if (positive(m.limit)) return "limit";
    if (positive(m.reservation)) return "reservation";
    if (positive(m.swap)) return "swap";
    if (positive(m.kernel)) return "kernel";
    if (positive(m.kernel_tcp)) return "kernelTCP";
    if (m.swappiness) return "swappiness";
    if (m.disable_oom_killer.value_or(false)) return "disableOOMKiller";
    return "";
}

std::string first_cpu_field(const oci::Cpu& c) {
    if (c.shares && *c.shares > 0) return "shares";
    if (positive(c.quota)) return "quota";
    if (c.burst && *c.burst > 0) return "burst";
    if (positive(c.realtime_runtime)) return "realtimeRuntime";
    if (!c.cpus.empty()) return "cpus";
    if (!c.mems.empty()) return "mems";
    if (c.idle && *c.idle != 0) return "idle";
    return "";
}

}  // namespace

std::string first_limit_field(const oci::Resources& r) {
    const std::string base = ".linux.resources.";
    if (r.memory) {
        if (auto f = first_memory_field(*r.memory); !f.empty()) return base + "memory." + f;
    }
    if (r.cpu) {
        if (auto f = first_cpu_field(*r.cpu); !f.empty()) return base + "cpu." + f;
    }
    if (r.pids && positive(r.pids->limit)) return base + "pids.limit";
    if (r.block_io && *r.block_io != oci::BlockIo{}) return base + "blockIO";
    if (!r.hugepage_limits.empty()) return base + "hugepageLimits";
    if (r.network && *r.network != oci::Network{}) return base + "network";
    if (!r.rdma.empty()) return base + "rdma";
    if (!r.unified.empty()) return base + "unified";
    return "";
}

namespace {

// No cgroup: the container's processes stay in the caller's. saved_form() "" tells the
// state store there is none, so kill --all, ps and delete work from the init's pid alone.
class NoCgroup final : public cgroup::Manager {
public:
    void create() override {}
    void apply(const oci::Resources& resources) override {
        if (auto f = first_limit_field(resources); !f.empty())
            throw_error("{}: the container has no cgroup (rootless, no writable cgroup)", f);
    }
    int unified_fd() const override { return -1; }
    void add_process(pid_t) override {}
    void add_process(pid_t, const cgroup::SubCgroup&) override {
        throw_error("--cgroup: the container has no cgroup");
    }
    void freeze(bool) override { throw_error("freeze: the container has no cgroup (rootless, no writable cgroup)"); }
    bool is_frozen() const override { return false; }
    std::vector<pid_t> pids() const override { return {}; }
    void kill_all(int) override {}
    void destroy() override {}
    std::string saved_form() const override { return ""; }
};

bool permission_error(int err) { return err == EACCES || err == EPERM || err == EROFS; }

}  // namespace

std::shared_ptr<cgroup::Manager> create_cgroup(std::shared_ptr<cgroup::Manager> manager, const oci::Config& config,
                                               bool rootless) {
    auto* fs = rootless ? dynamic_cast<cgroup::FsManager*>(manager.get()) : nullptr;
    try {
        // Each v1 hierarchy on its own, as runc's v1 manager: the ones an admin delegated
        // to the user (a chown'd directory) hold the container, the others are left out
        // and any limit or pause that needs one of them fails naming it (fs_manager.hpp).
        if (fs) fs->create_where_permitted();
        else manager->create();
        return manager;
    } catch (const Error& e) {
        // Whatever was made before the failure (v1 hierarchies are made one by one); the
        // cgroupfs driver removes only directories it made.
        if (fs) fs->undo_create();
        if (!rootless || !permission_error(e.error_number())) throw;
        if (!fs) manager->undo_create();
        const oci::Resources none;
        const oci::Resources& res = config.linux_ && config.linux_->resources ? *config.linux_->resources : none;
        if (auto field = first_limit_field(res); !field.empty())
            throw_error("{}: cannot be applied without a cgroup berth may write ({}); rootless limits need a "
                        "delegated cgroup (a v2 subtree, or v1 directories owned by the user)",
                        field, e.what());
        log::debug("rootless: no cgroup ({})", e.what());
        return std::make_shared<NoCgroup>();
    }
}

}  // namespace berth::runtime
