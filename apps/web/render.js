// Rendering: the DOM drawn from the state, and the panels shown or hidden.

import { $, REACTIONS, state } from "./state.js";
import { conversation, currentConv, dmName, findMessage, fold, isMe, keyOf, mentionsMe } from "./conversations.js";
import { loadMembers } from "./frames.js";
import { markReadSoon } from "./markers.js";
import {
  ACTION, byteLength, closeSearch, deleteMessage, displayText, jumpTo, label, loadNewest, openDm,
  preview, react, setContext, stopTyping,
} from "./actions.js";

export function showLogin() {
  if ($("account-dialog").open) $("account-dialog").close();
  $("login-view").hidden = false;
  $("chat-view").hidden = true;
  $("logout").hidden = true;
  $("account-button").hidden = true;
  $("nav-toggle").hidden = true;
  $("me").textContent = "";
  $("login-button").disabled = false;
  $("register-button").disabled = false;
  $("login-name").focus();
}

export function showLoginError(text) {
  $("login-error").textContent = text;
  $("login-button").disabled = false;
  $("register-button").disabled = false;
}

export function showChat() {
  const first = $("chat-view").hidden;
  $("login-view").hidden = true;
  $("chat-view").hidden = false;
  $("logout").hidden = false;
  $("account-button").hidden = false;
  $("nav-toggle").hidden = false;
  $("login-password").value = "";
  if (first) $("input").focus();
  $("notify-button").hidden = typeof Notification === "undefined" || Notification.permission !== "default";
  renderAll();
}

/** Who this page is logged in as, in the header. */
export function renderMe() {
  $("me").textContent = (state.guest ? "guest " : "") + state.user;
}

// Refusals a person can act on, in words; anything else as the server put it.
const ERRORS = {
  weak_password: "That password is too short: use at least 8 characters.",
  name_taken: "That name is taken: choose another.",
  bad_name: "That name cannot be used: 1–32 letters, digits, “_”, “-” or “.”, not starting with “Guest”.",
  registration_closed: "This server takes no new accounts.",
  account_locked: "This account is locked by an administrator.",
  tls_required: "This server takes passwords over HTTPS only.",
};
export function errorText(error) {
  const text = ERRORS[error && error.code] || (error && (error.message || error.code)) || "failed";
  return text[0].toUpperCase() + text.slice(1);
}

let noticeTimer = null;
export function notice(text) {
  $("notice").textContent = text;
  clearTimeout(noticeTimer);
  if (text) noticeTimer = setTimeout(() => ($("notice").textContent = ""), 15000);
}
export function noticeError(what, error) {
  notice(`${what}: ${(error && (error.message || error.code)) || "failed"}`);
}

export function select(key) {
  if (state.search) closeSearch();
  if (state.current !== key) {
    if (state.context) setContext(null);
    stopTyping();
  }
  state.current = key;
  const conv = currentConv();
  if (conv) {
    conv.markerAt = conv.unread > 0 ? conv.read : null;
    loadMembers(conv);
    if (!conv.loaded && conv.kind === "dm") loadNewest(conv).catch((e) => noticeError(label(conv), e));
  }
  $("chat-view").classList.remove("show-nav");
  $("nav-toggle").setAttribute("aria-expanded", "false");
  renderAll();
  markReadSoon();
}

export function renderAll() {
  renderSidebar();
  renderHeader();
  renderMessages({ stick: true, force: true });
  renderMembers();
  renderTyping();
}

export const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
const count = (n) => (n > 999 ? "999+" : String(n));

function convButton(conv) {
  const li = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "conv-button";
  button.dataset.key = conv.key;
  if (conv.key === state.current) button.setAttribute("aria-current", "true");
  const name = document.createElement("span");
  name.className = "conv-label";
  name.textContent = label(conv);
  button.append(name);
  if (conv.unread > 0) {
    button.classList.add("has-unread");
    const badge = document.createElement("span");
    badge.className = conv.mentions > 0 ? "badge mention-badge" : "badge";
    badge.textContent = conv.mentions > 0 ? "@" + count(conv.mentions) : count(conv.unread);
    badge.title = `${plural(conv.unread, "unread message")}` + (conv.mentions ? `, ${plural(conv.mentions, "mention")}` : "");
    badge.setAttribute("aria-label", badge.title);
    button.append(badge);
  }
  button.addEventListener("click", () => {
    select(conv.key);
    $("input").focus();
  });
  li.append(button);
  return li;
}

