// FsManager and the eBPF device filter on this machine's real hierarchies. Needs root and a
// host with v1 controllers (the hybrid development host); skipped elsewhere. Every test works
// in cgroups named berth-test-<pid>… and removes them, children killed first, even on failure.
#include "cgroup/device_filter_v2.hpp"
#include "cgroup/fs_manager.hpp"
#include "test_util.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace berth;
using namespace berth::cgroup;
namespace fs = std::filesystem;

namespace {

bool real_v1_host() {
    return ::geteuid() == 0 && detect_layout() != Layout::unified && fs::exists("/sys/fs/cgroup/freezer/cgroup.procs") &&
           fs::exists("/sys/fs/cgroup/memory/cgroup.procs");
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
}

// A forked child that counts in shared memory, so a test can see whether it runs.
class Counter {
public:
    Counter() {
        void* p = ::mmap(nullptr, sizeof(std::atomic<long>), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        BOOST_REQUIRE(p != MAP_FAILED);
        count_ = new (p) std::atomic<long>(0);
        pid_ = ::fork();
        BOOST_REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            for (;;) {
                count_->fetch_add(1);
                ::usleep(1000);
            }
        }
    }
    ~Counter() {
        if (pid_ > 0 && !reaped_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        ::munmap(count_, sizeof *count_);
    }
    pid_t pid() const { return pid_; }
    long count() const { return count_->load(); }
    // Waits for the child and returns its wait status.
    int reap() {
        int status = 0;
        ::waitpid(pid_, &status, 0);
        reaped_ = true;
        return status;
    }

private:
    pid_t pid_ = -1;
    bool reaped_ = false;
    std::atomic<long>* count_ = nullptr;
};

// The manager of berth-test-<pid>; its destructor thaws and destroys whatever is left.
struct RealCgroup {
    std::unique_ptr<Manager> m;
    std::vector<std::string> paths;
    RealCgroup() {
        ManagerOptions o;
        o.container_id = "berth-test";
        o.cgroups_path = "/berth-test-" + std::to_string(::getpid());
        m = make_manager(o);
        for (const auto& d : dynamic_cast<FsManager&>(*m).dirs()) paths.push_back(d.path);
        m->create();
    }
    ~RealCgroup() {
        try {
            if (m->is_frozen()) m->freeze(false);
            m->kill_all(SIGKILL);
            m->destroy();
        } catch (const std::exception& e) {
            BOOST_TEST_MESSAGE("cleanup: " << e.what());
            for (const auto& p : paths) ::rmdir(p.c_str());
        }
    }
    std::string path_in(const std::string& hierarchy) const {
        for (const auto& p : paths) {
            if (p.find("/sys/fs/cgroup/" + hierarchy + "/") == 0) return p;
        }
        return {};
    }
};

bool wait_for(const std::function<bool()>& f) {
    for (int i = 0; i < 200; ++i) {
        if (f()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
}

}  // namespace

// Not a Boost precondition: its std::function trips g++ 12's -Wuninitialized.
#define SKIP_UNLESS_REAL_V1()                                                      \
    do {                                                                           \
        if (!real_v1_host()) {                                                     \
            BOOST_TEST_MESSAGE("skipped: needs root and v1 cgroup controllers");   \
            return;                                                                \
        }                                                                          \
    } while (0)

BOOST_AUTO_TEST_SUITE(fs_real)

BOOST_AUTO_TEST_CASE(lifecycle_on_real_v1_hierarchies) {
    SKIP_UNLESS_REAL_V1();
    std::vector<std::string> paths;
    {
        RealCgroup cg;
        paths = cg.paths;
        for (const char* h : {"memory", "pids", "freezer", "cpu", "unified"}) BOOST_TEST(fs::is_directory(cg.path_in(h)), h);
        oci::Resources r;
        r.memory = oci::Memory{};
        r.memory->limit = 64 << 20;
        r.pids = oci::Pids{64};
        r.cpu = oci::Cpu{};
        r.cpu->shares = 512;
        cg.m->apply(r);
        BOOST_TEST(slurp(cg.path_in("memory") + "/memory.limit_in_bytes") == "67108864");
        BOOST_TEST(slurp(cg.path_in("pids") + "/pids.max") == "64");
        BOOST_TEST(slurp(cg.path_in("cpu") + "/cpu.shares") == "512");
        // cpuset: inherited from the parent so that tasks may join at all.
        BOOST_TEST(!slurp(cg.path_in("cpuset") + "/cpuset.cpus").empty());

        Counter child;
        cg.m->add_process(child.pid());
        BOOST_TEST(cg.m->pids() == std::vector<pid_t>{child.pid()});
        BOOST_TEST(slurp(cg.path_in("unified") + "/cgroup.procs") == std::to_string(child.pid()));
        const Stats stats = read_stats(*cg.m);
        BOOST_TEST(stats.pids.current == 1u);
        BOOST_TEST(stats.pids.limit == 64u);
        BOOST_TEST(stats.memory.usage.limit == 64u << 20);
        // memory.usage may be 0: v1 does not move the child's pages in unless move_charge_at_immigrate.
        BOOST_TEST(stats_to_json(stats).find("\"pids\":{\"current\":1,\"limit\":64}") != std::string::npos);

        cg.m->freeze(true);
        BOOST_TEST(slurp(cg.path_in("freezer") + "/freezer.state") == "FROZEN");
        BOOST_TEST(cg.m->is_frozen());
        const long frozen_at = child.count();
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
        BOOST_TEST(child.count() == frozen_at);  // not progressing
        cg.m->freeze(false);
        BOOST_TEST(!cg.m->is_frozen());
        BOOST_TEST(wait_for([&] { return child.count() > frozen_at; }));

        cg.m->kill_all(SIGKILL);
        const int status = child.reap();
        BOOST_TEST((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
        BOOST_TEST(wait_for([&] { return cg.m->pids().empty(); }));
    }
    for (const auto& p : paths) BOOST_TEST(!fs::exists(p), p);
}

BOOST_AUTO_TEST_CASE(kill_all_with_sigterm_goes_through_the_v1_freezer) {
    SKIP_UNLESS_REAL_V1();
    RealCgroup cg;
    Counter a, b;
    cg.m->add_process(a.pid());
    cg.m->add_process(b.pid());
    BOOST_TEST(cg.m->pids().size() == 2u);
    cg.m->kill_all(SIGTERM);  // not SIGKILL: freeze, signal each pid, thaw
    for (Counter* c : {&a, &b}) {
        const int status = c->reap();
        BOOST_TEST((WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM));
    }
    BOOST_TEST(!cg.m->is_frozen());
}

BOOST_AUTO_TEST_CASE(kernel_refusal_names_file_value_and_errno) {
    SKIP_UNLESS_REAL_V1();
    RealCgroup cg;
    oci::Resources r;
    r.cpu = oci::Cpu{};
    r.cpu->cpus = "4095";  // beyond nr_cpu_ids: the kernel says ERANGE
    cgtest::expect_error([&] { cg.m->apply(r); },
                         ".linux.resources.cpu.cpus: write \"cpuset.cpus\" = \"4095\": Numerical result out of range");
}

BOOST_AUTO_TEST_CASE(memory_and_swap_update_order) {
    SKIP_UNLESS_REAL_V1();
    RealCgroup cg;
    if (!fs::exists(cg.path_in("memory") + "/memory.memsw.limit_in_bytes")) return;
    oci::Resources r;
    r.memory = oci::Memory{};
    r.memory->limit = 32 << 20;
    r.memory->swap = 64 << 20;
    cg.m->apply(r);
    // Raising both above the current memsw needs memsw first; lowering needs limit first.
    r.memory->limit = 128 << 20;
    r.memory->swap = 256 << 20;
    cg.m->apply(r);
    BOOST_TEST(slurp(cg.path_in("memory") + "/memory.memsw.limit_in_bytes") == std::to_string(256 << 20));
    r.memory->limit = 16 << 20;
    r.memory->swap = 32 << 20;
    cg.m->apply(r);
    BOOST_TEST(slurp(cg.path_in("memory") + "/memory.limit_in_bytes") == std::to_string(16 << 20));
}

BOOST_AUTO_TEST_CASE(v1_device_rules_are_enforced) {
    SKIP_UNLESS_REAL_V1();
    RealCgroup cg;
    oci::Resources r;
    r.devices = {{false, "a", std::nullopt, std::nullopt, "rwm"}, {true, "c", 1, 3, "rw"}};
    cg.m->apply(r);
    BOOST_TEST(slurp(cg.path_in("devices") + "/devices.list") == "c 1:3 rw");
    const pid_t pid = ::fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {
        ::usleep(100000);  // the parent moves us meanwhile
        const int null_fd = ::open("/dev/null", O_RDWR);
        const int zero_fd = ::open("/dev/zero", O_RDONLY);
        ::_exit((null_fd >= 0 ? 0 : 1) | (zero_fd < 0 && errno == EPERM ? 0 : 2));
    }
    cg.m->add_process(pid);
    int status = 0;
    ::waitpid(pid, &status, 0);
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(WEXITSTATUS(status) == 0, "exit bits " << WEXITSTATUS(status) << ": 1 = /dev/null refused, 2 = /dev/zero allowed");
}

BOOST_AUTO_TEST_CASE(ebpf_device_filter_on_the_cgroup2_mount) {
    SKIP_UNLESS_REAL_V1();
    const std::string dir = "/sys/fs/cgroup/unified/berth-test-" + std::to_string(::getpid()) + "-bpf";
    BOOST_REQUIRE(::mkdir(dir.c_str(), 0755) == 0);
    struct Remove {
        std::string d;
        ~Remove() { ::rmdir(d.c_str()); }
    } remove{dir};
    const auto rules = device_rules_from_oci({{false, "a", std::nullopt, std::nullopt, "rwm"},
                                              {true, "c", std::nullopt, std::nullopt, "rwm"},
                                              {false, "c", 1, 5, "r"},
                                              {true, "c", 1, 7, "rw"}});
    UniqueFd program = load_device_filter(rules);
    BOOST_REQUIRE(program);
    UniqueFd cgroup_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    replace_device_filter(cgroup_fd.get(), program.get());
    // Attaching again replaces the first program instead of stacking a second one.
    UniqueFd program2 = load_device_filter(rules);
    replace_device_filter(cgroup_fd.get(), program2.get());

    const pid_t pid = ::fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {
        std::ofstream(dir + "/cgroup.procs") << ::getpid() << std::flush;
        int bits = 0;
        if (::open("/dev/null", O_RDWR) < 0) bits |= 1;                         // c 1:3: allowed by c *:*
        if (::open("/dev/zero", O_RDONLY) >= 0 || errno != EPERM) bits |= 2;     // c 1:5 r: denied later
        if (::open("/dev/zero", O_WRONLY) < 0) bits |= 4;                        // c 1:5 w: still allowed
        if (::open("/dev/full", O_RDWR) < 0) bits |= 8;
        ::_exit(bits);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(WEXITSTATUS(status) == 0, "exit bits " << WEXITSTATUS(status));
    BOOST_TEST(slurp(dir + "/cgroup.procs").empty());
}


BOOST_AUTO_TEST_CASE(v1_missing_control_file_names_the_kernel_feature) {
    SKIP_UNLESS_REAL_V1();
    RealCgroup cg;
    // A file no kernel has, in the rt family: what a kernel without CONFIG_RT_GROUP_SCHED
    // shows for cpu.rt_runtime_us.
    Translation t;
    t.settings.push_back({"cpu", "cpu.rt_absent_us", "1", ".linux.resources.cpu.realtimeRuntime", "", "", false, ""});
    cgtest::expect_error([&] { dynamic_cast<FsManager&>(*cg.m).apply_translation(t); },
                         ".linux.resources.cpu.realtimeRuntime: \"cpu.rt_absent_us\" is not supported by this "
                         "kernel (no CONFIG_RT_GROUP_SCHED)");
}

BOOST_AUTO_TEST_SUITE_END()
