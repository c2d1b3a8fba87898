// MainWindow: layout, rendering of conversations and the close-with-END sequence.
#include "main_window.hpp"

#include <QApplication>
#include <QCloseEvent>
#include <QDesktopServices>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QKeyEvent>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QRegularExpression>
#include <QScrollBar>
#include <QShortcut>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QTextBlock>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

namespace salon::gui {

namespace {

constexpr int kListRole = Qt::UserRole;    // conversation key of a list entry
constexpr int kIdRole = Qt::UserRole + 1;  // message id of a search result
/// What the context menu offers to react with.
const QStringList kEmoji = {
    QStringLiteral("👍"),
    QStringLiteral("❤️"),
    QStringLiteral("😂"),
    QStringLiteral("🎉"),
    QStringLiteral("👀")};
constexpr int kFlashMs = 10000;  // a status-bar notification stays this long

/// Marks the scrolling done by the window itself, so that it is not taken for the user's.
class ProgrammaticScroll {
public:
    explicit ProgrammaticScroll(bool& flag) : flag_(flag), previous_(flag) { flag_ = true; }

    ~ProgrammaticScroll() { flag_ = previous_; }

    ProgrammaticScroll(const ProgrammaticScroll&) = delete;
    ProgrammaticScroll& operator=(const ProgrammaticScroll&) = delete;

private:
    bool& flag_;
    bool previous_;
};

QString escaped(const QString& text) {
    return text.toHtmlEscaped().replace(QLatin1Char('\n'), QStringLiteral("<br>"));
}

QString local_time(const QDateTime& utc) {
    const auto local = utc.toLocalTime();
    // Older lines carry their date; today's only the time, as most chat clients do.
    if (local.date() == QDate::currentDate()) return local.toString(QStringLiteral("HH:mm"));
    return local.toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}

}  // namespace

MainWindow::MainWindow(ChatSession& session, QWidget* parent)
    : QMainWindow(parent),
      session_(session),
      conversations_(new QListWidget(this)),
      topic_(new QLabel(this)),
      view_(new QTextBrowser(this)),
      members_(new QListWidget(this)),
      input_(new QLineEdit(this)),
      counter_(new QLabel(this)),
      typing_(new QLabel(this)),
      replying_(new QLabel(this)),
      members_count_(new QLabel(this)),
      search_(new QLineEdit(this)),
      search_results_(new QListWidget(this)),
      state_(new QLabel(this)) {
    counter_->setObjectName(QStringLiteral("counter"));
    counter_->hide();
    typing_->setObjectName(QStringLiteral("typing"));
    typing_->hide();
    build_layout();
    connect_session();
    connect_widgets();
    install_shortcuts();
    on_state_changed(session_.connection().state());
    rebuild_conversation_list();
}

void MainWindow::build_layout() {
    setWindowTitle(tr("Salon"));
    resize(960, 600);
    log_out_ = menuBar()->addMenu(tr("&Session"))->addAction(tr("&Log out"));
    log_out_->setObjectName(QStringLiteral("log_out"));
    account_menu_ = menuBar()->addMenu(tr("&Account"));
    change_password_ = account_menu_->addAction(tr("Change &password…"), this, [this] {
        open_account_dialog(AccountDialog::Kind::change_password);
    });
    delete_account_ = account_menu_->addAction(tr("&Delete account…"), this, [this] {
        open_account_dialog(AccountDialog::Kind::delete_account);
    });
    register_ = account_menu_->addAction(tr("&Create an account with this place…"), this, [this] {
        open_account_dialog(AccountDialog::Kind::register_guest);
    });

    conversations_->setObjectName(QStringLiteral("conversations"));
    members_->setObjectName(QStringLiteral("members"));
    view_->setObjectName(QStringLiteral("messages"));
    input_->setObjectName(QStringLiteral("input"));
    // Links are ours to open: http(s) goes to the desktop, msg: jumps, react: toggles.
    view_->setOpenLinks(false);
    view_->setContextMenuPolicy(Qt::CustomContextMenu);
    input_->setPlaceholderText(tr("Message, or /help for commands"));
    input_->installEventFilter(this);
    view_->installEventFilter(this);
    replying_->setObjectName(QStringLiteral("replying"));
    replying_->hide();
    members_count_->setObjectName(QStringLiteral("members_count"));
    search_->setObjectName(QStringLiteral("search"));
    search_->setPlaceholderText(tr("Search (Ctrl+F)"));
    search_->setClearButtonEnabled(true);
    search_results_->setObjectName(QStringLiteral("search_results"));
    search_results_->hide();
    topic_->setObjectName(QStringLiteral("topic"));
    topic_->setWordWrap(true);
    topic_->setMargin(4);
    // A bold font rather than a style sheet, which would pin the label to the app palette.
    auto topic_font = topic_->font();
    topic_font.setBold(true);
    topic_->setFont(topic_font);
    topic_->hide();
    topic_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* centre = new QWidget(this);
    auto* centre_layout = new QVBoxLayout(centre);
    centre_layout->setContentsMargins(0, 0, 0, 0);
    centre_layout->addWidget(topic_);
    centre_layout->addWidget(view_, 1);
    auto* input_row = new QHBoxLayout;
    input_row->addWidget(input_, 1);
    input_row->addWidget(counter_);
    centre_layout->addWidget(typing_);
    centre_layout->addWidget(replying_);
    centre_layout->addLayout(input_row);

    auto* side = new QWidget(this);
    auto* side_layout = new QVBoxLayout(side);
    side_layout->setContentsMargins(0, 0, 0, 0);
    side_layout->addWidget(search_);
    side_layout->addWidget(search_results_, 1);
    side_layout->addWidget(members_count_);
    side_layout->addWidget(members_, 1);

    auto* splitter = new QSplitter(this);
    splitter->addWidget(conversations_);
    splitter->addWidget(centre);
    splitter->addWidget(side);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({180, 600, 180});
    setCentralWidget(splitter);
    statusBar()->addPermanentWidget(state_);

    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        tray_ = new QSystemTrayIcon(style()->standardIcon(QStyle::SP_MessageBoxInformation), this);
        tray_->setToolTip(tr("Salon"));
        tray_->show();
    }
}

