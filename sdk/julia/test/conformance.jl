# An interpreter of conformance/case.schema.json: requests, expectations,
# saved variables and assertion operators. Cases are data; this file must
# handle every field the schema defines and reject the ones it does not.
#
# Not checked here: `expect.schema` (validating against spec/openapi.yaml
# needs a YAML parser and a JSON Schema validator, which this package does
# not depend on). The runner checks that such a body is JSON and counts the
# schema checks it left out, so the report says so.

# JSON3 is reached through GymHTTP inside function bodies only, so the pure
# helpers below (pointers, equality, types, substitution) load and run with
# the standard library alone (test/stdlib_only.jl).
json_text(value) = GymHTTP.JSON3.write(value)
parse_json_text(text::AbstractString) = GymHTTP.plain(GymHTTP.JSON3.read(text))

const CASE_FIELDS = ("name", "profile", "description", "requires_envs", "steps", "cleanup")

"The profiles of the case format (conformance/case.schema.json), in report order."
const PROFILES = ("legacy", "v1", "registry", "recording", "results", "render", "msgpack", "vector", "auth", "service")
const STEP_FIELDS = ("comment", "request", "expect", "save")
const REQUEST_FIELDS = ("method", "path", "body", "raw_body", "headers")
const EXPECT_FIELDS = ("status", "schema", "code", "headers_present", "content_type", "assert")

"The profile whose cases need the server's token (`{{token}}` in a case)."
const AUTH_PROFILE = "auth"
const NO_TOKEN = "the auth profile needs the server's token: set GYM_HTTP_TOKEN (or pass `token`)"

"""
Profiles this runner does not check, and why: their cases are skipped with
that reason (loudly), and their verdict is not held against the server.
"""
const UNCHECKED_PROFILES = Dict(
    "msgpack" => "this runner has no msgpack decoder (Julia's standard library has none); " *
                 "the Python and Node runners check the msgpack profile",
)

"Schema checks skipped because Julia has no validator here; reported at the end."
const SCHEMA_CHECKS_SKIPPED = Ref(0)

struct UnsetVariable <: Exception
    name::String
end

Base.showerror(io::IO, err::UnsetVariable) = print(io, "variable {{", err.name, "}} is not set")

struct CaseResponse
    status::Int
    headers::Vector{Pair{String,String}}
    parsed::Bool   # whether the body is JSON; `json` is meaningless otherwise
    json::Any
end

struct CaseOutcome
    name::String
    profile::String
    skipped::Union{Nothing,String}
    failures::Vector{String}
    missing_route::Bool  # failed on 404, 405 or 501 where something else was expected
end

CaseOutcome(name, profile, skipped, failures) = CaseOutcome(name, profile, skipped, failures, false)

"""
    verdict_of(outcomes) -> String

The verdict of one profile, as every runner gives it: "conforms" (nothing
failed, something passed), "not implemented" (every case that ran failed on a
missing route), "not checked" (every case skipped), else "does not conform".
"""
function verdict_of(outcomes)
    ran = [o for o in outcomes if o.skipped === nothing]
    failed = [o for o in ran if !isempty(o.failures)]
    isempty(failed) && return isempty(ran) ? "not checked" : "conforms"
    return length(failed) == length(ran) && all(o -> o.missing_route, failed) ? "not implemented" : "does not conform"
end

profile_rank(profile) = something(findfirst(isequal(profile), PROFILES), length(PROFILES) + 1)

