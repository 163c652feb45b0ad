// Keyboard habits of people who use Hotline all day.
// "/" jumps to the page's search box; Escape leaves a field.
document.addEventListener("keydown", (event) => {
  const target = event.target;
  const typing = target instanceof HTMLElement && target.closest("input, textarea, select, [contenteditable]");
  if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
    const search = document.querySelector("input[type=search]");
    if (search) {
      event.preventDefault();
      search.focus();
      search.select();
    }
  } else if (event.key === "Escape" && typing) {
    target.blur();
  }
});

// Keys that send an htmx request arrive as plain events, because htmx's trigger filters
// (keydown[key=='Escape']) are evaluated code, which the Content-Security-Policy forbids:
// Escape inside a form fires "key-escape" on the form (hx-trigger="key-escape from:closest
// form"), Ctrl+Enter fires "key-ctrl-enter" on the focused element.
document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (!(target instanceof Element)) return;
  if (event.key === "Escape") {
    const form = target.closest("form");
    if (form) form.dispatchEvent(new CustomEvent("key-escape", { bubbles: true }));
  } else if (event.key === "Enter" && event.ctrlKey) {
    target.dispatchEvent(new CustomEvent("key-ctrl-enter", { bubbles: true }));
  }
}, true);

// A hidden field with data-copy-from="<id>" takes the value of that element when its form is
// sent (an export form sends what the search box holds now, not what the page was made with).
document.addEventListener("submit", (event) => {
  event.target.querySelectorAll("input[data-copy-from]").forEach((input) => {
    const source = document.getElementById(input.dataset.copyFrom);
    if (source) input.value = source.value;
  });
}, true);

// An htmx request that fails must never fail silently, nor wipe what the user typed: the
// target is left alone and the message goes into the error area of the form that sent it.
// Hotline's own error fragments (header X-Hotline-Error, e.g. "busy") carry a translated
// message; any other failure gets the page's generic one.
function errorArea(elt) {
  const form = elt.closest("form");
  const holder = form || elt;
  let area = form ? form.querySelector(".form-error") : elt.nextElementSibling;
  if (!area || !area.classList.contains("form-error")) {
    area = document.createElement("div");
    area.className = "form-error";
    area.setAttribute("role", "alert");
    if (form) form.prepend(area); else holder.insertAdjacentElement("afterend", area);
  }
  return area;
}

document.addEventListener("htmx:beforeRequest", (event) => {
  const form = event.detail.elt.closest("form");
  const area = form ? form.querySelector(".form-error") : null;
  if (area) area.remove();
});

document.addEventListener("htmx:beforeSwap", (event) => {
  const { xhr, requestConfig } = event.detail;
  if (xhr.status < 400) return;
  event.detail.shouldSwap = false;
  event.detail.isError = true;
  // The event fires on the swap target; the message belongs to the element that asked.
  const area = errorArea(requestConfig ? requestConfig.elt : event.detail.elt);
  if (xhr.getResponseHeader("X-Hotline-Error")) {
    area.innerHTML = xhr.responseText;
  } else {
    area.textContent = document.body.dataset.errorMessage;
  }
});

document.addEventListener("htmx:sendError", (event) => {
  errorArea(event.detail.elt).textContent = document.body.dataset.offlineMessage;
});

// Pushes: one WebSocket per page to /ws/push/. Elements with data-push-topic name the
// topics the page shows ("customer.42"); every message is dispatched on document.body as a
// DOM event "push:<type with dots as dashes>" (customer.updated → push:customer-updated)
// with the message as its detail, so htmx (hx-trigger="push:customer-updated from:body")
// or a few lines of script can react. The socket reconnects with back-off.
(() => {
  const MAX_DELAY = 30000;
  let socket = null;
  let timer = null;
  let delay = 1000;
  let subscribed = new Set();

  const topics = () =>
    [...new Set([...document.querySelectorAll("[data-push-topic]")].map((el) => el.dataset.pushTopic))];

  const subscribe = () => {
    const wanted = topics().filter((topic) => !subscribed.has(topic));
    if (socket && socket.readyState === WebSocket.OPEN && wanted.length) {
      socket.send(JSON.stringify({ subscribe: wanted }));
      wanted.forEach((topic) => subscribed.add(topic));
    }
  };

  const connect = () => {
    timer = null;
    if (socket || !topics().length || !("WebSocket" in window)) return;
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/ws/push/");
    subscribed = new Set();
    socket.addEventListener("open", () => {
      delay = 1000;
      subscribe();
    });
    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (!message || typeof message.type !== "string") return;
      document.body.dispatchEvent(
        new CustomEvent("push:" + message.type.replace(/\./g, "-"), { detail: message, bubbles: true }),
      );
    });
    socket.addEventListener("close", (event) => {
      socket = null;
      if (event.code === 4401) return; // logged out: a reload brings the login page
      timer = window.setTimeout(connect, delay + Math.random() * 500);
      delay = Math.min(delay * 2, MAX_DELAY);
    });
  };

  document.addEventListener("DOMContentLoaded", connect);
  // Content swapped in by htmx may show more topics.
  document.addEventListener("htmx:afterSettle", () => {
    if (socket) subscribe();
    else if (!timer) connect();
  });
})();

// A page whose object someone else changed says so, with a reload link
// (<p class="push-banner" data-push-topic="customer.42" data-push-me="<username>" hidden>).
document.addEventListener("DOMContentLoaded", () => {
  const changed = (event) => {
    const message = event.detail || {};
    document.querySelectorAll(".push-banner[data-push-topic]").forEach((banner) => {
      const by = (message.data && message.data.by) || "";
      if (banner.dataset.pushTopic !== message.topic || !by || by === banner.dataset.pushMe) return;
      const text = (banner.dataset.changedBy || "Changed by %(name)s.").replace("%(name)s", by);
      banner.querySelector("[data-push-text]").textContent = text;
      banner.hidden = false;
    });
  };
  ["push:customer-updated", "push:customer-merged", "push:customer-merge_undone"].forEach((name) =>
    document.body.addEventListener(name, changed),
  );
});

// On a phone a table.grid (or table.stack) shows each row as lines (hotline.css). Every cell
// gets its column's header as data-label so those lines keep their names; a label the
// template wrote itself wins. Runs on the page and on whatever htmx swaps in.
function labelStackedCells(root) {
  const tables = new Set(root.querySelectorAll ? root.querySelectorAll("table.grid, table.stack") : []);
  const own = root.closest ? root.closest("table.grid, table.stack") : null;
  if (own) tables.add(own);
  tables.forEach((table) => {
    const head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!head) return;
    const names = [];
    [...head.cells].forEach((th) => {
      for (let i = 0; i < th.colSpan; i += 1) names.push(th.textContent.trim());
    });
    [...table.tBodies].forEach((body) => {
      [...body.rows].forEach((row) => {
        let column = 0;
        [...row.cells].forEach((cell) => {
          if (cell.colSpan === 1 && !cell.dataset.label && names[column]) cell.dataset.label = names[column];
          // A stacked line with a name and nothing after it is noise (a .grid's cells are
          // rendered by the server, so "empty now" stays true until htmx swaps the row).
          if (table.classList.contains("grid")) cell.toggleAttribute("data-empty", !cell.textContent.trim() && !cell.querySelector("input, select, button, img, audio"));
          column += cell.colSpan;
        });
      });
    });
  });
}

document.addEventListener("DOMContentLoaded", () => labelStackedCells(document));
document.addEventListener("htmx:load", (event) => labelStackedCells(event.target));
