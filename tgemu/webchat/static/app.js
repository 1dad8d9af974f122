// The web chat: every chat of the emulator side by side; type as anyone in it.
// The server pushes the world over a websocket; actions are small JSON POSTs.
// Text is never parsed as HTML: messages come as text + entities, built with DOM calls.
"use strict";

const S = {
  meta: null, users: new Map(), chats: new Map(), layout: [], messages: new Map(),
  panels: new Map(), myQueries: new Set(), now: null, nowAt: 0,
};
const $ = (sel, root = document) => root.querySelector(sel);
const el = (tag, cls, text) => {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
};

// --- talking to the server ---------------------------------------------------------------

function connect() {
  const ws = new WebSocket(`ws://${location.host}/ws`);
  ws.onopen = () => { $("#link").textContent = ""; };
  ws.onmessage = (event) => apply(JSON.parse(event.data));
  ws.onclose = () => {
    $("#link").textContent = "连接已断开，正在重连…";
    setTimeout(connect, 1000);
  };
}

async function post(action, body) {
  const isForm = body instanceof FormData;
  const response = await fetch(`/api/${action}`, {
    method: "POST", body: isForm ? body : JSON.stringify(body),
    headers: isForm ? {} : { "Content-Type": "application/json" },
  });
  const answer = await response.json().catch(() => ({ error: "服务器没有回应" }));
  if (!response.ok) toast(answer.error || "操作失败", true);
  return response.ok ? answer : null;
}

function apply(batch) {
  if (batch.meta) setMeta(batch.meta);
  if (batch.now) { S.now = new Date(batch.now); S.nowAt = Date.now(); showNow(); }
  for (const user of batch.users || []) S.users.set(user.id, user);
  if (batch.chats) for (const chat of batch.chats) { S.chats.set(chat.id, chat); drawPanel(chat); }
  if (batch.layout) { S.layout = batch.layout; arrange(); }
  if (batch.chats && !batch.layout) arrange();
  for (const message of batch.messages || []) drawMessage(message);
  for (const [query, answer] of Object.entries(batch.answers || {})) {
    if (S.myQueries.delete(query) && answer.text) toast(answer.text, answer.show_alert);
  }
}

// --- the page frame: title, clock, chat list ------------------------------------------------

function setMeta(meta) {
  S.meta = meta;
  document.title = meta.title;
  $("#title").textContent = meta.title;
  $("#clock").hidden = !meta.clock;
  const notes = $("#notes");
  notes.replaceChildren(...meta.notes.map((line) => el("p", "", line)));
  notes.hidden = meta.notes.length === 0;
}

function formatTime(date, withDay = true) {
  const options = { timeZone: S.meta ? S.meta.timezone : "UTC", hour: "2-digit", minute: "2-digit", hour12: false };
  if (withDay) Object.assign(options, { month: "numeric", day: "numeric", weekday: "short" });
  return new Intl.DateTimeFormat("zh-CN", options).format(date);
}

function showNow() {
  if (!S.now) return;
  const ticking = Date.now() - S.nowAt;  // the simulated clock also runs at wall speed
  $("#now").textContent = formatTime(new Date(S.now.getTime() + ticking));
}

async function jump(button) {
  const buttons = document.querySelectorAll(".jumps button");
  buttons.forEach((b) => { b.disabled = true; });
  $("#now").textContent = "时间前进中…";
  const answer = await post("clock", { minutes: Number(button.dataset.minutes) });
  buttons.forEach((b) => { b.disabled = false; });
  if (answer) { S.now = new Date(answer.now); S.nowAt = Date.now(); toast(answer.summary); }
  showNow();
}

function arrange() {
  // Sections from the host (residents, staff groups, ...); any other chat goes last.
  const placed = new Set(S.layout.flatMap(([, ids]) => ids));
  const rest = [...S.chats.keys()].filter((id) => !placed.has(id));
  const sections = [...S.layout, ...(rest.length ? [["其他", rest]] : [])];
  const nav = $("#nav");
  nav.replaceChildren();
  for (const [label, ids] of sections) {
    const group = el("div", "nav-section");
    group.append(el("span", "nav-label", label));
    for (const id of ids) {
      const panel = S.panels.get(id);
      if (!panel) continue;
      $("#panels").append(panel.node);
      const chip = el("button", "chip", S.chats.get(id).title);
      chip.dataset.chat = id;
      chip.onclick = () => { chip.classList.remove("new"); panel.node.scrollIntoView({ behavior: "smooth", inline: "start" }); };
      panel.chip = chip;
      group.append(chip);
    }
    nav.append(group);
  }
}

