// Frames from the server: replies to requests and events, applied to the state.

import { HISTORY_PAGE, TYPING_SHOWN_MS, state } from "./state.js";
import { rememberGuestChannels } from "./session.js";
import {
  addLiveMessage, addSystemLine, channelKey, conversation, dmKey, dmName, findMessage, fold, isMe,
  keyOf, lastId, mentionsMe, mergeMessages, renameUser,
} from "./conversations.js";
import { endSession, endsLogin, resume, send, setStatus } from "./connection.js";
import { markReadSoon } from "./markers.js";
import { closeConversation } from "./actions.js";
import {
  notice, renderHeader, renderMembers, renderMessagesSoon, renderSidebar, renderTyping, select,
} from "./render.js";

export function handleFrame(frame) {
  const verb = Object.keys(frame)[0];
  const body = frame[verb] || {};
  switch (verb) {
    case "OK":
    case "NO": {
      const waiter = state.pending.get(body.ref);
      if (!waiter) return;
      state.pending.delete(body.ref);
      if (verb === "OK") waiter.resolve(body);
      else waiter.reject(body);
      return;
    }
    case "MSG":
      addLiveMessage(conversation(channelKey(body.channel), { name: body.channel }), body);
      return;
    case "DM": {
      const conv = conversation(dmKey(dmName(body)), { name: dmName(body) });
      addLiveMessage(conv, body);
      return;
    }
    case "UPDATE": {
      const conv = state.convs.get(keyOf(body));
      if (!conv || !findMessage(conv, body.id)) return;
      mergeMessages(conv, [body]);
      if (body.deleted && !isMe(body.from) && body.id > conv.read && conv.unread > 0) {
        conv.unread -= 1;
        renderSidebar();
      }
      if (conv.key === state.current) renderMessagesSoon();
      return;
    }
    case "READ": {
      const conv = state.convs.get(keyOf(body));
      if (conv) applyRead(conv, body.id);
      return;
    }
    case "TYPING": {
      const conv = state.convs.get(keyOf(body));
      if (!conv || isMe(body.user)) return;
      if (body.state === "active") conv.typing.set(fold(body.user), { user: body.user, until: Date.now() + TYPING_SHOWN_MS });
      else conv.typing.delete(fold(body.user));
      renderTyping();
      return;
    }
    case "JOIN": {
      const conv = conversation(channelKey(body.channel), { name: body.channel });
      const self = isMe(body.user);
      const known = conv.members.has(fold(body.user));
      conv.members.set(fold(body.user), { user: body.user, guest: /^guest/i.test(body.user), op: !!body.op });
      if (self) {
        conv.joined = true;
        if (!state.current || !state.convs.has(state.current)) select(conv.key);
        // The member list is asked for when the channel is shown (a login rejoins many).
        // (A JOIN we asked for brought them in its OK, just before this event.)
        if (!conv.membersFromOk) conv.needWho = true;
        conv.membersFromOk = false;
        if (conv.key === state.current) loadMembers(conv);
        if (conv.resumeFrom !== null && conv.resumeFrom !== undefined) resume(conv);
        rememberGuestChannels();
      } else if (!known) {
        addSystemLine(conv, "[+]" + body.user);
      }
      renderSidebar();
      renderMembers();
      return;
    }
    case "PART": {
      const conv = state.convs.get(channelKey(body.channel));
      if (!conv) return;
      conv.members.delete(fold(body.user));
      const why = body.by ? ` (removed by ${body.by}${body.reason ? ": " + body.reason : ""})` : "";
      addSystemLine(conv, "[-]" + body.user + why);
      if (isMe(body.user)) {
        conv.joined = false;
        if (!body.by) closeConversation(conv.key);
        else notice(`You were removed from #${conv.name}${why}`);
        rememberGuestChannels();
      }
      renderSidebar();
      renderMembers();
      return;
    }
    case "QUIT":
      for (const conv of state.convs.values()) {
        if (conv.kind === "channel" && conv.members.delete(fold(body.user))) {
          addSystemLine(conv, `[-]${body.user} (${body.reason || "quit"})`);
        }
        conv.typing.delete(fold(body.user));
      }
      renderMembers();
      renderTyping();
      return;
    case "RENAME":
      // A guest registered in place: the same person under its account name (no part, no join).
      // (When it is this page, the REGISTER's OK came first: state.user is the new name already.)
      renameUser(body.user, body.to);
      renderSidebar();
      renderHeader();
      renderMembers();
      renderTyping();
      return;
    case "HISTORY": {
      const conv = conversation(channelKey(body.channel), { name: body.channel });
      const messages = body.messages || [];
      const wasLoaded = conv.loaded;
      mergeMessages(conv, messages);
      conv.loaded = true;
      // The replay is the newest page: shorter than a page and not cut short, it is all there is.
      if (!wasLoaded && !body.more && messages.length < HISTORY_PAGE) conv.historyDone = true;
      if (conv.selfJoinLine) {
        conv.selfJoinLine = false;
        addSystemLine(conv, "[+]" + state.user);
      }
      if (conv.key === state.current) renderMessagesSoon();
      markReadSoon();
      return;
    }
    case "TOPIC": {
      const conv = conversation(channelKey(body.channel), { name: body.channel });
      conv.topic = body.topic;
      addSystemLine(conv, `${body.by} set the topic: ${body.topic}`);
      renderHeader();
      return;
    }
    case "PING":
      if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify({ PONG: {} }));
      return;
    case "NOTICE":
      if (body.code === "shutting_down") setStatus("connecting", "Server restarting…");
      if (endsLogin(body.code)) {
        endSession(body.code);
        return;
      }
      notice(`${body.message || body.code}`);
      return;
    default:
      return;
  }
}

export function loadMembers(conv) {
  if (!conv.needWho || conv.kind !== "channel") return;
  conv.needWho = false;
  send("WHO", { channel: conv.name }).then(
    (who) => setMembers(conv, who.members),
    () => (conv.needWho = true)
  );
}

function setMembers(conv, members) {
  conv.members = new Map(members.map((m) => [fold(m.user), m]));
  renderMembers();
}

export function applyJoinResult(result) {
  const conv = conversation(channelKey(result.channel), { name: result.channel });
  conv.joined = true;
  conv.needWho = false;
  conv.membersFromOk = true;
  conv.topic = result.topic || "";
  setMembers(conv, result.members || []);
  renderHeader();
  renderSidebar();
  rememberGuestChannels();
  return conv;
}

export function applyRead(conv, id) {
  if (id <= conv.read) return;
  conv.read = id;
  if (id >= Math.max(lastId(conv), conv.lastId || 0)) {
    conv.unread = 0;
    conv.mentions = 0;
  } else if (conv.loaded) {
    const after = conv.messages.filter((m) => m.id > id && !isMe(m.from) && !m.deleted);
    conv.unread = Math.min(conv.unread, after.length);
    conv.mentions = Math.min(conv.mentions, after.filter(mentionsMe).length);
  }
  renderSidebar();
}
