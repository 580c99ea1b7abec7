// Idmapped bind mounts (config.md "mounts": idmap, ridmap, uidMappings, gidMappings): the
// container sees the source's files with shifted owners, and the host's files keep theirs.
#define BOOST_TEST_MODULE idmap_mounts
#include "harness.hpp"

#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

using namespace berth::it;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// A host directory (in the bundle, outside the rootfs) holding `file` owned by uid:gid.
std::string make_source(const Bundle& b, uid_t uid, gid_t gid) {
    const std::string dir = b.dir() + "/shared";
    ::mkdir(dir.c_str(), 0755);
    write_file(dir + "/file", "data\n");
    BOOST_REQUIRE(::chown((dir + "/file").c_str(), uid, gid) == 0);
    return dir;
}

berth::oci::Mount idmapped(const std::string& source, const std::string& option) {
    berth::oci::Mount m;
    m.destination = "/data";
    m.type = "bind";
    m.source = source;
    m.options = {"rbind", option};
    return m;
}

void expect_host_owner(const std::string& path, uid_t uid, gid_t gid) {
    struct stat st {};
    BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
    BOOST_TEST(st.st_uid == uid);
    BOOST_TEST(st.st_gid == gid);
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_mounts_own_mappings_shift_owners) {
    Bundle b;
    const auto src = make_source(b, 1000, 1001);
    auto m = idmapped(src, "idmap");
    m.uid_mappings = {{1000, 2000, 1}};
    m.gid_mappings = {{1001, 3001, 1}};
    b.config.mounts.push_back(m);
    b.config.process->args = {"/probe", "stat", "/data/file"};
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    Report st = parse_report(r.out);
    BOOST_TEST(st.get("uid") == "2000");
    BOOST_TEST(st.get("gid") == "3001");
    expect_host_owner(src + "/file", 1000, 1001);
}

BOOST_AUTO_TEST_CASE(without_own_mappings_the_containers_user_namespace_maps) {
    Bundle b;
    b.config.linux_->namespaces.push_back({berth::oci::NamespaceType::user, ""});
    b.config.linux_->uid_mappings = {{0, 100000, 65536}};
    b.config.linux_->gid_mappings = {{0, 100000, 65536}};
    run_command({"/bin/chown", "-R", "100000:100000", b.rootfs()});
    // Owned by host root: without the idmap the container would see the overflow id.
    const auto src = make_source(b, 0, 0);
    b.config.mounts.push_back(idmapped(src, "ridmap"));
    b.config.process->args = {"/probe", "stat", "/data/file"};
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    Report st = parse_report(r.out);
    BOOST_TEST(st.get("uid") == "0");
    BOOST_TEST(st.get("gid") == "0");
    expect_host_owner(src + "/file", 0, 0);
}

BOOST_AUTO_TEST_CASE(idmap_errors_name_the_mount_and_leave_nothing) {
    struct Case {
        const char* what;
        void (*edit)(berth::oci::Mount&);
        const char* message;
    };
    const Case cases[] = {
        {"no mappings anywhere", [](berth::oci::Mount&) {}, "idmap needs uidMappings and gidMappings"},
        {"uid without gid", [](berth::oci::Mount& m) { m.uid_mappings = {{0, 1000, 1}}; },
         "gidMappings: required when uidMappings is set"},  // oci/ refuses it while parsing
        {"not a bind", [](berth::oci::Mount& m) {
             m.type = "tmpfs";
             m.source = "tmpfs";
             m.options = {"idmap"};
             m.uid_mappings = m.gid_mappings = {{0, 1000, 1}};
         }, "idmap applies to bind mounts only"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.what) {
            Bundle b;
            auto m = idmapped(make_source(b, 0, 0), "idmap");
            c.edit(m);
            b.config.mounts.push_back(m);
            Result r = b.run();
            BOOST_TEST(r.status != 0);
            BOOST_TEST(contains(r.err, ".mounts["), r.err);
            BOOST_TEST(contains(r.err, c.message), r.err);
            BOOST_TEST(!path_exists(b.state_root() + "/" + b.id()));
        }
    }
}
