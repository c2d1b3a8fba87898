// The scriptable subcommands of `salon`: each connects, does one job and returns an exit code
// from exit_codes.hpp, printing errors on stderr as `salon: ...`.
#pragma once

#include <string>
#include <vector>

#include "options.hpp"

namespace salon::cli {

struct SendOptions {
    std::string to;                  ///< DM recipient; empty: post to the channel
    std::vector<std::string> words;  ///< joined by spaces into one message; empty: stdin lines
};

struct TailOptions {
    int history = 10;  ///< recent messages printed before following
    bool json = false;
};

struct HistoryOptions {
    int limit = 50;
    bool json = false;
};

int run_send(const Settings& settings, const SendOptions& options);
int run_tail(const Settings& settings, const TailOptions& options);
int run_history(const Settings& settings, const HistoryOptions& options);
int run_list(const Settings& settings, bool json);
int run_who(const Settings& settings, const std::string& channel, bool json);

}  // namespace salon::cli
