// Filter long lists of choices (relation pages) as the user types; the form works without it.
document.querySelectorAll("input[data-filter]").forEach(function (input) {
  var box = document.getElementById(input.getAttribute("data-filter"));
  if (!box) { return; }
  input.hidden = false;
  input.previousElementSibling.hidden = false;
  var timer = null;
  function applyFilter() {
    var needle = input.value.trim().toLowerCase();
    box.querySelectorAll("label").forEach(function (label) {
      label.hidden = needle !== "" && label.textContent.toLowerCase().indexOf(needle) === -1;
    });
  }
  // The list shows the first pages only; ask the server for matches beyond them.
  function searchServer() {
    var needle = input.value.trim();
    var url = input.getAttribute("data-search-url");
    if (!url || needle.length < 2) { return; }
    fetch(url + "?q=" + encodeURIComponent(needle), {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : {items: []}; })
      .then(function (data) {
        data.items.forEach(function (item) {
          if (box.querySelector('input[value="' + item.id + '"]')) { return; }
          var label = document.createElement("label");
          var check = document.createElement("input");
          label.className = "check";
          check.type = "checkbox";
          check.name = input.getAttribute("data-name");
          check.value = item.id;
          label.appendChild(check);
          label.appendChild(document.createTextNode(" " + item.label));
          box.appendChild(label);
        });
        applyFilter();
      })
      .catch(function () { /* the local filter still works */ });
  }
  input.addEventListener("input", function () {
    applyFilter();
    clearTimeout(timer);
    timer = setTimeout(searchServer, 300);
  });
});

// People and related pages are fetched when the person asks for them, so opening the form costs
// no Notion call for them. Without JavaScript the link reloads the page with the list.
document.querySelectorAll("[data-choices-url] a[data-load-choices]").forEach(function (link) {
  link.addEventListener("click", function (event) {
    var box = link.closest("[data-choices-url]");
    var name = box.getAttribute("data-name");
    var chosen = {};
    box.querySelectorAll("input[type=checkbox]").forEach(function (input) {
      chosen[input.value] = input;
    });
    event.preventDefault();
    link.textContent = "Loading…";
    fetch(box.getAttribute("data-choices-url"), {credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        data.items.forEach(function (item) {
          var existing = chosen[item.id];
          if (existing) {
            existing.parentNode.lastChild.textContent = " " + item.label;
            return;
          }
          var label = document.createElement("label");
          var input = document.createElement("input");
          label.className = "check";
          input.type = "checkbox";
          input.name = name;
          input.value = item.id;
          label.appendChild(input);
          label.appendChild(document.createTextNode(" " + item.label));
          box.insertBefore(label, link.parentNode);
        });
        if (!box.querySelector("input[type=checkbox]")) { link.removeAttribute("id"); }
        var first = box.querySelector("input[type=checkbox]");
        if (first && !document.getElementById(name)) { first.id = name; }
        if (data.message) {  // e.g. Notion will not list the workspace's people
          var note = document.createElement("p");
          note.className = "muted";
          note.textContent = data.message;
          box.appendChild(note);
        }
        link.parentNode.remove();
      })
      .catch(function () {
        link.textContent = "Could not load the list — try again";
      });
  });
});
