// start, kill, delete and state.
#include "runtime/container.hpp"
#include "runtime/hooks.hpp"
#include "oci/json.hpp"
#include "oci/parse.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"
#include "util/unique_fd.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>

namespace berth::runtime {

std::optional<oci::Config> saved_config(const StateStore& store, const std::string& id) {
    std::string path = store.dir(id) + "/config.json";
    auto text = fs::read_file_if_exists(path);
    if (!text) return std::nullopt;
    return oci::parse_config(*text, path);
}

std::unique_ptr<cgroup::Manager> container_cgroup(const ContainerRecord& record) {
    if (record.cgroup.empty()) return nullptr;
    try {
        return cgroup::load_manager(record.cgroup);
    } catch (const Error& e) {
        log::warn("cgroup of \"{}\": {}", record.id, e.what());
        return nullptr;
    }
}

namespace {

UniqueFd open_pidfd(const ContainerRecord& record) {
    UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, record.pid, 0)));
    // The pidfd pins the process; the start time check after opening it rules out
    // a recycled pid.
    if (fd && process_start_time(record.pid) != record.start_time) fd.reset();
    return fd;
}

// Waits until the init has exited, up to `ms`.
bool wait_exit(const ContainerRecord& record, int ms) {
    UniqueFd fd = open_pidfd(record);
    if (!fd) return true;
    pollfd p{fd.get(), POLLIN, 0};
    return ::poll(&p, 1, ms) > 0;
}

void release_fifo(const std::string& fifo, const std::string& spare_fifo, const ContainerRecord& record,
                  log::Timeline& timeline) {
    // The pidfd first: opening the fifo lets the init run, and a process that exits at once
    // may be reaped (by a shim or subreaper) before a later pidfd_open could find it.
    UniqueFd pidfd = open_pidfd(record);
    if (!pidfd) throw_error("container init is not running");
    // O_NONBLOCK: the open cannot hang when the init died; its blocked open for write
    // completes as soon as we are here, and the byte tells it is past that point.
    UniqueFd fd(::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (!fd) throw_errno("open \"{}\"", fifo);
    pollfd p[2] = {{fd.get(), POLLIN, 0}, {pidfd.get(), POLLIN, 0}};
    for (;;) {
        int rc = ::poll(p, 2, -1);
        if (rc < 0 && errno == EINTR) continue;
        if (rc < 0) throw_errno("poll \"{}\"", fifo);
        if (p[0].revents & POLLIN) break;
        if (p[1].revents & POLLIN) throw_error("container init exited before start");
    }
    // Kept as the spare of the next create in this directory (StateStore::reuse_exec_fifo).
    if (::rename(fifo.c_str(), spare_fifo.c_str()) < 0) ::unlink(fifo.c_str());
    timeline.step("init released (exec.fifo opened)");
    char byte = 0;
    if (::read(fd.get(), &byte, 1) != 1)
        throw_error("container init failed before executing the process (startContainer hook or exec)");
    timeline.step("init: startContainer hooks done");
    // The init's write end closes at execve (CLOEXEC): wait for that end of file, so
    // poststart hooks run after the process was executed (runtime.md#lifecycle step 9).
    ::fcntl(fd.get(), F_SETFL, 0);
    while (::read(fd.get(), &byte, 1) > 0) {
    }
    timeline.step("process executed");
}

}  // namespace

void start_container(const GlobalOptions& global, const std::string& id) {
    log::Timeline timeline("start", id);
    StateStore store(global.root);
    ContainerRecord record = store.require(id);
    ContainerLock lock(store, id);
    oci::Status status = derive_status(store, record);
    if (status != oci::Status::created)
        throw_error("cannot start a container that is {}", oci::to_string(status));
    auto config = record.post_hooks ? saved_config(store, id) : std::nullopt;
    release_fifo(store.dir(id) + "/exec.fifo", store.spare_exec_fifo(id), record, timeline);
    if (config && config->hooks && !config->hooks->poststart.empty()) {
        try {
            run_hooks(config->hooks->poststart, {"poststart", record.bundle},
                      oci::to_json(oci_state(record, oci::Status::running)));
        } catch (const Error&) {
            // runtime.md#lifecycle step 9: a failed poststart hook stops the container.
            if (auto cg = container_cgroup(record)) cg->kill_all(SIGKILL);
            ::kill(record.pid, SIGKILL);
            throw;
        }
        timeline.step("poststart hooks done");
    }
}

int start(const GlobalOptions& global, const std::string& id) {
    try {
        start_container(global, id);
    } catch (const Error& e) {
        throw e.with_context(fmt::format("start \"{}\"", id));
    }
    return 0;
}

