# Spaces as the server describes them, and values as they travel.
# JSON has no NaN or infinities, so those travel as the strings "NaN",
# "Infinity" and "-Infinity"; arrays travel nested in row-major (numpy) order
# and become Julia arrays indexed the same way: obs[i, j] is numpy's obs[i-1][j-1].

"Supertype of every space description."
abstract type Space end

"The integers `start`, ..., `start + n - 1`."
struct Discrete <: Space
    n::Int
    start::Int
    dtype::String
end

"Arrays of `shape` between `low` and `high` (exact bounds; infinities included)."
struct Box <: Space
    shape::Vector{Int}
    low::Array{Float64}
    high::Array{Float64}
    dtype::String
end

"Arrays of 0/1 of `shape`."
struct MultiBinary <: Space
    shape::Vector{Int}
    dtype::String
end

"Arrays whose entry i lies in `start[i]`, ..., `start[i] + nvec[i] - 1`."
struct MultiDiscrete <: Space
    nvec::Array{Int}
    start::Array{Int}
    shape::Vector{Int}
    dtype::String
end

"A fixed-length tuple of spaces; values are Julia tuples."
struct TupleSpace <: Space
    spaces::Vector{Space}
end

"Named subspaces, sorted by name; values are `Dict{String,Any}`."
struct DictSpace <: Space
    spaces::Vector{Pair{String,Space}}
end

"Strings of `min_length` to `max_length` characters from `charset`."
struct TextSpace <: Space
    min_length::Int
    max_length::Int
    charset::String
end

"Variable-length sequences of `feature_space` values."
struct SequenceSpace <: Space
    feature_space::Space
    stack::Bool
end

"Graphs: node features of `node_space`, edge features of `edge_space` (or none) and the nodes each edge links."
struct GraphSpace <: Space
    node_space::Space
    edge_space::Union{Nothing,Space}
end

"A value of exactly one of `spaces`; values are `(index, value)` with a 0-based index, as on the wire."
struct OneOfSpace <: Space
    spaces::Vector{Space}
end

"A space kind the server cannot carry over the wire; known by name only."
struct UnsupportedSpace <: Space
    name::String
    shape::Union{Nothing,Vector{Int}}
end

"""
    decode_float(x) -> Float64

A wire float: a number, or one of "NaN", "Infinity", "-Infinity".
"""
decode_float(x::Real) = Float64(x)
function decode_float(x::AbstractString)
    x == "NaN" && return NaN
    x == "Infinity" && return Inf
    x == "-Infinity" && return -Inf
    throw(ArgumentError("not a float on the wire: $(repr(x))"))
end

"""
    encode_value(x)

A Julia value as it must travel: non-finite floats as strings, arrays nested
in row-major order, tuples as arrays, dicts and named tuples as objects.
"""
function encode_value(x::AbstractFloat)
    isnan(x) && return "NaN"
    isinf(x) && return x > 0 ? "Infinity" : "-Infinity"
    return x
end
encode_value(x::AbstractVector) = Any[encode_value(v) for v in x]
encode_value(x::AbstractArray{<:Any,0}) = encode_value(x[])
encode_value(x::AbstractArray) = Any[encode_value(selectdim(x, 1, i)) for i in axes(x, 1)]
encode_value(x::Tuple) = Any[encode_value(v) for v in x]
encode_value(x::AbstractDict) = Dict{String,Any}(string(k) => encode_value(v) for (k, v) in x)
encode_value(x::NamedTuple) = Dict{String,Any}(string(k) => encode_value(v) for (k, v) in pairs(x))
encode_value(x) = x

function flatten_nested!(out::Vector{Any}, x)
    if x isa AbstractVector
        for item in x
            flatten_nested!(out, item)
        end
    else
        push!(out, x)
    end
    return out
end

decode_scalar(::Type{Float64}, x) = decode_float(x)
decode_scalar(::Type{Int}, x) = Int(x)

"""
    decode_array(T, nested, shape) -> Array{T}

A nested row-major JSON array (or one scalar for every entry, as bounds may
be sent) as a Julia array of `shape` indexed like numpy.
"""
function decode_array(::Type{T}, nested, shape::Vector{Int}) where {T}
    flat = T[decode_scalar(T, v) for v in flatten_nested!(Any[], nested)]
    isempty(shape) && return fill(flat[1])
    total = prod(shape)
    length(flat) == 1 && total != 1 && return fill(flat[1], Tuple(shape))
    length(flat) == total || throw(ArgumentError("$(length(flat)) values do not fill shape $shape"))
    length(shape) == 1 && return flat
    dims = length(shape)
    return permutedims(reshape(flat, Tuple(reverse(shape))), ntuple(i -> dims - i + 1, dims))
end

