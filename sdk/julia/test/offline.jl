# Offline tests that need JSON3 (parsing error bodies, writing failure
# messages); everything offline that needs only the standard library is in
# offline_stdlib.jl, which also runs where JSON3 is not installed.

@testset "errors from response bodies" begin
    unknown = GymHTTP.api_error(400, """{"message": "Instance_id 0123abcd unknown", "code": "unknown_instance"}""")
    @test unknown isa UnknownInstanceError
    @test (unknown.status, unknown.code, unknown.message) == (400, "unknown_instance", "Instance_id 0123abcd unknown")
    @test occursin("unknown_instance", sprint(showerror, unknown))
    @test GymHTTP.api_error(400, """{"message": "m", "code": "invalid_action"}""") isa InvalidActionError
    @test GymHTTP.api_error(400, """{"message": "m", "code": "reset_needed"}""") isa BadRequestError
    @test GymHTTP.api_error(429, """{"message": "m", "code": "too_many_envs"}""") isa LimitError
    @test GymHTTP.api_error(501, """{"message": "m", "code": "video_unavailable"}""") isa NotImplementedByServerError
    @test GymHTTP.api_error(502, "<html>bad gateway</html>") isa ServerError
    @test GymHTTP.api_error(401, "") isa AuthError
    @test GymHTTP.api_error(404, "") isa NotFoundError
end

@testset "conformance interpreter: failure messages" begin
    step = Dict{String,Any}("observation" => 0, "done" => true, "terminated" => false, "truncated" => true)
    @test check_assertion(Dict{String,Any}("pointer" => "/terminated", "is_or_of" => Any["/done", "/truncated"]), step) !== nothing
    @test check_assertion(Dict{String,Any}("pointer" => "/observation", "gte" => 1), step) == "/observation: 0 fails gte 1"
    @test check_assertion(Dict{String,Any}("pointer" => "/done", "absent" => true), step) == "/done: expected nothing there, found true"
    vars = Dict{String,Any}("obs" => Any[1, 2])
    @test substitute("obs={{obs}}", vars) == "obs=[1,2]"
end
