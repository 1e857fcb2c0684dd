# Offline tests of code that needs only Julia's standard library: the retry
# policy, error selection and display, wire values, space descriptions and the
# conformance interpreter's pure helpers. Included by runtests.jl and by
# stdlib_only.jl (which runs where HTTP.jl and JSON3.jl are not installed), so
# nothing here may reach HTTP or JSON3, even indirectly.

@testset "retry policy" begin
    @test GymHTTP.retry_delay("POST", 1, nothing; jitter = 0.0) === nothing
    @test GymHTTP.retry_delay("POST", 1, 503; jitter = 0.0) === nothing
    @test GymHTTP.retry_delay("GET", 1, 400; jitter = 0.0) === nothing
    @test GymHTTP.retry_delay("GET", 1, 200; jitter = 0.0) === nothing
    @test GymHTTP.retry_delay("GET", 1, nothing; jitter = 0.0) == 0.25
    @test GymHTTP.retry_delay("get", 2, 503; jitter = 1.0) == 1.0
    @test GymHTTP.retry_delay("GET", 3, 503; retries = 2, jitter = 0.0) === nothing
    @test GymHTTP.retry_delay("DELETE", 10, 502; retries = 20, cap = 8.0, jitter = 1.0) == 8.0
    @test GymHTTP.retry_delay("PUT", 1, 504; jitter = 0.0) == 0.25
    @test GymHTTP.retry_delay("GET", 1, 504; code = "step_timeout", jitter = 0.0) === nothing
    @test GymHTTP.retry_delay("GET", 1, 429; retry_after = "3", jitter = 0.0) == 3.0
    @test GymHTTP.retry_delay("GET", 1, 429; retry_after = "0", jitter = 1.0) == 0.5
    @test GymHTTP.retry_delay("GET", 1, 429; retry_after = "1000", jitter = 0.0) == 60.0
    @test GymHTTP.retry_delay("GET", 1, 429; retry_after = "Wed, 21 Oct 2015 07:28:00 GMT", jitter = 0.0) == 0.25
    delays = [GymHTTP.retry_delay("GET", 1, 503) for _ in 1:50]
    @test all(d -> 0.25 <= d <= 0.5, delays)
end

@testset "query strings for results" begin
    @test GymHTTP.query_string("env_id" => nothing, "limit" => nothing) == ""
    @test GymHTTP.query_string("env_id" => "CartPole-v1", "limit" => 5) == "?env_id=CartPole-v1&limit=5"
    @test GymHTTP.query_string("env_id" => nothing, "limit" => 1) == "?limit=1"
    @test GymHTTP.query_string("env_id" => "GymHttpTest/AllSpaces-v0") == "?env_id=GymHttpTest%2FAllSpaces-v0"
    @test GymHTTP.escape_query("a b&c=d~_.") == "a%20b%26c%3Dd~_."
    @test GymHTTP.escape_query("é") == "%C3%A9"
    @test GymHTTP.escape_query("") == ""
end

@testset "Retry-After header" begin
    @test GymHTTP.parse_retry_after(nothing) === nothing
    @test GymHTTP.parse_retry_after("3") === 3.0
    @test GymHTTP.parse_retry_after(" 1.5 ") === 1.5
    @test GymHTTP.parse_retry_after("-1") === nothing
    @test GymHTTP.parse_retry_after("Inf") === nothing
    @test GymHTTP.parse_retry_after("NaN") === nothing
    @test GymHTTP.parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") === nothing
end

"""
The spec's error table (`components.x-error-codes`), one entry a line in a
fixed flow form (the server's tests hold the spec to it): (code, status,
retry, category) tuples.
"""
function spec_error_table()
    spec = joinpath(@__DIR__, "..", "..", "..", "spec", "openapi.yaml")
    pattern = r"^    - \{ code: ([a-z_]+), status: (\d+), retry: (true|false), category: ([a-z_]+), "
    table = Tuple{String,Int,Bool,String}[]
    for line in eachline(spec)
        m = match(pattern, line)
        m === nothing || push!(table, (String(m[1]), parse(Int, m[2]), m[3] == "true", String(m[4])))
    end
    return table
end

