// Helpers shared by the berth::nvidia unit tests.
#pragma once

#include "hooks/nvidia/config.hpp"
#include "oci/config.hpp"
#include "util/error.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

namespace berth::nvidia::test {

// Checks that `expr` throws berth::Error whose message contains `text`.
#define NV_CHECK_THROWS_WITH(expr, text)                                             \
    BOOST_CHECK_EXCEPTION((void)(expr), ::berth::Error, [&](const ::berth::Error& nv_err_) { \
        bool ok = std::string(nv_err_.what()).find(text) != std::string::npos;       \
        if (!ok) BOOST_TEST_MESSAGE("message was: " << nv_err_.what());              \
        return ok;                                                                   \
    })

// A fresh directory under $TMPDIR, removed (recursively) by the destructor.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    // Writes `text` to path()/rel, creating parent directories.
    std::string write(const std::string& rel, const std::string& text) const;

private:
    std::string path_;
};

// The fake driver root built once per test run by tests/fixtures/fake_nvidia/
// make-fake-driver.sh (550.54.15, 2 GPUs, CUDA 12040). Empty when it could not be built.
const std::string& fake_root();
// True when the fake root has device nodes (the builder ran as root).
bool fake_root_has_devices();

std::string read_text(const std::string& path);

// A case that needs the fake root returns early (reported) without gcc or root.
#define NEEDS_FAKE_ROOT()                                                                \
    if (::berth::nvidia::test::fake_root().empty() || !::berth::nvidia::test::fake_root_has_devices()) { \
        BOOST_TEST_MESSAGE("skipped: the fake driver root needs gcc and root (mknod)");  \
        return;                                                                          \
    }

// berth's nvidia settings pointing at the fake root (driver, proc, CDI spec dir).
NvidiaConfig fake_config();

// A config whose process has exactly `env`.
oci::Config gpu_config(std::vector<std::string> env);

}  // namespace berth::nvidia::test
