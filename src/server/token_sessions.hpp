// Which connections logged in with which session token, so that revoking a token can close them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "server/participant.hpp"

namespace salon::server {

/// Thread-safe. A login with a token adds its connection once it is online; leaving removes it.
/// Revoking takes the token's connections out, to be told and closed, and remembers the id for a
/// while: a login that read the token from storage just before the revocation and comes to add
/// itself just after is refused, so that it cannot outlive the revocation it raced with (token
/// ids are never reused).
class TokenSessions {
public:
    /// False when the token was revoked meanwhile: the caller closes the connection.
    [[nodiscard]] bool add(std::int64_t token, const ParticipantPtr& participant);
    void remove(std::int64_t token, const Participant* participant);
    /// The connections logged in with `token`, which is revoked from now on.
    std::vector<ParticipantPtr> revoke(std::int64_t token);

    /// Revoked ids remembered, at most; a race lasts milliseconds, not thousands of revocations.
    static constexpr std::size_t kRememberedRevocations = 4096;

private:
    std::mutex mutex_;
    std::unordered_multimap<std::int64_t, std::weak_ptr<Participant>> sessions_;
    std::unordered_set<std::int64_t> revoked_;
    std::deque<std::int64_t> revoked_order_;
};

}  // namespace salon::server
