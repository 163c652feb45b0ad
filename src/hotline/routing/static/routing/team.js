// The team lead's view: agents' states and queue figures live over the push socket, with
// listen / whisper / barge on an agent's call. Pushes carry codes; the page's labels
// (team-labels) show them in the reader's language.
(function () {
  "use strict";
  var table = document.getElementById("team");
  if (!table) return;
  var labels = JSON.parse(document.getElementById("team-labels").textContent);
  var csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
  var message = document.getElementById("team-message");
  var figures = {}, figuresAt = Date.now();
  function fmt(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }
  function agentState(data) {
    var row = table.querySelector('tr[data-agent="' + data.agent_id + '"]');
    if (!row) return;
    var pill = row.querySelector('[data-f="state"]');
    pill.dataset.state = data.state;
    pill.textContent = labels.states[data.state] || data.state;
    row.dataset.state = data.state;
    row.querySelector('[data-f="reason"]').textContent =
      data.state === "not_ready" ? (labels.reasons[data.reason] || data.reason || "") : "";
    row.querySelector('[data-f="since"]').textContent = new Date((data.at || Date.now() / 1000) * 1000).toLocaleTimeString();
    row.querySelector('[data-f="calls_today"]').textContent = data.calls_today;
    var onCall = data.state === "talking" || data.state === "holding";
    row.querySelectorAll("button[data-spy]").forEach(function (b) { b.hidden = !onCall; });
  }
  function showFigures(queues) {
    figures = queues || {};
    figuresAt = Date.now();
    document.querySelectorAll("#team-queues tr[data-queue]").forEach(function (row) {
      var f = figures[row.dataset.queue];
      if (!f) return;
      ["waiting", "ready", "staffed"].forEach(function (k) { row.querySelector('[data-f="' + k + '"]').textContent = f[k]; });
      row.classList.toggle("hot", f.waiting > 0 && f.ready === 0);
    });
    tick();
  }
  function tick() {
    var elapsed = (Date.now() - figuresAt) / 1000;
    document.querySelectorAll("#team-queues tr[data-queue]").forEach(function (row) {
      var f = figures[row.dataset.queue];
      if (f) row.querySelector('[data-f="oldest_wait"]').textContent = f.waiting ? fmt(f.oldest_wait + elapsed) : "–";
    });
  }
  table.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-spy]");
    if (!button) return;
    fetch(table.dataset.supervise.replace("/0/", "/" + button.dataset.agent + "/"), {
      method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": csrf},
      body: new URLSearchParams({op: button.dataset.spy})
    }).then(function (r) { return r.json(); }).then(function (result) {
      message.textContent = result.message || "";
    });
  });
  var delay = 500;
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/ws/push/");
    socket.onopen = function () {
      delay = 500;
      socket.send(JSON.stringify({subscribe: table.dataset.topics.split(" ")}));
    };
    socket.onmessage = function (event) {
      var push = JSON.parse(event.data);
      if (push.type === "agent.state") agentState(push.data);
      else if (push.type === "queue.figures") showFigures(push.data.queues);
    };
    socket.onclose = function () { setTimeout(connect, delay); delay = Math.min(delay * 2, 10000); };
  }
  showFigures(JSON.parse(document.getElementById("team-figures").textContent));
  setInterval(tick, 1000);
  connect();
})();
