// checkpoint/restore on a host where CRIU cannot work: this build host's kernel is newer
// than Debian's criu 3.17 knows (`criu check` fails on its vDSO). The commands must refuse
// in one line that says so, leave the container alone and create nothing, and `features`
// must say checkpointing is unavailable. (The real checkpoint/restore runs in the qemu
// guest: tests/vm/guest-criu.sh.) Needs root.
#define BOOST_TEST_MODULE integration_criu
#include "harness.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>

using namespace berth::it;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

std::size_t lines(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Whether `criu check` fails here: the premise of these tests, asked of criu itself.
bool criu_check_fails() {
    Result r = run_command({"/usr/sbin/criu", "check"});
    return r.status != 0;
}

}  // namespace

BOOST_AUTO_TEST_CASE(checkpoint_and_restore_refuse_in_one_line_where_criu_check_fails) {
    if (!path_exists("/usr/sbin/criu")) {
        BOOST_TEST_MESSAGE("skipped: criu is not installed (contrib/install-deps.sh installs it)");
        return;
    }
    if (!criu_check_fails()) {
        BOOST_TEST_MESSAGE("skipped: criu check passes on this host; the guest tests cover the real thing");
        return;
    }
    Bundle b;
    b.config.process->args = {"/probe", "sleep", "100"};
    b.save();
    BOOST_TEST_REQUIRE(b.berth({"create", "--bundle", b.dir(), b.id()}).status == 0);
    BOOST_TEST_REQUIRE(b.berth({"start", b.id()}).status == 0);

    Result c = b.berth({"checkpoint", "--image-path", b.dir() + "/img", b.id()});
    BOOST_TEST(c.status == 1);
    BOOST_TEST(lines(c.err) == 1u, c.err);
    BOOST_TEST(contains(c.err, "checkpoint \"" + b.id() + "\": criu check failed on this host: "), c.err);
    BOOST_TEST(contains(b.berth({"state", b.id()}).out, "\"running\""));  // left alone
    BOOST_TEST(!path_exists(b.dir() + "/img"));

    // The answer is cached under the state root, so the second refusal is cheap.
    BOOST_TEST(path_exists(b.state_root() + "/.criu-check"));
    Result r = b.berth({"restore", "-d", "--image-path", b.dir() + "/img", "--bundle", b.dir(), "restored"});
    BOOST_TEST(r.status == 1);
    BOOST_TEST(lines(r.err) == 1u, r.err);
    BOOST_TEST(contains(r.err, "restore \"restored\": criu check failed on this host: "), r.err);
    BOOST_TEST(!path_exists(b.state_root() + "/restored"));
    BOOST_TEST(b.berth({"delete", "--force", b.id()}).status == 0);
}

BOOST_AUTO_TEST_CASE(features_says_checkpoint_is_unavailable_where_criu_check_fails) {
    if (!path_exists("/usr/sbin/criu") || !criu_check_fails()) {
        BOOST_TEST_MESSAGE("skipped: needs a host where criu is installed and `criu check` fails");
        return;
    }
    Bundle b;
    Result f = b.berth({"features"});
    BOOST_TEST_REQUIRE(f.status == 0, f.err);
    BOOST_TEST(contains(f.out, "\"org.opencontainers.runc.checkpoint.enabled\": \"false\""), f.out);
    BOOST_TEST(contains(f.out, "\"berth.checkpoint.criu\": \"criu check failed on this host: "), f.out);
}

BOOST_AUTO_TEST_CASE(a_missing_criu_binary_is_named) {
    Bundle b;
    Result f = b.berth({"--criu", "/nonexistent/criu", "features"});
    BOOST_TEST(contains(f.out, "\"org.opencontainers.runc.checkpoint.enabled\": \"false\""), f.out);
    Result r = b.berth({"--criu", "/nonexistent/criu", "restore", "--bundle", b.dir(), "x"});
    BOOST_TEST(r.status == 1);
    BOOST_TEST(lines(r.err) == 1u, r.err);
    BOOST_TEST(contains(r.err, "criu binary \"/nonexistent/criu\" not found"), r.err);
}

// What CRIU needs of every container, checked on this host: the init leads its own
// session (a session leader outside the container's pid namespace fails the dump), and
// stdio that was the host's /dev/null is the container's own /dev/null (a file on a
// mount outside the container fails the dump with "Can't lookup mount"). runc does both.
BOOST_AUTO_TEST_CASE(init_leads_its_session_and_has_the_containers_dev_null) {
    Bundle b;
    b.config.process->args = {"/bin/sh", "-c",
                              "busybox cut -d' ' -f6 /proc/1/stat; "
                              "m=$(busybox sed -n 's/^mnt_id:[[:space:]]*//p' /proc/1/fdinfo/0); "
                              "busybox grep -c \"^$m \" /proc/1/mountinfo; true"};
    b.save();
    Result r = run_command({"/bin/sh", "-c", "exec " + berth_path() + " --root " + b.state_root() + " run --bundle " +
                                                 b.dir() + " " + b.id() + " < /dev/null"});
    BOOST_TEST(r.out == "1\n1\n", r.out << r.err);
}
