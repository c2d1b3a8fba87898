// salond's entry point: parses the command line and runs the server or an admin command.
#pragma once

namespace salon::app {

/// main() of salond. Returns the process exit status.
int salond_main(int argc, char** argv);

}  // namespace salon::app