// --- one panel per chat --------------------------------------------------------------------

function drawPanel(chat) {
  let panel = S.panels.get(chat.id);
  if (!panel) {
    const node = $("#panel-template").content.firstElementChild.cloneNode(true);
    node.dataset.chat = chat.id;
    panel = { node, chat: chat.id, topic: null, replyTo: null, as: null, editing: null };
    S.panels.set(chat.id, panel);
    wirePanel(panel);
    $("#panels").append(node);
  }
  const node = panel.node;
  $(".panel-title", node).textContent = chat.title;
  const people = chat.members.filter((id) => !(S.users.get(id) || {}).bot);
  $(".panel-sub", node).textContent = chat.type === "private"
    ? "与机器人的私聊" : `${chat.forum ? "话题群" : "群组"} · ${people.length} 人${chat.bot_in_chat ? "" : " · 机器人不在群内"}`;
  const select = $(".as", node);
  const current = select.value;
  select.replaceChildren(...people.map((id) => {
    const option = el("option", "", (S.users.get(id) || { name: String(id) }).name);
    option.value = id;
    return option;
  }));
  if (people.includes(Number(current))) select.value = current;
  select.hidden = chat.type === "private";
  drawTopics(panel, chat);
  drawKeyboard(panel, chat);
}

function wirePanel(panel) {
  const node = panel.node;
  const form = $(".composer", node), box = $("textarea", node);
  const base = () => ({ user: Number($(".as", node).value), chat: panel.chat, reply_to: panel.replyTo });
  const sent = () => { box.value = ""; setReply(panel, null); setEditing(panel, null); $(".attach", node).hidden = true; };
  form.onsubmit = async (event) => {
    event.preventDefault();
    if (!box.value.trim()) return;
    const editing = panel.editing;
    if (editing) {  // the sender changes their own message: the bot gets an edited_message
      const body = { user: editing.from, chat: panel.chat, message: editing.id, text: box.value };
      if (await post("edit", body)) sent();
      return;
    }
    if (await post("send", { ...base(), text: box.value, thread: panel.topic })) sent();
  };
  box.onkeydown = (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); form.requestSubmit(); }
  };
  $(".plus", node).onclick = () => { $(".attach", node).hidden = !$(".attach", node).hidden; };
  $(".cancel-reply", node).onclick = () => setReply(panel, null);
  $(".cancel-edit", node).onclick = () => { setEditing(panel, null); box.value = ""; };
  $(".pick-album input", node).onchange = async (event) => {
    const files = [...event.target.files];
    if (!files.length) return;
    const data = new FormData();
    for (const [key, value] of Object.entries(base())) if (value !== null) data.append(key, value);
    data.append("caption", box.value);
    for (const file of files) data.append("photos", file);
    if (await post("album", data)) sent();
    event.target.value = "";
  };
  $(".pick-photo input", node).onchange = async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    const data = new FormData();
    for (const [key, value] of Object.entries(base())) if (value !== null) data.append(key, value);
    data.append("caption", box.value);
    data.append("photo", file);
    if (await post("photo", data)) sent();
    event.target.value = "";
  };
  $(".send-location", node).onclick = async () => {
    const body = { ...base(), latitude: $(".lat", node).value, longitude: $(".lon", node).value };
    if (await post("location", body)) sent();
  };
  $(".send-contact", node).onclick = async () => {
    if (await post("contact", { ...base(), phone: $(".phone", node).value })) sent();
  };
  $(".lat", node).value = "39.9075";
  $(".lon", node).value = "116.3972";
}

