// salond's entry point: parses the command line and runs the server or an admin command.
#pragma once

#include <span>

#include "net/http_assets.hpp"

namespace salon::app {

/// main() of salond. `web_client`: the files the HTTP port serves (static storage). Returns the
/// process exit status.
int salond_main(int argc, char** argv, std::span<const net::WebAsset> web_client);

}  // namespace salon::app
