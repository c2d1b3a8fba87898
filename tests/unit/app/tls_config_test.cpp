#include <gtest/gtest.h>

#include "app/config.hpp"

namespace salon::app {
namespace {

TEST(TlsConfigTest, WithoutACertificateTlsIsOffAndThePortsKeepTheirDefaults) {
    const Config config;
    EXPECT_FALSE(config.tls.enabled());
    EXPECT_EQ(config.tls.port, 5443);
    EXPECT_EQ(config.tls.irc_port, 6697);
    EXPECT_EQ(config.tls.https_port, 8443);
    EXPECT_EQ(config.tls.plaintext_logins, "");
    EXPECT_NO_THROW(validate(config));
}

TEST(TlsConfigTest, TheTlsSectionSetsEveryKey) {
    Config config;
    apply_config_text(
        config,
        "[tls]\ncertificate = \"/etc/salon/fullchain.pem\"\nkey = \"/etc/salon/privkey.pem\"\n"
        "port = 15443\nirc_port = 0\nhttps_port = 443\nplaintext_logins = \"deny\"\n",
        "test.toml"
    );
    EXPECT_TRUE(config.tls.enabled());
    EXPECT_EQ(config.tls.certificate, "/etc/salon/fullchain.pem");
    EXPECT_EQ(config.tls.key, "/etc/salon/privkey.pem");
    EXPECT_EQ(config.tls.port, 15443);
    EXPECT_EQ(config.tls.irc_port, 0);
    EXPECT_EQ(config.tls.https_port, 443);
    EXPECT_EQ(config.tls.plaintext_logins, "deny");
    EXPECT_NO_THROW(validate(config));
}

TEST(TlsConfigTest, ACertificateWithoutItsKeyIsAnError) {
    Config config;
    apply_config_text(config, "[tls]\ncertificate = \"cert.pem\"\n", "test.toml");
    EXPECT_THROW(validate(config), ConfigError);
}

TEST(TlsConfigTest, AnUnknownPlaintextPolicyOrKeyIsAnError) {
    Config config;
    apply_config_text(config, "[tls]\nplaintext_logins = \"sometimes\"\n", "test.toml");
    EXPECT_THROW(validate(config), ConfigError);
    Config other;
    EXPECT_THROW(apply_config_text(other, "[tls]\ncert = \"x\"\n", "test.toml"), ConfigError);
}

}  // namespace
}  // namespace salon::app
