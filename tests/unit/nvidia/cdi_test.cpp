// CDI qualified names, spec files in JSON and YAML (0.3.0-1.1.0), and the registry.
#include "hooks/nvidia/cdi_names.hpp"
#include "hooks/nvidia/cdi_spec.hpp"
#include "hooks/nvidia/requirements.hpp"
#include "hooks/nvidia/yaml.hpp"
#include "test_util.hpp"

#include <boost/test/unit_test.hpp>

namespace berth::nvidia {
namespace {

using test::TempDir;

// As `nvidia-ctk cdi generate --format yaml` writes it (trimmed; real host paths).
constexpr const char* kCtkYaml = R"(---
cdiVersion: 0.5.0
kind: nvidia.com/gpu
devices:
- name: "0"
  containerEdits:
    deviceNodes:
    - path: /dev/nvidia0
- name: GPU-3b4ef2b0-6b3a-9f43-f16f-5e6b1f8f0c4e
  containerEdits:
    deviceNodes:
    - path: /dev/nvidia0
- name: all
  containerEdits:
    deviceNodes:
    - path: /dev/nvidia0
    - path: /dev/nvidia1
containerEdits:
  env:
  - NVIDIA_VISIBLE_DEVICES=void
  - NVIDIA_CTK_LIBCUDA_DIR=/usr/lib/x86_64-linux-gnu
  deviceNodes:
  - path: /dev/nvidia-modeset
  - path: /dev/nvidiactl
  hooks:
  - hookName: createContainer
    path: /usr/bin/nvidia-cdi-hook
    args:
    - nvidia-cdi-hook
    - create-symlinks
    - --link
    - libcuda.so.1::/usr/lib/x86_64-linux-gnu/libcuda.so
  - hookName: createContainer
    path: '/usr/bin/nvidia-cdi-hook'
    args: [nvidia-cdi-hook, update-ldcache, --folder, /usr/lib/x86_64-linux-gnu]
  mounts:
  - hostPath: /usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15
    containerPath: /usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15
    options:
    - ro
    - nosuid
    - nodev
    - bind
  - hostPath: /run/nvidia-persistenced/socket
    containerPath: /run/nvidia-persistenced/socket
    options: [nosuid, nodev, bind, noexec]
)";

constexpr const char* kJson = R"({
  "cdiVersion": "0.3.0",
  "kind": "vendor.com/device",
  "devices": [
    {"name": "dev0", "containerEdits": {"deviceNodes": [{"path": "/dev/foo0", "type": "c", "major": 10,
      "minor": 200, "fileMode": 438, "permissions": "rw", "uid": 1000, "gid": 1000}]}}
  ],
  "containerEdits": {"env": ["FOO=bar"],
    "hooks": [{"hookName": "poststop", "path": "/bin/true", "args": ["true"], "env": ["A=b"], "timeout": 5}]}
})";

