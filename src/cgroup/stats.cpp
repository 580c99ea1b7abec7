// Stats for `events --stats` from the v1 and v2 control files, as runc's fs and fs2 drivers
// read them, and their JSON form (runc's types.Stats field names).
#include "cgroup/stats.hpp"

#include "cgroup/fs_io.hpp"
#include "cgroup/fs_manager.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <memory>

namespace berth::cgroup {

namespace {

std::uint64_t to_u64(const std::string& s) {
    const std::string t = fsio::trim(s);
    if (t.empty() || t == "max") return 0;  // "max": unlimited, which runc reports as absent
    try {
        return std::stoull(t);
    } catch (const std::exception&) {
        return 0;
    }
}

// A single-number file, 0 when absent.
std::uint64_t number(const std::string& dir, const std::string& file) {
    auto s = fsio::read_if_exists(dir + "/" + file);
    return s ? to_u64(*s) : 0;
}

// "key value" lines (memory.stat, cpu.stat, memory.events, …).
std::map<std::string, std::uint64_t> key_values(const std::string& dir, const std::string& file) {
    std::map<std::string, std::uint64_t> out;
    auto s = fsio::read_if_exists(dir + "/" + file);
    if (!s) return out;
    const auto f = text::fields(*s);
    for (std::size_t i = 0; i + 1 < f.size(); i += 2) out[std::string(f[i])] = to_u64(std::string(f[i + 1]));
    return out;
}

std::uint64_t get(const std::map<std::string, std::uint64_t>& m, const char* key) {
    auto it = m.find(key);
    return it == m.end() ? 0 : it->second;
}

MemoryEntry memory_entry_v1(const std::string& dir, const std::string& prefix) {
    // prefix: "memory", "memory.memsw", "memory.kmem", "memory.kmem.tcp"
    return {number(dir, prefix + ".limit_in_bytes"), number(dir, prefix + ".usage_in_bytes"),
            number(dir, prefix + ".max_usage_in_bytes"), number(dir, prefix + ".failcnt")};
}

// blkio v1: "8:0 Read 4096" lines and a final "Total 4096".
std::vector<BlkioEntry> blkio_entries_v1(const std::string& dir, const std::string& file) {
    std::vector<BlkioEntry> out;
    auto s = fsio::read_if_exists(dir + "/" + file);
    if (!s) return out;
    for (const auto& line : text::split(*s, '\n')) {
        const auto f = text::fields(line);
        unsigned long long major = 0, minor = 0;
        if (f.size() < 3 || std::sscanf(std::string(f[0]).c_str(), "%llu:%llu", &major, &minor) != 2) continue;
        out.push_back({major, minor, std::string(f[1]), to_u64(std::string(f[2]))});
    }
    return out;
}

void hugetlb_sizes(const std::string& dir, const std::string& suffix, Stats& s,
                   const std::function<void(const std::string&, HugetlbStats&)>& fill) {
    std::unique_ptr<DIR, int (*)(DIR*)> d(fsio::opendir(dir), ::closedir);
    if (!d) return;
    while (const dirent* e = ::readdir(d.get())) {
        const std::string name = e->d_name;
        // hugetlb.<size><suffix>, e.g. hugetlb.2MB.limit_in_bytes; not the .rsvd files.
        if (name.rfind("hugetlb.", 0) != 0 || name.size() <= suffix.size() + 8 ||
            name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
        const std::string size = name.substr(8, name.size() - 8 - suffix.size());
        if (size.find('.') != std::string::npos) continue;
        fill(size, s.hugetlb[size]);
    }
}

void read_v1(const FsManager& m, Stats& s) {
    if (const auto* d = m.dir_for("cpuacct")) {
        s.cpu.usage.total = number(d->path, "cpuacct.usage");
        if (auto percpu = fsio::read_if_exists(d->path + "/cpuacct.usage_percpu")) {
            for (auto v : text::fields(*percpu)) s.cpu.usage.percpu.push_back(to_u64(std::string(v)));
        }
        // cpuacct.stat is in USER_HZ ticks; runc converts to ns.
        const auto ticks = key_values(d->path, "cpuacct.stat");
        const auto ns_per_tick = static_cast<std::uint64_t>(1000000000 / ::sysconf(_SC_CLK_TCK));
        s.cpu.usage.user = get(ticks, "user") * ns_per_tick;
        s.cpu.usage.kernel = get(ticks, "system") * ns_per_tick;
    }
    if (const auto* d = m.dir_for("cpu")) {
        const auto st = key_values(d->path, "cpu.stat");
        s.cpu.throttling = {get(st, "nr_periods"), get(st, "nr_throttled"), get(st, "throttled_time")};
    }
    if (const auto* d = m.dir_for("memory")) {
        s.memory.raw = key_values(d->path, "memory.stat");
        s.memory.cache = get(s.memory.raw, "cache");
        s.memory.usage = memory_entry_v1(d->path, "memory");
        s.memory.swap = memory_entry_v1(d->path, "memory.memsw");
        s.memory.kernel = memory_entry_v1(d->path, "memory.kmem");
        s.memory.kernel_tcp = memory_entry_v1(d->path, "memory.kmem.tcp");
        s.memory.oom_kill = get(key_values(d->path, "memory.oom_control"), "oom_kill");
        s.memory.raw["oom_kill"] = s.memory.oom_kill;
    }
    if (const auto* d = m.dir_for("pids")) s.pids = {number(d->path, "pids.current"), number(d->path, "pids.max")};
    if (const auto* d = m.dir_for("blkio")) {
        // CFQ's files where they exist, else the throttle layer's (all that BFQ-era kernels keep).
        auto bytes = blkio_entries_v1(d->path, "blkio.io_service_bytes_recursive");
        if (bytes.empty()) bytes = blkio_entries_v1(d->path, "blkio.throttle.io_service_bytes_recursive");
        auto ios = blkio_entries_v1(d->path, "blkio.io_serviced_recursive");
        if (ios.empty()) ios = blkio_entries_v1(d->path, "blkio.throttle.io_serviced_recursive");
        s.blkio = {std::move(bytes), std::move(ios)};
    }
    if (const auto* d = m.dir_for("hugetlb")) {
        hugetlb_sizes(d->path, ".limit_in_bytes", s, [&](const std::string& size, HugetlbStats& h) {
            const std::string p = "hugetlb." + size;
            h = {number(d->path, p + ".usage_in_bytes"), number(d->path, p + ".max_usage_in_bytes"),
                 number(d->path, p + ".failcnt")};
        });
    }
}

void io_stat_v2(const std::string& dir, Stats& s) {
    // "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0"
    auto contents = fsio::read_if_exists(dir + "/io.stat");
    if (!contents) return;
    for (const auto& line : text::split(*contents, '\n')) {
        const auto f = text::fields(line);
        unsigned long long major = 0, minor = 0;
        if (f.empty() || std::sscanf(std::string(f[0]).c_str(), "%llu:%llu", &major, &minor) != 2) continue;
        for (std::size_t i = 1; i < f.size(); ++i) {
            const std::string kv(f[i]);
            const auto eq = kv.find('=');
            if (eq == std::string::npos) continue;
            const std::string key = kv.substr(0, eq);
            const std::uint64_t value = to_u64(kv.substr(eq + 1));
            if (key == "rbytes") s.blkio.io_service_bytes_recursive.push_back({major, minor, "Read", value});
            if (key == "wbytes") s.blkio.io_service_bytes_recursive.push_back({major, minor, "Write", value});
            if (key == "rios") s.blkio.io_serviced_recursive.push_back({major, minor, "Read", value});
            if (key == "wios") s.blkio.io_serviced_recursive.push_back({major, minor, "Write", value});
        }
    }
}

void read_v2(const FsManager& m, Stats& s) {
    const auto* d = m.dir_for("");
    if (!d) return;
    const std::string& p = d->path;
    const auto cpu = key_values(p, "cpu.stat");  // µs; runc reports ns
    s.cpu.usage = {get(cpu, "usage_usec") * 1000, {}, get(cpu, "system_usec") * 1000, get(cpu, "user_usec") * 1000};
    s.cpu.throttling = {get(cpu, "nr_periods"), get(cpu, "nr_throttled"), get(cpu, "throttled_usec") * 1000};
    s.memory.raw = key_values(p, "memory.stat");
    s.memory.cache = get(s.memory.raw, "file");
    s.memory.usage = {number(p, "memory.max"), number(p, "memory.current"), number(p, "memory.peak"), 0};
    s.memory.swap = {number(p, "memory.swap.max"), number(p, "memory.swap.current"), number(p, "memory.swap.peak"), 0};
    const auto events = key_values(p, "memory.events");
    s.memory.usage.failcnt = get(events, "max");
    s.memory.oom_kill = get(events, "oom_kill");
    s.memory.raw["oom_kill"] = s.memory.oom_kill;
    s.pids = {number(p, "pids.current"), number(p, "pids.max")};
    io_stat_v2(p, s);
    hugetlb_sizes(p, ".max", s, [&](const std::string& size, HugetlbStats& h) {
        const std::string f = "hugetlb." + size;
        h = {number(p, f + ".current"), 0, get(key_values(p, f + ".events"), "max")};
    });
}

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) {
            out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
            continue;
        }
        out += c;
    }
    return out + "\"";
}

