// The command lines real engines pass, argument for argument, as read in their sources:
//   go-runc runc.go (containerd's runc shim; docker through containerd),
//   conmon src/runtime_args.c (podman, CRI-O), podman libpod/oci_conmon_linux.go.
// Each must parse into the option structs the runtime expects.
#include "cli/command.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>

using namespace berth::cli;
namespace rt = berth::runtime;

namespace {

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

ParsedCommand parse(const std::vector<std::string>& args) { return parse_command_line(args); }

// A copy, so `const auto& o = options_of<T>(parse(...))` never dangles.
template <typename T>
T options_of(const ParsedCommand& parsed) {
    BOOST_REQUIRE(std::holds_alternative<T>(parsed.options));
    return std::get<T>(parsed.options);
}

// go-runc's Runc.args(): --root, --debug, --log, --log-format, [--systemd-cgroup],
// [--rootless=<bool>]. containerd's shim sets root to <runtime root>/<namespace>.
const std::string kTask = "/run/containerd/io.containerd.runtime.v2.task/k8s.io/c1";
const std::vector<std::string> kGoRuncGlobals{"--root", "/run/containerd/runc/k8s.io", "--log",
                                              kTask + "/log.json", "--log-format", "json",
                                              "--systemd-cgroup"};

// podman hands conmon `--runtime-arg --log-format=json --runtime-arg --log --runtime-arg=<path>`;
// conmon puts --systemd-cgroup (not for exec) first, then those runtime args.
const std::string kPodmanLog = "/var/lib/containers/storage/overlay-containers/c1/userdata/oci-log";
const std::vector<std::string> kConmonGlobals{"--systemd-cgroup", "--log-format=json", "--log", kPodmanLog};

}  // namespace

BOOST_AUTO_TEST_SUITE(engines)

BOOST_AUTO_TEST_CASE(go_runc_globals) {
    auto p = parse(concat(kGoRuncGlobals, {"--rootless=false", "state", "c1"}));
    BOOST_TEST(p.global.root == "/run/containerd/runc/k8s.io");
    BOOST_TEST(p.log.path == kTask + "/log.json");
    BOOST_TEST(p.log.json);
    BOOST_TEST(p.global.systemd_cgroup);
    BOOST_TEST(!p.global.rootless);
    BOOST_TEST(options_of<ContainerIdOptions>(p).id == "c1");
}

BOOST_AUTO_TEST_CASE(go_runc_create) {
    auto p = parse(concat(kGoRuncGlobals,
                          {"create", "--bundle", kTask, "--pid-file", kTask + "/init.pid",
                           "--console-socket", "/tmp/pty1234/pty.sock", "--no-pivot", "--no-new-keyring",
                           "--preserve-fds", "2", "c1"}));
    BOOST_TEST(p.command == "create");
    const auto& o = options_of<rt::CreateOptions>(p);
    BOOST_TEST(o.id == "c1");
    BOOST_TEST(o.bundle == kTask);
    BOOST_TEST(o.pid_file == kTask + "/init.pid");
    BOOST_TEST(o.console_socket == "/tmp/pty1234/pty.sock");
    BOOST_TEST(o.no_pivot);
    BOOST_TEST(o.no_new_keyring);
    BOOST_TEST(o.preserve_fds == 2u);
}

BOOST_AUTO_TEST_CASE(go_runc_run_detached) {
    auto p = parse(concat(kGoRuncGlobals, {"run", "--bundle", kTask, "--pid-file", kTask + "/init.pid",
                                           "--detach", "c1"}));
    const auto& o = options_of<rt::RunOptions>(p);
    BOOST_TEST(o.detach);
    BOOST_TEST(o.create.id == "c1");
    BOOST_TEST(o.create.bundle == kTask);
}

BOOST_AUTO_TEST_CASE(go_runc_start_state_pause_resume) {
    for (auto command : {"start", "state", "pause", "resume"}) {
        auto p = parse(concat(kGoRuncGlobals, {command, "c1"}));
        BOOST_TEST(p.command == command);
        BOOST_TEST(options_of<ContainerIdOptions>(p).id == "c1");
    }
}

BOOST_AUTO_TEST_CASE(go_runc_exec) {
    auto p = parse(concat(kGoRuncGlobals, {"exec", "--process", "/run/user/0/runc-process123456",
                                           "--console-socket", "/tmp/pty99/pty.sock", "--detach",
                                           "--pid-file", kTask + "/exec1.pid", "c1"}));
    const auto& o = options_of<rt::ExecOptions>(p);
    BOOST_TEST(o.id == "c1");
    BOOST_TEST(o.process_file == "/run/user/0/runc-process123456");
    BOOST_TEST(o.console_socket == "/tmp/pty99/pty.sock");
    BOOST_TEST(o.detach);
    BOOST_TEST(o.pid_file == kTask + "/exec1.pid");
    BOOST_TEST(o.args.empty());
}

