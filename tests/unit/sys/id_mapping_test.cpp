// Rootless id maps and limits: which maps need newuidmap/newgidmap, the /etc/subuid and
// /etc/subgid check and its one-line errors, and which resources count as limits.
#define BOOST_TEST_MODULE id_mapping
#include "runtime/rootless.hpp"
#include "sys/id_mapping.hpp"
#include "sys/mounts.hpp"
#include "util/error.hpp"

#include <boost/test/unit_test.hpp>

using berth::sys::check_subid_ranges;
using berth::sys::choose_id_map_method;
using berth::sys::parse_subid_ranges;

namespace {

berth::oci::LinuxConfig maps(std::vector<berth::oci::IdMapping> uids, std::vector<berth::oci::IdMapping> gids) {
    berth::oci::LinuxConfig lx;
    lx.uid_mappings = std::move(uids);
    lx.gid_mappings = std::move(gids);
    return lx;
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const berth::Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

BOOST_AUTO_TEST_CASE(own_ids_are_written_directly_with_setgroups_denied) {
    auto m = choose_id_map_method(maps({{0, 1001, 1}}, {{0, 1001, 1}}), 1001, 1001);
    BOOST_TEST(!m.helpers);
    BOOST_TEST(m.deny_setgroups);
}

BOOST_AUTO_TEST_CASE(several_ranges_need_the_helpers) {
    auto m = choose_id_map_method(maps({{0, 1001, 1}, {1, 300000, 65536}}, {{0, 1001, 1}, {1, 300000, 65536}}),
                                  1001, 1001);
    BOOST_TEST(m.helpers);
    BOOST_TEST(!m.deny_setgroups);
    // Another user's id, even a single one, is not the caller's to map.
    BOOST_TEST(choose_id_map_method(maps({{0, 0, 1}}, {{0, 1001, 1}}), 1001, 1001).helpers);
}

BOOST_AUTO_TEST_CASE(root_writes_every_map_itself) {
    auto m = choose_id_map_method(maps({{0, 100000, 65536}}, {{0, 100000, 65536}}), 0, 0);
    BOOST_TEST(!m.helpers);
    BOOST_TEST(!m.deny_setgroups);
}

BOOST_AUTO_TEST_CASE(subid_ranges_by_name_or_uid) {
    std::string text = "alice:100000:65536\n#bob:1:2\nbob:200000:65536\n1001:400000:10\nbroken\nalice:x:1\n";
    auto a = parse_subid_ranges(text, "alice", 1000);
    BOOST_TEST(a.size() == 1U);
    BOOST_TEST(a[0].start == 100000U);
    auto b = parse_subid_ranges(text, "carol", 1001);
    BOOST_TEST(b.size() == 1U);
    BOOST_TEST(b[0].count == 10U);
}

BOOST_AUTO_TEST_CASE(mapping_outside_the_ranges_names_the_field) {
    std::vector<berth::sys::SubIdRange> ranges{{300000, 65536}};
    BOOST_TEST(error_of([&] {
                   check_subid_ranges({{0, 1001, 1}, {1, 300000, 65536}}, ranges, 1001, ".linux.uidMappings",
                                      "/etc/subuid", "u");
               }) == "");
    BOOST_TEST(error_of([&] {
                   check_subid_ranges({{0, 1001, 1}, {1, 300000, 65537}}, ranges, 1001, ".linux.uidMappings",
                                      "/etc/subuid", "u");
               }) == ".linux.uidMappings[1]: host ids 300000-365536 are not in /etc/subuid for user \"u\"");
    BOOST_TEST(error_of([&] {
                   check_subid_ranges({{0, 0, 1}}, ranges, 1001, ".linux.gidMappings", "/etc/subgid", "u");
               }) == ".linux.gidMappings[0]: host ids 0-0 are not in /etc/subgid for user \"u\"");
}

BOOST_AUTO_TEST_CASE(limits_are_named_devices_and_unlimited_are_not) {
    berth::oci::Resources r;
    r.devices.push_back({});
    r.pids = berth::oci::Pids{0};
    r.memory = berth::oci::Memory{};
    r.memory->limit = -1;
    BOOST_TEST(berth::runtime::first_limit_field(r) == "");
    r.memory->limit = 1 << 26;
    BOOST_TEST(berth::runtime::first_limit_field(r) == ".linux.resources.memory.limit");
    r.memory.reset();
    r.pids->limit = 50;
    BOOST_TEST(berth::runtime::first_limit_field(r) == ".linux.resources.pids.limit");
}

BOOST_AUTO_TEST_CASE(devpts_gid_dropped_only_when_unmapped) {
    std::vector<berth::sys::MountOp> ops(2);
    ops[0].fstype = "devpts";
    ops[0].data = "newinstance,ptmxmode=0666,mode=0620,gid=5";
    ops[1].fstype = "tmpfs";
    ops[1].data = "gid=5";
    berth::sys::drop_unmapped_devpts_gid(ops, {{0, 1001, 1}});
    BOOST_TEST(ops[0].data == "newinstance,ptmxmode=0666,mode=0620");
    BOOST_TEST(ops[1].data == "gid=5");
    ops[0].data = "gid=5,mode=0620";
    berth::sys::drop_unmapped_devpts_gid(ops, {{0, 1001, 1}, {1, 100000, 65536}});
    BOOST_TEST(ops[0].data == "gid=5,mode=0620");
}
