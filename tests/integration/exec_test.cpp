// `berth exec` into a running container: what the new process sees, and its exit
// status. Needs root.
#define BOOST_TEST_MODULE integration_exec
#include "harness.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <functional>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace berth::it;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// A running container (the probe sleeping as its init), deleted with --force at the end.
class Running {
public:
    // adjust: changes the config before the container is made.
    explicit Running(const std::function<void(Bundle&)>& adjust = {}) {
        b.config.process->args = {"/probe", "sleep", "60"};
        if (adjust) adjust(b);
        b.save();
        pid_file = b.dir() + "/init.pid";
        Result c = b.berth({"create", "--bundle", b.dir(), "--pid-file", pid_file, b.id()});
        BOOST_TEST_REQUIRE(c.status == 0, c.err);
        Result s = b.berth({"start", b.id()});
        BOOST_TEST_REQUIRE(s.status == 0, s.err);
    }
    ~Running() { b.berth({"delete", "--force", b.id()}); }
    Result exec(std::vector<std::string> args) const {
        args.insert(args.begin(), "exec");
        auto at = std::find(args.begin(), args.end(), std::string("--"));
        if (at != args.end()) *at = b.id();
        else args.insert(args.begin() + 1, b.id());
        return b.berth(args);
    }
    Bundle b;
    std::string pid_file;
};

// Every hierarchy's line of /proc/<pid>/cgroup.
std::string cgroup_of(const std::string& pid) { return read_file("/proc/" + pid + "/cgroup"); }

// The state letter of /proc/<pid>/stat ('Z' for a zombie, which kill(pid, 0) still finds).
char process_state(const std::string& pid) {
    std::string stat = read_file("/proc/" + pid + "/stat");
    auto at = stat.rfind(')');
    return at == std::string::npos || at + 2 >= stat.size() ? '?' : stat[at + 2];
}

}  // namespace

BOOST_AUTO_TEST_CASE(exec_runs_inline_args_and_returns_the_exit_status) {
    Running c;
    Result r = c.exec({"/probe", "exit", "9"});
    BOOST_TEST(r.status == 9, r.err);
    Result sh = c.exec({"/bin/busybox", "sh", "-c", "echo hello-from-exec"});
    BOOST_TEST(sh.status == 0, sh.err);
    BOOST_TEST(sh.out == "hello-from-exec\n");
}

BOOST_AUTO_TEST_CASE(exec_joins_the_containers_namespaces) {
    Running c;
    Result r = c.exec({"/probe"});
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    Report rep = parse_report(r.out);
    BOOST_TEST(rep.get("hostname") == "berth-test");                 // uts
    BOOST_TEST(rep.get("pid") != "1");
    BOOST_TEST(std::stoi(rep.get("pid")) < 100);                      // the container's pid ns
    BOOST_TEST(rep.get("ppid") == "0");                               // parent (berth) outside it
    BOOST_TEST(rep.has_mount("/proc", "proc"));                       // mount ns
    BOOST_TEST(rep.get("cwd") == "/");
    Result init = c.exec({"/probe", "cat", "/proc/1/cmdline"});
    BOOST_TEST(contains(init.out, "sleep"));                          // sees the init as pid 1
    std::string init_pid = read_file(c.pid_file);
    for (const char* ns : {"ns_mnt", "ns_uts", "ns_ipc", "ns_pid", "ns_net"}) {
        Report host = parse_report(run_command({"/bin/sh", "-c", std::string("stat -L -c ") + ns + "=%i /proc/" +
                                                                     init_pid + "/ns/" + (ns + 3)}).out);
        BOOST_TEST(rep.get(ns) == host.get(ns), ns);
    }
}

BOOST_AUTO_TEST_CASE(exec_flags_take_effect) {
    Running c;
    Result r = c.exec({"-e", "FOO=bar", "-e", "PATH=/bin", "--cwd", "/tmp", "-u", "1000:1001", "-g", "2000",
                       "--", "/probe"});
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    Report rep = parse_report(r.out);
    auto env = rep.all("env");
    BOOST_TEST((std::find(env.begin(), env.end(), "FOO=bar") != env.end()));
    BOOST_TEST((std::count_if(env.begin(), env.end(), [](auto& e) { return e.rfind("PATH=", 0) == 0; }) == 1));
    BOOST_TEST((std::find(env.begin(), env.end(), "PATH=/bin") != env.end()));
    BOOST_TEST(rep.get("cwd") == "/tmp");
    BOOST_TEST(rep.get("uid") == "1000");
    BOOST_TEST(rep.get("gid") == "1001");
    BOOST_TEST(contains(rep.get("groups"), "2000"));
}

