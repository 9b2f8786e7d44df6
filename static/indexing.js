// Right after a connect Notion's search is still indexing: reload the list soon, unless the
// person has started typing a link (nothing typed is lost). Without JavaScript: "Check again".
(function () {
  var note = document.querySelector("[data-refresh-seconds]");
  if (!note) { return; }
  var seconds = Math.max(3, parseInt(note.getAttribute("data-refresh-seconds"), 10) || 10);
  setTimeout(function () {
    var link = document.getElementById("link");
    if (link && (link.value || document.activeElement === link)) { return; }
    window.location.reload();
  }, seconds * 1000);
})();