std::string with(std::string text, const std::string& from, const std::string& to) {
    size_t at = text.find(from);
    BOOST_REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

BOOST_AUTO_TEST_SUITE(cdi_names)

BOOST_AUTO_TEST_CASE(valid_names) {
    auto q = parse_qualified_name("nvidia.com/gpu=0");
    BOOST_TEST(q.vendor == "nvidia.com");
    BOOST_TEST(q.class_ == "gpu");
    BOOST_TEST(q.name == "0");
    BOOST_TEST(q.kind() == "nvidia.com/gpu");
    BOOST_TEST(parse_qualified_name("k8s.device-plugin.nvidia.com/gpu=MIG-1:2").str() ==
               "k8s.device-plugin.nvidia.com/gpu=MIG-1:2");
    BOOST_TEST(parse_qualified_name("a/b.c_d-e=GPU-3b4ef2b0-6b3a").name == "GPU-3b4ef2b0-6b3a");
}

BOOST_AUTO_TEST_CASE(invalid_names) {
    NV_CHECK_THROWS_WITH(parse_qualified_name("gpu0"), "not of the form vendor/class=name");
    NV_CHECK_THROWS_WITH(parse_qualified_name("nvidia.com/gpu="), "not of the form");
    NV_CHECK_THROWS_WITH(parse_qualified_name("/gpu=0"), "not of the form");
    NV_CHECK_THROWS_WITH(parse_qualified_name("1vendor/gpu=0"), "vendor must start with a letter");
    NV_CHECK_THROWS_WITH(parse_qualified_name("vendor-/gpu=0"), "vendor must end with a letter or digit");
    NV_CHECK_THROWS_WITH(parse_qualified_name("ven dor/gpu=0"), "vendor has an invalid character ' '");
    NV_CHECK_THROWS_WITH(parse_qualified_name("v/g:pu=0"), "class has an invalid character ':'");
    NV_CHECK_THROWS_WITH(parse_qualified_name("v/gpu=-0"), "name must start with a letter or digit");
    NV_CHECK_THROWS_WITH(parse_qualified_name("v/gpu=0/1"), "name has an invalid character '/'");
    BOOST_TEST(!looks_qualified("0"));
    BOOST_TEST(!looks_qualified("GPU-1"));
    BOOST_TEST(looks_qualified("a/b=c"));
}

BOOST_AUTO_TEST_CASE(annotations) {
    std::map<std::string, std::string> a{
        {"cdi.k8s.io/p_1", "v.com/c=1, v.com/c=2"}, {"cdi.k8s.io/p_2", "v.com/c=2"}, {"io.other/x", "junk"}};
    BOOST_TEST(cdi_names_from_annotations(a, {"cdi.k8s.io/"}) ==
               (std::vector<std::string>{"v.com/c=1", "v.com/c=2"}));
    BOOST_TEST(cdi_names_from_annotations(a, {"nothing/"}).empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(cdi_spec)

BOOST_AUTO_TEST_CASE(nvidia_ctk_yaml) {
    CdiSpec spec = parse_cdi_spec(kCtkYaml, "/etc/cdi/nvidia.yaml");
    BOOST_TEST(spec.version == "0.5.0");
    BOOST_TEST(spec.kind == "nvidia.com/gpu");
    BOOST_REQUIRE_EQUAL(spec.devices.size(), 3u);
    BOOST_TEST(spec.devices[0].name == "0");
    BOOST_TEST(spec.devices[2].edits.device_nodes.size() == 2u);
    BOOST_TEST(spec.edits.env.at(0) == "NVIDIA_VISIBLE_DEVICES=void");
    BOOST_REQUIRE_EQUAL(spec.edits.hooks.size(), 2u);
    BOOST_TEST((spec.edits.hooks[1].stage == HookStage::create_container));
    BOOST_TEST(spec.edits.hooks[1].hook.args.at(1) == "update-ldcache");
    BOOST_TEST(spec.edits.mounts.at(1).options.at(3) == "noexec");
    BOOST_TEST(minimum_cdi_version(spec) == "0.5.0");  // a name that starts with a digit
}

BOOST_AUTO_TEST_CASE(json_spec_with_every_node_field) {
    CdiSpec spec = parse_cdi_spec(kJson, "spec.json");
    const DeviceNodeEdit& n = spec.devices.at(0).edits.device_nodes.at(0);
    BOOST_TEST(n.type == "c");
    BOOST_TEST(*n.major == 10);
    BOOST_TEST(*n.minor == 200);
    BOOST_TEST(*n.file_mode == 0666u);
    BOOST_TEST(n.permissions == "rw");
    BOOST_TEST(*n.uid == 1000u);
    BOOST_TEST(*spec.edits.hooks.at(0).hook.timeout == 5);
    BOOST_TEST((spec.edits.hooks.at(0).stage == HookStage::poststop));
    BOOST_TEST(minimum_cdi_version(spec) == "0.3.0");
}

BOOST_AUTO_TEST_CASE(every_known_version_loads) {
    for (std::string_view v : cdi_versions()) {
        BOOST_TEST_CONTEXT(v) {
            BOOST_TEST(parse_cdi_spec(with(kJson, "0.3.0", std::string(v)), "s").version == v);
            // The YAML spec has a device named "0", which needs 0.5.0.
            if (*compare_versions(v, "0.5.0") >= 0)
                BOOST_TEST(parse_cdi_spec(with(kCtkYaml, "0.5.0", std::string(v)), "s.yaml").devices.size() ==
                           3u);
            else
                NV_CHECK_THROWS_WITH(parse_cdi_spec(with(kCtkYaml, "0.5.0", std::string(v)), "s.yaml"),
                                     "needs cdiVersion 0.5.0");
        }
    }
    NV_CHECK_THROWS_WITH(parse_cdi_spec(with(kJson, "0.3.0", "0.2.0"), "s"),
                         "s: .cdiVersion: unsupported version '0.2.0'");
    NV_CHECK_THROWS_WITH(parse_cdi_spec(with(kJson, "0.3.0", "2.0.0"), "s"), "unsupported version");
}

BOOST_AUTO_TEST_CASE(fields_need_their_version) {
    struct Case {
        const char* from;
        const char* to;
        const char* need;
    };
    const Case cases[] = {
        {R"("path": "/dev/foo0")", R"("path": "/dev/foo0", "hostPath": "/dev/x")",
         "device node hostPath needs cdiVersion 0.5.0"},
        {R"("name": "dev0")", R"("name": "0dev")", "needs cdiVersion 0.5.0"},
        {R"("kind": "vendor.com/device")", R"("kind": "vendor.com/dev.ice")",
         "a dot in the class name needs cdiVersion 0.6.0"},
        {R"("devices": [)", R"("annotations": {"a": "b"}, "devices": [)",
         "annotations needs cdiVersion 0.6.0"},
        {R"("env": ["FOO=bar"])", R"("env": ["FOO=bar"], "additionalGids": [5])",
         "additionalGids needs cdiVersion 0.7.0"},
        {R"("env": ["FOO=bar"])", R"("env": ["FOO=bar"], "intelRdt": {"closID": "x"})",
         "intelRdt needs cdiVersion 0.7.0"},
        {R"("env": ["FOO=bar"])",
         R"("env": ["FOO=bar"], "netDevices": [{"hostInterfaceName": "eth1", "name": "e"}])",
         "netDevices needs cdiVersion 1.1.0"},
        {R"("env": ["FOO=bar"])",
         R"("env": ["FOO=bar"], "mounts": [{"hostPath": "/a", "containerPath": "/b", "type": "bind"}])",
         "mount type needs cdiVersion 0.4.0"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.to) {
            NV_CHECK_THROWS_WITH(parse_cdi_spec(with(kJson, c.from, c.to), "s"), c.need);
            BOOST_CHECK_NO_THROW(parse_cdi_spec(with(with(kJson, c.from, c.to), "0.3.0", "1.1.0"), "s"));
        }
    }
}

BOOST_AUTO_TEST_CASE(invalid_specs_are_rejected) {
    struct Case {
        const char* from;
        const char* to;
        const char* error;
    };
    const Case cases[] = {
        {R"("kind": "vendor.com/device")", R"("kind": "vendor.com/device", "bogus": 1)",
         "s: .bogus: unknown field"},
        {R"("minor": 200)", R"("minor": 200, "majr": 1)",
         ".devices[0].containerEdits.deviceNodes[0].majr: unknown field"},
        {R"("kind": "vendor.com/device")", R"("kind": "device")", ".kind: invalid kind 'device'"},
        {R"("name": "dev0")", R"("name": "dev/0")", "invalid device name 'dev/0'"},
        {R"("type": "c")", R"("type": "x")", "invalid device type 'x'"},
        {R"("permissions": "rw")", R"("permissions": "rwx")", "invalid permissions 'rwx'"},
        {R"("major": 10)", R"("major": -1)", ".major: expected an integer"},
        {R"("major": 10)", R"("major": "10")", ".major: expected an integer"},
        {R"(["FOO=bar"])", R"(["FOO"])", "invalid environment variable 'FOO'"},
        {R"("hookName": "poststop")", R"("hookName": "later")", "invalid hook name 'later'"},
        {R"("timeout": 5)", R"("timeout": 0)", ".timeout: expected an integer from 1"},
        {R"({"path": "/dev/foo0")", R"({"pth": "/dev/foo0")", ".path: required"},
        {R"("cdiVersion": "0.3.0",)", "", ".cdiVersion: required"},
        {R"("name": "dev0", "containerEdits": {)",
         R"("name": "dev0", "containerEdits": {"env": [], "x": {}}, "y": {)", "unknown field"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.to) {
            NV_CHECK_THROWS_WITH(parse_cdi_spec(with(kJson, c.from, c.to), "s"), c.error);
        }
    }
    NV_CHECK_THROWS_WITH(parse_cdi_spec(R"({"cdiVersion": "0.3.0", "kind": "a/b", "devices": []})", "s"),
                         "no devices");
    NV_CHECK_THROWS_WITH(parse_cdi_spec(R"({"cdiVersion": "0.3.0", "kind": "a/b", "devices": [{"name": "x",
        "containerEdits": {}}]})",
                                        "s"),
                         "empty container edits");
    NV_CHECK_THROWS_WITH(parse_cdi_spec(R"({"cdiVersion": "0.3.0", "kind": "a/b", "devices": [
        {"name": "x", "containerEdits": {"env": ["A=1"]}}, {"name": "x", "containerEdits": {"env": ["A=1"]}}]})",
                                        "s"),
                         "device 'x' defined twice");
    NV_CHECK_THROWS_WITH(parse_cdi_spec("{\"cdiVersion\": ", "s.json"), "s.json: line 1");
    NV_CHECK_THROWS_WITH(parse_cdi_spec("cdiVersion: [0.3.0\nkind: a/b\n", "s.yaml"), "s.yaml: line");
}

