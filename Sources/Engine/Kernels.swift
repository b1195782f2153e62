#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small building blocks shared by the kernels: SIMD loads and stores, parallel loops,
/// and vectorised `exp` and `erf`.

typealias Vec = SIMD8<Float>

@inline(__always) func load(_ pointer: UnsafePointer<Float>) -> Vec {
    UnsafeRawPointer(pointer).loadUnaligned(as: Vec.self)
}

@inline(__always) func load(_ pointer: UnsafeMutablePointer<Float>) -> Vec {
    UnsafeRawPointer(pointer).loadUnaligned(as: Vec.self)
}

@inline(__always) func store(_ value: Vec, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Vec.self)
}

extension Engine {
    /// Splits `0..<count` into contiguous chunks of at least `grain` items and runs them on
    /// the pool (serially when there is only one chunk's worth of work).
    static func parallelChunks(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        if count <= 0 { return }
        let pool = Engine.pool
        let chunks = min((count + max(grain, 1) - 1) / max(grain, 1), pool.threadCount * 4)
        if chunks <= 1 || pool.threadCount == 1 {
            body(0..<count)
            return
        }
        let size = (count + chunks - 1) / chunks
        pool.parallelFor(chunks) { chunk in
            let start = chunk * size
            let end = min(count, start + size)
            if start < end { body(start..<end) }
        }
    }

    /// Grain (in elements) for cheap elementwise work: about 16 K elements per chunk.
    static let elementwiseGrain = 16_384

    /// Calls `body(row, columns)` over `rows` rows of `width` elements, in pieces shared out
    /// over the pool: whole rows when they are short, and equal segments of at least
    /// ``elementwiseGrain`` elements when a row is long. Operands of one shape merge into a
    /// single row of every element (a residual add, a copy of a whole tensor), which would
    /// otherwise run on one thread. Each element is still written by one call, so results do
    /// not depend on the thread count.
    static func parallelRowSegments(rows: Int, width: Int, _ body: (_ row: Int, _ columns: Range<Int>) -> Void) {
        if rows <= 0 || width <= 0 { return }
        let segments = width / elementwiseGrain
        if segments <= 1 {
            parallelChunks(rows, grain: max(1, elementwiseGrain / width)) { range in
                for row in range { body(row, 0..<width) }
            }
            return
        }
        // Segments start on whole vectors.
        let size = ((width + segments - 1) / segments + 7) / 8 * 8
        parallelChunks(rows * segments, grain: 1) { range in
            for unit in range {
                let start = (unit % segments) * size
                if start < width { body(unit / segments, start..<min(width, start + size)) }
            }
        }
    }
}

/// Vectorised e^x (Cephes' single-precision polynomial, relative error ≈ 2 ulp; inputs
/// below −87.3 give 0, above 88.7 give +inf). Written with explicit fused multiply-adds.
@_transparent func fastExp(_ x: Vec) -> Vec {
    var clamped = x
    clamped.replace(with: -87.33, where: x .< -87.33)
    clamped.replace(with: 88.72, where: x .> 88.72)
    let n = (clamped * 1.442_695_04 + 0.5).rounded(.down)
    var r = clamped.addingProduct(n, Vec(repeating: -0.693_359_375))
    r = r.addingProduct(n, Vec(repeating: 2.121_944_4e-4))
    var y = Vec(repeating: 1.398_199_95e-3).addingProduct(r, Vec(repeating: 1.987_569_15e-4))
    y = Vec(repeating: 8.333_451_9e-3).addingProduct(y, r)
    y = Vec(repeating: 4.166_579_6e-2).addingProduct(y, r)
    y = Vec(repeating: 1.666_666_55e-1).addingProduct(y, r)
    y = Vec(repeating: 5.000_000_1e-1).addingProduct(y, r)
    y = (r + 1).addingProduct(y, r * r)
    // 2ⁿ built from the bits: adding 1.5·2²³ puts the integer n in the low mantissa bits.
    let shifted = unsafeBitCast(n + 12_582_912, to: SIMD8<UInt32>.self)
    let scale = unsafeBitCast((shifted &- 0x4B40_0000 &+ 127) &<< 23, to: Vec.self)
    var result = y * scale
    result.replace(with: 0, where: x .< -87.33)
    result.replace(with: .infinity, where: x .> 88.72)
    return result
}

/// Vectorised erf(x) (Abramowitz & Stegun 7.1.26, absolute error ≤ 1.5e-7) together with
/// e^{−x²}, which GELU's derivative reuses.
@_transparent func erfAndGaussian(_ x: Vec) -> (erf: Vec, gaussian: Vec) {
    let a = unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7fff_ffff, to: Vec.self)
    let t = 1 / Vec(repeating: 1).addingProduct(a, Vec(repeating: 0.327_591_1))
    var p = Vec(repeating: -1.453_152_027).addingProduct(t, Vec(repeating: 1.061_405_429))
    p = Vec(repeating: 1.421_413_741).addingProduct(p, t)
    p = Vec(repeating: -0.284_496_736).addingProduct(p, t)
    p = Vec(repeating: 0.254_829_592).addingProduct(p, t)
    p = p * t
    let gaussian = fastExp(Vec(repeating: 0) - a * a)
    let magnitude = Vec(repeating: 1).addingProduct(Vec(repeating: 0) - p, gaussian)
    // Copy x's sign onto the magnitude.
    let sign = unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x8000_0000
    let result = unsafeBitCast(unsafeBitCast(magnitude, to: SIMD8<UInt32>.self) | sign, to: Vec.self)
    return (result, gaussian)
}

/// Scalar e^x with the same polynomial as the vector version (used for tails of rows).
@inline(__always) func fastExp(_ x: Float) -> Float {
    fastExp(Vec(repeating: x))[0]
}

@inline(__always) func scalarLog(_ x: Float) -> Float { logf(x) }
@inline(__always) func scalarLog1p(_ x: Float) -> Float { log1pf(x) }

/// The sum of a vector's lanes (pairwise, in a fixed order).
@inline(__always) func horizontalSum(_ v: Vec) -> Float {
    let quarter = v.lowHalf + v.highHalf
    let pair = quarter.lowHalf + quarter.highHalf
    return pair[0] + pair[1]
}

/// The largest of a vector's lanes.
@inline(__always) func horizontalMax(_ v: Vec) -> Float {
    var quarter = v.lowHalf
    quarter.replace(with: v.highHalf, where: v.highHalf .> quarter)
    var pair = quarter.lowHalf
    pair.replace(with: quarter.highHalf, where: quarter.highHalf .> pair)
    return max(pair[0], pair[1])
}

/// Stops with `message` when `condition` fails — like `precondition`, but the message is
/// printed in optimised builds too, so a shape mistake always says which shapes were wrong.
@inline(__always)
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
             file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError(message(), file: file, line: line) }
}
