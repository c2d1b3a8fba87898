// The web client's entry (index.html loads it as a module): wires the page's controls, then starts.
//
// Salon's web client: the native protocol (PROTOCOL.md, version 2) over the server's /ws
// WebSocket, one JSON object per text message. Plain JavaScript in native ES modules (strict
// mode), no build step, no external resources, and never innerHTML with anything a user wrote.

import { $, GUEST_KEY, SESSION_KEY, state } from "./state.js";
import { loadJson } from "./session.js";
import { currentConv } from "./conversations.js";
import { connect } from "./connection.js";
import { markReadSoon } from "./markers.js";
import {
  closeConversation, closeSearch, join, loadOlder, logOut, onTypingInput, openDm, part,
  resetConversations, runInput, runSearch, setContext,
} from "./actions.js";
import { closePanels, noticeError, select, showLogin, showLoginError, togglePanel, updateCounter } from "./render.js";
import "./account.js"; // the account dialog wires its own controls

function startLogin(register) {
  const us = $("login-name").value.trim();
  const pwd = $("login-password").value;
  const channel = ($("login-channel").value.trim() || "home").replace(/^#/, "").toLowerCase();
  if (register && (us === "" || pwd === "")) {
    showLoginError("To register, choose a name and a password.");
    return;
  }
  $("login-error").textContent = "";
  $("login-button").disabled = true;
  $("register-button").disabled = true;
  state.resuming = false;
  state.auth = us === "" || /^guest/i.test(us) ? { kind: "guest", us, channels: [] } : { kind: "password", us, pwd, register, channel };
  if (state.auth.kind === "guest") state.auth.firstChannel = channel;
  state.wantOnline = true;
  state.everOnline = false;
  resetConversations();
  if (state.ws) state.ws.close();
  connect();
}

$("login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  startLogin(false);
});
$("register-button").addEventListener("click", () => startLogin(true));
$("logout").addEventListener("click", () => logOut());

async function submitComposer() {
  const input = $("input");
  const line = input.value;
  if (line.trim() === "") return;
  const conv = currentConv();
  const done = await runInput(line);
  // Cleared only once the server took it, and only if nobody typed something else meanwhile.
  if (done && input.value === line) {
    input.value = "";
    updateCounter();
  }
  if (conv) markReadSoon();
}

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  submitComposer();
});
$("input").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    submitComposer();
  } else if (event.key === "Escape" && state.context) {
    if (state.context.mode === "edit") $("input").value = "";
    setContext(null);
    updateCounter();
  }
});
$("input").addEventListener("input", () => {
  updateCounter();
  onTypingInput($("input").value);
});
$("compose-cancel").addEventListener("click", () => {
  if (state.context && state.context.mode === "edit") $("input").value = "";
  setContext(null);
  updateCounter();
});

$("join-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = $("join-input").value.trim();
  if (!name) return;
  try {
    await join(name);
    $("join-input").value = "";
    $("input").focus();
  } catch (error) {
    noticeError(`join #${name.replace(/^#/, "")}`, error);
  }
});

$("dm-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = $("dm-input").value.trim();
  if (!name) return;
  const conv = await openDm(name);
  if (conv) {
    $("dm-input").value = "";
    $("input").focus();
  }
});

$("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  runSearch($("search-input").value);
});
$("search-close").addEventListener("click", () => {
  closeSearch();
  $("input").focus();
});

$("notify-button").addEventListener("click", async () => {
  try {
    await Notification.requestPermission();
  } finally {
    $("notify-button").hidden = Notification.permission !== "default";
  }
});

$("leave-button").addEventListener("click", async () => {
  const conv = currentConv();
  if (!conv) return;
  // A DM, or a channel we were removed from, just closes.
  if (conv.kind === "dm" || !conv.joined) {
    closeConversation(conv.key);
    return;
  }
  try {
    await part(conv.name);
  } catch (error) {
    noticeError("leave", error);
  }
});

$("older").addEventListener("click", () => loadOlder());
// Arrow keys walk the messages (from the list itself, the last one first); Home/End too.
$("messages").addEventListener("keydown", (event) => {
  const li = event.target.closest ? event.target.closest("li.msg") : null;
  if (event.target !== $("messages") && !li) return;
  if (event.target.classList.contains("picker") || event.target.closest(".picker")) return;
  const all = [...document.querySelectorAll("#message-list li.msg")];
  if (all.length === 0) return;
  let next = null;
  const at = li ? all.indexOf(li) : all.length;
  if (event.key === "ArrowUp") next = all[Math.max(0, at - 1)];
  else if (event.key === "ArrowDown" && li) next = all[at + 1] || null;
  else if (event.key === "Home" && li) next = all[0];
  else if (event.key === "End" && li) next = all[all.length - 1];
  else if (li && event.key === "r") li.querySelector('button[aria-label="Reply"]')?.click();
  else if (li && event.key === "e") li.querySelector('button[aria-label="Edit"]')?.click();
  else return;
  event.preventDefault();
  if (next) {
    next.focus();
    if (next === all[0] && !event.repeat) loadOlder();
  } else if (event.key === "ArrowDown") {
    $("input").focus();
  }
});
$("messages").addEventListener("scroll", () => {
  if ($("messages").scrollTop < 30) loadOlder();
  markReadSoon();
});

$("nav-toggle").addEventListener("click", () => togglePanel("show-nav", $("nav-toggle")));
$("members-toggle").addEventListener("click", () => togglePanel("show-members", $("members-toggle")));
$("members-close").addEventListener("click", () => {
  closePanels();
  $("members-toggle").focus();
});

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    closePanels();
    document.querySelectorAll(".picker").forEach((p) => p.remove());
    if (!$("search-panel").hidden && event.target.id !== "input") closeSearch();
  }
  if (event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
    const keys = [...document.querySelectorAll("#sidebar .conv-button")].map((b) => b.dataset.key);
    if (keys.length === 0) return;
    const at = keys.indexOf(state.current);
    const next = (at + (event.key === "ArrowDown" ? 1 : keys.length - 1)) % keys.length;
    select(keys[next]);
    event.preventDefault();
  }
});

// The network is back (or the user is looking again): no need to sit out the back-off.
const reconnectNow = () => {
  if (state.reconnectTimer && state.wantOnline) connect();
};
window.addEventListener("online", reconnectNow);
document.addEventListener("visibilitychange", () => {
  if (!document.hidden) reconnectNow();
});
document.addEventListener("visibilitychange", markReadSoon);
window.addEventListener("focus", markReadSoon);

// ------------------------------------------------------------------------------------------
// Start: a stored session (or this tab's guest) logs in again by itself.

function start() {
  const session = loadJson(localStorage, SESSION_KEY);
  const guest = loadJson(sessionStorage, GUEST_KEY);
  if (session && session.token && session.user) {
    state.auth = { kind: "token", us: session.user, token: session.token, id: session.id };
  } else if (guest && guest.user) {
    state.auth = { kind: "guest", us: guest.user, channels: guest.channels || [] };
  } else {
    showLogin();
    return;
  }
  showLogin();
  $("login-button").disabled = true;
  $("register-button").disabled = true;
  $("login-error").textContent = "";
  state.wantOnline = true;
  state.everOnline = false;
  state.resuming = true; // keep trying while the server is away; the stored login stays
  connect();
}

start();
