// The agent desktop: softphone bar, screen pop, wrap-up, queue figures, keyboard shortcuts.
// One WebSocket (/ws/push/) subscribed to this agent's topic and the live queue figures; it
// reconnects by itself and reloads the state from the server when it does. Pushes carry
// codes; the page's own labels (desk-config) show them in the agent's language.
(function () {
  "use strict";
  var desk = document.getElementById("desk");
  if (!desk) return;
  var config = JSON.parse(document.getElementById("desk-config").textContent);
  var text = config.text;
  var csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
  var $ = function (id) { return document.getElementById(id); };
  var stateEl = $("desk-state"), reasonEl = $("desk-reason"), timerEl = $("desk-timer");
  var pendingEl = $("desk-pending"), messageEl = $("desk-message"), popEl = $("desk-pop");
  var wrapEl = $("desk-wrapup"), wrapForm = $("desk-wrap-form"), callEl = $("desk-call");
  var baseTitle = document.title;

  // Which buttons make sense in which state (the switchboard has the last word).
  var OPS = {
    logged_out: ["login"],
    not_ready: ["ready", "not_ready", "logout"],
    ready: ["not_ready", "logout"],
    reserved: ["answer", "hangup", "not_ready", "logout"],
    talking: ["hold", "hangup", "transfer", "consult", "conference_add", "conference_drop", "not_ready", "logout"],
    holding: ["unhold", "hangup", "transfer", "consult", "not_ready", "logout"],
    wrap_up: ["not_ready", "logout"]
  };
  var CONSULT_OPS = ["consult_complete", "consult_cancel", "hangup"];
  // Called in by a colleague (consulted or in their conference): answer, or leave.
  var PARTY_OPS = {reserved: ["answer", "hangup"], talking: ["hangup"]};
  var TARGET_OPS = ["transfer", "consult", "conference_add", "conference_drop"];

  var agent = {state: desk.dataset.agentState, reason: "", since: Date.now(), pending: "", at: 0};
  var call = null;        // the call on the phone: {id, answeredAt, consult}
  var wrapCall = null;    // the call to wrap up
  var consulting = false; // an attended transfer is under way
  var figures = {}, figuresAt = Date.now();

  function post(url, data) {
    return fetch(url, {method: "POST", body: new URLSearchParams(data), credentials: "same-origin",
                       headers: {"X-CSRFToken": csrf}})
      .then(function (r) { return r.json(); })
      .catch(function () { return {ok: false, message: text.reconnecting}; });
  }
  function say(message, ok) {
    messageEl.textContent = message || "";
    messageEl.className = ok ? "ok" : "";
  }
  function fmt(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }
  function label(kind, code) { return (config[kind] || {})[code] || code || ""; }

  function updateButtons() {
    var allowed = consulting ? CONSULT_OPS :
      (call && call.consult ? (PARTY_OPS[agent.state] || []) : (OPS[agent.state] || []));
    desk.querySelectorAll("button[data-op]").forEach(function (button) {
      var op = button.dataset.op;
      var on = allowed.indexOf(op) >= 0;
      button.disabled = !on;
      if (op === "hold" || op === "unhold" || op.indexOf("consult_") === 0) button.hidden = !on;
      if (op === "login") button.hidden = agent.state !== "logged_out";
      if (op === "logout") button.hidden = agent.state === "logged_out";
    });
  }

  function idle() {
    if (call || wrapCall && !wrapEl.hidden && popEl.dataset.call) return;
    var key = {logged_out: "idle_logged_out", not_ready: "idle_not_ready", ready: "idle_ready"}[agent.state];
    if (!key) return;
    popEl.classList.remove("ringing");
    popEl.dataset.call = "";
    popEl.innerHTML = "";
    var p = document.createElement("p");
    p.className = "pop-idle";
    p.id = "desk-idle";
    p.textContent = text[key];
    popEl.appendChild(p);
  }

  function setState(state, reason, at, callId, pending) {
    // A state older than the one shown (a slow reload answering after a push) is stale.
    if (at && at < agent.at) return;
    if (at) agent.at = at;
    var before = agent.state;
    agent.state = state;
    agent.reason = reason || "";
    agent.since = at ? at * 1000 : Date.now();
    if (pending !== undefined) agent.pending = pending;
    if (["ready", "not_ready", "logged_out"].indexOf(state) >= 0 || !at) agent.pending = "";
    stateEl.dataset.state = state;
    desk.dataset.agentState = state;
    stateEl.textContent = label("states", state);
    reasonEl.textContent = state === "not_ready" ? label("reasons", reason) : "";
    pendingEl.textContent = agent.pending ? text.pending.replace("%(state)s", label("states", agent.pending)) : "";
    document.title = (state === "reserved" ? "☎ " + text.ringing_title + " · " : "") + baseTitle;
    popEl.classList.toggle("ringing", state === "reserved");
    if (state === "wrap_up") {
      wrapCall = callId || wrapCall || (call && call.id);
      openWrapUp(false);
    } else if (before === "wrap_up" && !wrapEl.hidden && state === "ready" && wrapCall) {
      openWrapUp(true); // the limit ran out: the agent may still save the disposition
    }
    if (["talking", "holding"].indexOf(state) >= 0 && callId) {
      if (!call || call.id !== callId) loadCall(callId);
      if (call && !call.answeredAt) call.answeredAt = Date.now();
    }
    if (["ready", "not_ready", "logged_out", "wrap_up"].indexOf(state) >= 0) {
      if (call && before === "reserved" && state !== "wrap_up") {
        showEnded(reason === "ring_no_answer" ? label("reasons", reason) : text.abandoned);
      }
      call = null;
      consulting = false;
      callEl.hidden = true;
    }
    if (state === "reserved" && callId && (!call || call.id !== callId)) loadCall(callId);
    updateButtons();
    idle();
    tickTimers();
  }

  function showEnded(message) {
    var note = document.createElement("p");
    note.className = "alert ended";
    note.textContent = message;
    popEl.insertBefore(note, popEl.firstChild);
  }

  function openWrapUp(late) {
    wrapEl.hidden = false;
    wrapEl.classList.toggle("late", !!late);
    $("desk-wrap-note").hidden = !late;
    $("desk-wrap-note").textContent = late ? text.wrap_late : "";
  }
  function closeWrapUp() {
    wrapEl.hidden = true;
    wrapForm.reset();
    showWrapErrors({});
    wrapCall = null;
  }
  // Errors by field: the field is marked and focused; what the agent typed stays.
  function showWrapErrors(errors, message) {
    $("desk-wrap-errors").textContent = Object.keys(errors).map(function (k) { return errors[k].join(" "); }).join(" ") || message || "";
    var first = null;
    wrapForm.querySelectorAll("[name]").forEach(function (field) {
      var bad = !!errors[field.name];
      if (bad) field.setAttribute("aria-invalid", "true"); else field.removeAttribute("aria-invalid");
      if (bad && !first) first = field;
    });
    if (first) first.focus();
  }

  function showCallStrip(data) {
    $("desk-caller").textContent = data.customer ? data.customer.name : text.unknown;
    $("desk-number").textContent = data.number || "";
    $("desk-queue").textContent = label("queues", data.queue) || data.queue || "";
    $("desk-queue").hidden = !data.queue;
    callEl.hidden = false;
  }

  // A call is offered (push) or found on reload: show who it is at once, then the full pop.
  function showOffer(data) {
    if (wrapCall && wrapCall !== data.call_id && !wrapEl.hidden && agent.state !== "wrap_up") closeWrapUp();
    call = {id: data.call_id, answeredAt: null, consult: !!data.consult};
    showCallStrip(data);
    popEl.dataset.call = data.call_id;
    popEl.classList.add("ringing");
    popEl.innerHTML = "";
    var head = document.createElement("div");
    head.className = "pop-head";
    var h = document.createElement("h2");
    h.textContent = (data.customer ? data.customer.name : text.unknown);
    head.appendChild(h);
    var sub = document.createElement("span");
    sub.className = "muted";
    sub.textContent = (data.direction === "out" ? text.callback : (data.consult ? text.consult_offer : text.offered)) +
      " · " + (data.number || "") + " · " + (label("queues", data.queue) || "");
    head.appendChild(sub);
    popEl.appendChild(head);
    loadPop(data.call_id);
  }

  // The switchboard pushes the pop as the phone rings and writes the offer just after: a
  // panel asked for in between is not found yet, so a 404 is asked again a moment later.
  function loadPop(callId, attempt) {
    attempt = attempt || 0;
    fetch(config.urls.pop.replace("CALL", callId), {credentials: "same-origin"})
      .then(function (r) {
        if (r.status === 404 && attempt < 4 && popEl.dataset.call === callId) {
          setTimeout(function () { loadPop(callId, attempt + 1); }, 150 * (attempt + 1));
          return "";
        }
        return r.ok ? r.text() : "";
      })
      .then(function (html) {
        if (!html || popEl.dataset.call !== callId) return;
        var ringing = agent.state === "reserved";
        popEl.innerHTML = html;
        if (window.htmx) window.htmx.process(popEl); // the call script's answer buttons
        popEl.classList.toggle("ringing", ringing);
      });
  }

  // After a reload mid-call: the pop tells who the caller is.
  function loadCall(callId) {
    call = {id: callId, answeredAt: agent.state === "reserved" ? null : agent.since, consult: false};
    popEl.dataset.call = callId;
    fetch(config.urls.pop.replace("CALL", callId), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) {
        if (!html || popEl.dataset.call !== callId || !call || call.id !== callId) return;
        popEl.innerHTML = html;
        if (window.htmx) window.htmx.process(popEl);
        var head = popEl.querySelector(".pop-head");
        showCallStrip({customer: {name: head.querySelector("h2").textContent},
                       number: (head.querySelector(".pd") || {}).textContent, queue: ""});
        $("desk-queue").textContent = (head.querySelector('[data-pop="queue"]') || {}).textContent || "";
        $("desk-queue").hidden = false;
      });
  }

  function callUpdated(data) {
    if (!call || data.call_id !== call.id) return;
    if (data.kind === "answered" && !call.answeredAt) call.answeredAt = Date.now();
    if (data.kind === "consulting") consulting = true;
    if (data.kind === "consult_answered") say(data.message || "", true);
    if (data.kind === "consult_cancelled" || data.kind === "transferred") consulting = false;
    // The colleague who called this agent in handed the caller over: the call is theirs now.
    if (data.kind === "transferred" || data.kind === "conference_handover") call.consult = false;
    if (data.kind === "conference_not_answered") say(label("reasons", "ring_no_answer"));
    if (data.kind === "consult_not_answered") { consulting = false; say(label("reasons", "ring_no_answer")); }
    if (data.kind === "abandoned" && agent.state === "reserved") showEnded(text.abandoned);
    updateButtons();
  }

  function showFigures(queues) {
    figures = queues || {};
    figuresAt = Date.now();
    desk.querySelectorAll("#desk-queues tr[data-queue]").forEach(function (row) {
      var f = figures[row.dataset.queue];
      if (!f) return;
      row.querySelector('[data-f="waiting"]').textContent = f.waiting;
      row.querySelector('[data-f="ready"]').textContent = f.ready;
      row.querySelector('[data-f="staffed"]').textContent = f.staffed;
      row.classList.toggle("hot", f.waiting > 0 && f.ready === 0);
    });
    tickFigures();
  }
  function tickFigures() {
    var elapsed = (Date.now() - figuresAt) / 1000;
    desk.querySelectorAll("#desk-queues tr[data-queue]").forEach(function (row) {
      var f = figures[row.dataset.queue];
      if (!f) return;
      row.querySelector('[data-f="oldest_wait"]').textContent = f.waiting ? fmt(f.oldest_wait + elapsed) : "–";
    });
  }

  function refresh() {
    return fetch(config.urls.state, {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (!data.ok) { say(data.message); return; }
        if (data.agent) {
          var a = data.agent;
          if (a.call_id && (a.state === "reserved" || a.state === "talking" || a.state === "holding") &&
              (!call || call.id !== a.call_id)) loadCall(a.call_id);
          if (a.state === "wrap_up" && a.call_id) wrapCall = a.call_id;
          consulting = !!a.consulting;
          agent.wrapDeadline = a.wrap_up_deadline;
          setState(a.state, a.reason, a.since, a.call_id, a.pending === "logout" ? "logged_out" : (a.pending || ""));
        }
        showFigures(data.queues);
      }).catch(function () {});
  }

  function command(op) {
    var data = {op: op};
    if (op === "not_ready") data.reason = $("desk-reasons").value;
    if (TARGET_OPS.indexOf(op) >= 0) {
      var number = $("desk-transfer-number").value.trim();
      var target = $("desk-transfer").value;
      if (number) data.number = number;
      else if (target.indexOf("queue:") === 0 && op === "transfer") data.queue = target.slice(6);
      else if (target.indexOf("agent:") === 0) data.to_agent = target.slice(6);
      // Dropping without a choice drops the only third party.
      else if (op !== "conference_drop") { $("desk-transfer").focus(); return Promise.resolve(null); }
    }
    return post(config.urls.command, data).then(function (result) {
      say(result.ok ? "" : (result.message || result.error));
      if (result.error === "disposition_required") { // save the wrap-up first
        wrapCall = result.call_id || wrapCall;
        if (wrapEl.hidden) openWrapUp(false);
        showWrapErrors({disposition: [result.message]});
      }
      if (result.ok && result.pending) { // asked for during a call: shown until it applies
        agent.pending = op === "logout" ? "logged_out" : "not_ready";
        pendingEl.textContent = text.pending.replace("%(state)s", label("states", agent.pending));
      }
      if (result.ok && op === "consult") consulting = true;
      if (result.ok && (op === "consult_complete" || op === "consult_cancel")) consulting = false;
      if (result.ok && TARGET_OPS.indexOf(op) >= 0) { $("desk-transfer").value = ""; $("desk-transfer-number").value = ""; }
      updateButtons();
      return result;
    });
  }

  var delay = 500;
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/ws/push/");
    socket.onopen = function () {
      delay = 500;
      say("");
      socket.send(JSON.stringify({subscribe: config.topics}));
      refresh();
    };
    socket.onmessage = function (message) {
      var push = JSON.parse(message.data);
      var data = push.data || {};
      if (push.type === "call.offered") showOffer(data);
      else if (push.type === "agent.state") {
        agent.wrapDeadline = data.wrap_up_deadline;
        setState(data.state, data.reason, data.at, data.call_id);
      }
      else if (push.type === "call.updated") callUpdated(data);
      else if (push.type === "queue.figures") showFigures(data.queues);
    };
    socket.onclose = function () {
      say(text.reconnecting);
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }

  desk.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-op]");
    if (button && !button.disabled) command(button.dataset.op);
  });
  wrapForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var callId = wrapCall;
    if (!callId) { post(config.urls.command, {op: "wrap_up_done"}).then(refresh); closeWrapUp(); return; }
    var form = new FormData(wrapForm);
    post(config.urls.wrap.replace("CALL", callId), {
      disposition: form.get("disposition") || "", note: form.get("note") || ""
    }).then(function (result) {
      if (!result.ok) { showWrapErrors(result.errors || {}, result.message); return; }
      if (wrapCall === callId) closeWrapUp();
      say(text.wrapped, true);
      document.body.dispatchEvent(new CustomEvent("desk-refresh"));
      if (agent.state === "wrap_up") refresh();
      idle();
    });
  });

  // Alt+letter shortcuts (event.code, so they work whatever the keyboard layout).
  var KEYS = {KeyL: "login", KeyR: "ready", KeyN: "not_ready", KeyA: "answer", KeyX: "hangup",
              KeyG: "consult_complete", KeyB: "consult_cancel", KeyJ: "conference_drop"};
  var WITH_TARGET = {KeyT: "transfer", KeyU: "consult", KeyK: "conference_add"};
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    var op = KEYS[event.code];
    if (event.code === "KeyH") op = agent.state === "holding" ? "unhold" : "hold";
    if (op) {
      var button = desk.querySelector('button[data-op="' + op + '"]');
      event.preventDefault();
      if (button && !button.disabled) command(op);
      return;
    }
    if (WITH_TARGET[event.code]) {
      event.preventDefault();
      var withTarget = desk.querySelector('button[data-op="' + WITH_TARGET[event.code] + '"]');
      if (!($("desk-transfer").value || $("desk-transfer-number").value.trim())) $("desk-transfer").focus();
      else if (withTarget && !withTarget.disabled) command(WITH_TARGET[event.code]);
    } else if (event.code === "KeyW" && !wrapEl.hidden) {
      event.preventDefault();
      wrapForm.requestSubmit();
    } else if (event.code === "KeyC" || event.code === "KeyO") {
      var link = $(event.code === "KeyC" ? "pop-customer" : "pop-order");
      if (link) { event.preventDefault(); link.click(); }
    }
  });

  function tickTimers() {
    timerEl.textContent = fmt((Date.now() - agent.since) / 1000);
    if (call && call.answeredAt) $("desk-call-timer").textContent = fmt((Date.now() - call.answeredAt) / 1000);
    else $("desk-call-timer").textContent = "";
    if (!wrapEl.hidden && agent.state === "wrap_up" && agent.wrapDeadline) {
      $("desk-wrap-timer").textContent = fmt(agent.wrapDeadline - Date.now() / 1000);
    }
    tickFigures();
  }
  setInterval(tickTimers, 1000);
  setInterval(refresh, 30000); // a safety net: pushes carry every change
  setState(agent.state, "", null, null);
  connect();
})();
