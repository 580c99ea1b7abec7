// `restore`: a new container from CRIU images and a bundle, as runc does it: berth makes
// the state and the cgroup, then CRIU's RESTORE request (swrk, rst_sibling) makes the
// restored init berth's own child, in that cgroup, with the bundle's rootfs as its root.
#include "child/child_util.hpp"
#include "oci/json.hpp"
#include "oci/parse.hpp"
#include "runtime/container.hpp"
#include "runtime/create.hpp"
#include "runtime/criu.hpp"
#include "runtime/criu_rpc.hpp"
#include "runtime/foreground.hpp"
#include "runtime/hooks.hpp"
#include "runtime/launch.hpp"
#include "runtime/lsm.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"
#include "util/rollback.hpp"
#include "util/text.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace berth::runtime {
namespace {

// The strings of descriptors.json (checkpoint.cpp), a JSON array of paths; "" for none.
std::vector<std::string> read_descriptors(const std::string& image) {
    std::vector<std::string> out;
    auto text = fs::read_file_if_exists(image + "/descriptors.json");
    if (!text) return out;
    std::string cur;
    bool in = false;
    for (std::size_t i = 0; i < text->size(); ++i) {
        char c = (*text)[i];
        if (!in) {
            if (c == '"') in = true, cur.clear();
        } else if (c == '\\' && i + 1 < text->size()) {
            cur += (*text)[++i];
        } else if (c == '"') {
            in = false;
            out.push_back(cur);
        } else {
            cur += c;
        }
    }
    return out;
}

// runc's prepareCriuRestoreMounts: a bind's mountpoint that the rootfs lacks (a fresh copy
// of the image, as Podman's restore --import makes) is made, with its missing parents
// (/run for /run/.containerenv in a busybox image), a directory or an empty file as its
// source is, resolved inside the rootfs. CRIU makes the mountpoints of the filesystems it
// restores by content, but not a bind's: "Can't stat mountpoint".
void make_mountpoints(const child::LaunchPlan& plan) {
    UniqueFd root(::open(plan.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) throw_errno("open rootfs \"{}\"", plan.rootfs);
    for (const auto& op : plan.mounts) {
        if (op.kind != sys::MountKind::bind) continue;
        int fd = child::ensure_in_root(root.get(), op.target.c_str(), op.source_is_dir);
        if (fd < 0) throw Error(fmt::format("make mountpoint \"{}\"", op.display), -fd);
        ::close(fd);
    }
}

// cg_root for each hierarchy criu sees itself in (/proc/<criu>/cgroup, once berth moved
// it): the container's cgroup, so the restored tasks land there. CRIU rebases the dumped
// paths (and a cgroup namespace's root) onto it; without it the tasks go back to the
// checkpointed container's path, remade (runc 1.1 passes none on v2, 1.2 does).
// Controllers "" name cgroup2, as runc 1.2's CgRoot with Ctrl "" does.
std::vector<criu::CgroupRoot> cgroup_roots(pid_t criu_pid) {
    std::vector<criu::CgroupRoot> out;
    std::optional<std::string> unified;
    for (const auto& line : text::split(fs::read_file(fmt::format("/proc/{}/cgroup", criu_pid)), '\n')) {
        auto c1 = line.find(':'), c2 = line.find(':', c1 + 1);
        if (c1 == std::string::npos || c2 == std::string::npos) continue;
        std::string controllers = line.substr(c1 + 1, c2 - c1 - 1), path = line.substr(c2 + 1);
        if (controllers.empty()) unified = path;
        else out.push_back({controllers, path});
    }
    if (unified) out.push_back({std::string(), *unified});
    return out;
}

// Runs in the forked criu child: a private mount namespace, so the rootfs bind CRIU needs
// as its root (it must be a mount) never shows on the host, and nothing to undo.
void prepare_criu_child(const std::string& rootfs) {
    if (::unshare(CLONE_NEWNS) < 0) throw_errno("unshare mount namespace");
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) throw_errno("make / private");
    if (::mount(rootfs.c_str(), rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0)
        throw_errno("bind rootfs \"{}\"", rootfs);
}

// The RESTORE options; `keep` holds the fds CRIU inherits (namespaces joined by path).
criu::Opts restore_opts(const RestoreOptions& o, const oci::Config& config, const child::LaunchPlan& plan,
                        const std::string& image, std::vector<UniqueFd>& keep) {
    criu::Opts r = criu::common_opts(o.criu, config, true);
    r.log_file = "restore.log";
    r.root = plan.rootfs;
    r.rst_sibling = true;
    r.evasive_devices = true;
    for (const auto& m : criu::external_mounts(plan, 0)) r.external.push_back(fmt::format("mnt[{}]:{}", m.key, m.source));
    // The caller's stdio stand in for the pipes the init had (runc does the same): engines
    // give the restored container the pipes of its new conmon or shim.
    auto fds = read_descriptors(image);
    for (std::size_t i = 0; i < fds.size() && i < 3; ++i)
        if (fds[i].starts_with("pipe:")) r.inherit_fd.push_back({fds[i], static_cast<int>(i)});
    bool empty_net = !o.criu.empty_ns.empty();
    for (const auto& ns : config.linux_ ? config.linux_->namespaces : std::vector<oci::Namespace>{}) {
        const char* key = ns.type == oci::NamespaceType::network && !empty_net ? "extRootNetNS"
                        : ns.type == oci::NamespaceType::pid                   ? "extRootPidNS"
                                                                              : nullptr;
        if (ns.path.empty() || !key) continue;
        // Inherited by criu: opened without O_CLOEXEC, closed by berth after criu ran.
        UniqueFd fd(::open(ns.path.c_str(), O_RDONLY));
        if (!fd) throw_errno("open namespace \"{}\"", ns.path);
        r.inherit_fd.push_back({key, fd.get()});
        keep.push_back(std::move(fd));
    }
    r.lsm_profile = o.lsm_profile;
    r.lsm_mount_context = o.lsm_mount_context;
    return r;
}

// The hooks runc runs on restore: prestart and createRuntime, in berth's namespaces, with
// the restored init's pid, at CRIU's setup-namespaces notification (the tasks exist in
// their namespaces but do not run yet), as runc runs them. Not createContainer,
// startContainer or poststart: the process is not created or started again. poststop
// runs at delete, as for any container. A failure is answered to CRIU, which kills the
// restored tree and fails the request.
void run_restore_hooks(const oci::Config& config, const ContainerRecord& record) {
    if (!config.hooks) return;
    std::string state = oci::to_json(oci_state(record, oci::Status::creating));
    run_hooks(config.hooks->prestart, {"prestart", record.bundle}, state);
    run_hooks(config.hooks->create_runtime, {"createRuntime", record.bundle}, state);
}

// What berth does at CRIU's notifications during RESTORE.
struct RestoreNotify {
    const oci::Config* config;
    ContainerRecord* record;
    int console = -1;  // the connected --console-socket, or -1

    void operator()(const criu::Response& n, UniqueFd fd) const {
        if (n.script == "setup-namespaces") {
            record->pid = n.notify_pid;
            run_restore_hooks(*config, *record);
        } else if (n.script == "orphan-pts-master") {
            if (!fd) throw Error("criu sent no pty master with orphan-pts-master");
            if (console < 0) throw Error(".process.terminal: the restored pty master needs --console-socket");
            // The same message a created container's init sends (child/process.cpp).
            static const char payload[] = "/dev/ptmx";
            if (!child::send_with_fd(console, payload, sizeof payload - 1, fd.get()))
                throw_errno("send the restored pty master to the console socket");
        }
    }
};

// CRIU's RESTORE of the container `plan` describes into `cg`, the hooks and the console
// at its notifications (RestoreNotify); returns the restored init's pid.
pid_t run_criu_restore(const GlobalOptions& global, const RestoreOptions& o, const oci::Config& config,
                       const child::LaunchPlan& plan, cgroup::Manager& cg, ContainerRecord& record, int console) {
    std::string image = criu::image_dir(o.criu), work = criu::work_dir(o.criu);
    std::vector<UniqueFd> keep;
    criu::Opts opts = restore_opts(o, config, plan, image, keep);
    UniqueFd image_fd = criu::open_dir(image), work_fd;
    opts.images_dir_fd = image_fd.get();
    const std::string rootfs = plan.rootfs;
    criu::SessionHooks hooks;
    // The work directory as CRIU's mount namespace sees it: CRIU mounts its cgroup yard
    // (a tmpfs) in it, which fails with EINVAL on a directory of berth's namespace.
    hooks.in_child = [&rootfs, &work] {
        prepare_criu_child(rootfs);
        return std::vector<int>{criu::open_dir(work).release()};
    };
    hooks.received = [&](std::vector<UniqueFd> fds) {
        if (fds.size() != 1) throw Error("criu's child sent no work directory");
        work_fd = std::move(fds[0]);
        opts.work_dir_fd = work_fd.get();
    };
    // criu joins the container's cgroup before it runs, so what it forks starts there; the
    // request, encoded after this, names that cgroup as the root to restore into.
    hooks.started = [&](pid_t criu_pid) {
        cg.add_process(criu_pid);
        opts.cg_root = cgroup_roots(criu_pid);
    };
    hooks.notify = RestoreNotify{&config, &record, console};
    criu::Response resp = criu::call(global, criu::Request::restore, opts, work + "/restore.log", hooks);
    pid_t pid = resp.restore_pid > 0 ? resp.restore_pid : record.pid;
    if (pid <= 0) throw_error("criu restore reported no pid");
    return pid;
}

// The restored init, running in its cgroup; throws with nothing left behind.
CreatedContainer restore_container(const GlobalOptions& global, const RestoreOptions& o) {
    validate_id(o.id);
    criu::require_usable(global);
    StateStore store(global.root);
    std::string image = criu::image_dir(o.criu), work = criu::work_dir(o.criu);
    if (!fs::exists(image + "/inventory.img"))
        throw_error("--image-path \"{}\": no checkpoint there (no inventory.img)", image);
    std::string config_path = o.bundle + "/config.json";
    std::string text = fs::read_regular_file(config_path);
    oci::Config config = oci::parse_config(text, config_path);
    check_lsm_labels(config);
    UniqueFd console;
    if (config.process && config.process->terminal) {
        if (o.console_socket.empty()) throw_error(".process.terminal: needs --console-socket");
        console = connect_console(o.console_socket);
    }
    Rollback rollback;
    store.create_dir(o.id);
    std::string dir = store.dir(o.id);
    rollback.add("remove state directory", [dir] { fs::remove_tree(dir); });
    ContainerLock lock(store, o.id);
    PlanInputs pin{&config, o.id, o.bundle, dir, global.root + "/.seccomp-cache", global.rootless, o.no_pivot, false, 0};
    child::LaunchPlan plan = build_launch_plan(pin);
    fs::write_file_atomic(dir + "/config.json", text, 0600);
    fs::make_dirs(work, 0700);

    ContainerRecord record = new_record(o.id, o.bundle, plan.rootfs, config);
    std::shared_ptr<cgroup::Manager> cg = make_cgroup(config, global, o.id);
    cg->create();
    rollback.add("remove cgroup", [cg] {
        cg->kill_all(SIGKILL);
        cg->destroy();
    });
    cg->apply(device_rules(config));
    record.cgroup = cg->saved_form();
    store.save(record);
    make_mountpoints(plan);

    pid_t pid = run_criu_restore(global, o, config, plan, *cg, record, console.get());
    console.reset();
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!pidfd) throw_errno("pidfd_open of the restored init {}", pid);
    rollback.add("kill restored init", [pid] { ::kill(pid, SIGKILL); });
    record.cgroup = cg->saved_form();  // the systemd driver's scope started with criu
    record.pid = pid;
    record.start_time = process_start_time(pid);
    record.creating = false;
    store.save(record);
    if (!o.pid_file.empty()) fs::write_file_atomic(o.pid_file, std::to_string(pid));
    rollback.commit();
    return {pid, std::move(pidfd)};
}

}  // namespace

int restore(const GlobalOptions& global, const RestoreOptions& o) {
    CreatedContainer c;
    try {
        c = restore_container(global, o);
    } catch (const Error& e) {
        throw e.with_context(fmt::format("restore \"{}\"", o.id));
    }
    if (o.detach) return 0;
    // In the foreground, as `run`: forward signals, return the exit status, delete.
    sigset_t forwarded = forwarded_signals(), old;
    ::sigprocmask(SIG_BLOCK, &forwarded, &old);
    UniqueFd sigfd(::signalfd(-1, &forwarded, SFD_CLOEXEC));
    if (!sigfd) throw_errno("signalfd");
    int code = wait_foreground(c, sigfd.get(), -1);
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    delete_container(global, o.id, true);
    return code;
}

}  // namespace berth::runtime