BOOST_AUTO_TEST_CASE(exec_has_the_containers_capabilities_and_no_extra_fds) {
    Running c;
    Report init = parse_report(c.exec({"/probe", "cat", "/proc/1/status"}).out);
    Result r = c.exec({"/probe"});
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    Report rep = parse_report(r.out);
    BOOST_TEST(rep.get("fds") == "0,1,2");
    BOOST_TEST(rep.get("dumpable") == "1");
    std::string status = c.exec({"/probe", "cat", "/proc/1/status"}).out;
    for (const char* key : {"CapBnd", "CapEff", "CapPrm"}) {
        auto at = status.find(std::string(key) + ":\t");
        BOOST_TEST_REQUIRE(at != std::string::npos);
        std::string value = status.substr(at + 8, status.find('\n', at) - at - 8);
        BOOST_TEST(rep.get(key) == value, key);
    }
    BOOST_TEST(rep.get("NoNewPrivs") == "1");
}

BOOST_AUTO_TEST_CASE(exec_reads_a_process_file) {
    Running c;
    write_file(c.b.dir() + "/process.json",
               R"({"args": ["/probe"], "cwd": "/root", "env": ["PROCESS_FILE=yes"], "user": {"uid": 7, "gid": 8}})");
    Result r = c.b.berth({"exec", "--process", c.b.dir() + "/process.json", c.b.id()});
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    Report rep = parse_report(r.out);
    BOOST_TEST(rep.get("cwd") == "/root");
    BOOST_TEST(rep.get("uid") == "7");
    BOOST_TEST(rep.get("gid") == "8");
    auto env = rep.all("env");
    BOOST_TEST((std::find(env.begin(), env.end(), "PROCESS_FILE=yes") != env.end()));
}

// Kubernetes' exec probes and `kubectl exec` shells run with the container's oom_score_adj
// (kubelet sets 1000 for BestEffort pods): the shim's own value (-998 on a node) would make
// them the last processes the OOM killer picks. runc gives every exec'd process the
// container's value; a process file's own oomScoreAdj is the spec's process field, applied.
BOOST_AUTO_TEST_CASE(exec_gets_the_containers_oom_score_adj_or_the_process_files) {
    Running c([](Bundle& b) { b.config.process->oom_score_adj = 500; });
    Bundle& b = c.b;
    Result inl = c.exec({"/probe", "cat", "/proc/self/oom_score_adj"});
    BOOST_TEST(inl.out == "500\n", inl.err);
    write_file(b.dir() + "/p-none.json", R"({"args": ["/probe", "cat", "/proc/self/oom_score_adj"], "cwd": "/"})");
    Result none = b.berth({"exec", "--process", b.dir() + "/p-none.json", b.id()});
    BOOST_TEST(none.out == "500\n", none.err);
    write_file(b.dir() + "/p-700.json",
               R"({"args": ["/probe", "cat", "/proc/self/oom_score_adj"], "cwd": "/", "oomScoreAdj": 700})");
    Result own = b.berth({"exec", "--process", b.dir() + "/p-700.json", b.id()});
    BOOST_TEST(own.out == "700\n", own.err);
}

BOOST_AUTO_TEST_CASE(detached_exec_writes_the_pid_file_and_joins_the_cgroup) {
    Running c;
    std::string pid_file = c.b.dir() + "/exec.pid";
    Result r = c.exec({"-d", "--pid-file", pid_file, "--", "/probe", "sleep", "30"});
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    BOOST_TEST(r.out.empty());
    std::string pid = read_file(pid_file);
    BOOST_TEST_REQUIRE(!pid.empty());
    // Still running after berth exited: the parent-death signal must not reach it (a
    // zombie, or a process already removed from its cgroups, would fail these).
    ::usleep(200000);
    BOOST_TEST(::kill(std::stoi(pid), 0) == 0);
    BOOST_TEST(process_state(pid) != 'Z');
    BOOST_TEST(cgroup_of(pid) == cgroup_of(read_file(c.pid_file)));
    BOOST_TEST(contains(cgroup_of(pid), c.b.id()));
}

BOOST_AUTO_TEST_CASE(exec_into_a_stopped_or_missing_container_fails_clearly) {
    Bundle b;
    b.config.process->args = {"/probe", "exit", "0"};
    b.save();
    BOOST_TEST_REQUIRE(b.berth({"create", "--bundle", b.dir(), b.id()}).status == 0);
    BOOST_TEST_REQUIRE(b.berth({"start", b.id()}).status == 0);
    for (int i = 0; i < 100 && !contains(b.berth({"state", b.id()}).out, "stopped"); ++i) ::usleep(20000);
    Result r = b.berth({"exec", b.id(), "/probe"});
    BOOST_TEST(r.status != 0);
    BOOST_TEST(contains(r.err, "exec \"" + b.id() + "\": container is stopped"), r.err);
    b.berth({"delete", "--force", b.id()});
    Result missing = b.berth({"exec", "no-such-container", "/probe"});
    BOOST_TEST(missing.status != 0);
    BOOST_TEST(contains(missing.err, "exec \"no-such-container\""), missing.err);
    BOOST_TEST(contains(missing.err, "does not exist"), missing.err);
}

