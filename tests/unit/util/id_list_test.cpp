// util/id_list: the kernel's "0-3,7" lists of CPUs and NUMA nodes.
#include "util/error.hpp"
#include "util/id_list.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using berth::text::parse_id_list;
using Ids = std::vector<unsigned>;

BOOST_AUTO_TEST_CASE(id_list_reads_ranges_and_single_ids) {
    BOOST_TEST(parse_id_list("0-3,7", 8, ".f", "CPU") == (Ids{0, 1, 2, 3, 7}));
    BOOST_TEST(parse_id_list("5,1,1-2", 8, ".f", "CPU") == (Ids{1, 2, 5}));
    BOOST_TEST(parse_id_list("", 8, ".f", "CPU").empty());
}

BOOST_AUTO_TEST_CASE(id_list_refuses_malformed_lists_naming_the_field) {
    for (const char* bad : {"x", "1,", ",1", "1,,2", "3-1", "-1", "1-", "0-8", "8", " 1", "1 "}) {
        try {
            parse_id_list(bad, 8, ".linux.memoryPolicy.nodes", "node");
            BOOST_ERROR("accepted \"" << bad << "\"");
        } catch (const berth::Error& e) {
            BOOST_TEST(std::string(e.what()) == std::string(".linux.memoryPolicy.nodes: invalid node list \"") + bad + "\"");
        }
    }
}
