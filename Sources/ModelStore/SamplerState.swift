/// Where a sampler stands: everything needed to continue its stream of examples exactly.
///
/// The sampler is counter-based: the order of an epoch is drawn from (seed, epoch) and each
/// example's crop and shift from (seed, epoch, position), so these numbers are its whole
/// random state. A trainer stores this in its checkpoints.
public struct SamplerState: Sendable, Hashable, Codable {
    /// The seed of the run.
    public var seed: UInt64
    /// The pass over the data (0 first).
    public var epoch: Int
    /// The next example's place in the epoch's order.
    public var position: Int
    /// A hash of the data and crop settings the state belongs to, checked on restore.
    public var fingerprint: UInt64

    /// The state at `position` of `epoch` of a sampler seeded with `seed` over data whose
    /// hash is `fingerprint`.
    public init(seed: UInt64, epoch: Int, position: Int, fingerprint: UInt64) {
        self.seed = seed
        self.epoch = epoch
        self.position = position
        self.fingerprint = fingerprint
    }
}