BOOST_AUTO_TEST_CASE(exec_refuses_lsm_labels_it_cannot_apply) {
    Running r;
    // Refused rather than ignored (runtime/lsm.cpp): the process would run unconfined.
    const std::pair<std::string, std::string> cases[] = {{"--apparmor", ".process.apparmorProfile"},
                                                         {"--process-label", ".process.selinuxLabel"}};
    for (const auto& [flag, field] : cases) {
        Result e = r.exec({flag, "unconfined", "--", "/probe", "true"});
        BOOST_TEST(e.status != 0, flag);
        BOOST_TEST(contains(e.err, field), e.err);
    }
}

BOOST_AUTO_TEST_CASE(exec_of_a_missing_executable_fails) {
    Running c;
    Result r = c.exec({"/no/such/binary"});
    BOOST_TEST(r.status != 0);
    BOOST_TEST(contains(r.err, "exec \"/no/such/binary\": No such file or directory"), r.err);
    BOOST_TEST(!contains(r.err, "$PATH"), r.err);  // a path is not looked up there
    Result bare = c.exec({"no-such-command"});
    BOOST_TEST(contains(bare.err, "not found in $PATH \"no-such-command\""), bare.err);
}

BOOST_AUTO_TEST_CASE(exec_with_a_tty_gets_a_terminal_from_the_container) {
    Running c;
    // No --console-socket in the foreground: berth proxies its own stdio to the pty.
    Result r = c.exec({"-t", "--", "/bin/busybox", "sh", "-c", "test -t 0 && test -t 1 && echo tty-ok; exit 4"});
    BOOST_TEST(r.status == 4, r.err);
    BOOST_TEST(contains(r.out, "tty-ok"), r.out);
    // The container's /dev/console is left alone (only the init binds its pty there).
    BOOST_TEST(c.exec({"/probe", "stat", "/dev/console"}).status != 0);
}

BOOST_AUTO_TEST_CASE(exec_sets_home_from_the_containers_etc_passwd) {
    Running c;
    Result r = c.exec({"/probe"});
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    auto env = parse_report(r.out).all("env");
    BOOST_TEST((std::count(env.begin(), env.end(), "HOME=/root") == 1));
    Result other = c.exec({"--user", "4242", "--", "/probe"});  // not in /etc/passwd
    BOOST_TEST_REQUIRE(other.status == 0, other.err);
    env = parse_report(other.out).all("env");
    BOOST_TEST((std::count(env.begin(), env.end(), "HOME=/") == 1));
    Result given = c.exec({"--env", "HOME=/given", "--", "/probe"});
    env = parse_report(given.out).all("env");
    BOOST_TEST((std::count(env.begin(), env.end(), "HOME=/given") == 1));
    BOOST_TEST((std::count_if(env.begin(), env.end(), [](const std::string& e) { return e.rfind("HOME=", 0) == 0; }) == 1));
}

namespace {

// The container's directory in every hierarchy it is in, from its init's /proc/<pid>/cgroup
// ("4:cpu,cpuacct:/berth/id" -> /sys/fs/cgroup/cpu,cpuacct/berth/id; "0::/berth/id" ->
// the cgroup2 tree).
struct CgroupDir {
    std::string ctrls;  // "cpu,cpuacct", "name=systemd", "" for cgroup2
    std::string path;   // "/berth/id"
    std::string dir;    // on the host
};
std::vector<CgroupDir> container_dirs(const std::string& pid) {
    std::vector<CgroupDir> dirs;
    std::string text = cgroup_of(pid);
    for (std::size_t start = 0, end; start < text.size(); start = end + 1) {
        end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(start, end - start);
        auto a = line.find(':'), b = line.find(':', a + 1);
        if (a == std::string::npos || b == std::string::npos) continue;
        std::string ctrls = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
        if (path == "/") continue;
        std::string mount = ctrls.empty() ? "/sys/fs/cgroup/unified"
                                          : "/sys/fs/cgroup/" + (ctrls.rfind("name=", 0) == 0 ? ctrls.substr(5) : ctrls);
        if (path_exists(mount + path)) dirs.push_back({ctrls, path, mount + path});
    }
    return dirs;
}

// mkdir `name` below `dir`; a v1 cpuset child gets its parent's cpus and mems, or no task
// could join it.
void make_sub_cgroup(const std::string& ctrls, const std::string& dir, const std::string& name) {
    std::string sub = dir + "/" + name;
    BOOST_TEST_REQUIRE(::mkdir(sub.c_str(), 0755) == 0, sub);
    if (ctrls.find("cpuset") != std::string::npos)
        for (const char* f : {"/cpuset.cpus", "/cpuset.mems"}) write_file(sub + f, read_file(dir + f));
}

// The exec'd process's /proc/<pid>/cgroup, read from the host while it sleeps.
std::string exec_cgroup(Running& c, const std::string& flag) {
    std::string pid_file = c.b.dir() + "/exec.pid";
    ::unlink(pid_file.c_str());
    Result r = c.exec({"--cgroup", flag, "-d", "--pid-file", pid_file, "--", "/probe", "sleep", "30"});
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    return cgroup_of(read_file(pid_file));
}

}  // namespace

