// util/log: --debug's Timeline writes one runc-style JSON line per step with its two
// timings, and nothing at all when --debug is off.
#include "util/log.hpp"

#include <boost/test/unit_test.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::vector<std::string> lines_of(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(timeline_logs_each_step_only_with_debug) {
    char dir[] = "/tmp/berth-log-test.XXXXXX";
    BOOST_TEST_REQUIRE(::mkdtemp(dir) != nullptr);
    std::string quiet = std::string(dir) + "/quiet.json", loud = std::string(dir) + "/loud.json";
    berth::log::init({quiet, true, false});
    {
        berth::log::Timeline t("create", "c1");
        t.step("config read");
        t.step("init cloned, pid {}", 42);
    }
    BOOST_TEST(lines_of(quiet).empty());
    berth::log::init({loud, true, true});
    {
        berth::log::Timeline t("create", "c1");
        t.step("config read");
        t.step("init cloned, pid {}", 42);
    }
    auto lines = lines_of(loud);
    BOOST_TEST_REQUIRE(lines.size() == 2u);
    static const std::regex line(
        R"re(^\{"level":"debug","msg":"create \\"c1\\": init cloned, pid 42 \(\+\d+\.\d{3} ms, \d+\.\d{3} ms\)","time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z"\}$)re");
    BOOST_TEST(std::regex_match(lines[1], line), lines[1]);
    ::unlink(quiet.c_str());
    ::unlink(loud.c_str());
    ::rmdir(dir);
}
