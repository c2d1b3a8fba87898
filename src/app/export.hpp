// `salond export` and `salond import`: one channel's or one person's data as JSON, and a
// channel's back.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>

#include "app/config.hpp"

namespace salon::app {

/// What `salond export` writes: exactly one of the two names is set.
struct ExportRequest {
    std::string channel;
    std::string user;
    std::filesystem::path output;  ///< empty: standard output
};

/// `salond export --channel NAME | --user NAME --format json`: JSON Lines (one JSON object per
/// line, docs/operations.md "Exports"), read from the store page by page so that memory stays
/// bounded whatever the channel's size. Works beside a running salond. Returns an exit status.
int run_export(
    const Config& config, const ExportRequest& request, std::ostream& out, std::ostream& err
);

/// `salond import FILE`: loads a channel export into the data dir, which must not hold that
/// channel; salond must be stopped (the messages get new ids from the data dir's sequence).
/// The whole file is checked before anything is written. Returns an exit status.
int run_import(
    const Config& config, const std::filesystem::path& file, std::ostream& out, std::ostream& err
);

}  // namespace salon::app
