// After htmx replaces the search results because a filter or page link was followed,
// the link that had focus is gone: move focus to the new results' heading, so keyboard
// and screen-reader users land on what changed, as after a full page load. (Typing in
// a search box also swaps results; focus then stays in the box.)
document.addEventListener("htmx:afterSettle", (event) => {
  const source = event.detail && event.detail.requestConfig && event.detail.requestConfig.elt;
  if (!source || source.tagName !== "A") return;
  const heading = document.getElementById("results-title");
  if (heading) heading.focus();
});

// E-forms: a section that a checkbox asks for is hidden while the box is unticked. Without
// JavaScript the section stays visible and the server ignores it unless the box is ticked.
function syncShownSections() {
  document.querySelectorAll("fieldset[data-shown-by]").forEach((section) => {
    const box = document.getElementById(section.dataset.shownBy);
    if (box) section.hidden = !box.checked;
  });
}
document.addEventListener("change", (event) => {
  if (event.target.matches && event.target.matches("input[type=checkbox]")) syncShownSections();
});
document.addEventListener("DOMContentLoaded", syncShownSections);
