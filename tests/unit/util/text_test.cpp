// util/text (split, fields, to_integer), util/json_string and util/fs::remove_tree.
#define BOOST_TEST_MODULE util
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/json_string.hpp"
#include "util/text.hpp"

#include <boost/test/unit_test.hpp>

#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

using berth::text::fields;
using berth::text::split;
using berth::text::to_integer;
using Parts = std::vector<std::string>;

BOOST_AUTO_TEST_CASE(split_keeps_empty_parts) {
    BOOST_TEST(split("a::b", ':') == (Parts{"a", "", "b"}));
    BOOST_TEST(split("slice:prefix:", ':') == (Parts{"slice", "prefix", ""}));
    BOOST_TEST(split("", ':') == (Parts{""}));
    BOOST_TEST(split("one", ':') == (Parts{"one"}));
    BOOST_TEST(split("l1\nl2\n", '\n') == (Parts{"l1", "l2", ""}));
}

BOOST_AUTO_TEST_CASE(fields_split_on_runs_of_blanks) {
    const auto f = fields("  8:0 Read\t4096 \n Total  7\n");
    BOOST_TEST(std::vector<std::string>(f.begin(), f.end()) == (Parts{"8:0", "Read", "4096", "Total", "7"}));
    BOOST_TEST(fields("").empty());
    BOOST_TEST(fields(" \n\t").empty());
    BOOST_TEST(fields("x").size() == 1u);
}

BOOST_AUTO_TEST_CASE(to_integer_takes_whole_numbers_only) {
    BOOST_TEST(to_integer("195").value() == 195);
    BOOST_TEST(to_integer("-1").value() == -1);
    BOOST_TEST(!to_integer(""));
    BOOST_TEST(!to_integer("10abc"));
    BOOST_TEST(!to_integer("Character"));
    BOOST_TEST(!to_integer("99999999999999999999999"));
}

BOOST_AUTO_TEST_CASE(json_strings_escape_quotes_backslashes_and_control_characters) {
    std::string out = "x";
    berth::append_json_string(out, std::string_view("a\"b\\c\n\t\r\x01\x1f\xc3\xa9", 12));
    BOOST_TEST(out == "x\"a\\\"b\\\\c\\n\\t\\r\\u0001\\u001f\xc3\xa9\"");
}

BOOST_AUTO_TEST_CASE(remove_tree_removes_nested_entries_and_tolerates_a_missing_dir) {
    char pattern[] = "/tmp/berth-util-XXXXXX";
    BOOST_REQUIRE(::mkdtemp(pattern));
    const std::string root = pattern;
    berth::fs::make_dirs(root + "/a/b/c");
    berth::fs::write_file_atomic(root + "/a/b/c/file", "x");
    BOOST_REQUIRE(::symlink("/etc/passwd", (root + "/a/link").c_str()) == 0);
    berth::fs::remove_tree(root);
    BOOST_TEST(!berth::fs::exists(root));
    BOOST_TEST(berth::fs::exists("/etc/passwd"));  // the symlink was removed, not followed
    BOOST_CHECK_NO_THROW(berth::fs::remove_tree(root));
}

BOOST_AUTO_TEST_CASE(remove_tree_does_not_descend_into_a_mount) {
    if (::geteuid() != 0) {
        BOOST_TEST_MESSAGE("skipped: mounting a tmpfs needs root");
        return;
    }
    char pattern[] = "/tmp/berth-util-XXXXXX";
    BOOST_REQUIRE(::mkdtemp(pattern));
    const std::string root = pattern;
    berth::fs::make_dirs(root + "/mnt");
    BOOST_REQUIRE(::mount("tmpfs", (root + "/mnt").c_str(), "tmpfs", 0, nullptr) == 0);
    berth::fs::write_file_atomic(root + "/mnt/keep", "x");
    BOOST_CHECK_THROW(berth::fs::remove_tree(root), berth::Error);  // the mount point stays busy
    BOOST_TEST(berth::fs::exists(root + "/mnt/keep"));
    BOOST_REQUIRE(::umount((root + "/mnt").c_str()) == 0);
    berth::fs::remove_tree(root);
    BOOST_TEST(!berth::fs::exists(root));
}

// write_file_atomic swaps a new file in for an existing regular one (RENAME_EXCHANGE) and
// removes the old; what sits at the path otherwise (a directory) is never moved away.
BOOST_AUTO_TEST_CASE(write_file_atomic_replaces_a_file_and_leaves_a_directory_alone) {
    char pattern[] = "/tmp/berth-util-test.XXXXXX";
    BOOST_REQUIRE(::mkdtemp(pattern));
    const std::string root = pattern;
    berth::fs::write_file_atomic(root + "/state.json", "old content", 0600);
    struct stat before{};
    BOOST_REQUIRE(::stat((root + "/state.json").c_str(), &before) == 0);
    berth::fs::write_file_atomic(root + "/state.json", "new", 0600);
    BOOST_TEST(berth::fs::read_file(root + "/state.json") == "new");
    struct stat after{};
    BOOST_REQUIRE(::stat((root + "/state.json").c_str(), &after) == 0);
    BOOST_TEST(after.st_ino != before.st_ino);  // a new file, not the old one rewritten
    BOOST_TEST((after.st_mode & 07777) == 0600u);
    BOOST_REQUIRE(::mkdir((root + "/dir").c_str(), 0700) == 0);
    BOOST_CHECK_THROW(berth::fs::write_file_atomic(root + "/dir", "x"), berth::Error);
    struct stat dir{};
    BOOST_TEST((::stat((root + "/dir").c_str(), &dir) == 0 && S_ISDIR(dir.st_mode)));
    std::vector<std::string> left;
    DIR* d = ::opendir(root.c_str());
    BOOST_REQUIRE(d);
    while (const dirent* e = ::readdir(d))
        if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") left.push_back(e->d_name);
    ::closedir(d);
    BOOST_TEST(left.size() == 2u);  // state.json and dir: no temp file stays
    berth::fs::remove_tree(root);
}