// Go's encoding/json with `omitempty` drops zero numbers; these helpers mirror that.
void field(std::string& o, const char* name, std::uint64_t v, bool omitempty) {
    if (omitempty && v == 0) return;
    o += fmt::format("{}\"{}\":{}", o.back() == '{' ? "" : ",", name, v);
}

std::string memory_entry_json(const MemoryEntry& e) {
    std::string o = "{";
    field(o, "limit", e.limit, false);
    field(o, "usage", e.usage, true);
    field(o, "max", e.max, true);
    field(o, "failcnt", e.failcnt, false);
    return o + "}";
}

std::string blkio_list_json(const std::vector<BlkioEntry>& list) {
    std::string o = "[";
    for (const auto& e : list) {
        std::string one = "{";
        field(one, "major", e.major, true);
        field(one, "minor", e.minor, true);
        if (!e.op.empty()) one += fmt::format("{}\"op\":{}", one.back() == '{' ? "" : ",", json_string(e.op));
        field(one, "value", e.value, true);
        if (o.size() > 1) o += ",";
        o += one;
        o += "}";
    }
    return o + "]";
}

std::string u64_list_json(const std::vector<std::uint64_t>& v) {
    std::string o = "[";
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (i) o += ",";
        o += std::to_string(v[i]);
    }
    return o + "]";
}

}  // namespace

