// Remove a revealed secret from the page after its data-auto-hide delay (seconds), both on
// a full page load and when htmx swaps the secret fragment in.
(function () {
  function schedule(root) {
    root.querySelectorAll("[data-auto-hide]").forEach(function (box) {
      if (box.dataset.hideScheduled) return;
      box.dataset.hideScheduled = "1";
      var seconds = parseInt(box.dataset.autoHide, 10) || 30;
      setTimeout(function () {
        var note = document.createElement("p");
        note.className = "muted";
        note.textContent = box.dataset.hiddenText || "";
        box.replaceWith(note);
      }, seconds * 1000);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { schedule(document); });
  document.addEventListener("htmx:afterSwap", function (event) { schedule(event.target.parentNode || document); });
})();
