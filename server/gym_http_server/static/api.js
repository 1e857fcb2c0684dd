// The server's API as the page uses it: JSON in, readable errors out.

/** An error the API answered ({message, code}), or a server that did not answer. */
export class ApiError extends Error {
  constructor(message, { status = 0, code = "unreachable" } = {}) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const TOKEN_KEY = "gym-http-server-token";

/**
 * The server's token, for a server started with one: given once in the
 * address as `#token=...` (a fragment never reaches the server or its logs)
 * and kept for this tab.
 */
function authorization() {
  const given = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (given) sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(given[1]));
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function request(path, accept) {
  let response;
  try {
    response = await fetch(path, { headers: { Accept: accept, ...authorization() }, cache: "no-store" });
  } catch {
    throw new ApiError(`The server did not answer ${path}: is it still running?`);
  }
  if (!response.ok) throw await errorOf(response);
  return response;
}

async function errorOf(response) {
  try {
    const body = await response.json();
    const message = response.status === 401
      ? `${body.message}. Open this page as ${location.pathname}#token=<the server's token>`
      : body.message;
    return new ApiError(message, { status: response.status, code: body.code });
  } catch {
    return new ApiError(`HTTP ${response.status} ${response.statusText}`, { status: response.status, code: "http" });
  }
}

export async function getJson(path) {
  return (await request(path, "application/json")).json();
}

/** The instance's current frame as a PNG Blob. */
export async function getFrame(instanceId) {
  return (await request(`/v1/envs/${encodeURIComponent(instanceId)}/render/?format=png`, "image/png")).blob();
}

/** A readable line for any error: the API's message and its code. */
export function describeError(error) {
  if (error instanceof ApiError) return error.code === "unreachable" ? error.message : `${error.message} (${error.code})`;
  return String(error?.message ?? error);
}
