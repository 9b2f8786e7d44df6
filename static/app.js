// People and related pages: an ARIA 1.2 combobox (a text input with a listbox popup) per field.
// The choices are fetched when the combobox is first focused, so opening the form costs no Notion
// call for them; typing filters them (relations also ask the server for pages beyond the first
// ones). A picked choice becomes a checked checkbox in the field's "chosen" list, which is what
// the form sends. Without JavaScript the page offers the checkboxes and a link that lists them.
(function () {
  "use strict";

  function byValue(container, value) {
    var found = null;
    container.querySelectorAll("input[type=checkbox]").forEach(function (input) {
      if (input.value === value) { found = input; }
    });
    return found;
  }

  function checkbox(name, id, label) {
    var wrap = document.createElement("label");
    var input = document.createElement("input");
    wrap.className = "check";
    input.type = "checkbox";
    input.name = name;
    input.value = id;
    input.checked = true;
    wrap.appendChild(input);
    wrap.appendChild(document.createTextNode(" " + label));
    return wrap;
  }

  function setUp(picker) {
    var name = picker.getAttribute("data-name");
    var url = picker.getAttribute("data-choices-url");
    var chosen = picker.querySelector(".chosen");
    var combo = picker.querySelector(".combo");
    var input = combo.querySelector("[role=combobox]");
    var listbox = combo.querySelector("[role=listbox]");
    var status = combo.querySelector(".choices-status");
    var items = [];
    var loaded = null;  // the Promise of the first fetch
    var active = -1;
    var shown = [];
    var timer = null;

    // Checked boxes of the server-rendered list join the chosen ones; the rest is the combobox's.
    picker.querySelectorAll("[data-fallback]").forEach(function (fallback) {
      fallback.querySelectorAll("input[type=checkbox]:checked").forEach(function (box) {
        chosen.appendChild(box.closest("label"));
      });
      fallback.remove();
    });
    combo.hidden = false;

    function say(text) { status.textContent = text; }

    function merge(more) {
      more.forEach(function (item) {
        if (!items.some(function (known) { return known.id === item.id; })) { items.push(item); }
        var box = byValue(chosen, item.id);
        if (box && /^ (Person|Page) /.test(box.parentNode.lastChild.textContent)) {
          box.parentNode.lastChild.textContent = " " + item.label;
        }
      });
    }

    function fetchItems(query) {
      var target = query ? url + "?q=" + encodeURIComponent(query) : url;
      return fetch(target, {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        });
    }

    function load() {
      if (!loaded) {
        say("Loading the choices…");
        loaded = fetchItems("").then(function (data) {
          merge(data.items || []);
          if (data.message) { say(data.message); }
          return data;
        }).catch(function (error) {
          loaded = null;  // focus again to retry
          say("Could not load the choices. Focus the field again to retry.");
          throw error;
        });
      }
      return loaded;
    }

    function isChosen(id) {
      var box = byValue(chosen, id);
      return Boolean(box && box.checked);
    }

    function setActive(index) {
      var options = listbox.querySelectorAll("[role=option]");
      active = index;
      options.forEach(function (option, i) {
        option.classList.toggle("active", i === index);
      });
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({block: "nearest"});
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function open() {
      listbox.hidden = shown.length === 0;
      input.setAttribute("aria-expanded", shown.length ? "true" : "false");
    }

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      setActive(-1);
    }

    function render() {
      var needle = input.value.trim().toLowerCase();
      shown = items.filter(function (item) {
        return needle === "" || item.label.toLowerCase().indexOf(needle) !== -1;
      });
      listbox.textContent = "";
      shown.forEach(function (item, i) {
        var option = document.createElement("li");
        option.id = input.id + "-option-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", isChosen(item.id) ? "true" : "false");
        option.textContent = item.label;
        option.addEventListener("mousedown", function (event) { event.preventDefault(); });
        option.addEventListener("click", function () { pick(i); });
        listbox.appendChild(option);
      });
      if (!shown.length) {
        say(needle ? "Nothing matches “" + input.value.trim() + "”." : "Nothing to choose from.");
      } else {
        say(shown.length === 1 ? "1 choice. Use the arrow keys, then Enter."
          : shown.length + " choices. Use the arrow keys, then Enter.");
      }
      setActive(shown.length && needle ? 0 : -1);
      open();
    }

    function pick(index) {
      var item = shown[index];
      if (!item) { return; }
      var box = byValue(chosen, item.id);
      if (box) {
        box.checked = !box.checked;
      } else {
        chosen.appendChild(checkbox(name, item.id, item.label));
      }
      var now = isChosen(item.id);
      input.value = "";
      render();
      say(item.label + (now ? " added." : " removed."));
    }

    input.addEventListener("focus", function () {
      load().then(render, function () { /* said in the status */ });
    });
    input.addEventListener("input", function () {
      load().then(render, function () { /* said in the status */ });
      if (!picker.hasAttribute("data-search")) { return; }
      clearTimeout(timer);
      timer = setTimeout(function () {
        var needle = input.value.trim();
        if (needle.length < 2) { return; }
        fetchItems(needle).then(function (data) {
          merge(data.items || []);
          if (input.value.trim() === needle) { render(); }
        }).catch(function () { /* the local filter still works */ });
      }, 300);
    });
    input.addEventListener("keydown", function (event) {
      var expanded = input.getAttribute("aria-expanded") === "true";
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!expanded) { load().then(render, function () {}); return; }
        if (event.altKey) { return; }
        setActive(Math.min(active + 1, shown.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (event.altKey) { close(); return; }
        if (expanded) { setActive(Math.max(active - 1, 0)); }
      } else if (event.key === "Enter" && expanded) {
        // With the list open, Enter picks the active choice and never submits the form.
        event.preventDefault();
        if (active >= 0) { pick(active); }
      } else if (event.key === "Escape") {
        if (expanded) { event.preventDefault(); close(); } else { input.value = ""; }
      } else if (event.key === "Home" && expanded && active >= 0) {
        event.preventDefault();
        setActive(0);
      } else if (event.key === "End" && expanded && active >= 0) {
        event.preventDefault();
        setActive(shown.length - 1);
      }
    });
    input.addEventListener("blur", close);
  }

  document.querySelectorAll("[data-combobox]").forEach(setUp);
}());
