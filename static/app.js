// Filter long lists of choices (relation pages) as the user types; the form works without it.
document.querySelectorAll("input[data-filter]").forEach(function (input) {
  var box = document.getElementById(input.getAttribute("data-filter"));
  if (!box) { return; }
  input.hidden = false;
  input.previousElementSibling.hidden = false;
  input.addEventListener("input", function () {
    var needle = input.value.trim().toLowerCase();
    box.querySelectorAll("label").forEach(function (label) {
      label.hidden = needle !== "" && label.textContent.toLowerCase().indexOf(needle) === -1;
    });
  });
});
