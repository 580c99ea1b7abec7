// `restore`: a new container from CRIU images and a bundle, as runc does it: berth makes
// the state and the cgroup, then `criu restore --restore-sibling` makes the restored init
// berth's own child, in that cgroup, with the bundle's rootfs as its root.
#include "child/child_util.hpp"
#include "oci/json.hpp"
#include "oci/parse.hpp"
#include "runtime/container.hpp"
#include "runtime/criu.hpp"
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

// --cgroup-root for each hierarchy criu sees itself in (/proc/self/cgroup): the cgroup
// berth moved it to, so the restored tasks land in the container's cgroup. CRIU rebases
// the dumped paths (and a cgroup namespace's root) onto it; without it the tasks go back
// to the checkpointed container's path, remade (runc 1.1 passes none on v2, 1.2 does).
// ":PATH" names cgroup v2 (controller ""), as runc 1.2's CgRoot with Ctrl "" does.
std::vector<std::string> cgroup_roots() {
    std::vector<std::string> out;
    std::string unified;
    for (const auto& line : text::split(fs::read_file("/proc/self/cgroup"), '\n')) {
        auto c1 = line.find(':'), c2 = line.find(':', c1 + 1);
        if (c1 == std::string::npos || c2 == std::string::npos) continue;
        std::string controllers = line.substr(c1 + 1, c2 - c1 - 1), path = line.substr(c2 + 1);
        if (controllers.empty()) unified = path;
        else out.insert(out.end(), {"--cgroup-root", controllers + ":" + path});
    }
    if (!unified.empty()) out.insert(out.end(), {"--cgroup-root", ":" + unified});
    return out;
}

// Runs in the forked criu child: a private mount namespace, so the rootfs bind CRIU needs
// as its --root (it must be a mount) never shows on the host, and nothing to undo.
std::vector<std::string> prepare_criu_child(const std::string& rootfs) {
    if (::unshare(CLONE_NEWNS) < 0) throw_errno("unshare mount namespace");
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) throw_errno("make / private");
    if (::mount(rootfs.c_str(), rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0)
        throw_errno("bind rootfs \"{}\"", rootfs);
    return cgroup_roots();
}

struct RestoreInputs {
    const RestoreOptions* o;
    const oci::Config* config;
    const child::LaunchPlan* plan;
    std::string image, work, pid_path;
};

std::vector<std::string> restore_args(const RestoreInputs& in, std::vector<UniqueFd>& keep) {
    const RestoreOptions& o = *in.o;
    std::vector<std::string> a{"restore", "-D", in.image, "-W", in.work, "-o", "restore.log", "--root",
                               in.plan->rootfs, "--restore-detached", "--restore-sibling", "--pidfile",
                               in.pid_path, "--evasive-devices"};
    for (auto& c : criu::common_args(o.criu, true)) a.push_back(std::move(c));
    for (const auto& m : criu::external_mounts(*in.plan, 0))
        a.insert(a.end(), {"--external", fmt::format("mnt[{}]:{}", m.key, m.source)});
    // The caller's stdio stand in for the pipes the init had (runc does the same): engines
    // give the restored container the pipes of its new conmon or shim.
    auto fds = read_descriptors(in.image);
    for (std::size_t i = 0; i < fds.size() && i < 3; ++i)
        if (fds[i].starts_with("pipe:")) a.insert(a.end(), {"--inherit-fd", fmt::format("fd[{}]:{}", i, fds[i])});
    bool empty_net = !o.criu.empty_ns.empty();
    for (const auto& ns : in.config->linux_ ? in.config->linux_->namespaces : std::vector<oci::Namespace>{}) {
        const char* key = ns.type == oci::NamespaceType::network && !empty_net ? "extRootNetNS"
                        : ns.type == oci::NamespaceType::pid                   ? "extRootPidNS"
                                                                              : nullptr;
        if (ns.path.empty() || !key) continue;
        // Inherited by criu: opened without O_CLOEXEC, closed by berth after criu ran.
        UniqueFd fd(::open(ns.path.c_str(), O_RDONLY));
        if (!fd) throw_errno("open namespace \"{}\"", ns.path);
        a.insert(a.end(), {"--inherit-fd", fmt::format("fd[{}]:{}", fd.get(), key)});
        keep.push_back(std::move(fd));
    }
    if (!o.lsm_profile.empty()) a.insert(a.end(), {"--lsm-profile", o.lsm_profile});
    if (!o.lsm_mount_context.empty()) a.insert(a.end(), {"--lsm-mount-context", o.lsm_mount_context});
    return a;
}

