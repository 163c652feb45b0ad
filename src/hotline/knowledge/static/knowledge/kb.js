// Knowledge base in the browser: live announcements over the push socket, the rich-text
// editor (Jodit, served from our own static files) on the article form.
(() => {
  "use strict";

  // Elements with data-kb-topics="kbarea.all kbarea.12" refresh themselves (htmx trigger
  // "kb:refresh") when a push arrives for one of their topics.
  function watchTopics() {
    const panels = Array.from(document.querySelectorAll("[data-kb-topics]"));
    if (!panels.length || !("WebSocket" in window)) return;
    const topics = new Set();
    panels.forEach((el) => el.dataset.kbTopics.split(/\s+/).filter(Boolean).forEach((t) => topics.add(t)));
    let delay = 1000;
    const connect = () => {
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      const socket = new WebSocket(`${scheme}://${location.host}/ws/push/`);
      socket.onopen = () => { delay = 1000; socket.send(JSON.stringify({ subscribe: Array.from(topics) })); };
      socket.onmessage = (message) => {
        let data;
        try { data = JSON.parse(message.data); } catch (_) { return; }
        if (!data.topic) return;
        panels.forEach((el) => {
          if (el.dataset.kbTopics.split(/\s+/).includes(data.topic) && window.htmx) {
            window.htmx.trigger(el, "kb:refresh");
          }
        });
      };
      socket.onclose = (event) => {
        if (event.code === 4401) return; // logged out
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 30000);
      };
    };
    connect();
  }

  function startEditors() {
    const areas = document.querySelectorAll("textarea[data-editor=jodit]");
    if (!areas.length || !window.Jodit) return;
    const lang = (document.documentElement.lang || "zh-hans").startsWith("zh") ? "zh_cn" : "en";
    const csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
    areas.forEach((area) => {
      const editor = window.Jodit.make(area, {
        language: lang,
        height: 420,
        toolbarAdaptive: false,
        buttons: "bold,italic,underline,strikethrough,|,ul,ol,|,paragraph,|,table,link,image,file,|,hr,eraser,undo,redo,source",
        // The source view's code editor (Ace) and HTML beautifier would be fetched from a
        // public CDN: Hotline is self-hosted and loads nothing from outside, so the source
        // view is a plain text area.
        sourceEditor: "area",
        hidePoweredByJodit: true,
        beautifyHTML: false,
        askBeforePasteHTML: false,
        askBeforePasteFromWord: false,
        defaultActionOnPaste: "insert_clear_html",
        uploader: {
          url: area.dataset.uploadUrl,
          insertImageAsBase64URI: false,
          headers: csrf ? { "X-CSRFToken": csrf.value } : {},
          filesVariableName: () => "files[]",
        },
      });
      // Jodit copies its content into the textarea a moment after each change: a save
      // clicked right after typing must still send what was typed.
      if (area.form) area.form.addEventListener("submit", () => { area.value = editor.value; });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    watchTopics();
    startEditors();
  });
})();
