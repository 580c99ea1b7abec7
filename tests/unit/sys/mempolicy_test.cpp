// sys/mempolicy: linux.memoryPolicy checked against a host's node list and turned into the
// set_mempolicy(2) arguments, without root.
#define BOOST_TEST_MODULE mempolicy
#include "sys/mempolicy.hpp"
#include "util/error.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using berth::oci::MemoryPolicy;
using berth::sys::build_mempolicy_plan;

namespace {

const std::optional<std::string> kOneNode = std::string("0\n");

std::string error_of(const MemoryPolicy& p, const std::optional<std::string>& online = kOneNode) {
    try {
        build_mempolicy_plan(p, online);
    } catch (const berth::Error& e) {
        return e.what();
    }
    return "accepted";
}

}  // namespace

BOOST_AUTO_TEST_CASE(bind_to_node_0_sets_bit_0) {
    const auto plan = build_mempolicy_plan({"MPOL_BIND", "0", {}}, kOneNode);
    BOOST_TEST(plan.present);
    BOOST_TEST(plan.mode == 2);
    BOOST_TEST(plan.nodemask[0] == 1UL);
    BOOST_TEST(plan.maxnode == berth::sys::kMaxNumaNodes + 1);
}

BOOST_AUTO_TEST_CASE(flags_are_or_ed_into_the_mode) {
    const auto plan = build_mempolicy_plan({"MPOL_INTERLEAVE", "0-1,3", {"MPOL_F_STATIC_NODES"}}, std::string("0-3"));
    BOOST_TEST(plan.mode == (3 | (1 << 15)));
    BOOST_TEST(plan.nodemask[0] == 0b1011UL);
    const auto relative = build_mempolicy_plan({"MPOL_BIND", "5", {"MPOL_F_RELATIVE_NODES"}}, kOneNode);
    BOOST_TEST(relative.mode == (2 | (1 << 14)));
    BOOST_TEST(relative.nodemask[0] == (1UL << 5));
}

BOOST_AUTO_TEST_CASE(modes_without_nodes_pass_no_mask) {
    const auto local = build_mempolicy_plan({"MPOL_LOCAL", "", {}}, kOneNode);
    BOOST_TEST(local.present);
    BOOST_TEST(local.mode == 4);
    BOOST_TEST(local.maxnode == 0u);
    // A kernel without NUMA has only the default policy, which needs no call.
    BOOST_TEST(!build_mempolicy_plan({"MPOL_DEFAULT", "", {}}, std::nullopt).present);
}

BOOST_AUTO_TEST_CASE(bad_values_name_the_field) {
    BOOST_TEST(error_of({"MPOL_BIND", "5", {}}) ==
               ".linux.memoryPolicy.nodes: node 5 is not online on this host (online: 0)");
    BOOST_TEST(error_of({"MPOL_BIND", "0,5", {"MPOL_F_STATIC_NODES"}}, std::string("0-1")) ==
               ".linux.memoryPolicy.nodes: node 5 is not online on this host (online: 0,1)");
    BOOST_TEST(error_of({"MPOL_BIND", "0-", {}}) == ".linux.memoryPolicy.nodes: invalid node list \"0-\"");
    BOOST_TEST(error_of({"MPOL_BIND", "1024", {"MPOL_F_RELATIVE_NODES"}}) ==
               ".linux.memoryPolicy.nodes: invalid node list \"1024\"");
    BOOST_TEST(error_of({"MPOL_BIND", "0", {"MPOL_F_STATIC_NODES", "MPOL_F_RELATIVE_NODES"}}) ==
               ".linux.memoryPolicy.flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other");
    BOOST_TEST(error_of({"MPOL_LOCAL", "", {"MPOL_F_STATIC_NODES"}}) ==
               ".linux.memoryPolicy.flags: MPOL_LOCAL without nodes takes no MPOL_F_STATIC_NODES or "
               "MPOL_F_RELATIVE_NODES");
    BOOST_TEST(error_of({"MPOL_INTERLEAVE", "0", {"MPOL_F_NUMA_BALANCING"}}) ==
               ".linux.memoryPolicy.flags: MPOL_F_NUMA_BALANCING needs mode MPOL_BIND or MPOL_PREFERRED_MANY");
    BOOST_TEST(error_of({"MPOL_SOMETHING", "", {}}) == ".linux.memoryPolicy.mode: unknown value \"MPOL_SOMETHING\"");
    BOOST_TEST(error_of({"MPOL_BIND", "0", {}}, std::nullopt) ==
               ".linux.memoryPolicy: this kernel has no NUMA support (no /sys/devices/system/node)");
}
