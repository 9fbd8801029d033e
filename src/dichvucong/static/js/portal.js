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

// The commune select lists only the communes of the chosen province: a province select
// marked data-commune-list asks for the new list through htmx when it changes, sending its
// value as `province` whatever the field's name, and nothing else (a cacheable URL).
// Without JavaScript a "refresh the list" button in <noscript> submits the form instead.
document.addEventListener("htmx:configRequest", (event) => {
  const source = event.detail.elt;
  if (!source || !source.matches || !source.matches("select[data-commune-list]")) return;
  event.detail.parameters = { province: source.value };
});

// Drafts save themselves: a few seconds after the person stops typing, and when they leave
// the page (another tab, an upload of a file, closing the phone's browser), the form is
// sent as "save draft" in the background. The server answers 204 and keeps nothing but the
// draft; the button "Lưu bản nháp" still saves on demand, with or without JavaScript.
(() => {
  const form = document.querySelector("form[data-autosave]");
  if (!form) return;
  const status = form.querySelector("[data-autosave-status]");
  // Not form.action: the form's buttons are named "action", which shadows the property.
  const target = form.getAttribute("action") || window.location.href;
  let timer = null;
  let dirty = false;
  const payload = () => {
    const data = new FormData(form);
    data.set("action", "save");
    data.set("autosave", "1");
    return data;
  };
  const save = () => {
    if (!dirty) return;
    dirty = false;
    fetch(target, { method: "POST", body: payload(), credentials: "same-origin" })
      .then((response) => {
        if (!status) return;
        const time = new Date().toLocaleTimeString(document.documentElement.lang || "vi", { hour: "2-digit", minute: "2-digit" });
        status.textContent = response.ok ? `${form.dataset.savedText || "Đã tự động lưu bản nháp lúc"} ${time}` : "";
      })
      .catch(() => { dirty = true; });
  };
  const later = () => {
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(save, 3000);
  };
  form.addEventListener("submit", () => { clearTimeout(timer); dirty = false; });
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden" && dirty) {
      dirty = false;
      navigator.sendBeacon(target, payload());
    }
  });
  // Uploading a file leaves the page: save what was typed first.
  document.querySelectorAll("form[action*='/dinh-kem/'], form[action*='/dung-lai/']").forEach((other) => {
    other.addEventListener("submit", () => {
      if (dirty) { dirty = false; navigator.sendBeacon(target, payload()); }
    });
  });
})();
