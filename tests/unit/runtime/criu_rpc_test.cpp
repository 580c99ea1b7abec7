// runtime/criu_rpc and util/protobuf_wire: berth's hand-written encoding of CRIU's RPC,
// checked against CRIU's own schema (/usr/include/criu/rpc.proto of Debian's criu
// package) with protoc (protobuf-compiler), both installed by contrib/install-deps.sh.
#define BOOST_TEST_MODULE runtime
#include "runtime/criu_rpc.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/protobuf_wire.hpp"

#include <boost/test/unit_test.hpp>

#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace criu = berth::runtime::criu;
namespace protobuf = berth::protobuf;

namespace {

const char* const kProto = "/usr/include/criu/rpc.proto";

// `protoc --decode|--encode=TYPE` of `input` against rpc.proto: its stdout.
std::string protoc(const std::string& mode, const std::string& input) {
    BOOST_REQUIRE_MESSAGE(::access(kProto, R_OK) == 0, "needs criu's rpc.proto (apt-get install criu)");
    char path[] = "/tmp/berth-criu-rpc-XXXXXX";
    int fd = ::mkstemp(path);
    BOOST_REQUIRE(fd >= 0);
    BOOST_REQUIRE(::write(fd, input.data(), input.size()) == static_cast<ssize_t>(input.size()));
    ::close(fd);
    std::string cmd = "protoc " + mode + " -I/usr/include/criu " + kProto + " < " + path + " 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    BOOST_REQUIRE(p);
    std::string out;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    int status = ::pclose(p);
    ::unlink(path);
    BOOST_REQUIRE_MESSAGE(status == 0, "protoc (apt-get install protobuf-compiler): " + out);
    return out;
}

bool has(const std::string& text, const std::string& line) {
    bool found = text.find(line) != std::string::npos;
    if (!found) BOOST_TEST_MESSAGE("missing: " << line << "\nin:\n" << text);
    return found;
}

}  // namespace

BOOST_AUTO_TEST_CASE(varints_strings_and_nested_messages_round_trip) {
    protobuf::Writer inner;
    inner.bytes(1, "key");
    protobuf::Writer w;
    w.uint(1, 300);
    w.int32(2, -1);
    w.message(3, inner);
    w.boolean(4, true);
    protobuf::Reader r(w.data());
    protobuf::Field f;
    BOOST_TEST((r.next(f) && f.number == 1 && f.value == 300u));
    BOOST_TEST((r.next(f) && f.number == 2 && static_cast<int>(f.value) == -1));
    BOOST_TEST(w.data().substr(3, 11).size() == 11u);  // -1 is ten varint bytes after the key
    BOOST_TEST((r.next(f) && f.number == 3 && f.wire_type == 2));
    protobuf::Reader nested(f.bytes);
    protobuf::Field g;
    BOOST_TEST((nested.next(g) && g.number == 1 && g.bytes == "key"));
    BOOST_TEST((r.next(f) && f.number == 4 && f.value == 1u));
    BOOST_TEST(!r.next(f));
}

BOOST_AUTO_TEST_CASE(truncated_message_is_an_error_not_a_crash) {
    protobuf::Writer w;
    w.bytes(1, "abcdef");
    std::string cut = w.data().substr(0, 4);
    protobuf::Reader r(cut);
    protobuf::Field f;
    BOOST_CHECK_THROW(r.next(f), berth::Error);
    std::string bad_varint(11, '\xff');
    protobuf::Reader r2(bad_varint);
    BOOST_CHECK_THROW(r2.next(f), berth::Error);
}

