# One function per endpoint of spec/openapi.yaml. Each sends JSON, raises the
# typed error for any error status, and returns plain Julia values.

"""
    plain(x)

A parsed JSON3 value as ordinary Julia containers (`Dict{String,Any}`,
`Vector{Any}`), so results can be mutated, compared and stored freely.
"""
plain(x::AbstractDict) = Dict{String,Any}(string(k) => plain(v) for (k, v) in x)
plain(x::AbstractVector) = Any[plain(v) for v in x]
plain(x) = x

"""
    call(client, method, path; body = nothing)

Send `body` as JSON, raise a `GymHTTPError` for any status >= 400, and return
the parsed body (`nothing` for 204 and empty bodies).
"""
function call(client::GymClient, method::AbstractString, path::AbstractString; body = nothing)
    headers = Pair{String,String}[]
    payload = nothing
    if body !== nothing
        payload = JSON3.write(body)
        push!(headers, "Content-Type" => "application/json")
    end
    response = send_request(client, method, path; body = payload, headers = headers)
    text = body_text(response)
    response.status >= 400 && throw(api_error(response.status, text))
    (response.status == 204 || isempty(text)) && return nothing
    return plain(JSON3.read(text))
end

envs_path(instance_id::AbstractString, rest::AbstractString = "") = "/v1/envs/$(instance_id)/$(rest)"

# Only the fields the caller gave: the server tells absent from null in places.
given(pairs::Pair...) = Dict{String,Any}(k => v for (k, v) in pairs if v !== nothing)

"""
    create_env(client, env_id; seed = nothing, render_mode = nothing, kwargs = nothing) -> String

Create an instance of a registered environment and return its instance id.
"""
function create_env(client::GymClient, env_id::AbstractString;
                    seed = nothing, render_mode = nothing, kwargs = nothing)
    body = given("env_id" => env_id, "seed" => seed, "render_mode" => render_mode, "kwargs" => kwargs)
    return String(call(client, "POST", "/v1/envs/"; body = body)["instance_id"])
end

"`list_envs(client)`: every live instance id => the env id it runs."
function list_envs(client::GymClient)
    answer = call(client, "GET", "/v1/envs/")
    return Dict{String,String}(String(k) => String(v) for (k, v) in answer["all_envs"])
end

"`list_registry(client)`: the environments this server can create, one Dict per env id."
list_registry(client::GymClient) = Vector{Dict{String,Any}}(call(client, "GET", "/v1/registry/")["envs"])

"`describe_env(client, instance_id)`: spec facts, spaces and counters of one instance."
describe_env(client::GymClient, instance_id::AbstractString) = call(client, "GET", envs_path(instance_id))

"""
    reset!(client, instance_id; seed = nothing, options = nothing) -> (observation, info)

Start a new episode. The same seed gives the same first observation.
"""
function reset!(client::GymClient, instance_id::AbstractString; seed = nothing, options = nothing)
    answer = call(client, "POST", envs_path(instance_id, "reset/"); body = given("seed" => seed, "options" => options))
    return (observation = answer["observation"], info = answer["info"])
end

"""
    step!(client, instance_id, action) -> (observation, reward, terminated, truncated, info)

Take one action. An action outside the action space raises `InvalidActionError`
and leaves the episode untouched.
"""
function step!(client::GymClient, instance_id::AbstractString, action)
    answer = call(client, "POST", envs_path(instance_id, "step/");
                  body = Dict{String,Any}("action" => encode_value(action)))
    return (observation = answer["observation"], reward = decode_float(answer["reward"]),
            terminated = answer["terminated"]::Bool, truncated = answer["truncated"]::Bool,
            info = answer["info"])
end

"""
    render_frame(client, instance_id; format = "json")

The current frame of an instance created with a `render_mode`, as the JSON
frame (nested arrays, or text for `ansi`). With `format = "png"`, the frame of
an `rgb_array` instance as PNG bytes (`Vector{UInt8}`), asked for with
`Accept: image/png`; a server that answers something else raises
`NotImplementedByServerError`.
"""
function render_frame(client::GymClient, instance_id::AbstractString; format::AbstractString = "json")
    path = envs_path(instance_id, "render/")
    format == "json" && return call(client, "GET", path)["frame"]
    format == "png" || throw(ArgumentError("format must be \"json\" or \"png\", got $(repr(format))"))
    response = send_request(client, "GET", path; headers = ("Accept" => "image/png",))
    response.status >= 400 && throw(api_error(response.status, body_text(response)))
    media = something(header_value(response.headers, "Content-Type"), "no Content-Type")
    startswith(lowercase(media), "image/png") || throw(NotImplementedByServerError(
        response.status, "", "$(client.base_url) answered $media, not image/png: it cannot send PNG frames"))
    return response.body
end

"`action_space(client, instance_id) -> Space`"
action_space(client::GymClient, instance_id::AbstractString) =
    parse_space(call(client, "GET", envs_path(instance_id, "action_space/"))["info"])