@testset "errors follow the spec's table of codes" begin
    table = spec_error_table()
    @test length(table) >= 40
    # unmapped codes, and codes mapped that the server never sends
    @test sort([entry[1] for entry in table]) == sort(collect(keys(GymHTTP.ERROR_TYPES_BY_CODE)))
    @test sort(unique([entry[4] for entry in table])) == sort(collect(keys(GymHTTP.CATEGORY_TYPES)))
    for (code, status, retry, category) in table
        # each code's type belongs to its category
        @test GymHTTP.error_type(status, code) <: GymHTTP.CATEGORY_TYPES[category]
        # an idempotent request is retried exactly when the table says
        @test (GymHTTP.retry_delay("GET", 1, status; code = code, jitter = 0.0) !== nothing) == retry
        @test GymHTTP.retry_delay("POST", 1, status; jitter = 0.0) === nothing
    end
    for code in ("instance_expired", "unknown_vector", "vector_expired", "env_process_died",
                 "step_timeout")
        @test GymHTTP.error_type(400, code) === UnknownInstanceError
    end
end

@testset "the token comes from GYM_HTTP_TOKEN when not given" begin
    saved = get(ENV, "GYM_HTTP_TOKEN", nothing)
    try
        ENV["GYM_HTTP_TOKEN"] = "from-the-environment"
        @test GymClient("http://127.0.0.1:1").token == "from-the-environment"
        @test GymClient("http://127.0.0.1:1"; token = "given").token == "given"
        ENV["GYM_HTTP_TOKEN"] = ""
        @test GymClient("http://127.0.0.1:1").token === nothing
        delete!(ENV, "GYM_HTTP_TOKEN")
        @test GymClient("http://127.0.0.1:1").token === nothing
    finally
        saved === nothing ? delete!(ENV, "GYM_HTTP_TOKEN") : (ENV["GYM_HTTP_TOKEN"] = saved)
    end
end

@testset "errors are chosen by code, then status" begin
    @test GymHTTP.error_type(400, "unknown_instance") === UnknownInstanceError
    @test GymHTTP.error_type(400, "invalid_action") === InvalidActionError
    @test GymHTTP.error_type(400, "reset_needed") === BadRequestError
    @test GymHTTP.error_type(400, "") === BadRequestError
    @test GymHTTP.error_type(429, "too_many_envs") === LimitError
    @test GymHTTP.error_type(413, "body_too_large") === LimitError
    @test GymHTTP.error_type(413, "") === LimitError
    @test GymHTTP.error_type(403, "shutdown_disabled") === AuthError
    @test GymHTTP.error_type(401, "") === AuthError
    @test GymHTTP.error_type(404, "") === NotFoundError
    @test GymHTTP.error_type(501, "video_unavailable") === NotImplementedByServerError
    @test GymHTTP.error_type(501, "") === NotImplementedByServerError
    @test GymHTTP.error_type(500, "internal_error") === ServerError
    @test GymHTTP.error_type(503, "") === ServerError
    # the code wins over the status: a proxy's 500 cannot turn a known code into another type
    @test GymHTTP.error_type(500, "unknown_instance") === UnknownInstanceError
    @test GymHTTP.error_type(418, "some_future_code") === BadRequestError
    @test all(T -> T <: GymHTTPError, values(GymHTTP.ERROR_TYPES_BY_CODE))

    body = Dict{String,Any}("message" => "Instance_id 0123abcd unknown", "code" => "unknown_instance")
    unknown = GymHTTP.api_error(400, "(raw text)", body)
    @test unknown isa UnknownInstanceError
    @test unknown isa GymHTTPError
    @test (unknown.status, unknown.code, unknown.message) == (400, "unknown_instance", "Instance_id 0123abcd unknown")
    proxy = GymHTTP.api_error(502, "<html>bad gateway</html>", nothing)
    @test proxy isa ServerError
    @test (proxy.code, proxy.message) == ("", "<html>bad gateway</html>")
    @test GymHTTP.api_error(401, "", nothing).message == "HTTP 401"
    not_error_shaped = GymHTTP.api_error(400, "[1]", Any[1])
    @test not_error_shaped isa BadRequestError && not_error_shaped.message == "[1]"
    wrong_types = GymHTTP.api_error(400, "{}", Dict{String,Any}("code" => 7, "message" => nothing))
    @test (wrong_types.code, wrong_types.message) == ("", "{}")

    @test sprint(showerror, unknown) == "UnknownInstanceError: Instance_id 0123abcd unknown (HTTP 400, code unknown_instance)"
    @test sprint(showerror, proxy) == "ServerError: <html>bad gateway</html> (HTTP 502)"
    @test sprint(showerror, ConnectionError("refused")) == "ConnectionError: refused (code connection_failed)"
    @test sprint(showerror, RequestTimeoutError("slow")) == "RequestTimeoutError: slow (code timeout)"
    @test ConnectionError("refused") isa GymHTTPError
    @test RequestTimeoutError("slow").status == 0
