// Read markers (the newest message the user has seen, sent as READ) and desktop notifications.

import { $, state } from "./state.js";
import { currentConv, lastId } from "./conversations.js";
import { send } from "./connection.js";
import { applyRead } from "./frames.js";
import { displayText, label } from "./actions.js";
import { renderSidebar, select } from "./render.js";

let readTimer = null;
export function markReadSoon() {
  clearTimeout(readTimer);
  readTimer = setTimeout(markRead, 150);
}

/** The newest visible message becomes the read marker while the user is really looking. */
function markRead() {
  const conv = currentConv();
  if (!conv || !state.user || document.hidden || !document.hasFocus()) return;
  if (!$("search-panel").hidden) return;
  const box = $("messages");
  if (box.scrollHeight - box.scrollTop - box.clientHeight > 40) return;
  const newest = lastId(conv);
  if (newest <= conv.read) {
    if (conv.unread || conv.mentions) {
      conv.unread = 0;
      conv.mentions = 0;
      renderSidebar();
    }
    return;
  }
  const target = conv.kind === "channel" ? { channel: conv.name } : { with: conv.name };
  applyRead(conv, newest);
  conv.unread = 0;
  conv.mentions = 0;
  renderSidebar();
  send("READ", { ...target, id: newest }).catch(() => {});
}

export function notify(conv, body) {
  if (document.hasFocus() || typeof Notification === "undefined" || Notification.permission !== "granted") return;
  try {
    const n = new Notification(`${body.from} in ${label(conv)}`, { body: displayText(body), tag: conv.key });
    n.onclick = () => {
      window.focus();
      select(conv.key);
    };
  } catch {
    // some browsers only allow notifications from a service worker
  }
}