void MainWindow::connect_session() {
    auto& model = session_.model();
    auto& connection = session_.connection();
    connect(
        &model, &ChatModel::conversations_changed, this, &MainWindow::rebuild_conversation_list
    );
    connect(&model, &ChatModel::conversation_updated, this, [this](const QString& key) {
        update_entry(key);
        update_title();
        if (key == session_.model().current()) {
            show_topic();
            show_typing();
        }
    });
    connect(&model, &ChatModel::line_appended, this, &MainWindow::on_line_appended);
    connect(&model, &ChatModel::lines_reset, this, [this](const QString& key) {
        if (key == session_.model().current()) render_all();
    });
    connect(&model, &ChatModel::members_changed, this, &MainWindow::render_members);
    connect(
        &model,
        &ChatModel::attention,
        this,
        [this](const QString& key, const QString& from, const QString& text) {
            if (isActiveWindow() && key == session_.model().current()) return;
            const auto* conversation = session_.model().find(key);
            const bool dm = conversation != nullptr && conversation->dm;
            notify(
                dm ? tr("%1 (direct message)").arg(from)
                   : tr("%1 in %2").arg(from, conversation != nullptr ? conversation->title : key),
                text
            );
        }
    );
    connect(&session_, &ChatSession::show_conversation, this, &MainWindow::show_conversation);
    connect(&session_, &ChatSession::quit_requested, this, &MainWindow::close);
    connect(&session_, &ChatSession::status_message, this, [this](const QString& text) {
        statusBar()->showMessage(text, kFlashMs);
    });
    connect(&connection, &ChatConnection::state_changed, this, &MainWindow::on_state_changed);
    connect(&connection, &ChatConnection::reconnect_scheduled, this, [this](int delay_ms) {
        reconnect_delay_ms_ = delay_ms;
        on_state_changed(ChatConnection::State::reconnecting);
    });
    connect(&connection, &ChatConnection::logged_in, this, [this] {
        update_title();
        update_account_menu();
    });
    connect(&connection, &ChatConnection::account_registered, this, [this] {
        update_title();
        // The status line names who we are connected as; on_state_changed() also redoes the
        // menu.
        on_state_changed(session_.connection().state());
    });
    connect(
        &connection,
        &ChatConnection::login_failed,
        this,
        [this](const QString& code, const QString& message) {
            state_->setText(tr("Disconnected: %1 (%2)").arg(message, code));
            // The account is gone or shut: nothing here can go on, and the login form says
            // why.
            if (code == QStringLiteral("account_deleted") ||
                code == QStringLiteral("account_locked")) {
                hide();
            }
        }
    );
    connect(&connection, &ChatConnection::ended, this, [this](bool) {
        may_close_ = true;
        close();
    });
}

