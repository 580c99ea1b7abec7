// Driver discovery against the fake driver root (tests/fixtures/fake_nvidia), the CUDA
// version query in a child, and inject_gpus() end to end on both GPU paths.
#include "hooks/nvidia/cuda_version.hpp"
#include "hooks/nvidia/discovery.hpp"
#include "hooks/nvidia/inject.hpp"
#include "hooks/nvidia/files.hpp"
#include "test_util.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <boost/test/unit_test.hpp>

#include <filesystem>

namespace berth::nvidia {
namespace {

using test::fake_config;
using test::fake_root;
using test::gpu_config;

DiscoveryOptions at_fake() {
    return {fake_root(), fake_root(), fake_root()};
}

const DriverFile* find_lib(const Driver& d, std::string_view name, bool m32 = false) {
    for (const DriverFile& f : d.libraries)
        if (f.container_path == name && f.compat32 == m32) return &f;
    return nullptr;
}

BOOST_AUTO_TEST_SUITE(discovery)

BOOST_AUTO_TEST_CASE(version_gpus_and_nodes) {
    NEEDS_FAKE_ROOT();
    Driver d = discover_driver(at_fake());
    BOOST_TEST(d.version == "550.54.15");
    BOOST_REQUIRE_EQUAL(d.gpus.size(), 2u);
    BOOST_TEST(d.gpus[0].uuid == "GPU-00000000-0000-0000-0000-000000000000");
    BOOST_TEST(d.gpus[1].proc_name == "0000:02:00.0");
    BOOST_TEST(d.gpus[1].node.path == "/dev/nvidia1");
    BOOST_TEST(d.gpus[1].node.host_path == fake_root() + "/dev/nvidia1");
    BOOST_TEST(d.gpus[1].node.minor == 1u);
    BOOST_TEST(d.ctl.minor == 255u);
    BOOST_REQUIRE(d.uvm);
    BOOST_TEST(d.uvm->major == 511u);
    BOOST_TEST(d.uvm_tools->minor == 1u);
    BOOST_TEST(d.modeset->minor == 254u);
    BOOST_TEST(d.warnings.empty());
}

// The fixture's default MIG layout: GPU 0 with gi1/ci0, gi1/ci1 and gi2/ci0.
BOOST_AUTO_TEST_CASE(mig_devices_and_their_caps_nodes) {
    NEEDS_FAKE_ROOT();
    Driver d = discover_driver(at_fake());
    BOOST_REQUIRE_EQUAL(d.migs.size(), 3u);
    const MigDevice& m = d.migs[1];
    BOOST_TEST(m.gpu == 0u);
    BOOST_TEST(m.gi == 1u);
    BOOST_TEST(m.ci == 1u);
    BOOST_TEST(m.gi_node.path == "/dev/nvidia-caps/nvidia-cap12");
    BOOST_TEST(m.gi_node.minor == 12u);
    BOOST_TEST(m.ci_node.path == "/dev/nvidia-caps/nvidia-cap14");
    BOOST_TEST(m.ci_node.major == 510u);  // "nvidia-caps" in the fake /proc/devices
    BOOST_TEST(d.migs[2].gi == 2u);
    BOOST_TEST(d.migs[2].ci_node.minor == 22u);
    BOOST_REQUIRE(d.mig_config);
    BOOST_TEST(d.mig_config->minor == 1u);
    BOOST_REQUIRE(d.mig_monitor);
    BOOST_TEST(d.mig_monitor->minor == 2u);
}

BOOST_AUTO_TEST_CASE(mig_device_without_its_node_is_left_out_with_a_warning) {
    NEEDS_FAKE_ROOT();
    test::TempDir dev;
    std::filesystem::create_directories(dev.path() + "/dev/nvidia-caps");
    // All nodes but gi1/ci1's (nvidia-cap14).
    for (const char* n : {"nvidia0", "nvidia1", "nvidiactl", "nvidia-caps/nvidia-cap12", "nvidia-caps/nvidia-cap13"}) {
        struct stat st {};
        BOOST_REQUIRE(::stat((fake_root() + "/dev/" + n).c_str(), &st) == 0);
        BOOST_REQUIRE(::mknod((dev.path() + "/dev/" + n).c_str(), st.st_mode, st.st_rdev) == 0);
    }
    Driver d = discover_driver({fake_root(), dev.path(), fake_root()});
    BOOST_REQUIRE_EQUAL(d.migs.size(), 1u);
    BOOST_TEST(d.migs[0].ci == 0u);
    bool warned = std::any_of(d.warnings.begin(), d.warnings.end(), [](const std::string& w) {
        return w.find("nvidia-cap14' missing") != std::string::npos;
    });
    BOOST_TEST(warned);
}

BOOST_AUTO_TEST_CASE(libraries_of_every_capability) {
    NEEDS_FAKE_ROOT();
    Driver d = discover_driver(at_fake());
    for (const CapabilityFiles& files : capability_files()) {
        for (std::string_view stem : files.libraries) {
            std::string name = std::string(stem) + ".so.550.54.15";
            const DriverFile* f = find_lib(d, name);
            BOOST_TEST_CONTEXT(name) {
                BOOST_REQUIRE(f != nullptr);
                BOOST_TEST((f->capability == files.capability));
                BOOST_TEST(f->host_path == fake_root() + "/usr/lib/x86_64-linux-gnu/" + name);
            }
        }
    }
    BOOST_TEST(find_lib(d, "libnotnvidia.so.1.0") == nullptr);
    BOOST_REQUIRE(d.libcuda);
    BOOST_TEST(*d.libcuda == fake_root() + "/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15");
    if (test::read_text(fake_root() + "/fake-driver.env").find("FAKE_NVIDIA_M32=1") != std::string::npos)
        BOOST_TEST(find_lib(d, "libcuda.so.550.54.15", true) != nullptr);
}

BOOST_AUTO_TEST_CASE(binaries_firmware_and_ipc) {
    NEEDS_FAKE_ROOT();
    Driver d = discover_driver(at_fake());
    std::vector<std::string> bins;
    for (const auto& b : d.binaries) bins.push_back(b.container_path);
    BOOST_TEST(bins == (std::vector<std::string>{
                           "/usr/bin/nvidia-smi", "/usr/bin/nvidia-debugdump", "/usr/bin/nvidia-persistenced",
                           "/usr/bin/nvidia-cuda-mps-control", "/usr/bin/nvidia-cuda-mps-server"}));
    BOOST_REQUIRE_EQUAL(d.firmware.size(), 2u);
    BOOST_TEST(d.firmware[0].container_path == "/lib/firmware/nvidia/550.54.15/gsp_ga10x.bin");
    BOOST_REQUIRE_EQUAL(d.ipcs.size(), 2u);
    BOOST_TEST(d.ipcs[0].container_path == "/run/nvidia-persistenced/socket");
    BOOST_TEST(d.ipcs[1].container_path == "/tmp/nvidia-mps");
}

BOOST_AUTO_TEST_CASE(cuda_version_from_the_fake_libcuda_in_a_child) {
    NEEDS_FAKE_ROOT();
    Driver d = discover_driver(at_fake());
    BOOST_TEST(query_cuda_version(*d.libcuda).value_or("none") == "12.4");
    BOOST_TEST(!query_cuda_version(fake_root() + "/usr/lib/x86_64-linux-gnu/libnvidia-cfg.so.550.54.15"));
    BOOST_TEST(!query_cuda_version("/nonexistent/libcuda.so.1"));
    BOOST_TEST(format_cuda_version(11080) == "11.8");
}

BOOST_AUTO_TEST_CASE(no_driver_and_node_mismatches) {
    NEEDS_FAKE_ROOT();
    test::TempDir t;
    NV_CHECK_THROWS_WITH(
        discover_driver({t.path(), t.path(), t.path()}),
        "nvidia: no NVIDIA driver found ('" + t.path() + "/proc/driver/nvidia/version' missing)");
    // A dev root whose nvidia1 is a regular file, then the wrong minor.
    std::string dev = t.path() + "/dev";
    std::filesystem::create_directories(dev);
    for (const char* n : {"nvidiactl", "nvidia0"}) {
        struct stat st {};
        BOOST_REQUIRE_EQUAL(::stat((fake_root() + "/dev/" + n).c_str(), &st), 0);
        BOOST_REQUIRE_EQUAL(::mknod((dev + "/" + n).c_str(), S_IFCHR | 0666, st.st_rdev), 0);
    }
    t.write("dev/nvidia1", "not a device");
    DiscoveryOptions o{fake_root(), t.path(), fake_root()};
    NV_CHECK_THROWS_WITH(discover_driver(o), "nvidia: device node mismatch: '" + dev +
                                                 "/nvidia1' is a regular file, "
                                                 "the driver says c 195:1");
    std::filesystem::remove(dev + "/nvidia1");
    BOOST_REQUIRE_EQUAL(::mknod((dev + "/nvidia1").c_str(), S_IFCHR | 0666, makedev(195, 7)), 0);
    NV_CHECK_THROWS_WITH(discover_driver(o), "'" + dev + "/nvidia1' is c 195:7, the driver says c 195:1");
    std::filesystem::remove(dev + "/nvidia1");
    NV_CHECK_THROWS_WITH(discover_driver(o), "device node '" + dev + "/nvidia1' missing for GPU");
    std::filesystem::remove(dev + "/nvidiactl");
    std::filesystem::remove_all(fake_root() + "/../no-such");
    o.proc_root = t.path();
    t.write("proc/driver/nvidia/version", "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  x\n");
    NV_CHECK_THROWS_WITH(discover_driver(o), "no NVIDIA driver found ('" + dev + "/nvidiactl' missing)");
}

BOOST_AUTO_TEST_CASE(library_version_mismatch) {
    NEEDS_FAKE_ROOT();
    test::TempDir t;
    t.write("proc/driver/nvidia/version", "NVRM version: NVIDIA UNIX x86_64 Kernel Module  560.1.2  x\n");
    DiscoveryOptions o{fake_root(), fake_root(), t.path()};
    NV_CHECK_THROWS_WITH(discover_driver(o),
                         "nvidia: driver/library version mismatch: kernel module 560.1.2, libcuda is");
}

BOOST_AUTO_TEST_CASE(without_ld_cache_the_lib_dirs_are_searched) {
    NEEDS_FAKE_ROOT();
    test::TempDir t;
    // A copy of the fake root's /usr, without etc/ld.so.cache. (Symlinks to the fake
    // root would not do: resolution stays inside the driver root, by design.)
    std::filesystem::copy(
        fake_root() + "/usr", t.path() + "/usr",
        std::filesystem::copy_options::recursive | std::filesystem::copy_options::copy_symlinks);
    Driver d = discover_driver({t.path(), fake_root(), fake_root()});
    BOOST_TEST(find_lib(d, "libcuda.so.550.54.15") != nullptr);
    BOOST_TEST(find_lib(d, "libnvidia-glcore.so.550.54.15") != nullptr);
    BOOST_TEST(d.warnings.size() == 1u);
    for (const auto& w : d.warnings) BOOST_TEST_MESSAGE(w);
}

BOOST_AUTO_TEST_CASE(inject_env_request_end_to_end) {
    NEEDS_FAKE_ROOT();
    oci::Config c =
        gpu_config({"NVIDIA_VISIBLE_DEVICES=1", "NVIDIA_REQUIRE_CUDA=cuda>=12.8 brand=tesla,driver>=550"});
    InjectResult r = inject_gpus(c, fake_config(), "/nonexistent-rootfs");
    BOOST_TEST(r.requested);
    std::vector<std::string> nodes;
    for (const auto& d : c.linux_->devices) nodes.push_back(d.path);
    BOOST_TEST(nodes == (std::vector<std::string>{"/dev/nvidiactl", "/dev/nvidia1", "/dev/nvidia-uvm",
                                                  "/dev/nvidia-uvm-tools"}));
    BOOST_TEST(c.linux_->resources->devices.size() == 4u);
    BOOST_TEST(std::any_of(c.mounts.begin(), c.mounts.end(), [](const oci::Mount& m) {
        return m.destination == "/usr/lib64/libcuda.so.550.54.15";  // no /etc/debian_version in the rootfs
    }));
    oci::Config again = c;
    inject_gpus(again, fake_config(), "/nonexistent-rootfs");
    BOOST_TEST((again == c));
}

BOOST_AUTO_TEST_CASE(inject_requirement_failures_quote_the_cuda_version) {
    NEEDS_FAKE_ROOT();
    oci::Config c = gpu_config({"NVIDIA_VISIBLE_DEVICES=all", "NVIDIA_REQUIRE_CUDA=cuda>=12.8"});
    oci::Config before = c;
    NV_CHECK_THROWS_WITH(
        inject_gpus(c, fake_config(), "/"),
        "unsatisfied condition: cuda>=12.8 (NVIDIA_REQUIRE_CUDA; driver 550.54.15 supports CUDA 12.4)");
    BOOST_TEST((c == before));
    c.process->env.push_back("NVIDIA_DISABLE_REQUIRE=1");
    BOOST_CHECK_NO_THROW(inject_gpus(c, fake_config(), "/"));
    oci::Config bad = gpu_config({"NVIDIA_VISIBLE_DEVICES=7"});
    NV_CHECK_THROWS_WITH(inject_gpus(bad, fake_config(), "/"),
                         "unknown device '7' in NVIDIA_VISIBLE_DEVICES (available: 0 GPU-");
}

BOOST_AUTO_TEST_CASE(inject_cdi_request_from_the_fixture_spec) {
    NEEDS_FAKE_ROOT();
    oci::Config c = gpu_config({"NVIDIA_VISIBLE_DEVICES=nvidia.com/gpu=1"});
    inject_gpus(c, fake_config(), "/");
    BOOST_REQUIRE(c.linux_);
    BOOST_REQUIRE_EQUAL(c.linux_->devices.size(), 2u);
    BOOST_TEST(c.linux_->devices[0].path == "/dev/nvidiactl");  // spec edits first
    BOOST_TEST(c.linux_->devices[1].minor == 1);                // filled in from the host node
    BOOST_TEST(c.process->env.front() == "NVIDIA_VISIBLE_DEVICES=void");
    BOOST_TEST(c.hooks->create_container.size() == 1u);
    oci::Config annotated = gpu_config({});
    annotated.annotations["cdi.k8s.io/x"] = "nvidia.com/gpu=all";
    inject_gpus(annotated, fake_config(), "/");
    BOOST_TEST(annotated.linux_->devices.size() == 3u);
    oci::Config unknown = gpu_config({"NVIDIA_VISIBLE_DEVICES=nvidia.com/gpu=9"});
    NV_CHECK_THROWS_WITH(inject_gpus(unknown, fake_config(), "/"),
                         "unresolvable CDI devices nvidia.com/gpu=9 (known: nvidia.com/gpu=0, "
                         "nvidia.com/gpu=1, nvidia.com/gpu=all)");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace berth::nvidia
