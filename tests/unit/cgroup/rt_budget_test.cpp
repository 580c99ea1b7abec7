// cgroup/rt_budget: what berth's own parents need for their children's realtime runtime.
#include "cgroup/rt_budget.hpp"
#include "test_util.hpp"

using namespace berth::cgroup;
using Paths = std::vector<std::string>;

BOOST_AUTO_TEST_SUITE(rt_budget)

BOOST_AUTO_TEST_CASE(parent_needs_the_sum_of_its_childrens_shares) {
    BOOST_TEST(rt_runtime_needed(1000000, {}) == 0u);
    BOOST_TEST(rt_runtime_needed(1000000, {{1000000, 10000}}) == 10000u);
    // 5% and 1%, over a parent period of 1 s: each share rounded down to 20 bits first
    // (52428 + 10485), as the kernel counts them, so a hair under 60000.
    BOOST_TEST(rt_runtime_needed(1000000, {{100000, 5000}, {1000000, 10000}, {1000000, 0}}) == 59999u);
    // The kernel's 20-bit fixed point rounds each child's share down; the parent's must be
    // at least their sum, so it is rounded up.
    const std::uint64_t r = rt_runtime_needed(300000, {{700000, 1}});
    BOOST_TEST(r == 1u);
}

BOOST_AUTO_TEST_CASE(only_parents_in_berths_tree_are_its_own) {
    BOOST_TEST(own_rt_parents("/m", "/m/berth/c1") == (Paths{"/m/berth"}));
    BOOST_TEST(own_rt_parents("/m", "/m/berth/pods/c1") == (Paths{"/m/berth/pods", "/m/berth"}));
    // The machine's cgroups and look-alike names are never berth's.
    BOOST_TEST(own_rt_parents("/m", "/m/machine/c1").empty());
    BOOST_TEST(own_rt_parents("/m", "/m/berthx/c1").empty());
    BOOST_TEST(own_rt_parents("/m", "/m/c1").empty());
    BOOST_TEST(own_rt_parents("/m", "/m/system.slice/berth/c1").empty());
    BOOST_TEST(own_rt_parents("/m", "/other/berth/c1").empty());
}

BOOST_AUTO_TEST_SUITE_END()