void MainWindow::connect_widgets() {
    connect(conversations_, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) {
        if (item == nullptr) return;
        const auto key = item->data(kListRole).toString();
        if (key != session_.model().current()) show_conversation(key);
    });
    connect(input_, &QLineEdit::returnPressed, this, &MainWindow::on_submit);
    connect(input_, &QLineEdit::textEdited, this, [this](const QString& text) {
        const auto key = session_.model().current();
        if (text.isEmpty()) {
            if (typing_sent_.isValid()) session_.typing(key, false);
            typing_sent_ = QDateTime();
            return;
        }
        // PROTOCOL.md: the server drops an `active` repeated within 3 s anyway.
        constexpr int kTypingRepeatMs = 3000;
        const auto now = QDateTime::currentDateTimeUtc();
        if (typing_sent_.isValid() && typing_sent_.msecsTo(now) < kTypingRepeatMs) return;
        typing_sent_ = now;
        session_.typing(key, true);
    });
    connect(view_, &QTextBrowser::anchorClicked, this, &MainWindow::on_anchor);
    connect(view_, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
        const auto id = message_at(pos);
        if (id == 0) return;
        auto* menu = message_menu(id);
        menu->setAttribute(Qt::WA_DeleteOnClose);
        menu->popup(view_->viewport()->mapToGlobal(pos));
    });
    connect(search_, &QLineEdit::returnPressed, this, [this] { run_search(search_->text()); });
    connect(search_results_, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
        jump_to(item->data(kListRole).toString(), item->data(kIdRole).toLongLong());
    });
    connect(search_results_, &QListWidget::itemClicked, this, [this](QListWidgetItem* item) {
        jump_to(item->data(kListRole).toString(), item->data(kIdRole).toLongLong());
    });
    auto* typing_expiry = new QTimer(this);
    connect(typing_expiry, &QTimer::timeout, this, &MainWindow::show_typing);
    typing_expiry->start(1000);
    connect(input_, &QLineEdit::textChanged, this, &MainWindow::update_counter);
    connect(&session_, &ChatSession::input_returned, this, [this](const QString& text) {
        if (input_->text().isEmpty()) input_->setText(text);
    });
    connect(view_->verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int value) {
        if (value == view_->verticalScrollBar()->maximum()) maybe_mark_read();
        if (programmatic_scroll_) return;
        if (value == view_->verticalScrollBar()->minimum()) maybe_load_older();
    });
}

void MainWindow::install_shortcuts() {
    auto* find = new QShortcut(QKeySequence::Find, this);
    connect(find, &QShortcut::activated, this, [this] {
        search_->setFocus();
        search_->selectAll();
    });
    auto* cancel = new QShortcut(QKeySequence(Qt::Key_Escape), this);
    connect(cancel, &QShortcut::activated, this, [this] { begin_reply(0); });
    // Ctrl+K: type part of a name and pick; Alt+Up/Down walk the list; Ctrl+1..9 pick.
    auto* switcher = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_K), this);
    connect(switcher, &QShortcut::activated, this, &MainWindow::quick_switch);
    // Alt+Up/Down walk the list; Ctrl+1..9 pick an entry.
    const auto step = [this](int delta) {
        const auto& keys = session_.model().keys();
        if (keys.isEmpty()) return;
        const auto at = keys.indexOf(session_.model().current());
        show_conversation(keys.at((at + delta + keys.size()) % keys.size()));
    };
    connect(
        new QShortcut(QKeySequence(Qt::ALT | Qt::Key_Up), this),
        &QShortcut::activated,
        this,
        [step] { step(-1); }
    );
    connect(
        new QShortcut(QKeySequence(Qt::ALT | Qt::Key_Down), this),
        &QShortcut::activated,
        this,
        [step] { step(1); }
    );
    for (int n = 1; n <= 9; ++n) {
        auto* pick =
            new QShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_0 + n)), this);
        connect(pick, &QShortcut::activated, this, [this, n] {
            const auto& keys = session_.model().keys();
            if (n <= keys.size()) show_conversation(keys.at(n - 1));
        });
    }
}

QString MainWindow::entry_text(const Conversation& conversation) {
    auto text = conversation.title;
    if (conversation.parted) text += tr("  (left)");
    // The server stops counting at 1000.
    const auto count = [](int n) {
        return n >= 1000 ? QStringLiteral("999+") : QString::number(n);
    };
    if (conversation.unread != 0) text += QStringLiteral("  (%1)").arg(count(conversation.unread));
    if (conversation.mentions != 0)
        text += QStringLiteral("  @%1").arg(count(conversation.mentions));
    return text;
}

LineColours LineColours::from(const QPalette& palette) {
    const auto base = palette.color(QPalette::Base);
    const bool dark = base.lightness() < 128;
    LineColours colours;
    colours.base = base;
    colours.text = palette.color(QPalette::Text);
    colours.dim = dark ? QColor(0xa0, 0xa0, 0xa0) : QColor(0x60, 0x60, 0x60);
    colours.joined = dark ? QColor(0x81, 0xc7, 0x84) : QColor(0x1b, 0x5e, 0x20);
    colours.left = dark ? QColor(0xef, 0x9a, 0x9a) : QColor(0xb7, 0x1c, 0x1c);
    colours.mention_background = dark ? QColor(0x5d, 0x4a, 0x00) : QColor(0xff, 0xf1, 0xb8);
    colours.link = palette.color(QPalette::Link);
    if (contrast(colours.link, base) < 4.5)
        colours.link = dark ? QColor(0x90, 0xca, 0xf9) : QColor(0x0d, 0x47, 0xa1);
    return colours;
}

double contrast(const QColor& a, const QColor& b) {
    // WCAG 2's contrast ratio of relative luminances.
    const auto luminance = [](const QColor& c) {
        const auto channel = [](double v) {
            return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
        };
        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) +
               0.0722 * channel(c.blueF());
    };
    const auto la = luminance(a);
    const auto lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

