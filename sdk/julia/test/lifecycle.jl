# The core loop every user runs, against a real server: create, inspect,
# reset with a seed, step to the end of an episode, close, and the typed
# errors along the way. Included by runtests.jl with `CLIENT` defined.

"Step with sampled actions until the episode ends; returns (done, rewards, members)."
function run_random_episode(client::GymClient, instance_id::AbstractString; max_steps::Int = 1000)
    rewards = Float64[]
    members = Bool[]
    done = false
    while !done && length(rewards) < max_steps
        action = sample_action(client, instance_id)
        push!(members, contains_action(client, instance_id, action))
        result = step!(client, instance_id, action)
        push!(rewards, result.reward)
        done = result.terminated || result.truncated
    end
    return (done = done, rewards = rewards, members = members)
end

@testset "lifecycle" begin
    client = CLIENT
    @test "CartPole-v1" in [entry["env_id"] for entry in list_registry(client)]
    instance_id = create_env(client, "CartPole-v1")
    @test occursin(r"^[0-9a-f]{8}$", instance_id)
    @test list_envs(client)[instance_id] == "CartPole-v1"

    @test action_space(client, instance_id) == Discrete(2, 0, "int64")
    observation_box = observation_space(client, instance_id)
    @test observation_box isa Box && observation_box.shape == [4]
    @test observation_box.high[2] == Inf

    @test_throws BadRequestError step!(client, instance_id, 0)  # reset_needed
    initial = reset!(client, instance_id; seed = 42)
    @test length(initial.observation) == 4
    @test reset!(client, instance_id; seed = 42).observation == initial.observation

    episode = run_random_episode(client, instance_id)
    @test episode.done
    @test !isempty(episode.rewards) && all(==(1.0), episode.rewards)
    @test all(episode.members)
    @test !contains_action(client, instance_id, 7)
    @test_throws InvalidActionError step!(client, instance_id, 7)
    @test_throws BadRequestError monitor_start(client, instance_id, "../outside")
    monitor_start(client, instance_id, "/tmp/gym-http-julia-monitor"; force = true)
    recorded = run_random_episode(client, instance_id)
    monitor_close(client, instance_id)
    uploaded = upload(client, "/tmp/gym-http-julia-monitor"; api_key = "julia", algorithm_id = "random")
    @test uploaded["episodes"] == 1 && uploaded["env_id"] == "CartPole-v1"
    @test sort(collect(keys(uploaded))) == ["created", "env_id", "episodes", "run_id"]
    again = upload(client, "/tmp/gym-http-julia-monitor"; api_key = "julia")
    @test again["run_id"] == uploaded["run_id"] && again["created"] isa Bool && !again["created"]
    @test_throws BadRequestError upload(client, "/tmp/never-recorded"; api_key = "julia")

    run = result(client, uploaded["run_id"])
    @test run["run_id"] == uploaded["run_id"] && run["algorithm_id"] == "random"
    @test run["episode_rewards"] == [sum(recorded.rewards)]
    @test run["episode_lengths"] == [length(recorded.rewards)]
    listed = results(client; env_id = "CartPole-v1")
    @test uploaded["run_id"] in [r["run_id"] for r in listed]
    @test all(r -> r["env_id"] == "CartPole-v1", listed)
    @test length(results(client; limit = 1)) == 1
    @test isempty(results(client; env_id = "MountainCar-v0"))
    missing_run = try
        result(client, "0000000000000000")
        nothing
    catch caught
        caught
    end
    @test missing_run isa NotFoundError && missing_run.code == "unknown_run"

    close_env(client, instance_id)
    @test !haskey(list_envs(client), instance_id)
    @test_throws UnknownInstanceError reset!(client, instance_id)
    err = try
        reset!(client, instance_id)
        nothing
    catch caught
        caught
    end
    @test err isa UnknownInstanceError && err.status == 400 && err.code == "unknown_instance"
    @test occursin("unknown", sprint(showerror, err))
end