"`observation_space(client, instance_id) -> Space`"
observation_space(client::GymClient, instance_id::AbstractString) =
    parse_space(call(client, "GET", envs_path(instance_id, "observation_space/"))["info"])

"`sample_action(client, instance_id)`: a random member of the action space, as it travels."
sample_action(client::GymClient, instance_id::AbstractString) =
    call(client, "GET", envs_path(instance_id, "action_space/sample"))["action"]

"`contains_action(client, instance_id, action) -> Bool`, decided by the server."
function contains_action(client::GymClient, instance_id::AbstractString, action)
    body = Dict{String,Any}("action" => encode_value(action))
    return call(client, "POST", envs_path(instance_id, "action_space/contains"); body = body)["member"]::Bool
end

"`contains_observation(client, instance_id, observation) -> Bool`, decided by the server."
function contains_observation(client::GymClient, instance_id::AbstractString, observation)
    body = Dict{String,Any}("observation" => encode_value(observation))
    return call(client, "POST", envs_path(instance_id, "observation_space/contains"); body = body)["member"]::Bool
end

"`close_env(client, instance_id)`: free the instance; its id is unknown afterwards."
function close_env(client::GymClient, instance_id::AbstractString)
    call(client, "POST", envs_path(instance_id, "close/"))
    return nothing
end

# Batches (the vector extension): one request resets or steps every sub-environment.

vector_path(vector_id::AbstractString, rest::AbstractString = "") = "/v1/vector_envs/$(vector_id)/$(rest)"

"""
    create_vector_env(client, env_id, num_envs; seed = nothing, vectorization_mode = nothing,
                      kwargs = nothing) -> String

Create a batch of `num_envs` sub-environments (`gymnasium.make_vec` on the
server) and return its vector id. `vectorization_mode` is `"vector_entry_point"`,
`"sync"` or `"async"`; by default the env's own vector entry point where it
has one, else `"sync"`.
"""
function create_vector_env(client::GymClient, env_id::AbstractString, num_envs::Integer;
                           seed = nothing, vectorization_mode = nothing, kwargs = nothing)
    body = given("env_id" => env_id, "num_envs" => num_envs, "seed" => seed,
                 "vectorization_mode" => vectorization_mode, "kwargs" => kwargs)
    return String(call(client, "POST", "/v1/vector_envs/"; body = body)["vector_id"])
end

"""
    create_group(client, env_id, count; seed = nothing, options = nothing, render_mode = nothing, kwargs = nothing)
        -> (instance_ids, observations, infos)

Create `count` instances of `env_id` and reset each with `seed` and `options`
(same-seed copies of one task). All or none: a group that does not fit raises
a `LimitError` (`too_many_envs`) and creates nothing.
"""
function create_group(client::GymClient, env_id::AbstractString, count::Integer;
                      seed = nothing, options = nothing, render_mode = nothing, kwargs = nothing)
    body = given("env_id" => env_id, "count" => count, "seed" => seed, "options" => options,
                 "render_mode" => render_mode, "kwargs" => kwargs)
    answer = call(client, "POST", "/v1/env_groups/"; body = body)
    return (instance_ids = String[String(i) for i in answer["instance_ids"]],
            observations = answer["observations"], infos = answer["infos"])
end

"""
    reset_group!(client, instance_ids; seed = nothing, options = nothing) -> (observations, infos)

Reset each instance with one seed and options, in the order given.
"""
function reset_group!(client::GymClient, instance_ids::AbstractVector; seed = nothing, options = nothing)
    body = given("instance_ids" => collect(instance_ids), "seed" => seed, "options" => options)
    answer = call(client, "POST", "/v1/env_groups/reset/"; body = body)
    return (observations = answer["observations"], infos = answer["infos"])
end

"`action_space_json_schema(client, instance_id)`: the action space as a JSON Schema (2020-12)."
action_space_json_schema(client::GymClient, instance_id::AbstractString) =
    call(client, "GET", envs_path(instance_id, "action_space/json_schema"))

"`observation_space_json_schema(client, instance_id)`: the observation space as a JSON Schema (2020-12)."
observation_space_json_schema(client::GymClient, instance_id::AbstractString) =
    call(client, "GET", envs_path(instance_id, "observation_space/json_schema"))

"`list_vector_envs(client)`: every live vector id => Dict(\"env_id\", \"num_envs\")."
list_vector_envs(client::GymClient) =
    Dict{String,Any}(call(client, "GET", "/v1/vector_envs/")["all_vector_envs"])

"`describe_vector_env(client, vector_id)`: num_envs, modes, single and batched spaces, counters."
describe_vector_env(client::GymClient, vector_id::AbstractString) = call(client, "GET", vector_path(vector_id))

"""
    reset_vector!(client, vector_id; seed = nothing, options = nothing) -> (observations, infos)

Reset every sub-environment; `observations` holds one observation per sub-environment.
"""
function reset_vector!(client::GymClient, vector_id::AbstractString; seed = nothing, options = nothing)
    answer = call(client, "POST", vector_path(vector_id, "reset/"); body = given("seed" => seed, "options" => options))
    return (observations = answer["observations"], infos = answer["infos"])