QString MainWindow::line_html(
    const ChatLine& line, const LineColours& colours, const QString& quote
) {
    const auto colour = [](const QColor& c, const QString& html) {
        return QStringLiteral("<span style=\"color:%1\">%2</span>").arg(c.name(), html);
    };
    // The day is in the heading above the first line of each day (block_html).
    const auto stamp =
        colour(colours.dim, line.time.toLocalTime().toString(QStringLiteral("HH:mm"))) +
        QLatin1Char(' ');
    const auto nick = [&](const QString& name) {
        return colour(nick_colour(name, colours.base), escaped(name));
    };
    switch (line.kind) {
        case ChatLine::Kind::message: {
            QString body;
            if (line.reply_to != 0) {
                // Its own visual line above the message, inside the same block.
                body += QStringLiteral(
                            "<a href=\"msg:%1\" style=\"color:%2; text-decoration:none\">"
                            "&nbsp;&nbsp;↪ %3</a><br>"
                )
                            .arg(line.reply_to)
                            .arg(
                                colours.dim.name(),
                                escaped(quote.isEmpty() ? tr("an earlier message") : quote)
                            );
            }
            if (line.deleted) {
                body += QStringLiteral("%1<b>&lt;%2&gt;</b> %3")
                            .arg(
                                stamp,
                                nick(line.from),
                                colour(colours.dim, tr("<i>message deleted</i>"))
                            );
            } else if (line.action) {
                body += QStringLiteral("%1<b>* %2</b> %3")
                            .arg(stamp, nick(line.from), rich_text(line.text, colours));
            } else {
                body += QStringLiteral("%1<b>&lt;%2&gt;</b> %3")
                            .arg(stamp, nick(line.from), rich_text(line.text, colours));
            }
            if (line.edited.isValid() && !line.deleted)
                body += colour(colours.dim, tr(" (edited)"));
            for (const auto& reaction : line.reactions) {
                body += QStringLiteral(
                            " <a href=\"react:%1:%2\" title=\"%3\" "
                            "style=\"color:%6; text-decoration:none\">[%4&nbsp;%5]</a>"
                )
                            .arg(line.id)
                            .arg(
                                QString::fromLatin1(reaction.emoji.toUtf8().toPercentEncoding()),
                                escaped(reaction.users.join(QStringLiteral(", "))),
                                escaped(reaction.emoji)
                            )
                            .arg(reaction.users.size())
                            .arg(colours.link.name());
            }
            body = QStringLiteral("<a name=\"m%1\"></a>").arg(line.id) + body;
            if (line.mention) {
                body = QStringLiteral("<span style=\"background-color:%1\">%2</span>")
                           .arg(colours.mention_background.name(), body);
            }
            return body;
        }
        case ChatLine::Kind::join:
            return stamp + colour(colours.joined, QStringLiteral("[+]")) + nick(line.from);
        case ChatLine::Kind::part:
        case ChatLine::Kind::quit: {
            auto text = stamp + colour(colours.left, QStringLiteral("[-]")) + nick(line.from);
            if (!line.text.isEmpty()) {
                text += QLatin1Char(' ') +
                        colour(colours.dim, QStringLiteral("(%1)").arg(escaped(line.text)));
            }
            return text;
        }
        case ChatLine::Kind::info:
            return stamp + QStringLiteral("<i style=\"color:%1\">* %2</i>")
                               .arg(colours.dim.name(), escaped(line.text));
    }
    return QString();
}

QString MainWindow::block_html(
    const Conversation& conversation,
    std::size_t index,
    const LineColours& colours,
    qint64 new_after
) {
    const auto& line = conversation.lines[index];
    QString heading;
    if (new_after >= 0 && line.kind == ChatLine::Kind::message && line.id > new_after &&
        !line.own) {
        // The first message from others after the read marker as it was when the
        // conversation opened.
        bool first = true;
        for (std::size_t i = 0; i < index && first; ++i) {
            const auto& before = conversation.lines[i];
            first = before.kind != ChatLine::Kind::message || before.own || before.id <= new_after;
        }
        if (first) {
            heading = QStringLiteral("<span style=\"color:%1\"><b>─── %2 ───</b></span><br>")
                          .arg(colours.left.name(), tr("new messages"));
        }
    }
    const auto day = line.time.toLocalTime().date();
    if (index == 0 || conversation.lines[index - 1].time.toLocalTime().date() != day) {
        // In the line's own block (a line break, not a paragraph): one block per line is
        // what message_at() counts on.
        const auto today = QDate::currentDate();
        const auto name = day == today               ? tr("Today")
                          : day == today.addDays(-1) ? tr("Yesterday")
                                                     : QLocale().toString(day, QLocale::LongFormat);
        heading += QStringLiteral("<span style=\"color:%1\"><b>─── %2 ───</b></span><br>")
                       .arg(colours.dim.name(), name.toHtmlEscaped());
    }
    return heading + line_html(line, colours, quote_of(conversation, line));
}