end

@testset "wire values" begin
    @test GymHTTP.decode_float("NaN") |> isnan
    @test GymHTTP.decode_float("Infinity") == Inf
    @test GymHTTP.decode_float("-Infinity") == -Inf
    @test GymHTTP.decode_float(2) === 2.0
    @test_throws ArgumentError GymHTTP.decode_float("nan")
    @test_throws ArgumentError GymHTTP.decode_float("inf")
    @test encode_value([1.0, Inf, -Inf]) == Any[1.0, "Infinity", "-Infinity"]
    @test encode_value(NaN) == "NaN"
    @test encode_value(Float32(-Inf)) == "-Infinity"
    @test encode_value(2.5) === 2.5
    @test encode_value([1 2 3; 4 5 6]) == Any[Any[1, 2, 3], Any[4, 5, 6]]
    @test encode_value(fill(7.0)) === 7.0
    @test encode_value((1, [0.5])) == Any[1, Any[0.5]]
    @test encode_value((a = 1,)) == Dict{String,Any}("a" => 1)
    @test encode_value(Dict(:x => NaN)) == Dict{String,Any}("x" => "NaN")
    matrix = GymHTTP.decode_array(Int, Any[Any[1, 2, 3], Any[4, 5, 6]], [2, 3])
    @test matrix == [1 2 3; 4 5 6]
    @test matrix[1, 3] == 3 && size(matrix) == (2, 3)
    cube = reshape(collect(1:24), 2, 3, 4)
    @test GymHTTP.decode_array(Int, encode_value(cube), [2, 3, 4]) == cube
    # row-major on the wire: the last index varies fastest, as in numpy
    @test encode_value(cube)[1][1] == Any[cube[1, 1, k] for k in 1:4]
    @test GymHTTP.decode_array(Float64, "Infinity", [2]) == [Inf, Inf]
    @test GymHTTP.decode_array(Float64, Any[Any["NaN", 1], Any["-Infinity", 2.5]], [2, 2]) |>
          m -> isnan(m[1, 1]) && m[1, 2] == 1.0 && m[2, 1] == -Inf && m[2, 2] == 2.5
    @test GymHTTP.decode_array(Float64, 3, Int[]) == fill(3.0)
    @test_throws ArgumentError GymHTTP.decode_array(Int, Any[1, 2, 3], [2, 2])
end

