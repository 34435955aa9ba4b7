// The theme's search buttons show "Search" and the shortcut "Ctrl + K", but carry
// aria-label="Search". Speech-input users say what they see, so WCAG 2.5.3 (label in
// name) wants the visible text inside the accessible name: drop the narrower label and
// let the button be named by its visible content.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button.search-button__button[aria-label]")) {
    if (button.textContent.trim()) {
      button.removeAttribute("aria-label");
    }
  }
});
