/*
 * FlexyAgents web widget. Embed with:
 *   <script src="https://<server>/static/widget/flexy-widget.js" data-widget-id="<widget id>" async></script>
 * Optional attributes: data-lang="en" | "zh-Hans" (default: the browser's language),
 * data-api-base="https://<server>" (default: the origin this script was loaded from).
 *
 * The widget lives in a shadow root, so the host page's CSS does not change it. All text from
 * the server is inserted with textContent or text nodes, never as HTML: answers quote uploaded
 * documents, which may contain markup.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script) {
    script = document.querySelector("script[data-widget-id]");
  }
  if (!script) {
    return;
  }
  var widgetId = script.getAttribute("data-widget-id");
  var apiBase = script.getAttribute("data-api-base") || new URL(script.src, document.baseURI).origin;
  var lang = script.getAttribute("data-lang") || navigator.language || "en";
  lang = /^zh/i.test(lang) ? "zh-Hans" : "en";
  var endpoint = apiBase + "/widget/" + encodeURIComponent(widgetId) + "/";
  var storageKey = "flexy-widget:" + widgetId;

  function storedVisitorId() {
    try {
      var id = localStorage.getItem("flexy-widget-visitor");
      if (!id) {
        id = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + "-" + Math.random().toString(16).slice(2));
        localStorage.setItem("flexy-widget-visitor", id);
      }
      return id;
    } catch (error) {
      return "";
    }
  }

  function storedConversation() {
    try {
      return sessionStorage.getItem(storageKey + ":conversation");
    } catch (error) {
      return null;
    }
  }

  function storeConversation(id) {
    try {
      sessionStorage.setItem(storageKey + ":conversation", id);
    } catch (error) {
      /* Private browsing may forbid storage: the conversation then lasts for this page only. */
    }
  }

  function safeColor(value) {
    return /^#[0-9a-fA-F]{6}$/.test(value || "") ? value : "#2f6fde";
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  // The answer's paragraph rules, as in agents/templatetags/answers.py: a blank line separates
  // paragraphs, and a paragraph of the form “quote” [n] is a block quote of source n.
  var PARAGRAPH_BREAK = /\n\s*\n/;
  var QUOTE_PARAGRAPH = /^\u201c([^\n]+)\u201d(?: \[([0-9]+)\])?$/;

  function blockQuote(quote, number) {
    var quoteElement = element("blockquote", "quote");
    var body = element("p", "", quote);
    if (number) {
      body.appendChild(document.createTextNode(" "));
      body.appendChild(element("span", "ref", "[" + number + "]"));
    }
    quoteElement.appendChild(body);
    return quoteElement;
  }

  // Replace the content of container with the blocks of answer. While the answer streams, its
  // last paragraph may be a quote whose closing mark has not arrived yet: it is shown as a
  // block quote already, so the layout does not jump when the mark arrives.
  function renderAnswer(container, answer, streaming) {
    var parts = answer.split(PARAGRAPH_BREAK).map(function (part) {
      return part.replace(/^\n+|\n+$/g, "");
    }).filter(function (part) {
      return part.trim();
    });
    while (container.firstChild) {
      container.removeChild(container.firstChild);
    }
    parts.forEach(function (part, index) {
      var match = QUOTE_PARAGRAPH.exec(part.trim());
      var open = part.replace(/^\s+/, "");
      if (match) {
        container.appendChild(blockQuote(match[1], match[2]));
      } else if (streaming && index === parts.length - 1 && open.charAt(0) === "\u201c") {
        container.appendChild(blockQuote(open.slice(1), ""));
      } else {
        container.appendChild(element("p", "", part));
      }
    });
  }

  var STYLE = [
    ":host { all: initial; }",
    ".root { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; font: 15px/1.45 -apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, 'PingFang SC', 'Noto Sans CJK SC', Arial, sans-serif; color: #1c2333; }",
    ".bubble { width: 56px; height: 56px; border-radius: 50%; border: 0; cursor: pointer; color: #fff; background: var(--brand); box-shadow: 0 6px 18px rgba(0,0,0,.22); display: flex; align-items: center; justify-content: center; }",
    ".bubble svg { width: 26px; height: 26px; fill: currentColor; }",
    ".panel { position: absolute; right: 0; bottom: 70px; width: 360px; max-width: calc(100vw - 40px); height: 500px; max-height: calc(100vh - 110px); background: #fff; border-radius: 14px; box-shadow: 0 12px 40px rgba(0,0,0,.25); display: flex; flex-direction: column; overflow: hidden; }",
    ".panel[hidden] { display: none; }",
    ".header { background: var(--brand); color: #fff; padding: 12px 14px; display: flex; align-items: center; justify-content: space-between; gap: 8px; }",
    ".title { font-weight: 650; font-size: 16px; }",
    ".close { background: transparent; border: 0; color: #fff; font-size: 22px; line-height: 1; cursor: pointer; padding: 0 4px; }",
    ".log { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 10px; background: #f6f8fb; }",
    ".msg { max-width: 86%; padding: 8px 11px; border-radius: 12px; white-space: pre-wrap; word-wrap: break-word; }",
    ".msg-user { align-self: flex-end; background: var(--brand); color: #fff; border-bottom-right-radius: 4px; }",
    ".msg-bot { align-self: flex-start; background: #fff; border: 1px solid #e1e6ef; border-bottom-left-radius: 4px; }",
    ".msg-error { align-self: center; background: #fdecea; color: #b42318; font-size: 13px; }",
    ".answer { white-space: normal; }",
    ".answer p { margin: 0 0 8px; white-space: pre-wrap; }",
    ".answer > :last-child, .answer blockquote > p { margin-bottom: 0; }",
    ".quote { margin: 0 0 8px; padding: 4px 0 4px 10px; border-left: 3px solid var(--brand); color: #37425a; }",
    ".ref { font-size: 12px; font-weight: 600; color: var(--brand); white-space: nowrap; }",
    ".sources { margin-top: 6px; padding-top: 6px; border-top: 1px solid #e1e6ef; font-size: 12.5px; color: #5d6b82; }",
    ".sources ol { margin: 2px 0 0; padding-left: 18px; }",
    ".sources a { color: var(--brand); }",
    ".form { display: flex; gap: 6px; padding: 10px; border-top: 1px solid #e1e6ef; background: #fff; }",
    ".input { flex: 1; border: 1px solid #cfd6e3; border-radius: 8px; padding: 8px 10px; font: inherit; resize: none; }",
    ".send { border: 0; border-radius: 8px; padding: 0 14px; background: var(--brand); color: #fff; font: inherit; font-weight: 600; cursor: pointer; }",
    ".send:disabled { opacity: .6; cursor: default; }",
  ].join("\n");

  var texts = {};
  var conversationId = storedConversation();
  var visitorId = storedVisitorId();
  var busy = false;

  function build(config) {
    texts = config.texts || {};
    var host = element("div");
    host.setAttribute("data-flexy-widget", widgetId);
    var shadow = host.attachShadow({ mode: "open" });
    var style = element("style");
    style.textContent = STYLE;
    shadow.appendChild(style);

    var root = element("div", "root");
    root.style.setProperty("--brand", safeColor(config.brand_color));
    root.setAttribute("lang", lang);

    var panel = element("section", "panel");
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", texts.title || config.organization);
    var header = element("div", "header");
    header.appendChild(element("div", "title", texts.title || config.organization));
    var close = element("button", "close", "×");
    close.type = "button";
    close.setAttribute("aria-label", texts.close || "Close");
    header.appendChild(close);
    var log = element("div", "log");
    log.setAttribute("aria-live", "polite");
    log.appendChild(element("div", "msg msg-bot", texts.greeting || ""));
    var form = element("form", "form");
    var input = element("textarea", "input");
    input.rows = 1;
    input.placeholder = texts.placeholder || "";
    input.setAttribute("aria-label", texts.placeholder || "");
    var send = element("button", "send", texts.send || "Send");
    send.type = "submit";
    form.appendChild(input);
    form.appendChild(send);
    panel.appendChild(header);
    panel.appendChild(log);
    panel.appendChild(form);

    var bubble = element("button", "bubble");
    bubble.type = "button";
    bubble.setAttribute("aria-label", texts.open || "Open");
    bubble.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>';

    function toggle(open) {
      panel.hidden = !open;
      bubble.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) {
        input.focus();
      }
    }
    bubble.addEventListener("click", function () { toggle(panel.hidden); });
    close.addEventListener("click", function () { toggle(false); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (!text || busy) {
        return;
      }
      input.value = "";
      ask(text, log, send);
    });

    root.appendChild(panel);
    root.appendChild(bubble);
    shadow.appendChild(root);
    document.body.appendChild(host);
  }

  function addSources(bubble, citations) {
    if (!citations || !citations.length) {
      return;
    }
    var box = element("div", "sources", texts.sources || "Sources");
    var list = element("ol");
    citations.forEach(function (citation) {
      var item = element("li");
      var url = citation.url || "";
      if (/^https?:\/\//i.test(url)) {
        var link = element("a", "", citation.label || url);
        link.href = url;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        item.appendChild(link);
      } else {
        item.textContent = citation.label || url;
      }
      list.appendChild(item);
    });
    box.appendChild(list);
    bubble.appendChild(box);
  }

  function showError(log, message) {
    log.appendChild(element("div", "msg msg-error", message));
    log.scrollTop = log.scrollHeight;
  }

  function ask(text, log, send) {
    busy = true;
    send.disabled = true;
    log.appendChild(element("div", "msg msg-user", text));
    var answer = element("div", "msg msg-bot", texts.thinking || "…");
    var answerBody = element("div", "answer");
    var received = "";
    log.appendChild(answer);
    log.scrollTop = log.scrollHeight;
    var started = false;

    function finish() {
      busy = false;
      send.disabled = false;
    }

    fetch(endpoint + "chat?lang=" + encodeURIComponent(lang), {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/x-ndjson" },
      body: JSON.stringify({ message: text, conversation_id: conversationId, visitor_id: visitorId }),
    }).then(function (response) {
      if (!response.ok) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          answer.remove();
          var message = (body && body.error && body.error.message) || texts.failed || "Error";
          showError(log, message);
          if (response.status === 404 && body && body.error && body.error.code === "conversation_not_found") {
            conversationId = null;
          }
        });
      }
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var buffer = "";

      function handle(line) {
        if (!line.trim()) {
          return;
        }
        var event = JSON.parse(line);
        if (event.type === "delta") {
          if (!started) {
            answer.textContent = "";
            answer.appendChild(answerBody);
            started = true;
          }
          received += event.text;
          renderAnswer(answerBody, received, true);
        } else if (event.type === "done") {
          renderAnswer(answerBody, received, false);
          if (event.conversation_id) {
            conversationId = event.conversation_id;
            storeConversation(conversationId);
          }
          if (event.status === "partial") {
            showError(log, texts.partial || "");
          }
          addSources(answer, event.citations);
        } else if (event.type === "error") {
          answer.remove();
          showError(log, (event.error && event.error.message) || texts.failed || "Error");
        }
        log.scrollTop = log.scrollHeight;
      }

      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) {
            handle(buffer);
            return;
          }
          buffer += decoder.decode(chunk.value, { stream: true });
          var lines = buffer.split("\n");
          buffer = lines.pop();
          lines.forEach(handle);
          return pump();
        });
      }
      return pump();
    }).catch(function () {
      answer.remove();
      showError(log, texts.failed || "Error");
    }).then(finish);
  }

  function start() {
    fetch(endpoint + "config?lang=" + encodeURIComponent(lang), { headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("FlexyAgents widget " + widgetId + ": configuration request failed with HTTP " + response.status);
        }
        return response.json();
      })
      .then(build)
      .catch(function (error) {
        if (window.console) {
          console.warn(error.message || error);
        }
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
