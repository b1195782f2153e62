/// The random number generator of the data pipeline: xoshiro256** seeded through SplitMix64.
///
/// Its whole state is four 64-bit words (``state``), so a sampler's position can be saved and
/// restored exactly. Bounded draws use ``int(below:)`` (Lemire's method), not the standard
/// library's `random(in:using:)`, whose algorithm may change between Swift releases.
public struct DataRandom: RandomNumberGenerator, Sendable, Hashable, Codable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// The four state words.
    public var state: [UInt64] { [s0, s1, s2, s3] }

    /// A generator seeded from `seed` (any value, zero included).
    public init(seed: UInt64) {
        var mixer = seed
        s0 = DataRandom.splitMix64(&mixer)
        s1 = DataRandom.splitMix64(&mixer)
        s2 = DataRandom.splitMix64(&mixer)
        s3 = DataRandom.splitMix64(&mixer)
    }

    /// A generator whose stream depends on every one of `keys` (for example seed, epoch and
    /// position): a counter-based way to give each example its own independent stream.
    public init(keys: UInt64...) {
        var mixer: UInt64 = 0x6a09_e667_f3bc_c909
        for key in keys {
            mixer ^= key
            _ = DataRandom.splitMix64(&mixer)
        }
        self.init(seed: DataRandom.splitMix64(&mixer))
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let shifted = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= shifted
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// A uniform integer in `0 ..< bound` (`bound` > 0).
    public mutating func int(below bound: Int) -> Int {
        precondition(bound > 0, "bound \(bound) must be positive")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }

    /// A uniform integer in `range`.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + int(below: range.upperBound - range.lowerBound + 1)
    }

    /// The indices `0 ..< count` in a random order (Fisher–Yates).
    public mutating func permutation(of count: Int) -> [Int] {
        var order = Array(0..<count)
        if count > 1 {
            for index in stride(from: count - 1, to: 0, by: -1) {
                order.swapAt(index, int(below: index + 1))
            }
        }
        return order
    }

    private static func splitMix64(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

private func rotateLeft(_ value: UInt64, _ count: UInt64) -> UInt64 {
    (value << count) | (value >> (64 - count))
}