qint64 MainWindow::new_after() const {
    return marker_key_ == session_.model().current() ? marker_id_ : -1;
}

QString MainWindow::quote_of(const Conversation& conversation, const ChatLine& line) {
    constexpr int kQuoteChars = 60;
    const auto* original = conversation.message(line.reply_to);
    if (original == nullptr) return QString();
    auto text = original->deleted ? tr("(deleted)") : original->text;
    text.replace(QLatin1Char('\n'), QLatin1Char(' '));
    if (text.size() > kQuoteChars) text = text.left(kQuoteChars) + QStringLiteral("…");
    return QStringLiteral("%1: %2").arg(original->from, text);
}

QString MainWindow::rich_text(const QString& text, const LineColours& colours) {
    // Only http and https become links; everything the user wrote is escaped.
    static const QRegularExpression kUrl(
        QStringLiteral("https?://[^\\s<>\"]+"), QRegularExpression::CaseInsensitiveOption
    );
    QString html;
    qsizetype at = 0;
    auto it = kUrl.globalMatch(text);
    while (it.hasNext()) {
        const auto match = it.next();
        html += escaped(text.mid(at, match.capturedStart() - at));
        const auto url = match.captured();
        html += QStringLiteral("<a href=\"%1\" style=\"color:%2\">%3</a>")
                    .arg(url.toHtmlEscaped(), colours.link.name(), url.toHtmlEscaped());
        at = match.capturedEnd();
    }
    html += escaped(text.mid(at));
    return html;
}

void MainWindow::rebuild_conversation_list() {
    const auto& model = session_.model();
    const QSignalBlocker blocker(conversations_);
    conversations_->clear();
    for (const auto& key : model.keys()) {
        auto* item = new QListWidgetItem(conversations_);
        item->setData(kListRole, key);
        update_entry(key);
        if (key == model.current()) conversations_->setCurrentItem(item);
    }
    if (model.current().isEmpty()) {
        if (model.keys().isEmpty()) {
            render_all();
        } else {
            // The conversation on screen went away (a /part): show the first one left.
            show_conversation(model.keys().first());
        }
    }
}

void MainWindow::update_entry(const QString& key) {
    const auto* conversation = session_.model().find(key);
    if (conversation == nullptr) return;
    for (int row = 0; row < conversations_->count(); ++row) {
        auto* item = conversations_->item(row);
        if (item->data(kListRole).toString() != key) continue;
        item->setText(entry_text(*conversation));
        auto font = item->font();
        font.setBold(conversation->unread > 0);
        item->setFont(font);
        item->setForeground(
            conversation->mentions != 0 ? QBrush(LineColours::from(palette()).left) : QBrush()
        );
        item->setToolTip(
            conversation->dm ? tr("direct messages with %1").arg(conversation->title)
                             : conversation->topic
        );
        return;
    }
}

void MainWindow::show_conversation(const QString& key) {
    auto& model = session_.model();
    if (model.find(key) == nullptr) return;
    model.set_current(key);
    // The "new messages" line stays where the marker was when the conversation opened,
    // though reading moves the marker at once.
    const auto* conversation = model.find(key);
    marker_key_ = key;
    marker_id_ = conversation->unread > 0 ? conversation->read_id : -1;
    for (int row = 0; row < conversations_->count(); ++row) {
        if (conversations_->item(row)->data(kListRole).toString() == key) {
            const QSignalBlocker blocker(conversations_);
            conversations_->setCurrentRow(row);
        }
    }
    render_all();
    render_members(key);
    input_->setFocus();
}

void MainWindow::render_all() {
    const auto* conversation = session_.model().find(session_.model().current());
    auto* bar = view_->verticalScrollBar();
    const bool at_bottom = bar->value() == bar->maximum();
    const int from_bottom = bar->maximum() - bar->value();
    if (conversation == nullptr) {
        topic_->clear();
        view_->clear();
        return;
    }
    show_topic();
    const auto colours = LineColours::from(view_->palette());
    QString html;
    for (std::size_t i = 0; i < conversation->lines.size(); ++i) {
        html += QStringLiteral("<p style=\"margin:0\">") +
                block_html(*conversation, i, colours, new_after()) + QStringLiteral("</p>");
    }
    {
        // Redrawing must not look like the user scrolling to the top. The scroll bar's own
        // signals must flow, though: the viewport follows the bar through them.
        const ProgrammaticScroll guard(programmatic_scroll_);
        view_->setHtml(html);
        // Prepended history keeps the same message under the user's eyes.
        bar->setValue(at_bottom ? bar->maximum() : bar->maximum() - from_bottom);
    }
    if (bar->maximum() == 0) {
        // Nothing to scroll yet: fetch older pages until the view is full or history ends.
        maybe_load_older();
    }
    maybe_mark_read();
}

void MainWindow::show_topic() {
    const auto* conversation = session_.model().find(session_.model().current());
    const auto topic = conversation != nullptr ? conversation->topic : QString();
    topic_->setText(topic);
    topic_->setVisible(!topic.isEmpty());
}