BOOST_AUTO_TEST_CASE(yaml_subset_and_limits) {
    json::Value v =
        parse_yaml("a: 1\nb: 0x10\nc: \"1\"\nd: true\ne: ~\nf: [x, 'y']\ng: 0o17\nh: -3\ni: 1.5\n", "y");
    BOOST_TEST((v.find("a")->kind == json::Value::Kind::number));
    BOOST_TEST(v.find("b")->text == "16");
    BOOST_TEST((v.find("c")->kind == json::Value::Kind::string));
    BOOST_TEST(v.find("d")->boolean);
    BOOST_TEST((v.find("e")->kind == json::Value::Kind::null));
    BOOST_TEST(v.find("f")->items.at(1).text == "y");
    BOOST_TEST(v.find("g")->text == "15");
    BOOST_TEST(v.find("h")->text == "-3");
    BOOST_TEST((v.find("i")->kind == json::Value::Kind::string));
    NV_CHECK_THROWS_WITH(parse_yaml("a: &x 1\nb: *x\n", "y"), "anchors are not supported");
    NV_CHECK_THROWS_WITH(parse_yaml("a: 1\n---\nb: 2\n", "y"), "more than one document");
    NV_CHECK_THROWS_WITH(parse_yaml("", "y"), "empty document");
    NV_CHECK_THROWS_WITH(parse_yaml(std::string(300, '['), "y"), "y: line");
    NV_CHECK_THROWS_WITH(parse_yaml(std::string(150, '[') + std::string(150, ']'), "y"), "nested too deeply");
    NV_CHECK_THROWS_WITH(parse_yaml("a: b: c\n", "y"), "y: line 1, column");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(cdi_registry)

std::string spec_text(const std::string& kind, const std::string& name, const std::string& env) {
    return R"({"cdiVersion": "0.5.0", "kind": ")" + kind + R"(", "containerEdits": {"env": ["SPEC=)" + kind +
           R"("]}, "devices": [{"name": ")" + name + R"(", "containerEdits": {"env": [")" + env + R"("]}}]})";
}

