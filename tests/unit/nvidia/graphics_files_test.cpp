// Discovery of the graphics/display files (Vulkan, EGL, gbm, X modules) in a driver root
// laid out in a temp dir, and the capability each brings them with.
#include "hooks/nvidia/graphics_files.hpp"
#include "hooks/nvidia/plan.hpp"
#include "test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>

namespace berth::nvidia {
namespace {

using test::TempDir;

const DriverFile* find(const std::vector<DriverFile>& files, std::string_view container_path) {
    auto it = std::find_if(files.begin(), files.end(),
                           [&](const DriverFile& f) { return f.container_path == container_path; });
    return it == files.end() ? nullptr : &*it;
}

BOOST_AUTO_TEST_SUITE(graphics_files)

BOOST_AUTO_TEST_CASE(every_file_with_its_capability) {
    TempDir root;
    std::string icd = root.write("usr/share/vulkan/icd.d/nvidia_icd.json", "{}");
    root.write("usr/share/vulkan/implicit_layer.d/nvidia_layers.json", "{}");
    root.write("usr/share/glvnd/egl_vendor.d/10_nvidia.json", "{}");
    root.write("usr/share/egl/egl_external_platform.d/10_nvidia_wayland.json", "{}");
    root.write("usr/share/egl/egl_external_platform.d/15_nvidia_gbm.json", "{}");
    std::string allocator = root.write("usr/lib/x86_64-linux-gnu/libnvidia-allocator.so.550.54.15", "");
    std::filesystem::create_directories(root.path() + "/usr/lib/x86_64-linux-gnu/gbm");
    // Absolute, as drivers install it: must resolve inside the root, not on the host.
    std::filesystem::create_symlink("/usr/lib/x86_64-linux-gnu/libnvidia-allocator.so.550.54.15",
                                    root.path() + "/usr/lib/x86_64-linux-gnu/gbm/nvidia-drm_gbm.so");
    root.write("usr/lib/xorg/modules/drivers/nvidia_drv.so", "");
    root.write("usr/lib/xorg/modules/extensions/libglxserver_nvidia.so.550.54.15", "");
    root.write("usr/lib/xorg/modules/extensions/libglxserver_nvidia.so.535.1", "");  // stale

    std::vector<DriverFile> files = find_graphics_files(root.path(), "550.54.15");
    BOOST_TEST(files.size() == 8u);
    const DriverFile* f = find(files, "/usr/share/vulkan/icd.d/nvidia_icd.json");
    BOOST_REQUIRE(f);
    BOOST_TEST(f->host_path == icd);
    BOOST_TEST((f->capability == Capability::graphics));
    for (const char* path : {"/usr/share/vulkan/implicit_layer.d/nvidia_layers.json",
                             "/usr/share/glvnd/egl_vendor.d/10_nvidia.json",
                             "/usr/share/egl/egl_external_platform.d/10_nvidia_wayland.json",
                             "/usr/share/egl/egl_external_platform.d/15_nvidia_gbm.json"}) {
        BOOST_TEST_CONTEXT(path) {
            f = find(files, path);
            BOOST_REQUIRE(f);
            BOOST_TEST((f->capability == Capability::graphics));
        }
    }
    f = find(files, "/usr/lib/x86_64-linux-gnu/gbm/nvidia-drm_gbm.so");
    BOOST_REQUIRE(f);
    BOOST_TEST(f->host_path == allocator);
    BOOST_TEST((f->capability == Capability::graphics));
    f = find(files, "/usr/lib/xorg/modules/drivers/nvidia_drv.so");
    BOOST_REQUIRE(f);
    BOOST_TEST((f->capability == Capability::display));
    f = find(files, "/usr/lib/xorg/modules/extensions/libglxserver_nvidia.so.550.54.15");
    BOOST_REQUIRE(f);
    BOOST_TEST((f->capability == Capability::display));
    BOOST_TEST(!find(files, "/usr/lib/xorg/modules/extensions/libglxserver_nvidia.so.535.1"));
}

BOOST_AUTO_TEST_CASE(etc_wins_and_missing_files_are_skipped) {
    TempDir root;
    std::string etc = root.write("etc/vulkan/icd.d/nvidia_icd.json", "{}");
    root.write("usr/share/vulkan/icd.d/nvidia_icd.json", "{}");
    std::vector<DriverFile> files = find_graphics_files(root.path(), "550.54.15");
    BOOST_REQUIRE_EQUAL(files.size(), 1u);
    BOOST_TEST(files[0].host_path == etc);
    BOOST_TEST(files[0].container_path == "/etc/vulkan/icd.d/nvidia_icd.json");
    BOOST_TEST(find_graphics_files(root.path() + "/no-such-root", "550.54.15").empty());
}

BOOST_AUTO_TEST_CASE(a_dangling_symlink_or_a_directory_is_not_a_file) {
    TempDir root;
    std::filesystem::create_directories(root.path() + "/usr/lib/x86_64-linux-gnu/gbm");
    std::filesystem::create_symlink("../libnvidia-allocator.so.1",
                                    root.path() + "/usr/lib/x86_64-linux-gnu/gbm/nvidia-drm_gbm.so");
    std::filesystem::create_directories(root.path() + "/usr/share/glvnd/egl_vendor.d/10_nvidia.json");
    BOOST_TEST(find_graphics_files(root.path(), "550.54.15").empty());
}

BOOST_AUTO_TEST_CASE(plan_mounts_them_read_only_by_capability) {
    Driver d;
    d.version = "550.54.15";
    d.graphics = {DriverFile{"/drv/icd.json", "/etc/vulkan/icd.d/nvidia_icd.json", Capability::graphics,
                             false, {}},
                  DriverFile{"/drv/nvidia_drv.so", "/usr/lib/xorg/modules/drivers/nvidia_drv.so",
                             Capability::display, false, {}}};
    PlanOptions o;
    o.mask_procfs = false;
    auto paths = [&](CapabilitySet caps) {
        std::vector<std::string> out;
        for (const MountEdit& m : plan_edits(d, {}, caps, o).mounts) {
            BOOST_TEST(m.options == (std::vector<std::string>{"ro", "nosuid", "nodev", "bind"}));
            out.push_back(m.container_path);
        }
        return out;
    };
    using V = std::vector<std::string>;
    BOOST_TEST(paths({Capability::graphics}) == V{"/etc/vulkan/icd.d/nvidia_icd.json"});
    // display implies graphics.
    BOOST_TEST(paths({Capability::display}) ==
               (V{"/etc/vulkan/icd.d/nvidia_icd.json", "/usr/lib/xorg/modules/drivers/nvidia_drv.so"}));
    BOOST_TEST(paths(CapabilitySet::defaults()).empty());
    BOOST_TEST(paths({Capability::video, Capability::ngx, Capability::compat32}).empty());
}

BOOST_AUTO_TEST_CASE(a_second_apply_adds_no_duplicate) {
    Driver d;
    d.version = "550.54.15";
    d.graphics = {
        DriverFile{"/drv/icd.json", "/etc/vulkan/icd.d/nvidia_icd.json", Capability::graphics, false, {}}};
    PlanOptions o;
    o.mask_procfs = false;
    ContainerEdits e = plan_edits(d, {}, {Capability::graphics}, o);
    oci::Config once;
    apply_edits(e, once);
    oci::Config twice = once;
    apply_edits(e, twice);
    BOOST_TEST((once == twice));
    BOOST_TEST(std::count_if(twice.mounts.begin(), twice.mounts.end(), [](const oci::Mount& m) {
                   return m.destination == "/etc/vulkan/icd.d/nvidia_icd.json";
               }) == 1);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace berth::nvidia
