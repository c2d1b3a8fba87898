#include "server/commands/handlers.hpp"

namespace salon::server::commands {

Outcome monitor(Context& ctx, const proto::Monitor& m) {
    if (m.users.size() > kMaxMonitorNamesPerRequest)
        return core::Failure(core::Errc::bad_request, "too many users in one MONITOR");
    Hub& hub = ctx.services.hub;
    switch (m.op) {
        case proto::Monitor::Op::add:
            return core::Result{hub.monitor(ctx.participant, m.users)};
        case proto::Monitor::Op::remove:
            hub.unmonitor(ctx.participant, m.users);
            break;
        case proto::Monitor::Op::clear:
            hub.clear_monitor(ctx.participant);
            break;
        case proto::Monitor::Op::list:
        case proto::Monitor::Op::status:
            return core::Result{hub.monitored(ctx.participant, m.op == proto::Monitor::Op::status)};
    }
    return core::Result{core::MonitorResult{}};
}

Outcome realname(Context& ctx, const proto::Realname& r) {
    ctx.services.hub.set_realname(ctx.actor().name, r.realname);
    return core::Result{core::EmptyResult{}};
}

Outcome bot(Context& ctx, const proto::Bot& b) {
    ctx.services.hub.set_bot(ctx.actor().name, b.on);
    return core::Result{core::EmptyResult{}};
}

}  // namespace salon::server::commands