@testset "space descriptions" begin
    box_description = Dict{String,Any}(
        "name" => "Box", "shape" => Any[2], "dtype" => "float32",
        "low" => Any[-1e100, 0.0], "high" => Any[1e100, 1.0],
        "bounds" => Dict{String,Any}("low" => Any["-Infinity", 0.0], "high" => Any["Infinity", 1.0]))
    box = GymHTTP.parse_space(box_description)
    @test box isa Box
    @test box.low == [-Inf, 0.0]
    @test box.high == [Inf, 1.0]
    @test [0.0, 0.5] in box
    @test !([0.0, 2.0] in box)
    @test !([0.0, 0.5, 0.5] in box)
    @test decode_value(box, Any["NaN", 1.0])[2] == 1.0
    @test isnan(decode_value(box, Any["NaN", 1.0])[1])
    no_bounds = GymHTTP.parse_space(Dict{String,Any}(
        "name" => "Box", "shape" => Any[2, 2], "dtype" => "int64", "low" => 0, "high" => 255))
    @test no_bounds.high == fill(255.0, 2, 2)
    @test decode_value(no_bounds, Any[Any[1, 2], Any[3, 4]]) == [1 2; 3 4]
    @test decode_value(no_bounds, Any[Any[1, 2], Any[3, 4]]) isa Matrix{Int}
    scalar = GymHTTP.parse_space(Dict{String,Any}("name" => "Box", "shape" => Any[], "dtype" => "float64",
                                                  "low" => "-Infinity", "high" => 0.0))
    @test decode_value(scalar, "-Infinity") === -Inf
    @test -1.0 in scalar && !(1.0 in scalar)
    discrete = GymHTTP.parse_space(Dict{String,Any}("name" => "Discrete", "n" => 3, "start" => -1, "dtype" => "int64"))
    @test discrete == Discrete(3, -1, "int64")
    @test 1 in discrete && !(2 in discrete) && !(true in discrete)
    @test decode_value(discrete, 1.0) === 1
    multi = GymHTTP.parse_space(Dict{String,Any}("name" => "MultiDiscrete", "nvec" => Any[Any[2, 3], Any[4, 5]],
                                                 "start" => Any[Any[0, 0], Any[1, 1]], "shape" => Any[2, 2],
                                                 "dtype" => "int64"))
    @test multi.nvec == [2 3; 4 5] && multi.start == [0 0; 1 1]
    binary = GymHTTP.parse_space(Dict{String,Any}("name" => "MultiBinary", "shape" => Any[3], "dtype" => "int8"))
    @test decode_value(binary, Any[1, 0, 1]) == [1, 0, 1]
    tuple = GymHTTP.parse_space(Dict{String,Any}("name" => "Tuple", "spaces" => Any[
        Dict{String,Any}("name" => "Discrete", "n" => 2, "start" => 0, "dtype" => "int64"), box_description]))
    @test tuple isa TupleSpace
    @test decode_value(tuple, Any[1, Any["Infinity", 0.0]]) == (1, [Inf, 0.0])
    nested = GymHTTP.parse_space(Dict{String,Any}("name" => "Dict", "spaces" => Dict{String,Any}(
        "pos" => Dict{String,Any}("name" => "Discrete", "n" => 2, "start" => 0, "dtype" => "int64"),
        "text" => Dict{String,Any}("name" => "Text", "min_length" => 1, "max_length" => 4, "charset" => "ab"))))
    @test nested isa DictSpace
    @test first.(nested.spaces) == ["pos", "text"]
    @test decode_value(nested, Dict{String,Any}("pos" => 1, "text" => "ab")) == Dict{String,Any}("pos" => 1, "text" => "ab")
    sequence = GymHTTP.parse_space(Dict{String,Any}("name" => "Sequence", "stack" => false, "feature_space" =>
        Dict{String,Any}("name" => "Discrete", "n" => 2, "start" => 0, "dtype" => "int64")))
    @test sequence isa SequenceSpace && decode_value(sequence, Any[0, 1]) == Any[0, 1]
    other = GymHTTP.parse_space(Dict{String,Any}("name" => "Graph", "supported" => false, "shape" => nothing))
    @test other == UnsupportedSpace("Graph", nothing)
    graph = GymHTTP.parse_space(Dict{String,Any}("name" => "Graph", "node_space" => box_description,
        "edge_space" => Dict{String,Any}("name" => "Discrete", "n" => 3, "start" => 0, "dtype" => "int64")))
    @test graph isa GraphSpace && graph.edge_space isa Discrete
    value = decode_value(graph, Dict{String,Any}("nodes" => Any[Any["NaN", 1.0], Any[0.5, "Infinity"]],
                                                 "edges" => Any[2], "edge_links" => Any[Any[1, 0]]))
    @test length(value.nodes) == 2 && value.nodes[2] == [0.5, Inf] && value.edges == Any[2]
    @test value.edge_links == [[1, 0]]
    bare = decode_value(graph, Dict{String,Any}("nodes" => Any[Any[0.0, 1.0]]))
    @test bare.edges === nothing && bare.edge_links === nothing
    one_of = GymHTTP.parse_space(Dict{String,Any}("name" => "OneOf", "spaces" => Any[
        Dict{String,Any}("name" => "Discrete", "n" => 2, "start" => 0, "dtype" => "int64"), box_description]))
    @test one_of isa OneOfSpace && length(one_of.spaces) == 2
    @test decode_value(one_of, Any[1, Any["-Infinity", 2.0]]) == (1, [-Inf, 2.0])
    @test decode_value(one_of, Any[0, 1]) == (0, 1)
    @test decode_value(other, Dict{String,Any}("x" => 1)) == Dict{String,Any}("x" => 1)
end