end

"""
    step_vector!(client, vector_id, actions) -> (observations, rewards, terminations, truncations, infos)

One action per sub-environment. Sub-environments whose episode ended reset
themselves on their next step (next-step autoreset). A wrong number of
actions raises a `BadRequestError` with code `wrong_batch_size`.
"""
function step_vector!(client::GymClient, vector_id::AbstractString, actions::AbstractVector)
    answer = call(client, "POST", vector_path(vector_id, "step/");
                  body = Dict{String,Any}("actions" => encode_value(actions)))
    return (observations = answer["observations"],
            rewards = Float64[decode_float(r) for r in answer["rewards"]],
            terminations = Bool[t for t in answer["terminations"]],
            truncations = Bool[t for t in answer["truncations"]],
            infos = answer["infos"])
end

"`close_vector_env(client, vector_id)`: free the batch; its id is unknown (404) afterwards."
function close_vector_env(client::GymClient, vector_id::AbstractString)
    call(client, "POST", vector_path(vector_id, "close/"))
    return nothing
end

"""
    monitor_start(client, instance_id, directory; force = false, resume = false, video_callable = false)

Record the instance's finished episodes (and, with `video_callable` `true` or
N, video of chosen episodes) into `directory`, a folder inside the server's
data folder, in the original gym Monitor's file layout.
"""
function monitor_start(client::GymClient, instance_id::AbstractString, directory::AbstractString;
                       force::Bool = false, resume::Bool = false, video_callable = false)
    body = Dict{String,Any}("directory" => directory, "force" => force, "resume" => resume,
                            "video_callable" => video_callable)
    return call(client, "POST", envs_path(instance_id, "monitor/start/"); body = body)
end

"`monitor_close(client, instance_id)`: stop recording; every finished episode is written."
monitor_close(client::GymClient, instance_id::AbstractString) =
    call(client, "POST", envs_path(instance_id, "monitor/close/"))

"""
    upload(client, training_dir; api_key, algorithm_id = nothing) -> Dict{String,Any}

Store the run recorded in `training_dir` (a `monitor_start` directory) in the
server's results, and return `{run_id, created, env_id, episodes}`. The same
recording uploaded again returns the run stored first, with `created = false`.
`api_key` identifies the uploader and is kept only as an HMAC keyed by the server's secret.
"""
function upload(client::GymClient, training_dir::AbstractString; api_key::AbstractString, algorithm_id = nothing)
    body = given("training_dir" => training_dir, "api_key" => api_key, "algorithm_id" => algorithm_id)
    return call(client, "POST", "/v1/upload/"; body = body)
end

"""
    escape_query(text) -> String

`text` percent-encoded for a URL query or path segment: every byte except
RFC 3986's unreserved characters (letters, digits, `-._~`).
"""
function escape_query(text::AbstractString)
    io = IOBuffer()
    for byte in codeunits(text)
        char = Char(byte)
        if ('A' <= char <= 'Z') || ('a' <= char <= 'z') || ('0' <= char <= '9') || char in ('-', '.', '_', '~')
            write(io, byte)
        else
            print(io, '%', uppercase(string(byte; base = 16, pad = 2)))
        end
    end
    return String(take!(io))
end

"""
    query_string(pairs...) -> String

`?name=value&...` for the pairs whose value is not `nothing`, escaped; `""`
when there are none.
"""
function query_string(pairs::Pair...)
    parts = ["$(escape_query(string(k)))=$(escape_query(string(v)))" for (k, v) in pairs if v !== nothing]
    return isempty(parts) ? "" : "?" * join(parts, "&")
end

"""
    results(client; env_id = nothing, limit = nothing) -> Vector{Dict{String,Any}}

Uploaded runs, newest first, one summary each: `run_id`, `env_id`,
`algorithm_id`, `uploader` (an HMAC of the api key, keyed by the server's secret), `training_dir`,
`uploaded_at`, `episodes`, `mean_reward`, `best_reward`, `wall_time`.
`env_id` keeps only that environment's runs; `limit` caps how many (1 to 1000;
the server's default is 100).
"""
function results(client::GymClient; env_id = nothing, limit = nothing)
    path = "/v1/results/" * query_string("env_id" => env_id, "limit" => limit)
    return Vector{Dict{String,Any}}(call(client, "GET", path)["runs"])
end

"""
    result(client, run_id) -> Dict{String,Any}

One uploaded run: its summary (as `results` lists it) with every episode,
`episode_rewards`, `episode_lengths`, `timestamps` (Unix time at each
episode's end), `initial_reset_timestamp` and `videos`. An unknown id raises
`NotFoundError` with code `unknown_run`.
"""
result(client::GymClient, run_id::AbstractString) = call(client, "GET", "/v1/results/" * escape_query(run_id))

"`health(client)`: `{status, version, envs}` when the server is up."
health(client::GymClient) = call(client, "GET", "/healthz")

"`shutdown_server(client)`: stop the server (only if it was started with `--allow-shutdown`)."
shutdown_server(client::GymClient) = call(client, "POST", "/v1/shutdown/")
