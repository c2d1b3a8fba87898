// salond: the Salon chat server.
#include <exception>
#include <iostream>

#include "app/admin.hpp"
#include "app/config.hpp"
#include "app/salond.hpp"
#include "web_assets.hpp"

int main(int argc, char** argv) {
    try {
        return salon::app::salond_main(argc, argv, salon::web::assets());
    } catch (const salon::app::ConfigError& e) {
        std::cerr << "salond: configuration: " << e.what() << '\n';
        return salon::app::kExitUsage;
    } catch (const std::exception& e) {
        std::cerr << "salond: " << e.what() << '\n';
        return salon::app::kExitFailure;
    }
}
