#include "sys/id_mapping.hpp"

#include "sys/mounts.hpp"
#include "sys/namespaces.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/passwd.hpp"
#include "util/text.hpp"
#include "util/unique_fd.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace berth::sys {

bool running_in_user_namespace() {
    UniqueFd fd(::open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC));
    if (!fd) return false;
    char buf[128];
    ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
    if (n <= 0) return false;
    buf[n] = '\0';
    unsigned long inside = 1, outside = 1, count = 0;
    return std::sscanf(buf, "%lu %lu %lu", &inside, &outside, &count) != 3 || inside != 0 || outside != 0 ||
           count != 4294967295UL;
}

namespace {

bool only_own_id(const std::vector<oci::IdMapping>& maps, std::uint64_t own) {
    return maps.size() == 1 && maps[0].host_id == own && maps[0].size == 1;
}

std::string user_name(uid_t uid) { return passwd::host_user_name(uid).value_or(std::string()); }

}  // namespace

IdMapMethod choose_id_map_method(const oci::LinuxConfig& lx, uid_t euid, gid_t egid) {
    IdMapMethod m;
    // Root in its own user namespace (rootless Podman's pause process) holds CAP_SETUID and
    // CAP_SETGID there, over every id that namespace maps: it writes any map itself.
    if (euid == 0) return m;
    m.helpers = !only_own_id(lx.uid_mappings, euid) || !only_own_id(lx.gid_mappings, egid);
    // Without CAP_SETGID the kernel takes a gid_map only after setgroups "deny"; newgidmap
    // writes "deny" itself when it maps nothing but the caller's own gid.
    m.deny_setgroups = only_own_id(lx.gid_mappings, egid);
    return m;
}

std::vector<SubIdRange> parse_subid_ranges(const std::string& file_text, const std::string& name, std::uint64_t id) {
    std::vector<SubIdRange> out;
    for (const auto& line : text::split(file_text, '\n')) {
        auto f = text::split(line, ':');
        if (f.size() != 3 || line.starts_with('#')) continue;
        if (f[0] != name && f[0] != std::to_string(id)) continue;
        auto start = text::to_integer(f[1]);
        auto count = text::to_integer(f[2]);
        if (!start || !count || *start < 0 || *count <= 0) continue;
        out.push_back({static_cast<std::uint64_t>(*start), static_cast<std::uint64_t>(*count)});
    }
    return out;
}

void check_subid_ranges(const std::vector<oci::IdMapping>& maps, const std::vector<SubIdRange>& ranges,
                        std::uint64_t own, const std::string& field, const std::string& file,
                        const std::string& user) {
    for (std::size_t i = 0; i < maps.size(); ++i) {
        const std::uint64_t first = maps[i].host_id, end = first + maps[i].size;
        if (maps[i].size == 1 && first == own) continue;
        bool inside = false;
        for (const auto& r : ranges) inside = inside || (first >= r.start && end <= r.start + r.count);
        if (!inside)
            throw_error("{}[{}]: host ids {}-{} are not in {} for user \"{}\"", field, i, first, end - 1, file, user);
    }
}

namespace {

// Runs newuidmap/newgidmap PID INSIDE OUTSIDE COUNT...; its stderr goes into the error.
void run_map_helper(const char* helper, pid_t pid, const std::string& map, const char* field) {
    std::vector<std::string> args{helper, std::to_string(pid)};
    for (const auto& word : text::fields(map)) args.emplace_back(word);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) throw_errno("pipe");
    UniqueFd rd(fds[0]), wr(fds[1]);
    pid_t child = ::fork();
    if (child < 0) throw_errno("fork");
    if (child == 0) {
        ::dup2(wr.get(), 2);
        ::execvp(helper, argv.data());
        std::fprintf(stderr, "%s not found: install the uidmap package", helper);
        ::_exit(127);
    }
    wr.reset();
    std::string err;
    char buf[512];
    ssize_t n;
    while ((n = ::read(rd.get(), buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0) err.append(buf, static_cast<std::size_t>(n));
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
    while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
    for (auto& c : err) c = c == '\n' ? ' ' : c;
    throw_error("{}: {} failed: {}", field, helper, err.empty() ? "exit status " + std::to_string(WEXITSTATUS(status)) : err);
}

}  // namespace

void write_id_maps(pid_t pid, const NamespacePlan& ns) {
    std::string proc = fmt::format("/proc/{}", pid);
    if (ns.map_with_helpers) {
        run_map_helper("newuidmap", pid, ns.uid_map, ".linux.uidMappings");
        run_map_helper("newgidmap", pid, ns.gid_map, ".linux.gidMappings");
        return;
    }
    if (ns.deny_setgroups) fs::write_file(proc + "/setgroups", "deny");
    // The kernel's EINVAL (overlapping ranges, too many lines) names no field: add it.
    auto write_map = [&proc](const char* file, const std::string& map, const char* field) {
        try {
            fs::write_file(proc + "/" + file, map);
        } catch (const Error& e) {
            throw e.with_context(field);
        }
    };
    write_map("uid_map", ns.uid_map, ".linux.uidMappings");
    write_map("gid_map", ns.gid_map, ".linux.gidMappings");
}

void drop_unmapped_devpts_gid(std::vector<MountOp>& ops, const std::vector<oci::IdMapping>& gid_maps) {
    for (auto& op : ops) {
        if (op.fstype != "devpts") continue;
        std::string kept;
        for (const auto& opt : text::split(op.data, ',')) {
            if (opt.starts_with("gid=")) {
                auto gid = text::to_integer(std::string_view(opt).substr(4));
                bool mapped = false;
                for (const auto& m : gid_maps)
                    mapped = mapped || (gid && *gid >= m.container_id && *gid < std::int64_t(m.container_id) + m.size);
                if (!mapped) continue;
            }
            if (opt.empty()) continue;
            kept += (kept.empty() ? "" : ",") + opt;
        }
        op.data = kept;
    }
}

bool setgroups_denied(pid_t pid) {
    auto text = fs::read_file_if_exists(fmt::format("/proc/{}/setgroups", pid));
    return text && text->starts_with("deny");
}

// Called by build_namespace_plan for a new user namespace.
void plan_id_maps(NamespacePlan& plan, const oci::LinuxConfig& lx) {
    const uid_t euid = ::geteuid();
    const gid_t egid = ::getegid();
    IdMapMethod m = choose_id_map_method(lx, euid, egid);
    plan.map_with_helpers = m.helpers;
    plan.deny_setgroups = m.deny_setgroups;
    if (!m.helpers) return;
    // Checked here, before anything exists, so the error names the field; the helpers
    // check the same files again, setuid.
    const std::string user = user_name(euid);
    auto uids = fs::read_file_if_exists("/etc/subuid").value_or("");
    auto gids = fs::read_file_if_exists("/etc/subgid").value_or("");
    check_subid_ranges(lx.uid_mappings, parse_subid_ranges(uids, user, euid), euid, ".linux.uidMappings",
                       "/etc/subuid", user);
    check_subid_ranges(lx.gid_mappings, parse_subid_ranges(gids, user, euid), egid, ".linux.gidMappings",
                       "/etc/subgid", user);
}

}  // namespace berth::sys
