# Tests that need no server: the retry policy, error mapping, wire values,
# space descriptions and the conformance interpreter's building blocks.

@testset "retry policy" begin
    @test GymHTTP.retry_delay("POST", 1, nothing; jitter = 0.0) === nothing
    @test GymHTTP.retry_delay("POST", 1, 503; jitter = 0.0) === nothing
    @test GymHTTP.retry_delay("GET", 1, 400; jitter = 0.0) === nothing
    @test GymHTTP.retry_delay("GET", 1, 200; jitter = 0.0) === nothing
    @test GymHTTP.retry_delay("GET", 1, nothing; jitter = 0.0) == 0.25
    @test GymHTTP.retry_delay("get", 2, 503; jitter = 1.0) == 1.0
    @test GymHTTP.retry_delay("GET", 3, 503; retries = 2, jitter = 0.0) === nothing
    @test GymHTTP.retry_delay("DELETE", 10, 502; retries = 20, cap = 8.0, jitter = 1.0) == 8.0
    @test GymHTTP.retry_delay("GET", 1, 429; retry_after = "3", jitter = 0.0) == 3.0
    @test GymHTTP.retry_delay("GET", 1, 429; retry_after = "1000", jitter = 0.0) == 60.0
    @test GymHTTP.retry_delay("GET", 1, 429; retry_after = "Wed, 21 Oct 2015 07:28:00 GMT", jitter = 0.0) == 0.25
    delays = [GymHTTP.retry_delay("GET", 1, 503) for _ in 1:50]
    @test all(d -> 0.25 <= d <= 0.5, delays)
end

@testset "errors are chosen by code, then status" begin
    unknown = GymHTTP.api_error(400, """{"message": "Instance_id 0123abcd unknown", "code": "unknown_instance"}""")
    @test unknown isa UnknownInstanceError
    @test unknown isa GymHTTPError
    @test (unknown.status, unknown.code, unknown.message) == (400, "unknown_instance", "Instance_id 0123abcd unknown")
    @test occursin("unknown_instance", sprint(showerror, unknown))
    @test GymHTTP.api_error(400, """{"message": "m", "code": "invalid_action"}""") isa InvalidActionError
    @test GymHTTP.api_error(400, """{"message": "m", "code": "reset_needed"}""") isa BadRequestError
    @test GymHTTP.api_error(429, """{"message": "m", "code": "too_many_envs"}""") isa LimitError
    @test GymHTTP.api_error(501, """{"message": "m", "code": "not_implemented"}""") isa NotImplementedByServerError
    @test GymHTTP.api_error(502, "<html>bad gateway</html>") isa ServerError
    @test GymHTTP.api_error(401, "") isa AuthError
    @test GymHTTP.api_error(404, "") isa NotFoundError
    @test ConnectionError("refused") isa GymHTTPError
    @test RequestTimeoutError("slow").status == 0
end

@testset "wire values" begin
    @test GymHTTP.decode_float("NaN") |> isnan
    @test GymHTTP.decode_float("-Infinity") == -Inf
    @test GymHTTP.decode_float(2) === 2.0
    @test_throws ArgumentError GymHTTP.decode_float("nan")
    @test encode_value([1.0, Inf, -Inf]) == Any[1.0, "Infinity", "-Infinity"]
    @test encode_value(NaN) == "NaN"
    @test encode_value([1 2 3; 4 5 6]) == Any[Any[1, 2, 3], Any[4, 5, 6]]
    @test encode_value((1, [0.5])) == Any[1, Any[0.5]]
    @test encode_value((a = 1,)) == Dict{String,Any}("a" => 1)
    matrix = GymHTTP.decode_array(Int, Any[Any[1, 2, 3], Any[4, 5, 6]], [2, 3])
    @test matrix == [1 2 3; 4 5 6]
    cube = reshape(collect(1:24), 2, 3, 4)
    @test GymHTTP.decode_array(Int, encode_value(cube), [2, 3, 4]) == cube
    @test GymHTTP.decode_array(Float64, "Infinity", [2]) == [Inf, Inf]