int kill(const GlobalOptions& global, const KillOptions& options) {
    try {
        StateStore store(global.root);
        ContainerRecord record = store.require(options.id);
        oci::Status status = derive_status(store, record);
        bool paused = status == oci::Status::paused;
        auto cg = options.all || paused ? container_cgroup(record) : nullptr;
        if (options.all && cg) {
            if (options.signal == 0) {
                // Signal 0 only asks whether the processes exist (kill(2)): no freeze, no thaw.
                for (pid_t pid : cg->pids())
                    if (::kill(pid, 0) < 0 && errno != ESRCH) throw_errno("signal 0 to {}", pid);
            } else {
                cg->kill_all(options.signal);
            }
        } else {
            if (status == oci::Status::stopped || status == oci::Status::creating)
                throw_error("container is not running");
            UniqueFd fd = open_pidfd(record);
            if (!fd) throw_error("container is not running");
            if (::syscall(SYS_pidfd_send_signal, fd.get(), options.signal, nullptr, 0) < 0)
                throw_errno("signal {}", options.signal);
        }
        // A frozen task (cgroup v1) dies of SIGKILL only once thawed; thawing delivers
        // nothing else first, the kill is already pending (runc thaws too).
        if (paused && options.signal == SIGKILL && cg) cg->freeze(false);
    } catch (const Error& e) {
        throw e.with_context(fmt::format("kill \"{}\"", options.id));
    }
    return 0;
}

void delete_container(const GlobalOptions& global, const std::string& id, bool force) {
    StateStore store(global.root);
    // runtime.md#delete requires an error for a missing container; --force is runc's
    // extension, under which a missing container is already deleted (exit 0, as runc).
    // Podman's cleanup after the container dies runs `delete --force` without the
    // --root it was created with and marks the container "exited" only when that succeeds.
    if (force && !store.load(id)) return;
    ContainerRecord record = store.require(id);
    ContainerLock lock(store, id);
    oci::Status status = derive_status(store, record);
    auto cg = container_cgroup(record);
    if (status != oci::Status::stopped) {
        if (!force) throw_error("cannot delete a container that is {}: use --force", oci::to_string(status));
        if (cg) {
            cg->kill_all(SIGKILL);
            if (status == oci::Status::paused) cg->freeze(false);  // frozen tasks die only when thawed
        }
        if (record.pid > 0 && process_start_time(record.pid) == record.start_time) ::kill(record.pid, SIGKILL);
        if (!wait_exit(record, 5000)) log::warn("container init {} did not exit after SIGKILL", record.pid);
    }
    std::optional<oci::Config> config;
    try {
        if (record.post_hooks) config = saved_config(store, id);
    } catch (const Error& e) {
        log::warn("{}", e.what());
    }
    if (cg) {
        try {
            cg->kill_all(SIGKILL);  // stray processes of the container
        } catch (const Error&) {
        }
        cg->destroy();
    }
    // runtime.md#lifecycle step 13: each failure only a warning, and the rest still run.
    if (config && config->hooks && !config->hooks->poststop.empty())
        run_hooks(config->hooks->poststop, {"poststop", record.bundle, 0, true},
                  oci::to_json(oci_state(record, oci::Status::stopped)));
    store.remove(id, true);
}

int remove(const GlobalOptions& global, const DeleteOptions& options) {
    try {
        delete_container(global, options.id, options.force);
    } catch (const Error& e) {
        throw e.with_context(fmt::format("delete \"{}\"", options.id));
    }
    return 0;
}

int state(const GlobalOptions& global, const std::string& id) {
    try {
        StateStore store(global.root);
        ContainerRecord record = store.require(id);
        oci::Status status = derive_status(store, record);
        json::Writer w(true);
        w.begin_object();
        w.key("ociVersion").string(oci::kSpecVersion);
        w.key("id").string(record.id);
        w.key("pid").integer(status == oci::Status::stopped ? 0 : record.pid);
        w.key("status").string(oci::to_string(status));
        w.key("bundle").string(record.bundle);
        w.key("rootfs").string(record.rootfs);
        w.key("created").string(record.created);
        w.key("owner").string(record.owner);
        if (!record.annotations.empty()) {
            w.key("annotations").begin_object();
            for (const auto& [k, v] : record.annotations) w.key(k).string(v);
            w.end_object();
        }
        w.end_object();
        std::string out = w.str();
        if (out.empty() || out.back() != '\n') out += '\n';
        std::fwrite(out.data(), 1, out.size(), stdout);
    } catch (const Error& e) {
        throw e.with_context(fmt::format("state \"{}\"", id));
    }
    return 0;
}

}  // namespace berth::runtime
