// Sign-in against the staff user pool (Cognito), two ways chosen by config.json:
//
// - "password": USER_PASSWORD_AUTH through Cognito's own API (InitiateAuth) at `cognito_endpoint`. On the local
//   cloud that is the moto server, which serves cognito-idp and signs the tokens the local gateway verifies.
// - "hosted": the Cognito hosted UI with the authorization code flow and PKCE (`hosted_ui`, `redirect_uri`);
//   what the console does on AWS behind CloudFront.
//
// The session (tokens, user, groups) lives in sessionStorage: it ends with the tab. The API is called with the
// access token; its groups claim gives the roles the console uses to show or hide the review actions (the API
// checks them again on every call).

const KEY = "console.session";
const PKCE_KEY = "console.pkce";

export class SignInError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

export function decodeJwt(token) {
  const part = token.split(".")[1] || "";
  const base64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

function sessionFrom(result, previousRefresh) {
  const claims = decodeJwt(result.AccessToken ?? result.access_token);
  const groups = claims["cognito:groups"];
  return {
    accessToken: result.AccessToken ?? result.access_token,
    refreshToken: result.RefreshToken ?? result.refresh_token ?? previousRefresh ?? null,
    expiresAt: (claims.exp ?? 0) * 1000,
    user: claims.username ?? claims["cognito:username"] ?? claims.sub,
    groups: Array.isArray(groups) ? groups : typeof groups === "string" ? groups.replace(/[[\]]/g, "").split(/[\s,]+/).filter(Boolean) : [],
  };
}

export function currentSession() {
  try {
    const session = JSON.parse(sessionStorage.getItem(KEY) || "null");
    return session && session.accessToken ? session : null;
  } catch {
    return null;
  }
}

function store(session) {
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export function forget() {
  sessionStorage.removeItem(KEY);
}

async function cognitoCall(config, action, body) {
  let response;
  try {
    response = await fetch(config.cognito_endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": `AWSCognitoIdentityProviderService.${action}`,
      },
      body: JSON.stringify(body),
    });
  } catch {
    throw new SignInError("network", "network");
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const type = String(data.__type || "Error").split("#").pop();
    throw new SignInError(type, data.message || type);
  }
  return data;
}

export async function signInWithPassword(config, username, password) {
  const data = await cognitoCall(config, "InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH",
    ClientId: config.client_id,
    AuthParameters: { USERNAME: username, PASSWORD: password },
  });
  if (data.ChallengeName) throw new SignInError(data.ChallengeName, data.ChallengeName);
  return store(sessionFrom(data.AuthenticationResult));
}

// ---------------------------------------------------------------- hosted UI (authorization code + PKCE)
function base64url(bytes) {
  let text = "";
  for (const byte of new Uint8Array(bytes)) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export async function beginHostedSignIn(config) {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(48)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  const query = new URLSearchParams({
    response_type: "code",
    client_id: config.client_id,
    redirect_uri: config.redirect_uri,
    scope: "openid profile",
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  location.assign(`${config.hosted_ui}/oauth2/authorize?${query}`);
}

async function tokenEndpoint(config, form) {
  const response = await fetch(`${config.hosted_ui}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new SignInError(data.error || "token_error", data.error_description || data.error || "token");
  return data;
}

/** Back from the hosted UI with ?code=&state=: exchange the code; returns the session or null. */
export async function completeHostedSignIn(config) {
  const params = new URLSearchParams(location.search);
  const code = params.get("code");
  if (!code) return null;
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) || "{}");
  sessionStorage.removeItem(PKCE_KEY);
  history.replaceState(null, "", location.pathname + location.hash);
  if (!saved.verifier || saved.state !== params.get("state")) throw new SignInError("state_mismatch", "state");
  const data = await tokenEndpoint(config, {
    grant_type: "authorization_code",
    client_id: config.client_id,
    code,
    redirect_uri: config.redirect_uri,
    code_verifier: saved.verifier,
  });
  return store(sessionFrom(data));
}

/** The access token, refreshed when it ends within a minute; null when the session cannot go on. */
export async function accessToken(config) {
  const session = currentSession();
  if (!session) return null;
  if (session.expiresAt - Date.now() > 60_000) return session.accessToken;
  if (!session.refreshToken) return null;
  try {
    if (config.sign_in === "hosted") {
      const data = await tokenEndpoint(config, {
        grant_type: "refresh_token", client_id: config.client_id, refresh_token: session.refreshToken,
      });
      return store(sessionFrom(data, session.refreshToken)).accessToken;
    }
    const data = await cognitoCall(config, "InitiateAuth", {
      AuthFlow: "REFRESH_TOKEN_AUTH",
      ClientId: config.client_id,
      AuthParameters: { REFRESH_TOKEN: session.refreshToken },
    });
    return store(sessionFrom(data.AuthenticationResult, session.refreshToken)).accessToken;
  } catch {
    forget();
    return null;
  }
}

export function signOut(config) {
  forget();
  if (config.sign_in === "hosted") {
    const query = new URLSearchParams({ client_id: config.client_id, logout_uri: config.redirect_uri });
    location.assign(`${config.hosted_ui}/logout?${query}`);
    return;
  }
  location.hash = "";
  location.reload();
}
