// Werterhalt: the little script the pages need. Everything works without it, only less smoothly.
document.addEventListener("change", function (event) {
  const el = event.target;
  if (el.matches("[data-autosubmit]")) el.form.submit();
  if (el.matches("[data-select-all]")) {
    const table = el.closest("table");
    table.querySelectorAll("tbody input[name=pk]").forEach(function (box) { box.checked = el.checked; });
  }
});
// Close an open menu when another opens or Escape is pressed.
document.addEventListener("toggle", function (event) {
  const opened = event.target;
  if (opened.tagName === "DETAILS" && opened.open && opened.closest("nav.menu")) {
    document.querySelectorAll("nav.menu details[open]").forEach(function (d) { if (d !== opened) d.open = false; });
  }
}, true);
document.addEventListener("keydown", function (event) {
  if (event.key === "Escape") document.querySelectorAll("details[open]").forEach(function (d) { d.open = false; });
});