@testset "conformance interpreter: pure helpers" begin
    document = Dict{String,Any}("a" => Any[10, Dict{String,Any}("b/c" => true, "m~n" => 1)])
    @test resolve_pointer(document, "") == (true, document)
    @test resolve_pointer(document, "/a/0") == (true, 10)
    @test resolve_pointer(document, "/a/1/b~1c") == (true, true)
    @test resolve_pointer(document, "/a/1/m~0n") == (true, 1)
    @test !resolve_pointer(document, "/a/2")[1]
    @test !resolve_pointer(document, "/a/01")[1]
    @test !resolve_pointer(document, "/a/-1")[1]
    @test !resolve_pointer(document, "a")[1]
    @test json_equal(1, 1.0) && !json_equal(true, 1) && !json_equal(0, false)
    @test json_equal(nothing, nothing) && !json_equal(nothing, 0)
    @test json_equal(Dict{String,Any}("x" => Any[1, 2]), Dict{String,Any}("x" => Any[1.0, 2.0]))
    @test !json_equal(Dict{String,Any}("x" => 1), Dict{String,Any}("x" => 1, "y" => 2))
    @test !json_equal(Any[1, 2], Any[2, 1])
    @test json_type_matches(1.0, "integer") && !json_type_matches(1.5, "integer") && !json_type_matches(true, "number")
    @test json_type_matches(nothing, "null") && json_type_matches(Any[], "array") && json_type_matches("s", "string")
    @test_throws ArgumentError json_type_matches(1, "float")
    vars = Dict{String,Any}("iid" => "0123abcd", "obs" => Any[1, 2])
    @test substitute("/v1/envs/{{iid}}/reset/", vars) == "/v1/envs/0123abcd/reset/"
    @test substitute(Dict{String,Any}("x" => "{{obs}}"), vars) == Dict{String,Any}("x" => Any[1, 2])
    @test substitute(Any["{{iid}}", 3], vars) == Any["0123abcd", 3]
    @test_throws UnsetVariable substitute("{{nope}}", vars)
    @test sprint(showerror, UnsetVariable("nope")) == "variable {{nope}} is not set"
    # assertions that hold build no message, so they need no JSON writer
    step = Dict{String,Any}("observation" => 0, "done" => true, "terminated" => false, "truncated" => true)
    @test check_assertion(Dict{String,Any}("pointer" => "/done", "is_or_of" => Any["/terminated", "/truncated"]), step) === nothing
    @test check_assertion(Dict{String,Any}("pointer" => "/missing", "absent" => true), step) === nothing
    @test check_assertion(Dict{String,Any}("pointer" => "/observation", "gte" => 0), step) === nothing
    @test check_assertion(Dict{String,Any}("pointer" => "/observation", "one_of" => Any[2, 0.0]), step) === nothing
    @test check_assertion(Dict{String,Any}("pointer" => "", "lacks_key" => "render"), step) === nothing
    @test check_assertion(Dict{String,Any}("pointer" => "", "length" => 4), step) === nothing
    @test check_assertion(Dict{String,Any}("pointer" => "", "frobnicate" => 1), step) ==
          ": unsupported operator \"frobnicate\""
    @test occursin("exactly one operator", check_assertion(Dict{String,Any}("pointer" => "", "equals" => 1, "gte" => 1), step))
    @test GymHTTP.header_value(["content-type" => "application/json"], "Content-Type") == "application/json"
    @test GymHTTP.header_value(Pair{String,String}[], "Retry-After") === nothing
end

@testset "conformance verdicts, as every runner gives them" begin
    passed = CaseOutcome("a", "v1", nothing, String[])
    skipped = CaseOutcome("b", "v1", "cannot create X-v0", String[])
    missing = CaseOutcome("c", "v1", nothing, ["step 1: status 404, expected 200"], true)
    wrong = CaseOutcome("d", "v1", nothing, ["step 1: status 400, expected 200"], false)
    @test verdict_of([passed, skipped]) == "conforms"
    @test verdict_of([skipped]) == "not checked"
    @test verdict_of([missing, missing, skipped]) == "not implemented"
    @test verdict_of([missing, passed]) == "does not conform"
    @test verdict_of([missing, wrong]) == "does not conform"
    @test missing_route(404, Dict{String,Any}("status" => 200))
    @test missing_route(501, Dict{String,Any}("status" => Any[200, 204]))
    @test !missing_route(404, Dict{String,Any}("status" => 404))
    @test !missing_route(400, Dict{String,Any}("status" => 200))
    table = verdict_table([passed, CaseOutcome("e", "legacy", nothing, ["step 2: code"])])
    @test table == join(["profile  passed  failed  skipped  verdict",
                         "legacy        0       1        0  does not conform",
                         "v1            1       0        0  conforms"], "\n")
    @test length(PROFILES) == 10 && PROFILES[1:2] == ("legacy", "v1")
end
