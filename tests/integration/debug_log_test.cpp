// --debug: each step of create, start, run and exec with its timing, in text or in
// runc's JSON lines, so a failed container's log shows how far it got. Needs root.
#define BOOST_TEST_MODULE integration_debug_log
#include "harness.hpp"

#include <boost/test/unit_test.hpp>

#include <regex>
#include <sstream>

using namespace berth::it;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// The msg of every line, checking each is exactly {"level":…,"msg":…,"time":…}.
std::vector<std::string> json_messages(const std::string& log, const std::string& level) {
    static const std::regex line_re(R"re(^\{"level":"(debug|info|warning|error)","msg":"((?:[^"\\]|\\.)*)","time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"\}$)re");
    std::vector<std::string> out;
    std::istringstream in(log);
    for (std::string line; std::getline(in, line);) {
        std::smatch m;
        BOOST_TEST(std::regex_match(line, m, line_re), line);
        if (!m.empty() && m[1] == level) out.push_back(m[2]);
    }
    return out;
}

// The message of `op "id": step`, with the two timings runc's log lacks.
bool has_step(const std::vector<std::string>& msgs, const std::string& prefix) {
    static const std::regex timing(R"( \(\+\d+\.\d{3} ms, \d+\.\d{3} ms\)$)");
    for (const auto& m : msgs)
        if (m.rfind(prefix, 0) == 0 && std::regex_search(m, timing)) return true;
    return false;
}

std::string quoted(const Bundle& b) { return "\\\"" + b.id() + "\\\""; }

}  // namespace

BOOST_AUTO_TEST_CASE(json_debug_log_has_every_step_of_create_start_and_run) {
    Bundle b;
    b.save();
    std::string log = b.dir() + "/log.json";
    Result r = b.berth({"--debug", "--log", log, "--log-format", "json", "run", "--bundle", b.dir(), b.id()});
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    auto msgs = json_messages(read_file(log), "debug");
    std::string id = quoted(b);
    for (const std::string step : {"config.json read", "launch plan built", "cgroup made", "init cloned, pid ",
                                   "init released", "init: namespaces done", "init: rootfs done",
                                   "init: process attributes done", "init: ready, waiting on exec.fifo", "created"})
        BOOST_TEST(has_step(msgs, "create " + id + ": " + step), step);
    for (const std::string step : {"init released (exec.fifo opened)", "process executed"})
        BOOST_TEST(has_step(msgs, "start " + id + ": " + step), step);
    BOOST_TEST(has_step(msgs, "run " + id + ": process exited with status 0"));
    BOOST_TEST(has_step(msgs, "run " + id + ": deleted"));
}

BOOST_AUTO_TEST_CASE(debug_log_shows_create_hooks_and_exec_steps) {
    Bundle b;
    b.config.process->args = {"/probe", "sleep", "30"};
    b.config.hooks.emplace();
    berth::oci::Hook h;
    h.path = "/bin/true";
    b.config.hooks->create_runtime.push_back(h);
    b.save();
    std::string log = b.dir() + "/log.json";
    auto berth = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {"--debug", "--log", log, "--log-format", "json"});
        return b.berth(args);
    };
    BOOST_TEST_REQUIRE(berth({"run", "-d", "--bundle", b.dir(), b.id()}).status == 0);
    Result e = berth({"exec", b.id(), "/probe", "exit", "3"});
    BOOST_TEST(e.status == 3, e.err);
    auto msgs = json_messages(read_file(log), "debug");
    std::string id = quoted(b);
    BOOST_TEST(has_step(msgs, "create " + id + ": init: mounts done"));
    BOOST_TEST(has_step(msgs, "create " + id + ": prestart, createRuntime and createContainer hooks done"));
    for (const std::string step : {"plan built, namespaces of init ", "child cloned, pid ", "child in the cgroup",
                                   "child: namespaces done", "child: process attributes done", "process executed",
                                   "process exited with status 3"})
        BOOST_TEST(has_step(msgs, "exec " + id + ": " + step), step);
    b.berth({"delete", "--force", b.id()});
}

BOOST_AUTO_TEST_CASE(a_failed_create_logs_how_far_it_got) {
    Bundle b;
    b.config.process->args = {"/no/such/binary"};
    b.save();
    std::string log = b.dir() + "/log.json";
    Result r = b.berth({"--debug", "--log", log, "--log-format", "json", "create", "--bundle", b.dir(), b.id()});
    BOOST_TEST(r.status != 0);
    std::string text = read_file(log);
    auto msgs = json_messages(text, "debug");
    std::string id = quoted(b);
    BOOST_TEST(has_step(msgs, "create " + id + ": init: rootfs done"));
    BOOST_TEST(has_step(msgs, "create " + id + ": init: process attributes done"));
    BOOST_TEST(!has_step(msgs, "create " + id + ": init: ready"));
    auto errors = json_messages(text, "error");
    BOOST_TEST_REQUIRE(errors.size() == 1u);
    BOOST_TEST(contains(errors[0], "/no/such/binary"), errors[0]);
}

BOOST_AUTO_TEST_CASE(text_debug_goes_to_stderr_and_nothing_without_debug) {
    Bundle b;
    Result r = b.berth({"--debug", "run", "--bundle", (b.save(), b.dir()), b.id()});
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    BOOST_TEST(contains(r.err, "[debug] create \"" + b.id() + "\": init: namespaces done (+"), r.err);
    std::string log = b.dir() + "/quiet.json";
    Result quiet = b.berth({"--log", log, "--log-format", "json", "run", "--bundle", b.dir(), b.id()});
    BOOST_TEST_REQUIRE(quiet.status == 0, quiet.err);
    BOOST_TEST(read_file(log).empty(), read_file(log));
    BOOST_TEST(!contains(quiet.err, "debug"), quiet.err);
}
