// Passkeys (WebAuthn) on the hosted pages: ask the provider for a challenge, hand it to the
// browser's authenticator, post its answer in the page's form. Forms carry
// data-passkey="login" | "second" | "register" and data-options (the challenge's URL).
(function () {
  "use strict";

  function decode(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const raw = atob(base64 + "===".slice((base64.length + 3) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0)).buffer;
  }

  function encode(buffer) {
    const bytes = new Uint8Array(buffer);
    let raw = "";
    bytes.forEach((b) => { raw += String.fromCharCode(b); });
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function creationOptions(o) {
    o.challenge = decode(o.challenge);
    o.user.id = decode(o.user.id);
    (o.excludeCredentials || []).forEach((c) => { c.id = decode(c.id); });
    return o;
  }

  function requestOptions(o) {
    o.challenge = decode(o.challenge);
    (o.allowCredentials || []).forEach((c) => { c.id = decode(c.id); });
    return o;
  }

  function asJSON(credential) {
    const r = credential.response;
    const response = { clientDataJSON: encode(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = encode(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = encode(r.authenticatorData);
      response.signature = encode(r.signature);
      if (r.userHandle) { response.userHandle = encode(r.userHandle); }
    }
    return JSON.stringify({
      id: credential.id,
      rawId: encode(credential.rawId),
      type: credential.type,
      response: response,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults(),
    });
  }

  async function challenge(form) {
    const token = form.querySelector("input[name=csrf_token]").value;
    const answer = await fetch(form.dataset.options, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ purpose: form.dataset.passkey }),
    });
    if (!answer.ok) { throw new Error("options " + answer.status); }
    return answer.json();
  }

  function submit(form, challengeId, credential) {
    form.querySelector("input[name=challenge_id]").value = challengeId;
    form.querySelector("input[name=credential]").value = asJSON(credential);
    form.submit();
  }

  function failed(form) {
    const message = form.querySelector("[data-passkey-error]");
    if (message) { message.hidden = false; }
  }

  let conditional = null; // the autofill request of the login page, stopped by the button

  async function ceremony(form) {
    if (conditional) { conditional.abort(); conditional = null; }
    try {
      const made = await challenge(form);
      const credential = form.dataset.passkey === "register"
        ? await navigator.credentials.create({ publicKey: creationOptions(made.options) })
        : await navigator.credentials.get({ publicKey: requestOptions(made.options) });
      submit(form, made.challenge_id, credential);
    } catch (error) {
      failed(form);
    }
  }

  async function autofill(form) {
    // conditional mediation: the browser offers its passkeys in the username field
    if (!window.PublicKeyCredential || !PublicKeyCredential.isConditionalMediationAvailable) {
      return;
    }
    if (!(await PublicKeyCredential.isConditionalMediationAvailable())) { return; }
    conditional = new AbortController();
    try {
      const made = await challenge(form);
      const credential = await navigator.credentials.get({
        publicKey: requestOptions(made.options),
        mediation: "conditional",
        signal: conditional.signal,
      });
      submit(form, made.challenge_id, credential);
    } catch (error) {
      // aborted for the button, or nothing chosen: the person goes on with the form
    }
  }

  document.querySelectorAll("form[data-passkey]").forEach((form) => {
    if (!window.PublicKeyCredential) { return; }
    const start = form.querySelector("[data-passkey-start]");
    if (start) { start.addEventListener("click", () => ceremony(form)); }
    // not again after a refusal: the page shows why, the person chooses what to do
    if (form.dataset.passkey === "login" && form.dataset.autofill !== "off") { autofill(form); }
  });
}());
