// NVIDIA_VISIBLE_DEVICES grammar, GPU selection, capabilities and request detection.
#include "hooks/nvidia/capabilities.hpp"
#include "hooks/nvidia/request.hpp"
#include "hooks/nvidia/visible_devices.hpp"
#include "test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <fmt/format.h>

namespace berth::nvidia {
namespace {

const std::string kUuid0 = "GPU-3b4ef2b0-6b3a-9f43-f16f-5e6b1f8f0c4e";
const std::string kUuid1 = "GPU-11111111-2222-3333-4444-555555555555";

std::vector<GpuRef> two_gpus() {
    return {{kUuid0, PciAddress{0, 1, 0, 0}}, {kUuid1, PciAddress{0, 0x81, 0, 0}}};
}

oci::Config with_env(std::vector<std::string> env) {
    oci::Config c;
    c.process.emplace();
    c.process->env = std::move(env);
    return c;
}

std::optional<Request> detect(const oci::Config& c, const NvidiaConfig& n = {}) {
    std::vector<std::string> warnings;
    return detect_request(c, n, warnings);
}

BOOST_AUTO_TEST_SUITE(visible_devices)

BOOST_AUTO_TEST_CASE(empty_void_and_blank_mean_no_gpu) {
    for (const char* v : {"", "void", " ", ",", "0,void", "void,all"})
        BOOST_TEST((parse_visible_devices(v).mode == VisibleMode::void_), v);
}

BOOST_AUTO_TEST_CASE(none_and_all_win_anywhere_in_the_list) {
    BOOST_TEST((parse_visible_devices("none").mode == VisibleMode::none));
    BOOST_TEST((parse_visible_devices("0,none,1").mode == VisibleMode::none));
    BOOST_TEST((parse_visible_devices("all").mode == VisibleMode::all));
    BOOST_TEST((parse_visible_devices("1, all").mode == VisibleMode::all));
    BOOST_TEST((parse_visible_devices("all,none").mode == VisibleMode::none));
}

BOOST_AUTO_TEST_CASE(id_kinds_are_recognised) {
    BOOST_TEST((parse_device_id("0").kind == DeviceIdKind::index));
    BOOST_TEST(parse_device_id("12").index == 12u);
    BOOST_TEST((parse_device_id(kUuid0).kind == DeviceIdKind::gpu_uuid));
    BOOST_TEST((parse_device_id("gpu-3B4EF2B0-6b3a-9f43-f16f-5e6b1f8f0c4e").kind == DeviceIdKind::gpu_uuid));
    BOOST_TEST((parse_device_id("MIG-3b4ef2b0-6b3a-9f43-f16f-5e6b1f8f0c4e").kind == DeviceIdKind::mig_uuid));
    BOOST_TEST((parse_device_id("MIG-GPU-3b4ef2b0-6b3a-9f43-f16f-5e6b1f8f0c4e/1/0").kind ==
                DeviceIdKind::mig_legacy));
    auto mig = parse_device_id("0:3");
    BOOST_TEST((mig.kind == DeviceIdKind::mig_index));
    BOOST_TEST(mig.index == 0u);
    BOOST_TEST(mig.mig_index == 3u);
    auto pci = parse_device_id("0000:81:00.0");
    BOOST_TEST((pci.kind == DeviceIdKind::pci_bus_id));
    BOOST_TEST(pci.bus.bus == 0x81u);
    BOOST_TEST((parse_device_id("00000000:01:00.0").kind == DeviceIdKind::pci_bus_id));
    BOOST_TEST((parse_device_id("01:00.0").kind == DeviceIdKind::pci_bus_id));
}

BOOST_AUTO_TEST_CASE(malformed_ids_are_unknown) {
    for (const char* id : {"GPU-", "GPU-1234", "GPU-3b4ef2b0-6b3a-9f43-f16f-5e6b1f8f0c4", "MIG-GPU-x/1/0",
                           "abc", "-1", "99999999999", "0000:01:00", "01:00.9", "0:", ":1", "0:01",
                           "GPU-3b4ef2b0-6b3a-9f43-f16f-5e6b1f8f0c4eX"})
        BOOST_TEST((parse_device_id(id).kind == DeviceIdKind::unknown), id);
}

BOOST_AUTO_TEST_CASE(duplicates_are_removed_keeping_order) {
    auto v = parse_visible_devices("1, 0,1 ,0");
    BOOST_TEST((v.mode == VisibleMode::list));
    BOOST_REQUIRE_EQUAL(v.ids.size(), 2u);
    BOOST_TEST(v.ids[0].text == "1");
    BOOST_TEST(v.ids[1].text == "0");
}

BOOST_AUTO_TEST_CASE(qualified_names_make_a_cdi_request) {
    auto v = parse_visible_devices("nvidia.com/gpu=0,nvidia.com/gpu=all,nvidia.com/gpu=0");
    BOOST_TEST((v.mode == VisibleMode::cdi));
    BOOST_TEST(v.cdi_names == (std::vector<std::string>{"nvidia.com/gpu=0", "nvidia.com/gpu=all"}));
    NV_CHECK_THROWS_WITH(parse_visible_devices("0,nvidia.com/gpu=1"), "mixes CDI device names");
}

BOOST_AUTO_TEST_CASE(selection_by_index_uuid_and_bus_id) {
    auto gpus = two_gpus();
    BOOST_TEST(select_devices(gpus, {}, parse_visible_devices("1")).gpus == (std::vector<std::size_t>{1}));
    BOOST_TEST(select_devices(gpus, {}, parse_visible_devices(kUuid1 + ",0")).gpus == (std::vector<std::size_t>{1, 0}));
    BOOST_TEST(select_devices(gpus, {}, parse_visible_devices("gpu-11111111-2222-3333-4444-555555555555")).gpus ==
               (std::vector<std::size_t>{1}));
    BOOST_TEST(select_devices(gpus, {}, parse_visible_devices("81:00.0")).gpus == (std::vector<std::size_t>{1}));
    BOOST_TEST(select_devices(gpus, {}, parse_visible_devices("0,0000:01:00.0," + kUuid0)).gpus ==
               (std::vector<std::size_t>{0}));
    BOOST_TEST(select_devices(gpus, {}, parse_visible_devices("all")).gpus == (std::vector<std::size_t>{0, 1}));
    BOOST_TEST(select_devices(gpus, {}, parse_visible_devices("none")).gpus.empty());
}

BOOST_AUTO_TEST_CASE(unknown_devices_list_the_available_ones) {
    auto gpus = two_gpus();
    NV_CHECK_THROWS_WITH(
        select_devices(gpus, {}, parse_visible_devices("7")).gpus,
        "unknown device '7' in NVIDIA_VISIBLE_DEVICES (available: 0 " + kUuid0 + " 0000:01:00.0, 1 ");
    NV_CHECK_THROWS_WITH(select_devices(gpus, {}, parse_visible_devices("GPU-deadbeef")).gpus,
                         "unknown device 'GPU-deadbeef'");
    NV_CHECK_THROWS_WITH(select_devices(gpus, {}, parse_visible_devices("0000:02:00.0")).gpus,
                         "unknown device '0000:02:00.0'");
    NV_CHECK_THROWS_WITH(select_devices({}, {}, parse_visible_devices("0")).gpus, "(available: none)");
    NV_CHECK_THROWS_WITH(select_devices(gpus, {}, parse_visible_devices("0:5")).gpus, "unknown device '0:5'");
}

BOOST_AUTO_TEST_CASE(mig_instance_and_legacy_ids_carry_gi_and_ci) {
    auto inst = parse_device_id("1:2:3");
    BOOST_TEST((inst.kind == DeviceIdKind::mig_instance));
    BOOST_TEST(inst.index == 1u);
    BOOST_TEST(inst.mig_index == 2u);
    BOOST_TEST(inst.ci == 3u);
    auto legacy = parse_device_id("MIG-GPU-3b4ef2b0-6b3a-9f43-f16f-5e6b1f8f0c4e/7/1");
    BOOST_TEST((legacy.kind == DeviceIdKind::mig_legacy));
    BOOST_TEST(legacy.gpu_uuid == "GPU-3b4ef2b0-6b3a-9f43-f16f-5e6b1f8f0c4e");
    BOOST_TEST(legacy.mig_index == 7u);
    BOOST_TEST(legacy.ci == 1u);
    for (const char* id : {"1:2:3:4", "1::3", ":1", "1:x:0", "MIG-GPU-3b4ef2b0-6b3a-9f43-f16f-5e6b1f8f0c4e/7"})
        BOOST_TEST((parse_device_id(id).kind == DeviceIdKind::unknown), id);
}

// GPU 0 has GI 1 with CIs 0 and 1, and GI 2 with CI 0; GPU 1 has GI 3 with CI 0.
std::vector<MigRef> some_migs() {
    return {{0, 1, 0}, {0, 1, 1}, {0, 2, 0}, {1, 3, 0}};
}

BOOST_AUTO_TEST_CASE(mig_selection_picks_the_instance_and_its_parent) {
    auto gpus = two_gpus();
    auto migs = some_migs();
    Selection s = select_devices(gpus, migs, parse_visible_devices("0:2:0"));
    BOOST_TEST(s.gpus == (std::vector<std::size_t>{0}));
    BOOST_TEST(s.migs == (std::vector<std::size_t>{2}));
    // "<gpu>:<n>" counts the GPU's MIG devices in (gi, ci) order.
    BOOST_TEST(select_devices(gpus, migs, parse_visible_devices("0:1")).migs == (std::vector<std::size_t>{1}));
    BOOST_TEST(select_devices(gpus, migs, parse_visible_devices("1:0")).migs == (std::vector<std::size_t>{3}));
    s = select_devices(gpus, migs, parse_visible_devices("MIG-" + kUuid1 + "/3/0,1:3:0,0:1:1"));
    BOOST_TEST(s.gpus == (std::vector<std::size_t>{1, 0}));
    BOOST_TEST(s.migs == (std::vector<std::size_t>{3, 1}));
    s = select_devices(gpus, migs, parse_visible_devices("all"));
    BOOST_TEST(s.migs.size() == 4u);
    BOOST_TEST(select_devices(gpus, migs, parse_visible_devices("1")).migs.empty());
}

BOOST_AUTO_TEST_CASE(unknown_mig_devices_list_what_exists) {
    auto gpus = two_gpus();
    auto migs = some_migs();
    for (const char* id : {"0:1:2", "0:3", "2:0:0", "1:1"})
        NV_CHECK_THROWS_WITH(select_devices(gpus, migs, parse_visible_devices(id)),
                             fmt::format("unknown device '{}'", id));
    NV_CHECK_THROWS_WITH(select_devices(gpus, migs, parse_visible_devices("0:9:9")),
                         "MIG 0:0 = 0:1:0, MIG 0:1 = 0:1:1, MIG 0:2 = 0:2:0, MIG 1:0 = 1:3:0)");
    NV_CHECK_THROWS_WITH(select_devices(gpus, migs, parse_visible_devices("MIG-3b4ef2b0-6b3a-9f43-f16f-5e6b1f8f0c4e")),
                         "MIG UUIDs need NVML (libnvidia-ml): not queried; name it <gpu>:<gi>:<ci>");
    NV_CHECK_THROWS_WITH(select_devices(gpus, migs, parse_visible_devices("MIG-3b4ef2b0-6b3a-9f43-f16f-5e6b1f8f0c4e"),
                                        "cannot load '/x/libnvidia-ml.so.1'"),
                         "need NVML (libnvidia-ml): cannot load '/x/libnvidia-ml.so.1'");
}

const std::string kMig02 = "MIG-aaaaaaaa-0000-0000-0000-000000000002";

// some_migs() with the UUIDs NVML gave (the last one has none: NVML does not list it).
std::vector<MigRef> named_migs() {
    return {{0, 1, 0, "MIG-aaaaaaaa-0000-0000-0000-000000000000"},
            {0, 1, 1, "MIG-aaaaaaaa-0000-0000-0000-000000000001"},
            {0, 2, 0, kMig02},
            {1, 3, 0, ""}};
}

BOOST_AUTO_TEST_CASE(mig_uuids_resolve_to_the_instance_and_its_parent) {
    auto gpus = two_gpus();
    auto migs = named_migs();
    Selection s = select_devices(gpus, migs, parse_visible_devices("mig-AAAAAAAA-0000-0000-0000-000000000002"), "");
    BOOST_TEST(s.gpus == (std::vector<std::size_t>{0}));
    BOOST_TEST(s.migs == (std::vector<std::size_t>{2}));
    // Together with the other forms, deduplicated by what they select.
    s = select_devices(gpus, migs, parse_visible_devices(kMig02 + ",0:2:0,1:3:0"), "");
    BOOST_TEST(s.gpus == (std::vector<std::size_t>{0, 1}));
    BOOST_TEST(s.migs == (std::vector<std::size_t>{2, 3}));
    BOOST_TEST(names_mig_uuid(parse_visible_devices("0," + kMig02)));
    BOOST_TEST(!names_mig_uuid(parse_visible_devices("0:1:0,all")));
    BOOST_TEST(!names_mig_uuid(parse_visible_devices("0,1:0")));
}

BOOST_AUTO_TEST_CASE(unknown_mig_uuid_lists_the_known_ones) {
    auto gpus = two_gpus();
    auto migs = named_migs();
    NV_CHECK_THROWS_WITH(
        select_devices(gpus, migs, parse_visible_devices("MIG-aaaaaaaa-0000-0000-0000-000000000009"), ""),
        "nvidia: unknown device 'MIG-aaaaaaaa-0000-0000-0000-000000000009' in NVIDIA_VISIBLE_DEVICES (available: ");
    NV_CHECK_THROWS_WITH(
        select_devices(gpus, migs, parse_visible_devices("MIG-aaaaaaaa-0000-0000-0000-000000000009"), ""),
        "MIG 0:2 = 0:2:0 MIG-aaaaaaaa-0000-0000-0000-000000000002, MIG 1:0 = 1:3:0)");
    // A GPU UUID is not a MIG UUID.
    NV_CHECK_THROWS_WITH(select_devices(gpus, migs, parse_visible_devices("MIG-" + kUuid0.substr(4)), ""),
                         "unknown device 'MIG-");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(capabilities)

BOOST_AUTO_TEST_CASE(empty_gives_the_default) {
    BOOST_TEST(parse_capabilities("", CapabilitySet::defaults()).str() == "compute,utility");
    BOOST_TEST(parse_capabilities(" , ", CapabilitySet::all()).str() == CapabilitySet::all().str());
}

BOOST_AUTO_TEST_CASE(lists_and_all) {
    BOOST_TEST(parse_capabilities("video, utility", {}).str() == "utility,video");
    BOOST_TEST((parse_capabilities("compute,all", {}) == CapabilitySet::all()));
    BOOST_TEST(CapabilitySet::all().str() == "compute,compat32,display,graphics,ngx,utility,video");
}

BOOST_AUTO_TEST_CASE(unknown_capability_is_an_error) {
    NV_CHECK_THROWS_WITH(parse_capabilities("compute,bogus", {}), "unsupported capability 'bogus'");
    NV_CHECK_THROWS_WITH(parse_capabilities("Compute", {}), "(supported: compute,compat32");
}

BOOST_AUTO_TEST_CASE(video_implies_compute_and_display_graphics) {
    CapabilitySet video{Capability::video};
    BOOST_TEST(video.expanded().has(Capability::compute));
    auto libs = libraries_for(video);
    BOOST_TEST((std::find(libs.begin(), libs.end(), "libcuda") != libs.end()));
    BOOST_TEST((std::find(libs.begin(), libs.end(), "libnvcuvid") != libs.end()));
    auto display = libraries_for(CapabilitySet{Capability::display});
    BOOST_TEST((std::find(display.begin(), display.end(), "libGLX_nvidia") != display.end()));
    BOOST_TEST(libraries_for(CapabilitySet{Capability::utility}).size() == 3u);
    BOOST_TEST(binaries_for(CapabilitySet{Capability::utility}).front() == "nvidia-smi");
    BOOST_TEST(ipcs_for(CapabilitySet{Capability::compute}).front() == "/tmp/nvidia-mps");
}

BOOST_AUTO_TEST_CASE(sonames_map_to_their_capability) {
    Capability c{};
    BOOST_TEST(library_capability("libcuda.so.1", c));
    BOOST_TEST((c == Capability::compute));
    BOOST_TEST(library_capability("libnvidia-ml.so.1", c));
    BOOST_TEST((c == Capability::utility));
    BOOST_TEST(library_capability("libnvidia-glcore.so.550.54.15", c));
    BOOST_TEST((c == Capability::graphics));
    BOOST_TEST(library_capability("libnvidia-pkcs11-openssl3.so.550.54.15", c));
    BOOST_TEST(!library_capability("libcudart.so.12", c));
    BOOST_TEST(!library_capability("libnvidia-gl.so.1", c));
    BOOST_TEST(!library_capability("libcuda", c));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(request)

BOOST_AUTO_TEST_CASE(no_env_is_no_request) {
    BOOST_TEST(!detect(oci::Config{}));
    BOOST_TEST(!detect(with_env({"PATH=/bin"})));
    BOOST_TEST(!detect(with_env({"NVIDIA_VISIBLE_DEVICES="})));
    BOOST_TEST(!detect(with_env({"NVIDIA_VISIBLE_DEVICES=void", "NVIDIA_DRIVER_CAPABILITIES=bogus"})));
}

BOOST_AUTO_TEST_CASE(the_last_env_entry_wins) {
    BOOST_TEST(!detect(with_env({"NVIDIA_VISIBLE_DEVICES=all", "NVIDIA_VISIBLE_DEVICES=void"})));
    auto r = detect(with_env({"NVIDIA_VISIBLE_DEVICES=void", "NVIDIA_VISIBLE_DEVICES=1"}));
    BOOST_REQUIRE(r);
    BOOST_TEST(r->devices.ids.at(0).text == "1");
}

BOOST_AUTO_TEST_CASE(defaults_and_capabilities) {
    auto r = detect(with_env({"NVIDIA_VISIBLE_DEVICES=all"}));
    BOOST_REQUIRE(r);
    BOOST_TEST((r->devices.mode == VisibleMode::all));
    BOOST_TEST(r->capabilities.str() == "compute,utility");
    auto n = detect(with_env({"NVIDIA_VISIBLE_DEVICES=none", "NVIDIA_DRIVER_CAPABILITIES=graphics"}));
    BOOST_REQUIRE(n);
    BOOST_TEST((n->devices.mode == VisibleMode::none));
    BOOST_TEST(n->capabilities.str() == "graphics");
    NV_CHECK_THROWS_WITH(detect(with_env({"NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_DRIVER_CAPABILITIES=x"})),
                         "unsupported capability 'x'");
}

BOOST_AUTO_TEST_CASE(legacy_image_means_all_gpus_and_all_capabilities) {
    auto r = detect(with_env({"CUDA_VERSION=12.0.1"}));
    BOOST_REQUIRE(r);
    BOOST_TEST((r->devices.mode == VisibleMode::all));
    BOOST_TEST((r->capabilities == CapabilitySet::all()));
    BOOST_REQUIRE_EQUAL(r->requirements.size(), 1u);
    BOOST_TEST(r->requirements[0].text == "cuda>=12.0");
    // A modern CUDA image declares NVIDIA_REQUIRE_CUDA and is not legacy.
    BOOST_TEST(!detect(with_env({"CUDA_VERSION=12.0.1", "NVIDIA_REQUIRE_CUDA=cuda>=12.0"})));
    // Set but empty is not unset.
    BOOST_TEST(!detect(with_env({"CUDA_VERSION=12.0.1", "NVIDIA_VISIBLE_DEVICES="})));
}

BOOST_AUTO_TEST_CASE(requirements_are_collected_unless_disabled) {
    auto r = detect(with_env({"NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_REQUIRE_CUDA=cuda>=12.0",
                              "NVIDIA_REQUIRE_JETPACK=csv-mounts=all", "NVIDIA_REQUIRE_X=driver>=500"}));
    BOOST_REQUIRE(r);
    BOOST_TEST(r->requirements.size() == 2u);
    auto off = detect(with_env(
        {"NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_REQUIRE_CUDA=cuda>=99", "NVIDIA_DISABLE_REQUIRE=true"}));
    BOOST_REQUIRE(off);
    BOOST_TEST(off->requirements.empty());
    NV_CHECK_THROWS_WITH(detect(with_env({"NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_REQUIRE_CUDA=cuda~12"})),
                         "invalid expression 'cuda~12' in NVIDIA_REQUIRE_CUDA");
}

BOOST_AUTO_TEST_CASE(unprivileged_env_can_be_refused) {
    NvidiaConfig strict;
    strict.accept_envvar_unprivileged = false;
    std::vector<std::string> warnings;
    BOOST_TEST(!detect_request(with_env({"NVIDIA_VISIBLE_DEVICES=all"}), strict, warnings));
    BOOST_TEST(warnings.size() == 1u);
    oci::Config privileged = with_env({"NVIDIA_VISIBLE_DEVICES=all"});
    privileged.process->capabilities.emplace();
    privileged.process->capabilities->bounding = {"CAP_CHOWN", "CAP_SYS_ADMIN"};
    BOOST_TEST(is_privileged(privileged));
    BOOST_TEST(detect(privileged, strict).has_value());
}

BOOST_AUTO_TEST_CASE(mig_config_needs_privilege) {
    NV_CHECK_THROWS_WITH(detect(with_env({"NVIDIA_VISIBLE_DEVICES=all", "NVIDIA_MIG_CONFIG_DEVICES=all"})),
                         "cannot set NVIDIA_MIG_CONFIG_DEVICES in a non-privileged container");
}

BOOST_AUTO_TEST_CASE(cdi_annotations_come_first) {
    oci::Config c = with_env({"NVIDIA_VISIBLE_DEVICES=0"});
    c.annotations["cdi.k8s.io/nvidia-device-plugin_1"] = "nvidia.com/gpu=1,nvidia.com/gpu=all";
    c.annotations["other/key"] = "x";
    auto r = detect(c);
    BOOST_REQUIRE(r);
    BOOST_TEST((r->devices.mode == VisibleMode::cdi));
    BOOST_TEST(r->devices.cdi_names == (std::vector<std::string>{"nvidia.com/gpu=1", "nvidia.com/gpu=all"}));
    c.annotations["cdi.k8s.io/bad"] = "gpu0";
    NV_CHECK_THROWS_WITH(detect(c), "annotation 'cdi.k8s.io/bad': invalid CDI device name 'gpu0'");
}

BOOST_AUTO_TEST_CASE(volume_mounts_when_enabled) {
    oci::Config c = with_env({"NVIDIA_VISIBLE_DEVICES=/var/run/nvidia-container-devices"});
    for (const char* tail : {"GPU-11111111-2222-3333-4444-555555555555", "0", "cdi/nvidia.com/gpu/1"}) {
        oci::Mount m;
        m.source = "/dev/null";
        m.destination = std::string("/var/run/nvidia-container-devices/") + tail;
        c.mounts.push_back(m);
    }
    NV_CHECK_THROWS_WITH(detect(c), "acceptVolumeMounts is off");
    NvidiaConfig on;
    on.accept_volume_mounts = true;
    // A CDI tail mixed with ids is rejected like the env var would be.
    NV_CHECK_THROWS_WITH(detect(c, on), "mixes CDI device names");
    c.mounts.pop_back();
    auto r = detect(c, on);
    BOOST_REQUIRE(r);
    BOOST_TEST(r->devices.ids.size() == 2u);
    BOOST_TEST((r->devices.ids[0].kind == DeviceIdKind::gpu_uuid));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace berth::nvidia
