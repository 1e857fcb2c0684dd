# The offline tests that need only Julia's standard library, for machines
# where HTTP.jl and JSON3.jl cannot be installed (no package registry), e.g.
# with Debian 11's Julia 1.5.3 unpacked by check/debian_julia.sh:
#
#   julia --startup-file=no sdk/julia/test/stdlib_only.jl
#
# It loads the real module, src/GymHTTP.jl and every file it includes, with
# only its `import HTTP` and `import JSON3` left out. Nothing stands in for
# those packages: code that reaches them fails with UndefVarError. Loading
# still works because Julia looks globals up when a function runs, and no
# signature, field type or constant in the package names HTTP or JSON3.

using Test

const THIRD_PARTY = (:HTTP, :JSON3)
const LEFT_OUT = Symbol[]

"The package `expr` imports if it is `import X`/`using X` of a third-party X, else nothing."
function third_party_import(expr)
    expr isa Expr && expr.head in (:import, :using) && length(expr.args) == 1 || return nothing
    path = expr.args[1]
    path isa Expr && path.head == :. && length(path.args) == 1 && path.args[1] in THIRD_PARTY || return nothing
    return path.args[1]
end

"`expr` with the third-party imports of the module it defines removed (noted in LEFT_OUT)."
function without_third_party_imports(expr)
    expr isa Expr || return expr
    if expr.head == :module
        body = expr.args[3]
        kept = Any[]
        for statement in body.args
            name = third_party_import(statement)
            name === nothing ? push!(kept, statement) : push!(LEFT_OUT, name)
        end
        return Expr(:module, expr.args[1], expr.args[2], Expr(:block, kept...))
    end
    return Expr(expr.head, map(without_third_party_imports, expr.args)...)
end

include(without_third_party_imports, joinpath(@__DIR__, "..", "src", "GymHTTP.jl"))
sort(LEFT_OUT) == sort(collect(THIRD_PARTY)) ||
    error("src/GymHTTP.jl should import exactly $(THIRD_PARTY); left out $(LEFT_OUT)")
any(name -> isdefined(GymHTTP, name), THIRD_PARTY) &&
    error("GymHTTP must not see $(THIRD_PARTY) in this harness")

using .GymHTTP
include("conformance.jl")

println("GymHTTP stdlib-only tests on Julia $(VERSION) (without ", join(THIRD_PARTY, ", "), ")")
@testset "GymHTTP without HTTP.jl and JSON3.jl" begin
    @testset "nothing stands in for HTTP.jl and JSON3.jl" begin
        @test_throws UndefVarError GymHTTP.unwrap_transport(ErrorException("not HTTP.jl's"))
        @test_throws UndefVarError json_text(Any[1])
    end
    include("offline_stdlib.jl")
end