BOOST_AUTO_TEST_CASE(go_runc_kill_with_numeric_signal) {
    auto all = parse(concat(kGoRuncGlobals, {"kill", "--all", "c1", "9"}));
    BOOST_TEST(options_of<rt::KillOptions>(all).all);
    BOOST_TEST(options_of<rt::KillOptions>(all).signal == SIGKILL);
    auto one = parse(concat(kGoRuncGlobals, {"kill", "c1", "15"}));
    BOOST_TEST(!options_of<rt::KillOptions>(one).all);
    BOOST_TEST(options_of<rt::KillOptions>(one).signal == SIGTERM);
}

BOOST_AUTO_TEST_CASE(go_runc_delete) {
    auto p = parse(concat(kGoRuncGlobals, {"delete", "--force", "c1"}));
    BOOST_TEST(options_of<rt::DeleteOptions>(p).force);
    BOOST_TEST(options_of<rt::DeleteOptions>(p).id == "c1");
}

BOOST_AUTO_TEST_CASE(go_runc_update_from_stdin_old_and_new_spelling) {
    for (const auto& args : {std::vector<std::string>{"update", "--resources=-", "c1"},
                             std::vector<std::string>{"update", "--resources", "-", "c1"}}) {
        const auto& o = options_of<rt::UpdateOptions>(parse(concat(kGoRuncGlobals, args)));
        BOOST_TEST(o.resources_file == "-");
        BOOST_TEST(o.id == "c1");
    }
}

BOOST_AUTO_TEST_CASE(go_runc_ps_list_events) {
    const auto& ps = options_of<rt::PsOptions>(parse(concat(kGoRuncGlobals, {"ps", "--format", "json", "c1"})));
    BOOST_TEST(ps.json);
    BOOST_TEST(ps.id == "c1");
    BOOST_TEST(ps.ps_args.empty());
    // Top: `ps --format table <id> <psOptions>`, psOptions possibly "".
    const auto& top = options_of<rt::PsOptions>(parse(concat(kGoRuncGlobals, {"ps", "--format", "table", "c1", "-ef"})));
    BOOST_TEST(!top.json);
    BOOST_TEST(top.ps_args == std::vector<std::string>{"-ef"}, boost::test_tools::per_element());
    BOOST_TEST(options_of<rt::ListOptions>(parse(concat(kGoRuncGlobals, {"list", "--format=json"}))).json);
    const auto& stats = options_of<rt::EventsOptions>(parse(concat(kGoRuncGlobals, {"events", "--stats", "c1"})));
    BOOST_TEST(stats.stats);
    const auto& stream = options_of<rt::EventsOptions>(parse(concat(kGoRuncGlobals, {"events", "--interval=7s", "c1"})));
    BOOST_TEST(!stream.stats);
    BOOST_TEST(stream.interval_seconds == 7u);
}

BOOST_AUTO_TEST_CASE(go_runc_version_and_features) {
    BOOST_TEST(std::holds_alternative<VersionRequest>(parse({"--version"}).options));
    BOOST_TEST(std::holds_alternative<FeaturesOptions>(parse(concat(kGoRuncGlobals, {"features"})).options));
}

BOOST_AUTO_TEST_CASE(go_runc_checkpoint_and_restore_reach_the_command) {
    auto c = parse(concat(kGoRuncGlobals, {"checkpoint", "--image-path", "/img", "--work-path", "/work",
                                           "--tcp-established", "--file-locks", "--manage-cgroups-mode",
                                           "soft", "--empty-ns", "network", "--leave-running", "c1"}));
    const auto& cp = options_of<rt::CheckpointOptions>(c);
    BOOST_TEST(cp.id == "c1");
    BOOST_TEST(cp.criu.manage_cgroups_mode == "soft");
    BOOST_TEST(cp.criu.file_locks);
    // go-runc writes `-no-subreaper` with one dash.
    auto r = parse(concat(kGoRuncGlobals, {"restore", "--image-path", "/img", "--detach", "--pid-file",
                                           "/p", "--no-pivot", "-no-subreaper", "--bundle", kTask, "c1"}));
    const auto& rs = options_of<rt::RestoreOptions>(r);
    BOOST_TEST(rs.id == "c1");
    BOOST_TEST(rs.no_pivot);
    BOOST_TEST(rs.no_subreaper);
}