function drawTopics(panel, chat) {
  const bar = $(".topics", panel.node);
  bar.hidden = !chat.forum;
  if (!chat.forum) return;
  const tabs = [{ id: null, name: "General" }, ...chat.topics];
  bar.replaceChildren(...tabs.map((topic) => {
    const tab = el("button", "topic" + (topic.id === panel.topic ? " active" : ""), topic.name);
    tab.type = "button";
    tab.dataset.topic = topic.id === null ? "" : topic.id;
    tab.onclick = () => { panel.topic = topic.id; drawTopics(panel, chat); filterTopic(panel); };
    return tab;
  }));
}

function filterTopic(panel) {
  if (!S.chats.get(panel.chat).forum) return;
  for (const node of panel.node.querySelectorAll(".msg")) {
    const thread = node.dataset.thread ? Number(node.dataset.thread) : null;
    node.hidden = thread !== panel.topic;
  }
  scrollDown(panel);
}

function drawKeyboard(panel, chat) {
  const board = $(".keyboard", panel.node);
  board.hidden = !chat.keyboard;
  if (!chat.keyboard) return;
  board.replaceChildren(...chat.keyboard.map((row) => {
    const line = el("div", "row");
    for (const key of row) {
      const button = el("button", "", key.text);
      button.type = "button";
      button.onclick = () => {
        const user = Number($(".as", panel.node).value);
        if (key.contact) { $(".attach", panel.node).hidden = false; $(".phone", panel.node).focus(); }
        else if (key.location) { $(".attach", panel.node).hidden = false; }
        else post("send", { user, chat: panel.chat, text: key.text });
      };
      line.append(button);
    }
    return line;
  }));
}

function setReply(panel, message) {
  panel.replyTo = message ? message.id : null;
  const bar = $(".replying", panel.node);
  bar.hidden = !message;
  if (message) {
    $(".replying-text", bar).textContent = `回复 ${message.from_name}：${summary(message)}`;
    $("textarea", panel.node).focus();
  }
}

function setEditing(panel, message) {
  panel.editing = message || null;
  const bar = $(".editing", panel.node);
  bar.hidden = !message;
  $(".send", panel.node).textContent = message ? "保存修改" : "发送";
  if (message) {
    setReply(panel, null);
    $(".editing-text", bar).textContent = `编辑 ${message.from_name} 的消息`;
    const box = $("textarea", panel.node);
    box.value = message.text || "";
    box.focus();
  }
}

function scrollDown(panel) {
  const list = $(".messages", panel.node);
  list.scrollTop = list.scrollHeight;
}

// --- messages ------------------------------------------------------------------------------

function summary(message) {
  const label = { photo: "[照片]", location: "[位置]", contact: "[电话]", document: "[文件]", voice: "[语音]" }[message.kind] || "";
  return `${label}${message.text || ""}`.split("\n")[0].slice(0, 40);
}

function drawMessage(message) {
  const key = `${message.chat}:${message.id}`;
  S.messages.set(key, message);
  const panel = S.panels.get(message.chat);
  if (!panel) return;
  const node = message.service ? el("div", "msg service", `话题已创建：${message.text}`) : messageNode(message, panel);
  node.dataset.id = message.id;
  node.dataset.thread = message.thread ?? "";
  const list = $(".messages", panel.node);
  const old = $(`.msg[data-id="${message.id}"]`, list);
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  if (old) old.replaceWith(node); else list.append(node);
  if (S.chats.get(message.chat).forum) node.hidden = (message.thread ?? null) !== panel.topic;
  if (old) { node.classList.add("flash"); return; }
  if (atBottom || !message.bot) scrollDown(panel);
  if (panel.chip) panel.chip.classList.add("new");
}