end

@testset "space descriptions" begin
    box = GymHTTP.parse_space(Dict{String,Any}(
        "name" => "Box", "shape" => Any[2], "dtype" => "float32",
        "low" => Any[-1e100, 0.0], "high" => Any[1e100, 1.0],
        "bounds" => Dict{String,Any}("low" => Any["-Infinity", 0.0], "high" => Any["Infinity", 1.0])))
    @test box isa Box
    @test box.low == [-Inf, 0.0]
    @test [0.0, 0.5] in box
    @test !([0.0, 2.0] in box)
    @test decode_value(box, Any["NaN", 1.0])[2] == 1.0
    discrete = GymHTTP.parse_space(Dict{String,Any}("name" => "Discrete", "n" => 3, "start" => -1, "dtype" => "int64"))
    @test discrete == Discrete(3, -1, "int64")
    @test 1 in discrete && !(2 in discrete) && !(true in discrete)
    nested = GymHTTP.parse_space(Dict{String,Any}("name" => "Dict", "spaces" => Dict{String,Any}(
        "pos" => Dict{String,Any}("name" => "Discrete", "n" => 2, "start" => 0, "dtype" => "int64"),
        "text" => Dict{String,Any}("name" => "Text", "min_length" => 1, "max_length" => 4, "charset" => "ab"))))
    @test nested isa DictSpace
    @test first.(nested.spaces) == ["pos", "text"]
    @test decode_value(nested, Dict{String,Any}("pos" => 1, "text" => "ab")) == Dict{String,Any}("pos" => 1, "text" => "ab")
    other = GymHTTP.parse_space(Dict{String,Any}("name" => "Graph", "supported" => false, "shape" => nothing))
    @test other == UnsupportedSpace("Graph", nothing)
end

@testset "conformance interpreter" begin
    document = Dict{String,Any}("a" => Any[10, Dict{String,Any}("b/c" => true, "m~n" => 1)])
    @test resolve_pointer(document, "") == (true, document)
    @test resolve_pointer(document, "/a/0") == (true, 10)
    @test resolve_pointer(document, "/a/1/b~1c") == (true, true)
    @test resolve_pointer(document, "/a/1/m~0n") == (true, 1)
    @test !resolve_pointer(document, "/a/2")[1]
    @test !resolve_pointer(document, "/a/01")[1]
    @test json_equal(1, 1.0) && !json_equal(true, 1) && !json_equal(0, false)
    @test json_equal(Dict{String,Any}("x" => Any[1, 2]), Dict{String,Any}("x" => Any[1.0, 2.0]))
    @test json_type_matches(1.0, "integer") && !json_type_matches(1.5, "integer") && !json_type_matches(true, "number")
    vars = Dict{String,Any}("iid" => "0123abcd", "obs" => Any[1, 2])
    @test substitute("/v1/envs/{{iid}}/reset/", vars) == "/v1/envs/0123abcd/reset/"
    @test substitute(Dict{String,Any}("x" => "{{obs}}"), vars) == Dict{String,Any}("x" => Any[1, 2])
    @test_throws UnsetVariable substitute("{{nope}}", vars)
    step = Dict{String,Any}("observation" => 0, "done" => true, "terminated" => false, "truncated" => true)
    @test check_assertion(Dict{String,Any}("pointer" => "/done", "is_or_of" => Any["/terminated", "/truncated"]), step) === nothing
    @test check_assertion(Dict{String,Any}("pointer" => "/terminated", "is_or_of" => Any["/done", "/truncated"]), step) !== nothing
    @test check_assertion(Dict{String,Any}("pointer" => "/missing", "absent" => true), step) === nothing
    @test check_assertion(Dict{String,Any}("pointer" => "/observation", "gte" => 1), step) !== nothing
    @test check_assertion(Dict{String,Any}("pointer" => "", "lacks_key" => "render"), step) === nothing
    @test check_assertion(Dict{String,Any}("pointer" => "", "frobnicate" => 1), step) !== nothing
end
