// Where, with what environment and with what failure rules each hook type runs
// (runtime-spec config.md#posix-platform-hooks, runtime.md#lifecycle), seen from the hooks.
#define BOOST_TEST_MODULE integration_hooks_lifecycle
#include "harness.hpp"

#include "oci/parse.hpp"

#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>

using namespace berth::it;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// A host-side hook script that appends "<stage> <text...>" to `log`, with `body` a
// shell expression for the text.
berth::oci::Hook logging_hook(const Bundle& b, const std::string& stage, const std::string& body,
                              const std::string& log) {
    std::string script = b.dir() + "/hook-" + stage + ".sh";
    write_file(script, "#!/bin/sh\necho \"" + stage + " " + body + "\" >> " + log + "\n", 0755);
    return hook(script, {"hook", stage});
}

// "<stage> rest" lines of `log` as stage -> rest.
std::map<std::string, std::string> read_log(const std::string& log) {
    std::map<std::string, std::string> out;
    std::istringstream in(path_exists(log) ? read_file(log) : "");
    for (std::string line; std::getline(in, line);) {
        auto sp = line.find(' ');
        if (sp != std::string::npos) out[line.substr(0, sp)] = line.substr(sp + 1);
    }
    return out;
}

std::string host_netns() {
    char buf[64] = {};
    ssize_t n = ::readlink("/proc/self/ns/net", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

// The log directory, bound into the container at /hooklog for the startContainer hook.
std::string shared_log_dir(Bundle& b) {
    std::string dir = b.dir() + "/hooklog";
    ::mkdir(dir.c_str(), 0777);
    berth::oci::Mount m;
    m.destination = "/hooklog";
    m.type = "bind";
    m.source = dir;
    m.options = {"rbind", "rw"};
    b.config.mounts.push_back(m);
    return dir;
}

// `create` of a container whose process exits 0 at once; returns its state directory.
std::string create_exiting_container(Bundle& b) {
    b.config.process->args = {"/probe", "exit", "0"};
    b.save();
    Result c = b.berth({"create", "--bundle", b.dir(), b.id()});
    BOOST_TEST_REQUIRE(c.status == 0, c.err);
    return b.state_root() + "/" + b.id();
}

}  // namespace

// runc runs createContainer hooks from the container's rootfs (before pivot_root), the
// runtime-namespace hooks from the bundle (runc's create, crun's every stage), and the
// startContainer hooks from process.cwd. Before the fix createContainer ran from the
// host's "/", where a relative write landed.
BOOST_AUTO_TEST_CASE(each_hook_type_runs_in_its_working_directory_and_namespaces) {
    Bundle b;
    std::string log = shared_log_dir(b) + "/log";
    std::string body = "$(pwd) $(readlink /proc/self/ns/net)";
    berth::oci::Hooks h;
    h.prestart = {logging_hook(b, "prestart", body, log)};
    h.create_runtime = {logging_hook(b, "createRuntime", body, log)};
    h.create_container = {logging_hook(b, "createContainer", body, log)};
    h.poststart = {logging_hook(b, "poststart", body, log)};
    h.poststop = {logging_hook(b, "poststop", body, log)};
    write_file(b.rootfs() + "/start-hook.sh", "#!/bin/sh\necho \"startContainer $(pwd)\" >> /hooklog/log\n", 0755);
    h.start_container = {hook("/start-hook.sh", {})};
    b.config.hooks = h;
    b.config.process->cwd = "/tmp";
    b.config.process->args = {"/probe", "exit", "0"};
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    auto seen = read_log(log);
    std::string host_ns = host_netns();
    for (const char* stage : {"prestart", "createRuntime", "poststart", "poststop"})
        BOOST_TEST(seen[stage] == b.dir() + " " + host_ns, stage << ": " << seen[stage]);
    std::string cc = seen["createContainer"];
    BOOST_TEST(cc.rfind(b.rootfs() + " net:[", 0) == 0, "createContainer: " << cc);
    BOOST_TEST(!contains(cc, host_ns), "createContainer ran in the host's network namespace: " << cc);
    BOOST_TEST(seen["startContainer"] == "/tmp");
}

BOOST_AUTO_TEST_CASE(a_createContainer_hook_writing_a_relative_path_writes_into_the_rootfs) {
    Bundle b;
    std::string name = "berth-it-hook-" + b.id();
    berth::oci::Hooks h;
    h.create_container = {hook("/bin/sh", {"sh", "-c", "echo hook > " + name})};
    b.config.hooks = h;
    b.config.process->args = {"/probe", "cat", "/" + name};
    Result r = b.run();
    bool on_host = path_exists("/" + name);
    if (on_host) ::unlink(("/" + name).c_str());
    BOOST_TEST(!on_host, "the hook wrote to the host's /" << name);
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    BOOST_TEST(r.out == "hook\n");
}

// runc and crun: a hook without `env` gets the runtime's environment, so what the engine
// or the user set reaches it; with `env` (even empty) exactly that. startContainer runs
// inside the container and gets the process's environment (both runc and crun).
BOOST_AUTO_TEST_CASE(a_hook_without_env_gets_the_runtimes_environment) {
    Bundle b;
    std::string log = shared_log_dir(b) + "/log";
    ::setenv("BERTH_IT_HOOK_MARK", "from-the-caller", 1);
    std::string body = "${BERTH_IT_HOOK_MARK:-unset} ${ONLY:-unset}";
    berth::oci::Hooks h;
    h.prestart = {logging_hook(b, "prestart", body, log)};
    berth::oci::Hook with_env = logging_hook(b, "createRuntime", body, log);
    with_env.env = {"ONLY=this"};
    berth::oci::Hook empty_env = logging_hook(b, "emptyEnv", body, log);
    empty_env.env_given = true;
    h.create_runtime = {with_env, empty_env};
    h.create_container = {logging_hook(b, "createContainer", body, log)};
    h.poststart = {logging_hook(b, "poststart", body, log)};
    h.poststop = {logging_hook(b, "poststop", body, log)};
    write_file(b.rootfs() + "/start-hook.sh",
               "#!/bin/sh\necho \"startContainer ${BERTH_IT_HOOK_MARK:-unset} ${INSIDE:-unset}\" >> /hooklog/log\n", 0755);
    h.start_container = {hook("/start-hook.sh", {})};
    b.config.hooks = h;
    b.config.process->env.push_back("INSIDE=process-env");
    b.config.process->args = {"/probe", "exit", "0"};
    Result r = b.run();
    ::unsetenv("BERTH_IT_HOOK_MARK");
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    auto seen = read_log(log);
    for (const char* stage : {"prestart", "createContainer", "poststart", "poststop"})
        BOOST_TEST(seen[stage] == "from-the-caller unset", stage << ": " << seen[stage]);
    BOOST_TEST(seen["createRuntime"] == "unset this");
    BOOST_TEST(seen["emptyEnv"] == "unset unset");
    BOOST_TEST(seen["startContainer"] == "unset process-env");
}

// runtime.md#lifecycle step 13: a failing poststop hook is a warning; the rest still run.
BOOST_AUTO_TEST_CASE(a_failing_poststop_hook_warns_and_the_later_ones_run) {
    Bundle b;
    std::string marker = b.dir() + "/second-poststop-ran";
    berth::oci::Hooks h;
    h.poststop = {hook("/bin/sh", {"sh", "-c", "exit 4"}), hook("/bin/touch", {"touch", marker})};
    b.config.hooks = h;
    b.config.process->args = {"/probe", "exit", "0"};
    Result r = b.run();
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(contains(r.err, "poststop hook \"/bin/sh\": exited with status 4"), r.err);
    BOOST_TEST(path_exists(marker));
    BOOST_TEST(!path_exists(b.state_root() + "/" + b.id()));
}

// runtime.md#lifecycle steps 3-5: a failing prestart, createRuntime or createContainer hook
// stops the container and the lifecycle continues at step 12: it is destroyed, then the
// poststop hooks run (runc does the same).
BOOST_AUTO_TEST_CASE(a_failing_create_hook_destroys_the_container_then_runs_poststop) {
    for (const char* stage : {"prestart", "createRuntime", "createContainer"}) {
        Bundle b;
        std::string marker = b.dir() + "/poststop-ran";
        std::string state_dir = b.state_root() + "/" + b.id();
        berth::oci::Hooks h;
        berth::oci::Hook failing = hook("/bin/sh", {"sh", "-c", "exit 3"});
        if (std::string(stage) == "prestart") h.prestart = {failing};
        else if (std::string(stage) == "createRuntime") h.create_runtime = {failing};
        else h.create_container = {failing};
        // The poststop hook records whether the state directory was already gone.
        h.poststop = {hook("/bin/sh", {"sh", "-c", "test -e " + state_dir + " && echo left > " + marker +
                                                        " || echo destroyed > " + marker})};
        b.config.hooks = h;
        b.save();
        Result c = b.berth({"create", "--bundle", b.dir(), b.id()});
        BOOST_TEST(c.status != 0, stage);
        BOOST_TEST(contains(c.err, std::string(stage) + " hook \"/bin/sh\": exited with status 3"), c.err);
        BOOST_TEST_REQUIRE(path_exists(marker), stage << ": no poststop hook ran");
        BOOST_TEST(read_file(marker) == "destroyed\n", stage);
        BOOST_TEST(!path_exists(state_dir), stage);
    }
}

// As root with a user namespace (every GPU request adds an ldconfig createContainer hook):
// the hook must join the init's namespaces, the user namespace last of the opens. Before
// the fix it opened /proc/<init>/ns/mnt after setns(user) and exited 125 (EACCES).
BOOST_AUTO_TEST_CASE(a_createContainer_hook_runs_in_a_containers_user_namespace) {
    Bundle b;
    b.config.linux_->namespaces.push_back({berth::oci::NamespaceType::user, ""});
    b.config.linux_->uid_mappings = {{0, 100000, 65536}};
    b.config.linux_->gid_mappings = {{0, 100000, 65536}};
    run_command({"/bin/chown", "-R", "100000:100000", b.rootfs()});
    berth::oci::Hooks h;
    // Relative: the hook's cwd is the rootfs; as the mapped root it writes there.
    h.create_container = {hook("/bin/sh", {"sh", "-c", "awk '{print $2}' /proc/self/uid_map > tmp/hook-uidmap"})};
    b.config.hooks = h;
    b.config.process->args = {"/probe", "cat", "/tmp/hook-uidmap"};
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    BOOST_TEST(r.out == "100000\n", r.out);
}

// Without poststart and poststop hooks, start and delete leave the saved config.json
// unread (it may carry a large seccomp profile): here it is garbage and both still
// succeed. Before the change start failed parsing it.
BOOST_AUTO_TEST_CASE(start_and_delete_read_the_saved_config_only_for_post_hooks) {
    Bundle b;
    std::string state_dir = create_exiting_container(b);
    write_file(state_dir + "/config.json", "not json");
    Result s = b.berth({"start", b.id()});
    BOOST_TEST(s.status == 0, s.err);
    BOOST_TEST(wait_for_status(b, "stopped"));
    Result d = b.berth({"delete", b.id()});
    BOOST_TEST(d.status == 0, d.err);
    BOOST_TEST(d.err.empty(), d.err);
    BOOST_TEST(!path_exists(state_dir));
}

// A state.json without noPostHooks (written before berth recorded it) still gets the
// saved config's poststop hooks run.
BOOST_AUTO_TEST_CASE(a_state_without_the_hooks_mark_still_runs_poststop) {
    Bundle b;
    std::string state_dir = create_exiting_container(b);
    std::string state = read_file(state_dir + "/state.json");
    auto at = state.find(",\"noPostHooks\":true");
    BOOST_TEST_REQUIRE(at != std::string::npos, state);
    write_file(state_dir + "/state.json", state.erase(at, std::strlen(",\"noPostHooks\":true")), 0600);
    std::string marker = b.dir() + "/poststop-ran";
    berth::oci::Hooks h;
    h.poststop = {hook("/bin/touch", {"touch", marker})};
    b.config.hooks = h;
    write_file(state_dir + "/config.json", berth::oci::to_json(b.config), 0600);
    Result d = b.berth({"delete", "--force", b.id()});
    BOOST_TEST(d.status == 0, d.err);
    BOOST_TEST(path_exists(marker));
}
