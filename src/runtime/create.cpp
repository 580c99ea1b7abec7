#include "runtime/create.hpp"
#include "runtime/container.hpp"

#include "cgroup/devices.hpp"
#include "cgroup/manager.hpp"
#include "child/launch_plan.hpp"
#include "child/protocol.hpp"
#include "oci/parse.hpp"
#include "runtime/child_sync.hpp"
#include "runtime/clone_child.hpp"
#include "runtime/gpu.hpp"
#include "runtime/hooks.hpp"
#include "runtime/host_bind_trees.hpp"
#include "runtime/idmapped_mounts.hpp"
#include "runtime/launch.hpp"
#include "runtime/lsm.hpp"
#include "runtime/rootless.hpp"
#include "runtime/state_store.hpp"
#include "sys/id_mapping.hpp"
#include "sys/process_attrs.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/helper_process.hpp"
#include "util/log.hpp"
#include "util/passwd.hpp"
#include "util/rollback.hpp"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

namespace berth::runtime {

namespace {

std::string owner_name() {
    uid_t uid = ::geteuid();
    return passwd::host_user_name(uid).value_or(std::to_string(uid));
}

}  // namespace

ContainerRecord new_record(const std::string& id, const std::string& bundle, const std::string& rootfs,
                           const oci::Config& config) {
    ContainerRecord record;
    record.id = id;
    record.bundle = bundle;
    record.rootfs = rootfs;
    record.created = now_rfc3339();
    record.owner = owner_name();
    record.annotations = config.annotations;
    return record;
}

UniqueFd connect_console(const std::string& path) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) throw_errno("console socket");
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) throw_error("console socket \"{}\": path too long", path);
    path.copy(addr.sun_path, path.size());
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
        throw_errno("connect console socket \"{}\"", path);
    return fd;
}

std::unique_ptr<cgroup::Manager> make_cgroup(const oci::Config& config, const GlobalOptions& global,
                                             const std::string& id) {
    cgroup::ManagerOptions o;
    o.container_id = id;
    if (config.linux_) o.cgroups_path = config.linux_->cgroups_path;
    o.systemd = global.systemd_cgroup;
    o.rootless = global.rootless;
    o.annotations = config.annotations;
    return cgroup::make_manager(o);
}

namespace {

void check_not_frozen(const cgroup::Manager& cg, const oci::Config& config, const std::string& id) {
    if (!cg.is_frozen()) return;
    const std::string path = config.linux_ ? config.linux_->cgroups_path : std::string();
    throw_error(".linux.cgroupsPath \"{}\": the cgroup is frozen; thaw it first",
                path.empty() ? cgroup::inner_path(path, id) : path);
}

}  // namespace

oci::Resources device_rules(const oci::Config& config) {
    oci::Resources res = config.linux_ && config.linux_->resources ? *config.linux_->resources : oci::Resources{};
    // linux.devices adds no rule: runtime-spec config-linux.md#allowed-device-list says the
    // config's rules decide, in order; a device berth creates from that list but the rules
    // deny stays denied (runc does the same). GPU injection adds its rules to the config.
    auto defaults = cgroup::default_device_rules();
    res.devices.insert(res.devices.end(), defaults.begin(), defaults.end());
    return res;
}