box_eltype(space::Box) = startswith(space.dtype, "float") ? Float64 : Int

shape_of(description) = Int[d for d in description["shape"]]

"""
    parse_space(description) -> Space

A space from the `info` of GET .../action_space or .../observation_space.
"""
function parse_space(d::AbstractDict)
    name = String(d["name"])
    if get(d, "supported", true) === false
        shape = get(d, "shape", nothing)
        return UnsupportedSpace(name, shape === nothing ? nothing : Int[s for s in shape])
    elseif name == "Discrete"
        return Discrete(Int(d["n"]), Int(get(d, "start", 0)), String(d["dtype"]))
    elseif name == "Box"
        shape = shape_of(d)
        bounds = get(d, "bounds", Dict{String,Any}("low" => d["low"], "high" => d["high"]))
        return Box(shape, decode_array(Float64, bounds["low"], shape),
                   decode_array(Float64, bounds["high"], shape), String(d["dtype"]))
    elseif name == "MultiBinary"
        return MultiBinary(shape_of(d), String(d["dtype"]))
    elseif name == "MultiDiscrete"
        shape = shape_of(d)
        return MultiDiscrete(decode_array(Int, d["nvec"], shape), decode_array(Int, d["start"], shape),
                             shape, String(d["dtype"]))
    elseif name == "Tuple"
        return TupleSpace(Space[parse_space(s) for s in d["spaces"]])
    elseif name == "Dict"
        subspaces = Pair{String,Space}[String(k) => parse_space(s) for (k, s) in d["spaces"]]
        return DictSpace(sort!(subspaces; by = first))
    elseif name == "Text"
        return TextSpace(Int(d["min_length"]), Int(d["max_length"]), String(d["charset"]))
    elseif name == "Sequence"
        return SequenceSpace(parse_space(d["feature_space"]), Bool(d["stack"]))
    elseif name == "Graph"
        edge = get(d, "edge_space", nothing)
        return GraphSpace(parse_space(d["node_space"]), edge === nothing ? nothing : parse_space(edge))
    elseif name == "OneOf"
        return OneOfSpace(Space[parse_space(s) for s in d["spaces"]])
    end
    return UnsupportedSpace(name, nothing)
end

"""
    decode_value(space, x)

A wire value as a Julia value of the space: Box → `Array{Float64}` (or
`Array{Int}` for integer dtypes, a scalar for shape `[]`), MultiBinary and
MultiDiscrete → `Array{Int}`, Tuple → `Tuple`, Dict → `Dict{String,Any}`.
"""
decode_value(::Discrete, x) = Int(x)
function decode_value(space::Box, x)
    T = box_eltype(space)
    return isempty(space.shape) ? decode_scalar(T, x) : decode_array(T, x, space.shape)
end
decode_value(space::MultiBinary, x) = decode_array(Int, x, space.shape)
decode_value(space::MultiDiscrete, x) = decode_array(Int, x, space.shape)
decode_value(space::TupleSpace, x) = Tuple(decode_value(s, v) for (s, v) in zip(space.spaces, x))
decode_value(space::DictSpace, x) = Dict{String,Any}(k => decode_value(s, x[k]) for (k, s) in space.spaces)
decode_value(::TextSpace, x) = String(x)
decode_value(space::SequenceSpace, x) = Any[decode_value(space.feature_space, v) for v in x]
"""
A Graph value: `(nodes, edges, edge_links)` with one decoded feature per node
and per edge (`edges` and `edge_links` are `nothing` without edges); links are
0-based `[from, to]` node indices, as on the wire.
"""
function decode_value(space::GraphSpace, x)
    nodes = Any[decode_value(space.node_space, v) for v in x["nodes"]]
    edges = get(x, "edges", nothing)
    (edges === nothing || space.edge_space === nothing) && return (nodes = nodes, edges = nothing, edge_links = nothing)
    links = [Int[link[1], link[2]] for link in x["edge_links"]]
    return (nodes = nodes, edges = Any[decode_value(space.edge_space, v) for v in edges], edge_links = links)
end
decode_value(space::OneOfSpace, x) = (Int(x[1]), decode_value(space.spaces[Int(x[1]) + 1], x[2]))
decode_value(::UnsupportedSpace, x) = x

"""
    x in space

Client-side membership for the simple kinds, to check an action before
sending it. The server stays the authority (`contains_action`).
"""
Base.in(x, space::Discrete) = x isa Integer && !(x isa Bool) && space.start <= x < space.start + space.n
function Base.in(x, space::Box)
    x isa Real && return isempty(space.shape) && space.low[] <= x <= space.high[]
    x isa AbstractArray || return false
    collect(size(x)) == space.shape || return false
    return all(space.low .<= x .<= space.high)
end
