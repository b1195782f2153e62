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
}

/// Vectorised e^x (Cephes' single-precision polynomial, relative error ≈ 2 ulp; inputs
/// below −87.3 give 0, above 88.7 give +inf).
@inline(__always) func fastExp(_ x: Vec) -> Vec {
    let clamped = x.clamped(lowerBound: Vec(repeating: -87.33), upperBound: Vec(repeating: 88.72))
    let n = (clamped * 1.442_695_04 + 0.5).rounded(.down)
    var r = clamped - n * 0.693_359_375
    r = r - n * -2.121_944_4e-4
    var y = Vec(repeating: 1.987_569_15e-4)
    y = y * r + 1.398_199_95e-3
    y = y * r + 8.333_451_9e-3
    y = y * r + 4.166_579_6e-2
    y = y * r + 1.666_666_55e-1
    y = y * r + 5.000_000_1e-1
    y = y * r * r + r + 1
    let exponent = (SIMD8<Int32>(n, rounding: .towardZero) &+ 127) &<< 23
    let scale = unsafeBitCast(exponent, to: Vec.self)
    var result = y * scale
    result.replace(with: 0, where: x .< -87.33)
    result.replace(with: .infinity, where: x .> 88.72)
    return result
}

/// Vectorised erf(x) (Abramowitz & Stegun 7.1.26, absolute error ≤ 1.5e-7) together with
/// e^{−x²}, which GELU's derivative reuses.
@inline(__always) func erfAndGaussian(_ x: Vec) -> (erf: Vec, gaussian: Vec) {
    let a = unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7fff_ffff, to: Vec.self)
    let t = 1 / (1 + 0.327_591_1 * a)
    var p = Vec(repeating: 1.061_405_429)
    p = p * t - 1.453_152_027
    p = p * t + 1.421_413_741
    p = p * t - 0.284_496_736
    p = p * t + 0.254_829_592
    p = p * t
    let gaussian = fastExp(Vec(repeating: 0) - a * a)
    let magnitude = 1 - p * gaussian
    var result = magnitude
    result.replace(with: Vec(repeating: 0) - magnitude, where: x .< 0)
    return (result, gaussian)
}

/// Scalar e^x with the same polynomial as the vector version (used for tails of rows).
@inline(__always) func fastExp(_ x: Float) -> Float {
    fastExp(Vec(repeating: x))[0]
}

@inline(__always) func scalarLog(_ x: Float) -> Float { logf(x) }
