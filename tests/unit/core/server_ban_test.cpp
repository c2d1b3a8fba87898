#include "core/server_ban.hpp"

#include <gtest/gtest.h>

#include <string>

namespace salon::core {
namespace {

IpBytes ip(std::string_view text) {
    auto bytes = parse_ip_address(text);
    EXPECT_TRUE(bytes) << text;
    return bytes.value_or(IpBytes{});
}

AddressRange range(std::string_view text) {
    auto parsed = AddressRange::parse(text);
    EXPECT_TRUE(parsed) << text;
    return parsed.value_or(*AddressRange::parse("::"));
}

ServerBanRule rule(std::string_view target, std::string reason = {}) {
    auto parsed = ServerBanTarget::parse(target);
    EXPECT_TRUE(parsed) << target;
    return {*parsed, std::move(reason)};
}

TEST(ServerBanTest, AddressesReadInEitherFamilyAndIpv4EqualsItsMappedForm) {
    EXPECT_EQ(ip("127.0.0.1"), ip("::ffff:127.0.0.1"));
    EXPECT_EQ(ip("fe80::1%eth0"), ip("fe80::1"));
    EXPECT_NE(ip("::1"), ip("127.0.0.1"));
    for (const char* bad : {"", "unknown", "1.2.3", "1.2.3.4.5", "256.1.1.1", "::g", "1.2.3.4/8"})
        EXPECT_FALSE(parse_ip_address(bad)) << bad;
}

TEST(ServerBanTest, Ipv4BlocksContainTheirAddressesOnly) {
    const auto block = range("10.1.2.3/8");
    EXPECT_EQ(block.str(), "10.0.0.0/8");
    EXPECT_TRUE(block.contains(ip("10.255.0.1")));
    EXPECT_TRUE(block.contains(ip("::ffff:10.0.0.9")));
    EXPECT_FALSE(block.contains(ip("11.0.0.0")));
    EXPECT_FALSE(block.contains(ip("::a00:1")));  // IPv6, not 10.0.0.1

    const auto odd = range("192.168.1.130/25");
    EXPECT_EQ(odd.str(), "192.168.1.128/25");
    EXPECT_TRUE(odd.contains(ip("192.168.1.255")));
    EXPECT_FALSE(odd.contains(ip("192.168.1.127")));

    const auto one = range("127.0.0.1");
    EXPECT_TRUE(one.single());
    EXPECT_EQ(one.str(), "127.0.0.1");
    EXPECT_EQ(range("127.0.0.1/32"), one);
    EXPECT_TRUE(one.contains(ip("::ffff:127.0.0.1")));
    EXPECT_FALSE(one.contains(ip("127.0.0.2")));
}

TEST(ServerBanTest, Ipv6BlocksContainTheirAddressesOnly) {
    const auto block = range("2001:DB8:ffff::1/32");
    EXPECT_EQ(block.str(), "2001:db8::/32");
    EXPECT_TRUE(block.contains(ip("2001:db8:1234::5")));
    EXPECT_FALSE(block.contains(ip("2001:db9::")));
    const auto odd = range("2001:db8::/33");
    EXPECT_TRUE(odd.contains(ip("2001:db8:7fff::")));
    EXPECT_FALSE(odd.contains(ip("2001:db8:8000::")));
    EXPECT_EQ(range("::1/128").str(), "::1");
    // A mapped IPv4 block is the IPv4 block, in one form.
    EXPECT_EQ(range("::ffff:10.0.0.0/104"), range("10.0.0.0/8"));
    EXPECT_EQ(range("::ffff:10.0.0.0/104").str(), "10.0.0.0/8");
    EXPECT_EQ(range("::/0").prefix_bits(), 0u);
}

TEST(ServerBanTest, BadBlocksAreRefused) {
    for (const char* bad :
         {"10.0.0.0/33",
          "::/129",
          "10.0.0.0/",
          "10.0.0.0/-1",
          "10.0.0.0/8x",
          "10.0.0.0/0008",
          "fe80::1%eth0/64",
          "10.0.0.0/8/8",
          "/8"})
        EXPECT_FALSE(AddressRange::parse(bad)) << bad;
}

TEST(ServerBanTest, TargetsAreAddressesFirstThenNameMasksThatCanMatchSomeone) {
    EXPECT_NE(ServerBanTarget::parse("10.0.0.1")->addresses(), nullptr);
    EXPECT_EQ(ServerBanTarget::parse("10.0.0.1!*@*")->str(), "10.0.0.1!*@*");
    EXPECT_EQ(ServerBanTarget::parse("Bob")->str(), "bob!*@*");
    EXPECT_EQ(ServerBanTarget::parse("spam*")->str(), "spam*!*@*");
    EXPECT_EQ(ServerBanTarget::parse("*!*@salon")->str(), "*!*@salon");
    EXPECT_EQ(ServerBanTarget::parse("2001:db8::/32")->str(), "2001:db8::/32");
    // Masks that would ban nobody, and mistyped addresses.
    for (const char* bad :
         {"",
          "*@1.2.3.4",
          "bob!*@example.com",
          "b#b",
          "bob!x~y@*",
          "10.0.0.0/33",
          "1.2.3.4:80",
          "bob!*@*!x",
          "a b"})
        EXPECT_FALSE(ServerBanTarget::parse(bad)) << bad;
    EXPECT_TRUE(ServerBanTarget::parse("*")->bans_everyone());
    EXPECT_TRUE(ServerBanTarget::parse("*!*@*")->bans_everyone());
    EXPECT_TRUE(ServerBanTarget::parse("0.0.0.0/0")->bans_everyone());
    EXPECT_TRUE(ServerBanTarget::parse("::/0")->bans_everyone());
    EXPECT_FALSE(ServerBanTarget::parse("a*")->bans_everyone());
    EXPECT_FALSE(ServerBanTarget::parse("0.0.0.0/1")->bans_everyone());
}

TEST(ServerBanTest, TheListFindsTheBanByExactNameByPatternByAddressAndByBlock) {
    const ServerBanList list({
        rule("bob", "flooding"),
        rule("spam?bot*"),
        rule("192.0.2.7", "open proxy"),
        rule("198.51.100.0/24"),
        rule("2001:db8::/32"),
    });
    const auto here = parse_ip_address("203.0.113.1");
    EXPECT_EQ(list.find("bob", here)->reason, "flooding");
    EXPECT_EQ(list.find("spam1bot", here)->target.str(), "spam?bot*!*@*");
    EXPECT_EQ(list.find("spam1botnet", here)->target.str(), "spam?bot*!*@*");
    EXPECT_EQ(list.find("spambot", here), nullptr);
    EXPECT_EQ(list.find("bobby", here), nullptr);
    EXPECT_EQ(list.find("ann", parse_ip_address("192.0.2.7"))->reason, "open proxy");
    EXPECT_EQ(list.find("ann", parse_ip_address("::ffff:192.0.2.7"))->reason, "open proxy");
    EXPECT_NE(list.find("guest42", parse_ip_address("198.51.100.200")), nullptr);
    EXPECT_NE(list.find("ann", parse_ip_address("2001:db8::99")), nullptr);
    EXPECT_EQ(list.find("ann", parse_ip_address("2001:db9::99")), nullptr);
    EXPECT_EQ(list.find("ann", std::nullopt), nullptr);  // no address known: names only
    EXPECT_NE(list.find("bob", std::nullopt), nullptr);
    EXPECT_EQ(ServerBanList{}.find("bob", here), nullptr);
}

}  // namespace
}  // namespace salon::core
