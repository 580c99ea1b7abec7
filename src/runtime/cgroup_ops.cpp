// pause, resume, update and events: the operations that act on a live container through
// its cgroup manager. Parent only; each throws berth::Error with the operation as context.
#include "runtime/container.hpp"
#include "runtime/gpu.hpp"
#include "cgroup/stats.hpp"
#include "oci/json.hpp"
#include "oci/parse.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iterator>
#include <limits>

namespace berth::runtime {
namespace {

std::unique_ptr<cgroup::Manager> require_cgroup(const ContainerRecord& record) {
    auto cg = container_cgroup(record);
    if (!cg) throw_error("container has no cgroup");
    return cg;
}

// Shared by pause and resume: the container must be in `from`; freeze(`frozen`).
void set_frozen(const GlobalOptions& global, const std::string& id, bool frozen) {
    StateStore store(global.root);
    ContainerRecord record = store.require(id);
    ContainerLock lock(store, id);
    const oci::Status want = frozen ? oci::Status::running : oci::Status::paused;
    if (derive_status(store, record) != want) throw_error("container is not {}", oci::to_string(want));
    auto cg = container_cgroup(record);
    // runc: "cannot toggle freezer: cgroups not configured for container".
    if (!cg) throw_error("cannot toggle freezer: the container has no cgroup (rootless, none was writable at create)");
    cg->freeze(frozen);
}

// --- update -------------------------------------------------------------------------

// runc's units.RAMInBytes: "512", "512k", "64M", "1.5g", "2GiB", "10 mb"; binary multiples.
// "-1" (unlimited) as runc's update takes it for every memory flag.
std::int64_t parse_bytes(const std::string& flag, const std::string& text) {
    if (text == "-1") return -1;
    std::size_t i = 0;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    std::string number = text.substr(0, i);
    std::string unit = text.substr(i);
    if (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
    double value = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (number.empty() || ec != std::errc() || end != number.data() + number.size())
        throw_error("--{}: invalid size \"{}\"", flag, text);
    static constexpr std::string_view kUnits = "kmgtp";
    double multiplier = 1;
    if (!unit.empty()) {
        auto at = kUnits.find(static_cast<char>(std::tolower(static_cast<unsigned char>(unit.front()))));
        if (at != std::string_view::npos) {
            for (std::size_t k = 0; k <= at; ++k) multiplier *= 1024;  // not std::pow: util/math_shim.cpp
            unit.erase(0, 1);
        }
        if (!unit.empty() && (unit.front() == 'i' || unit.front() == 'I')) unit.erase(0, 1);
        if (!unit.empty() && (unit.front() == 'b' || unit.front() == 'B')) unit.erase(0, 1);
        if (!unit.empty()) throw_error("--{}: invalid size \"{}\"", flag, text);
    }
    double bytes = value * multiplier;
    if (bytes >= 9.2e18) throw_error("--{}: \"{}\" is too large", flag, text);
    return static_cast<std::int64_t>(bytes);
}

template <typename T>
T parse_number(const std::string& flag, const std::string& text) {
    T value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        throw_error("--{}: invalid number \"{}\"", flag, text);
    return value;
}

template <typename T>
void set_if(std::optional<T>& to, const std::optional<T>& from) {
    if (from) to = from;
}

// Lays the fields `update` gives over the container's current resources, as runc's update
// does: a field left out keeps its value. Device rules are appended, so they act on the
// policy in place; a list that starts with an "a" rule resets the policy, so it replaces
// the saved rules instead (engines send their whole list). runc ignores them here.
void overlay(oci::Resources& base, const oci::Resources& u) {
    const bool resets = !u.devices.empty() && (u.devices.front().type.empty() || u.devices.front().type == "a");
    if (resets) base.devices.clear();
    base.devices.insert(base.devices.end(), u.devices.begin(), u.devices.end());
    if (u.memory) {
        auto& m = base.memory ? *base.memory : base.memory.emplace();
        set_if(m.limit, u.memory->limit);
        set_if(m.reservation, u.memory->reservation);
        set_if(m.swap, u.memory->swap);
        set_if(m.kernel, u.memory->kernel);
        set_if(m.kernel_tcp, u.memory->kernel_tcp);
        set_if(m.swappiness, u.memory->swappiness);
        set_if(m.disable_oom_killer, u.memory->disable_oom_killer);
        set_if(m.use_hierarchy, u.memory->use_hierarchy);
        set_if(m.check_before_update, u.memory->check_before_update);
        // runc's update: a limit of -1 without a swap value lifts the memory+swap limit
        // too (the translation turns an unset swap beside -1 into -1). Keeping the saved
        // swap would leave memsw below an unlimited memory, which the kernel refuses.
        if (u.memory->limit == -1 && !u.memory->swap) m.swap.reset();
    }
    if (u.cpu) {
        auto& c = base.cpu ? *base.cpu : base.cpu.emplace();
        set_if(c.shares, u.cpu->shares);
        set_if(c.quota, u.cpu->quota);
        set_if(c.burst, u.cpu->burst);
        set_if(c.period, u.cpu->period);
        set_if(c.realtime_runtime, u.cpu->realtime_runtime);
        set_if(c.realtime_period, u.cpu->realtime_period);
        set_if(c.idle, u.cpu->idle);
        if (!u.cpu->cpus.empty()) c.cpus = u.cpu->cpus;
        if (!u.cpu->mems.empty()) c.mems = u.cpu->mems;
    }
    if (u.pids) {
        auto& p = base.pids ? *base.pids : base.pids.emplace();
        set_if(p.limit, u.pids->limit);
    }
    if (u.block_io) {
        auto& b = base.block_io ? *base.block_io : base.block_io.emplace();
        set_if(b.weight, u.block_io->weight);
        set_if(b.leaf_weight, u.block_io->leaf_weight);
        if (!u.block_io->weight_device.empty()) b.weight_device = u.block_io->weight_device;
        if (!u.block_io->throttle_read_bps_device.empty()) b.throttle_read_bps_device = u.block_io->throttle_read_bps_device;
        if (!u.block_io->throttle_write_bps_device.empty()) b.throttle_write_bps_device = u.block_io->throttle_write_bps_device;
        if (!u.block_io->throttle_read_iops_device.empty()) b.throttle_read_iops_device = u.block_io->throttle_read_iops_device;
        if (!u.block_io->throttle_write_iops_device.empty()) b.throttle_write_iops_device = u.block_io->throttle_write_iops_device;
    }
    for (const auto& h : u.hugepage_limits) {
        auto it = std::find_if(base.hugepage_limits.begin(), base.hugepage_limits.end(),
                               [&h](const oci::HugepageLimit& b) { return b.page_size == h.page_size; });
        if (it != base.hugepage_limits.end()) *it = h;
        else base.hugepage_limits.push_back(h);
    }
    if (u.network) base.network = u.network;
    for (const auto& [k, v] : u.rdma) base.rdma[k] = v;
    for (const auto& [k, v] : u.unified) base.unified[k] = v;
}

// runc's individual flags as a Resources object of only the fields given.
oci::Resources flag_resources(const UpdateOptions& o) {
    oci::Resources r;
    auto memory = [&r]() -> oci::Memory& { return r.memory ? *r.memory : r.memory.emplace(); };
    auto cpu = [&r]() -> oci::Cpu& { return r.cpu ? *r.cpu : r.cpu.emplace(); };
    if (o.memory) memory().limit = parse_bytes("memory", *o.memory);
    if (o.memory_reservation) memory().reservation = parse_bytes("memory-reservation", *o.memory_reservation);
    if (o.memory_swap) memory().swap = parse_bytes("memory-swap", *o.memory_swap);
    if (o.kernel_memory) memory().kernel = parse_bytes("kernel-memory", *o.kernel_memory);
    if (o.kernel_memory_tcp) memory().kernel_tcp = parse_bytes("kernel-memory-tcp", *o.kernel_memory_tcp);
    if (o.cpu_shares) cpu().shares = parse_number<std::uint64_t>("cpu-share", *o.cpu_shares);
    if (o.cpu_period) cpu().period = parse_number<std::uint64_t>("cpu-period", *o.cpu_period);
    if (o.cpu_quota) cpu().quota = parse_number<std::int64_t>("cpu-quota", *o.cpu_quota);
    if (o.cpu_burst) cpu().burst = parse_number<std::uint64_t>("cpu-burst", *o.cpu_burst);
    if (o.cpu_rt_period) cpu().realtime_period = parse_number<std::uint64_t>("cpu-rt-period", *o.cpu_rt_period);
    if (o.cpu_rt_runtime) cpu().realtime_runtime = parse_number<std::int64_t>("cpu-rt-runtime", *o.cpu_rt_runtime);
    if (o.cpuset_cpus) cpu().cpus = *o.cpuset_cpus;
    if (o.cpuset_mems) cpu().mems = *o.cpuset_mems;
    if (o.blkio_weight) r.block_io.emplace().weight = parse_number<std::uint16_t>("blkio-weight", *o.blkio_weight);
    // runc's flag: 0 leaves the limit as it is (the spec's pids.limit 0 is a real limit,
    // which -r still gives).
    if (o.pids_limit) {
        const auto limit = parse_number<std::int64_t>("pids-limit", *o.pids_limit);
        if (limit != 0) r.pids.emplace().limit = limit;
    }
    // runc refuses these unless the host has Intel RDT; berth implements no RDT at all.
    if (o.l3_cache_schema) throw_error("--l3-cache-schema: Intel RDT/CAT is not supported by berth");
    if (o.mem_bw_schema) throw_error("--mem-bw-schema: Intel RDT/MBA is not supported by berth");
    return r;
}

oci::Resources read_resources_file(const std::string& file) {
    if (file == "-") {
        return oci::parse_resources(fs::read_all(STDIN_FILENO, "<stdin>"), "<stdin>");
    }
    return oci::parse_resources(fs::read_file(file), file);
}

void update_container(const GlobalOptions& global, const UpdateOptions& options) {
    // Everything the user gave is parsed before anything is touched.
    oci::Resources requested;
    if (!options.resources_file.empty()) requested = read_resources_file(options.resources_file);
    overlay(requested, flag_resources(options));  // a flag wins over the file's value

    StateStore store(global.root);
    ContainerRecord record = store.require(options.id);
    ContainerLock lock(store, options.id);
    oci::Status status = derive_status(store, record);
    if (status == oci::Status::stopped || status == oci::Status::creating)
        throw_error("container is not running");
    auto cg = require_cgroup(record);
    auto config = saved_config(store, options.id);
    if (!config) throw_error("saved config.json is missing");
    if (!config->linux_) config->linux_.emplace();
    oci::Resources merged = config->linux_->resources.value_or(oci::Resources{});
    overlay(merged, requested);
    // The whole merged set goes to the manager, so v1's memory/memsw ordering sees both
    // values. Device rules only when the update has some: the driver then writes just the
    // difference from the policy in place, which must include the GPU rules create added
    // in memory (config.json keeps the bundle's rules).
    oci::Config next = *config;
    next.linux_->resources = merged;
    oci::Resources to_apply = merged;
    if (requested.devices.empty()) {
        to_apply.devices.clear();
    } else {
        apply_gpu_request(next, record.rootfs);
        to_apply = device_rules(next);
    }
    cg->apply(to_apply);
    // Saved only after the kernel took it, so `state`, a later update and delete see what is set.
    config->linux_->resources = std::move(merged);
    fs::write_file_atomic(store.dir(options.id) + "/config.json", oci::to_json(*config), 0600);
}

// --- events -------------------------------------------------------------------------

void print_event(const char* type, const std::string& id, const std::string& data) {
    json::Writer quoted;
    quoted.string(id);
    std::string line = fmt::format("{{\"type\":\"{}\",\"id\":{}", type, quoted.str());
    if (!data.empty()) line += ",\"data\":" + data;
    line += "}\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
}

bool stopped(const StateStore& store, const std::string& id) {
    auto record = store.load(id);
    return !record || derive_status(store, *record) == oci::Status::stopped;
}

std::optional<cgroup::OomWatch> watch_oom(const cgroup::Manager& cg) {
    try {
        return cg.watch_oom();
    } catch (const Error& e) {
        log::warn("events: {}", e.what());
        return std::nullopt;
    }
}

std::int64_t monotonic_ms() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::int64_t>(now.tv_sec) * 1000 + now.tv_nsec / 1000000;
}

// The stream: an OOM event as soon as the kernel notifies it (oom_watch.hpp), stats every
// `interval` seconds. Ends with 0 when the container stops or is deleted, which is checked
// once a second.
int stream_events(const StateStore& store, const std::string& id, const cgroup::Manager& cg, unsigned interval) {
    auto oom = watch_oom(cg);
    const std::int64_t period = static_cast<std::int64_t>(interval) * 1000;
    std::int64_t next_stats = monotonic_ms() + period;
    for (;;) {
        const std::int64_t wait = std::clamp<std::int64_t>(next_stats - monotonic_ms(), 0, 1000);
        pollfd p{oom ? oom->fd() : -1, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(wait)) < 0 && errno != EINTR) throw_errno("events: poll");
        // Stopped is read before the watch is drained: the kernel notifies an OOM before it
        // kills, so a container seen stopped has its last OOM already queued.
        const bool done = stopped(store, id);
        if (oom) {
            try {
                auto count = oom->consume();
                for (std::uint64_t i = 0; i < count.value_or(0); ++i) print_event("oom", id, "");
                if (!count) oom.reset();  // the cgroup is gone
            } catch (const Error& e) {
                log::warn("events: {}", e.what());
                oom.reset();
            }
        }
        if (done) return 0;
        if (monotonic_ms() >= next_stats) {
            next_stats += period;
            try {
                print_event("stats", id, cgroup::stats_to_json(cg.stats()));
            } catch (const Error& e) {
                log::warn("events: {}", e.what());
            }
        }
    }
}

}  // namespace

