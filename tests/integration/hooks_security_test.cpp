// Hooks in lifecycle order, failure rollback, and escapes a malicious bundle tries.
#define BOOST_TEST_MODULE integration_hooks_security
#include "harness.hpp"

#include <boost/test/unit_test.hpp>

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace berth::it;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// Every cgroup directory of the host whose path contains `name`.
bool cgroup_dir_exists(const std::string& name) {
    Result r = run_command({"/usr/bin/find", "/sys/fs/cgroup", "-maxdepth", "4", "-type", "d", "-name", name});
    return !r.out.empty();
}

}  // namespace

BOOST_AUTO_TEST_CASE(hooks_run_in_order_with_the_state_on_stdin) {
    Bundle b;
    std::string log_dir = b.dir() + "/hooklog";
    ::mkdir(log_dir.c_str(), 0777);
    std::string log = log_dir + "/log";
    // Host-side hooks: the stage, then the state document from stdin.
    std::string host_hook = b.dir() + "/hook.sh";
    write_file(host_hook, "#!/bin/sh\nprintf '%s ' \"$1\" >> " + log + "\ncat >> " + log + "\necho >> " + log + "\n", 0755);
    // startContainer runs in the container: its path and log are the container's.
    write_file(b.rootfs() + "/hook.sh", "#!/bin/sh\nprintf '%s ' \"$1\" >> /hooklog/log\ncat >> /hooklog/log\necho >> /hooklog/log\n", 0755);
    berth::oci::Mount m;
    m.destination = "/hooklog";
    m.type = "bind";
    m.source = log_dir;
    m.options = {"rbind", "rw"};
    b.config.mounts.push_back(m);
    berth::oci::Hooks h;
    h.prestart = {hook(host_hook, {"hook.sh", "prestart"})};
    h.create_runtime = {hook(host_hook, {"hook.sh", "createRuntime"})};
    h.create_container = {hook(host_hook, {"hook.sh", "createContainer"})};
    h.start_container = {hook("/hook.sh", {"hook.sh", "startContainer"})};
    h.poststart = {hook(host_hook, {"hook.sh", "poststart"})};
    h.poststop = {hook(host_hook, {"hook.sh", "poststop"})};
    b.config.hooks = h;
    b.config.process->args = {"/probe", "exit", "0"};
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    std::istringstream in(read_file(log));
    std::vector<std::string> stages;
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        stages.push_back(line.substr(0, line.find(' ')));
        BOOST_TEST(contains(line, "\"id\":\"" + b.id() + "\""), line);
        BOOST_TEST(contains(line, "\"bundle\":\"" + b.dir() + "\""), line);
    }
    std::vector<std::string> expected = {"prestart",       "createRuntime", "createContainer",
                                         "startContainer", "poststart",     "poststop"};
    BOOST_TEST(stages == expected, boost::test_tools::per_element());
    BOOST_TEST_MESSAGE(read_file(log));
}

BOOST_AUTO_TEST_CASE(a_failing_poststart_hook_fails_start) {
    Bundle b;
    berth::oci::Hooks h;
    h.poststart = {hook("/bin/false", {})};
    b.config.hooks = h;
    b.config.process->args = {"/probe", "sleep", "30"};
    b.save();
    BOOST_TEST_REQUIRE(b.berth({"create", "--bundle", b.dir(), b.id()}).status == 0);
    Result s = b.berth({"start", b.id()});
    BOOST_TEST(s.status != 0);
    BOOST_TEST(contains(s.err, "poststart hook \"/bin/false\""), s.err);
    BOOST_TEST(b.berth({"delete", "--force", b.id()}).status == 0);
}

BOOST_AUTO_TEST_CASE(a_failing_createRuntime_hook_fails_create_and_leaves_nothing) {
    Bundle b;
    berth::oci::Hooks h;
    h.create_runtime = {hook("/bin/sh", {"sh", "-c", "exit 3"})};
    b.config.hooks = h;
    b.save();
    Result c = b.berth({"create", "--bundle", b.dir(), b.id()});
    BOOST_TEST(c.status != 0);
    BOOST_TEST(contains(c.err, "createRuntime hook \"/bin/sh\": exited with status 3"), c.err);
    BOOST_TEST(!path_exists(b.state_root() + "/" + b.id()));
}

BOOST_AUTO_TEST_CASE(a_failed_create_leaves_no_state_cgroup_mount_or_process) {
    Bundle b;
    std::string cg = "berth-it-fail-" + std::to_string(::getpid());
    b.config.linux_->cgroups_path = "/" + cg;
    berth::oci::Mount m;
    m.destination = "/broken";
    m.type = "nosuchfs";
    m.source = "none";
    b.config.mounts.push_back(m);
    b.save();
    Result c = b.berth({"create", "--bundle", b.dir(), b.id()});
    BOOST_TEST(c.status != 0);
    // One line: operation, the path, the errno text.
    BOOST_TEST(contains(c.err, "create \"" + b.id() + "\": mount \"/broken\": No such device"), c.err);
    BOOST_TEST(!path_exists(b.state_root() + "/" + b.id()));
    BOOST_TEST(!cgroup_dir_exists(cg));
    BOOST_TEST(!contains(host_mountinfo(), b.dir()));
    Result procs = run_command({"/bin/grep", "-l", cg, "-r", "/proc", "--include=cgroup", "-s"});
    BOOST_TEST(procs.out.empty(), procs.out);
}

