// Applying container edits to an OCI config (CDI semantics, idempotent), the env-var
// plan, and the no-GPU guarantee (the config is left exactly as it was).
#include "hooks/nvidia/edits.hpp"
#include "hooks/nvidia/inject.hpp"
#include "hooks/nvidia/plan.hpp"
#include "oci/parse.hpp"
#include "test_util.hpp"

#include <sys/stat.h>

#include <boost/test/unit_test.hpp>

namespace berth::nvidia {
namespace {

constexpr const char* kConfig = R"({
  "ociVersion": "1.0.2",
  "root": {"path": "rootfs"},
  "process": {"user": {"uid": 1000, "gid": 1000}, "args": ["sh"], "cwd": "/",
              "env": ["PATH=/bin", "NVIDIA_DRIVER_CAPABILITIES=all", "CUDA_VERSION=12.0", "NVIDIA_REQUIRE_CUDA=cuda>=12"]},
  "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
             {"destination": "/dev", "type": "tmpfs", "source": "tmpfs"},
             {"destination": "/dev/pts", "type": "devpts", "source": "devpts"}],
  "annotations": {"org.example": "x"},
  "linux": {"namespaces": [{"type": "mount"}]}
})";

DeviceNodeEdit node(std::string path, std::string type, std::optional<std::int64_t> major = std::nullopt,
                    std::optional<std::int64_t> minor = std::nullopt, std::string permissions = "") {
    DeviceNodeEdit n;
    n.path = std::move(path);
    n.type = std::move(type);
    n.major = major;
    n.minor = minor;
    n.permissions = std::move(permissions);
    return n;
}

ContainerEdits sample_edits() {
    ContainerEdits e;
    e.env = {"NVIDIA_VISIBLE_DEVICES=void", "PATH=/usr/bin"};
    e.device_nodes.push_back(node("/dev/nvidia0", "c", 195, 0, "rw"));
    e.device_nodes.back().file_mode = 0666;
    e.device_nodes.push_back(node("/dev/nvidiactl", "c", 195, 255));
    e.mounts.push_back(MountEdit{"/host/libcuda.so.1", "/usr/lib/libcuda.so.1", "bind", {"ro", "bind"}});
    e.mounts.push_back(MountEdit{"/host/dev-thing", "/dev/shm/x", "bind", {"bind"}});
    e.hooks.push_back(
        HookEdit{HookStage::create_container, oci::Hook{"/bin/hook", {"hook", "a"}, {}, std::nullopt}});
    e.additional_gids = {0, 44};
    return e;
}

BOOST_AUTO_TEST_SUITE(edits)

BOOST_AUTO_TEST_CASE(apply_twice_is_apply_once) {
    oci::Config once = oci::parse_config(kConfig);
    apply_edits(sample_edits(), once);
    oci::Config twice = once;
    apply_edits(sample_edits(), twice);
    BOOST_TEST((once == twice));
    BOOST_TEST(oci::to_json(once) == oci::to_json(twice));
}

BOOST_AUTO_TEST_CASE(what_apply_does) {
    oci::Config c = oci::parse_config(kConfig);
    apply_edits(sample_edits(), c);
    BOOST_TEST(c.process->env == (std::vector<std::string>{
                                     "PATH=/usr/bin", "NVIDIA_DRIVER_CAPABILITIES=all", "CUDA_VERSION=12.0",
                                     "NVIDIA_REQUIRE_CUDA=cuda>=12", "NVIDIA_VISIBLE_DEVICES=void"}));
    const auto& devices = c.linux_->devices;
    BOOST_REQUIRE_EQUAL(devices.size(), 2u);
    BOOST_TEST(*devices[0].uid == 1000u);  // CDI: the process user owns unowned nodes
    const auto& rules = c.linux_->resources->devices;
    BOOST_REQUIRE_EQUAL(rules.size(), 2u);
    BOOST_TEST(rules[0].access == "rw");
    BOOST_TEST(rules[1].access == "rwm");
    BOOST_TEST(*rules[1].minor == 255);
    // Mounts sorted by depth: /dev/shm/x (3) after /dev/pts (2), libcuda (3) kept in order.
    std::vector<std::string> dests;
    for (const auto& m : c.mounts) dests.push_back(m.destination);
    BOOST_TEST(dests == (std::vector<std::string>{"/proc", "/dev", "/dev/pts", "/usr/lib/libcuda.so.1",
                                                  "/dev/shm/x"}));
    BOOST_TEST(c.hooks->create_container.size() == 1u);
    BOOST_TEST(c.process->user.additional_gids == (std::vector<std::uint32_t>{44}));
}

