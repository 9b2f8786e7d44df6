// File pickers of the row form: files dropped on the field join the picker, and a file over
// the workspace's limit is named at the field before anything is sent (the server checks too).
(function () {
  "use strict";
  function sizeText(bytes) {
    var mb = bytes / 1048576;
    if (mb >= 1) { return (Math.round(mb * 10) / 10) + " MB"; }
    return Math.round(bytes / 1024) + " KB";
  }

  function problems(input) {
    var max = Number(input.getAttribute("data-max-bytes"));
    var limit = input.getAttribute("data-limit-text");
    var found = Array.prototype.filter.call(input.files, function (file) { return file.size > max; })
      .map(function (file) {
        return file.name + " is " + sizeText(file.size) + "; this workspace takes files up to " + limit + ".";
      });
    var form = input.form;
    if (!found.length && form && form.getAttribute("data-max-body")) {
      var total = 0;
      form.querySelectorAll("input[type=file]").forEach(function (each) {
        Array.prototype.forEach.call(each.files, function (file) { total += file.size; });
      });
      if (total > Number(form.getAttribute("data-max-body"))) {
        found.push("These files add up to " + sizeText(total) + "; one row takes up to " +
                   form.getAttribute("data-max-body-text") + " of files.");
      }
    }
    return found;
  }

  function show(input, messages) {
    var id = input.id + "-problem";
    var box = document.getElementById(id);
    if (!messages.length) {
      if (box) { box.remove(); }
      input.removeAttribute("aria-invalid");
      return;
    }
    if (!box) {
      box = document.createElement("small");
      box.id = id;
      box.className = "field-error";
      box.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", box);
      input.setAttribute("aria-describedby", (input.getAttribute("aria-describedby") || "") + " " + id);
    }
    box.textContent = messages.join(" ") + " Pick smaller files; nothing was sent.";
    input.setAttribute("aria-invalid", "true");
  }

  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
    var zone = input.closest("[data-drop-for]");
    input.addEventListener("change", function () { show(input, problems(input)); });
    if (zone && window.DataTransfer) {
      var hint = zone.querySelector(".drop-hint");
      if (hint) { hint.hidden = false; }
      zone.classList.add("droppable");
      zone.addEventListener("dragover", function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
      zone.addEventListener("dragleave", function () { zone.classList.remove("dragging"); });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        zone.classList.remove("dragging");
        var all = new DataTransfer();
        Array.prototype.forEach.call(input.files, function (f) { all.items.add(f); });
        Array.prototype.forEach.call(event.dataTransfer.files, function (f) { all.items.add(f); });
        input.files = all.files;
        show(input, problems(input));
      });
    }
    var form = input.form;
    if (form) {
      form.addEventListener("submit", function (event) {
        var found = problems(input);
        if (found.length) {
          event.preventDefault();
          show(input, found);
          input.focus();
        }
      });
    }
  });
}());
