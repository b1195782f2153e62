#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Engine {
    /// A small, seedable, counter-based random number generator for initialisation,
    /// dropout and sampling.
    ///
    /// The n-th draw is a pure function of (seed, n): `SplitMix64`'s finaliser applied to
    /// `seed + n·γ`. So a stream is reproducible, can be split into independent streams by
    /// key (``stream(_:)``), and bulk fills can be computed in parallel with exactly the
    /// same result as a serial loop.
    public struct RandomGenerator: Sendable, RandomNumberGenerator {
        /// The stream's key; two generators with the same seed produce the same numbers.
        public let seed: UInt64
        /// How many 64-bit draws have been made so far.
        public private(set) var counter: UInt64 = 0

        /// A generator for the stream named by `seed`.
        public init(seed: UInt64) {
            self.seed = RandomGenerator.mix(seed ^ 0x6a09_e667_f3bc_c909)
        }

        /// An independent generator derived from this one's seed and `key` (for example a
        /// layer index or a step number); it does not advance this generator.
        public func stream(_ key: UInt64) -> RandomGenerator {
            RandomGenerator(seed: RandomGenerator.mix(seed &+ RandomGenerator.mix(key &+ 0x3c6e_f372_fe94_f82b)))
        }

        /// The next 64 random bits.
        public mutating func next() -> UInt64 {
            let value = RandomGenerator.bits(seed: seed, index: counter)
            counter &+= 1
            return value
        }

        /// A uniform float in [0, 1) (24 random bits).
        public mutating func uniform() -> Float {
            RandomGenerator.unitFloat(next())
        }

        /// A uniform float in `range`.
        public mutating func uniform(in range: Range<Float>) -> Float {
            range.lowerBound + (range.upperBound - range.lowerBound) * uniform()
        }

        /// A standard normal float (Box–Muller on two draws).
        public mutating func normal() -> Float {
            let value = RandomGenerator.normal(seed: seed, index: counter)
            counter &+= 2
            return value
        }

        /// Reserves `count` draws and returns the index of the first, for bulk fills that
        /// compute draw i as a function of (seed, first + i).
        mutating func reserve(_ count: Int) -> UInt64 {
            let first = counter
            counter &+= UInt64(count)
            return first
        }

        @inline(__always) static func mix(_ value: UInt64) -> UInt64 {
            var z = value
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }

        @inline(__always) static func bits(seed: UInt64, index: UInt64) -> UInt64 {
            mix(seed &+ (index &+ 1) &* 0x9e37_79b9_7f4a_7c15)
        }

        @inline(__always) static func unitFloat(_ bits: UInt64) -> Float {
            Float(bits >> 40) * 0x1p-24
        }

        @inline(__always) static func normal(seed: UInt64, index: UInt64) -> Float {
            let u1 = Float(bits(seed: seed, index: index) >> 40) * 0x1p-24 + 0x1p-25   // (0, 1)
            let u2 = unitFloat(bits(seed: seed, index: index &+ 1))
            return sqrtf(-2 * logf(u1)) * cosf(2 * Float.pi * u2)
        }
    }
}

extension Tensor {
    /// A tensor of independent normal samples with the given mean and standard deviation.
    public static func randomNormal(_ shape: [Int], mean: Float = 0, standardDeviation: Float = 1,
                                    generator: inout Engine.RandomGenerator, requiresGrad: Bool = false) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        let first = generator.reserve(2 * out.count)
        let seed = generator.seed
        let p = out.pointer
        Engine.parallelChunks(out.count, grain: 4096) { range in
            for i in range {
                p[i] = mean + standardDeviation * Engine.RandomGenerator.normal(seed: seed, index: first &+ UInt64(2 * i))
            }
        }
        return Tensor(shape: shape, storage: out.storage, requiresGrad: requiresGrad)
    }

    /// A tensor of independent uniform samples from `range`.
    public static func randomUniform(_ shape: [Int], in range: Range<Float> = 0..<1,
                                     generator: inout Engine.RandomGenerator, requiresGrad: Bool = false) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        let first = generator.reserve(out.count)
        let seed = generator.seed
        let p = out.pointer
        let low = range.lowerBound, width = range.upperBound - range.lowerBound
        Engine.parallelChunks(out.count, grain: 4096) { range in
            for i in range {
                p[i] = low + width * Engine.RandomGenerator.unitFloat(
                    Engine.RandomGenerator.bits(seed: seed, index: first &+ UInt64(i)))
            }
        }
        return Tensor(shape: shape, storage: out.storage, requiresGrad: requiresGrad)
    }
}
