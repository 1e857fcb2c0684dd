# The package's tests. Offline tests always run; the lifecycle test and the
# shared conformance cases run against the server named by GYM_HTTP_SERVER,
# for example `GYM_HTTP_SERVER=http://127.0.0.1:5000`.

using Test
using GymHTTP

include("conformance.jl")

const SERVER = get(ENV, "GYM_HTTP_SERVER", "")
const CASES_DIR = get(ENV, "GYM_HTTP_CASES", normpath(joinpath(@__DIR__, "..", "..", "..", "conformance", "cases")))
const CLIENT = isempty(SERVER) ? nothing : GymClient(SERVER; timeout = 30, retries = 2)
# GYM_HTTP_CONFORMANCE_PROFILES=legacy,v1 runs only those profiles (default: all).
const SELECTED = filter(!isempty, split(get(ENV, "GYM_HTTP_CONFORMANCE_PROFILES", ""), ","))
const RUN_PROFILES = isempty(SELECTED) ? PROFILES : Tuple(String.(SELECTED))

"""
One testset per case file and per case; skipped cases are reported as such.
Ends with the verdict per profile, and a testset that every one conforms.
"""
function conformance_testsets(client::GymClient, cases_dir::AbstractString)
    envs = EnvAvailability(client)
    outcomes = CaseOutcome[]
    files = case_files(cases_dir)
    @testset "conformance case files found in $cases_dir" begin
        @test !isempty(files)
    end
    for file in files
        @testset "conformance $(basename(file))" begin
            for outcome in run_case_file(client, file, envs; profiles = RUN_PROFILES)
                push!(outcomes, outcome)
                @testset "$(outcome.name) [$(outcome.profile)]" begin
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
    println(verdict_table(outcomes))
    unchecked_auth = client.token === nothing && any(o -> o.profile == AUTH_PROFILE, outcomes)
    unchecked_auth && println("!"^78, "\nSKIPPED: the auth profile: ", NO_TOKEN, "\n", "!"^78)
    for (profile, why) in UNCHECKED_PROFILES
        any(o -> o.profile == profile, outcomes) && println("!"^78, "\nSKIPPED: the $profile profile: ", why, "\n", "!"^78)
    end
    @testset "every profile conforms" begin
        for profile in unique([o.profile for o in outcomes])
            unchecked_auth && profile == AUTH_PROFILE && continue
            haskey(UNCHECKED_PROFILES, profile) && continue
            @test verdict_of([o for o in outcomes if o.profile == profile]) == "conforms"
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