function messageNode(message, panel) {
  const node = el("div", `msg ${message.bot ? "from-bot" : "from-user"}`);
  const head = el("div", "who", message.from_name);
  head.append(el("time", "", formatTime(new Date(message.date))));
  if (message.edited) head.append(el("span", "edited", "已编辑"));
  node.append(head);
  const quoted = message.reply_to && S.messages.get(`${message.chat}:${message.reply_to}`);
  if (quoted && !quoted.service) node.append(el("div", "quote", `${quoted.from_name}：${summary(quoted)}`));
  if (message.kind === "photo" && message.file) {
    const img = el("img", "photo");
    img.src = `/files/${encodeURIComponent(message.file.id)}`;
    img.alt = "照片";
    node.append(img);
  } else if (message.file) {
    const link = el("a", "file", `📄 ${message.file.name || message.kind}`);
    link.href = `/files/${encodeURIComponent(message.file.id)}`;
    link.download = message.file.name || "";
    node.append(link);
  }
  if (message.location) node.append(el("div", "place", `📍 ${message.location.latitude.toFixed(5)}, ${message.location.longitude.toFixed(5)}`));
  if (message.contact) node.append(el("div", "place", `📞 ${message.contact.phone_number}`));
  if (message.text) {
    const text = el("div", "text");
    text.append(renderText(message.text, message.entities));
    node.append(text);
  }
  if (message.buttons.length) node.append(buttonsNode(message, panel));
  const reply = el("button", "reply", "回复");
  reply.type = "button";
  reply.onclick = () => setReply(panel, message);
  node.append(reply);
  if (!message.bot && (message.kind === "text" || message.text)) {  // people edit what they sent
    const edit = el("button", "reply edit", "编辑");
    edit.type = "button";
    edit.onclick = () => setEditing(panel, message);
    node.append(edit);
  }
  return node;
}

function buttonsNode(message, panel) {
  const keyboard = el("div", "buttons");
  for (const row of message.buttons) {
    const line = el("div", "row");
    for (const button of row) {
      const node = el(button.url ? "a" : "button", "button", button.text);
      if (button.url) {
        if (/^(https?|tg):/i.test(button.url)) node.href = button.url;
        node.target = "_blank";
        node.rel = "noopener noreferrer";
      } else {
        node.type = "button";
        node.onclick = async () => {
          const user = Number($(".as", panel.node).value);
          const answer = await post("press", { user, chat: message.chat, message: message.id, data: button.callback_data });
          if (answer) S.myQueries.add(answer.query);
        };
      }
      line.append(node);
    }
    keyboard.append(line);
  }
  return keyboard;
}

// Telegram's formatting entities as elements; offsets count UTF-16 units, as JS strings do.
const TAGS = {
  bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre",
  blockquote: "blockquote", expandable_blockquote: "blockquote", text_link: "a", url: "a",
};

function renderText(text, entities) {
  const fragment = document.createDocumentFragment();
  const sorted = [...(entities || [])].sort((a, b) => a.offset - b.offset || b.length - a.length);
  build(fragment, text, sorted, 0, text.length);
  return fragment;
}

function build(parent, text, entities, start, end) {
  let pos = start;
  entities.forEach((entity, index) => {
    if (entity.offset < pos || entity.offset >= end) return;  // nested in one already drawn
    const stop = Math.min(entity.offset + entity.length, end);
    parent.append(text.slice(pos, entity.offset));
    const node = el(TAGS[entity.type] || "span", `e-${entity.type}`);
    const href = entity.type === "text_link" ? entity.url : entity.type === "url" ? text.slice(entity.offset, stop) : null;
    if (href && /^(https?|tg):/i.test(href)) { node.href = href; node.target = "_blank"; node.rel = "noopener noreferrer"; }
    const inner = entities.filter((e, i) => i > index && e.offset >= entity.offset && e.offset + e.length <= stop);
    build(node, text, inner, entity.offset, stop);
    parent.append(node);
    pos = stop;
  });
  parent.append(text.slice(pos, end));
}

// --- toasts --------------------------------------------------------------------------------

function toast(text, alert = false) {
  const note = el("div", alert ? "toast alert" : "toast", text);
  $("#toasts").append(note);
  setTimeout(() => note.remove(), alert ? 8000 : 5000);
  note.onclick = () => note.remove();
}

$("#add-user").onclick = () => {
  const name = prompt("新用户的名字（例如：居民 周秀英）");
  if (name) post("user", { name });
};
$("#add-group").onclick = () => {
  const title = prompt("群名（所有用户都会在群里，机器人是管理员）");
  if (!title) return;
  const forum = confirm("设为话题群？（每件诉求一个话题）");
  const members = [...S.users.values()].filter((u) => !u.bot).map((u) => u.id);
  post("group", { title, forum, members });
};
document.querySelectorAll(".jumps button").forEach((button) => { button.onclick = () => jump(button); });
setInterval(showNow, 15000);
connect();