void MainWindow::on_line_appended(const QString& key) {
    if (key != session_.model().current()) return;
    const auto* conversation = session_.model().find(key);
    if (conversation == nullptr || conversation->lines.empty()) return;
    auto* bar = view_->verticalScrollBar();
    const bool at_bottom = bar->value() == bar->maximum();
    {
        // Not a QSignalBlocker on the bar: the viewport scrolls on the bar's valueChanged,
        // and without it each new line was painted over the previous last one.
        const ProgrammaticScroll guard(programmatic_scroll_);
        view_->append(block_html(
            *conversation,
            conversation->lines.size() - 1,
            LineColours::from(view_->palette()),
            new_after()
        ));
        if (at_bottom) bar->setValue(bar->maximum());
    }
    maybe_mark_read();
}

void MainWindow::render_members(const QString& key) {
    if (key != session_.model().current()) return;
    members_->clear();
    const auto* conversation = session_.model().find(key);
    members_count_->clear();
    if (conversation == nullptr) return;
    const auto count = conversation->members.size();
    if (!conversation->dm) {
        members_count_->setText(count == 1 ? tr("1 member") : tr("%1 members").arg(count));
    }
    for (const auto& member : conversation->members) {
        const auto user = QString::fromStdString(member.user);
        auto* item =
            new QListWidgetItem((member.op ? QStringLiteral("@") : QString()) + user, members_);
        item->setForeground(QBrush(nick_colour(user, members_->palette().color(QPalette::Base))));
        if (member.guest) {
            auto font = item->font();
            font.setItalic(true);
            item->setFont(font);
            item->setToolTip(tr("guest"));
        }
    }
}

void MainWindow::maybe_mark_read() {
    // Read means seen: this conversation on screen, in the active window, at the bottom.
    const auto key = session_.model().current();
    if (key.isEmpty() || !isVisible() || !isActiveWindow()) return;
    auto* bar = view_->verticalScrollBar();
    if (bar->value() != bar->maximum()) return;
    session_.mark_read(key);
}

void MainWindow::changeEvent(QEvent* event) {
    QMainWindow::changeEvent(event);
    if (event->type() == QEvent::ActivationChange) {
        maybe_mark_read();
        update_title();
    }
}

void MainWindow::maybe_load_older() {
    const auto key = session_.model().current();
    if (!key.isEmpty()) session_.load_older(key);
}

void MainWindow::on_state_changed(ChatConnection::State state) {
    update_account_menu();
    const auto& connection = session_.connection();
    const auto server =
        QStringLiteral("%1:%2").arg(connection.params().host).arg(connection.params().port);
    switch (state) {
        case ChatConnection::State::disconnected:
            state_->setText(tr("Disconnected"));
            break;
        case ChatConnection::State::connecting:
            state_->setText(tr("Connecting to %1…").arg(server));
            break;
        case ChatConnection::State::logging_in:
            state_->setText(tr("Logging in to %1…").arg(server));
            break;
        case ChatConnection::State::online:
            state_->setText(tr("Connected to %1 as %2").arg(server, connection.user()));
            break;
        case ChatConnection::State::reconnecting:
            state_->setText(tr("Connection lost; reconnecting in %1 s")
                                .arg(reconnect_delay_ms_ / 1000.0, 0, 'f', 1));
            break;
        case ChatConnection::State::closing:
            state_->setText(tr("Closing…"));
            break;
    }
}

