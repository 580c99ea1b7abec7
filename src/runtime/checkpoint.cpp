// `checkpoint`: CRIU's DUMP (or PRE_DUMP) request for a running container, as runc makes it.
#include "cgroup/layout.hpp"
#include "runtime/container.hpp"
#include "runtime/criu.hpp"
#include "runtime/criu_rpc.hpp"
#include "runtime/launch.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/json_string.hpp"
#include "util/text.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

namespace berth::runtime {
namespace {

// runc's descriptors.json: what the init's fds 0-2 were (readlink of /proc/<pid>/fd/N),
// so that restore can hand pipes of the new caller (conmon, containerd's shim) to CRIU
// in their place.
void save_descriptors(pid_t pid, const std::string& image) {
    std::string json = "[";
    for (int fd = 0; fd < 3; ++fd) {
        char buf[4096];
        ssize_t n = ::readlink(fmt::format("/proc/{}/fd/{}", pid, fd).c_str(), buf, sizeof buf);
        std::string target = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "/dev/null";
        if (fd) json += ",";
        append_json_string(json, target);
    }
    fs::write_file_atomic(image + "/descriptors.json", json + "]", 0600);
}

std::uint64_t ns_inode(pid_t pid, const char* ns) {
    struct stat st{};
    if (::stat(fmt::format("/proc/{}/ns/{}", pid, ns).c_str(), &st) < 0) throw_errno("stat /proc/{}/ns/{}", pid, ns);
    return st.st_ino;
}

// The container's cgroup in the freezer hierarchy (v1's "freezer", or cgroup2 on a unified
// host): runc hands it to CRIU always, which then freezes the tree through it instead of
// seizing each task, and puts it back as it found it: a paused container stays paused
// after --leave-running or --pre-dump. "" when there is none.
std::string freezer_dir(pid_t pid) {
    cgroup::HostView host = cgroup::discover_host();
    for (const auto& line : text::split(fs::read_file(fmt::format("/proc/{}/cgroup", pid)), '\n')) {
        auto c1 = line.find(':'), c2 = line.find(':', c1 + 1);
        if (c1 == std::string::npos || c2 == std::string::npos) continue;
        std::string controllers = line.substr(c1 + 1, c2 - c1 - 1), path = line.substr(c2 + 1);
        if (controllers.empty() && host.layout == cgroup::Layout::unified && host.unified)
            return host.unified->mount + path;
        auto names = text::split(controllers, ',');
        if (std::find(names.begin(), names.end(), "freezer") == names.end()) continue;
        for (const auto& h : host.v1)
            if (std::find(h.controllers.begin(), h.controllers.end(), "freezer") != h.controllers.end())
                return h.mount + path;
    }
    return "";
}

criu::Opts dump_opts(const CheckpointOptions& o, const oci::Config& config, const child::LaunchPlan& plan, pid_t pid) {
    criu::Opts r = criu::common_opts(o.criu, config, false);
    r.pid = pid;
    r.log_file = "dump.log";
    r.freeze_cgroup = freezer_dir(pid);
    // Memory tracking lets the next dump write only the pages changed since this one.
    r.track_mem = o.pre_dump || !o.parent_path.empty();
    r.parent_img = o.parent_path;
    r.leave_running = o.leave_running && !o.pre_dump;
    if (!o.page_server.empty()) {
        auto colon = o.page_server.rfind(':');
        long long port = colon == std::string::npos ? 0 : text::to_integer(o.page_server.substr(colon + 1)).value_or(0);
        if (port <= 0 || port > 65535) throw_error("--page-server \"{}\": want ADDRESS:PORT", o.page_server);
        r.page_server = std::pair{o.page_server.substr(0, colon), static_cast<int>(port)};
    }
    for (const auto& m : criu::external_mounts(plan, pid)) r.external.push_back(fmt::format("mnt[{}]:{}", m.key, m.key));
    // Namespaces joined by path belong to someone else (a pod): CRIU records them as
    // external and restore joins the one given then. --empty-ns network leaves the
    // network namespace to be made empty instead.
    bool empty_net = !o.criu.empty_ns.empty();
    for (const auto& ns : config.linux_ ? config.linux_->namespaces : std::vector<oci::Namespace>{}) {
        if (ns.path.empty()) continue;
        if (ns.type == oci::NamespaceType::network && !empty_net)
            r.external.push_back(fmt::format("net[{}]:extRootNetNS", ns_inode(pid, "net")));
        if (ns.type == oci::NamespaceType::pid)
            r.external.push_back(fmt::format("pid[{}]:extRootPidNS", ns_inode(pid, "pid")));
    }
    return r;
}

}  // namespace

int checkpoint(const GlobalOptions& global, const CheckpointOptions& o) {
    try {
        StateStore store(global.root);
        ContainerRecord record = store.require(o.id);
        criu::require_usable(global);
        std::optional<oci::Config> config = saved_config(store, o.id);
        if (!config) throw_error("no saved config.json");
        {
            ContainerLock lock(store, o.id);
            oci::Status status = derive_status(store, record);
            // runc checkpoints a paused container too (CRIU freezes through the cgroup).
            if (status != oci::Status::running && status != oci::Status::paused)
                throw_error("container is {}: only a running or paused container can be checkpointed",
                            oci::to_string(status));
            PlanInputs in{&*config, o.id, record.bundle, store.dir(o.id), global.root + "/.seccomp-cache",
                          global.rootless, false, false, 0};
            child::LaunchPlan plan = build_launch_plan(in);
            std::string image = criu::image_dir(o.criu), work = criu::work_dir(o.criu);
            fs::make_dirs(image, 0700);
            fs::make_dirs(work, 0700);
            if (!o.pre_dump) save_descriptors(record.pid, image);
            criu::Opts opts = dump_opts(o, *config, plan, record.pid);
            UniqueFd image_fd = criu::open_dir(image), work_fd = criu::open_dir(work);
            opts.images_dir_fd = image_fd.get();
            opts.work_dir_fd = work_fd.get();
            criu::call(global, o.pre_dump ? criu::Request::pre_dump : criu::Request::dump, opts, work + "/dump.log");
        }
        // runc: a full dump stops the container, which is then destroyed (poststop hooks,
        // cgroup, state); pre-dump and --leave-running keep it as it was.
        if (!o.leave_running && !o.pre_dump) delete_container(global, o.id, true);
        return 0;
    } catch (const Error& e) {
        throw e.with_context(fmt::format("checkpoint \"{}\"", o.id));
    }
}

}  // namespace berth::runtime