"""
    verdict_table(outcomes) -> String

One row per profile with outcomes: profile, passed, failed, skipped, verdict,
laid out as the Python and Node runners print it.
"""
function verdict_table(outcomes)
    profiles = sort!(unique([o.profile for o in outcomes]); by = profile_rank)
    rows = [["profile", "passed", "failed", "skipped", "verdict"]]
    for profile in profiles
        members = [o for o in outcomes if o.profile == profile]
        skipped = count(o -> o.skipped !== nothing, members)
        failed = count(o -> o.skipped === nothing && !isempty(o.failures), members)
        passed = length(members) - skipped - failed
        push!(rows, [profile, string(passed), string(failed), string(skipped), verdict_of(members)])
    end
    widths = [maximum(length(row[i]) for row in rows) for i in 1:4]
    lines = [join([rpad(row[1], widths[1]); [lpad(row[i], widths[i]) for i in 2:4]; row[5]], "  ") for row in rows]
    return join(lines, "\n")
end

"""
    missing_route(status, expect) -> Bool

A step failed because the server has no such route: 404, 405 or 501 where
the step expected another status.
"""
function missing_route(status::Integer, expect::AbstractDict)
    wanted = get(expect, "status", Any[])
    wanted = wanted isa AbstractVector ? wanted : Any[wanted]
    return status in (404, 405, 501) && !(status in wanted)
end

"""
    case_files(dir) -> Vector{String}

Every case file in `dir`, sorted: new files are run without touching code.
"""
case_files(dir::AbstractString) = sort!(filter(path -> endswith(path, ".json"), readdir(dir; join = true)))

read_json_file(path::AbstractString) = parse_json_text(read(path, String))

const PLACEHOLDER = r"\{\{([A-Za-z0-9_]+)\}\}"

lookup(vars::AbstractDict, name::AbstractString) = haskey(vars, name) ? vars[name] : throw(UnsetVariable(String(name)))

as_text(value) = value isa AbstractString ? String(value) : json_text(value)

"""
    substitute(x, vars)

Replace `{{name}}`: a string that is exactly a placeholder becomes the saved
value itself (any JSON type); a placeholder inside a longer string becomes
its text. Arrays and object values are substituted recursively.
"""
function substitute(x::AbstractString, vars::AbstractDict)
    whole = match(r"^\{\{([A-Za-z0-9_]+)\}\}$", x)
    whole === nothing || return lookup(vars, whole.captures[1])
    return replace(x, PLACEHOLDER => placeholder -> as_text(lookup(vars, placeholder[3:end-2])))
end
substitute(x::AbstractVector, vars::AbstractDict) = Any[substitute(v, vars) for v in x]
substitute(x::AbstractDict, vars::AbstractDict) = Dict{String,Any}(k => substitute(v, vars) for (k, v) in x)
substitute(x, vars::AbstractDict) = x

"""
    resolve_pointer(document, pointer) -> (found, value)

RFC 6901 JSON Pointer lookup; `found` is false when nothing is there.
"""
function resolve_pointer(document, pointer::AbstractString)
    pointer == "" && return (true, document)
    startswith(pointer, "/") || return (false, nothing)
    value = document
    for raw in split(pointer[2:end], "/")
        token = replace(replace(raw, "~1" => "/"), "~0" => "~")
        if value isa AbstractDict
            haskey(value, token) || return (false, nothing)
            value = value[token]
        elseif value isa AbstractVector
            is_index = !isempty(token) && all(isdigit, token) && (token == "0" || !startswith(token, "0"))
            is_index || return (false, nothing)
            index = parse(Int, token)
            index < length(value) || return (false, nothing)
            value = value[index + 1]
        else
            return (false, nothing)
        end
    end
    return (true, value)
end

is_json_number(x) = x isa Real && !(x isa Bool)

"""
    json_equal(a, b)

Deep JSON equality: numbers by value (1 equals 1.0), booleans never equal
numbers (unlike Julia's `true == 1`), objects regardless of key order.
"""
function json_equal(a, b)
    (a isa Bool || b isa Bool) && return a isa Bool && b isa Bool && a == b
    is_json_number(a) && is_json_number(b) && return a == b
    a isa AbstractString && b isa AbstractString && return a == b
    a === nothing && b === nothing && return true
    if a isa AbstractVector && b isa AbstractVector
        return length(a) == length(b) && all(json_equal(x, y) for (x, y) in zip(a, b))
    end
    if a isa AbstractDict && b isa AbstractDict
        return length(a) == length(b) && all(haskey(b, k) && json_equal(v, b[k]) for (k, v) in a)
    end
    return false
