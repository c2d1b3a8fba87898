// Conversations: keys, the messages held (sorted by id), system lines and live messages.

import { state } from "./state.js";
import { markReadSoon, notify } from "./markers.js";
import { renderMessagesSoon, renderSidebar, renderTyping } from "./render.js";

export const fold = (name) => String(name).toLowerCase();
export const channelKey = (name) => "#" + fold(name);
export const dmKey = (user) => "@" + fold(user);
export const isMe = (name) => !!state.user && fold(name) === fold(state.user);

export function conversation(key, init) {
  let conv = state.convs.get(key);
  if (!conv) {
    conv = {
      key,
      kind: key.startsWith("#") ? "channel" : "dm",
      name: key.slice(1),
      topic: "",
      members: new Map(), // folded -> {user, guest, op}
      messages: [], // message bodies, by id
      sys: [], // {text, after: id}: lines like [+]alice, drawn after message `after`
      maxRev: 0,
      read: 0, // the read marker (an id)
      unread: 0,
      mentions: 0,
      markerAt: null, // the read marker when the conversation was opened: the "new" line
      joined: false,
      loaded: false, // a newest page is held (DMs load it when first opened)
      historyDone: false,
      loadingHistory: null, // the promise of a page in flight
      typing: new Map(), // folded user -> {user, until}
      ...init,
    };
    state.convs.set(key, conv);
  }
  return conv;
}

/** The conversation a message body (or a READ/TYPING event) belongs to. */
export function keyOf(body) {
  if (body.channel !== undefined && body.channel !== null) return channelKey(body.channel);
  if (body.with !== undefined && body.with !== null) return dmKey(body.with);
  return dmKey(isMe(body.from) ? body.to : body.from);
}
export function dmName(body) {
  if (body.with) return body.with;
  return isMe(body.from) ? body.to : body.from;
}

export const lastId = (conv) => (conv.messages.length ? conv.messages[conv.messages.length - 1].id : 0);
export const oldestId = (conv) => (conv.messages.length ? conv.messages[0].id : null);
/** The held message with that id (messages are kept sorted by id: a binary search). */
export function findMessage(conv, id) {
  const list = conv.messages;
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].id === id) return list[mid];
    if (list[mid].id < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/** Adds or replaces (by id) message bodies, keeping id order. Returns the new ones. */
export function mergeMessages(conv, bodies) {
  const fresh = [];
  let appendOnly = true;
  const index = new Map(conv.messages.map((m, i) => [m.id, i]));
  for (const body of bodies) {
    const at = index.has(body.id) ? index.get(body.id) : -1;
    if (at >= 0) {
      // An older copy (a resume page can bring a message before its own replay) never wins.
      if ((body.rev || body.id) >= (conv.messages[at].rev || conv.messages[at].id)) conv.messages[at] = { ...body };
    } else {
      if (conv.messages.length && body.id < conv.messages[conv.messages.length - 1].id) appendOnly = false;
      index.set(body.id, conv.messages.length);
      conv.messages.push({ ...body });
      fresh.push(body);
    }
    conv.maxRev = Math.max(conv.maxRev, body.rev || body.id);
  }
  if (!appendOnly) conv.messages.sort((a, b) => a.id - b.id);
  return fresh;
}

/**
 * `from` is now called `to` (a guest registered in place): in member lists and typing lines, and
 * the DM conversation with them, its messages and counts, under the new name. Messages keep the
 * name they were written under.
 */
export function renameUser(from, to) {
  const old = fold(from);
  for (const conv of state.convs.values()) {
    const member = conv.members.get(old);
    if (member) {
      conv.members.delete(old);
      conv.members.set(fold(to), { ...member, user: to, guest: false });
      addSystemLine(conv, `${from} is now ${to}`);
    }
    const typing = conv.typing.get(old);
    if (typing) {
      conv.typing.delete(old);
      conv.typing.set(fold(to), { ...typing, user: to });
    }
  }
  const dm = state.convs.get(dmKey(from));
  if (!dm) return;
  const key = dmKey(to);
  state.convs.delete(dm.key);
  const held = state.convs.get(key);
  if (held) {
    // Already talking to that name (an account deleted since, say): one conversation.
    mergeMessages(held, dm.messages);
    held.unread += dm.unread;
    held.mentions += dm.mentions;
  } else {
    state.convs.set(key, Object.assign(dm, { key, name: to }));
  }
  if (state.current === dmKey(from)) state.current = key;
  if (state.context && state.context.conv === dmKey(from)) state.context.conv = key;
  if (state.typingConv === dmKey(from)) state.typingConv = key;
}

export function addSystemLine(conv, text) {
  conv.sys.push({ text, after: lastId(conv), seq: conv.sys.length });
  if (conv.key === state.current) renderMessagesSoon();
}

export function mentionsMe(body) {
  return !!state.user && Array.isArray(body.mentions) && body.mentions.some((u) => isMe(u));
}

/** A live MSG or DM: shown, counted unread unless it is ours or being read right now. */
export function addLiveMessage(conv, body) {
  const fresh = mergeMessages(conv, [body]);
  if (fresh.length === 0) return;
  if (!isMe(body.from) && body.id > conv.read) {
    // Arriving in the open conversation while the user looks elsewhere: mark where it starts.
    if (conv.key === state.current && conv.markerAt === null && (document.hidden || !document.hasFocus())) conv.markerAt = conv.read;
    conv.unread += 1;
    if (mentionsMe(body)) conv.mentions += 1;
    if (conv.kind === "dm" || mentionsMe(body)) notify(conv, body);
  }
  conv.typing.delete(fold(body.from));
  if (conv.key === state.current) {
    renderMessagesSoon();
    renderTyping();
  }
  renderSidebar();
  markReadSoon();
}

export function currentConv() {
  return state.current ? state.convs.get(state.current) || null : null;
}
