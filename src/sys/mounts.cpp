#include "sys/mounts.hpp"

#include "sys/namespaces.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/text.hpp"

#include <sys/mount.h>
#include <sys/stat.h>

#include <algorithm>
#include <string_view>

namespace berth::sys {

namespace {

struct FlagOption {
    std::string_view name;
    bool clear;
    unsigned long flag;
};

// mount(8) options that are MS_* flags; `clear` ones undo a flag.
constexpr FlagOption kFlagOptions[] = {
    {"async", true, MS_SYNCHRONOUS},   {"atime", true, MS_NOATIME},
    {"bind", false, MS_BIND},          {"defaults", false, 0},
    {"dev", true, MS_NODEV},           {"diratime", true, MS_NODIRATIME},
    {"dirsync", false, MS_DIRSYNC},    {"exec", true, MS_NOEXEC},
    {"iversion", false, MS_I_VERSION}, {"lazytime", false, MS_LAZYTIME},
    {"loud", true, MS_SILENT},         {"mand", false, MS_MANDLOCK},
    {"noatime", false, MS_NOATIME},    {"nodev", false, MS_NODEV},
    {"nodiratime", false, MS_NODIRATIME}, {"noexec", false, MS_NOEXEC},
    {"noiversion", true, MS_I_VERSION}, {"nolazytime", true, MS_LAZYTIME},
    {"nomand", true, MS_MANDLOCK},     {"norelatime", true, MS_RELATIME},
    {"nostrictatime", true, MS_STRICTATIME}, {"nosuid", false, MS_NOSUID},
    {"nosymfollow", false, MS_NOSYMFOLLOW}, {"rbind", false, MS_BIND | MS_REC},
    {"relatime", false, MS_RELATIME},  {"remount", false, MS_REMOUNT},
    {"ro", false, MS_RDONLY},          {"rw", true, MS_RDONLY},
    {"silent", false, MS_SILENT},      {"strictatime", false, MS_STRICTATIME},
    {"suid", true, MS_NOSUID},         {"symfollow", true, MS_NOSYMFOLLOW},
    {"sync", false, MS_SYNCHRONOUS},
};

struct PropagationOption {
    std::string_view name;
    unsigned long flag;
};

constexpr PropagationOption kPropagationOptions[] = {
    {"private", MS_PRIVATE},   {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},     {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},       {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

struct AttrOption {
    std::string_view name;
    bool clear;
    std::uint64_t attr;
};

// Recursive options (mount_setattr with AT_RECURSIVE), as runc names them.
constexpr AttrOption kRecursiveOptions[] = {
    {"rro", false, MOUNT_ATTR_RDONLY},        {"rrw", true, MOUNT_ATTR_RDONLY},
    {"rnosuid", false, MOUNT_ATTR_NOSUID},    {"rsuid", true, MOUNT_ATTR_NOSUID},
    {"rnodev", false, MOUNT_ATTR_NODEV},      {"rdev", true, MOUNT_ATTR_NODEV},
    {"rnoexec", false, MOUNT_ATTR_NOEXEC},    {"rexec", true, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", false, MOUNT_ATTR_NODIRATIME}, {"rdiratime", true, MOUNT_ATTR_NODIRATIME},
    {"rrelatime", false, MOUNT_ATTR_RELATIME}, {"rnorelatime", true, MOUNT_ATTR_RELATIME},
    {"rnoatime", false, MOUNT_ATTR_NOATIME},  {"ratime", true, MOUNT_ATTR_NOATIME},
    {"rstrictatime", false, MOUNT_ATTR_STRICTATIME}, {"rnostrictatime", true, MOUNT_ATTR_STRICTATIME},
    {"rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW}, {"rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW},
};

bool apply_known_option(MountOptions& out, std::string_view opt) {
    for (const auto& f : kFlagOptions) {
        if (f.name != opt) continue;
        if (f.clear) {
            out.flags &= ~f.flag;
            out.clear_flags |= f.flag;
        } else {
            out.flags |= f.flag;
            out.clear_flags &= ~f.flag;
        }
        return true;
    }
    for (const auto& p : kPropagationOptions) {
        if (p.name == opt) {
            out.propagation = p.flag;
            return true;
        }
    }
    for (const auto& a : kRecursiveOptions) {
        if (a.name != opt) continue;
        // The atime modes are one field: setting one clears the whole field first.
        bool atime = (a.attr & MOUNT_ATTR__ATIME) != 0 || a.attr == MOUNT_ATTR_RELATIME;
        if (a.clear) {
            out.rec_attr_clr |= atime ? MOUNT_ATTR__ATIME : a.attr;
        } else {
            if (atime) out.rec_attr_clr |= MOUNT_ATTR__ATIME;
            out.rec_attr_set |= a.attr;
        }
        return true;
    }
    if (opt == "idmap") return out.idmap = true;
    if (opt == "ridmap") return out.idmap = out.ridmap = true;
    return false;
}

}  // namespace

std::vector<std::string_view> known_mount_options() {
    std::vector<std::string_view> names;
    for (const auto& f : kFlagOptions) names.push_back(f.name);
    for (const auto& p : kPropagationOptions) names.push_back(p.name);
    for (const auto& a : kRecursiveOptions) names.push_back(a.name);
    names.insert(names.end(), {"idmap", "ridmap"});
    return names;
}

MountOptions parse_mount_options(const std::vector<std::string>& options) {
    MountOptions out;
    for (const auto& opt : options) {
        if (apply_known_option(out, opt)) continue;
        if (opt == "tmpcopyup" || opt == "copy-symlink") continue;  // crun extensions: ignored
        if (!out.data.empty()) out.data += ',';
        out.data += opt;
    }
    out.bind = (out.flags & MS_BIND) != 0;
    out.recursive = (out.flags & MS_REC) != 0;
    return out;
}

void flags_to_attrs(unsigned long flags, unsigned long clear_flags, std::uint64_t& set, std::uint64_t& clr) {
    struct Pair {
        unsigned long ms;
        std::uint64_t attr;
    };
    constexpr Pair kPairs[] = {{MS_RDONLY, MOUNT_ATTR_RDONLY}, {MS_NOSUID, MOUNT_ATTR_NOSUID},
                               {MS_NODEV, MOUNT_ATTR_NODEV},   {MS_NOEXEC, MOUNT_ATTR_NOEXEC},
                               {MS_NODIRATIME, MOUNT_ATTR_NODIRATIME},
                               {MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW}};
    for (const auto& p : kPairs) {
        if (flags & p.ms) set |= p.attr;
        if (clear_flags & p.ms) clr |= p.attr;
    }
    if (flags & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)) {
        clr |= MOUNT_ATTR__ATIME;
        if (flags & MS_NOATIME) set |= MOUNT_ATTR_NOATIME;
        else if (flags & MS_STRICTATIME) set |= MOUNT_ATTR_STRICTATIME;
        else set |= MOUNT_ATTR_RELATIME;
    }
}

namespace {

// The host's cgroup hierarchies from /proc/self/mountinfo, for a `cgroup` mount.
std::vector<CgroupHierarchy> host_cgroup_hierarchies() {
    std::vector<CgroupHierarchy> out;
    for (const auto& line : text::split(fs::self_mountinfo(), '\n')) {
        auto dash = line.find(" - ");
        if (dash == std::string::npos) continue;
        const auto pre = text::fields(std::string_view(line).substr(0, dash));
        const auto post = text::fields(std::string_view(line).substr(dash + 3));
        if (pre.size() < 5 || post.size() < 3) continue;
        const std::string mountpoint(pre[4]), fstype(post[0]), super(post[2]);
        if (mountpoint.rfind("/sys/fs/cgroup/", 0) != 0) continue;
        std::string name = mountpoint.substr(15);
        if (name.empty() || name.find('/') != std::string::npos) continue;
        // A hierarchy mounted twice at one place (a bind over itself, a shadowing mount) is
        // listed twice: one mount in the container, the first, as cgroup::parse_mountinfo.
        if (std::any_of(out.begin(), out.end(), [&](const CgroupHierarchy& h) { return h.name == name; })) continue;
        if (fstype == "cgroup2") {
            out.push_back({name, "cgroup2", "", false, {}});
        } else if (fstype == "cgroup") {
            // Keep only controller names and name=...; drop rw, relatime and the like.
            std::string opts;
            for (const auto& o : text::split(super, ',')) {
                if (o == "rw" || o == "ro" || o.rfind("release_agent", 0) == 0 || o == "clone_children" ||
                    o == "nsdelegate" || o == "noprefix" || o == "xattr")
                    continue;
                if (!opts.empty()) opts += ',';
                opts += o;
            }
            out.push_back({name, "cgroup", opts, false, {}});
            // "cpu,cpuacct" is also reachable as "cpu" and "cpuacct", as on the host.
            if (name.find(',') != std::string::npos) {
                for (const auto& part : text::split(name, ',')) out.push_back({part, "", name, true, {}});
            }
        }
    }
    return out;
}

std::string relative_target(const std::string& destination) {
    std::string clean = fs::clean_path(destination, "/");
    return clean == "/" ? std::string() : clean.substr(1);
}

// config.md "mounts": idmap/ridmap use the mount's own uidMappings and gidMappings, else
// the container's user namespace maps; with neither it is an error. Mappings without the
// option (which the spec says SHOULD be there) are applied too, rather than ignored.
void plan_idmap(const oci::Config& config, const oci::Mount& m, const MountOptions& o, const std::string& where,
                MountOp& op) {
    const bool own_maps = !m.uid_mappings.empty() || !m.gid_mappings.empty();
    if (!o.idmap && !own_maps) return;
    const bool bind = m.type == "bind" || std::find(m.options.begin(), m.options.end(), "bind") != m.options.end() ||
                      std::find(m.options.begin(), m.options.end(), "rbind") != m.options.end();
    if (!bind) throw_error("{}: idmap applies to bind mounts only, not \"{}\"", where, m.type);
    op.idmap = true;
    op.idmap_recursive = o.ridmap;
    if (own_maps) {
        op.idmap_uid_map = format_id_map(m.uid_mappings);
        op.idmap_gid_map = format_id_map(m.gid_mappings);
        return;
    }
    const auto* lx = config.linux_ ? &*config.linux_ : nullptr;
    if (!lx || lx->uid_mappings.empty() || lx->gid_mappings.empty())
        throw_error("{}: idmap needs uidMappings and gidMappings on the mount or a user namespace with mappings", where);
    op.idmap_uid_map = format_id_map(lx->uid_mappings);
    op.idmap_gid_map = format_id_map(lx->gid_mappings);
}

bool has_option(const std::string& data, std::string_view prefix) {
    for (const auto& o : text::split(data, ','))
        if (o.rfind(prefix, 0) == 0) return true;
    return false;
}

// As in runc: a tmpfs without mode= keeps the mode of a directory it covers, and a
// read-only tmpfs or /dev is filled first (nodes, mount points below), then made read-only.
// Called once the fs options are in `op`.
void plan_tmpfs_and_dev(MountOp& op) {
    op.mode_from_target = op.fstype == "tmpfs" && !has_option(op.data, "mode=");
    if (op.fstype != "tmpfs" && op.target != "dev") return;
    if (op.flags & MS_RDONLY) {
        op.flags &= ~MS_RDONLY;
        op.readonly_last = true;
    }
    if (op.rec_attr_set & MOUNT_ATTR_RDONLY) {  // rro: the same, for the mounts below too
        op.rec_attr_set &= ~static_cast<std::uint64_t>(MOUNT_ATTR_RDONLY);
        op.readonly_last = op.readonly_last_recursive = true;
    }
}

}  // namespace

// linux.mountLabel labels the filesystems berth mounts as runc does: a context= option
// (quoted: MLS categories hold commas) on every new mount but proc, sysfs and mqueue,
// which take no context option.
std::string with_mount_label(const std::string& data, const std::string& fstype, const oci::Config& config) {
    if (!config.linux_ || config.linux_->mount_label.empty()) return data;
    if (fstype == "proc" || fstype == "sysfs" || fstype == "mqueue") return data;
    return (data.empty() ? "" : data + ",") + "context=\"" + config.linux_->mount_label + "\"";
}

std::vector<MountOp> build_mount_ops(const oci::Config& config, const std::string& bundle, bool sysfs_mountable,
                                     const std::string& own_cgroup) {
    std::vector<MountOp> ops;
    std::vector<CgroupHierarchy> cgroups;
    bool cgroups_read = false;
    for (size_t i = 0; i < config.mounts.size(); ++i) {
        const auto& m = config.mounts[i];
        std::string where = fmt::format(".mounts[{}]", i);
        MountOp op;
        op.display = m.destination;
        op.target = relative_target(m.destination);
        if (op.target.empty()) throw_error("{}: destination \"{}\" is the container's root", where, m.destination);
        MountOptions o = parse_mount_options(m.options);
        op.propagation = o.propagation;
        op.rec_attr_set = o.rec_attr_set;
        op.rec_attr_clr = o.rec_attr_clr;
        plan_idmap(config, m, o, where, op);
        std::string type = m.type;
        if (type == "bind" || o.bind) {
            op.kind = MountKind::bind;
            op.recursive = o.recursive;
            op.source = fs::clean_path(m.source, bundle);
            flags_to_attrs(o.flags, o.clear_flags, op.attr_set, op.attr_clr);
            struct stat st{};
            if (::stat(op.source.c_str(), &st) < 0) throw Error(fmt::format("{}: bind source \"{}\"", where, m.source), errno);
            op.source_is_dir = S_ISDIR(st.st_mode);
        } else if (type == "sysfs" && !sysfs_mountable) {
            // Where the kernel refuses a sysfs (a user namespace over a network namespace
            // it does not own), the host's /sys read-only through a bind, as runc does.
            op.kind = MountKind::bind;
            op.recursive = true;
            op.source = "/sys";
            flags_to_attrs(o.flags | MS_RDONLY, o.clear_flags, op.attr_set, op.attr_clr);
        } else if (type == "cgroup" || type == "cgroup2") {
            op.kind = MountKind::cgroup;
            op.flags = o.flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
            // runc and crun give the hierarchies the mount's own flags, ro only when asked.
            std::uint64_t unused = 0;
            flags_to_attrs(o.flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC), 0, op.attr_set, unused);
            if (!cgroups_read) {
                cgroups = host_cgroup_hierarchies();
                cgroups_read = true;
                if (!own_cgroup.empty())
                    for (auto& h : cgroups)
                        if (!h.symlink) h.bind_source = "/sys/fs/cgroup/" + h.name + own_cgroup;
            }
            if (type == "cgroup2" || cgroups.empty()) {
                op.fstype = "cgroup2";  // a unified-only host: one cgroup2 mount
            } else {
                op.fstype = "tmpfs";
                op.cgroups = cgroups;
            }
        } else {
            op.kind = MountKind::fs;
            op.fstype = type.empty() ? m.source : type;
            op.source = m.source.empty() ? op.fstype : m.source;
            op.flags = o.flags & ~MS_REMOUNT;
            op.data = with_mount_label(o.data, op.fstype, config);
            plan_tmpfs_and_dev(op);
        }
        ops.push_back(std::move(op));
    }
    return ops;
}

}  // namespace berth::sys
