#include "app/reload.hpp"

#include <gtest/gtest.h>

namespace salon::app {
namespace {

TEST(PlanReload, LiveSettingsChangeAndRestartOnlyOnesKeepTheirRunningValue) {
    Config running;
    Config next = running;
    next.port = running.port + 1;
    next.tls.certificate = "/elsewhere.pem";
    next.limits.max_text_bytes = 100;
    next.registration_open = !running.registration_open;
    next.password.ops = running.password.ops + 1;
    next.retention.channel_days["#logs"] = 7;

    const auto plan = plan_reload(running, next);
    EXPECT_EQ(
        plan.applied,
        (std::vector<std::string>{
            "server.registration",
            "passwords.argon2_ops",
            "retention.channels",
            "limits.max_text_bytes"})
    );
    EXPECT_EQ(plan.restart_only, (std::vector<std::string>{"server.port", "tls.certificate"}));
    EXPECT_EQ(plan.running.port, running.port);
    EXPECT_TRUE(plan.running.tls.certificate.empty());
    EXPECT_EQ(plan.running.limits.max_text_bytes, 100U);
    EXPECT_EQ(plan.running.registration_open, next.registration_open);
    EXPECT_EQ(plan.running.retention.channel_days.at("#logs"), 7U);
}

TEST(PlanReload, TheSameConfigurationChangesNothing) {
    const Config running;
    const auto plan = plan_reload(running, running);
    EXPECT_TRUE(plan.applied.empty());
    EXPECT_TRUE(plan.restart_only.empty());
}

TEST(ServerSettings, PlaintextLoginsDefaultToLoopbackOnlyWithACertificate) {
    Config config;
    EXPECT_EQ(server_settings(config, "1").plaintext_logins, server::PlaintextLogins::allow);
    config.tls.certificate = "a.pem";
    config.tls.key = "a.key";
    EXPECT_EQ(server_settings(config, "1").plaintext_logins, server::PlaintextLogins::loopback);
    config.tls.plaintext_logins = "deny";
    EXPECT_EQ(server_settings(config, "1").plaintext_logins, server::PlaintextLogins::deny);
}

}  // namespace
}  // namespace salon::app
