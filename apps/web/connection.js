// The connection: the WebSocket, paced requests, logging in (again), catching up after it.

import { $, BACKOFF_MS, GUEST_KEY, RESUME_PAGE, SESSION_KEY, state } from "./state.js";
import { forgetSession, saveJson } from "./session.js";
import { addSystemLine, channelKey, conversation, currentConv, dmKey, mergeMessages } from "./conversations.js";
import { applyJoinResult, handleFrame } from "./frames.js";
import { markReadSoon } from "./markers.js";
import { label, resetConversations } from "./actions.js";
import {
  errorText, noticeError, renderAll, renderMe, renderMessagesSoon, renderSidebar, renderTyping, select,
  showChat, showLogin, showLoginError,
} from "./render.js";

export function setStatus(status, text) {
  const el = $("conn-state");
  el.className = "state " + status;
  el.textContent = text;
}

// Requests leave in order, at most REQUESTS_PER_SECOND in any second: the server allows 20 a
// second (bursts of 40) and closes a connection that keeps going past it, and a login with
// many conversations asks a lot at once (members, catching up, markers).
const REQUESTS_PER_SECOND = 15;
const outbox = []; // functions that write one request
const sentAt = []; // when the requests of the last second left
let pumpTimer = null;

function pump() {
  pumpTimer = null;
  const now = Date.now();
  while (sentAt.length && now - sentAt[0] >= 1000) sentAt.shift();
  while (outbox.length && sentAt.length < REQUESTS_PER_SECOND) {
    sentAt.push(now);
    outbox.shift()();
  }
  if (outbox.length) pumpTimer = setTimeout(pump, 1000 - (now - sentAt[0]) + 5);
}

export function send(verb, args = {}) {
  const ws = state.ws;
  if (!ws || ws.readyState !== WebSocket.OPEN || !state.online) {
    return Promise.reject({ code: "offline", message: "not connected" });
  }
  return new Promise((resolve, reject) => {
    outbox.push(() => {
      if (state.ws !== ws || ws.readyState !== WebSocket.OPEN) {
        reject({ code: "offline", message: "connection lost" });
        return;
      }
      const ref = state.nextRef++;
      state.pending.set(ref, { resolve, reject });
      ws.send(JSON.stringify({ [verb]: { ref, ...args } }));
    });
    if (pumpTimer === null) pump();
  });
}

/// The WebSocket address for a page at `loc`: wss:// when the page came over HTTPS (a browser
/// refuses ws:// from an https:// page, and the chat must be as private as the page), else ws://;
/// the same host and port, path /ws.
export function socketUrl(loc) {
  const scheme = loc.protocol === "https:" ? "wss://" : "ws://";
  return scheme + loc.host + "/ws";
}

export function connect() {
  clearTimeout(state.reconnectTimer);
  state.reconnectTimer = null;
  setStatus("connecting", state.everOnline ? "Reconnecting…" : "Connecting…");
  const ws = new WebSocket(socketUrl(location));
  state.ws = ws;
  ws.onopen = () => logIn(ws);
  ws.onmessage = (event) => {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    handleFrame(frame);
  };
  ws.onclose = () => {
    if (state.ws !== ws) return;
    state.ws = null;
    state.online = false;
    for (const { reject } of state.pending.values()) reject({ code: "offline", message: "connection lost" });
    state.pending.clear();
    for (const conv of state.convs.values()) conv.typing.clear();
    renderTyping();
    if (state.wantOnline && (state.everOnline || state.resuming)) {
      scheduleReconnect();
    } else {
      setStatus("offline", "Offline");
      if (state.wantOnline) {
        state.wantOnline = false;
        showLoginError("Cannot reach the server.");
      }
    }
  };
}

function scheduleReconnect() {
  const base = BACKOFF_MS[Math.min(state.attempt, BACKOFF_MS.length - 1)];
  state.attempt += 1;
  const delay = Math.round(base * (0.8 + Math.random() * 0.4));
  setStatus("connecting", `Disconnected; retrying in ${Math.ceil(delay / 1000)} s`);
  state.reconnectTimer = setTimeout(connect, delay);
}

