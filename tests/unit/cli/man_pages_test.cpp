// The man pages, --help and the command table agree: every flag the parser takes (the table
// the shell completions are generated from) is documented in berth-CMD.8 and listed by
// `berth CMD --help`, every option a page documents exists, and berth(8) lists exactly the
// commands. A flag added without its man entry, or a page describing a removed flag, fails.
// The pages are read from $BERTH_MAN_DIR (the source tree's man/).
#define BOOST_TEST_MODULE cli_man
#include "cli/args.hpp"
#include "cli/command.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

using namespace berth::cli;

namespace {

std::string man_dir() {
    const char* dir = std::getenv("BERTH_MAN_DIR");
    BOOST_REQUIRE_MESSAGE(dir, "BERTH_MAN_DIR is not set");
    return dir;
}

std::string page_name(std::string_view command) {
    return command.empty() ? "berth.8" : "berth-" + std::string(command) + ".8";
}

// The lines of section `section` (".SH OPTIONS") of a page; empty when it has none.
std::vector<std::string> section_lines(const std::string& page, std::string_view section) {
    std::ifstream in(man_dir() + "/" + page);
    BOOST_REQUIRE_MESSAGE(in, "man page " << page << " is missing");
    std::vector<std::string> out;
    bool inside = false;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(".SH", 0) == 0) inside = line == ".SH " + std::string(section);
        else if (inside) out.push_back(line);
    }
    return out;
}

// The tag lines (after .TP) of a section: "\fB\-b\fR, \fB\-\-bundle\fR \fIdir\fR".
std::vector<std::string> tags(const std::vector<std::string>& lines) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
        if (lines[i] == ".TP") out.push_back(lines[i + 1]);
    }
    return out;
}

// The options a page documents, as "-b" and "--bundle".
std::set<std::string> documented_flags(const std::string& page) {
    std::set<std::string> out;
    for (const auto& tag : tags(section_lines(page, "OPTIONS"))) {
        for (std::size_t at = tag.find("\\fB\\-"); at != std::string::npos; at = tag.find("\\fB\\-", at + 1)) {
            std::string name;
            for (std::size_t i = at + 3; i < tag.size() && tag.compare(i, 3, "\\fR") != 0; ++i) {
                if (tag[i] != '\\') name += tag[i];
            }
            out.insert(name);
        }
    }
    return out;
}

std::string spelled(std::string_view name) { return (name.size() == 1 ? "-" : "--") + std::string(name); }

bool lists_flag(const std::string& help_text, std::string_view name) {
    // "  -b, --bundle DIR" or "      --pid-file FILE": the name followed by a space, comma or end.
    std::string text = spelled(name);
    for (std::size_t at = help_text.find(text); at != std::string::npos; at = help_text.find(text, at + 1)) {
        char before = at ? help_text[at - 1] : ' ';
        char after = at + text.size() < help_text.size() ? help_text[at + text.size()] : '\n';
        if ((before == ' ' || before == ',') && (after == ' ' || after == ',' || after == '\n')) return true;
    }
    return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(man_pages)

BOOST_AUTO_TEST_CASE(every_flag_of_the_table_is_in_help_and_in_the_man_page) {
    for (const auto& command : command_table()) {
        auto page = page_name(command.name);
        auto documented = documented_flags(page);
        std::vector<std::string> args;
        if (!command.name.empty()) args.emplace_back(command.name);
        args.emplace_back("--help");
        auto help_text = std::get<HelpRequest>(parse_command_line(args).options).text;
        for (const auto& flag : command.help.flags) {
            if (flag.hidden) continue;  // accepted for runc and ignored: documented or not
            for (auto name : flag.names) {
                BOOST_TEST(documented.count(spelled(name)) == 1u,
                           page << " does not document " << spelled(name));
                BOOST_TEST(lists_flag(help_text, name),
                           "berth " << command.name << " --help does not list " << spelled(name));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(every_option_a_man_page_documents_exists) {
    for (const auto& command : command_table()) {
        auto page = page_name(command.name);
        for (const auto& flag : documented_flags(page)) {
            if (flag == "-h" || flag == "--help") continue;
            bool known = std::any_of(command.help.flags.begin(), command.help.flags.end(), [&](const FlagInfo& f) {
                return std::any_of(f.names.begin(), f.names.end(), [&](auto n) { return spelled(n) == flag; });
            });
            BOOST_TEST(known, page << " documents " << flag << ", which berth "
                                   << (command.name.empty() ? "(global)" : command.name) << " does not take");
        }
    }
}

BOOST_AUTO_TEST_CASE(berth_8_lists_exactly_the_commands_and_each_has_a_page) {
    std::set<std::string> listed;
    for (const auto& tag : tags(section_lines("berth.8", "COMMANDS"))) {
        auto start = tag.find("\\fB"), end = tag.find("\\fR");
        if (start != std::string::npos && end != std::string::npos) listed.insert(tag.substr(start + 3, end - start - 3));
    }
    std::set<std::string> commands, pages;
    for (const auto& command : command_table()) {
        if (!command.name.empty()) commands.emplace(command.name);
    }
    BOOST_TEST(listed == commands, "berth.8 COMMANDS differ from the command table");
    DIR* dir = ::opendir(man_dir().c_str());
    BOOST_REQUIRE(dir);
    while (auto* entry = ::readdir(dir)) {
        std::string name = entry->d_name;
        if (name.rfind("berth-", 0) == 0 && name.size() > 8 && name.substr(name.size() - 2) == ".8") {
            pages.insert(name.substr(6, name.size() - 8));
        }
    }
    ::closedir(dir);
    BOOST_TEST(pages == commands, "man/berth-*.8 pages differ from the command table");
}

BOOST_AUTO_TEST_SUITE_END()