// In a user namespace: each node is a bind of its host node (hostPath, else path) and no
// linux.devices entry; the cgroup rule stays for a runtime that has a device cgroup.
BOOST_AUTO_TEST_CASE(bind_delivery_mounts_the_host_nodes) {
    oci::Config c = oci::parse_config(kConfig);
    ContainerEdits e = sample_edits();
    e.device_nodes[0].host_path = "/dev/null";
    e.device_nodes[1].path = "/dev/zero";
    apply_edits(e, c, NodeDelivery::bind);
    BOOST_TEST(c.linux_->devices.empty());
    BOOST_TEST(c.linux_->resources->devices.size() == 2u);
    std::vector<std::string> binds;
    for (const auto& m : c.mounts)
        if (m.destination.starts_with("/dev/nvidia") || m.destination == "/dev/zero")
            binds.push_back(m.source + ">" + m.destination + " " + m.type);
    BOOST_TEST(binds == (std::vector<std::string>{"/dev/null>/dev/nvidia0 bind", "/dev/zero>/dev/zero bind"}));
    BOOST_TEST(c.mounts[1].destination == "/dev");  // /dev's tmpfs first, then the nodes on it

    oci::Config d = oci::parse_config(kConfig);
    oci::Config before = d;
    ContainerEdits missing;
    missing.device_nodes.push_back(node("/dev/nvidia9", "c", 195, 9));
    missing.device_nodes.back().host_path = "/nonexistent/dev/nvidia9";
    NV_CHECK_THROWS_WITH(apply_edits(missing, d, NodeDelivery::bind),
                         "nvidia: device node '/dev/nvidia9': '/nonexistent/dev/nvidia9' does not exist");
    BOOST_TEST((d == before));
}

BOOST_AUTO_TEST_CASE(replacements_by_path_and_destination) {
    oci::Config c = oci::parse_config(kConfig);
    apply_edits(sample_edits(), c);
    ContainerEdits e;
    e.device_nodes.push_back(node("/dev/nvidia0", "c", 195, 7));
    e.mounts.push_back(MountEdit{"/other", "/usr/lib/libcuda.so.1", "bind", {"bind"}});
    apply_edits(e, c);
    BOOST_TEST(c.linux_->devices.size() == 2u);
    BOOST_TEST(c.linux_->devices[0].minor == 7);
    BOOST_TEST(c.linux_->resources->devices.size() == 3u);  // the old rule stays, as CDI leaves it
    BOOST_TEST(c.mounts.size() == 5u);
    BOOST_TEST(c.mounts.back().source == "/other");
}

BOOST_AUTO_TEST_CASE(a_failed_apply_changes_nothing) {
    oci::Config c = oci::parse_config(kConfig);
    oci::Config before = c;
    ContainerEdits e = sample_edits();
    e.device_nodes.push_back(node("/dev/x", "c"));
    NV_CHECK_THROWS_WITH(apply_edits(e, c), "device node '/dev/x' has no major/minor number");
    BOOST_TEST((c == before));
}

