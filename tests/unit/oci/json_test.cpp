// The yajl adapter: tree building, number text, limits, the writer.
#include "oci/json.hpp"
#include "oci/names.hpp"
#include "test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <limits>

namespace berth::json {
namespace {

BOOST_AUTO_TEST_SUITE(json)

BOOST_AUTO_TEST_CASE(tree_keeps_document_order_and_number_text) {
    Value v = parse(R"({"b": [1, -2.50, 1e400, 18446744073709551616], "a": {"t": true, "n": null}, "s": "\u00e9\n"})");
    BOOST_REQUIRE(v.kind == Value::Kind::object);
    BOOST_REQUIRE(v.members.size() == 3U);
    BOOST_TEST(v.members[0].first == "b");
    const Value* b = v.find("b");
    BOOST_REQUIRE(b->items.size() == 4U);
    BOOST_TEST(b->items[1].text == "-2.50");
    BOOST_TEST(b->items[2].text == "1e400");
    BOOST_TEST(b->items[3].text == "18446744073709551616");
    BOOST_TEST(v.find("a")->find("t")->boolean);
    BOOST_TEST((v.find("a")->find("n")->kind == Value::Kind::null));
    BOOST_TEST(v.find("s")->text == "\xc3\xa9\n");
    BOOST_TEST(v.find("missing") == nullptr);
}

BOOST_AUTO_TEST_CASE(nesting_up_to_the_limit_is_accepted) {
    std::string ok = std::string(kMaxDepth, '[') + std::string(kMaxDepth, ']');
    Value v = parse(ok);
    Writer w;
    w.value(v);
    BOOST_TEST(w.str() == ok);
    std::string deep = "[" + ok + "]";
    BOOST_TEST(oci::test::error_of([&] { parse(deep, "d.json"); }) ==
               fmt::format("d.json: line 1, column {}: nesting deeper than {} levels", kMaxDepth + 1, kMaxDepth));
}

BOOST_AUTO_TEST_CASE(syntax_errors_name_line_and_column) {
    BOOST_TEST(oci::test::error_of([] { parse("{\n\"a\": [1,\n 2,,3]}", "f.json"); }) ==
               "f.json: line 3, column 4: unallowed token at this point in JSON text");
    BOOST_TEST(oci::test::error_of([] { parse("\"abc", "f.json"); }) == "f.json: line 1, column 5: premature EOF");
}

BOOST_AUTO_TEST_CASE(writer_escapes_and_writes_extreme_integers) {
    Writer w;
    w.begin_object()
        .key("s").string("q\"b\\n\n\x01/")
        .key("max").unsigned_integer(std::numeric_limits<std::uint64_t>::max())
        .key("min").integer(std::numeric_limits<std::int64_t>::min())
        .key("b").boolean(false)
        .key("n").null()
        .key("a").begin_array().end_array()
        .end_object();
    BOOST_TEST(w.str() ==
               R"({"s":"q\"b\\n\n\u0001/","max":18446744073709551615,"min":-9223372036854775808,"b":false,"n":null,"a":[]})");
    Value back = parse(w.str());
    BOOST_TEST(back.find("s")->text == "q\"b\\n\n\x01/");
}

BOOST_AUTO_TEST_CASE(writer_misuse_throws_error) {
    BOOST_TEST(oci::test::error_of([] {
        Writer w;
        w.begin_object().integer(1);
    }) == "json writer: a key is due");
    BOOST_TEST(!oci::test::error_of([] {
        Writer w;
        w.end_array();
    }).empty());
    BOOST_TEST(oci::test::error_of([] {
        Writer w;
        for (int i = 0; i <= kMaxDepth; ++i) {
            w.begin_array();
        }
    }) == "json writer: nesting too deep");
}

BOOST_AUTO_TEST_CASE(name_tables_follow_the_kernel) {
    BOOST_TEST(oci::capability_names().size() == 41U);
    BOOST_TEST(oci::capability_number("CAP_CHOWN") == std::optional<int>(0));
    BOOST_TEST(oci::capability_number("CAP_SYS_ADMIN") == std::optional<int>(21));
    BOOST_TEST(oci::capability_number("CAP_CHECKPOINT_RESTORE") == std::optional<int>(40));
    BOOST_TEST(!oci::capability_number("CAP_NOPE"));
    BOOST_TEST(oci::rlimit_names().size() == 16U);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace berth::json
