// Live pages: one WebSocket to /ws/push/, subscribed to the topics the page names in
// data-live-topics; any work-order event refreshes the element (htmx "live-refresh").
(function () {
  "use strict";
  var el = document.querySelector("[data-live-topics]");
  if (!el || !window.WebSocket) return;
  var topics = JSON.parse(el.getAttribute("data-live-topics"));
  var pending = null;
  var retry = 1000;
  function refresh() {
    clearTimeout(pending);
    pending = setTimeout(function () { htmx.trigger(el, "live-refresh"); }, 300);
  }
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
