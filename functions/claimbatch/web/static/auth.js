// Signing in. Three ways, chosen by the server (/web/config.json):
//  - none:    `claimbatch serve` on loopback without a token: nothing to do;
//  - token:   `claimbatch serve --api-token`: the person types the token once per tab;
//  - cognito: AWS: Cognito's hosted sign-in, authorization code with PKCE. The ID token
//             (what the API's authorizer checks) is refreshed a minute before it expires.
// Tokens live in this tab's sessionStorage only: closing the tab signs out.

const TOKEN_KEY = "claimbatch.apiToken";
const TOKENS_KEY = "claimbatch.cognitoTokens";
const PKCE_KEY = "claimbatch.pkce";
const REFRESH_MARGIN_S = 60;

function base64url(bytes) {
  let text = "";
  for (const byte of new Uint8Array(bytes)) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomText(bytes) {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

function claimsOf(jwt) {
  try {
    const payload = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(payload), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return {};
  }
}

export class SignInError extends Error {}

export class Session {
  constructor(config, onExpired) {
    this.mode = config.sign_in;
    this.cognito = config.cognito || null;
    this.onExpired = onExpired;
    this.refreshTimer = null;
    this.refreshing = null;
  }

  get redirectUri() {
    return `${location.origin}/`;
  }

  /** True when the page may call the API now (after a sign-in redirect, a reload, or with no sign-in). */
  async restore() {
    if (this.mode === "none") return true;
    if (this.mode === "token") return Boolean(sessionStorage.getItem(TOKEN_KEY));
    const query = new URLSearchParams(location.search);
    if (query.has("code") || query.has("error")) {
      history.replaceState(null, "", location.pathname); // the code never stays in the address bar
      await this.finishHostedSignIn(query);
      return true;
    }
    const tokens = this.tokens();
    if (!tokens) return false;
    if (this.secondsLeft(tokens) <= REFRESH_MARGIN_S) {
      try {
        await this.refresh();
      } catch {
        this.forget();
        return false;
      }
    } else {
      this.scheduleRefresh(tokens);
    }
    return true;
  }

  /** The user's name for the header, when the sign-in tells it. */
  who() {
    if (this.mode !== "cognito") return this.mode === "token" ? "Signed in with the API token" : "";
    const claims = claimsOf(this.tokens()?.id_token || "");
    return claims.email ? `Signed in as ${claims.email}` : "Signed in";
  }

  async authorization() {
    if (this.mode === "none") return {};
    if (this.mode === "token") {
      const token = sessionStorage.getItem(TOKEN_KEY);
      return token ? { Authorization: `Bearer ${token}` } : {};
    }
    let tokens = this.tokens();
    if (tokens && this.secondsLeft(tokens) <= REFRESH_MARGIN_S) {
      try {
        tokens = await this.refresh();
      } catch {
        // The API answers 401 and the page asks for a new sign-in.
      }
    }
    return tokens ? { Authorization: `Bearer ${tokens.id_token}` } : {};
  }

  useToken(token) {
    sessionStorage.setItem(TOKEN_KEY, token);
  }

  /** The API said 401: forget the credentials and let the page ask again. */
  expired(sentence) {
    this.forget();
    this.onExpired(sentence);
  }

  forget() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(TOKENS_KEY);
    clearTimeout(this.refreshTimer);
  }

  signOut() {
    this.forget();
    if (this.mode === "cognito") {
      const query = new URLSearchParams({ client_id: this.cognito.client_id, logout_uri: this.redirectUri });
      location.assign(`${this.cognito.domain}/logout?${query}`);
    }
  }

  // -- Cognito: authorization code with PKCE ------------------------------------------

  async beginHostedSignIn() {
    const verifier = randomText(48);
    const state = randomText(24);
    sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
    const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
    const query = new URLSearchParams({
      response_type: "code",
      client_id: this.cognito.client_id,
      redirect_uri: this.redirectUri,
      scope: "openid email",
      code_challenge: challenge,
      code_challenge_method: "S256",
      state,
    });
    location.assign(`${this.cognito.domain}/oauth2/authorize?${query}`);
  }

  async finishHostedSignIn(query) {
    const pending = JSON.parse(sessionStorage.getItem(PKCE_KEY) || "null");
    sessionStorage.removeItem(PKCE_KEY);
    if (query.has("error")) throw new SignInError("The sign-in was not completed; try again.");
    if (!pending || pending.state !== query.get("state")) {
      throw new SignInError("The sign-in answer did not match this page's request; sign in again.");
    }
    const tokens = await this.tokenRequest({
      grant_type: "authorization_code",
      client_id: this.cognito.client_id,
      code: query.get("code"),
      redirect_uri: this.redirectUri,
      code_verifier: pending.verifier,
    });
    this.keep(tokens);
  }

  refresh() {
    if (!this.refreshing) {
      const current = this.tokens();
      this.refreshing = (async () => {
        if (!current?.refresh_token) throw new SignInError("Your sign-in has ended; sign in again.");
        const fresh = await this.tokenRequest({
          grant_type: "refresh_token",
          client_id: this.cognito.client_id,
          refresh_token: current.refresh_token,
        });
        return this.keep({ ...fresh, refresh_token: fresh.refresh_token || current.refresh_token });
      })().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  async tokenRequest(form) {
    let response;
    try {
      response = await fetch(`${this.cognito.domain}/oauth2/token`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form),
        credentials: "omit",
        cache: "no-store",
      });
    } catch {
      throw new SignInError("The sign-in service cannot be reached; check the connection and try again.");
    }
    if (!response.ok) throw new SignInError("The sign-in service refused the sign-in; sign in again.");
    return response.json();
  }

  keep(tokens) {
    const kept = { id_token: tokens.id_token, refresh_token: tokens.refresh_token };
    sessionStorage.setItem(TOKENS_KEY, JSON.stringify(kept));
    this.scheduleRefresh(kept);
    return kept;
  }

  tokens() {
    return JSON.parse(sessionStorage.getItem(TOKENS_KEY) || "null");
  }

  secondsLeft(tokens) {
    const expires = claimsOf(tokens.id_token).exp || 0;
    return expires - Date.now() / 1000;
  }

  scheduleRefresh(tokens) {
    clearTimeout(this.refreshTimer);
    const delay = Math.max(0, this.secondsLeft(tokens) - REFRESH_MARGIN_S) * 1000;
    this.refreshTimer = setTimeout(() => {
      this.refresh().catch(() => this.expired("Your sign-in has ended; sign in again."));
    }, delay);
  }
}