BOOST_AUTO_TEST_CASE(restore_request_decodes_with_criu_schema) {
    criu::Opts o;
    o.images_dir_fd = 5;
    o.work_dir_fd = 6;
    o.log_file = "restore.log";
    o.root = "/b/rootfs";
    o.rst_sibling = o.orphan_pts_master = o.evasive_devices = o.shell_job = true;
    o.manage_cgroups_mode = criu::CgroupMode::soft;
    o.external = {"mnt[/data]:/tmp/data"};
    o.inherit_fd = {{"pipe:[123]", 1}};
    o.cg_root = {{std::string(), "/berth-vm/c1"}, {std::string("cpu,cpuacct"), "/c1"}};
    o.empty_ns = CLONE_NEWNET;
    o.lsm_profile = "apparmor:p";
    o.config_file = "/etc/criu/berth.conf";
    std::string text = protoc("--decode=criu_req", criu::encode_request(criu::Request::restore, &o));
    for (const char* line :
         {"type: RESTORE", "images_dir_fd: 5", "work_dir_fd: 6", "log_level: 4", "log_file: \"restore.log\"",
          "root: \"/b/rootfs\"", "rst_sibling: true", "orphan_pts_master: true", "evasive_devices: true",
          "shell_job: true", "notify_scripts: true", "manage_cgroups_mode: SOFT", "external: \"mnt[/data]:/tmp/data\"",
          "key: \"pipe:[123]\"", "fd: 1", "ctrl: \"\"", "path: \"/berth-vm/c1\"", "ctrl: \"cpu,cpuacct\"",
          "empty_ns: 1073741824", "lsm_profile: \"apparmor:p\"", "config_file: \"/etc/criu/berth.conf\""})
        BOOST_TEST(has(text, line), line);
    BOOST_TEST(!has(text, "leave_running"));
}

BOOST_AUTO_TEST_CASE(dump_request_and_notify_reply_decode_with_criu_schema) {
    criu::Opts o;
    o.images_dir_fd = 3;
    o.pid = 4242;
    o.leave_running = o.track_mem = o.tcp_established = o.ext_unix_sk = o.file_locks = o.auto_dedup = true;
    o.parent_img = "../pre";
    o.freeze_cgroup = "/sys/fs/cgroup/c1";
    o.page_server = std::pair{std::string("10.0.0.1"), 27};
    o.manage_cgroups_mode = criu::CgroupMode::strict;
    o.status_fd = 9;
    std::string text = protoc("--decode=criu_req", criu::encode_request(criu::Request::pre_dump, &o));
    for (const char* line : {"type: PRE_DUMP", "pid: 4242", "leave_running: true", "track_mem: true",
                             "tcp_established: true", "ext_unix_sk: true", "file_locks: true", "auto_dedup: true",
                             "parent_img: \"../pre\"", "freeze_cgroup: \"/sys/fs/cgroup/c1\"", "address: \"10.0.0.1\"",
                             "port: 27", "manage_cgroups_mode: STRICT", "status_fd: 9"})
        BOOST_TEST(has(text, line), line);
    std::string reply = protoc("--decode=criu_req", criu::encode_request(criu::Request::notify, nullptr, true));
    BOOST_TEST(has(reply, "type: NOTIFY"));
    BOOST_TEST(has(reply, "notify_success: true"));
    reply = protoc("--decode=criu_req", criu::encode_request(criu::Request::notify, nullptr, false));
    BOOST_TEST(has(reply, "notify_success: false"));
}

BOOST_AUTO_TEST_CASE(responses_encoded_by_protoc_decode) {
    auto n = criu::decode_response(
        protoc("--encode=criu_resp", "type: NOTIFY success: true notify { script: \"orphan-pts-master\" pid: 77 }"));
    BOOST_TEST(n.type == 6);
    BOOST_TEST(n.success);
    BOOST_TEST(n.script == "orphan-pts-master");
    BOOST_TEST(n.notify_pid == 77);
    auto r = criu::decode_response(protoc("--encode=criu_resp", "type: RESTORE success: true restore { pid: 4321 }"));
    BOOST_TEST((r.type == 2 && r.success && r.restore_pid == 4321));
    auto e = criu::decode_response(
        protoc("--encode=criu_resp", "type: DUMP success: false cr_errno: -22 cr_errmsg: \"no such process\""));
    BOOST_TEST((e.type == 1 && !e.success && e.cr_errno == -22 && e.cr_errmsg == "no such process"));
}