/** The login frame for the current way of logging in. */
function loginRequest() {
  const a = state.auth;
  if (a.kind === "password") {
    if (a.register) return ["REGISTER", { us: a.us, pwd: a.pwd, v: 2 }];
    return ["CONN", { us: a.us, pwd: a.pwd, v: 2, channel: a.channel }];
  }
  if (a.kind === "password-again") return ["CONN", { us: a.us, pwd: a.pwd, v: 2, join: false }];
  if (a.kind === "token") return ["CONN", { us: a.us, token: a.token, v: 2, join: false }];
  // A guest from the form joins the form's channel; a reconnecting one asks for its previous
  // name and rejoins its channels itself, after the OK.
  if (a.firstChannel) return ["CONN", { us: a.us || "", pwd: "", v: 2, channel: a.firstChannel }];
  return ["CONN", { us: a.us || "", pwd: "", v: 2, join: false }];
}

async function logIn(ws) {
  const [verb, args] = loginRequest();
  let ok;
  try {
    ok = await sendRaw(ws, verb, args);
  } catch (error) {
    if (state.ws !== ws) return;
    const a = state.auth;
    // A guest whose previous name is taken (its old connection may still be open): a new one.
    // The server may not have seen the old connection close yet: ask again a few times.
    if (a.kind === "guest" && a.us && error.code === "name_taken" && (state.everOnline || state.resuming)) {
      a.tries = (a.tries || 0) + 1;
      if (a.tries > 4) a.us = "";
      setTimeout(() => state.ws === ws && logIn(ws), a.us ? 400 : 0);
      return;
    }
    if (error.code === "offline") return; // the close handler retries
    // The right secret of a locked account: no point trying again until an administrator unlocks it.
    if (endsLogin(error.code)) {
      endSession(error.code);
      return;
    }
    // A stored session is dropped only when the server says it is no good (not when, say,
    // the login is rate limited): otherwise try again later.
    if ((a.kind === "token" && error.code !== "bad_credentials") || (a.kind === "guest" && state.resuming && error.code !== "bad_name")) {
      ws.close();
      return;
    }
    state.wantOnline = false;
    ws.close();
    if (a.kind === "token") {
      forgetSession();
      failLogin("Your session has ended; please log in again.");
    } else if (state.everOnline) {
      failLogin("Could not log in again: " + (error.message || error.code));
    } else {
      showLogin();
      showLoginError(errorText(error));
    }
    return;
  }
  if (state.ws !== ws) return;
  await onLoggedIn(ok);
}

/** send() for the login itself, before state.user is set. */
function sendRaw(ws, verb, args) {
  if (ws.readyState !== WebSocket.OPEN) return Promise.reject({ code: "offline" });
  const ref = state.nextRef++;
  ws.send(JSON.stringify({ [verb]: { ref, ...args } }));
  return new Promise((resolve, reject) => state.pending.set(ref, { resolve, reject }));
}

// Why the server ended a login for good (a NOTICE before it closes, or a login refused), as the
// form then says it.
const ENDED = {
  session_revoked: "This session was logged out (the password was changed, or the session was ended elsewhere).",
  account_deleted: "This account was deleted.",
  account_locked: "This account is locked by an administrator.",
};
export const endsLogin = (code) => Object.hasOwn(ENDED, code);

/** The server ended this login for good: no reconnecting, the stored session forgotten, the form shown. */
export function endSession(code) {
  forgetSession();
  state.wantOnline = false;
  if (state.ws) state.ws.close();
  failLogin(ENDED[code]);
}

export function failLogin(text) {
  state.everOnline = false;
  state.resuming = false;
  resetConversations();
  showLogin();
  showLoginError(text);
}

