# RemoteEnv: one server-side instance that feels like a local environment.
# It knows its spaces, so observations arrive as Julia arrays with real
# infinities and NaNs instead of wire values.

"""
    RemoteEnv(client, env_id; seed = nothing, render_mode = nothing, kwargs = nothing)
    RemoteEnv(f, client, env_id; ...)

Create an instance on the server and fetch its spaces. The do-block form
closes the instance when `f` returns or throws:

    RemoteEnv(GymClient(), "CartPole-v1"; seed = 1) do env
        observation, info = reset!(env)
        ...
    end
"""
mutable struct RemoteEnv
    client::GymClient
    instance_id::String
    env_id::String
    action_space::Space
    observation_space::Space
    closed::Bool
end

function RemoteEnv(client::GymClient, env_id::AbstractString;
                   seed = nothing, render_mode = nothing, kwargs = nothing)
    instance_id = create_env(client, env_id; seed = seed, render_mode = render_mode, kwargs = kwargs)
    try
        return RemoteEnv(client, instance_id, String(env_id), action_space(client, instance_id),
                         observation_space(client, instance_id), false)
    catch
        close_quietly(client, instance_id)
        rethrow()
    end
end

function RemoteEnv(f::Function, client::GymClient, env_id::AbstractString; options...)
    env = RemoteEnv(client, env_id; options...)
    try
        return f(env)
    finally
        close!(env)
    end
end

# An instance we failed to set up must not outlive us; its own error wins.
function close_quietly(client::GymClient, instance_id::AbstractString)
    try
        close_env(client, instance_id)
    catch err
        err isa GymHTTPError || rethrow()
    end
    return nothing
end

Base.show(io::IO, env::RemoteEnv) =
    print(io, "RemoteEnv(", repr(env.env_id), ", ", repr(env.instance_id), env.closed ? ", closed" : "", ")")

action_space(env::RemoteEnv) = env.action_space
observation_space(env::RemoteEnv) = env.observation_space

"""
    reset!(env::RemoteEnv; seed = nothing, options = nothing) -> (observation, info)
"""
function reset!(env::RemoteEnv; seed = nothing, options = nothing)
    answer = reset!(env.client, env.instance_id; seed = seed, options = options)
    return (observation = decode_value(env.observation_space, answer.observation), info = answer.info)
end

"""
    step!(env::RemoteEnv, action) -> (observation, reward, terminated, truncated, info)
"""
function step!(env::RemoteEnv, action)
    answer = step!(env.client, env.instance_id, action)
    return (observation = decode_value(env.observation_space, answer.observation), reward = answer.reward,
            terminated = answer.terminated, truncated = answer.truncated, info = answer.info)
end

"`sample_action(env)`: a random action, decoded like observations are."
sample_action(env::RemoteEnv) = decode_value(env.action_space, sample_action(env.client, env.instance_id))

contains_action(env::RemoteEnv, action) = contains_action(env.client, env.instance_id, action)
contains_observation(env::RemoteEnv, observation) = contains_observation(env.client, env.instance_id, observation)
render_frame(env::RemoteEnv; format::AbstractString = "json") = render_frame(env.client, env.instance_id; format = format)

"""
    close!(env::RemoteEnv)

Free the instance on the server. Closing twice is harmless.
"""
function close!(env::RemoteEnv)
    env.closed && return nothing
    close_env(env.client, env.instance_id)
    env.closed = true
    return nothing
end

Base.close(env::RemoteEnv) = close!(env)
