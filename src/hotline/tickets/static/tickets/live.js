// Live pages: one WebSocket to /ws/push/, subscribed to the topics the page names in
// data-live-topics; any work-order event refreshes the element (htmx "live-refresh").
(function () {
  "use strict";
  var el = document.querySelector("[data-live-topics]");
  if (!el || !window.WebSocket) return;
  var topics = JSON.parse(el.getAttribute("data-live-topics"));
  var pending = null;
  var retry = 1000;
  // data-live-hold="#part": no refresh while the user is typing inside it (the refresh
  // waits until the field loses focus), so a half-written note is never swapped away.
  var hold = el.getAttribute("data-live-hold");
  var held = false;
  function typing() {
    var active = document.activeElement;
    return !!(hold && active && active.closest && active.closest(hold) &&
      /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName));
  }
  // What the user wrote but did not send survives the swap: fields of forms named by
  // data-form, whose value differs from the page's, are put back afterwards.
  var drafts = null;
  function fields() {
    var part = hold && document.querySelector(hold);
    return part ? part.querySelectorAll("form[data-form] [name]") : [];
  }
  function key(field) { return field.form.getAttribute("data-form") + "|" + field.name; }
  function keepDrafts() {
    drafts = {};
    Array.prototype.forEach.call(fields(), function (field) {
      if (field.type === "file" || field.type === "hidden") return;
      if ("defaultValue" in field && field.value !== field.defaultValue) drafts[key(field)] = field.value;
    });
  }
  document.addEventListener("htmx:afterSwap", function () {
    if (!drafts) return;
    Array.prototype.forEach.call(fields(), function (field) {
      if (Object.prototype.hasOwnProperty.call(drafts, key(field))) field.value = drafts[key(field)];
    });
    drafts = null;
  });
  function refresh() {
    clearTimeout(pending);
    if (typing()) { held = true; el.setAttribute("data-live-held", "on"); return; }
    el.removeAttribute("data-live-held");
    pending = setTimeout(function () { keepDrafts(); htmx.trigger(el, "live-refresh"); }, 300);
  }
  document.addEventListener("focusout", function () {
    if (held) setTimeout(function () { if (held && !typing()) { held = false; refresh(); } }, 0);
  });
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/ws/push/");
    socket.onopen = function () {
      retry = 1000;
      socket.send(JSON.stringify({ subscribe: topics }));
    };
    socket.onmessage = function (message) {
      var data = JSON.parse(message.data);
      if (data.type === "subscribed") {
        el.setAttribute("data-live", "on");
      } else if (data.type && data.type.indexOf("ticket.") === 0) {
        refresh();
      }
    };
    socket.onclose = function () {
      el.setAttribute("data-live", "off");
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    };
  }
  connect();
})();
