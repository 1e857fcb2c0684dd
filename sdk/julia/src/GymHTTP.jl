"""
    GymHTTP

Drive Gymnasium environments served by gym-http-server from Julia.

    client = GymClient("http://127.0.0.1:5000")
    RemoteEnv(client, "CartPole-v1"; seed = 1) do env
        observation, info = reset!(env)
        result = step!(env, sample_action(env))
    end
"""
module GymHTTP

import HTTP
import JSON3

export GymClient, RemoteEnv
export create_env, list_envs, list_registry, describe_env, reset!, step!, render_frame
export action_space, observation_space, sample_action, contains_action, contains_observation
export close_env, close!, monitor_start, monitor_close, upload, results, result, health, shutdown_server
export create_vector_env, list_vector_envs, describe_vector_env, reset_vector!, step_vector!,
       close_vector_env
export create_group, reset_group!, action_space_json_schema, observation_space_json_schema
export GymHTTPError, BadRequestError, UnknownInstanceError, InvalidActionError, LimitError,
       AuthError, NotFoundError, NotImplementedByServerError, ServerError, ConnectionError,
       RequestTimeoutError
export Space, Discrete, Box, MultiBinary, MultiDiscrete, TupleSpace, DictSpace, TextSpace,
       SequenceSpace, GraphSpace, OneOfSpace, UnsupportedSpace, decode_value, encode_value

include("client.jl")
include("errors.jl")
include("spaces.jl")
include("api.jl")
include("env.jl")

end # module
