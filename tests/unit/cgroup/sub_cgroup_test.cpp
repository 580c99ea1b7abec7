// exec --cgroup's value: [CONTROLLER[,CONTROLLER]:]PATH.
#include "cgroup/sub_cgroup.hpp"
#include "util/error.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using berth::cgroup::parse_sub_cgroup;

BOOST_AUTO_TEST_SUITE(sub_cgroup)

BOOST_AUTO_TEST_CASE(a_path_alone_names_every_hierarchy) {
    auto s = parse_sub_cgroup("a/b");
    BOOST_TEST(s.controllers.empty());
    BOOST_TEST(s.path == "a/b");
    BOOST_TEST(parse_sub_cgroup("/a//./b/").path == "a/b");  // below the container's cgroup
}

BOOST_AUTO_TEST_CASE(controllers_before_the_colon) {
    auto s = parse_sub_cgroup("cpu,memory:work");
    BOOST_TEST((s.controllers == std::vector<std::string>{"cpu", "memory"}));
    BOOST_TEST(s.path == "work");
}

BOOST_AUTO_TEST_CASE(bad_values_are_refused_naming_the_flag) {
    for (const char* bad : {"", "/", ":x", "cpu,:x", "cpu:", "../x", "a/../../x"}) {
        BOOST_CHECK_EXCEPTION(parse_sub_cgroup(bad), berth::Error, [&](const berth::Error& e) {
            return std::string(e.what()).rfind("--cgroup", 0) == 0;
        });
    }
}

BOOST_AUTO_TEST_SUITE_END()
