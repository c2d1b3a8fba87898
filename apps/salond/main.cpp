// salond: the Salon chat server.
#include <exception>
#include <iostream>
#include <sstream>
#include <string>

#include "app/admin.hpp"
#include "app/config.hpp"
#include "app/salond.hpp"
#include "web_assets.hpp"

int main(int argc, char** argv) {
    try {
        return salon::app::salond_main(argc, argv, salon::web::assets());
    } catch (const salon::app::ConfigError& e) {
        // One line per problem, each said as salond's.
        std::istringstream problems(e.what());
        for (std::string line; std::getline(problems, line);) {
            std::cerr << "salond: configuration: " << line << '\n';
        }
        return salon::app::kExitUsage;
    } catch (const std::exception& e) {
        std::cerr << "salond: " << e.what() << '\n';
        return salon::app::kExitFailure;
    }
}