BOOST_AUTO_TEST_CASE(complete_device_nodes_from_the_host) {
    test::TempDir t;
    std::string fifo = t.path() + "/fifo";
    BOOST_REQUIRE_EQUAL(::mkfifo(fifo.c_str(), 0640), 0);
    ContainerEdits e;
    e.device_nodes.push_back(node("/dev/null", ""));
    e.device_nodes.push_back(node("/dev/p", ""));
    e.device_nodes.back().host_path = fifo;
    complete_device_nodes(e, "/");
    BOOST_TEST(e.device_nodes[0].type == "c");
    BOOST_TEST(*e.device_nodes[0].major == 1);
    BOOST_TEST(*e.device_nodes[0].minor == 3);
    BOOST_TEST(e.device_nodes[1].type == "p");
    BOOST_TEST(*e.device_nodes[1].file_mode == 0640u);
    ContainerEdits bad;
    bad.device_nodes.push_back(node("/dev/x", ""));
    bad.device_nodes[0].host_path = t.path();
    NV_CHECK_THROWS_WITH(complete_device_nodes(bad, "/"), "is not a device");
    bad.device_nodes[0].host_path = t.path() + "/missing";
    NV_CHECK_THROWS_WITH(complete_device_nodes(bad, "/"), "does not exist");
    bad.device_nodes[0] = node("/dev/null", "b");
    NV_CHECK_THROWS_WITH(complete_device_nodes(bad, "/"), "type 'b' but '/dev/null' is type 'c'");
}

BOOST_AUTO_TEST_CASE(no_gpu_request_leaves_the_config_byte_identical) {
    NvidiaConfig nowhere;  // any probing of these roots would throw
    nowhere.driver_root = nowhere.proc_root = "/nonexistent/berth";
    nowhere.cdi_spec_dirs = {"/nonexistent/cdi"};
    for (const char* extra : {"", R"("NVIDIA_VISIBLE_DEVICES=void", )", R"("NVIDIA_VISIBLE_DEVICES=", )"}) {
        std::string text = kConfig;
        text.replace(text.find("\"PATH=/bin\""), 0, extra);
        text.replace(text.find("\"CUDA_VERSION=12.0\", "), 21, "");
        oci::Config c = oci::parse_config(text);
        std::string before = oci::to_json(c, true);
        InjectResult r = inject_gpus(c, nowhere, "/nonexistent/rootfs");
        BOOST_TEST(!r.requested);
        BOOST_TEST(oci::to_json(c, true) == before);
    }
}

