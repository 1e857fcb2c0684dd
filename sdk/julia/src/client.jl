# Transport: one GymClient per server, bearer auth, timeouts and retries.
# Everything above this file speaks JSON values; everything below is HTTP.jl.

"""
    GymClient(base_url = "http://127.0.0.1:5000"; token = nothing, timeout = 30, retries = 2)

A connection to one gym-http-server. `token` is sent as `Authorization: Bearer`
(to a server started with a token, or behind an authenticating proxy); without
it, the `GYM_HTTP_TOKEN` environment variable is used when set and not empty.
`timeout` (seconds) bounds both connecting and waiting for an answer. `retries`
is how many times an idempotent request (GET, PUT, DELETE) is repeated after a
connection failure or a 408/429/500/502/503/504; POSTs are never repeated,
since a repeated `step!` would advance the episode twice.
"""
struct GymClient
    base_url::String
    token::Union{Nothing,String}
    timeout::Float64
    retries::Int
end

const TOKEN_ENV_VAR = "GYM_HTTP_TOKEN"

"The token from the environment: `GYM_HTTP_TOKEN`, or nothing when unset or empty."
function token_from_env()
    token = get(ENV, TOKEN_ENV_VAR, "")
    return isempty(token) ? nothing : token
end

function GymClient(base_url::AbstractString = "http://127.0.0.1:5000";
                   token = token_from_env(), timeout::Real = 30, retries::Integer = 2)
    timeout > 0 || throw(ArgumentError("timeout must be positive, got $timeout"))
    retries >= 0 || throw(ArgumentError("retries must be >= 0, got $retries"))
    return GymClient(String(rstrip(base_url, '/')),
                     token === nothing ? nothing : String(token),
                     Float64(timeout), Int(retries))
end

# Keep the token out of logs and REPL output.
Base.show(io::IO, client::GymClient) =
    print(io, "GymClient(", repr(client.base_url), client.token === nothing ? "" : ", token = <hidden>", ")")

"""
    RawResponse

What the server answered, before any interpretation: the conformance runner
needs statuses and headers exactly as sent.
"""
struct RawResponse
    status::Int
    headers::Vector{Pair{String,String}}
    body::Vector{UInt8}
end

body_text(response::RawResponse) = String(copy(response.body))

"""
    header_value(headers, name) -> Union{String,Nothing}

The first header called `name`, compared case-insensitively as HTTP requires.
"""
function header_value(headers, name::AbstractString)
    wanted = lowercase(name)
    for (key, value) in headers
        lowercase(key) == wanted && return String(value)
    end
    return nothing
end

const IDEMPOTENT_METHODS = ("GET", "HEAD", "PUT", "DELETE", "OPTIONS")
const RETRYABLE_STATUSES = (408, 429, 500, 502, 503, 504)
const MAX_RETRY_AFTER = 60.0

"""
    parse_retry_after(value) -> Union{Float64,Nothing}

Seconds from a `Retry-After` header given as delta-seconds. An HTTP-date is
not parsed (it would need Dates and a trusted clock); the caller then falls
back to its own backoff.
"""
function parse_retry_after(value)
    value === nothing && return nothing
    seconds = tryparse(Float64, strip(String(value)))
    (seconds === nothing || !isfinite(seconds) || seconds < 0) && return nothing
    return seconds
end

