// The import's progress bar and counts, polled from /imports/<id>/status (no reload needed).
(function () {
  var box = document.getElementById("import-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("import-bar");
  function show(s) {
    Object.keys(s).forEach(function (k) {
      box.querySelectorAll('[data-count="' + k + '"]').forEach(function (el) {
        el.textContent = s[k];
        var holder = el.closest("[data-zero-hides]");  // zero counts are not shown
        if (holder) { holder.hidden = !s[k]; }
      });
    });
    box.querySelector('[data-field="state"]').textContent = s.state;
    bar.max = s.queued || 1;
    bar.value = s.sent + s.failed;
  }
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) { return; }
        show(s);
        if (s.pending + s.unknown > 0) { setTimeout(poll, 1000); }
        else if (box.getAttribute("data-state") === "sending") { window.location.reload(); }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  if (box.getAttribute("data-state") === "sending") { setTimeout(poll, 1000); }
})();
