// The CSRF token and signing in again without leaving the page: an expired session opens a
// dialog; what was typed stays pending meanwhile.

export function createSignIn({ tokenUrl, loginUrl, form, dialog, onSignedIn }) {
  let token = form.querySelector("input[name=csrf_token]").value;

  function refresh() {
    return fetch(tokenUrl, {
      credentials: "same-origin", redirect: "error", headers: { "Accept": "application/json" },
    }).then((response) => response.json()).then((answer) => {
      token = answer.csrf_token;
      // Every form on the page (sign-out too) carries the renewed token.
      document.querySelectorAll("input[name=csrf_token]").forEach((input) => {
        input.value = answer.csrf_token;
      });
      return !!answer.signed_in;
    });
  }

  function open() {
    if (dialog && !dialog.open && typeof dialog.showModal === "function") {
      dialog.showModal();
      // The email is filled in (and kept after a failed try): the password is what is missing.
      const email = document.getElementById("sign-in-email");
      const password = document.getElementById("sign-in-password");
      if (email && email.value && password) password.focus();
      else if (email) email.focus();
    }
  }

  function close() {
    if (dialog && dialog.open) dialog.close();
  }

  function signIn() {
    return fetch(loginUrl, {
      method: "POST",
      credentials: "same-origin",
      redirect: "error",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": token,
      },
      body: JSON.stringify({
        email: document.getElementById("sign-in-email").value,
        password: document.getElementById("sign-in-password").value,
        remember: document.getElementById("sign-in-remember").checked,
      }),
    });
  }

  if (dialog) {
    document.getElementById("sign-in-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const errorLine = document.getElementById("sign-in-error");
      errorLine.hidden = true;
      refresh().then(signIn).then((response) => response.json().then((answer) => {
        if (!response.ok) throw new Error(answer.error || "Sign-in failed.");
        document.getElementById("sign-in-password").value = "";
        return refresh();
      })).then(() => {
        close();
        onSignedIn();
      }, (error) => {
        errorLine.textContent = error.message || "Sign-in failed. Check your connection.";
        errorLine.hidden = false;
      });
    });
  }

  return { token: () => token, refresh, open, close };
}