BOOST_AUTO_TEST_CASE(later_dirs_win_and_equal_priority_conflicts) {
    TempDir t;
    t.write("etc/a.json", spec_text("v.com/gpu", "0", "FROM=etc"));
    t.write("run/a.yaml",
            "cdiVersion: 0.5.0\nkind: v.com/gpu\ndevices:\n- name: \"0\"\n  containerEdits:\n"
            "    env: [FROM=run]\n");
    t.write("run/b.json", spec_text("v.com/gpu", "1", "ONE=1"));
    t.write("run/c.json", spec_text("v.com/gpu", "1", "ONE=2"));
    t.write("run/broken.json", "{");
    t.write("run/ignored.txt", "not a spec");
    CdiRegistry r = load_cdi_specs({t.path() + "/etc", t.path() + "/run", t.path() + "/missing"});
    BOOST_TEST(r.errors.size() == 1u);
    BOOST_TEST(r.device_names() == (std::vector<std::string>{"v.com/gpu=0"}));
    ContainerEdits e = r.resolve({"v.com/gpu=0"});
    BOOST_TEST(e.env == (std::vector<std::string>{"FROM=run"}));
    NV_CHECK_THROWS_WITH(r.resolve({"v.com/gpu=1"}), "defined twice at one priority: v.com/gpu=1");
    NV_CHECK_THROWS_WITH(r.resolve({"v.com/gpu=0", "v.com/gpu=7"}),
                         "nvidia: unresolvable CDI devices v.com/gpu=7 (known: v.com/gpu=0)");
    NV_CHECK_THROWS_WITH(r.resolve({"v.com/gpu=7"}), "spec errors: " + t.path() + "/run/broken.json");
}

BOOST_AUTO_TEST_CASE(spec_edits_come_once_before_the_first_device) {
    CdiRegistry r;
    CdiSpec a = parse_cdi_spec(spec_text("a.com/x", "1", "A1=1"), "a");
    a.devices.push_back(a.devices[0]);
    a.devices[1].name = "2";
    a.devices[1].edits.env = {"A2=1"};
    r.add(a, 0);
    r.add(parse_cdi_spec(spec_text("b.com/y", "1", "B1=1"), "b"), 0);
    ContainerEdits e = r.resolve({"a.com/x=1", "b.com/y=1", "a.com/x=2"});
    BOOST_TEST(e.env == (std::vector<std::string>{"SPEC=a.com/x", "A1=1", "SPEC=b.com/y", "B1=1", "A2=1"}));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace berth::nvidia