// The hooks runc runs on restore: prestart and createRuntime, in berth's namespaces, with
// the restored init's pid (runc at CRIU's setup-namespaces notification, before the tasks
// run; berth's criu command line has no such stop, so here they run once CRIU is done).
// Not createContainer, startContainer or poststart: the process is not created or
// started again. poststop runs at delete, as for any container. A failure fails the
// restore and the rollback kills the restored tree.
void run_restore_hooks(const oci::Config& config, const ContainerRecord& record) {
    if (!config.hooks) return;
    std::string state = oci::to_json(oci_state(record, oci::Status::creating));
    run_hooks(config.hooks->prestart, {"prestart", record.bundle}, state);
    run_hooks(config.hooks->create_runtime, {"createRuntime", record.bundle}, state);
}

// The restored init, running in its cgroup; throws with nothing left behind.
CreatedContainer restore_container(const GlobalOptions& global, const RestoreOptions& o) {
    validate_id(o.id);
    criu::require_usable(global);
    StateStore store(global.root);
    RestoreInputs in{&o, nullptr, nullptr, criu::image_dir(o.criu), criu::work_dir(o.criu), ""};
    if (!fs::exists(in.image + "/inventory.img"))
        throw_error("--image-path \"{}\": no checkpoint there (no inventory.img)", in.image);
    std::string config_path = o.bundle + "/config.json";
    std::string text = fs::read_regular_file(config_path);
    oci::Config config = oci::parse_config(text, config_path);
    in.config = &config;
    // CRIU hands a restored pty master only over its RPC socket (orphan-pts-master),
    // which the command line berth drives does not offer.
    if (config.process && config.process->terminal)
        throw_error(".process.terminal: restoring a container with a terminal is not supported (criu's command line "
                    "cannot pass the pty master to --console-socket)");
    check_lsm_labels(config);
    Rollback rollback;
    store.create_dir(o.id);
    std::string dir = store.dir(o.id);
    rollback.add("remove state directory", [dir] { fs::remove_tree(dir); });
    ContainerLock lock(store, o.id);
    PlanInputs pin{&config, o.id, o.bundle, dir, global.root + "/.seccomp-cache", global.rootless, o.no_pivot, false, 0};
    child::LaunchPlan plan = build_launch_plan(pin);
    in.plan = &plan;
    fs::write_file_atomic(dir + "/config.json", text, 0600);
    fs::make_dirs(in.work, 0700);

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

    in.pid_path = dir + "/criu.pid";
    std::vector<UniqueFd> keep;
    std::vector<std::string> args = restore_args(in, keep);
    const std::string rootfs = plan.rootfs;
    // criu joins the container's cgroup before it runs, so what it forks starts there.
    criu::run(global, std::move(args), in.work + "/restore.log", [&rootfs] { return prepare_criu_child(rootfs); },
              [&](pid_t criu_pid) { cg->add_process(criu_pid); });
    keep.clear();
    auto pid_text = fs::read_file(in.pid_path);
    auto pid_value = text::to_integer(pid_text.substr(0, pid_text.find('\n')));
    if (!pid_value || *pid_value <= 0) throw_error("criu restore wrote no pid to \"{}\"", in.pid_path);
    pid_t pid = static_cast<pid_t>(*pid_value);
    ::unlink(in.pid_path.c_str());
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!pidfd) throw_errno("pidfd_open of the restored init {}", pid);
    rollback.add("kill restored init", [pid] { ::kill(pid, SIGKILL); });
    record.pid = pid;
    run_restore_hooks(config, record);
    std::string saved = cg->saved_form();  // the systemd driver's scope started with criu
    record.cgroup = saved;
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
