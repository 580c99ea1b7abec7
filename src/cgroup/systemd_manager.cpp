// SystemdManager: the D-Bus calls. Nothing here has run against a real systemd on the
// development host (no systemd as PID 1); the pure parts are in systemd_props.cpp and tested.
#include "cgroup/systemd_manager.hpp"

#include "cgroup/fs_io.hpp"
#include "cgroup/translate.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <systemd/sd-bus.h>
#include <time.h>

#include <cstdlib>
#include <cstring>

namespace berth::cgroup {

namespace {

constexpr const char* kDest = "org.freedesktop.systemd1";
constexpr const char* kPath = "/org/freedesktop/systemd1";
constexpr const char* kIface = "org.freedesktop.systemd1.Manager";

struct BusDeleter {
    void operator()(sd_bus* b) const { sd_bus_flush_close_unref(b); }
};
struct MessageDeleter {
    void operator()(sd_bus_message* m) const { sd_bus_message_unref(m); }
};
using Bus = std::unique_ptr<sd_bus, BusDeleter>;
using Message = std::unique_ptr<sd_bus_message, MessageDeleter>;

void check(int r, const char* what) {
    if (r < 0) throw Error(std::string("systemd: ") + what, -r);
}

Bus open_bus(bool user) {
    sd_bus* bus = nullptr;
    if (!user) {
        check(sd_bus_open_system(&bus), "connect to the system bus");
        return Bus(bus);
    }
    // sd-bus authenticates with EXTERNAL and no uid, so the bus daemon takes the socket's
    // credentials: this works from inside rootless Podman's user namespace too.
    const int r = sd_bus_open_user(&bus);
    if (r < 0)
        throw Error("systemd: connect to the user bus (rootless --systemd-cgroup needs the user's systemd --user "
                    "manager and its bus: DBUS_SESSION_BUS_ADDRESS or XDG_RUNTIME_DIR/bus)",
                    -r);
    return Bus(bus);
}

// The manager's own cgroup ("/user.slice/user-1000.slice/user@1000.service" for a user's).
std::string manager_cgroup(sd_bus* bus) {
    sd_bus_error error = SD_BUS_ERROR_NULL;
    char* value = nullptr;
    const int r = sd_bus_get_property_string(bus, kDest, kPath, kIface, "ControlGroup", &error, &value);
    const std::string text = error.message ? error.message : "";
    sd_bus_error_free(&error);
    if (r < 0) throw Error(fmt::format("systemd: read the manager's ControlGroup: {}", text), -r);
    std::string out = value ? value : "";
    ::free(value);
    if (out == "/") out.clear();
    return out;
}

void append_property(sd_bus_message* m, const Property& p) {
    check(sd_bus_message_open_container(m, 'r', "sv"), "build message");
    check(sd_bus_message_append(m, "s", p.name.c_str()), "build message");
    check(sd_bus_message_open_container(m, 'v', signature(p.value)), "build message");
    std::visit(
        [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, bool>) {
                check(sd_bus_message_append(m, "b", static_cast<int>(v)), "build message");
            } else if constexpr (std::is_same_v<T, std::uint64_t>) {
                check(sd_bus_message_append(m, "t", v), "build message");
            } else if constexpr (std::is_same_v<T, std::string>) {
                check(sd_bus_message_append(m, "s", v.c_str()), "build message");
            } else if constexpr (std::is_same_v<T, std::vector<std::uint32_t>>) {
                check(sd_bus_message_append_array(m, 'u', v.data(), v.size() * sizeof(std::uint32_t)), "build message");
            } else if constexpr (std::is_same_v<T, std::vector<std::uint8_t>>) {
                check(sd_bus_message_append_array(m, 'y', v.data(), v.size()), "build message");
            } else {
                check(sd_bus_message_open_container(m, 'a', "(ss)"), "build message");
                for (const auto& [path, access] : v) check(sd_bus_message_append(m, "(ss)", path.c_str(), access.c_str()), "build message");
                check(sd_bus_message_close_container(m), "build message");
            }
        },
        p.value);
    check(sd_bus_message_close_container(m), "build message");
    check(sd_bus_message_close_container(m), "build message");
}

// Waits for systemd's JobRemoved signal for `job` and fails unless its result is "done".
void wait_for_job(sd_bus* bus, const std::string& job, const std::string& unit) {
    struct State {
        const std::string* job;
        std::string result;
    } state{&job, {}};
    auto on_removed = [](sd_bus_message* m, void* userdata, sd_bus_error*) -> int {
        auto* s = static_cast<State*>(userdata);
        std::uint32_t id = 0;
        const char *path = nullptr, *name = nullptr, *result = nullptr;
        if (sd_bus_message_read(m, "uoss", &id, &path, &name, &result) >= 0 && *s->job == path) s->result = result;
        return 0;
    };
    // The match is added after the job started; a job that ended meanwhile is caught by the
    // GetJob check below (NoSuchJob means it is gone already, as runc assumes too).
    sd_bus_slot* slot = nullptr;
    check(sd_bus_match_signal(bus, &slot, kDest, kPath, kIface, "JobRemoved", on_removed, &state), "subscribe to JobRemoved");
    std::unique_ptr<sd_bus_slot, sd_bus_slot* (*)(sd_bus_slot*)> guard(slot, sd_bus_slot_unref);
    sd_bus_error error = SD_BUS_ERROR_NULL;
    sd_bus_message* reply = nullptr;
    if (sd_bus_call_method(bus, kDest, kPath, kIface, "GetJob", &error, &reply, "u",
                           static_cast<std::uint32_t>(std::stoul(job.substr(job.rfind('/') + 1)))) < 0) {
        sd_bus_error_free(&error);
        return;
    }
    sd_bus_message_unref(reply);
    for (int i = 0; i < 300 && state.result.empty(); ++i) {
        const int r = sd_bus_process(bus, nullptr);
        check(r, "wait for the job");
        if (r == 0) check(sd_bus_wait(bus, 100000), "wait for the job");
    }
    if (state.result.empty()) throw_error("systemd: timed out waiting for unit \"{}\"", unit);
    if (state.result != "done") throw_error("systemd: unit \"{}\" job ended with \"{}\"", unit, state.result);
}

}  // namespace

