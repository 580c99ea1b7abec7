// The side-by-side lifecycle benchmark's driver: runs every runtime on the same bundle,
// interleaved (iteration i runs each runtime once, in a rotating order, so drift in the
// machine's load falls on all of them alike), and writes one CSV row per sample:
//   runtime,op,nanoseconds,peak_rss_kib,exit_status
// ops: run, create, start, delete, exec (of /bin/true into a running container),
// run-seccomp (the seccomp bundle), and at-once (N workers at once, each creating,
// starting, waiting for and deleting its own container on one --root; one row per round,
// the wall time of the whole round). A runtime named "floor" is run as `floor ROOTFS
// /bin/true` for the run op only. Processes are started with posix_spawn and timed with
// CLOCK_MONOTONIC around spawn..wait; peak RSS is measured apart (rss-<op> rows, ns 0),
// through the small `maxrss` program given by --maxrss.
// Not a test: tests/bench/lifecycle_bench.sh drives it and tests/bench/report.py reads it.
//   lifecycle-driver --bundle B [--seccomp-bundle S] [--maxrss PATH] --work DIR --n N [--rounds R]
//                    NAME=PATH... > samples.csv
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

struct Runtime {
    std::string name, path;
};

struct Sample {
    long long ns = 0;
    long rss_kib = 0;
    int status = 0;
};

long long now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Runs argv with stdin and stdout on /dev/null and stderr to ERR; its wall time and status.
Sample spawn_wait(const std::vector<std::string>& args, const char* err = "/dev/null") {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    for (int fd : {0, 1}) posix_spawn_file_actions_addopen(&fa, fd, "/dev/null", O_RDWR, 0);
    posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    Sample s;
    const long long t0 = now_ns();
    pid_t pid = 0;
    if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ) != 0) {
        std::perror(argv[0]);
        std::exit(2);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    s.ns = now_ns() - t0;
    posix_spawn_file_actions_destroy(&fa);
    s.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return s;
}

std::string read_file(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// Waits until the process in PID_FILE has exited (the container's /bin/true).
void wait_exited(const std::string& pid_file) {
    const int pid = std::atoi(read_file(pid_file).c_str());
    if (pid <= 0) return;
    const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (fd < 0) return;  // already gone
    struct pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, 5000);
    ::close(fd);
}

struct Options {
    std::string bundle, seccomp_bundle, work, maxrss;
    int n = 50, rounds = 3;
    std::vector<Runtime> runtimes;
};

bool g_record = true;  // false while warming up

// A container id no other run or runtime uses: berth names its cgroups /berth/<id>
// whatever --root is, so two builds of berth in one run, or two runs on one machine,
// would otherwise share (and kill) each other's containers.
const std::string g_run = std::to_string(::getpid());
std::string cid(const Runtime& rt, const std::string& name) { return rt.name + "-" + g_run + "-" + name; }

void emit(const std::string& rt, const char* op, const Sample& s) {
    if (g_record) std::printf("%s,%s,%lld,%ld,%d\n", rt.c_str(), op, s.ns, s.rss_kib, s.status);
}

// One iteration's samples for one runtime: run, create/start/delete, run-seccomp.
void lifecycle_once(const Options& o, const Runtime& rt, int i) {
    if (rt.name == "floor") {
        emit(rt.name, "run", spawn_wait({rt.path, o.bundle + "/rootfs", "/bin/true"}));
        return;
    }
    const std::string root = o.work + "/root-" + rt.name, id = cid(rt, "b" + std::to_string(i));
    emit(rt.name, "run", spawn_wait({rt.path, "--root", root, "run", "-b", o.bundle, id}));
    const std::string pid_file = o.work + "/pid-" + rt.name;
    emit(rt.name, "create",
         spawn_wait({rt.path, "--root", root, "create", "-b", o.bundle, "--pid-file", pid_file, id}));
    emit(rt.name, "start", spawn_wait({rt.path, "--root", root, "start", id}));
    wait_exited(pid_file);
    emit(rt.name, "delete", spawn_wait({rt.path, "--root", root, "delete", id}));
    if (!o.seccomp_bundle.empty())
        emit(rt.name, "run-seccomp", spawn_wait({rt.path, "--root", root, "run", "-b", o.seccomp_bundle, id}));
}