// berth itself SIGKILLed in the middle of create (here while a createRuntime hook runs,
// after the init, its cgroup and the state directory exist): `delete --force` removes
// what is left. The init dies with berth (PDEATHSIG), so nothing keeps running.
BOOST_AUTO_TEST_CASE(delete_force_cleans_up_after_berth_is_killed_during_create) {
    Bundle b;
    std::string cg = "berth-it-killed-" + std::to_string(::getpid());
    b.config.linux_->cgroups_path = "/" + cg;
    std::string hook_pid = b.dir() + "/hook.pid";
    berth::oci::Hooks hooks;
    hooks.create_runtime.push_back(hook("/bin/sh", {"sh", "-c", "echo $$ > " + hook_pid + "; exec sleep 30"}));
    b.config.hooks = hooks;
    b.save();
    pid_t berth = ::fork();
    if (berth == 0) {
        ::execl(berth_path().c_str(), "berth", "--root", b.state_root().c_str(), "create", "--bundle", b.dir().c_str(),
                b.id().c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    for (int i = 0; i < 100 && read_file(hook_pid).empty(); ++i) ::usleep(50 * 1000);
    std::string hook_process = read_file(hook_pid);
    BOOST_TEST_REQUIRE(!hook_process.empty());
    BOOST_TEST(path_exists(b.state_root() + "/" + b.id()));
    BOOST_TEST(cgroup_dir_exists(cg));
    ::kill(berth, SIGKILL);
    ::waitpid(berth, nullptr, 0);
    ::kill(std::atoi(hook_process.c_str()), SIGKILL);

    Result d = b.berth({"delete", "--force", b.id()});
    BOOST_TEST(d.status == 0, d.err);
    BOOST_TEST(!path_exists(b.state_root() + "/" + b.id()));
    BOOST_TEST(!cgroup_dir_exists(cg));
    BOOST_TEST(!contains(host_mountinfo(), b.dir()));
    Result procs;
    for (int i = 0; i < 50; ++i) {  // the init's PDEATHSIG is asynchronous
        procs = run_command({"/bin/grep", "-l", cg, "-r", "/proc", "--include=cgroup", "-s"});
        if (procs.out.empty()) break;
        ::usleep(100 * 1000);
    }
    BOOST_TEST(procs.out.empty(), procs.out);
}

BOOST_AUTO_TEST_CASE(a_symlinked_mount_target_cannot_reach_the_host) {
    Bundle b;
    b.config.root->readonly = false;
    // rootfs/evil -> /etc: a naive runtime mounts onto the host's /etc.
    BOOST_TEST_REQUIRE(::symlink("/etc", (b.rootfs() + "/evil").c_str()) == 0);
    std::string marker = "berth-escape-" + std::to_string(::getpid());
    berth::oci::Mount m;
    m.destination = "/evil/" + marker;
    m.type = "tmpfs";
    m.source = "tmpfs";
    b.config.mounts.push_back(m);
    std::string host_mounts = host_mountinfo();
    Result r = b.run();
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(!path_exists("/etc/" + marker));               // nothing made on the host
    BOOST_TEST(path_exists(b.rootfs() + "/etc/" + marker));   // it landed inside the rootfs
    BOOST_TEST(!contains(host_mountinfo(), marker));
}

BOOST_AUTO_TEST_CASE(dotdot_in_a_destination_stays_in_the_rootfs) {
    Bundle b;
    b.config.root->readonly = false;
    std::string marker = "berth-dotdot-" + std::to_string(::getpid());
    berth::oci::Mount m;
    m.destination = "/../../../../tmp/" + marker;
    m.type = "tmpfs";
    m.source = "tmpfs";
    b.config.mounts.push_back(m);
    Result r = b.run();
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(!path_exists("/tmp/" + marker));
    BOOST_TEST(path_exists(b.rootfs() + "/tmp/" + marker));
}

BOOST_AUTO_TEST_CASE(child_objects_do_not_allocate_throw_or_print) {
    const char* dir = std::getenv("BERTH_CHILD_OBJECTS");
    BOOST_TEST_REQUIRE(dir != nullptr);
    DIR* d = ::opendir(dir);
    BOOST_TEST_REQUIRE(d != nullptr);
    int checked = 0;
    while (dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name.rfind("child_", 0) != 0 || name.size() < 6 || name.substr(name.size() - 2) != ".o") continue;
        Result r = run_command({"/usr/bin/nm", "-u", "-C", std::string(dir) + "/" + name});
        ++checked;
        for (const char* bad : {"malloc", "calloc", "realloc", "operator new", "__cxa_throw", "__cxa_allocate_exception",
                                "printf", "puts", "fwrite", "std::__throw"})
            BOOST_TEST(!contains(r.out, bad), name << " uses " << bad);
    }
    ::closedir(d);
    BOOST_TEST(checked >= 4);
}

BOOST_AUTO_TEST_CASE(terminal_master_goes_to_the_console_socket) {
    Bundle b;
    b.config.process->terminal = true;
    b.config.process->args = {"/bin/sh", "-c", "test -t 0 && test -t 1 && echo tty-ok"};
    b.config.process->capabilities.reset();
    // run in the foreground with a terminal and no --console-socket: berth proxies it.
    Result r = b.run();
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(contains(r.out, "tty-ok"), r.out);
}
