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

"""
The instance or batch is gone: never created, closed, expired, its process
died (`env_process_died`) or a call overran the server's deadline
(`step_timeout`, a 504 that is never retried). Make a new one.
"""
struct UnknownInstanceError <: GymHTTPError
    status::Int
    code::String
    message::String
end

"Codes whose status may look transient (504) but whose cause is not."
const NOT_RETRYABLE_CODES = ("step_timeout", "env_process_died")

"The action is not an element of the action space; the episode is untouched."
struct InvalidActionError <: GymHTTPError
    status::Int
    code::String
    message::String
end

"A server limit was hit: too many live instances (429), a batch too large, or a body too large (413)."
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

"No such route, method or uploaded run on the server (404, 405)."
struct NotFoundError <: GymHTTPError
    status::Int
    code::String
    message::String
end

"The server cannot do this at all: video without an encoder (501), a space kind it cannot carry."
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

"""
The type of each category of the spec's error table
(`components.x-error-categories` in spec/openapi.yaml): a code's type is its
category's type, or a member of it that says more.
"""
const CATEGORY_TYPES = Dict{String,Type}(
    "invalid_request" => Union{BadRequestError,InvalidActionError},
    "gone" => UnknownInstanceError,
    "not_found" => NotFoundError,
    "capacity" => LimitError,
    "auth" => AuthError,
    "unsupported" => NotImplementedByServerError,
    "server" => ServerError,
)

"Every code the server sends (the spec's `components.x-error-codes`), to its type."
const ERROR_TYPES_BY_CODE = Dict{String,Type}(
    "bad_request" => BadRequestError,
    "malformed_json" => BadRequestError,
    "malformed_msgpack" => BadRequestError,
    "missing_parameter" => BadRequestError,
    "invalid_parameter" => BadRequestError,
    "malformed_env_id" => BadRequestError,
    "unknown_env_id" => BadRequestError,
    "deprecated_env_id" => BadRequestError,
    "env_id_refused" => BadRequestError,
    "env_unavailable" => BadRequestError,
    "env_creation_failed" => BadRequestError,
    "kwargs_too_large" => BadRequestError,
    "kwarg_not_allowed" => BadRequestError,
    "invalid_render_mode" => BadRequestError,
    "invalid_reset_options" => BadRequestError,
    "reset_needed" => BadRequestError,
    "invalid_directory" => BadRequestError,
    "recording_exists" => BadRequestError,
    "already_recording" => BadRequestError,
    "recording_in_progress" => BadRequestError,
    "video_needs_rgb_array" => BadRequestError,
    "png_needs_rgb_array" => BadRequestError,
    "no_recording" => BadRequestError,
    "wrong_batch_size" => BadRequestError,
    "length_required" => BadRequestError,
    "unsupported_media_type" => BadRequestError,
    "invalid_action" => InvalidActionError,
    "unknown_instance" => UnknownInstanceError,
    "instance_expired" => UnknownInstanceError,
    "env_process_died" => UnknownInstanceError,
    "step_timeout" => UnknownInstanceError,
    "unknown_vector" => UnknownInstanceError,
    "vector_expired" => UnknownInstanceError,
    "not_found" => NotFoundError,
    "method_not_allowed" => NotFoundError,
    "unknown_run" => NotFoundError,
    "too_many_envs" => LimitError,
    "server_full" => LimitError,
    "num_envs_too_large" => LimitError,
    "body_too_large" => LimitError,
    "unauthorized" => AuthError,
    "shutdown_disabled" => AuthError,
    "unsupported_space" => NotImplementedByServerError,
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
    status in (404, 405) && return NotFoundError
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

"The `code` of an error body, or `nothing` when it has none."
function error_code(body)
    parsed = try
        plain(JSON3.read(String(copy(body))))
    catch
        nothing
    end
    parsed isa AbstractDict || return nothing
    code = get(parsed, "code", nothing)
    return code isa AbstractString ? String(code) : nothing
end

function Base.showerror(io::IO, err::GymHTTPError)
    print(io, nameof(typeof(err)), ": ", err.message)
    details = String[]
    err.status == 0 || push!(details, "HTTP $(err.status)")
    isempty(err.code) || push!(details, "code $(err.code)")
    isempty(details) || print(io, " (", join(details, ", "), ")")
end
