// The documents the CLI builds: the default spec, the features document, bundle checks.
#include "cli/spec.hpp"
#include "oci/json.hpp"
#include "sys/mounts.hpp"
#include "oci/parse.hpp"

#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace berth;
namespace fs = std::filesystem;

namespace {

// A temporary bundle directory, removed at the end of the test.
struct TempBundle {
    fs::path dir;
    TempBundle() {
        std::string pattern = (fs::temp_directory_path() / "berth-cli-test-XXXXXX").string();
        BOOST_REQUIRE(::mkdtemp(pattern.data()));
        dir = pattern;
    }
    ~TempBundle() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    void write(const std::string& name, const std::string& text, fs::perms perms = fs::perms::owner_read |
                                                                                   fs::perms::owner_write) {
        std::ofstream(dir / name) << text;
        fs::permissions(dir / name, perms);
    }
};

bool has_namespace(const oci::LinuxConfig& l, oci::NamespaceType type) {
    return std::any_of(l.namespaces.begin(), l.namespaces.end(),
                       [type](const oci::Namespace& ns) { return ns.type == type; });
}

const json::Value& member(const json::Value& v, std::string_view key) {
    const json::Value* m = v.find(key);
    BOOST_REQUIRE_MESSAGE(m, "missing member " << key);
    return *m;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(documents)

BOOST_AUTO_TEST_CASE(default_spec_matches_runc_shape) {
    auto c = cli::default_spec(false, 0, 0);
    BOOST_TEST(c.oci_version == "1.3.0");
    BOOST_REQUIRE(c.process);
    BOOST_TEST(c.process->terminal);
    BOOST_TEST(c.process->args == std::vector<std::string>{"sh"}, boost::test_tools::per_element());
    BOOST_TEST(c.process->cwd == "/");
    BOOST_TEST(c.process->no_new_privileges);
    BOOST_REQUIRE(c.process->capabilities);
    BOOST_TEST(c.process->capabilities->bounding ==
                   (std::vector<std::string>{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}),
               boost::test_tools::per_element());
    BOOST_REQUIRE(c.process->rlimits.size() == 1u);
    BOOST_TEST(c.process->rlimits[0].type == "RLIMIT_NOFILE");
    BOOST_TEST(c.process->rlimits[0].hard == 1024u);
    BOOST_REQUIRE(c.root);
    BOOST_TEST(c.root->path == "rootfs");
    BOOST_TEST(c.root->readonly);
    std::vector<std::string> destinations;
    for (const auto& m : c.mounts) destinations.push_back(m.destination);
    BOOST_TEST(destinations == (std::vector<std::string>{"/proc", "/dev", "/dev/pts", "/dev/shm",
                                                         "/dev/mqueue", "/sys", "/sys/fs/cgroup"}),
               boost::test_tools::per_element());
    BOOST_REQUIRE(c.linux_);
    BOOST_TEST(c.linux_->namespaces.size() == 5u);
    BOOST_TEST(has_namespace(*c.linux_, oci::NamespaceType::network));
    BOOST_TEST(!has_namespace(*c.linux_, oci::NamespaceType::user));
    BOOST_TEST(c.linux_->masked_paths.size() == 10u);
    BOOST_TEST(c.linux_->readonly_paths.size() == 5u);
    BOOST_REQUIRE(c.linux_->resources);
    BOOST_REQUIRE(c.linux_->resources->devices.size() == 1u);
    BOOST_TEST(!c.linux_->resources->devices[0].allow);
    BOOST_TEST(c.linux_->resources->devices[0].access == "rwm");
}

BOOST_AUTO_TEST_CASE(rootless_spec_maps_the_user_and_keeps_host_network) {
    auto c = cli::default_spec(true, 1000, 1001);
    BOOST_REQUIRE(c.linux_);
    BOOST_TEST(has_namespace(*c.linux_, oci::NamespaceType::user));
    BOOST_TEST(!has_namespace(*c.linux_, oci::NamespaceType::network));
    BOOST_REQUIRE(c.linux_->uid_mappings.size() == 1u);
    BOOST_TEST(c.linux_->uid_mappings[0].container_id == 0u);
    BOOST_TEST(c.linux_->uid_mappings[0].host_id == 1000u);
    BOOST_TEST(c.linux_->uid_mappings[0].size == 1u);
    BOOST_REQUIRE(c.linux_->gid_mappings.size() == 1u);
    BOOST_TEST(c.linux_->gid_mappings[0].host_id == 1001u);
    BOOST_TEST(!c.linux_->resources);
    BOOST_TEST(c.mounts[5].type == "none");
    BOOST_TEST(c.mounts[5].options.front() == "rbind");
    BOOST_TEST((std::find(c.mounts[2].options.begin(), c.mounts[2].options.end(), "gid=5") ==
                c.mounts[2].options.end()));
}

BOOST_AUTO_TEST_CASE(default_specs_round_trip_through_the_parser) {
    for (bool rootless : {false, true}) {
        auto c = cli::default_spec(rootless, 1000, 1000);
        BOOST_TEST((oci::parse_config(oci::to_json(c, true)) == c));
    }
}

BOOST_AUTO_TEST_CASE(features_document_is_truthful_json) {
    auto doc = json::parse(cli::features_json(), "features");
    BOOST_TEST(member(doc, "ociVersionMin").text == "1.0.0");
    BOOST_TEST(member(doc, "ociVersionMax").text == "1.3.0");
    BOOST_TEST(member(doc, "hooks").items.size() == 6u);
    BOOST_TEST(!member(doc, "mountOptions").items.empty());
    const auto& l = member(doc, "linux");
    BOOST_TEST(member(l, "namespaces").items.size() == 8u);
    BOOST_TEST(member(l, "capabilities").items.size() == 41u);
    // Seccomp is listed from the compiler's own tables, so every name must be one it accepts.
    const auto& sc = member(l, "seccomp");
    BOOST_TEST(sc.find("enabled")->boolean);
    auto has = [](const json::Value& list, std::string_view name) {
        for (const auto& v : list.items)
            if (v.text == name) return true;
        return false;
    };
    BOOST_TEST(has(member(sc, "actions"), "SCMP_ACT_NOTIFY"));
    BOOST_TEST(has(member(sc, "operators"), "SCMP_CMP_MASKED_EQ"));
    BOOST_TEST(has(member(sc, "archs"), "SCMP_ARCH_X86_64"));
    BOOST_TEST(has(member(sc, "knownFlags"), "SECCOMP_FILTER_FLAG_LOG"));
    // Every listed mount option must be one the mount code parses (not passed on as data).
    for (const auto& opt : member(doc, "mountOptions").items) {
        auto parsed = sys::parse_mount_options({opt.text});
        BOOST_TEST(parsed.data.empty(), "mount option " << opt.text << " is listed but not parsed");
    }
    BOOST_TEST(has(member(doc, "mountOptions"), "rro"));
    // Idmapped mounts are implemented (runtime/idmapped_mounts.cpp), and both options parse.
    BOOST_TEST(member(member(member(l, "mountExtensions"), "idmap"), "enabled").boolean);
    BOOST_TEST(has(member(doc, "mountOptions"), "idmap"));
    BOOST_TEST(has(member(doc, "mountOptions"), "ridmap"));
    BOOST_TEST(member(member(l, "cgroup"), "v1").boolean);
    BOOST_TEST(member(member(doc, "annotations"), "berth.version").text.size() > 0u);
}

BOOST_AUTO_TEST_CASE(check_accepts_the_default_spec_with_a_rootfs) {
    TempBundle b;
    b.write("config.json", oci::to_json(cli::default_spec(false, 0, 0), true));
    fs::create_directory(b.dir / "rootfs");
    auto problems = cli::check_bundle(b.dir.string());
    BOOST_TEST(problems.empty(), (problems.empty() ? "" : problems.front()));
}

BOOST_AUTO_TEST_CASE(check_names_the_missing_config) {
    TempBundle b;
    auto problems = cli::check_bundle(b.dir.string());
    BOOST_REQUIRE(problems.size() == 1u);
    BOOST_TEST(problems[0].find("config.json") != std::string::npos);
    BOOST_TEST(problems[0].find("No such file or directory") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(check_names_the_rootfs_field) {
    TempBundle b;
    b.write("config.json", oci::to_json(cli::default_spec(false, 0, 0), true));
    auto problems = cli::check_bundle(b.dir.string());
    BOOST_REQUIRE(problems.size() == 1u);
    BOOST_TEST(problems[0].find(".root.path: ") != std::string::npos);
    b.write("rootfs", "not a directory");
    problems = cli::check_bundle(b.dir.string());
    BOOST_REQUIRE(problems.size() == 1u);
    BOOST_TEST(problems[0].find("is not a directory") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(check_names_each_bad_hook) {
    TempBundle b;
    auto config = cli::default_spec(false, 0, 0);
    config.hooks = oci::Hooks{};
    config.hooks->prestart.push_back(oci::Hook{(b.dir / "not-executable").string(), {}, {}, {}});
    config.hooks->poststop.push_back(oci::Hook{(b.dir / "ok-hook").string(), {}, {}, {}});
    config.hooks->poststop.push_back(oci::Hook{"/nonexistent/hook", {}, {}, {}});
    b.write("config.json", oci::to_json(config, true));
    b.write("not-executable", "#!/bin/sh\n");
    b.write("ok-hook", "#!/bin/sh\n", fs::perms::owner_all);
    fs::create_directory(b.dir / "rootfs");
    auto problems = cli::check_bundle(b.dir.string());
    BOOST_REQUIRE(problems.size() == 2u);
    BOOST_TEST(problems[0].find(".hooks.prestart[0].path: ") != std::string::npos);
    // Root can execute nothing without an x bit either: access(X_OK) checks the bits for root.
    BOOST_TEST(problems[0].find("is not executable") != std::string::npos);
    BOOST_TEST(problems[1].find(".hooks.poststop[1].path: ") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(check_reports_parse_errors_with_the_json_path) {
    TempBundle b;
    b.write("config.json", R"({"ociVersion": "1.3.0", "root": {"path": "rootfs"},
        "linux": {"namespaces": [{"type": "pid"}, {"type": "bogus"}]}})");
    auto problems = cli::check_bundle(b.dir.string());
    BOOST_REQUIRE(problems.size() == 1u);
    BOOST_TEST(problems[0].find(".linux.namespaces[1].type") != std::string::npos, problems[0]);
}

BOOST_AUTO_TEST_SUITE_END()