Stats FsManager::stats() const {
    Stats s;
    if (layout() == Layout::unified) {
        read_v2(*this, s);
    } else {
        read_v1(*this, s);
    }
    return s;
}

std::string stats_to_json(const Stats& s) {
    std::string usage = "{";
    field(usage, "total", s.cpu.usage.total, true);
    if (!s.cpu.usage.percpu.empty()) usage += fmt::format("{}\"percpu\":{}", usage.size() > 1 ? "," : "", u64_list_json(s.cpu.usage.percpu));
    field(usage, "kernel", s.cpu.usage.kernel, false);
    field(usage, "user", s.cpu.usage.user, false);
    std::string throttling = "{";
    field(throttling, "periods", s.cpu.throttling.periods, true);
    field(throttling, "throttledPeriods", s.cpu.throttling.throttled_periods, true);
    field(throttling, "throttledTime", s.cpu.throttling.throttled_time, true);
    std::string memory = "{";
    field(memory, "cache", s.memory.cache, true);
    memory += fmt::format("{}\"usage\":{},\"swap\":{},\"kernel\":{},\"kernelTCP\":{}", memory.size() > 1 ? "," : "",
                          memory_entry_json(s.memory.usage), memory_entry_json(s.memory.swap),
                          memory_entry_json(s.memory.kernel), memory_entry_json(s.memory.kernel_tcp));
    if (!s.memory.raw.empty()) {
        std::string raw = "{";
        for (const auto& [k, v] : s.memory.raw) raw += fmt::format("{}{}:{}", raw.size() > 1 ? "," : "", json_string(k), v);
        memory += ",\"raw\":" + raw + "}";
    }
    std::string pids = "{";
    field(pids, "current", s.pids.current, true);
    field(pids, "limit", s.pids.limit, true);
    std::string blkio = "{";
    if (!s.blkio.io_service_bytes_recursive.empty()) blkio += "\"ioServiceBytesRecursive\":" + blkio_list_json(s.blkio.io_service_bytes_recursive);
    if (!s.blkio.io_serviced_recursive.empty()) {
        blkio += fmt::format("{}\"ioServicedRecursive\":{}", blkio.size() > 1 ? "," : "", blkio_list_json(s.blkio.io_serviced_recursive));
    }
    std::string hugetlb = "{";
    for (const auto& [size, h] : s.hugetlb) {
        std::string one = "{";
        field(one, "usage", h.usage, true);
        field(one, "max", h.max, true);
        field(one, "failcnt", h.failcnt, false);
        hugetlb += fmt::format("{}{}:{}}}", hugetlb.size() > 1 ? "," : "", json_string(size), one);
    }
    usage += "}";
    throttling += "}";
    memory += "}";
    pids += "}";
    blkio += "}";
    hugetlb += "}";
    return "{\"cpu\":{\"usage\":" + usage + ",\"throttling\":" + throttling + "},\"cpuset\":{},\"memory\":" + memory +
           ",\"pids\":" + pids + ",\"blkio\":" + blkio + ",\"hugetlb\":" + hugetlb +
           ",\"intel_rdt\":{},\"network_interfaces\":null}";
}

}  // namespace berth::cgroup
