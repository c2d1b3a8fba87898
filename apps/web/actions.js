// Actions: what the user asks for (joining, DMs, history, search, commands, sending, log-out).

import { $, GUEST_KEY, HISTORY_PAGE, RESUME_PAGE, TYPING_EVERY_MS, state } from "./state.js";
import { forgetSession, rememberGuestChannels, saveJson } from "./session.js";
import {
  addLiveMessage, addSystemLine, channelKey, conversation, currentConv, dmKey, findMessage, isMe,
  mergeMessages, oldestId,
} from "./conversations.js";
import { send, setStatus } from "./connection.js";
import { applyJoinResult } from "./frames.js";
import { markReadSoon } from "./markers.js";
import {
  notice, noticeError, plural, renderAll, renderMessages, renderSearch, renderSidebar, select,
  showLogin,
} from "./render.js";

export const label = (conv) => (conv.kind === "channel" ? "#" : "@") + conv.name;

export async function join(channel, key) {
  const name = channel.replace(/^#/, "").toLowerCase();
  const args = { channel: name };
  if (key) args.key = key;
  const result = await send("JOIN", args);
  const conv = applyJoinResult(result);
  // Our own [+] line goes after the replayed history, which follows this OK; only a join the
  // user asked for gets one (not the channels a login puts us back in).
  conv.selfJoinLine = true;
  select(conv.key);
  return conv;
}

export async function part(name) {
  const conv = state.convs.get(channelKey(name));
  await send("PART", { channel: name });
  if (conv) closeConversation(conv.key);
  rememberGuestChannels();
}

export function closeConversation(key) {
  state.convs.delete(key);
  if (state.current === key) {
    const next = [...state.convs.keys()][0] || null;
    state.current = null;
    if (next) select(next);
    else renderAll();
  } else {
    renderSidebar();
  }
}

/** Opens a DM conversation; its history is loaded, and a user who does not exist is refused. */
export async function openDm(user) {
  const existing = state.convs.get(dmKey(user));
  const conv = conversation(dmKey(user), { name: user });
  select(conv.key);
  if (existing && existing.loaded) return conv;
  try {
    await loadNewest(conv);
  } catch (error) {
    if (!existing && conv.messages.length === 0) closeConversation(conv.key);
    noticeError(`@${user}`, error);
    return null;
  }
  return conv;
}

/** The newest page of a conversation not loaded yet (one request, however many ask). */
export function loadNewest(conv) {
  if (conv.loaded) return Promise.resolve();
  if (conv.loadingNewest) return conv.loadingNewest;
  const target = conv.kind === "channel" ? { channel: conv.name } : { with: conv.name };
  conv.loadingNewest = send("HISTORY", { ...target, limit: HISTORY_PAGE })
    .then((page) => {
      const messages = page.messages || [];
      mergeMessages(conv, messages);
      conv.loaded = true;
      if (messages.length < HISTORY_PAGE && !page.more) conv.historyDone = true;
      if (conv.key === state.current) renderMessages({ stick: true, force: true });
      markReadSoon();
    })
    .finally(() => {
      conv.loadingNewest = null;
    });
  return conv.loadingNewest;
}

/** One page older than the oldest message held (never a hole between pages). */
export function loadOlder(conv = currentConv(), limit = HISTORY_PAGE) {
  if (!conv || conv.historyDone) return Promise.resolve();
  if (conv.loadingHistory) return conv.loadingHistory;
  const before = oldestId(conv);
  if (before === null) {
    if (!conv.loaded) return loadNewest(conv).catch(() => {});
    conv.historyDone = true;
    renderMessages({});
    return Promise.resolve();
  }
  const target = conv.kind === "channel" ? { channel: conv.name } : { with: conv.name };
  conv.loadingHistory = (async () => {
    try {
      const page = await send("HISTORY", { ...target, before, limit });
      const messages = page.messages || [];
      // A short page is the end, unless the server cut it to bound the reply (`more`).
      if (messages.length === 0 || (messages.length < limit && !page.more)) conv.historyDone = true;
      if (conv.key === state.current) {
        const box = $("messages");
        const fromBottom = box.scrollHeight - box.scrollTop;
        mergeMessages(conv, messages);
        renderMessages({});
        box.scrollTop = box.scrollHeight - fromBottom; // keep what was on screen in place
      } else {
        mergeMessages(conv, messages);
      }
    } catch (error) {
      noticeError("history", error);
      throw error;
    } finally {
      conv.loadingHistory = null;
    }
  })();
  return conv.loadingHistory.catch(() => {});
}

/** Shows message `id` of conversation `key`, paging back until it is held. */
export async function jumpTo(key, id) {
  const conv = state.convs.get(key);
  if (!conv) return;
  closeSearch();
  select(conv.key);
  if (!conv.loaded) await loadNewest(conv).catch(() => {});
  while (!findMessage(conv, id) && !conv.historyDone && oldestId(conv) !== null && oldestId(conv) > id) {
    const before = conv.messages.length;
    await loadOlder(conv, RESUME_PAGE);
    if (conv.messages.length === before) break;
  }
  renderMessages({});
  const li = document.querySelector(`#message-list li.msg[data-id="${id}"]`);
  if (!li) {
    notice("That message is no longer there.");
    return;
  }
  li.scrollIntoView({ block: "center" });
  li.classList.add("flash");
  li.focus();
  setTimeout(() => li.classList.remove("flash"), 2000);
}

export async function runSearch(query) {
  query = query.trim();
  if ([...query].length < 3) {
    notice("Search needs at least 3 characters.");
    return;
  }
  try {
    const result = await send("SEARCH", { query, limit: 50 });
    state.search = { query, messages: result.messages || [], more: !!result.more };
    renderSearch();
  } catch (error) {
    noticeError("search", error);
  }
}

export function closeSearch() {
  state.search = null;
  $("search-panel").hidden = true;
  $("messages").hidden = false;
}

const HELP = [
  "/join CHANNEL [KEY] (/j) — join or create a channel",
  "/part [CHANNEL] (/leave) — leave this or another channel",
  "/msg NICK [TEXT] (/query) — direct message; opens the conversation",
  "/me TEXT — an action: * you TEXT",
  "/search WORDS — search the messages you can read",
  "/who [CHANNEL] (/names) — list the members",
  "/list — channels with member counts and topics",
  "/topic TEXT — set this channel's topic (operators)",
  "/kick NICK [REASON], /ban NICK, /unban NICK, /op NICK, /key KEY — moderation (operators; /key with no key removes it)",
  "/help — this list",
  "/quit (/exit) — log out",
  "//text sends /text as a message. Enter sends, Shift+Enter starts a new line. Alt+↑/↓ switch conversation, Esc closes panels.",
  "In the message list: ↑/↓ (Home/End) move between messages, Tab reaches the focused one's buttons, r replies, e edits your own.",
];

export const ACTION = /^\u0001ACTION (.*?)\u0001?$/s;
export function displayText(body) {
  const m = ACTION.exec(body.text || "");
  return m ? `* ${body.from} ${m[1]}` : body.text;
}

/** Runs one line of the composer; resolves true when the text may be cleared. */
export async function runInput(line) {
  const conv = currentConv();
  const say = (text) => (conv ? addSystemLine(conv, text) : notice(text));
  if (line.startsWith("/") && !line.startsWith("//")) {
    const command = line.slice(1).split(/\s+/)[0].toLowerCase();
    const restText = line.slice(1 + command.length).replace(/^\s/, "");
    const args = restText.split(/\s+/).filter((a) => a !== "");
    const channelOf = (arg) => (arg ? arg.replace(/^#/, "").toLowerCase() : conv && conv.kind === "channel" ? conv.name : null);
    const here = () => {
      if (!conv || conv.kind !== "channel") throw { message: "use it in a channel" };
      return conv.name;
    };
    try {
      switch (command) {
        case "join":
        case "j":
          if (!args[0]) return say("usage: /join CHANNEL [KEY]"), true;
          await join(args[0], args[1]);
          return true;
        case "part":
        case "leave": {
          const name = channelOf(args[0]);
          if (!name) return say("usage: /part CHANNEL"), true;
          await part(name);
          return true;
        }
        case "msg":
        case "query": {
          if (!args[0]) return say("usage: /msg NICK [TEXT]"), true;
          const text = restText.replace(/^\s*\S+\s?/, "");
          const target = await openDm(args[0]);
          if (!target) return false;
          if (text.trim() !== "") return sendText(target, text);
          return true;
        }
        case "me":
          if (!conv) return say("open a conversation first"), false;
          if (restText.trim() === "") return say("usage: /me TEXT"), false;
          return sendText(conv, `\u0001ACTION ${restText}\u0001`);
        case "search":
          await runSearch(restText);
          return true;
        case "who":
        case "names": {
          const name = channelOf(args[0]);
          if (!name) return say("usage: /who CHANNEL"), true;
          const who = await send("WHO", { channel: name });
          const names = who.members.map((m) => (m.op ? "@" : "") + m.user);
          say(`members of #${who.channel} (${names.length}): ${names.join(", ")}`);
          return true;
        }
        case "list": {
          const list = await send("LIST", {});
          if (list.channels.length === 0) return say("no channels"), true;
          say("channels:");
          for (const c of list.channels) say(`  #${c.name} (${plural(c.members, "member")})${c.topic ? " — " + c.topic : ""}`);
          return true;
        }
        case "topic":
          await send("TOPIC", { channel: here(), topic: restText });
          return true;
        case "kick":
          if (!args[0]) return say("usage: /kick NICK [REASON]"), false;
          await send("KICK", { channel: here(), user: args[0], ...(args.length > 1 ? { reason: restText.replace(/^\s*\S+\s*/, "") } : {}) });
          return true;
        case "ban":
        case "unban":
        case "op":
          if (!args[0]) return say(`usage: /${command} NICK`), false;
          await send(command.toUpperCase(), { channel: here(), user: args[0] });
          say(`/${command} ${args[0]}: done`);
          return true;
        case "key":
          await send("KEY", { channel: here(), key: args[0] || "" });
          say(args[0] ? "key set" : "key removed");
          return true;
        case "help":
          for (const h of HELP) say(h);
          return true;
        case "quit":
        case "exit":
          await logOut();
          return true;
        default:
          say(`unknown command /${command} — try /help`);
          return false;
      }
    } catch (error) {
      noticeError("/" + command, error);
      return error.code !== "offline" && !["me", "msg", "query", "topic", "kick"].includes(command);
    }
  }
  if (!conv) return false;
  return sendText(conv, line.startsWith("//") ? line.slice(1) : line);
}

const utf8 = new TextEncoder();
export const byteLength = (text) => utf8.encode(text).length;

/** Sends; resolves true once the server took it (the composer may then be cleared). */
async function sendText(conv, text) {
  if (byteLength(text) > state.maxTextBytes) {
    notice(`Too long: ${byteLength(text)} of at most ${state.maxTextBytes} bytes. Your text is kept.`);
    return false;
  }
  const context = state.context && state.context.conv === conv.key ? state.context : null;
  if (!state.online) {
    notice("Offline: your text is kept here; press Enter again once back online.");
    return false;
  }
  try {
    if (context && context.mode === "edit") {
      await send("EDIT", { id: context.id, text });
    } else if (conv.kind === "channel") {
      await send("SEND", { channel: conv.name, text, ...(context ? { reply_to: context.id } : {}) });
    } else {
      const ok = await send("DM", { to: conv.name, text, ...(context ? { reply_to: context.id } : {}) });
      // The server copies a DM to our other connections only: add our own.
      addLiveMessage(conv, { id: ok.id, rev: ok.id, ts: ok.ts, from: state.user, to: conv.name, text, ...(context ? { reply_to: context.id } : {}) });
    }
    setContext(null);
    stopTyping();
    notice("");
    return true;
  } catch (error) {
    if (error.code === "no_such_user" && conv.kind === "dm" && conv.messages.length === 0) closeConversation(conv.key);
    noticeError("not sent", error);
    if (error.code === "offline") notice("Offline: your text is kept here; press Enter again once back online.");
    return false;
  }
}

export function setContext(context) {
  state.context = context;
  const box = $("compose-context");
  if (!context) {
    box.hidden = true;
    return;
  }
  const conv = state.convs.get(context.conv);
  const m = conv && findMessage(conv, context.id);
  $("compose-context-text").textContent =
    context.mode === "edit" ? "Editing your message (Esc cancels)" : `Replying to ${m ? m.from : "a message"}: ${m ? preview(m) : ""}`;
  box.hidden = false;
  $("input").focus();
}

export const preview = (m) => (m.deleted ? "message deleted" : displayText(m).slice(0, 80));

function sendTyping(stateName) {
  const conv = state.typingConv ? state.convs.get(state.typingConv) : null;
  if (!conv) return;
  const target = conv.kind === "channel" ? { channel: conv.name } : { with: conv.name };
  send("TYPING", { ...target, state: stateName }).catch(() => {});
}
export function onTypingInput(text) {
  const conv = currentConv();
  if (!conv || !state.user) return;
  if (text.trim() === "" || text.startsWith("/")) {
    stopTyping();
    return;
  }
  if (state.typingConv !== conv.key) stopTyping();
  const now = Date.now();
  if (now - state.typingSentAt >= TYPING_EVERY_MS) {
    state.typingConv = conv.key;
    state.typingSentAt = now;
    sendTyping("active");
  }
}
export function stopTyping() {
  if (state.typingConv) sendTyping("done");
  state.typingConv = null;
  state.typingSentAt = 0;
}

export async function react(conv, m, emoji) {
  const on = !(m.reactions || []).some((r) => r.emoji === emoji && r.users.some(isMe));
  try {
    await send("REACT", { id: m.id, emoji, on });
  } catch (error) {
    noticeError("reaction", error);
  }
}

export async function deleteMessage(m) {
  if (!confirm("Delete this message?")) return;
  try {
    await send("DELETE", { id: m.id });
  } catch (error) {
    noticeError("delete", error);
  }
}

export async function logOut() {
  state.wantOnline = false;
  state.everOnline = false;
  const ws = state.ws;
  if (ws) {
    if (state.auth && state.auth.kind === "token") {
      try {
        await send("REVOKE", { id: state.auth.id });
      } catch {
        // offline: the token stays valid until it expires, but this browser forgets it
      }
    }
    try {
      await send("END", {});
    } catch {
      // already gone
    }
    ws.close();
  }
  forgetSession();
  saveJson(sessionStorage, GUEST_KEY, null);
  clearTimeout(state.reconnectTimer);
  state.auth = null;
  resetConversations();
  setStatus("offline", "Logged out");
  showLogin();
}

export function resetConversations() {
  state.convs.clear();
  state.current = null;
  state.user = null;
  state.context = null;
  closeSearch();
}