"""
    retry_delay(method, attempt, status; retry_after = nothing, retries = 2,
                base = 0.5, cap = 8.0, jitter = rand()) -> Union{Float64,Nothing}

Whether to try a request again, and after how many seconds; `nothing` means
give up. A pure function so the policy can be tested without a network.

`attempt` counts the attempts made so far (1 after the first failure).
`status` is the HTTP status, or `nothing` when no answer arrived (connection
refused, timeout). Only idempotent methods are retried, only after transport
failures or 408/429/500/502/503/504 (the statuses whose codes the spec's
`x-error-codes` marks `retry: true`, and a proxy's), at most `retries` times. The wait grows
exponentially from `base`, is capped at `cap`, is spread by `jitter` in [0, 1)
so clients do not retry in lockstep, and is never shorter than the server's
`Retry-After` (itself capped at $(MAX_RETRY_AFTER) s).
"""
function retry_delay(method::AbstractString, attempt::Integer, status;
                     retry_after = nothing, retries::Integer = 2, code = nothing,
                     base::Real = 0.5, cap::Real = 8.0, jitter::Real = rand())
    uppercase(String(method)) in IDEMPOTENT_METHODS || return nothing
    code in NOT_RETRYABLE_CODES && return nothing
    attempt > retries && return nothing
    status === nothing || status in RETRYABLE_STATUSES || return nothing
    backoff = min(Float64(cap), base * 2.0^(attempt - 1)) * (0.5 + jitter / 2)
    asked = parse_retry_after(retry_after)
    asked === nothing && return backoff
    return min(max(asked, backoff), MAX_RETRY_AFTER)
end

function request_headers(client::GymClient, extra)
    headers = Pair{String,String}["Accept" => "application/json", "User-Agent" => "GymHTTP.jl"]
    client.token === nothing || push!(headers, "Authorization" => "Bearer " * client.token)
    for (key, value) in extra
        filter!(pair -> lowercase(first(pair)) != lowercase(key), headers)
        push!(headers, String(key) => String(value))
    end
    return headers
end

# HTTP.jl wraps the real cause in ConnectError/RequestError; look inside.
unwrap_transport(err) =
    err isa Union{HTTP.Exceptions.ConnectError,HTTP.Exceptions.RequestError} ? unwrap_transport(err.error) : err

"""
    transport_failure(err, url, timeout) -> Union{GymHTTPError,Nothing}

The typed error for an exception HTTP.jl raised while no response arrived, or
`nothing` for exceptions that are not about the network (those propagate).
"""
function transport_failure(err, url::AbstractString, timeout::Real)
    cause = unwrap_transport(err)
    if cause isa HTTP.Exceptions.TimeoutError
        return RequestTimeoutError("no answer from $url within $timeout s")
    elseif err isa Union{HTTP.Exceptions.ConnectError,HTTP.Exceptions.RequestError,Base.IOError,EOFError}
        return ConnectionError("cannot reach $url: " * sprint(showerror, cause))
    end
    return nothing
end

"""
    send_request(client, method, path; body = nothing, headers = (), retries = client.retries) -> RawResponse

One HTTP exchange with retries, returning whatever status the server chose.
`body` is sent verbatim (a String or bytes). Raises `ConnectionError` or
`RequestTimeoutError` only when no response arrived after the last attempt.
"""
function send_request(client::GymClient, method::AbstractString, path::AbstractString;
                      body = nothing, headers = (), retries::Integer = client.retries)
    url = client.base_url * path
    all_headers = request_headers(client, headers)
    payload = body === nothing ? UInt8[] : body
    seconds = max(1, ceil(Int, client.timeout))  # HTTP.jl counts whole seconds
    attempt = 0
    while true
        attempt += 1
        response = nothing
        failure = nothing
        try
            response = HTTP.request(String(method), url, all_headers, payload;
                                    readtimeout = seconds, connect_timeout = seconds,
                                    retry = false, redirect = false, status_exception = false)
        catch err
            failure = transport_failure(err, url, client.timeout)
            failure === nothing && rethrow()
        end
        status = response === nothing ? nothing : Int(response.status)
        retry_after = response === nothing ? nothing : header_value(response.headers, "Retry-After")
        code = status in RETRYABLE_STATUSES ? error_code(response.body) : nothing
        delay = retry_delay(method, attempt, status; retry_after = retry_after, retries = retries,
                            code = code)
        if delay === nothing
            failure === nothing || throw(failure)
            headers_seen = Pair{String,String}[String(k) => String(v) for (k, v) in response.headers]
            return RawResponse(status, headers_seen, Vector{UInt8}(response.body))
        end
        sleep(delay)
    end
end
