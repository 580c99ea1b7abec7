// OomWatch: the v2 path against a fake memory.events file (no root), the v1 registration on
// this machine's real memory hierarchy (root and a v1 memory controller; skipped elsewhere).
#include "cgroup/oom_watch.hpp"
#include "test_util.hpp"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

using namespace berth::cgroup;
namespace fs = std::filesystem;

namespace {

bool readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 200) == 1 && (p.revents & POLLIN);
}

class TempDir {
public:
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "berth-oom-XXXXXX").string();
        BOOST_REQUIRE(::mkdtemp(tmpl.data()));
        path_ = tmpl;
    }
    ~TempDir() { fs::remove_all(path_); }
    const std::string& path() const { return path_; }
    // Rewrites the file in place, as the kernel's counters change: one IN_MODIFY.
    void events(const std::string& text) const {
        std::ofstream out(path_ + "/memory.events", std::ios::in | std::ios::out | std::ios::trunc);
        out << text;
    }

private:
    std::string path_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(oom_watch)

BOOST_AUTO_TEST_CASE(v2_reports_how_far_oom_kill_moved) {
    TempDir d;
    std::ofstream(d.path() + "/memory.events") << "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n";
    auto w = OomWatch::v2(d.path());
    BOOST_TEST(!readable(w.fd()));
    BOOST_TEST(w.consume().value() == 0u);  // kills before the watch began are not news
    d.events("low 0\nhigh 0\nmax 9\noom 3\noom_kill 3\n");
    BOOST_TEST(readable(w.fd()));
    BOOST_TEST(w.consume().value() == 2u);
    BOOST_TEST(!readable(w.fd()));
    d.events("low 0\nhigh 0\nmax 10\noom 3\noom_kill 3\n");  // another counter moved
    BOOST_TEST(readable(w.fd()));
    BOOST_TEST(w.consume().value() == 0u);
}

BOOST_AUTO_TEST_CASE(v2_removed_cgroup_ends_the_watch) {
    TempDir d;
    std::ofstream(d.path() + "/memory.events") << "oom 0\noom_kill 0\n";
    auto w = OomWatch::v2(d.path());
    fs::remove(d.path() + "/memory.events");
    BOOST_TEST(readable(w.fd()));
    BOOST_TEST(!w.consume().has_value());
}

BOOST_AUTO_TEST_CASE(v2_missing_file_is_a_clear_error) {
    TempDir d;
    cgtest::expect_error([&] { OomWatch::v2(d.path()); }, d.path() + "/memory.events");
}

BOOST_AUTO_TEST_CASE(v1_registration_and_removal_is_no_oom) {
    const std::string dir = "/sys/fs/cgroup/memory/berth-test-oom-" + std::to_string(::getpid());
    if (::geteuid() != 0 || !fs::exists("/sys/fs/cgroup/memory/cgroup.event_control")) {
        BOOST_TEST_MESSAGE("skipped: needs root and a v1 memory controller");
        return;
    }
    BOOST_REQUIRE(::mkdir(dir.c_str(), 0755) == 0);
    std::optional<OomWatch> w;
    try {
        w = OomWatch::v1(dir);
    } catch (...) {
        ::rmdir(dir.c_str());
        throw;
    }
    BOOST_TEST(!readable(w->fd()));
    BOOST_TEST(w->consume().value() == 0u);
    BOOST_REQUIRE(::rmdir(dir.c_str()) == 0);
    BOOST_TEST(readable(w->fd()));  // the kernel signals removal through the same eventfd
    BOOST_TEST(!w->consume().has_value());
}

BOOST_AUTO_TEST_SUITE_END()
