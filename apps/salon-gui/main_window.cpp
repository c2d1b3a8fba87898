// MainWindow: layout, rendering of conversations and the close-with-END sequence.
#include "main_window.hpp"

#include <QApplication>
#include <QCloseEvent>
#include <QScrollBar>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QVBoxLayout>

namespace salon::gui {

namespace {

constexpr int kListRole = Qt::UserRole;  // conversation key of a list entry
constexpr int kFlashMs = 10000;          // a status-bar notification stays this long
const QColor kMentionColour(0xc6, 0x28, 0x28);

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
      state_(new QLabel(this)) {
    setWindowTitle(tr("Salon"));
    resize(960, 600);

    conversations_->setObjectName(QStringLiteral("conversations"));
    members_->setObjectName(QStringLiteral("members"));
    view_->setObjectName(QStringLiteral("messages"));
    input_->setObjectName(QStringLiteral("input"));
    view_->setOpenExternalLinks(true);
    input_->setPlaceholderText(tr("Message, or /join #channel, /part, /msg nick text, /quit"));
    topic_->setObjectName(QStringLiteral("topic"));
    topic_->setWordWrap(true);
    topic_->setMargin(4);
    topic_->setStyleSheet(QStringLiteral("font-weight: bold; color: #37474f;"));
    topic_->hide();
    topic_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* centre = new QWidget(this);
    auto* centre_layout = new QVBoxLayout(centre);
    centre_layout->setContentsMargins(0, 0, 0, 0);
    centre_layout->addWidget(topic_);
    centre_layout->addWidget(view_, 1);
    centre_layout->addWidget(input_);

    auto* splitter = new QSplitter(this);
    splitter->addWidget(conversations_);
    splitter->addWidget(centre);
    splitter->addWidget(members_);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({180, 600, 180});
    setCentralWidget(splitter);
    statusBar()->addPermanentWidget(state_);

    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        tray_ = new QSystemTrayIcon(style()->standardIcon(QStyle::SP_MessageBoxInformation), this);
        tray_->setToolTip(tr("Salon"));
        tray_->show();
    }

    auto& model = session_.model();
    auto& connection = session_.connection();
    connect(
        &model, &ChatModel::conversations_changed, this, &MainWindow::rebuild_conversation_list
    );
    connect(&model, &ChatModel::conversation_updated, this, [this](const QString& key) {
        update_entry(key);
        if (key == session_.model().current()) show_topic();
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
    connect(&connection, &ChatConnection::logged_in, this, [this] { update_title(); });
    connect(
        &connection,
        &ChatConnection::login_failed,
        this,
        [this](const QString& code, const QString& message) {
            state_->setText(tr("Disconnected: %1 (%2)").arg(message, code));
        }
    );
    connect(&connection, &ChatConnection::ended, this, [this](bool) {
        may_close_ = true;
        close();
    });

    connect(conversations_, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) {
        if (item == nullptr) return;
        const auto key = item->data(kListRole).toString();
        if (key != session_.model().current()) show_conversation(key);
    });
    connect(input_, &QLineEdit::returnPressed, this, &MainWindow::on_submit);
    connect(view_->verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int value) {
        if (programmatic_scroll_) return;
        if (value == view_->verticalScrollBar()->minimum()) maybe_load_older();
    });
    on_state_changed(connection.state());
    rebuild_conversation_list();
}

QString MainWindow::entry_text(const Conversation& conversation) {
    if (conversation.unread == 0) return conversation.title;
    return QStringLiteral("%1  (%2)").arg(conversation.title).arg(conversation.unread);
}

QString MainWindow::line_html(const ChatLine& line) {
    const auto stamp =
        QStringLiteral("<span style=\"color:#8a8a8a\">%1</span> ").arg(local_time(line.time));
    const auto nick = [](const QString& name) {
        return QStringLiteral("<span style=\"color:%1\">%2</span>")
            .arg(nick_colour(name).name(), escaped(name));
    };
    switch (line.kind) {
        case ChatLine::Kind::message: {
            auto body = QStringLiteral("%1<b>&lt;%2&gt;</b> %3")
                            .arg(stamp, nick(line.from), escaped(line.text));
            if (line.mention) {
                body =
                    QStringLiteral("<span style=\"background-color:#fff1b8\">%1</span>").arg(body);
            }
            return body;
        }
        case ChatLine::Kind::join:
            return QStringLiteral("%1<span style=\"color:#2e7d32\">[+]</span>%2")
                .arg(stamp, nick(line.from));
        case ChatLine::Kind::part:
        case ChatLine::Kind::quit: {
            auto text = QStringLiteral("%1<span style=\"color:#c62828\">[-]</span>%2")
                            .arg(stamp, nick(line.from));
            if (!line.text.isEmpty()) {
                text += QStringLiteral(" <span style=\"color:#8a8a8a\">(%1)</span>")
                            .arg(escaped(line.text));
            }
            return text;
        }
        case ChatLine::Kind::info:
            return QStringLiteral("%1<i style=\"color:#6a6a6a\">* %2</i>")
                .arg(stamp, escaped(line.text));
    }
    return QString();
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
        item->setForeground(conversation->mentioned ? QBrush(kMentionColour) : QBrush());
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
    QString html;
    for (const auto& line : conversation->lines) {
        html += QStringLiteral("<p style=\"margin:0\">") + line_html(line) + QStringLiteral("</p>");
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
        view_->append(line_html(conversation->lines.back()));
        if (at_bottom) bar->setValue(bar->maximum());
    }
}

void MainWindow::render_members(const QString& key) {
    if (key != session_.model().current()) return;
    members_->clear();
    const auto* conversation = session_.model().find(key);
    if (conversation == nullptr) return;
    for (const auto& member : conversation->members) {
        const auto user = QString::fromStdString(member.user);
        auto* item =
            new QListWidgetItem((member.op ? QStringLiteral("@") : QString()) + user, members_);
        item->setForeground(QBrush(nick_colour(user)));
        if (member.guest) {
            auto font = item->font();
            font.setItalic(true);
            item->setFont(font);
            item->setToolTip(tr("guest"));
        }
    }
}

void MainWindow::maybe_load_older() {
    const auto key = session_.model().current();
    if (!key.isEmpty()) session_.load_older(key);
}

void MainWindow::on_state_changed(ChatConnection::State state) {
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

void MainWindow::update_title() {
    const auto& connection = session_.connection();
    setWindowTitle(tr("Salon — %1 on %2:%3")
                       .arg(connection.user(), connection.params().host)
                       .arg(connection.params().port));
}

void MainWindow::on_submit() {
    const auto text = input_->text();
    if (text.trimmed().isEmpty()) return;
    input_->clear();
    session_.submit_input(text, session_.model().current());
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
