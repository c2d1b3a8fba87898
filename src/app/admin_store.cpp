#include "app/admin_store.hpp"

#include "store/sqlite/sqlite_store.hpp"

namespace salon::app {

std::unique_ptr<store::Store> open_admin_store(const Config& config) {
    store::SqliteOptions options;
    options.reader_connections = 1;
    options.index_search = false;
    options.sync =
        config.sync_full ? store::SqliteOptions::Sync::full : store::SqliteOptions::Sync::normal;
    return store::open_sqlite_store(config.data_dir / "salon.db", options);
}

}  // namespace salon::app