export function renderSidebar() {
  const channels = $("channel-list");
  const dms = $("dm-list");
  const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.key : null;
  channels.replaceChildren();
  dms.replaceChildren();
  const sorted = [...state.convs.values()].sort((a, b) => a.name.localeCompare(b.name));
  for (const conv of sorted) (conv.kind === "channel" ? channels : dms).append(convButton(conv));
  if (focused) {
    const again = document.querySelector(`.conv-button[data-key="${CSS.escape(focused)}"]`);
    if (again) again.focus();
  }
  const total = sorted.reduce((n, c) => n + c.unread, 0);
  document.title = total > 0 ? `(${count(total)}) Salon` : "Salon";
}

export function renderHeader() {
  const conv = currentConv();
  $("conv-title").textContent = conv ? label(conv) : "No conversation";
  $("conv-topic").textContent = conv && conv.kind === "channel" ? conv.topic : conv ? "direct messages" : "";
  $("leave-button").hidden = !conv;
  $("leave-button").textContent = conv && conv.kind === "dm" ? "Close" : "Leave";
  $("members-toggle").hidden = !conv || conv.kind !== "channel";
  $("chat-view").classList.toggle("is-dm", !!conv && conv.kind === "dm");
  $("input").placeholder = conv ? `Message ${label(conv)}, or /help` : "/join a channel, or /help";
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long", year: "numeric" });
const shortDate = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

const dayOf = (date) => `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;
function dayLabel(date) {
  const today = new Date();
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (dayOf(date) === dayOf(today)) return "Today";
  if (dayOf(date) === dayOf(yesterday)) return "Yesterday";
  return dayFormat.format(date);
}

/** Text with links (http and https only) and @mentions as elements; never HTML. */
function richText(text, mentions) {
  const out = document.createDocumentFragment();
  const names = new Set((mentions || []).map(fold));
  const pattern = /(https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]'])|(@[A-Za-z0-9_.-]+)/g;
  let at = 0;
  let m;
  while ((m = pattern.exec(text)) !== null) {
    if (m.index > at) out.append(text.slice(at, m.index));
    if (m[1]) {
      const a = document.createElement("a");
      a.href = m[1];
      a.textContent = m[1];
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      out.append(a);
    } else {
      const name = m[2].slice(1).replace(/[.-]+$/, "");
      if (names.has(fold(name))) {
        const span = document.createElement("span");
        span.className = isMe(name) ? "mention me" : "mention";
        span.textContent = "@" + name;
        out.append(span, m[2].slice(1 + name.length));
      } else {
        out.append(m[2]);
      }
    }
    at = pattern.lastIndex;
  }
  if (at < text.length) out.append(text.slice(at));
  return out;
}

function actionButton(text, title, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "act";
  b.textContent = text;
  b.title = title;
  b.setAttribute("aria-label", title);
  b.addEventListener("click", (event) => {
    event.stopPropagation();
    onClick(b);
  });
  return b;
}

function amOperator(conv) {
  const me = state.user && conv.members.get(fold(state.user));
  return conv.kind === "channel" && !!me && !!me.op;
}

function messageItem(conv, m) {
  const li = document.createElement("li");
  li.className = "msg";
  li.dataset.id = String(m.id);
  li.tabIndex = -1;
  if (isMe(m.from)) li.classList.add("mine");
  if (mentionsMe(m)) li.classList.add("mentioned");
  if (m.reply_to) {
    const original = findMessage(conv, m.reply_to);
    const quote = document.createElement("button");
    quote.type = "button";
    quote.className = "quote";
    quote.textContent = original ? `↪ ${original.from}: ${preview(original)}` : "↪ an earlier message";
    quote.title = "Show the message this replies to";
    quote.addEventListener("click", () => jumpTo(conv.key, m.reply_to));
    li.append(quote);
  }
  const when = new Date(m.ts);
  const time = document.createElement("time");
  time.dateTime = when.toISOString();
  time.title = fullFormat.format(when);
  time.textContent = timeFormat.format(when);
  const from = document.createElement("span");
  from.className = "from";
  from.textContent = m.from;
  const text = document.createElement("span");
  text.className = "text";
  const action = ACTION.exec(m.text || "");
  if (m.deleted) {
    li.classList.add("deleted");
    text.textContent = "message deleted";
    li.append(time, " ", from, " ", text);
  } else if (action) {
    li.classList.add("action");
    from.textContent = `* ${m.from}`;
    text.append(richText(action[1], m.mentions));
    li.append(time, " ", from, " ", text);
  } else {
    text.append(richText(m.text, m.mentions));
    li.append(time, " ", from, " ", text);
  }
  if (m.edited && !m.deleted) {
    const edited = document.createElement("span");
    edited.className = "edited";
    edited.textContent = "(edited)";
    edited.title = "edited " + fullFormat.format(new Date(m.edited));
    li.append(" ", edited);
  }
  if (m.deleted) {
    for (const b of li.querySelectorAll("button")) b.tabIndex = -1;
    li.addEventListener("focusin", () => li.querySelectorAll("button").forEach((b) => (b.tabIndex = 0)));
    return li;
  }
  if (m.reactions && m.reactions.length) {
    const row = document.createElement("div");
    row.className = "reactions";
    for (const r of m.reactions) {
      if (!r.users.length) continue;
      const mine = r.users.some(isMe);
      const b = actionButton(`${r.emoji} ${r.users.length}`, `${r.emoji} by ${r.users.join(", ")}`, () => react(conv, m, r.emoji));
      b.className = "reaction" + (mine ? " mine" : "");
      b.setAttribute("aria-pressed", String(mine));
      row.append(b);
    }
    li.append(row);
  }
  const tools = document.createElement("span");
  tools.className = "tools";
  tools.append(actionButton("↩", "Reply", () => setContext({ mode: "reply", id: m.id, conv: conv.key })));
  tools.append(
    actionButton("☺", "React", (b) => {
      const open = li.querySelector(".picker");
      if (open) return open.remove();
      const picker = document.createElement("span");
      picker.className = "picker";
      for (const e of REACTIONS) picker.append(actionButton(e, "React " + e, () => (picker.remove(), react(conv, m, e))));
      b.after(picker);
      picker.firstChild.focus();
    })
  );
  if (isMe(m.from)) {
    tools.append(
      actionButton("✎", "Edit", () => {
        setContext({ mode: "edit", id: m.id, conv: conv.key });
        $("input").value = m.text;
        updateCounter();
      })
    );
  }
  if (isMe(m.from) || amOperator(conv)) tools.append(actionButton("🗑", "Delete", () => deleteMessage(m)));
  li.append(tools);
  // One tab stop for the whole list: arrows move between messages, and only the focused
  // message's buttons are in the tab order.
  for (const b of li.querySelectorAll("button")) b.tabIndex = -1;
  li.addEventListener("focusin", () => li.querySelectorAll("button").forEach((b) => (b.tabIndex = 0)));
  li.addEventListener("focusout", (event) => {
    if (!li.contains(event.relatedTarget)) li.querySelectorAll("button").forEach((b) => (b.tabIndex = -1));
  });
  return li;
}

/** One redraw per frame however many messages arrive (a resume brings hundreds). */
let renderQueued = null;
export function renderMessagesSoon() {
  if (renderQueued === null) renderQueued = requestAnimationFrame(() => renderMessages({ stick: true }));
}

export function renderMessages({ stick = false, force = false }) {
  if (renderQueued !== null) {
    cancelAnimationFrame(renderQueued);
    renderQueued = null;
  }
  const conv = currentConv();
  const box = $("messages");
  const atBottom = force || box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  const list = $("message-list");
  const items = [];
  if (conv) {
    let sysAt = 0;
    const sys = [...conv.sys].sort((a, b) => a.after - b.after || a.seq - b.seq);
    let day = null;
    let markerShown = false;
    const dayLine = (date) => {
      if (dayOf(date) === day) return;
      day = dayOf(date);
      const li = document.createElement("li");
      li.className = "day";
      li.setAttribute("role", "separator");
      li.textContent = dayLabel(date);
      items.push(li);
    };
    for (const m of conv.messages) {
      while (sysAt < sys.length && sys[sysAt].after < m.id) items.push(sysLine(sys[sysAt++].text));
      dayLine(new Date(m.ts));
      if (!markerShown && conv.markerAt !== null && m.id > conv.markerAt && !isMe(m.from)) {
        markerShown = true;
        const li = document.createElement("li");
        li.className = "new-line";
        li.textContent = "New messages";
        items.push(li);
      }
      items.push(messageItem(conv, m));
    }
    while (sysAt < sys.length) items.push(sysLine(sys[sysAt++].text));
  }
  // Keep the focus on the same message across a redraw.
  const focused = document.activeElement && document.activeElement.closest ? document.activeElement.closest("#message-list li.msg") : null;
  const focusedId = focused ? focused.dataset.id : null;
  list.replaceChildren(...items);
  if (focusedId) {
    const again = list.querySelector(`li.msg[data-id="${focusedId}"]`);
    if (again) again.focus({ preventScroll: true });
  }
  $("older").hidden = !conv || conv.historyDone || !conv.loaded;
  if (stick && atBottom) box.scrollTop = box.scrollHeight;
}

function sysLine(text) {
  const li = document.createElement("li");
  li.className = "sys";
  li.textContent = text;
  return li;
}

export function renderMembers() {
  const conv = currentConv();
  const list = $("member-list");
  list.replaceChildren();
  if (!conv || conv.kind !== "channel") {
    $("member-count").textContent = "";
    return;
  }
  const members = [...conv.members.values()].sort((a, b) => fold(a.user).localeCompare(fold(b.user)));
  $("member-count").textContent = `(${members.length})`;
  $("member-count").title = plural(members.length, "member");
  for (const m of members) {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "conv-button" + (m.op ? " op" : "") + (m.guest ? " guest" : "");
    button.textContent = m.user;
    button.title = `Direct message ${m.user}` + (m.op ? " (operator)" : "");
    button.addEventListener("click", () => {
      closePanels();
      openDm(m.user);
      $("input").focus();
    });
    li.append(button);
    list.append(li);
  }
}

export function renderTyping() {
  const conv = currentConv();
  const now = Date.now();
  const names = conv ? [...conv.typing.values()].filter((t) => t.until > now).map((t) => t.user) : [];
  $("typing").textContent =
    names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : names.length <= 3 ? `${names.join(", ")} are typing…` : "Several people are typing…";
}
setInterval(renderTyping, 1000);

export function renderSearch() {
  const s = state.search;
  $("search-panel").hidden = !s;
  if (!s) return;
  $("search-title").textContent = `Search results for “${s.query}” (${s.messages.length}${s.more ? "+" : ""})`;
  const list = $("search-results");
  list.replaceChildren();
  if (s.messages.length === 0) list.append(sysLine("Nothing found."));
  for (const m of s.messages) {
    const key = keyOf(m);
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.type = "button";
    b.className = "result";
    const where = document.createElement("span");
    where.className = "where";
    where.textContent = m.channel ? "#" + m.channel : "@" + dmName(m);
    const who = document.createElement("span");
    who.className = "from";
    who.textContent = m.from;
    const when = document.createElement("time");
    when.dateTime = m.ts;
    when.textContent = shortDate.format(new Date(m.ts));
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = displayText(m);
    b.append(where, " ", who, " ", when, " ", text);
    b.addEventListener("click", () => {
      if (!state.convs.has(key)) conversation(key, { name: m.channel || dmName(m) });
      jumpTo(key, m.id);
    });
    li.append(b);
    list.append(li);
  }
  const first = list.querySelector("button");
  if (first) first.focus();
}

export function updateCounter() {
  const input = $("input");
  const bytes = byteLength(input.value);
  const counter = $("counter");
  const max = state.maxTextBytes;
  counter.hidden = bytes < max * 0.8;
  counter.textContent = `${bytes} / ${max}`;
  counter.title = `${bytes} of at most ${max} bytes`;
  counter.classList.toggle("over", bytes > max);
  input.style.height = "auto";
  input.style.height = Math.min(input.scrollHeight + 2, 200) + "px";
}

export function togglePanel(cls, button) {
  const view = $("chat-view");
  const open = view.classList.toggle(cls);
  button.setAttribute("aria-expanded", String(open));
  if (open && cls === "show-members") $("members-close").focus();
}
export function closePanels() {
  $("chat-view").classList.remove("show-nav", "show-members");
  $("nav-toggle").setAttribute("aria-expanded", "false");
  $("members-toggle").setAttribute("aria-expanded", "false");
}