SystemdManager::SystemdManager(SystemdUnit unit, std::unique_ptr<FsManager> fs, std::vector<Property> extra, bool started,
                               bool user_bus)
    : unit_(std::move(unit)), fs_(std::move(fs)), extra_(std::move(extra)), started_(started), user_bus_(user_bus) {}

std::unique_ptr<SystemdManager> SystemdManager::make(const ManagerOptions& options) {
    SystemdUnit unit =
        parse_systemd_path(options.cgroups_path, options.container_id, options.rootless ? "user.slice" : "system.slice");
    ManagerOptions fs_options = options;
    fs_options.systemd = false;
    // The system manager's units sit at the hierarchy's root; a user manager's below its own
    // cgroup (runc asks for ControlGroup the same way).
    fs_options.cgroups_path = (options.rootless ? manager_cgroup(open_bus(true).get()) : "") + unit.cgroup_path();
    return std::make_unique<SystemdManager>(std::move(unit), FsManager::make(fs_options),
                                            annotation_properties(options.annotations), false, options.rootless);
}

std::vector<Property> SystemdManager::limits_for(const oci::Resources& r) const {
    std::vector<std::string> warnings;
    std::map<std::string, std::string> devices;
    if (!r.devices.empty()) devices = parse_proc_devices(fsio::read_if_exists("/proc/devices").value_or(""));
    auto p = resource_properties(r, fs_->layout() == Layout::unified, devices, warnings);
    for (const auto& w : warnings) log::warn("{}", w);
    return p;
}

std::vector<Property> SystemdManager::start_properties(pid_t pid) const {
    const bool v2 = fs_->layout() == Layout::unified;
    std::vector<Property> p = {
        {"Description", "berth container " + unit_.unit},
        {"Slice", unit_.slice},
        // Delegate: the container may manage its own sub-cgroups, and systemd leaves the
        // cgroupfs writes below alone.
        {"Delegate", true},
        {"PIDs", std::vector<std::uint32_t>{static_cast<std::uint32_t>(pid)}},
        // A container is not part of any boot transaction (runc sets this as well).
        {"DefaultDependencies", false},
        {"MemoryAccounting", true},
        {"CPUAccounting", true},
        {"TasksAccounting", true},
        {v2 ? "IOAccounting" : "BlockIOAccounting", true},
    };
    if (pending_) {
        auto limits = limits_for(*pending_);
        p.insert(p.end(), limits.begin(), limits.end());
    }
    p.insert(p.end(), extra_.begin(), extra_.end());
    return p;
}

void SystemdManager::create() {
    // Nothing to make before the first process: systemd creates the scope's cgroup with it.
}

void SystemdManager::apply(const oci::Resources& resources) {
    // Translate now so that a bad value fails here, not after the scope started.
    (void)(fs_->layout() == Layout::unified ? translate_v2(resources) : translate_v1(resources));
    if (!started_) {
        pending_ = resources;
        return;
    }
    Bus bus = open_bus(user_bus_);
    Message m;
    sd_bus_message* raw = nullptr;
    check(sd_bus_message_new_method_call(bus.get(), &raw, kDest, kPath, kIface, "SetUnitProperties"), "build message");
    m.reset(raw);
    check(sd_bus_message_append(raw, "sb", unit_.unit.c_str(), 1), "build message");
    check(sd_bus_message_open_container(raw, 'a', "(sv)"), "build message");
    for (const auto& p : limits_for(resources)) append_property(raw, p);
    check(sd_bus_message_close_container(raw), "build message");
    sd_bus_error error = SD_BUS_ERROR_NULL;
    const int r = sd_bus_call(bus.get(), raw, 0, &error, nullptr);
    const std::string text = error.message ? error.message : "";
    sd_bus_error_free(&error);
    if (r < 0) throw Error(fmt::format("systemd: set properties of \"{}\": {}", unit_.unit, text), -r);
    // systemd covers only part of the resources: write them all through cgroupfs as runc
    // does, so the values agree whichever wrote last.
    fs_->apply(resources);
}

