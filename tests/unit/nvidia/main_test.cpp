#define BOOST_TEST_MODULE berth_nvidia
#include "test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace berth::nvidia::test {
namespace {

struct FakeRoot {
    std::string root;
    bool devices = false;
    std::unique_ptr<TempDir> dir;

    FakeRoot() {
        dir = std::make_unique<TempDir>();
        std::string candidate = dir->path() + "/driver";
        std::string cmd =
            "bash '" BERTH_FAKE_NVIDIA_SCRIPT "' '" + candidate + "' >'" + dir->path() + "/build.log' 2>&1";
        if (std::system(cmd.c_str()) != 0) {
            BOOST_TEST_MESSAGE("make-fake-driver.sh failed:\n" << read_text(dir->path() + "/build.log"));
            return;
        }
        root = candidate;
        devices = read_text(root + "/fake-driver.env").find("FAKE_NVIDIA_DEVICES=1") != std::string::npos;
    }
};

FakeRoot& fake() {
    static FakeRoot instance;
    return instance;
}

}  // namespace

TempDir::TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/berth-nvidia-test.XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& rel, const std::string& text) const {
    std::filesystem::path p = std::filesystem::path(path_) / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
}

const std::string& fake_root() {
    return fake().root;
}
bool fake_root_has_devices() {
    return fake().devices;
}

NvidiaConfig fake_config() {
    NvidiaConfig c;
    c.driver_root = c.proc_root = fake_root();
    c.cdi_spec_dirs = {fake_root() + "/etc/cdi"};
    c.hook_path = "/usr/libexec/berth-nvidia-hook";
    return c;
}

oci::Config gpu_config(std::vector<std::string> env) {
    oci::Config c;
    c.process.emplace();
    c.process->env = std::move(env);
    return c;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace berth::nvidia::test
