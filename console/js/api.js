// The review API of console-contract.md: every call carries the access token; errors arrive as
// {"error": code, "message"} and become ApiError with the status and the code.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code);
    this.status = status;
    this.code = code;
  }
}

export class Api {
  /** `token` is an async function giving the current access token (or null: signed out). */
  constructor(baseUrl, token, onUnauthorized) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.token = token;
    this.onUnauthorized = onUnauthorized;
  }

  async call(method, path, body) {
    const token = await this.token();
    if (!token) {
      this.onUnauthorized();
      throw new ApiError(401, "unauthorized", "signed out");
    }
    const headers = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    let response;
    try {
      response = await fetch(this.baseUrl + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store",
      });
    } catch {
      throw new ApiError(0, "network", "network");
    }
    const data = await response.json().catch(() => null);
    if (response.status === 401) this.onUnauthorized();
    if (!response.ok) {
      const code = data?.error ?? (response.status === 403 ? "forbidden" : response.status === 404 ? "not_found" : "error");
      throw new ApiError(response.status, code, data?.message ?? response.statusText);
    }
    return data;
  }

  queue() { return this.call("GET", "/review?limit=200"); }
  application(id, reveal = false) { return this.call("GET", `/applications/${enc(id)}${reveal ? "?reveal=1" : ""}`); }
  document(id, doc, reveal = false) {
    return this.call("GET", `/applications/${enc(id)}/documents/${enc(doc)}${reveal ? "?reveal=1" : ""}`);
  }
  checks(id) { return this.call("GET", `/applications/${enc(id)}/checks`); }
  claim(id) { return this.call("POST", `/review/${enc(id)}/claim`, {}); }
  release(id) { return this.call("POST", `/review/${enc(id)}/release`, {}); }
  correct(id, doc, fields, note) {
    return this.call("PATCH", `/applications/${enc(id)}/documents/${enc(doc)}`, { fields, note });
  }
  decide(id, decision) { return this.call("POST", `/review/${enc(id)}/decision`, decision); }
}

const enc = encodeURIComponent;