end

"""
    json_type_matches(value, name)

The schema's `type` operator: "integer" matches any number with no fractional
part (1 and 1.0 alike); "boolean" never matches numbers.
"""
function json_type_matches(value, name::AbstractString)
    name == "null" && return value === nothing
    name == "boolean" && return value isa Bool
    name == "integer" && return is_json_number(value) && isfinite(value) && isinteger(value)
    name == "number" && return is_json_number(value)
    name == "string" && return value isa AbstractString
    name == "array" && return value isa AbstractVector
    name == "object" && return value isa AbstractDict
    throw(ArgumentError("unknown JSON type $(repr(name))"))
end

json_length(value::Union{AbstractString,AbstractVector,AbstractDict}) = length(value)
json_length(value) = nothing

show_json(value) = json_text(value)

"""
    check_assertion(assertion, body) -> Union{String,Nothing}

A failure message, or `nothing` when the assertion holds. `assertion` has had
its placeholders substituted already.
"""
function check_assertion(assertion::AbstractDict, body)
    pointer = assertion["pointer"]
    operators = [key for key in keys(assertion) if key != "pointer"]
    length(operators) == 1 || return "assertion on $pointer needs exactly one operator, has $(operators)"
    op = operators[1]
    expected = assertion[op]
    found, value = resolve_pointer(body, pointer)
    if op == "absent"
        return found ? "$pointer: expected nothing there, found $(show_json(value))" : nothing
    end
    found || return "$pointer: nothing there (for $op $(show_json(expected)))"
    holds = if op == "equals"
        json_equal(value, expected)
    elseif op == "not_equals"
        !json_equal(value, expected)
    elseif op == "type"
        json_type_matches(value, expected)
    elseif op == "length"
        json_length(value) == expected
    elseif op == "has_key"
        value isa AbstractDict && haskey(value, expected)
    elseif op == "lacks_key"
        value isa AbstractDict && !haskey(value, expected)
    elseif op == "one_of"
        any(json_equal(value, option) for option in expected)
    elseif op == "is_or_of"
        operands = [resolve_pointer(body, p) for p in expected]
        value isa Bool && all(found_bool -> found_bool[1] && found_bool[2] isa Bool, operands) &&
            value == any(operand[2] for operand in operands)
    elseif op == "gte"
        is_json_number(value) && value >= expected
    elseif op == "lte"
        is_json_number(value) && value <= expected
    else
        return "$pointer: unsupported operator $(repr(op))"
    end
    return holds ? nothing : "$pointer: $(show_json(value)) fails $op $(show_json(expected))"
end

unknown_fields(object::AbstractDict, known) = [key for key in keys(object) if !(key in known)]