BOOST_AUTO_TEST_CASE(hook_stage_names) {
    for (const char* name :
         {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"})
        BOOST_TEST(to_string(*hook_stage_from_string(name)) == std::string(name));
    BOOST_TEST(!hook_stage_from_string("createcontainer"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(plan)

Driver synthetic_driver() {
    Driver d;
    d.version = "550.54.15";
    auto node = [](std::string name, std::uint32_t maj, std::uint32_t min) {
        return DeviceNodeInfo{"/dev/" + name, "/drv/dev/" + name, maj, min, 0666, 0, 0};
    };
    d.ctl = node("nvidiactl", 195, 255);
    d.uvm = node("nvidia-uvm", 511, 0);
    d.uvm_tools = node("nvidia-uvm-tools", 511, 1);
    d.modeset = node("nvidia-modeset", 195, 254);
    for (std::uint32_t i = 0; i < 2; ++i)
        d.gpus.push_back(Gpu{"GPU-" + std::to_string(i), "M", PciAddress{0, i + 1, 0, 0},
                             PciAddress{0, i + 1, 0, 0}.str(), i,
                             node("nvidia" + std::to_string(i), 195, i)});
    auto lib = [](std::string stem, Capability c, bool m32 = false) {
        return DriverFile{"/drv/lib/" + stem + ".so.550.54.15", stem + ".so.550.54.15", c, m32,
                          stem + ".so.1"};
    };
    d.libraries = {lib("libnvidia-ml", Capability::utility), lib("libcuda", Capability::compute),
                   lib("libcuda", Capability::compute, true), lib("libnvcuvid", Capability::video),
                   lib("libGLX_nvidia", Capability::graphics)};
    d.binaries = {DriverFile{"/drv/bin/nvidia-smi", "/usr/bin/nvidia-smi", Capability::utility, false, {}}};
    d.firmware = {DriverFile{
        "/drv/fw/gsp.bin", "/lib/firmware/nvidia/550.54.15/gsp.bin", Capability::utility, false, {}}};
    d.ipcs = {
        DriverFile{"/drv/run/socket", "/run/nvidia-persistenced/socket", Capability::utility, false, {}},
        DriverFile{"/drv/tmp/nvidia-mps", "/tmp/nvidia-mps", Capability::compute, false, {}}};
    return d;
}

PlanOptions options() {
    PlanOptions o;
    o.hook_path = "/usr/libexec/berth-nvidia-hook";
    o.ldconfig = "@/sbin/ldconfig";
    return o;
}

std::vector<std::string> container_paths(const ContainerEdits& e) {
    std::vector<std::string> out;
    for (const auto& m : e.mounts) out.push_back(m.container_path);
    return out;
}

BOOST_AUTO_TEST_CASE(utility_compute_on_gpu_one) {
    ContainerEdits e = plan_edits(synthetic_driver(), {{1}, {}, false, false}, CapabilitySet::defaults(), options());
    std::vector<std::string> nodes;
    for (const auto& n : e.device_nodes) nodes.push_back(n.path);
    BOOST_TEST(nodes == (std::vector<std::string>{"/dev/nvidiactl", "/dev/nvidia1", "/dev/nvidia-uvm",
                                                  "/dev/nvidia-uvm-tools"}));
    BOOST_TEST(e.device_nodes[1].permissions == "rw");
    BOOST_TEST(container_paths(e) ==
               (std::vector<std::string>{"/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.550.54.15",
                                         "/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15",
                                         "/usr/bin/nvidia-smi", "/lib/firmware/nvidia/550.54.15/gsp.bin",
                                         "/run/nvidia-persistenced/socket", "/tmp/nvidia-mps"}));
    BOOST_TEST(e.mounts[0].options == (std::vector<std::string>{"ro", "nosuid", "nodev", "bind"}));
    BOOST_TEST(e.mounts[4].options == (std::vector<std::string>{"nosuid", "nodev", "noexec", "bind"}));
    BOOST_REQUIRE_EQUAL(e.hooks.size(), 3u);
    for (const auto& h : e.hooks) {
        BOOST_TEST((h.stage == HookStage::create_container));
        BOOST_TEST(h.hook.path == "/usr/libexec/berth-nvidia-hook");
        BOOST_TEST(h.hook.env == (std::vector<std::string>{kHookPathEnv}));
    }
    BOOST_TEST(e.hooks[0].hook.args ==
               (std::vector<std::string>{"berth-nvidia-hook", "create-symlinks", "--link",
                                         "libcuda.so.1::/usr/lib/x86_64-linux-gnu/libcuda.so"}));
    BOOST_TEST(e.hooks[1].hook.args ==
               (std::vector<std::string>{"berth-nvidia-hook", "update-ldcache", "--ldconfig",
                                         "@/sbin/ldconfig", "--folder", "/usr/lib/x86_64-linux-gnu"}));
    BOOST_TEST(e.hooks[2].hook.args ==
               (std::vector<std::string>{"berth-nvidia-hook", "mask-procfs", "--gpu", "0000:02:00.0"}));
}

BOOST_AUTO_TEST_CASE(capability_matrix) {
    Driver d = synthetic_driver();
    auto paths = [&](CapabilitySet caps) { return container_paths(plan_edits(d, {}, caps, options())); };
    auto has = [](const std::vector<std::string>& v, const std::string& s) {
        return std::any_of(v.begin(), v.end(),
                           [&](const std::string& p) { return p.find(s) != std::string::npos; });
    };
    auto utility = paths({Capability::utility});
    BOOST_TEST(has(utility, "libnvidia-ml"));
    BOOST_TEST(!has(utility, "libcuda"));
    BOOST_TEST(!has(utility, "nvidia-mps"));
    auto video = paths({Capability::video});
    BOOST_TEST(has(video, "libnvcuvid"));
    BOOST_TEST(has(video, "libcuda"));  // video brings compute's libraries
    BOOST_TEST(!has(video, "nvidia-smi"));
    auto display = plan_edits(d, {}, {Capability::display}, options());
    BOOST_TEST(has(container_paths(display), "libGLX_nvidia"));
    BOOST_TEST(display.device_nodes.back().path == "/dev/nvidia-modeset");
    auto compat = paths({Capability::compute, Capability::compat32});
    BOOST_TEST(has(compat, "/usr/lib/i386-linux-gnu/libcuda.so.550.54.15"));
    BOOST_TEST(!has(paths({Capability::compute}), "i386"));
    // "none": no GPU node, still the control node, libraries and hooks.
    auto none = plan_edits(d, {}, CapabilitySet::defaults(), options());
    BOOST_TEST(none.device_nodes.size() == 3u);
    BOOST_TEST(none.hooks.back().hook.args == (std::vector<std::string>{"berth-nvidia-hook", "mask-procfs"}));
}

BOOST_AUTO_TEST_CASE(display_links_the_glx_module_by_its_unversioned_name) {
    Driver d = synthetic_driver();
    d.graphics = {DriverFile{"/drv/x/libglxserver_nvidia.so.550.54.15",
                             "/usr/lib/xorg/modules/extensions/libglxserver_nvidia.so.550.54.15", Capability::display,
                             false, {}}};
    auto symlink_hooks = [](const ContainerEdits& e) {
        std::vector<std::vector<std::string>> out;
        for (const auto& h : e.hooks)
            if (h.hook.args.at(1) == "create-symlinks") out.push_back(h.hook.args);
        return out;
    };
    auto display = symlink_hooks(plan_edits(d, {}, {Capability::display}, options()));
    BOOST_TEST(display == (std::vector<std::vector<std::string>>{
                              {"berth-nvidia-hook", "create-symlinks", "--link",
                               "libglxserver_nvidia.so.550.54.15::/usr/lib/xorg/modules/extensions/libglxserver_nvidia.so"}}));
    // With compute too, one hook carries both links.
    auto both = symlink_hooks(plan_edits(d, {}, {Capability::display, Capability::compute}, options()));
    BOOST_REQUIRE_EQUAL(both.size(), 1u);
    BOOST_TEST(both[0].size() == 6u);
    BOOST_TEST(symlink_hooks(plan_edits(d, {}, {Capability::graphics}, options())).empty());
}

BOOST_AUTO_TEST_CASE(mig_devices_bring_their_proc_access_files_to_mask_procfs) {
    Driver d = synthetic_driver();
    d.gpus[1].minor = 5;  // the path uses the GPU's minor, not its index
    auto cap = [](std::uint32_t n) {
        return DeviceNodeInfo{"/dev/nvidia-caps/nvidia-cap" + std::to_string(n), "/x", 510, n, 0444, 0, 0};
    };
    d.migs = {MigDevice{1, 1, 0, cap(12), cap(13)}, MigDevice{1, 1, 1, cap(12), cap(14)}};
    d.mig_config = cap(1);
    auto mask_args = [](const ContainerEdits& e) { return e.hooks.back().hook.args; };
    ContainerEdits e = plan_edits(d, {{1}, {0, 1}, false, false}, {Capability::utility}, options());
    BOOST_TEST(mask_args(e) == (std::vector<std::string>{"berth-nvidia-hook", "mask-procfs", "--gpu", "0000:02:00.0",
                                                         "--caps", "gpu5/mig/gi1/access", "--caps",
                                                         "gpu5/mig/gi1/ci0/access", "--caps", "gpu5/mig/gi1/ci1/access"}));
    // MIG config (or monitor): the whole capabilities directory, as libnvidia-container.
    e = plan_edits(d, {{1}, {0}, true, false}, {Capability::utility}, options());
    BOOST_TEST(mask_args(e) == (std::vector<std::string>{"berth-nvidia-hook", "mask-procfs", "--gpu", "0000:02:00.0",
                                                         "--caps", "."}));
    // No OCI mount under /proc: the mask would cover it.
    for (const auto& m : e.mounts) BOOST_TEST(!m.container_path.starts_with("/proc/"));
}

BOOST_AUTO_TEST_CASE(lib_dirs_follow_the_image) {
    test::TempDir t;
    t.write("deb/etc/debian_version", "12.5\n");
    t.write("rh/etc/redhat-release", "x\n");
    BOOST_TEST(container_lib_dirs(t.path() + "/deb").lib == "/usr/lib/x86_64-linux-gnu");
    BOOST_TEST((container_lib_dirs(t.path() + "/rh") == LibDirs{"/usr/lib64", "/usr/lib"}));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace berth::nvidia
