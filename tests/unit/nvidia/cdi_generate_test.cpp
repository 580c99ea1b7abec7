// `cdi generate` with MIG devices: their names ("<gpu>:<n>", "MIG-<uuid>" when NVML
// answered), their edits (the parent GPU's node, the GI and CI caps nodes, mask-procfs
// with --caps), that a name selects the same device as NVIDIA_VISIBLE_DEVICES does, that
// "all" covers them, and the same on the fake driver root with its fake NVML.
#include "hooks/nvidia/cdi_generate.hpp"
#include "hooks/nvidia/visible_devices.hpp"
#include "test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>

namespace berth::nvidia {
namespace {

using test::fake_root;

DeviceNodeInfo node(std::string name, std::uint32_t maj, std::uint32_t min) {
    return DeviceNodeInfo{"/dev/" + name, "/drv/dev/" + name, maj, min, 0666, 0, 0};
}

DeviceNodeInfo cap(std::uint32_t n) {
    return node("nvidia-caps/nvidia-cap" + std::to_string(n), 508, n);
}

// GPU 0 (minor 0) with one MIG device, GPU 1 (minor 5: caps paths use the minor) with three.
Driver mig_driver() {
    Driver d;
    d.version = "550.54.15";
    d.ctl = node("nvidiactl", 195, 255);
    d.uvm = node("nvidia-uvm", 511, 0);
    for (std::uint32_t i = 0; i < 2; ++i) {
        std::uint32_t minor = i == 0 ? 0 : 5;
        d.gpus.push_back(Gpu{"GPU-" + std::to_string(i), "M", PciAddress{0, i + 1, 0, 0},
                             PciAddress{0, i + 1, 0, 0}.str(), minor,
                             node("nvidia" + std::to_string(minor), 195, minor)});
    }
    d.migs = {MigDevice{0, 3, 0, cap(30), cap(31)}, MigDevice{1, 1, 0, cap(12), cap(13)},
              MigDevice{1, 1, 1, cap(12), cap(14)}, MigDevice{1, 2, 0, cap(21), cap(22)}};
    d.libraries = {DriverFile{"/drv/lib/libcuda.so.550.54.15", "libcuda.so.550.54.15", Capability::compute,
                              false, "libcuda.so.1"}};
    return d;
}

CdiGenerateOptions options() {
    return CdiGenerateOptions{
        .hook_path = "/usr/libexec/berth-nvidia-hook", .ldconfig = "@/sbin/ldconfig", .nvml = std::nullopt};
}

NvmlInfo mig_uuids() {
    NvmlInfo info;
    info.gpus = {NvmlGpu{"GPU-0", {}, {}, {{"MIG-aaaaaaaa-0000-0000-0000-000000000000", 3, 0}}},
                 NvmlGpu{"GPU-1", {}, {}, {{"MIG-bbbbbbbb-0000-0000-0000-000000000000", 1, 1}}}};
    return info;
}

std::vector<std::string> names(const CdiSpec& spec) {
    std::vector<std::string> out;
    for (const CdiDevice& d : spec.devices) out.push_back(d.name);
    return out;
}

const CdiDevice& device(const CdiSpec& spec, const std::string& name) {
    auto it = std::find_if(spec.devices.begin(), spec.devices.end(), [&](const CdiDevice& d) { return d.name == name; });
    BOOST_REQUIRE_MESSAGE(it != spec.devices.end(), "no device " << name);
    return *it;
}

std::vector<std::string> node_paths(const ContainerEdits& e) {
    std::vector<std::string> out;
    for (const DeviceNodeEdit& n : e.device_nodes) out.push_back(n.path);
    return out;
}

std::vector<std::string> mask_args(const ContainerEdits& e) {
    for (const HookEdit& h : e.hooks)
        if (h.hook.args.size() > 1 && h.hook.args[1] == "mask-procfs") return h.hook.args;
    return {};
}

BOOST_AUTO_TEST_SUITE(cdi_generate)

BOOST_AUTO_TEST_CASE(mig_devices_are_named_gpu_colon_nth_after_the_gpus) {
    CdiSpec spec = generate_cdi_spec(mig_driver(), options());
    BOOST_TEST(names(spec) == (std::vector<std::string>{"0", "GPU-0", "1", "GPU-1", "0:0", "1:0", "1:1", "1:2", "all"}));
    BOOST_TEST(spec.version == "0.5.0");
}

BOOST_AUTO_TEST_CASE(mig_uuid_names_only_from_nvml) {
    CdiGenerateOptions o = options();
    o.nvml = mig_uuids();
    CdiSpec spec = generate_cdi_spec(mig_driver(), o);
    // NVML knows two of the four: the others keep their index name only.
    BOOST_TEST(names(spec) ==
               (std::vector<std::string>{"0", "GPU-0", "1", "GPU-1", "0:0", "MIG-aaaaaaaa-0000-0000-0000-000000000000",
                                         "1:0", "1:1", "MIG-bbbbbbbb-0000-0000-0000-000000000000", "1:2", "all"}));
    BOOST_TEST((device(spec, "MIG-bbbbbbbb-0000-0000-0000-000000000000").edits == device(spec, "1:1").edits));
}

BOOST_AUTO_TEST_CASE(a_mig_device_brings_its_parent_node_caps_nodes_and_access_files) {
    CdiSpec spec = generate_cdi_spec(mig_driver(), options());
    const ContainerEdits& e = device(spec, "1:1").edits;
    BOOST_TEST(node_paths(e) == (std::vector<std::string>{"/dev/nvidia5", "/dev/nvidia-caps/nvidia-cap12",
                                                          "/dev/nvidia-caps/nvidia-cap14"}));
    BOOST_TEST(e.device_nodes[2].host_path == "/drv/dev/nvidia-caps/nvidia-cap14");
    BOOST_TEST(*e.device_nodes[2].major == 508u);
    BOOST_TEST(*e.device_nodes[2].minor == 14u);
    BOOST_TEST(e.device_nodes[2].permissions == "rw");
    // Libraries, firmware and nvidiactl are the spec's, once.
    BOOST_TEST(e.mounts.empty());
    BOOST_REQUIRE_EQUAL(e.hooks.size(), 1u);
    BOOST_TEST((e.hooks[0].stage == HookStage::create_container));
    BOOST_TEST(e.hooks[0].hook.path == "/usr/libexec/berth-nvidia-hook");
    BOOST_TEST(mask_args(e) == (std::vector<std::string>{"berth-nvidia-hook", "mask-procfs", "--gpu", "0000:02:00.0",
                                                         "--caps", "gpu5/mig/gi1/access", "--caps",
                                                         "gpu5/mig/gi1/ci1/access"}));
    // No OCI mount under /proc: mask-procfs's tmpfs would cover it.
    for (const CdiDevice& d : spec.devices)
        for (const MountEdit& m : d.edits.mounts) BOOST_TEST(!m.container_path.starts_with("/proc/"));
    BOOST_TEST(node_paths(device(spec, "0:0").edits) ==
               (std::vector<std::string>{"/dev/nvidia0", "/dev/nvidia-caps/nvidia-cap30", "/dev/nvidia-caps/nvidia-cap31"}));
}

// "<gpu>:<n>" names one device both ways: the CDI device's edits are what
// NVIDIA_VISIBLE_DEVICES=<gpu>:<n> plans (less what the spec-level edits hold).
BOOST_AUTO_TEST_CASE(each_mig_name_has_the_env_paths_edits_for_that_name) {
    Driver d = mig_driver();
    CdiGenerateOptions o = options();
    CdiSpec spec = generate_cdi_spec(d, o);
    std::vector<GpuRef> gpus;
    for (const Gpu& g : d.gpus) gpus.push_back({g.uuid, g.bus});
    std::vector<MigRef> migs;
    for (const MigDevice& m : d.migs) migs.push_back({m.gpu, m.gi, m.ci});
    PlanOptions plan;
    plan.hook_path = o.hook_path;
    plan.ldconfig = o.ldconfig;
    int checked = 0;
    for (const CdiDevice& dev : spec.devices) {
        if (dev.name.find(':') == std::string::npos) continue;
        Selection s = select_devices(gpus, migs, parse_visible_devices(dev.name));
        BOOST_REQUIRE_EQUAL(s.migs.size(), 1u);
        ContainerEdits env = plan_edits(d, {s.gpus, s.migs, false, false}, CapabilitySet{}, plan);
        std::erase_if(env.device_nodes, [&](const DeviceNodeEdit& n) { return n.path == d.ctl.path; });
        BOOST_TEST(node_paths(dev.edits) == node_paths(env), dev.name);
        BOOST_TEST(mask_args(dev.edits) == mask_args(env), dev.name);
        ++checked;
    }
    BOOST_TEST(checked == 4);
}

BOOST_AUTO_TEST_CASE(all_includes_every_mig_device_as_nvidia_ctk_does) {
    CdiSpec spec = generate_cdi_spec(mig_driver(), options());
    const ContainerEdits& all = device(spec, "all").edits;
    BOOST_TEST(node_paths(all) ==
               (std::vector<std::string>{"/dev/nvidia0", "/dev/nvidia5", "/dev/nvidia-caps/nvidia-cap30",
                                         "/dev/nvidia-caps/nvidia-cap31", "/dev/nvidia-caps/nvidia-cap12",
                                         "/dev/nvidia-caps/nvidia-cap13", "/dev/nvidia-caps/nvidia-cap14",
                                         "/dev/nvidia-caps/nvidia-cap21", "/dev/nvidia-caps/nvidia-cap22"}));
    std::vector<std::string> args = mask_args(all);
    for (const char* f : {"gpu0/mig/gi3/ci0/access", "gpu5/mig/gi1/ci1/access", "gpu5/mig/gi2/access"})
        BOOST_TEST((std::find(args.begin(), args.end(), f) != args.end()), f);
}

BOOST_AUTO_TEST_CASE(mig_names_round_trip_and_resolve) {
    CdiSpec spec = generate_cdi_spec(mig_driver(), options());
    CdiRegistry registry;
    registry.add(parse_cdi_spec(to_cdi_yaml(spec), "gen.yaml"), 0);
    ContainerEdits e = registry.resolve({"nvidia.com/gpu=1:2"});
    // Spec-level edits first (nvidiactl), then the device's.
    BOOST_TEST(node_paths(e) == (std::vector<std::string>{"/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia5",
                                                          "/dev/nvidia-caps/nvidia-cap21",
                                                          "/dev/nvidia-caps/nvidia-cap22"}));
    BOOST_TEST(parse_cdi_spec(to_cdi_json(spec), "gen.json").devices.size() == spec.devices.size());
}

BOOST_AUTO_TEST_CASE(fake_driver_root_with_its_fake_nvml) {
    NEEDS_FAKE_ROOT();
    Driver d = discover_driver({fake_root(), fake_root(), fake_root()});
    BOOST_REQUIRE(d.libnvml);
    CdiGenerateOptions o = options();
    o.proc_root = fake_root();
    std::string why;
    o.nvml = query_nvml(*d.libnvml, why);
    BOOST_REQUIRE_MESSAGE(o.nvml, why);
    CdiSpec spec = generate_cdi_spec(d, o);
    // The fixture: GPU 0 has gi1/ci0, gi1/ci1, gi2/ci0; its fake NVML names them
    // MIG-<gpu:8>-<gi:4>-<ci:4>-0000-000000000000.
    BOOST_TEST(names(spec) == (std::vector<std::string>{"0", "GPU-00000000-0000-0000-0000-000000000000", "1",
                                                        "GPU-00000000-0000-0000-0000-000000000001", "0:0",
                                                        "MIG-00000000-0001-0000-0000-000000000000", "0:1",
                                                        "MIG-00000000-0001-0001-0000-000000000000", "0:2",
                                                        "MIG-00000000-0002-0000-0000-000000000000", "all"}));
    const ContainerEdits& e = device(spec, "0:1").edits;
    BOOST_TEST(node_paths(e) == (std::vector<std::string>{"/dev/nvidia0", "/dev/nvidia-caps/nvidia-cap12",
                                                          "/dev/nvidia-caps/nvidia-cap14"}));
    BOOST_TEST(e.device_nodes[2].host_path == fake_root() + "/dev/nvidia-caps/nvidia-cap14");
    BOOST_TEST(mask_args(e) == (std::vector<std::string>{"berth-nvidia-hook", "mask-procfs", "--proc-root", fake_root(),
                                                         "--gpu", "0000:01:00.0", "--caps", "gpu0/mig/gi1/access",
                                                         "--caps", "gpu0/mig/gi1/ci1/access"}));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace berth::nvidia