"""
    check_expect(expect, response, vars) -> Vector{String}

Every way the response misses its expectations.
"""
function check_expect(expect::AbstractDict, response::CaseResponse, vars::AbstractDict)
    problems = ["unknown expect field $(repr(f))" for f in unknown_fields(expect, EXPECT_FIELDS)]
    if haskey(expect, "status")
        wanted = expect["status"]
        ok = wanted isa AbstractVector ? response.status in wanted : response.status == wanted
        ok || push!(problems, "status $(response.status), expected $(show_json(wanted))")
    end
    if haskey(expect, "content_type")
        content_type = GymHTTP.header_value(response.headers, "Content-Type")
        wanted = lowercase(expect["content_type"])
        (content_type !== nothing && startswith(lowercase(content_type), wanted)) ||
            push!(problems, "Content-Type $(repr(content_type)), expected $(repr(wanted))")
    end
    if haskey(expect, "headers_present")
        for name in expect["headers_present"]
            GymHTTP.header_value(response.headers, name) === nothing && push!(problems, "header $name missing")
        end
    end
    if haskey(expect, "code")
        body = response.json
        is_error = response.parsed && body isa AbstractDict &&
                   get(body, "message", nothing) isa AbstractString && get(body, "code", nothing) isa AbstractString
        if !is_error
            push!(problems, "expected an Error body {message, code}, got $(response.parsed ? show_json(body) : "non-JSON")")
        elseif body["code"] != expect["code"]
            push!(problems, "code $(repr(body["code"])), expected $(repr(expect["code"]))")
        end
    end
    if haskey(expect, "schema")
        response.parsed || push!(problems, "expected a JSON body for schema $(expect["schema"])")
        SCHEMA_CHECKS_SKIPPED[] += 1
    end
    if haskey(expect, "assert")
        for assertion in expect["assert"]
            failure = check_assertion(substitute(assertion, vars), response.parsed ? response.json : nothing)
            response.parsed || (failure = something(failure, "body is not JSON"))
            failure === nothing || push!(problems, failure)
        end
    end
    return problems
end

"""
    send_case_request(client, request) -> CaseResponse

Send a substituted request exactly as written: JSON `body` (with Content-Type
application/json unless its headers say otherwise) or verbatim `raw_body`.
"""
function send_case_request(client::GymClient, request::AbstractDict)
    headers = Pair{String,String}[String(k) => String(v) for (k, v) in get(request, "headers", Dict{String,Any}())]
    payload = nothing
    if haskey(request, "raw_body")
        payload = String(request["raw_body"])
    elseif haskey(request, "body")
        payload = json_text(request["body"])
        GymHTTP.header_value(headers, "Content-Type") === nothing && push!(headers, "Content-Type" => "application/json")
    end
    raw = GymHTTP.send_request(client, request["method"], request["path"]; body = payload, headers = headers, retries = 0)
    text = GymHTTP.body_text(raw)
    parsed, json = false, nothing
    if !isempty(text)
        try
            json = parse_json_text(text)
            parsed = true
        catch
            parsed = false
        end
    end
    return CaseResponse(raw.status, raw.headers, parsed, json)
end

"""
    run_step(client, step, vars) -> Vector{String}

Send one step's request, check its expectations and save its variables.
"""
function run_step(client::GymClient, step::AbstractDict, vars::AbstractDict; status::Ref{Int} = Ref(0))
    problems = ["unknown step field $(repr(f))" for f in unknown_fields(step, STEP_FIELDS)]
    request = step["request"]
    append!(problems, ["unknown request field $(repr(f))" for f in unknown_fields(request, REQUEST_FIELDS)])
    isempty(problems) || return problems
    response = send_case_request(client, substitute(request, vars))
    status[] = response.status
    append!(problems, check_expect(get(step, "expect", Dict{String,Any}()), response, vars))
    isempty(problems) || return problems
    for (name, pointer) in get(step, "save", Dict{String,Any}())
        found, value = response.parsed ? resolve_pointer(response.json, pointer) : (false, nothing)
        found ? (vars[name] = value) : push!(problems, "cannot save $name: nothing at $pointer")
    end
    return problems
end

"Cleanup steps run whatever happened; a step whose variables are unset is skipped."
function run_cleanup(client::GymClient, steps, vars::AbstractDict)
    for step in steps
        try
            send_case_request(client, substitute(step["request"], vars))
        catch err
            err isa Union{UnsetVariable,GymHTTPError} || rethrow()
        end
    end
end

