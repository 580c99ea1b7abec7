// berth's mount option table against libmount's: every option the kernel takes as a mount
// flag in libmount's Linux map means the same to berth. berth parses with its own table
// (no libmount in the runtime: it costs ~0.45 MiB of peak RSS on every start, with blkid,
// selinux and pcre2), and libmount is the reference that keeps the table honest.
#define BOOST_TEST_MODULE mount_options
#include "sys/mounts.hpp"

#include <boost/test/unit_test.hpp>

#include <libmount/libmount.h>
#include <sys/mount.h>

#include <string>

namespace {

constexpr unsigned long kPropagation = MS_PRIVATE | MS_SHARED | MS_SLAVE | MS_UNBINDABLE;

}  // namespace

BOOST_AUTO_TEST_CASE(every_libmount_linux_flag_means_the_same_to_berth) {
    int checked = 0;
    for (const libmnt_optmap* e = mnt_get_builtin_optmap(MNT_LINUX_MAP); e && e->name; ++e) {
        const std::string name = e->name;
        // "name=" entries take a value and "X-"/"x-" are userspace: not kernel flags.
        if (name.find('=') != std::string::npos || (e->mask & MNT_PREFIX)) continue;
        const auto flag = static_cast<unsigned long>(e->id);
        const auto parsed = berth::sys::parse_mount_options({name});
        BOOST_TEST_CONTEXT(name) {
            BOOST_TEST(parsed.data.empty());  // berth knows it: not passed on as fs data
            if (e->mask & MNT_INVERT) {
                BOOST_TEST(parsed.clear_flags == flag);
            } else if (flag & kPropagation) {
                BOOST_TEST(parsed.propagation == flag);
            } else {
                BOOST_TEST(parsed.flags == flag);
            }
        }
        ++checked;
    }
    BOOST_TEST(checked > 30);
}

BOOST_AUTO_TEST_CASE(options_libmount_does_not_know_stay_filesystem_data) {
    const auto parsed = berth::sys::parse_mount_options({"mode=755", "size=65536k", "ro"});
    BOOST_TEST(parsed.data == "mode=755,size=65536k");
    BOOST_TEST(parsed.flags == MS_RDONLY);
}

// linux.mountLabel: a quoted context= (MLS categories hold commas) on the filesystems that
// take one; proc, sysfs and mqueue get none, as in runc.
BOOST_AUTO_TEST_CASE(mount_label_is_a_quoted_context_option) {
    using berth::sys::with_mount_label;
    berth::oci::Config config;
    BOOST_TEST(with_mount_label("size=1m", "tmpfs", config) == "size=1m");
    config.linux_.emplace();
    config.linux_->mount_label = "system_u:object_r:container_file_t:s0:c1,c2";
    const std::string context = "context=\"system_u:object_r:container_file_t:s0:c1,c2\"";
    BOOST_TEST(with_mount_label("size=1m", "tmpfs", config) == "size=1m," + context);
    BOOST_TEST(with_mount_label("", "devpts", config) == context);
    for (const char* fs : {"proc", "sysfs", "mqueue"}) BOOST_TEST(with_mount_label("", fs, config) == "", fs);
}

namespace {

berth::sys::MountOp planned(const std::string& destination, const std::string& type,
                            std::vector<std::string> options) {
    berth::oci::Config config;
    berth::oci::Mount m;
    m.destination = destination;
    m.type = type;
    m.source = type;
    m.options = std::move(options);
    config.mounts.push_back(m);
    return berth::sys::build_mount_ops(config, "/bundle", true, "").at(0);
}

}  // namespace

// runc's tmpfs rules: mode= given wins over the covered directory's mode; a ro/rro tmpfs
// or /dev is mounted writable and made read-only last; other filesystems keep their flags.
BOOST_AUTO_TEST_CASE(tmpfs_and_dev_plan_their_mode_and_a_deferred_read_only) {
    auto kept = planned("/data", "tmpfs", {"size=1m"});
    BOOST_TEST(kept.mode_from_target);
    BOOST_TEST(!planned("/data", "tmpfs", {"size=1m", "mode=0755"}).mode_from_target);
    auto ro = planned("/run", "tmpfs", {"ro", "nosuid"});
    BOOST_TEST(ro.readonly_last);
    BOOST_TEST(!ro.readonly_last_recursive);
    BOOST_TEST((ro.flags & MS_RDONLY) == 0u);
    BOOST_TEST((ro.flags & MS_NOSUID) != 0u);
    auto rro = planned("/dev", "devtmpfs", {"rro"});
    BOOST_TEST(rro.readonly_last_recursive);
    BOOST_TEST((rro.rec_attr_set & MOUNT_ATTR_RDONLY) == 0u);
    auto proc = planned("/proc", "proc", {"ro"});
    BOOST_TEST(!proc.readonly_last);
    BOOST_TEST(!proc.mode_from_target);
    BOOST_TEST((proc.flags & MS_RDONLY) != 0u);
}
