// Small behaviours without inline handlers (the Content-Security-Policy allows no inline
// script): [data-print] buttons print the page; [data-autosubmit] fields submit their form.
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest("[data-print]") : null;
  if (button) {
    window.print();
  }
});
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field && field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) {
    field.form.submit();
  }
});
