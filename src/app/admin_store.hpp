// The data dir's store, as salond's administration commands open it beside a running server.
#pragma once

#include <memory>

#include "app/config.hpp"
#include "store/store.hpp"

namespace salon::app {

/// Opens the data dir's database for one command: one reader, no search indexing (the running
/// server does that), the configured sync level.
std::unique_ptr<store::Store> open_admin_store(const Config& config);

}  // namespace salon::app