// N workers at once, each create, start, wait, delete of its own container; the wall time.
void at_once(const Options& o, const Runtime& rt, int round) {
    const std::string root = o.work + "/once-" + rt.name;
    const long long t0 = now_ns();
    std::vector<pid_t> workers;
    for (int w = 0; w < o.n; ++w) {
        const pid_t pid = ::fork();
        if (pid == 0) {
            const std::string id = cid(rt, "o" + std::to_string(round) + "-" + std::to_string(w));
            const std::string pid_file = o.work + "/once-pid-" + rt.name + id;
            int bad = spawn_wait({rt.path, "--root", root, "create", "-b", o.bundle, "--pid-file", pid_file, id}).status;
            bad |= spawn_wait({rt.path, "--root", root, "start", id}).status;
            wait_exited(pid_file);
            bad |= spawn_wait({rt.path, "--root", root, "delete", id}).status;
            ::unlink(pid_file.c_str());
            _exit(bad ? 1 : 0);
        }
        workers.push_back(pid);
    }
    int failures = 0;
    for (pid_t pid : workers) {
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        failures += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    Sample s;
    s.ns = now_ns() - t0;
    s.status = failures;
    emit(rt.name, "at-once", s);
}

// exec of /bin/true into one long-running container per runtime.
void exec_samples(const Options& o, const std::vector<Runtime>& rts) {
    for (const auto& rt : rts) {
        if (rt.name == "floor") continue;
        const std::string root = o.work + "/root-" + rt.name;
        spawn_wait({rt.path, "--root", root, "delete", "--force", cid(rt, "sleeper")});
        spawn_wait({rt.path, "--root", root, "run", "-d", "-b", o.work + "/sleeper", cid(rt, "sleeper")});
    }
    for (int i = 0; i < o.n; ++i)
        for (size_t k = 0; k < rts.size(); ++k) {
            const Runtime& rt = rts[(k + static_cast<size_t>(i)) % rts.size()];
            if (rt.name == "floor") continue;
            emit(rt.name, "exec",
                 spawn_wait({rt.path, "--root", o.work + "/root-" + rt.name, "exec", cid(rt, "sleeper"), "/bin/true"}));
        }
    for (const auto& rt : rts)
        if (rt.name != "floor")
            spawn_wait({rt.path, "--root", o.work + "/root-" + rt.name, "delete", "--force", cid(rt, "sleeper")});
}

// Peak RSS of each runtime process, through the small `maxrss` program (a process
// spawned from this driver would report the driver's own size): a few lifecycles each.
void rss_samples(const Options& o, const std::vector<Runtime>& rts) {
    const std::string err = o.work + "/maxrss.err";
    auto measure = [&](const Runtime& rt, const char* op, std::vector<std::string> args) {
        args.insert(args.begin(), o.maxrss);
        Sample s = spawn_wait(args, err.c_str());
        std::istringstream lines(read_file(err));
        std::string line, last;
        while (std::getline(lines, line)) last = line;
        s.rss_kib = std::atol(last.c_str());
        s.ns = 0;
        emit(rt.name, op, s);
    };
    for (int i = 0; i < 5; ++i)
        for (const auto& rt : rts) {
            if (rt.name == "floor") {
                measure(rt, "rss-run", {rt.path, o.bundle + "/rootfs", "/bin/true"});
                continue;
            }
            const std::string root = o.work + "/rss-" + rt.name, id = cid(rt, "r" + std::to_string(i));
            const std::string pid_file = o.work + "/rss-pid-" + rt.name;
            const std::vector<std::string> base = {rt.path, "--root", root};
            auto cmd = [&](std::vector<std::string> tail) {
                std::vector<std::string> v = base;
                v.insert(v.end(), tail.begin(), tail.end());
                return v;
            };
            measure(rt, "rss-run", cmd({"run", "-b", o.bundle, id}));
            measure(rt, "rss-create", cmd({"create", "-b", o.bundle, "--pid-file", pid_file, id}));
            measure(rt, "rss-start", cmd({"start", id}));
            wait_exited(pid_file);
            measure(rt, "rss-delete", cmd({"delete", id}));
            spawn_wait(cmd({"run", "-d", "-b", o.work + "/sleeper", cid(rt, "sleeper")}));
            measure(rt, "rss-exec", cmd({"exec", cid(rt, "sleeper"), "/bin/true"}));
            spawn_wait(cmd({"delete", "--force", cid(rt, "sleeper")}));
        }
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) { std::fprintf(stderr, "%s needs a value\n", a.c_str()); std::exit(2); }
            return argv[++i];
        };
        if (a == "--bundle") o.bundle = value();
        else if (a == "--seccomp-bundle") o.seccomp_bundle = value();
        else if (a == "--work") o.work = value();
        else if (a == "--maxrss") o.maxrss = value();
        else if (a == "--n") o.n = std::atoi(value().c_str());
        else if (a == "--rounds") o.rounds = std::atoi(value().c_str());
        else if (auto eq = a.find('='); eq != std::string::npos) o.runtimes.push_back({a.substr(0, eq), a.substr(eq + 1)});
        else { std::fprintf(stderr, "unknown argument %s\n", a.c_str()); std::exit(2); }
    }
    if (o.bundle.empty() || o.work.empty() || o.runtimes.empty() || o.n <= 0) {
        std::fprintf(stderr, "usage: lifecycle-driver --bundle B [--seccomp-bundle S] --work DIR --n N "
                             "[--rounds R] NAME=PATH...\n");
        std::exit(2);
    }
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    std::printf("runtime,op,ns,rss_kib,status\n");
    const size_t k = o.runtimes.size();
    g_record = false;  // warm the page cache and each runtime's state root
    for (const auto& rt : o.runtimes) lifecycle_once(o, rt, 0);
    g_record = true;
    for (int i = 0; i < o.n; ++i)
        for (size_t j = 0; j < k; ++j) lifecycle_once(o, o.runtimes[(j + static_cast<size_t>(i)) % k], i);
    exec_samples(o, o.runtimes);
    if (!o.maxrss.empty()) rss_samples(o, o.runtimes);
    for (int r = 0; r < o.rounds; ++r)
        for (size_t j = 0; j < k; ++j)
            if (o.runtimes[(j + static_cast<size_t>(r)) % k].name != "floor")
                at_once(o, o.runtimes[(j + static_cast<size_t>(r)) % k], r);
    return 0;
}