// runc's `exec --cgroup CONTROLLER:PATH`: only that controller's hierarchy changes.
BOOST_AUTO_TEST_CASE(exec_cgroup_with_a_controller_joins_that_sub_cgroup_only) {
    Running c;
    std::string init = read_file(c.pid_file);
    auto dirs = container_dirs(init);
    auto memory = std::find_if(dirs.begin(), dirs.end(), [](const auto& d) { return d.ctrls == "memory"; });
    BOOST_TEST_REQUIRE((memory != dirs.end()), cgroup_of(init));
    make_sub_cgroup(memory->ctrls, memory->dir, "only-memory");
    std::string seen = exec_cgroup(c, "memory:only-memory");
    for (const auto& d : dirs) {
        std::string line = ":" + d.ctrls + ":" + d.path;
        if (d.ctrls == "memory") BOOST_TEST(contains(seen, line + "/only-memory\n"), seen);
        else BOOST_TEST(contains(seen, line + "\n"), d.ctrls << ": " << seen);
    }
}

// Without a controller, every hierarchy (the cgroup2 tree of this hybrid host too).
BOOST_AUTO_TEST_CASE(exec_cgroup_without_a_controller_joins_it_everywhere) {
    Running c;
    auto dirs = container_dirs(read_file(c.pid_file));
    BOOST_TEST_REQUIRE(dirs.size() > 2u);
    for (const auto& d : dirs) make_sub_cgroup(d.ctrls, d.dir, "everywhere");
    std::string seen = exec_cgroup(c, "everywhere");
    for (const auto& d : dirs) BOOST_TEST(contains(seen, ":" + d.ctrls + ":" + d.path + "/everywhere\n"), seen);
    // delete removes the container's cgroups with the sub-cgroups made in them.
    BOOST_TEST(c.b.berth({"delete", "--force", c.b.id()}).status == 0);
    for (const auto& d : dirs) BOOST_TEST(!path_exists(d.dir), d.dir);
}

BOOST_AUTO_TEST_CASE(exec_cgroup_errors_name_the_flag_and_the_reason) {
    Running c;
    auto dirs = container_dirs(read_file(c.pid_file));
    auto cpuset = std::find_if(dirs.begin(), dirs.end(), [](const auto& d) { return d.ctrls == "cpuset"; });
    BOOST_TEST_REQUIRE((cpuset != dirs.end()));
    // A cpuset child made without cpus and mems: the kernel refuses tasks (ENOSPC).
    BOOST_TEST_REQUIRE(::mkdir((cpuset->dir + "/bare").c_str(), 0755) == 0);
    const std::pair<std::string, std::string> cases[] = {
        {"missing", "no such sub-cgroup"},
        {"../escape", "must stay inside the container's cgroup"},
        {"nosuch:sub", "controller \"nosuch\""},
        {"cpuset:bare", "set its cpuset.cpus and cpuset.mems first"},
    };
    for (const auto& [flag, why] : cases) {
        Result r = c.exec({"--cgroup", flag, "--", "/probe", "exit", "0"});
        BOOST_TEST(r.status != 0, flag);
        BOOST_TEST(contains(r.err, "--cgroup"), r.err);
        BOOST_TEST(contains(r.err, why), r.err);
        BOOST_TEST(std::count(r.err.begin(), r.err.end(), '\n') == 1, r.err);
    }
    // Nothing of the refused execs is left in the container.
    Result ps = c.b.berth({"ps", c.b.id()});
    BOOST_TEST(std::count(ps.out.begin(), ps.out.end(), '\n') == 2, ps.out);  // header + the init
}
