// Streams a playground answer: posts the form with fetch() and reads NDJSON lines
// ({"type": "delta", "text"} ... {"type": "done", "html"}) from the response body.
// Without JavaScript the form posts normally and the page reloads with the answer.
(function () {
  "use strict";
  const form = document.getElementById("chat-form");
  const log = document.getElementById("chat-log");
  if (!form || !log || !window.fetch || !window.ReadableStream) return;
  const text = window.PLAYGROUND_TEXT || {};
  const input = form.querySelector("textarea[name=message]");
  const button = form.querySelector("button[type=submit]");
  const counter = document.getElementById("chat-count");
  const maxChars = Number(input.dataset.maxChars) || 0;
  // The counter appears once the message reaches this share of the limit.
  const COUNTER_FROM = 0.8;

  // The answer's paragraph rules, as in agents/templatetags/answers.py: a blank line separates
  // paragraphs, and a paragraph of the form “quote” [n] is a block quote of source n
  // (providers/extractive.py writes them). Text goes in with textContent only: answers quote
  // uploaded documents, which may contain markup.
  const PARAGRAPH_BREAK = /\n\s*\n/;
  const QUOTE_PARAGRAPH = /^\u201c([^\n]+)\u201d(?: \[([0-9]+)\])?$/;

  function paragraph(content) {
    const element = document.createElement("p");
    element.textContent = content;
    return element;
  }

  function blockQuote(quote, number) {
    const element = document.createElement("blockquote");
    element.className = "answer-quote";
    const body = paragraph(quote);
    if (number) {
      const reference = document.createElement("span");
      reference.className = "answer-ref";
      reference.textContent = "[" + number + "]";
      body.append(" ", reference);
    }
    element.append(body);
    return element;
  }

  // Replace the content of container with the blocks of text. While the answer streams, its
  // last paragraph may be a quote whose closing mark has not arrived yet: it is shown as a
  // block quote already, so the layout does not jump when the mark arrives.
  function renderAnswer(container, answer, streaming) {
    const parts = answer.split(PARAGRAPH_BREAK)
      .map((part) => part.replace(/^\n+|\n+$/g, ""))
      .filter((part) => part.trim());
    const blocks = parts.map((part, index) => {
      const match = QUOTE_PARAGRAPH.exec(part.trim());
      if (match) return blockQuote(match[1], match[2]);
      const open = part.trimStart();
      if (streaming && index === parts.length - 1 && open.startsWith("\u201c")) return blockQuote(open.slice(1), "");
      return paragraph(part);
    });
    container.replaceChildren(...blocks);
  }

  function bubble(role, className, label, content) {
    const article = document.createElement("article");
    article.className = "chat-message chat-" + role + (className ? " " + className : "");
    const who = document.createElement("div");
    who.className = "chat-role";
    who.textContent = label;
    const body = document.createElement("div");
    body.className = "chat-text";
    body.textContent = content;
    article.append(who, body);
    log.querySelector(".chat-empty")?.remove();
    log.append(article);
    article.scrollIntoView({ block: "end" });
    return article;
  }

  function replaceWithHtml(element, html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    element.replaceWith(...template.content.childNodes);
  }

  function setConversation(id) {
    if (!id) return;
    document.querySelectorAll("input[name=conversation]").forEach((field) => { field.value = id; });
    const url = new URL(window.location.href);
    url.searchParams.set("conversation", id);
    url.searchParams.delete("retry");
    window.history.replaceState(null, "", url);
  }

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, (match, name) => (name in values ? String(values[name]) : match));
  }

  // Count characters as the server does: Python's len() of the stripped text, in code points,
  // after the form submission turned each line break into CRLF (two characters).
  function messageLength(value) {
    const stripped = value.trim();
    const lineBreaks = (stripped.match(/\n/g) || []).length;
    return Array.from(stripped).length + lineBreaks;
  }

  // Show the counter near the limit and mark the input invalid above it. Return true when
  // the message fits.
  function updateCounter() {
    if (!maxChars || !counter) return true;
    const count = messageLength(input.value);
    const over = count - maxChars;
    counter.hidden = count < maxChars * COUNTER_FROM;
    counter.classList.toggle("chat-count-over", over > 0);
    counter.removeAttribute("role");
    counter.textContent = format(over > 0 ? text.over : text.count, { count, limit: maxChars, over });
    if (over > 0) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    return over <= 0;
  }

  function showTooLong() {
    counter.hidden = false;
    counter.classList.add("chat-count-over");
    counter.setAttribute("role", "alert");
    counter.textContent = format(text.tooLong, { count: messageLength(input.value), limit: maxChars });
    input.focus();
  }

  function showError(element, message) {
    element.classList.add("chat-failed");
    const warning = document.createElement("p");
    warning.className = "chat-warning";
    warning.textContent = message;
    element.querySelector(".chat-text").after(warning);
  }

  async function send(formElement) {
    const data = new FormData(formElement);
    const message = (data.get("message") || "").trim();
    if (!message) { showError(bubble("assistant", "", text.agent, ""), text.empty); return; }
    // An over-long message stays in the input so the user can shorten it.
    if (formElement === form && !updateCounter()) { showTooLong(); return; }
    bubble("user", "", text.you, message);
    const answer = bubble("assistant", "chat-streaming", text.agent, "");
    const answerText = answer.querySelector(".chat-text");
    answerText.classList.add("chat-answer");
    let received = "";
    button.disabled = true;
    if (formElement === form) { input.value = ""; updateCounter(); }
    try {
      const response = await fetch(formElement.action, {
        method: "POST",
        body: data,
        headers: { Accept: "application/x-ndjson", "X-CSRFToken": data.get("csrfmiddlewaretoken") },
        credentials: "same-origin",
      });
      const type = response.headers.get("Content-Type") || "";
      if (!response.ok || !type.startsWith("application/x-ndjson")) {
        let errorMessage = text.failed;
        try { errorMessage = (await response.json()).error.message; } catch (ignored) { /* not JSON */ }
        answer.classList.remove("chat-streaming");
        showError(answer, errorMessage);
        return;
      }
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let newline;
        while ((newline = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          if (!line.trim()) continue;
          const event = JSON.parse(line);
          if (event.type === "delta") {
            received += event.text;
            renderAnswer(answerText, received, true);
            answer.scrollIntoView({ block: "end" });
          } else if (event.type === "done") {
            setConversation(event.conversation_id);
            replaceWithHtml(answer, event.html);
          }
        }
      }
    } catch (error) {
      answer.classList.remove("chat-streaming");
      showError(answer, text.failed);
    } finally {
      button.disabled = false;
      input.focus();
    }
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); send(form); });
  log.addEventListener("submit", (event) => {
    if (event.target.classList.contains("retry-form")) { event.preventDefault(); send(event.target); }
  });
  input.addEventListener("input", updateCounter);
  updateCounter();  // a retried question arrives in the input
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); form.requestSubmit(); }
  });
})();
