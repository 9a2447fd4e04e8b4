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
// A date the browser cannot read (31.02.) is sent as an empty field, which would silently clear
// the stored date: stop the form and let the browser say what is wrong with that field.
document.addEventListener("submit", function (event) {
  const bad = Array.prototype.filter.call(event.target.elements, function (el) {
    return el.validity && el.validity.badInput;
  });
  if (bad.length) {
    event.preventDefault();
    bad[0].reportValidity();
    bad[0].focus();
  }
}, true);