namespace {

struct CloneResult {
    pid_t pid = 0;
    UniqueFd pidfd;
};

void kill_and_reap(pid_t pid, int pidfd) {
    if (pidfd >= 0) ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
    else ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
}

// The init of a container that joins a user namespace by path and asks for a new pid
// namespace. setns() into a user namespace cannot be undone, so a helper (a plain fork:
// single-threaded, as setns(user) needs) joins it and clones the init there with every
// new namespace, which that user namespace then owns. CLONE_PARENT makes the init berth's
// own child, so berth waits for it and its pid cannot be reused before berth reaps it.
// The helper reports the init's pid (or -errno) over a pipe and exits.
CloneResult clone_init_in_user(const child::LaunchPlan& plan, int child_sync, int parent_sync, int cgroup_fd) {
    UniqueFd userns(::open(plan.ns.clone_in_user_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!userns) throw_errno("open user namespace \"{}\"", plan.ns.clone_in_user_path);
    auto reported = run_in_helper([&]() -> std::int64_t {
        if (::setns(userns.get(), CLONE_NEWUSER) < 0) return -errno;
        long pid = clone_child(plan.ns.clone_flags | CLONE_PARENT, nullptr, cgroup_fd, parent_sync,
                               [&] { child::container_init(plan, child_sync); });
        return pid < 0 ? -errno : pid;
    });
    if (!reported) throw_error("clone in user namespace \"{}\": the helper died", plan.ns.clone_in_user_path);
    std::int64_t result = *reported;
    if (result < 0) {
        throw Error(fmt::format("clone in user namespace \"{}\"", plan.ns.clone_in_user_path),
                    static_cast<int>(-result));
    }
    pid_t pid = static_cast<pid_t>(result);
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!pidfd) {
        int err = errno;
        kill_and_reap(pid, -1);
        throw Error("pidfd_open of the container init", err);
    }
    return {pid, std::move(pidfd)};
}

CloneResult clone_init(const child::LaunchPlan& plan, int child_sync, int parent_sync, int cgroup_fd) {
    if (!plan.ns.clone_in_user_path.empty()) return clone_init_in_user(plan, child_sync, parent_sync, cgroup_fd);
    UniqueFd own_pidns;
    if (!plan.ns.pid_join_path.empty()) {
        // setns(pid) moves only future children: join around the clone, then return.
        own_pidns.reset(::open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC));
        UniqueFd target(::open(plan.ns.pid_join_path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!own_pidns || !target || ::setns(target.get(), CLONE_NEWPID) < 0)
            throw_errno("join pid namespace \"{}\"", plan.ns.pid_join_path);
    }
    int pidfd = -1;
    long pid = clone_child(plan.ns.clone_flags, &pidfd, cgroup_fd, parent_sync,
                           [&] { child::container_init(plan, child_sync); });
    int err = errno;
    if (own_pidns) ::setns(own_pidns.get(), CLONE_NEWPID);
    if (pid < 0) throw Error("clone", err);
    return {static_cast<pid_t>(pid), UniqueFd(pidfd)};
}

void send_to_init(int fd, child::MsgType type, std::int64_t value = 0) {
    child::Message m{};
    m.type = type;
    m.value = value;
    if (::send(fd, &m, sizeof m, MSG_NOSIGNAL) != sizeof m) throw_errno("sync with container init");
}

// Runs the create hooks when the init stops after its mounts (runtime.md#lifecycle:
// prestart, createRuntime in berth's namespaces; createContainer in the container's,
// from the rootfs as the init sees it).
void run_create_hooks(const oci::Config& config, const ContainerRecord& record) {
    std::string state = oci::to_json(oci_state(record, oci::Status::creating));
    const auto& h = *config.hooks;
    run_hooks(h.prestart, {"prestart", record.bundle}, state);
    run_hooks(h.create_runtime, {"createRuntime", record.bundle}, state);
    run_hooks(h.create_container, {"createContainer", record.rootfs, record.pid}, state);
}

// The container process state for the seccomp agent: the init, while creating.
ListenerTarget listener_target(const oci::Config& config, const ContainerRecord& record) {
    return {&*config.linux_->seccomp, record.pid, oci::to_json(oci_state(record, oci::Status::creating))};
}

// runtime.md#lifecycle steps 3-5: a failed create hook stops the container and the
// lifecycle continues at step 12, so once it is destroyed the poststop hooks run (as a
// warning each, step 13). runc does the same after any failed create.
void run_poststop_after_failed_hook(const std::vector<oci::Hook>& poststop, ContainerRecord record) {
    record.pid = 0;
    run_hooks(poststop, {"poststop", record.bundle, 0, true}, oci::to_json(oci_state(record, oci::Status::stopped)));
}

void drive_init(int sync, int pidfd, const oci::Config& config, const ContainerRecord& record, bool& hook_failed,
                log::Timeline& timeline) {
    for (;;) {
        child::Message m{};
        ssize_t n = ::recv(sync, &m, sizeof m, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("read from container init");
        if (n == 0) throw_error("container init exited before it was ready");
        if (n != sizeof m) throw_error("container init: short message");
        switch (m.type) {
            case child::MsgType::step:
                m.stage[sizeof m.stage - 1] = '\0';
                timeline.step("init: {} done", m.stage);
                break;
            case child::MsgType::mounts_done:
                timeline.step("init: mounts done");
                hook_failed = true;
                run_create_hooks(config, record);
                hook_failed = false;
                timeline.step("prestart, createRuntime and createContainer hooks done");
                send_to_init(sync, child::MsgType::hooks_done);
                break;
            case child::MsgType::seccomp_listener:
                hand_off_listener(sync, pidfd, static_cast<int>(m.value), listener_target(config, record));
                break;
            case child::MsgType::seccomp_loaded: break;  // a late copy of a listener berth took: recv dropped it
            case child::MsgType::ready:
                timeline.step("init: ready, waiting on exec.fifo");
                return;
            case child::MsgType::error: throw_child_error(m);
            default: throw_error("container init: unexpected message {}", static_cast<unsigned>(m.type));
        }
    }
}

// The startContainer hooks' state, split around the pid the init learns only from `go`.
void split_hook_state(child::LaunchPlan& plan, const ContainerRecord& record) {
    ContainerRecord r = record;
    r.pid = 2147483647;
    std::string state = oci::to_json(oci_state(r, oci::Status::created));
    auto at = state.find("2147483647");
    plan.hook_state_prefix = state.substr(0, at);
    plan.hook_state_suffix = state.substr(at + 10);
}

}  // namespace

CreatedContainer create_container(const GlobalOptions& global, const CreateOptions& options, int console_fd) {
    // Set when a create hook failed: the poststop hooks run once the rollback is done.
    std::optional<std::pair<std::vector<oci::Hook>, ContainerRecord>> poststop_after;
    try {
        log::Timeline timeline("create", options.id);
        validate_id(options.id);
        StateStore store(global.root);
        std::string config_path = options.bundle + "/config.json";
        std::string text = fs::read_regular_file(config_path);
        oci::Config config = oci::parse_config(text, config_path);
        check_lsm_labels(config);
        // Before anything exists, so a refused GPU request leaves nothing behind. The
        // edits live in memory only: the bundle's config.json stays as given, and the
        // state's too but for the poststart/poststop hooks a CDI spec added.
        const std::optional<oci::Hooks> given_hooks = config.hooks;
        apply_gpu_request(config, rootfs_path(config, options.bundle), binds_devices(config, global.rootless));
        text = saved_config_text(text, config_path, given_hooks, config.hooks);
        bool post_hooks = has_post_hooks(config.hooks);
        timeline.step("config.json read");
        // Outlives the rollback: the init must be killed before it sees end of file on
        // its sync socket and reports a second, misleading error to stderr.
        UniqueFd sync;
        Rollback rollback;
        store.create_dir(options.id);
        std::string dir = store.dir(options.id);
        rollback.add("remove state directory", [dir] { fs::remove_tree(dir); });
        ContainerLock lock(store, options.id);

        PlanInputs in{&config, options.id, options.bundle, dir, global.root + "/" + kSeccompCacheDir,
                      global.rootless, options.no_pivot, options.no_new_keyring, options.preserve_fds};
        child::LaunchPlan plan = build_launch_plan(in);
        plan.report_steps = log::debug_enabled();
        timeline.step("launch plan built");
        const std::vector<UniqueFd> idmapped_trees = prepare_idmapped_mounts(plan);
        const std::vector<UniqueFd> shared_trees = prepare_shared_bind_trees(plan);
        const std::vector<UniqueFd> host_tree_slots = reserve_host_bind_trees(plan);
        store.write_file(options.id, "config.json", text);

        ContainerRecord record = new_record(options.id, options.bundle, plan.rootfs, config);
        record.no_new_keyring = options.no_new_keyring;
        record.post_hooks = post_hooks;

        std::shared_ptr<cgroup::Manager> cg = make_cgroup(config, global, options.id);
        // An init cloned into a frozen cgroup never runs, so create would wait for it
        // forever (runc: "container's cgroup unexpectedly frozen"). Checked before create()
        // too, so that an existing frozen cgroup (and what runs in it) is left untouched.
        check_not_frozen(*cg, config, options.id);
        cg = create_cgroup(std::move(cg), config, global.rootless);
        rollback.add("remove cgroup", [cgp = cg] { cgp->undo_create(); });
        check_not_frozen(*cg, config, options.id);  // a new cgroup under a frozen parent
        oci::Resources resources = device_rules(config);
        // In a user namespace the kernel refuses device cgroup writes and mknod alike: the
        // nodes are bound from the host instead (sys/devices.hpp), as runc does.
        if (global.rootless) resources.devices.clear();
        cg->apply(resources);
        record.cgroup = cg->saved_form();
        store.save(record);
        timeline.step("cgroup made");

        std::string fifo = dir + "/exec.fifo";
        if (!store.reuse_exec_fifo(options.id) && (::mkfifo(fifo.c_str(), 0622) < 0 || ::chmod(fifo.c_str(), 0622) < 0))
            throw_errno("mkfifo \"{}\"", fifo);
        UniqueFd state_dir(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!state_dir) throw_errno("open \"{}\"", dir);
        plan.state_dir_fd = state_dir.get();
        plan.lock_fd = lock.fd();
        if (!plan.start_container_hooks.empty()) split_hook_state(plan, record);

        UniqueFd console;
        if (plan.process.terminal) {
            if (console_fd >= 0) plan.console_socket_fd = console_fd;
            else if (options.console_socket.empty())
                throw_error(".process.terminal: needs --console-socket");
            else {
                console = connect_console(options.console_socket);
                plan.console_socket_fd = console.get();
            }
        }
        int pair[2];
        if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) throw_errno("socketpair");
        sync = UniqueFd(pair[0]);
        UniqueFd child_sync(pair[1]);
        // No cgroup.procs write where the kernel offers a way around it (cgroup::Placement):
        // the init is cloned into the cgroup2 directory and joins each v1 hierarchy itself,
        // right after `go` and before it does anything else (child/init.cpp).
        cgroup::Placement placement = cg->placement();
        for (const auto& fd : placement.self_join) plan.cgroup_join_fds.push_back(fd.get());
        plan.cgroup_join_paths = placement.self_join_paths;
        // The cgroup namespace must be rooted at the container's cgroup: unless
        // CLONE_INTO_CGROUP placed the init everywhere, it unshares it after it joined.
        const int cgroup_fd = placement.clone_into;
        if ((cgroup_fd < 0 || !placement.self_join.empty()) && plan.ns.new_cgroup &&
            (plan.ns.clone_flags & CLONE_NEWCGROUP)) {
            plan.ns.clone_flags &= ~static_cast<unsigned long>(CLONE_NEWCGROUP);
            plan.ns.unshare_flags |= CLONE_NEWCGROUP;
        }
        CloneResult init = clone_init(plan, child_sync.get(), sync.get(), cgroup_fd);
        child_sync.reset();
        placement.self_join.clear();
        pid_t pid = init.pid;
        timeline.step("init cloned, pid {}", pid);
        // By pid: the init is our unreaped child, so the pid cannot be reused meanwhile.
        rollback.add("kill container init", [pid] { kill_and_reap(pid, -1); });
        if (!placement.complete) {
            cg->add_process(pid);
            // The systemd driver starts its scope with the first process: saved again so that
            // delete, even after a berth killed from here on, stops the unit it now owns.
            std::string saved = cg->saved_form();
            if (saved != record.cgroup) {
                record.cgroup = std::move(saved);
                store.save(record);
            }
        }
        if (!placement.complete) timeline.step("init in the cgroup");
        if (plan.ns.new_user) sys::write_id_maps(pid, plan.ns);
        send_host_bind_trees(plan, pid, sync.get());
        if (plan.process.oom_score_adj) sys::write_oom_score_adj(pid, *plan.process.oom_score_adj);
        record.pid = pid;
        send_to_init(sync.get(), child::MsgType::go, pid);
        timeline.step("init released");
        bool hook_failed = false;
        try {
            drive_init(sync.get(), init.pidfd.get(), config, record, hook_failed, timeline);
        } catch (const Error&) {
            if (hook_failed && !config.hooks->poststop.empty()) poststop_after.emplace(config.hooks->poststop, record);
            throw;
        }

        record.start_time = process_start_time(pid);
        record.creating = false;
        store.save(record);
        if (!options.pid_file.empty()) fs::write_file_atomic(options.pid_file, std::to_string(pid));
        rollback.commit();
        timeline.step("created");
        return {pid, std::move(init.pidfd)};
    } catch (const Error& e) {
        // The rollback ran when the try block was left: the container is destroyed.
        if (poststop_after) run_poststop_after_failed_hook(poststop_after->first, poststop_after->second);
        throw e.with_context(fmt::format("create \"{}\"", options.id));
    }
}

int create(const GlobalOptions& global, const CreateOptions& options) {
    create_container(global, options);
    return 0;
}

}  // namespace berth::runtime