int pause(const GlobalOptions& global, const std::string& id) {
    try {
        set_frozen(global, id, true);
    } catch (const Error& e) {
        throw e.with_context(fmt::format("pause \"{}\"", id));
    }
    return 0;
}

int resume(const GlobalOptions& global, const std::string& id) {
    try {
        set_frozen(global, id, false);
    } catch (const Error& e) {
        throw e.with_context(fmt::format("resume \"{}\"", id));
    }
    return 0;
}

int update(const GlobalOptions& global, const UpdateOptions& options) {
    try {
        update_container(global, options);
    } catch (const Error& e) {
        throw e.with_context(fmt::format("update \"{}\"", options.id));
    }
    return 0;
}

int events(const GlobalOptions& global, const EventsOptions& options) {
    try {
        StateStore store(global.root);
        ContainerRecord record = store.require(options.id);
        if (derive_status(store, record) == oci::Status::stopped) throw_error("container is not running");
        auto cg = require_cgroup(record);
        if (options.stats) {
            print_event("stats", options.id, cgroup::stats_to_json(cg->stats()));
            return 0;
        }
        return stream_events(store, options.id, *cg, options.interval_seconds);
    } catch (const Error& e) {
        throw e.with_context(fmt::format("events \"{}\"", options.id));
    }
}

}  // namespace berth::runtime
