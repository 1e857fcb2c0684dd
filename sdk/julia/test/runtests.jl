# The package's tests. Offline tests always run; the lifecycle test and the
# shared conformance cases run against the server named by GYM_HTTP_SERVER,
# for example `GYM_HTTP_SERVER=http://127.0.0.1:5000`.

using Test
using GymHTTP

include("conformance.jl")

const SERVER = get(ENV, "GYM_HTTP_SERVER", "")
const CASES_DIR = get(ENV, "GYM_HTTP_CASES", normpath(joinpath(@__DIR__, "..", "..", "..", "conformance", "cases")))
const CLIENT = isempty(SERVER) ? nothing : GymClient(SERVER; timeout = 30, retries = 2)

"One testset per case file and per case; skipped cases are reported as such."
function conformance_testsets(client::GymClient, cases_dir::AbstractString)
    registry = registry_ids(client)
    files = case_files(cases_dir)
    @testset "conformance case files found in $cases_dir" begin
        @test !isempty(files)
    end
    for file in files
        @testset "conformance $(basename(file))" begin
            for outcome in run_case_file(client, file, registry)
                @testset "$(outcome.name)" begin
                    if outcome.skipped !== nothing
                        println("SKIPPED conformance case $(basename(file)) / $(outcome.name): $(outcome.skipped)")
                        @test_skip outcome.skipped === nothing
                    else
                        for failure in outcome.failures
                            @error "$(basename(file)) / $(outcome.name): $failure"
                        end
                        @test isempty(outcome.failures)
                    end
                end
            end
        end
    end
    if SCHEMA_CHECKS_SKIPPED[] > 0
        println("NOTE: $(SCHEMA_CHECKS_SKIPPED[]) `schema` expectations were checked only for being JSON: ",
                "this runner has no OpenAPI schema validator (the Python runner validates them).")
    end
end

@testset "GymHTTP" begin
    include("offline_stdlib.jl")
    include("offline.jl")
    if CLIENT === nothing
        println("SKIPPED: lifecycle and conformance tests: GYM_HTTP_SERVER is not set ",
                "(start gym-http-server and set it to the server's base URL)")
    else
        include("lifecycle.jl")
        conformance_testsets(CLIENT, CASES_DIR)
    end
end
