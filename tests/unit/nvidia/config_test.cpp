// The "nvidia" object of berth's config file.
#include "hooks/nvidia/config.hpp"
#include "test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdlib>

namespace berth::nvidia {
namespace {

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(defaults_without_an_nvidia_object) {
    NvidiaConfig c = parse_nvidia_config(R"({"runtime": {"anything": 1}})", "config.json");
    BOOST_TEST((c == NvidiaConfig{}));
    BOOST_TEST(c.driver_root == "/");
    BOOST_TEST(c.effective_dev_root() == "/");
    BOOST_TEST(c.cdi_spec_dirs == (std::vector<std::string>{"/etc/cdi", "/var/run/cdi"}));
    BOOST_TEST(c.accept_envvar_unprivileged);
    BOOST_TEST(!c.accept_volume_mounts);
    BOOST_TEST(effective_hook_path(c).ends_with("/berth-nvidia-hook"));
    BOOST_TEST(effective_ldconfig(c).starts_with("@/sbin/ldconfig"));
}

BOOST_AUTO_TEST_CASE(every_field) {
    NvidiaConfig c = parse_nvidia_config(R"({"nvidia": {
        "driverRoot": "/run/nvidia/driver", "devRoot": "/", "procRoot": "/host",
        "cdiSpecDirs": ["/etc/cdi"], "cdiAnnotationPrefixes": ["cdi.k8s.io/", "x/"],
        "acceptEnvvarUnprivileged": false, "acceptVolumeMounts": true,
        "ldconfig": "/sbin/ldconfig", "hookPath": "/opt/hook"}})",
                                         "c");
    BOOST_TEST(c.driver_root == "/run/nvidia/driver");
    BOOST_TEST(c.effective_dev_root() == "/");
    BOOST_TEST(c.proc_root == "/host");
    BOOST_TEST(c.cdi_spec_dirs.size() == 1u);
    BOOST_TEST(c.cdi_annotation_prefixes.size() == 2u);
    BOOST_TEST(!c.accept_envvar_unprivileged);
    BOOST_TEST(c.accept_volume_mounts);
    BOOST_TEST(effective_ldconfig(c) == "/sbin/ldconfig");
    BOOST_TEST(effective_hook_path(c) == "/opt/hook");
    NvidiaConfig d = parse_nvidia_config(R"({"nvidia": {"driverRoot": "/drv"}})", "c");
    BOOST_TEST(d.effective_dev_root() == "/drv");
    BOOST_TEST(parse_nvidia_config(R"({"nvidia": {"ldconfig": "@/sbin/ldconfig.real"}})", "c").ldconfig ==
               "@/sbin/ldconfig.real");
}

BOOST_AUTO_TEST_CASE(errors_name_the_field) {
    NV_CHECK_THROWS_WITH(
        parse_nvidia_config(R"({"nvidia": {"driverRoot": "relative"}})", "/etc/berth/config.json"),
        "/etc/berth/config.json: .nvidia.driverRoot: must be an absolute path");
    NV_CHECK_THROWS_WITH(parse_nvidia_config(R"({"nvidia": {"driverroot": "/"}})", "c"),
                         ".nvidia.driverroot: unknown field");
    NV_CHECK_THROWS_WITH(parse_nvidia_config(R"({"nvidia": {"acceptVolumeMounts": "yes"}})", "c"),
                         ".nvidia.acceptVolumeMounts: expected true or false");
    NV_CHECK_THROWS_WITH(parse_nvidia_config(R"({"nvidia": {"cdiSpecDirs": "/etc/cdi"}})", "c"),
                         ".nvidia.cdiSpecDirs: expected an array");
    NV_CHECK_THROWS_WITH(parse_nvidia_config(R"({"nvidia": {"cdiSpecDirs": ["cdi"]}})", "c"),
                         "must be an absolute path");
    NV_CHECK_THROWS_WITH(parse_nvidia_config(R"({"nvidia": {"ldconfig": "@ldconfig"}})", "c"),
                         ".nvidia.ldconfig");
    NV_CHECK_THROWS_WITH(parse_nvidia_config(R"({"nvidia": []})", "c"), ".nvidia: expected an object");
    NV_CHECK_THROWS_WITH(parse_nvidia_config("[]", "c"), "c: .: expected an object");
    NV_CHECK_THROWS_WITH(parse_nvidia_config("{", "c"), "c: line 1");
}

BOOST_AUTO_TEST_CASE(berth_config_env_selects_the_file) {
    test::TempDir t;
    std::string path = t.write("config.json", R"({"nvidia": {"procRoot": "/fake"}})");
    ::setenv("BERTH_CONFIG", path.c_str(), 1);
    BOOST_TEST(load_nvidia_config().proc_root == "/fake");
    ::setenv("BERTH_CONFIG", (t.path() + "/missing.json").c_str(), 1);
    NV_CHECK_THROWS_WITH(load_nvidia_config(), "missing.json\" (BERTH_CONFIG): no such file");
    ::unsetenv("BERTH_CONFIG");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace berth::nvidia