BOOST_AUTO_TEST_CASE(docker_through_containerd_create) {
    // dockerd configures the shim with root /var/run/docker/runtime-runc; namespace "moby".
    const std::string task = "/run/containerd/io.containerd.runtime.v2.task/moby/0123abcd";
    auto p = parse({"--root", "/var/run/docker/runtime-runc/moby", "--log", task + "/log.json",
                    "--log-format", "json", "create", "--bundle", task, "--pid-file", task + "/init.pid",
                    "0123abcd"});
    BOOST_TEST(p.global.root == "/var/run/docker/runtime-runc/moby");
    BOOST_TEST(!p.global.systemd_cgroup);
    const auto& o = options_of<rt::CreateOptions>(p);
    BOOST_TEST(o.id == "0123abcd");
    BOOST_TEST(o.bundle == task);
    BOOST_TEST(o.console_socket.empty());
}

BOOST_AUTO_TEST_CASE(conmon_create) {
    auto p = parse(concat(kConmonGlobals,
                          {"create", "--bundle", "/var/lib/containers/storage/overlay-containers/c1/userdata",
                           "--pid-file", "/run/containers/storage/overlay-containers/c1/userdata/pidfile",
                           "--no-new-keyring", "--console-socket", "/tmp/conmon-term.ABC123", "c1"}));
    BOOST_TEST(p.global.systemd_cgroup);
    BOOST_TEST(p.log.json);
    BOOST_TEST(p.log.path == kPodmanLog);
    const auto& o = options_of<rt::CreateOptions>(p);
    BOOST_TEST(o.id == "c1");
    BOOST_TEST(o.bundle == "/var/lib/containers/storage/overlay-containers/c1/userdata");
    BOOST_TEST(o.pid_file == "/run/containers/storage/overlay-containers/c1/userdata/pidfile");
    BOOST_TEST(o.no_new_keyring);
    BOOST_TEST(!o.no_pivot);
    BOOST_TEST(o.console_socket == "/tmp/conmon-term.ABC123");
}

BOOST_AUTO_TEST_CASE(conmon_exec_with_runtime_opts) {
    // No --systemd-cgroup for exec; podman adds `--runtime-opt --preserve-fds=N`.
    auto p = parse({"--log-format=json", "--log", kPodmanLog, "exec", "--pid-file", "/run/exec.pid",
                    "--process", "/run/exec-process-XYZ", "--detach", "--preserve-fds=1",
                    "--console-socket", "/tmp/conmon-term.DEF", "c1"});
    BOOST_TEST(!p.global.systemd_cgroup);
    const auto& o = options_of<rt::ExecOptions>(p);
    BOOST_TEST(o.id == "c1");
    BOOST_TEST(o.pid_file == "/run/exec.pid");
    BOOST_TEST(o.process_file == "/run/exec-process-XYZ");
    BOOST_TEST(o.detach);
    BOOST_TEST(o.preserve_fds == 1u);
    BOOST_TEST(o.console_socket == "/tmp/conmon-term.DEF");
}

BOOST_AUTO_TEST_CASE(podman_direct_calls) {
    BOOST_TEST(options_of<ContainerIdOptions>(parse({"start", "c1"})).id == "c1");
    BOOST_TEST(options_of<ContainerIdOptions>(parse({"state", "c1"})).id == "c1");
    BOOST_TEST(options_of<rt::KillOptions>(parse({"kill", "c1", "15"})).signal == SIGTERM);
    const auto& all = options_of<rt::KillOptions>(parse({"kill", "--all", "c1", "9"}));
    BOOST_TEST(all.all);
    BOOST_TEST(all.signal == SIGKILL);
    BOOST_TEST(options_of<rt::DeleteOptions>(parse({"delete", "--force", "c1"})).force);
    BOOST_TEST(options_of<rt::UpdateOptions>(parse({"update", "--resources=/tmp/podman123", "c1"})).resources_file ==
               "/tmp/podman123");
    auto cp = parse({"checkpoint", "--image-path", "/ckpt", "--work-path", "/bundle", "--leave-running",
                     "--tcp-established", "--file-locks", "--pre-dump", "c1"});
    const auto& ck = options_of<rt::CheckpointOptions>(cp);
    BOOST_TEST(ck.id == "c1");
    BOOST_TEST(ck.criu.work_path == "/bundle");
    BOOST_TEST(ck.pre_dump);
}

BOOST_AUTO_TEST_SUITE_END()