void SystemdManager::add_process(pid_t pid) {
    if (started_) {
        try {
            fs_->add_process(pid);
        } catch (const Error& e) {
            if (!user_bus_ || (e.error_number() != EACCES && e.error_number() != EPERM)) throw;
            attach_through_manager(pid);
        }
        return;
    }
    Bus bus = open_bus(user_bus_);
    sd_bus_message* raw = nullptr;
    check(sd_bus_message_new_method_call(bus.get(), &raw, kDest, kPath, kIface, "StartTransientUnit"), "build message");
    Message m(raw);
    check(sd_bus_message_append(raw, "ss", unit_.unit.c_str(), "fail"), "build message");
    check(sd_bus_message_open_container(raw, 'a', "(sv)"), "build message");
    for (const auto& p : start_properties(pid)) append_property(raw, p);
    check(sd_bus_message_close_container(raw), "build message");
    check(sd_bus_message_append(raw, "a(sa(sv))", 0), "build message");
    sd_bus_error error = SD_BUS_ERROR_NULL;
    sd_bus_message* reply = nullptr;
    const int r = sd_bus_call(bus.get(), raw, 0, &error, &reply);
    const std::string text = error.message ? error.message : "";
    sd_bus_error_free(&error);
    if (r < 0) throw Error(fmt::format("systemd: start unit \"{}\": {}", unit_.unit, text), -r);
    Message reply_guard(reply);
    const char* job = nullptr;
    check(sd_bus_message_read(reply, "o", &job), "read the job");
    wait_for_job(bus.get(), job, unit_.unit);
    started_ = true;
    // The hierarchies systemd does not manage (v1 freezer, net_cls, …) and the limits it has
    // no property for.
    fs_->create();
    fs_->add_process(pid);
    if (pending_) fs_->apply(*pending_);
    pending_.reset();
}

void SystemdManager::attach_through_manager(pid_t pid) const {
    Bus bus = open_bus(user_bus_);
    sd_bus_message* raw = nullptr;
    check(sd_bus_message_new_method_call(bus.get(), &raw, kDest, kPath, kIface, "AttachProcessesToUnit"),
          "build message");
    Message m(raw);
    const std::uint32_t pids[] = {static_cast<std::uint32_t>(pid)};
    check(sd_bus_message_append(raw, "ss", unit_.unit.c_str(), ""), "build message");
    check(sd_bus_message_append_array(raw, 'u', pids, sizeof pids), "build message");
    sd_bus_error error = SD_BUS_ERROR_NULL;
    const int r = sd_bus_call(bus.get(), raw, 0, &error, nullptr);
    const std::string text = error.message ? error.message : "";
    sd_bus_error_free(&error);
    if (r < 0) throw Error(fmt::format("systemd: attach pid {} to unit \"{}\": {}", pid, unit_.unit, text), -r);
}

void SystemdManager::add_process(pid_t pid, const SubCgroup& sub) {
    // Only `exec` places a process below the container's cgroup, after create started the
    // scope: the sub-cgroup lives in the scope's delegated tree, which cgroupfs reaches.
    if (!started_) throw_error("--cgroup \"{}\": the container's scope was never started", sub.path);
    fs_->add_process(pid, sub);
}

void SystemdManager::destroy() {
    if (started_) {
        Bus bus = open_bus(user_bus_);
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message* reply = nullptr;
        const int r = sd_bus_call_method(bus.get(), kDest, kPath, kIface, "StopUnit", &error, &reply, "ss",
                                         unit_.unit.c_str(), "replace");
        const bool gone = error.name && std::strcmp(error.name, "org.freedesktop.systemd1.NoSuchUnit") == 0;
        const std::string text = error.message ? error.message : "";
        sd_bus_error_free(&error);
        if (r < 0 && !gone) throw Error(fmt::format("systemd: stop unit \"{}\": {}", unit_.unit, text), -r);
        if (r >= 0) {
            Message guard(reply);
            const char* job = nullptr;
            if (sd_bus_message_read(reply, "o", &job) >= 0) wait_for_job(bus.get(), job, unit_.unit);
        }
    }
    fs_->destroy();
}

std::string SystemdManager::saved_form() const {
    SavedForm form;
    form.add("driver", "systemd");
    form.add("slice", unit_.slice);
    form.add("unit", unit_.unit);
    form.add("started", started_ ? "1" : "0");
    if (user_bus_) form.add("bus", "user");
    fs_->add_to_saved_form(form);
    return form.encode();
}

std::unique_ptr<SystemdManager> SystemdManager::load(const SavedForm& form) {
    SystemdUnit unit{form.get("slice"), form.get("unit")};
    return std::make_unique<SystemdManager>(std::move(unit), FsManager::load(form), std::vector<Property>{},
                                            form.get("started") == "1", form.get_or("bus", "system") == "user");
}

}  // namespace berth::cgroup
