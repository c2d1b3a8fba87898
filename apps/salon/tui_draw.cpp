// The full-screen client's screen: colours, the rows of a window (day lines, the "new messages"
// line, replies, edits, reactions), and the bars, window list and member list around them.
#include "tui_app.hpp"

namespace salon::cli::tui {

// ---- drawing --------------------------------------------------------------------------------

void Tui::setup_colors() {
    if (!has_colors()) return;
    start_color();
    use_default_colors();
    colors_ = true;
    const short nick_colours[kNickPalette] = {
        COLOR_RED, COLOR_GREEN, COLOR_YELLOW, COLOR_BLUE, COLOR_MAGENTA, COLOR_CYAN};
    for (short i = 0; i < kNickPalette; ++i)
        init_pair(static_cast<short>(i + 1), nick_colours[i], -1);
    init_pair(kPairInfo, COLOR_CYAN, -1);
    init_pair(kPairError, COLOR_RED, -1);
    init_pair(kPairJoin, COLOR_GREEN, -1);
    init_pair(kPairPart, COLOR_RED, -1);
    init_pair(kPairBar, COLOR_WHITE, COLOR_BLUE);
    init_pair(kPairMention, COLOR_MAGENTA, -1);
    init_pair(kPairTime, COLOR_WHITE, -1);
    init_pair(kPairHilight, COLOR_MAGENTA, COLOR_BLUE);
}

int Tui::put(int y, int x, int max_cols, const std::u32string& text, attr_t attr, short pair) {
    if (max_cols <= 0) return 0;
    std::wstring out;
    int used = 0;
    for (char32_t c : text) {
        const int w = client::display_width(c);
        if (used + w > max_cols) break;
        if (w == 0 && (c < 0x20 || c == 0x7F))
            continue;  // never send control bytes to the terminal
        out.push_back(static_cast<wchar_t>(c));
        used += w;
    }
    attr_set(attr, colors_ ? pair : 0, nullptr);
    mvaddnwstr(y, x, out.c_str(), static_cast<int>(out.size()));
    attr_set(A_NORMAL, 0, nullptr);
    return used;
}

std::vector<Row> Tui::build_rows(const client::Buffer& b, int width, std::vector<std::int64_t>* ids)
    const {
    std::vector<Row> rows;
    const auto push = [&](Row row, std::int64_t id) {
        rows.push_back(std::move(row));
        if (ids != nullptr) ids->push_back(id);
    };
    if (b.kind == BufferKind::channel || b.kind == BufferKind::direct) {
        const std::string marker = b.at_beginning      ? "--- beginning of " + b.label() + " ---"
                                   : b.history_pending ? "--- loading older messages... ---"
                                                       : "--- PgUp loads older messages ---";
        push(Row{Segment{A_DIM, kPairInfo, u32(marker)}}, 0);
    }
    std::string day;
    bool marker_drawn = b.marker_id < 0;
    for (const auto& line : b.lines) {
        // irssi's day change, so that last week does not read like today.
        const std::string line_day = client::format_local_date(line.ts_ms);
        if (b.kind != BufferKind::search && line_day != day) {
            push(
                Row{Segment{
                    A_NORMAL,
                    kPairInfo,
                    u32("--- Day changed to " + client::format_local_day(line.ts_ms) + " ---")}},
                0
            );
            day = line_day;
        }
        // The read marker as the window was entered: what follows is new.
        if (!marker_drawn && line.kind == LineKind::message && line.id > b.marker_id && !line.own) {
            marker_drawn = true;
            push(Row{Segment{A_BOLD, kPairError, u32("--- new messages ---")}}, 0);
        }
        Row first;
        first.push_back(Segment{
            A_NORMAL, kPairTime, u32(client::format_local_hms(line.ts_ms) + " ")});
        if (line.kind == LineKind::message && (show_ids_ || b.kind == BufferKind::search) &&
            line.id != 0)
            first.push_back(Segment{A_DIM, 0, u32(std::to_string(line.id) + " ")});
        if (!line.where.empty()) first.push_back(Segment{A_BOLD, 0, u32(line.where + " ")});
        std::u32string body;
        Segment body_style{A_NORMAL, 0, {}};
        std::u32string tail;
        switch (line.kind) {
            case LineKind::message: {
                const auto colour =
                    static_cast<short>(1 + client::nick_colour(line.nick, kNickPalette));
                if (line.action && !line.deleted) {
                    first.push_back(Segment{A_BOLD, 0, U" * "});
                    first.push_back(Segment{line.own ? A_BOLD : A_NORMAL, colour, u32(line.nick)});
                    first.push_back(Segment{A_NORMAL, 0, U" "});
                } else {
                    first.push_back(Segment{A_NORMAL, 0, U"<"});
                    first.push_back(Segment{line.own ? A_BOLD : A_NORMAL, colour, u32(line.nick)});
                    first.push_back(Segment{A_NORMAL, 0, U"> "});
                }
                if (line.reply_to != 0) {
                    // The answered message's first words, as a quote.
                    std::string quote = "re " + std::to_string(line.reply_to);
                    if (const auto* original = b.message(line.reply_to)) {
                        const auto words =
                            client::utf8_to_u32(original->deleted ? "(deleted)" : original->text);
                        quote = "re " + original->nick + ": " +
                                client::u32_to_utf8(words.substr(0, 24)) +
                                (words.size() > 24 ? "…" : "");
                    }
                    body = u32("[" + quote + "] ");
                }
                if (line.deleted) {
                    body += U"(message deleted)";
                    body_style = Segment{A_DIM, 0, {}};
                } else {
                    body += u32(line.text);
                    if (line.mention) body_style = Segment{A_BOLD, kPairMention, {}};
                    if (line.pending) body_style = Segment{A_DIM, 0, {}};
                    if (line.id != 0 && line.id == b.highlight_id)
                        body_style = Segment{A_REVERSE, 0, {}};
                }
                if (line.edited && !line.deleted) tail += U" (edited)";
                for (const auto& r : line.reactions)
                    tail += u32(" [" + r.emoji + " " + std::to_string(r.users.size()) + "]");
                if (line.pending) tail += U" (pending: sent when reconnected)";
                body += tail;
                break;
            }
            case LineKind::join:
                first.push_back(Segment{A_BOLD, kPairJoin, U"[+]"});
                first.push_back(Segment{A_NORMAL, kPairJoin, u32(line.nick)});
                break;
            case LineKind::part:
                first.push_back(Segment{A_BOLD, kPairPart, U"[-]"});
                first.push_back(Segment{A_NORMAL, kPairPart, u32(line.nick)});
                if (!line.text.empty())
                    first.push_back(Segment{A_DIM, 0, u32(" (" + line.text + ")")});
                break;
            case LineKind::info:
                first.push_back(Segment{A_NORMAL, kPairInfo, U"-!- "});
                body = u32(line.text);
                body_style = Segment{A_NORMAL, kPairInfo, {}};
                break;
            case LineKind::error:
                first.push_back(Segment{A_BOLD, kPairError, U"!!! "});
                body = u32(line.text);
                body_style = Segment{A_NORMAL, kPairError, {}};
                break;
        }
        std::size_t indent = 0;
        for (const auto& seg : first) indent += client::display_width(seg.text);
        const int avail = width - static_cast<int>(indent);
        // A pane too narrow for an indent wraps at the left edge instead.
        const bool hang = avail >= 10;
        const auto chunks =
            client::wrap(body, static_cast<std::size_t>(hang ? avail : std::max(1, width)));
        const std::int64_t id = line.kind == LineKind::message ? line.id : 0;
        if (hang) {
            first.push_back(Segment{body_style.attr, body_style.pair, chunks.front()});
            push(std::move(first), id);
            for (std::size_t k = 1; k < chunks.size(); ++k) {
                push(
                    Row{Segment{A_NORMAL, 0, std::u32string(indent, U' ')},
                        Segment{body_style.attr, body_style.pair, chunks[k]}},
                    id
                );
            }
        } else {
            push(std::move(first), id);
            if (!body.empty()) {
                for (const auto& c : chunks)
                    push(Row{Segment{body_style.attr, body_style.pair, c}}, id);
            }
        }
    }
    return rows;
}

void Tui::draw() {
    erase();
    const int h = LINES;
    const int w = COLS;
    if (h < 5 || w < 20) {
        put(0, 0, w, U"terminal too small", A_BOLD, 0);
        refresh();
        return;
    }
    auto& b = model_.active_buffer();
    const int list_w = w >= 60 ? 16 : 0;
    const int members_w = (w >= 90 && b.kind == BufferKind::channel) ? 18 : 0;
    const int pane_x = list_w > 0 ? list_w + 1 : 0;
    const int pane_w = w - pane_x - (members_w > 0 ? members_w + 1 : 0);
    pane_rows_ = h - 3;
    pane_w_ = pane_w;

    // Title bar.
    std::string title = " salon  " + settings_.endpoint.to_string() + "  " + b.label();
    if (!b.topic.empty()) title += ": " + b.topic;
    attr_set(A_NORMAL, colors_ ? kPairBar : 0, nullptr);
    put(0,
        0,
        w,
        std::u32string(static_cast<std::size_t>(w), U' '),
        colors_ ? A_NORMAL : A_REVERSE,
        kPairBar);
    put(0, 0, w, u32(title), colors_ ? A_NORMAL : A_REVERSE, kPairBar);

    // Window list.
    if (list_w > 0) {
        for (std::size_t i = 0; i < model_.buffers().size() && static_cast<int>(i) < pane_rows_;
             ++i) {
            const auto& wb = model_.buffers()[i];
            std::string label = std::to_string(i + 1) + " " + wb.label();
            if (wb.unread > 0) label += " (" + std::to_string(wb.unread) + ")";
            attr_t attr = A_NORMAL;
            short pair = 0;
            if (wb.mentioned) {
                attr = A_BOLD;
                pair = kPairMention;
            } else if (wb.unread > 0) {
                attr = A_BOLD;
            }
            if (i == model_.active()) attr |= A_REVERSE;
            put(1 + static_cast<int>(i), 0, list_w, u32(label), attr, pair);
        }
        mvvline(1, list_w, ACS_VLINE, pane_rows_);
    }

    // Member list.
    if (members_w > 0) {
        const int mx = w - members_w;
        mvvline(1, mx - 1, ACS_VLINE, pane_rows_);
        const auto n = b.members.size();
        put(1, mx, members_w, u32(std::to_string(n) + (n == 1 ? " member" : " members")), A_BOLD, 0
        );
        for (std::size_t i = 0; i < b.members.size() && static_cast<int>(i) + 2 <= pane_rows_;
             ++i) {
            const auto& m = b.members[i];
            const auto colour = static_cast<short>(1 + client::nick_colour(m.user, kNickPalette));
            put(2 + static_cast<int>(i),
                mx,
                members_w,
                u32((m.op ? "@" : " ") + m.user),
                m.guest ? A_DIM : A_NORMAL,
                colour);
        }
    }

    // Messages, bottom-aligned, `scroll` rows up from the newest.
    const auto rows = build_rows(b, pane_w);
    const auto total = rows.size();
    const auto visible = static_cast<std::size_t>(pane_rows_);
    const std::size_t max_scroll = total > visible ? total - visible : 0;
    b.scroll = std::min(b.scroll, max_scroll);
    const std::size_t end = total - b.scroll;
    const std::size_t begin = end > visible ? end - visible : 0;
    int y = 1 + pane_rows_ - static_cast<int>(end - begin);
    for (std::size_t r = begin; r < end; ++r, ++y) {
        int x = pane_x;
        for (const auto& seg : rows[r])
            x += put(y, x, pane_x + pane_w - x, seg.text, seg.attr, seg.pair);
    }

    // Status bar.
    std::string status = "[";
    status += client::format_local_hms(clock_.unix_now_ms()).substr(0, 5) + "] [" + model_.self() +
              "] [" + std::to_string(model_.active() + 1) + ":" + b.label() + "]";
    if (b.scroll > 0) status += " [scrolled: PgDn]";
    if (!connected_)
        status += login_refused_ ? " [login refused]" : " [disconnected: reconnecting]";
    const auto typists = model_.typing_now(model_.active());
    if (!typists.empty()) {
        std::string who = typists.front();
        for (std::size_t i = 1; i < typists.size(); ++i) who += ", " + typists[i];
        status += " [" + who + (typists.size() == 1 ? " is" : " are") + " typing…]";
    }
    attr_set(A_NORMAL, colors_ ? kPairBar : 0, nullptr);
    put(h - 2,
        0,
        w,
        std::u32string(static_cast<std::size_t>(w), U' '),
        colors_ ? A_NORMAL : A_REVERSE,
        kPairBar);
    int sx = put(h - 2, 0, w, u32(status), colors_ ? A_NORMAL : A_REVERSE, kPairBar);
    // Activity, irssi style: windows with news; mentions and DMs in the hilight colour.
    bool any = false;
    for (std::size_t i = 0; i < model_.buffers().size(); ++i) {
        const auto& wb = model_.buffers()[i];
        if (wb.unread <= 0 || i == model_.active()) continue;
        sx +=
            put(h - 2, sx, w - sx, any ? U"," : U" [Act: ", colors_ ? A_NORMAL : A_REVERSE, kPairBar
            );
        any = true;
        sx +=
            put(h - 2,
                sx,
                w - sx,
                u32(std::to_string(i + 1) + (wb.mentioned ? "!" : "")),
                wb.mentioned ? A_BOLD : A_NORMAL,
                wb.mentioned ? kPairHilight : kPairBar);
    }
    if (any) put(h - 2, sx, w - sx, U"]", colors_ ? A_NORMAL : A_REVERSE, kPairBar);

    // Input line, scrolled sideways to keep the cursor visible.
    std::string prompt_text;
    if (secret_)
        prompt_text = secret_->questions[secret_->answers.size()] + ": ";
    else
        prompt_text.append("[").append(b.label()).append("] ");
    const std::u32string prompt = u32(prompt_text);
    const int prompt_w = put(h - 1, 0, w / 2, prompt, A_BOLD, 0);
    const int avail = std::max(1, w - prompt_w - 1);
    // A password being typed shows nothing, not even its length.
    static const std::u32string kHidden;
    const auto& text = secret_ ? kHidden : editor_.text();
    const std::size_t cursor = secret_ ? 0 : editor_.cursor();
    input_start_ = std::min(input_start_, cursor);
    while (input_start_ < cursor && client::display_width(std::u32string_view(text).substr(
                                        input_start_, cursor - input_start_
                                    )) > static_cast<std::size_t>(avail)) {
        ++input_start_;
    }
    put(h - 1, prompt_w, avail, text.substr(input_start_), A_NORMAL, 0);
    const auto cursor_x =
        prompt_w + static_cast<int>(client::display_width(
                       std::u32string_view(text).substr(input_start_, cursor - input_start_)
                   ));
    move(h - 1, std::min(cursor_x, w - 1));
    refresh();
}

}  // namespace salon::cli::tui
