// Passkeys (WebAuthn): the server's options in, the authenticator's answer out.
// Uses the browser's JSON helpers (parseCreationOptionsFromJSON / toJSON), so no
// base64url code lives here. Buttons carry their endpoints in data attributes.
(function () {
  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: body === undefined ? "{}" : JSON.stringify(body),
    });
  }
  async function run(button) {
    const status = button.parentElement.querySelector("[data-passkey-status]") || document.querySelector("[data-passkey-status]");
    const say = (text) => { if (status) status.textContent = text; };
    const vi = document.documentElement.lang !== "en";
    if (!window.PublicKeyCredential || !PublicKeyCredential.parseCreationOptionsFromJSON) {
      say(vi ? "Trình duyệt này chưa hỗ trợ khóa truy cập." : "This browser does not support passkeys.");
      return;
    }
    const kind = button.dataset.passkey;
    try {
      const optionsResponse = await post(button.dataset.optionsUrl);
      if (!optionsResponse.ok) throw new Error("options");
      const options = await optionsResponse.json();
      let credential;
      if (kind === "register") {
        credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) });
      } else {
        credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
      }
      let url = button.dataset.verifyUrl;
      const nameInput = document.querySelector("[data-passkey-name]");
      if (kind === "register" && nameInput && nameInput.value) {
        url += (url.includes("?") ? "&" : "?") + "name=" + encodeURIComponent(nameInput.value);
      }
      const verify = await post(url, credential.toJSON());
      const result = await verify.json();
      if (!verify.ok || !result.ok) throw new Error(result.error || "verify");
      window.location.assign(result.redirect);
    } catch (error) {
      say(vi ? "Không dùng được khóa truy cập. Hãy thử lại hoặc chọn cách khác." : "The passkey could not be used. Try again or choose another method.");
    }
  }
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-passkey]");
    if (button) { event.preventDefault(); run(button); }
  });
})();
