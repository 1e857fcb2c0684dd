# One exception type per meaning, so callers catch by type and never parse
# messages. The server's `code` decides the type; the status only breaks ties
# for codes this package does not know yet.

"""
    GymHTTPError

Supertype of every error this package raises. Each carries `status` (the HTTP
status, 0 when no response arrived), `code` (the server's stable error id) and
`message` (for people).
"""
abstract type GymHTTPError <: Exception end

"A malformed request: bad parameter, malformed JSON, unknown env id, reset needed, ..."
struct BadRequestError <: GymHTTPError
    status::Int
    code::String
    message::String
end

"The instance id is not live on the server (never created, or closed)."
struct UnknownInstanceError <: GymHTTPError
    status::Int
    code::String
    message::String
end

"The action is not an element of the action space; the episode is untouched."
struct InvalidActionError <: GymHTTPError
    status::Int
    code::String
    message::String
end

"A server limit was hit: too many live instances (429) or a body too large (413)."
struct LimitError <: GymHTTPError
    status::Int
    code::String
    message::String
end

"The server, or a proxy in front of it, refused the credentials (401/403)."
struct AuthError <: GymHTTPError
    status::Int
    code::String
    message::String
end

"No such route on the server (404)."
struct NotFoundError <: GymHTTPError
    status::Int
    code::String
    message::String
end

"The server knows the call but does not implement it (501), e.g. monitor and upload."
struct NotImplementedByServerError <: GymHTTPError
    status::Int
    code::String
    message::String
end

"The server failed (5xx)."
struct ServerError <: GymHTTPError
    status::Int
    code::String
    message::String
end

"No connection could be made, or it broke before a response arrived."
struct ConnectionError <: GymHTTPError
    status::Int
    code::String
    message::String
end

ConnectionError(message::AbstractString) = ConnectionError(0, "connection_failed", String(message))

"No response arrived within the client's `timeout`."
struct RequestTimeoutError <: GymHTTPError
    status::Int
    code::String
    message::String
end

RequestTimeoutError(message::AbstractString) = RequestTimeoutError(0, "timeout", String(message))

const ERROR_TYPES_BY_CODE = Dict{String,Type}(
    "unknown_instance" => UnknownInstanceError,
    "invalid_action" => InvalidActionError,
    "too_many_envs" => LimitError,
    "body_too_large" => LimitError,
    "shutdown_disabled" => AuthError,
    "unauthorized" => AuthError,
    "forbidden" => AuthError,
    "not_found" => NotFoundError,
    "not_implemented" => NotImplementedByServerError,
    "video_unavailable" => NotImplementedByServerError,
    "internal_error" => ServerError,
)

"""
    error_type(status, code) -> Type{<:GymHTTPError}

The exception type for an error response: by `code` first (the status alone
cannot tell an unknown instance from any other 400), then by status.
"""
function error_type(status::Integer, code::AbstractString)
    known = get(ERROR_TYPES_BY_CODE, code, nothing)
    known === nothing || return known
    status in (401, 403) && return AuthError
    status == 404 && return NotFoundError
    status in (413, 429) && return LimitError
    status == 501 && return NotImplementedByServerError
    status >= 500 && return ServerError
    return BadRequestError
end

"""
    api_error(status, body) -> GymHTTPError

The exception for an error response whose body is `{message, code}` JSON, or
anything else a proxy may have answered.
"""
function api_error(status::Integer, body::AbstractString)
    parsed = try
        plain(JSON3.read(body))
    catch
        nothing
    end
    return api_error(status, body, parsed)
end

"""
    api_error(status, body, parsed) -> GymHTTPError

The exception for an error response given its text and that text parsed as
JSON (`nothing` when it is not JSON): `code` and `message` come from a
`{message, code}` object, otherwise the text itself is the message.
"""
function api_error(status::Integer, body::AbstractString, parsed)
    code = ""
    message = isempty(body) ? "HTTP $status" : String(body)
    if parsed isa AbstractDict
        raw_code = get(parsed, "code", nothing)
        raw_message = get(parsed, "message", nothing)
        raw_code isa AbstractString && (code = String(raw_code))
        raw_message isa AbstractString && (message = String(raw_message))
    end
    return error_type(status, code)(Int(status), code, message)
end

function Base.showerror(io::IO, err::GymHTTPError)
    print(io, nameof(typeof(err)), ": ", err.message)
    details = String[]
    err.status == 0 || push!(details, "HTTP $(err.status)")
    isempty(err.code) || push!(details, "code $(err.code)")
    isempty(details) || print(io, " (", join(details, ", "), ")")
end