AccountDialog* MainWindow::open_account_dialog(AccountDialog::Kind kind) {
    auto* dialog = new AccountDialog(kind, session_.connection(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &AccountDialog::succeeded, this, [this](const QString& text) {
        statusBar()->showMessage(text, kFlashMs);
        if (!session_.model().current().isEmpty())
            session_.model().add_info(session_.model().current(), text);
    });
    dialog->open();
    return dialog;
}

void MainWindow::update_account_menu() {
    const auto& connection = session_.connection();
    const bool online = connection.state() == ChatConnection::State::online;
    change_password_->setVisible(!connection.guest());
    delete_account_->setVisible(!connection.guest());
    register_->setVisible(connection.guest());
    for (auto* action : account_menu_->actions()) action->setEnabled(online);
}

void MainWindow::update_title() {
    const auto& connection = session_.connection();
    auto title = tr("Salon — %1 on %2:%3")
                     .arg(connection.user(), connection.params().host)
                     .arg(connection.params().port);
    // Mentions and DMs waiting, for a taskbar that shows no tray notification.
    int waiting = 0;
    for (const auto& key : session_.model().keys()) {
        const auto* conversation = session_.model().find(key);
        waiting += conversation->dm ? conversation->unread : conversation->mentions;
    }
    if (waiting > 0) title = QStringLiteral("(%1) ").arg(waiting) + title;
    setWindowTitle(title);
}

void MainWindow::on_submit() {
    const auto text = input_->text();
    if (text.trimmed().isEmpty()) return;
    // The text leaves the input only once it was taken: offline or too long, it stays.
    if (!session_.submit_input(text, session_.model().current())) return;
    replying_->hide();
    typing_sent_ = QDateTime();
    if (input_history_.isEmpty() || input_history_.back() != text) input_history_.append(text);
    history_position_ = input_history_.size();
    input_->clear();
    update_counter();
}

void MainWindow::update_counter() {
    const auto bytes = input_->text().toUtf8().size();
    const auto limit = session_.max_text_bytes();
    // Shown near the limit only; past it, in the colour of an error.
    counter_->setVisible(bytes * 10 >= limit * 8);
    counter_->setText(QStringLiteral("%1 / %2").arg(bytes).arg(limit));
    const auto colours = LineColours::from(palette());
    counter_->setStyleSheet(
        bytes > limit ? QStringLiteral("color: %1; font-weight: bold;").arg(colours.left.name())
                      : QString()
    );
}

void MainWindow::notify(const QString& title, const QString& text) {
    last_notification_ = QStringLiteral("%1: %2").arg(title, text);
    if (tray_ != nullptr && QSystemTrayIcon::supportsMessages()) {
        tray_->showMessage(title, text, QSystemTrayIcon::Information, kFlashMs);
    } else {
        statusBar()->showMessage(last_notification_, kFlashMs);
    }
    QApplication::alert(this);
}

qint64 MainWindow::message_at(const QPoint& viewport_pos) const {
    const auto* conversation = session_.model().find(session_.model().current());
    if (conversation == nullptr) return 0;
    // One block per line: the view is built from the model's lines in order.
    const auto block = view_->cursorForPosition(viewport_pos).blockNumber();
    if (block < 0 || static_cast<std::size_t>(block) >= conversation->lines.size()) return 0;
    const auto& line = conversation->lines[static_cast<std::size_t>(block)];
    return line.kind == ChatLine::Kind::message ? line.id : 0;
}

QMenu* MainWindow::message_menu(qint64 id) {
    auto* menu = new QMenu(this);
    const auto key = session_.model().current();
    const auto* conversation = session_.model().find(key);
    const auto* line = conversation != nullptr ? conversation->message(id) : nullptr;
    if (line == nullptr || conversation->parted) return menu;
    menu->addAction(tr("Reply"), this, [this, id] { begin_reply(id); });
    if (line->deleted) return menu;
    const auto me = fold_name(session_.model().own_name());
    const auto self = conversation->members.find(me);
    const bool op = self != conversation->members.end() && self->op;
    if (line->own) {
        menu->addAction(tr("Edit…"), this, [this, id] {
            const auto* c = session_.model().find(session_.model().current());
            const auto* l = c != nullptr ? c->message(id) : nullptr;
            if (l == nullptr) return;
            bool ok = false;
            const auto text = QInputDialog::getText(
                this, tr("Edit message"), tr("New text:"), QLineEdit::Normal, l->text, &ok
            );
            if (ok && !text.isEmpty() && text != l->text) session_.edit_message(id, text);
        });
    }
    if (line->own || (op && !conversation->dm)) {
        menu->addAction(tr("Delete"), this, [this, id] { session_.delete_message(id); });
    }
    auto* react = menu->addMenu(tr("React"));
    for (const auto& emoji : kEmoji) {
        react->addAction(emoji, this, [this, id, emoji] { toggle_reaction(id, emoji); });
    }
    return menu;
}

void MainWindow::begin_reply(qint64 id) {
    session_.set_reply_to(id);
    const auto* conversation = session_.model().find(session_.model().current());
    const auto* line = id != 0 && conversation != nullptr ? conversation->message(id) : nullptr;
    if (line == nullptr) {
        session_.set_reply_to(0);
        replying_->hide();
        return;
    }
    ChatLine reply;
    reply.reply_to = id;
    replying_->setText(tr("Replying to %1 (Esc cancels)").arg(quote_of(*conversation, reply)));
    replying_->show();
    input_->setFocus();
}

void MainWindow::toggle_reaction(qint64 id, const QString& emoji) {
    const auto* conversation = session_.model().find(session_.model().current());
    const auto* line = conversation != nullptr ? conversation->message(id) : nullptr;
    if (line == nullptr) return;
    bool mine = false;
    const auto me = fold_name(session_.model().own_name());
    for (const auto& reaction : line->reactions) {
        if (reaction.emoji != emoji) continue;
        for (const auto& user : reaction.users) mine = mine || fold_name(user) == me;
    }
    session_.react(id, emoji, !mine);
}

void MainWindow::on_anchor(const QUrl& url) {
    const auto scheme = url.scheme().toLower();
    if (scheme == QStringLiteral("http") || scheme == QStringLiteral("https")) {
        QDesktopServices::openUrl(url);
    } else if (scheme == QStringLiteral("msg")) {
        jump_to(session_.model().current(), url.path().toLongLong());
    } else if (scheme == QStringLiteral("react")) {
        const auto colon = url.path().indexOf(QLatin1Char(':'));
        if (colon < 0) return;
        const auto emoji = QUrl::fromPercentEncoding(url.path().mid(colon + 1).toUtf8());
        toggle_reaction(url.path().left(colon).toLongLong(), emoji);
    }
    // Anything else (javascript:, file:) is never opened.
}

void MainWindow::jump_to(const QString& key, qint64 id) {
    if (session_.model().find(key) == nullptr || id == 0) return;
    if (key != session_.model().current()) show_conversation(key);
    session_.load_around(key, id, [this, key, id] {
        if (session_.model().current() != key) return;
        const auto* conversation = session_.model().find(key);
        if (conversation == nullptr) return;
        int block = 0;
        for (const auto& line : conversation->lines) {
            if (line.kind == ChatLine::Kind::message && line.id == id) break;
            ++block;
        }
        if (static_cast<std::size_t>(block) >= conversation->lines.size()) return;
        // Select the message, so that the eye finds it, and bring it into view.
        QTextCursor cursor(view_->document()->findBlockByNumber(block));
        cursor.select(QTextCursor::BlockUnderCursor);
        view_->setTextCursor(cursor);
        view_->ensureCursorVisible();
        jumped_to_ = id;
    });
}

void MainWindow::run_search(const QString& query) {
    search_results_->clear();
    if (query.trimmed().size() < 3) {
        statusBar()->showMessage(tr("search needs at least 3 characters"), kFlashMs);
        return;
    }
    search_results_->show();
    session_.search(query.trimmed(), [this](std::vector<core::Message> messages) {
        search_results_->clear();
        if (messages.empty()) new QListWidgetItem(tr("nothing found"), search_results_);
        for (const auto& message : messages) {
            const auto key = session_.model().key_of(message);
            const auto* conversation = session_.model().find(key);
            const auto where = conversation != nullptr ? conversation->title : key;
            auto* item = new QListWidgetItem(
                QStringLiteral("%1 %2: %3")
                    .arg(
                        where,
                        QString::fromStdString(message.from),
                        QString::fromStdString(message.text)
                    ),
                search_results_
            );
            item->setData(kListRole, key);
            item->setData(kIdRole, QVariant::fromValue<qint64>(message.id));
            item->setToolTip(local_time(message_time(message.ts_ms)));
        }
    });
}

void MainWindow::quick_switch() {
    const auto& model = session_.model();
    QStringList titles;
    for (const auto& key : model.keys()) titles.append(model.find(key)->title);
    if (titles.isEmpty()) return;
    QInputDialog dialog(this);
    dialog.setWindowTitle(tr("Switch conversation"));
    dialog.setLabelText(tr("Conversation:"));
    dialog.setComboBoxItems(titles);
    dialog.setComboBoxEditable(true);  // type to complete
    if (dialog.exec() != QDialog::Accepted) return;
    const auto index = titles.indexOf(dialog.textValue());
    if (index >= 0) show_conversation(model.keys().at(index));
}

void MainWindow::show_typing() {
    auto* conversation = session_.model().find(session_.model().current());
    QStringList who;
    if (conversation != nullptr) {
        const auto now = QDateTime::currentDateTimeUtc();
        for (auto it = conversation->typing.cbegin(); it != conversation->typing.cend(); ++it) {
            if (it.value() > now) who.append(it.key());
        }
    }
    if (who.isEmpty()) {
        typing_->hide();
        return;
    }
    typing_->setText(
        who.size() == 1 ? tr("%1 is typing…").arg(who.first())
                        : tr("%1 are typing…").arg(who.join(QStringLiteral(", ")))
    );
    typing_->show();
}

bool MainWindow::eventFilter(QObject* watched, QEvent* event) {
    if (watched == view_ && event->type() == QEvent::PaletteChange) {
        // The view's colours are chosen for its palette (a theme switch): draw again. The
        // view's event, not the window's: the window hears of it before its children change.
        render_all();
        render_members(session_.model().current());
        for (const auto& key : session_.model().keys()) update_entry(key);
    }
    // Up and Down walk through what was typed before, as in a shell.
    if (watched == input_ && event->type() == QEvent::KeyPress) {
        const auto key = static_cast<QKeyEvent*>(event)->key();
        if ((key == Qt::Key_Up || key == Qt::Key_Down) && !input_history_.isEmpty()) {
            if (key == Qt::Key_Up && history_position_ > 0) --history_position_;
            if (key == Qt::Key_Down && history_position_ < input_history_.size())
                ++history_position_;
            input_->setText(input_history_.value(history_position_));
            return true;
        }
    }
    return QMainWindow::eventFilter(watched, event);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (may_close_) {
        event->accept();
        return;
    }
    // Say END first; the window goes once the server answered, or after a bounded wait.
    event->ignore();
    if (!closing_) {
        closing_ = true;
        session_.connection().close_with_end();
    }
}

}  // namespace salon::gui