"""
    run_case(client, case, envs) -> CaseOutcome

Run the steps until one fails, then the cleanup. A case that needs an
environment the server cannot create is skipped, not failed. `envs` is an
`EnvAvailability`, or a set of registered ids.
"""
function run_case(client::GymClient, case::AbstractDict, envs)
    name = String(case["name"])
    profile = String(get(case, "profile", ""))
    absent_envs = missing_envs(envs, get(case, "requires_envs", Any[]))
    isempty(absent_envs) || return CaseOutcome(name, profile, "cannot create " * join(absent_envs, "; "), String[])
    profile == AUTH_PROFILE && client.token === nothing && return CaseOutcome(name, profile, NO_TOKEN, String[])
    haskey(UNCHECKED_PROFILES, profile) && return CaseOutcome(name, profile, UNCHECKED_PROFILES[profile], String[])
    failures = ["unknown case field $(repr(f))" for f in unknown_fields(case, CASE_FIELDS)]
    profile in PROFILES || push!(failures, "profile $(repr(profile)) is not one of $(join(PROFILES, ", "))")
    vars = Dict{String,Any}()
    client.token === nothing || (vars["token"] = client.token)
    on_missing_route = false
    if isempty(failures)
        for (index, step) in enumerate(case["steps"])
            status = Ref(0)
            problems = try
                run_step(client, step, vars; status = status)
            catch err
                # a broken case file (ArgumentError) fails its case, not the run
                err isa Union{UnsetVariable,GymHTTPError,ArgumentError} || rethrow()
                [sprint(showerror, err)]
            end
            if !isempty(problems)
                append!(failures, ["step $index: $problem" for problem in problems])
                on_missing_route = missing_route(status[], get(step, "expect", Dict{String,Any}()))
                break
            end
        end
    end
    run_cleanup(client, get(case, "cleanup", Any[]), vars)
    return CaseOutcome(name, profile, nothing, failures, on_missing_route)
end

"""
Which environment ids a server can create: its registry (an extension) where
it has one, otherwise one create-and-close probe per id, remembered.
"""
struct EnvAvailability
    client::GymClient
    registry::Union{Nothing,Set{String}}
    probed::Dict{String,Union{Nothing,String}}
end

function EnvAvailability(client::GymClient)
    registry = try
        registry_ids(client)
    catch err
        err isa GymHTTPError || rethrow()
        nothing
    end
    return EnvAvailability(client, registry, Dict{String,Union{Nothing,String}}())
end

missing_envs(registry::AbstractSet, ids) = [String(id) * " (not in GET /v1/registry/)" for id in ids if !(id in registry)]

function missing_envs(envs::EnvAvailability, ids)
    envs.registry === nothing || return missing_envs(envs.registry, ids)
    absent = String[]
    for id in ids
        haskey(envs.probed, id) || (envs.probed[id] = probe_env(envs.client, id))
        why = envs.probed[id]
        why === nothing || push!(absent, "$id ($why)")
    end
    return absent
end

"Create `env_id` and close it again: nothing when that worked, else why not."
function probe_env(client::GymClient, env_id::AbstractString)
    request = Dict{String,Any}("method" => "POST", "path" => "/v1/envs/", "body" => Dict{String,Any}("env_id" => env_id))
    response = try
        send_case_request(client, request)
    catch err
        err isa GymHTTPError || rethrow()
        return sprint(showerror, err)
    end
    found, instance_id = response.parsed ? resolve_pointer(response.json, "/instance_id") : (false, nothing)
    (response.status == 200 && found && instance_id isa AbstractString) ||
        return "POST /v1/envs/ answered $(response.status)"
    send_case_request(client, Dict{String,Any}("method" => "POST", "path" => "/v1/envs/$instance_id/close/"))
    return nothing
end

"The environment ids the server can create, read once per run."
registry_ids(client::GymClient) = Set{String}(String(entry["env_id"]) for entry in GymHTTP.list_registry(client))

"""
    run_case_file(client, path, envs; profiles = PROFILES) -> Vector{CaseOutcome}

The cases of one file whose profile is among `profiles`.
"""
function run_case_file(client::GymClient, path::AbstractString, envs; profiles = PROFILES)
    document = read_json_file(path)
    return CaseOutcome[run_case(client, case, envs) for case in document["cases"]
                       if get(case, "profile", "") in profiles]
end
