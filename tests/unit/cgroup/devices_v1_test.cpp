// The v1 devices policy model and the writes between two policies (devices_v1.hpp).
#include "cgroup/devices_v1.hpp"
#include "test_util.hpp"

using namespace berth::cgroup;
using cgtest::Pairs;

namespace berth::cgroup {
std::ostream& operator<<(std::ostream& os, const DevicePolicy& p);
std::ostream& operator<<(std::ostream& os, const DevicePolicy& p) {
    os << (p.default_allow ? "allow" : "deny") << " except";
    for (const auto& e : p.exceptions) os << " [" << device_rule_line(e) << "]";
    return os;
}
}  // namespace berth::cgroup

namespace {

DeviceRule rule(bool allow, char type, std::int64_t major, std::int64_t minor, unsigned access) {
    return DeviceRule{allow, type, major, minor, access};
}

const DeviceRule kDenyAll = rule(false, 'a', kAnyDevice, kAnyDevice, kAccessAll);
const DeviceRule kAllowAll = rule(true, 'a', kAnyDevice, kAnyDevice, kAccessAll);
const DeviceRule kNull = rule(true, 'c', 1, 3, kAccessAll);
const DeviceRule kZero = rule(true, 'c', 1, 5, kAccessAll);
const DeviceRule kFuse = rule(true, 'c', 10, 229, kAccessAll);

Pairs writes(const DevicePolicy& from, const DevicePolicy& to) {
    Pairs out;
    for (const auto& s : device_transition(from, to, ".linux.resources.devices")) out.emplace_back(s.file, s.value);
    return out;
}

DevicePolicy whitelist(const std::vector<DeviceRule>& rules) {
    std::vector<DeviceRule> all = {kDenyAll};
    all.insert(all.end(), rules.begin(), rules.end());
    return apply_device_rules(DevicePolicy{}, all);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(devices_v1)

BOOST_AUTO_TEST_CASE(devices_list_is_read_as_the_kernel_shows_it) {
    BOOST_TEST(parse_devices_list("a *:* rwm\n") == DevicePolicy{});
    const auto p = parse_devices_list("c *:* m\nb *:* m\nc 1:3 rwm\nc 136:* rw\n");
    BOOST_TEST(!p.default_allow);
    BOOST_REQUIRE(p.exceptions.size() == 4u);
    BOOST_TEST(device_rule_line(p.exceptions[0]) == "c *:* m");
    BOOST_TEST(device_rule_line(p.exceptions[3]) == "c 136:* rw");
    BOOST_TEST(parse_devices_list("").exceptions.empty());  // deny all, no exceptions
    cgtest::expect_error([] { parse_devices_list("x 1:2 rwm\n"); }, "devices.list: cannot read \"x 1:2 rwm\"");
    cgtest::expect_error([] { parse_devices_list("c 1:3 rwq\n"); }, "cannot read");
}

BOOST_AUTO_TEST_CASE(rules_apply_as_the_kernel_applies_them) {
    // An allow merges bits into the exact entry; a deny takes bits away; 'a' resets.
    auto p = whitelist({rule(true, 'c', 1, 3, kAccessRead), rule(true, 'c', 1, 3, kAccessWrite), kZero,
                        rule(false, 'c', 1, 5, kAccessMknod), rule(false, 'c', kAnyDevice, kAnyDevice, kAccessAll)});
    BOOST_REQUIRE(p.exceptions.size() == 2u);
    BOOST_TEST(device_rule_line(p.exceptions[0]) == "c 1:3 rw");
    BOOST_TEST(device_rule_line(p.exceptions[1]) == "c 1:5 rw");  // c *:* is another entry
    p = apply_device_rules(p, {kAllowAll, rule(false, 'b', 8, 0, kAccessAll)});
    BOOST_TEST(p.default_allow);
    BOOST_REQUIRE(p.exceptions.size() == 1u);
    BOOST_TEST(device_rule_line(p.exceptions[0]) == "b 8:0 rwm");
    // The kernel ignores the numbers of an 'a' rule: it resets all the same.
    p = apply_device_rules(p, {rule(false, 'a', 1, 3, kAccessRead)});
    BOOST_TEST(p == (DevicePolicy{false, {}}));
}

BOOST_AUTO_TEST_CASE(adding_a_rule_writes_only_that_allow) {
    const Pairs expected = {{"devices.allow", "c 10:229 rwm"}};
    BOOST_TEST(writes(whitelist({kNull, kZero}), whitelist({kNull, kZero, kFuse})) == expected,
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(removing_access_denies_only_what_goes) {
    const auto from = whitelist({kNull, kZero, kFuse});
    const auto to = whitelist({kNull, rule(true, 'c', 1, 5, kAccessRead)});
    const Pairs expected = {{"devices.deny", "c 1:5 wm"}, {"devices.deny", "c 10:229 rwm"}};
    BOOST_TEST(writes(from, to) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(grants_come_before_denials) {
    const Pairs expected = {{"devices.allow", "c 10:229 rwm"}, {"devices.deny", "c 1:3 rwm"}};
    BOOST_TEST(writes(whitelist({kNull, kZero}), whitelist({kZero, kFuse})) == expected,
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(same_policy_writes_nothing) {
    const auto p = whitelist({kNull, kZero});
    BOOST_TEST(writes(parse_devices_list("c 1:3 rwm\nc 1:5 rwm\n"), p).empty());
}

BOOST_AUTO_TEST_CASE(a_new_cgroup_is_reset_to_deny_first) {
    const Pairs expected = {{"devices.deny", "a *:* rwm"}, {"devices.allow", "c 1:3 rwm"}};
    BOOST_TEST(writes(DevicePolicy{}, whitelist({kNull})) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_default_allow_target_widens_first) {
    const auto to = apply_device_rules(DevicePolicy{}, {kAllowAll, rule(false, 'b', 8, 0, kAccessMknod)});
    const Pairs expected = {{"devices.allow", "a *:* rwm"}, {"devices.deny", "b 8:0 m"}};
    BOOST_TEST(writes(whitelist({kNull}), to) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
