// state.json and process.json documents, unknown and repeated members, and the specs
// that runc and crun generate.
#include "oci/parse.hpp"
#include "oci/state.hpp"
#include "test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace berth::oci {
namespace {

BOOST_AUTO_TEST_SUITE(state_document)

BOOST_AUTO_TEST_CASE(state_round_trips) {
    State s{"1.3.0", "c1", Status::running, 4422, "/containers/redis", {{"myKey", "myValue"}}};
    std::string text = to_json(s);
    BOOST_TEST(text ==
               R"({"ociVersion":"1.3.0","id":"c1","status":"running","pid":4422,)"
               R"("bundle":"/containers/redis","annotations":{"myKey":"myValue"}})");
    BOOST_TEST((parse_state(text) == s));
    BOOST_TEST((parse_state(to_json(s, true)) == s));
}

BOOST_AUTO_TEST_CASE(stopped_state_omits_pid_and_empty_annotations) {
    State s{"1.3.0", "c2", Status::stopped, 0, "/b", {}};
    std::string text = to_json(s);
    BOOST_TEST(text == R"({"ociVersion":"1.3.0","id":"c2","status":"stopped","bundle":"/b"})");
    BOOST_TEST((parse_state(text) == s));
}

BOOST_AUTO_TEST_CASE(every_status_has_its_name) {
    BOOST_TEST(to_string(Status::creating) == std::string("creating"));
    BOOST_TEST(to_string(Status::created) == std::string("created"));
    BOOST_TEST(to_string(Status::running) == std::string("running"));
    BOOST_TEST(to_string(Status::stopped) == std::string("stopped"));
    BOOST_TEST(to_string(Status::paused) == std::string("paused"));
    for (auto st : {Status::creating, Status::created, Status::running, Status::stopped, Status::paused}) {
        State s{"1.0.2", "x", st, 1, "/b", {}};
        BOOST_TEST((parse_state(to_json(s)).status == st));
    }
}

BOOST_AUTO_TEST_CASE(invalid_state_is_rejected) {
    auto err = [](const std::string& text) { return test::error_of([&] { parse_state(text); }); };
    BOOST_TEST(err(R"({"ociVersion":"1.0.0","id":"a","status":"running","bundle":"/b"})") ==
               "state.json: .pid: missing required field (status is running)");
    BOOST_TEST(err(R"({"ociVersion":"1.0.0","id":"a","status":"exploded","bundle":"/b"})") ==
               "state.json: .status: unknown status \"exploded\"");
    BOOST_TEST(err(R"({"ociVersion":"1.0.0","id":"a","status":"created","pid":-3,"bundle":"/b"})") ==
               "state.json: .pid: value -3 out of range for a pid");
    BOOST_TEST(err(R"({"ociVersion":"1.0.0","id":"","status":"stopped","bundle":"/b"})") ==
               "state.json: .id: must not be empty");
    BOOST_TEST(err(R"({"ociVersion":"1.0.0","id":"a","status":"stopped"})") ==
               "state.json: .bundle: missing required field");
    BOOST_TEST(err(R"({"ociVersion":"1.0.0","id":"a","status":"stopped","bundle":"b"})") ==
               "state.json: .bundle: \"b\" is not an absolute path");
    BOOST_TEST(err("{\"ociVersion\":\"1.0.0\",") == "state.json: line 1, column 23: premature EOF");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(process_document)

BOOST_AUTO_TEST_CASE(minimal_process_is_read) {
    Process p = parse_process(R"({"args": ["/bin/ls", "-l"], "cwd": "/tmp", "terminal": true})");
    BOOST_TEST(p.args.size() == 2U);
    BOOST_TEST(p.cwd == "/tmp");
    BOOST_TEST(p.terminal);
    BOOST_TEST(p.user.uid == 0U);
    BOOST_TEST((parse_process(to_json(p)) == p));
}

BOOST_AUTO_TEST_CASE(process_errors_are_relative_to_the_document) {
    BOOST_TEST(test::error_of([] { parse_process(R"({"args": ["ls"], "cwd": "tmp"})"); }) ==
               "process.json: .cwd: \"tmp\" is not an absolute path");
    BOOST_TEST(test::error_of([] { parse_process(R"({"args": ["ls"]})", "exec.json"); }) ==
               "exec.json: .cwd: missing required field");
    BOOST_TEST(test::error_of([] { parse_process(R"({"args": ["ls"], "cwd": "/", "user": {"uid": 0}})"); }) ==
               "process.json: .user.gid: missing required field");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(compatibility)

BOOST_AUTO_TEST_CASE(unknown_fields_are_ignored_everywhere) {
    Config c = parse_config(R"({
        "ociVersion": "1.2.0", "future": {"x": [1, 2, {"y": null}]},
        "root": {"path": "rootfs", "unknown": 1},
        "mounts": [{"destination": "/x", "flavour": "salty"}],
        "process": {"args": ["sh"], "cwd": "/", "user": {"uid": 1, "gid": 2, "username": "bob"},
                    "capabilities": {"bounding": ["CAP_KILL"], "magic": ["CAP_EVERYTHING"]}},
        "hooks": {"prestart": [{"path": "/h", "when": "always"}], "preflight": [{}]},
        "windows": {"layerFolders": ["C:\\layers"]}, "solaris": {"milestone": "x"}, "vm": {"kernel": {}},
        "linux": {"namespaces": [{"type": "pid", "flags": 3}],
                  "resources": {"memory": {"limit": 1, "highmem": true}, "gpu": {}},
                  "seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "archMap": [], "comment": "c",
                              "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW",
                                            "includes": {"caps": ["CAP_SYS_ADMIN"]}, "excludes": {}}]}}
    })");
    BOOST_TEST(c.oci_version == "1.2.0");
    BOOST_TEST(c.mounts.at(0).destination == "/x");
    BOOST_TEST(c.process->user.gid == 2U);
    BOOST_TEST(c.hooks->prestart.at(0).path == "/h");
    BOOST_TEST(c.linux_->resources->memory->limit == std::optional<std::int64_t>(1));
    BOOST_TEST(c.linux_->seccomp->syscalls.at(0).names.at(0) == "read");
}