async function onLoggedIn(ok) {
  const reconnect = state.everOnline;
  state.online = true;
  const fromForm = state.auth.kind === "password";
  state.loginTokenId = state.auth.kind === "token" ? state.auth.id : null;
  state.user = ok.user;
  state.guest = !!ok.guest;
  state.everOnline = true;
  state.resuming = false;
  state.attempt = 0;
  if (ok.limits && ok.limits.max_text_bytes) state.maxTextBytes = ok.limits.max_text_bytes;
  setStatus("online", "Online");
  renderMe();

  // What every conversation held resumes from: the newest change seen before this login.
  for (const conv of state.convs.values()) {
    conv.resumeFrom = conv.loaded || conv.messages.length ? conv.maxRev : null;
    if (conv.kind === "channel") conv.wasJoined = conv.joined;
    conv.joined = false;
  }

  const form = fromForm ? state.auth : null;
  if (state.guest) {
    const channels = fromForm ? [] : state.auth.channels || [];
    state.auth = { kind: "guest", us: ok.user, channels };
    saveJson(sessionStorage, GUEST_KEY, { user: ok.user, channels });
    // The form's channel came with CONN; a reconnecting guest joins its channels again.
    for (const name of channels) send("JOIN", { channel: name }).then(applyJoinResult, (e) => noticeError(`join #${name}`, e));
  } else if (fromForm) {
    const kept = keepSession(ok.user, form.pwd);
    if (form.register && form.channel && form.channel !== "home") {
      // REGISTER joins home; the form's channel is joined once, here.
      send("JOIN", { channel: form.channel }).then((r) => select(applyJoinResult(r).key), (e) => noticeError(`join #${form.channel}`, e));
    }
    await kept;
  }
  showChat();
  if (reconnect) {
    const conv = currentConv();
    if (conv) addSystemLine(conv, "reconnected");
  }
  // DMs held resume at once; channels once their JOIN event says we are back in.
  for (const conv of state.convs.values()) {
    if (conv.kind === "dm" && conv.resumeFrom !== null) resume(conv);
  }
  refreshConversations();
}

/**
 * Keeps this login for reconnects and reloads: a session token in localStorage (never the
 * password). Without one (a server without session tokens) the page reconnects with the password
 * held in its memory only, and a reload asks to log in again.
 */
export async function keepSession(user, pwd) {
  state.auth = { kind: "password-again", us: user, pwd }; // until a token replaces it
  try {
    // The label tells this browser apart in a list of the account's sessions.
    const platform = (navigator.userAgentData && navigator.userAgentData.platform) || navigator.platform || "";
    const t = await send("TOKEN", { label: ("web " + platform).trim().slice(0, 64) });
    state.auth = { kind: "token", us: user, token: t.token, id: t.id };
    saveJson(localStorage, SESSION_KEY, { user, token: t.token, id: t.id });
  } catch {
    // the password stays in state.auth
  }
}

/** This guest registered in place (REGISTER while logged in): the page is now that account. */
export async function becomeAccount(ok, pwd) {
  state.user = ok.user;
  state.guest = false;
  saveJson(sessionStorage, GUEST_KEY, null);
  renderMe();
  await keepSession(ok.user, pwd);
}

/** Everything newer than what was held (new messages, edits, deletes, reactions), page by page. */
export async function resume(conv) {
  let after = conv.resumeFrom;
  conv.resumeFrom = null;
  if (after === null || after === undefined) return;
  const target = conv.kind === "channel" ? { channel: conv.name } : { with: conv.name };
  try {
    for (;;) {
      const page = await send("HISTORY", { ...target, after, limit: RESUME_PAGE });
      const messages = page.messages || [];
      mergeMessages(conv, messages);
      if (conv.key === state.current) renderMessagesSoon();
      if (!page.more || messages.length === 0) break;
      after = Math.max(after, ...messages.map((m) => m.rev || m.id));
    }
  } catch (error) {
    if (error.code !== "offline") noticeError("catching up " + label(conv), error);
  }
  markReadSoon();
}

async function refreshConversations() {
  let list;
  try {
    list = (await send("CONVERSATIONS", {})).conversations || [];
  } catch {
    return;
  }
  const listed = new Set();
  for (const c of list) {
    const conv = c.channel ? conversation(channelKey(c.channel), { name: c.channel }) : conversation(dmKey(c.with), { name: c.with });
    listed.add(conv.key);
    conv.read = Math.max(conv.read, c.read || 0);
    conv.unread = c.unread || 0;
    conv.mentions = c.mentions || 0;
    conv.lastId = c.last_id || 0;
    if (conv.kind === "channel") conv.joined = true;
  }
  // Channels left meanwhile (on another device) are no longer ours.
  for (const conv of [...state.convs.values()]) {
    if (conv.kind === "channel" && !listed.has(conv.key) && !conv.joined) state.convs.delete(conv.key);
  }
  if (!state.current || !state.convs.has(state.current)) {
    const first = [...state.convs.values()].find((c) => c.kind === "channel") || state.convs.values().next().value;
    if (first) select(first.key);
    else renderAll();
  } else {
    renderSidebar();
  }
  markReadSoon();
}