@testset "RemoteEnv" begin
    client = CLIENT
    kept_id = RemoteEnv(client, "CartPole-v1"; seed = 3) do env
        observation, info = reset!(env)
        @test info isa AbstractDict
        @test observation isa Vector{Float64} && length(observation) == 4
        @test observation in env.observation_space
        result = step!(env, sample_action(env))
        @test result.observation isa Vector{Float64}
        @test result.terminated isa Bool
        env.instance_id
    end
    @test_throws UnknownInstanceError describe_env(client, kept_id)
end

"Width and height from a PNG's IHDR chunk, after checking the signature."
function png_size(bytes::Vector{UInt8})
    bytes[1:8] == UInt8[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] || error("not a PNG")
    String(bytes[13:16]) == "IHDR" || error("no IHDR chunk first")
    big_endian(range) = foldl((acc, b) -> acc << 8 | Int(b), bytes[range]; init = 0)
    return (width = big_endian(17:20), height = big_endian(21:24))
end

@testset "frames" begin
    client = CLIENT
    RemoteEnv(client, "CartPole-v1"; render_mode = "rgb_array") do env
        reset!(env; seed = 1)
        png = render_frame(env; format = "png")
        @test png isa Vector{UInt8}
        @test png_size(png) == (width = 600, height = 400)
        @test png_size(render_frame(client, env.instance_id; format = "png")) == (width = 600, height = 400)
        frame = render_frame(env)
        @test length(frame) == 400 && length(frame[1]) == 600 && frame[1][1] == [255, 255, 255]
        @test_throws ArgumentError render_frame(env; format = "gif")
    end
    instance_id = create_env(client, "CartPole-v1")
    reset!(client, instance_id)
    @test_throws BadRequestError render_frame(client, instance_id; format = "png")
    close_env(client, instance_id)
end

@testset "transport errors" begin
    unreachable = GymClient("http://127.0.0.1:1"; timeout = 2, retries = 0)
    @test_throws ConnectionError list_envs(unreachable)
end

@testset "batches" begin
    client = CLIENT
    vector_id = create_vector_env(client, "CartPole-v1", 3; seed = 7)
    @test occursin(r"^[0-9a-f]{8}$", vector_id)
    @test list_vector_envs(client)[vector_id]["num_envs"] == 3
    description = describe_vector_env(client, vector_id)
    @test description["autoreset_mode"] == "NextStep"
    @test description["observation_space"]["shape"] == [3, 4]
    first = reset_vector!(client, vector_id)
    @test length(first.observations) == 3
    @test reset_vector!(client, vector_id; seed = 7).observations == first.observations
    result = step_vector!(client, vector_id, [0, 1, 0])
    @test result.rewards == [1.0, 1.0, 1.0]
    @test result.terminations == [false, false, false]
    @test_throws BadRequestError step_vector!(client, vector_id, [0, 1])  # wrong_batch_size
    @test_throws InvalidActionError step_vector!(client, vector_id, [0, 1, 2])
    close_vector_env(client, vector_id)
    @test !haskey(list_vector_envs(client), vector_id)
    @test_throws NotFoundError reset_vector!(client, vector_id)  # unknown_vector
end


@testset "groups, JSON Schemas, Graph and OneOf" begin
    client = CLIENT
    group = create_group(client, "CartPole-v1", 3; seed = 5)
    @test length(unique(group.instance_ids)) == 3
    @test all(==(group.observations[1]), group.observations)
    @test reset_group!(client, group.instance_ids; seed = 5).observations == group.observations
    @test action_space_json_schema(client, group.instance_ids[1])["type"] == "integer"
    @test_throws UnknownInstanceError reset_group!(client, [group.instance_ids[1], "no-such-id"]; seed = 1)
    for id in group.instance_ids
        close_env(client, id)
    end
    if "GymHttpTest/GraphOneOf-v0" in [entry["env_id"] for entry in list_registry(client)]
        instance_id = create_env(client, "GymHttpTest/GraphOneOf-v0"; seed = 2)
        space = observation_space(client, instance_id)
        observation = decode_value(space, reset!(client, instance_id; seed = 2).observation)
        @test length(observation["graph"].nodes) == 3
        result = step!(client, instance_id, Dict("graph" => Dict("nodes" => [1, 0]), "choice" => Any[1, "ab"]))
        @test result.reward == 3.0
        close_env(client, instance_id)
    end
end