BOOST_AUTO_TEST_CASE(null_members_count_as_absent) {
    Config c = parse_config(R"({"ociVersion": "1.0.0", "process": null, "annotations": null,
        "linux": {"namespaces": null, "seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": null}}})");
    BOOST_TEST(!c.process);
    BOOST_TEST(c.linux_->namespaces.empty());
    BOOST_TEST(c.linux_->seccomp->syscalls.empty());
}

BOOST_AUTO_TEST_CASE(last_repeated_key_wins) {
    Config c = parse_config(R"({"ociVersion": 7, "hostname": "a", "ociVersion": "1.0.0", "hostname": "b",
        "annotations": {"k": 1, "k": "2", "j": "3"}})");
    BOOST_TEST(c.hostname == "b");
    BOOST_TEST(c.annotations.size() == 2U);
    BOOST_TEST(c.annotations.at("k") == "2");
    // Many members take the hashed path of the duplicate check.
    std::string many = R"({"ociVersion": "1.0.0", "annotations": {)";
    for (int i = 0; i < 100; ++i) {
        many += fmt::format(R"("k{}": "{}", )", i % 40, i);
    }
    many += R"("end": "x"}})";
    Config m = parse_config(many);
    BOOST_TEST(m.annotations.size() == 41U);
    BOOST_TEST(m.annotations.at("k0") == "80");
    BOOST_TEST(m.annotations.at("k39") == "79");
}

BOOST_AUTO_TEST_CASE(spec_allowances_are_accepted) {
    // config.md#mounts: relative destinations are deprecated, not invalid.
    Config c = parse_config(R"({"ociVersion": "1.1.0-rc.1+build.5", "mounts": [{"destination": "data"}],
        "linux": {"namespaces": [{"type": "user", "path": "/proc/1/ns/user"}, {"type": "time"}],
                  "uidMappings": [{"containerID": 0, "hostID": 1, "size": 1}],
                  "timeOffsets": {"monotonic": {}},
                  "devices": [{"type": "p", "path": "/dev/p"}],
                  "seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/sock"},
                  "memoryPolicy": {"mode": "MPOL_PREFERRED"}}})");
    BOOST_TEST(c.mounts.at(0).destination == "data");
    BOOST_TEST(c.linux_->uid_mappings.size() == 1U);
    BOOST_TEST(c.linux_->time_offsets.at("monotonic").secs == 0);
}

BOOST_AUTO_TEST_CASE(runc_and_crun_specs_parse_and_round_trip) {
    for (const char* name : {"runc_spec.json", "runc_spec_rootless.json", "crun_spec.json",
                             "crun_spec_rootless.json"}) {
        BOOST_TEST_CONTEXT(name) {
            Config c = parse_config(test::read_fixture(name));
            BOOST_TEST(c.process->args.at(0) == "sh");
            BOOST_TEST(c.root->path == "rootfs");
            BOOST_TEST(c.linux_->has_namespace(NamespaceType::mount));
            BOOST_TEST((parse_config(to_json(c, true)) == c));
        }
    }
    Config rootless = parse_config(test::read_fixture("runc_spec_rootless.json"));
    BOOST_TEST(rootless.linux_->has_namespace(NamespaceType::user));
    BOOST_TEST(rootless.linux_->uid_mappings.size() == 1U);
}

// The installed tools' current output, where they are installed.
BOOST_AUTO_TEST_CASE(live_runc_and_crun_spec_output_parses) {
    for (const char* tool : {"runc", "crun"}) {
        for (const char* flags : {"", " --rootless"}) {
            if (std::system(fmt::format("command -v {} >/dev/null 2>&1", tool).c_str()) != 0) {
                BOOST_TEST_MESSAGE(tool << " is not installed; skipped");
                continue;
            }
            char dir[] = "/tmp/berth-oci-spec-XXXXXX";
            BOOST_REQUIRE(mkdtemp(dir) != nullptr);
            int rc = std::system(fmt::format("cd {} && {} spec{}", dir, tool, flags).c_str());
            BOOST_TEST_CONTEXT(tool << flags) {
                BOOST_REQUIRE(rc == 0);
                std::ifstream in(std::string(dir) + "/config.json");
                std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
                BOOST_TEST(parse_config(text).process->args.at(0) == "sh");
            }
            std::filesystem::remove_all(dir);
        }
    }
}

BOOST_AUTO_TEST_CASE(podman_seccomp_profile_parses_as_linux_seccomp) {
    const char* path = "/usr/share/containers/seccomp.json";
    std::ifstream in(path);
    if (!in) {
        BOOST_TEST_MESSAGE(path << " is not installed; skipped");
        return;
    }
    std::string profile((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string text = R"({"ociVersion": "1.0.0", "linux": {"seccomp": )" + profile + "}}";
    Config c = parse_config(text);
    BOOST_REQUIRE(c.linux_->seccomp);
    BOOST_TEST(c.linux_->seccomp->default_action == "SCMP_ACT_ERRNO");
    BOOST_TEST(c.linux_->seccomp->syscalls.size() > 10U);
    BOOST_TEST((parse_config(to_json(c)) == c));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace berth::oci
