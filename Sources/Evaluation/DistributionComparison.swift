import Foundation

/// How far the distribution of one statistic over a generated set is from its distribution
/// over a reference set: the overlapping area and the KL divergence of their Gaussian kernel
/// density estimates, as in Yang & Lerch (2018), "On the evaluation of generative models in
/// music", applied (as in the piano-roll diffusion literature) to the two sets' values
/// directly rather than to intra-/inter-set distances.
///
/// - Densities: ``KernelDensityEstimate`` with Scott's bandwidth, each at least the floor
///   10⁻³ × max(1, spread), where spread is the largest minus the smallest value over both
///   sets; so a set whose values are all equal is a narrow peak, not a division by zero.
/// - Grid: from the smallest value − 6 bandwidths to the largest + 6 bandwidths (the wider
///   set's bandwidth), spaced at most 1/32 of the narrower bandwidth (at least
///   4 001 and at most 1 000 001 points); integrals use the trapezoidal rule.
/// - Overlapping area: ∫ min(p_generated, p_reference) dx, from 0 (disjoint) to 1 (identical).
/// - KL divergence: KL(reference ‖ generated) = ∫ p_ref · ln(p_ref / p_gen) dx, in nats: how
///   badly the generated distribution covers the reference one (a generated set that misses
///   a reference mode is penalised most). Both densities are renormalised on the grid and
///   mixed with a uniform density over the grid, weight 10⁻⁶, so that it stays finite for
///   disjoint sets (at most about ln(10⁶ · grid width · peak density)).
public struct DistributionComparison: Sendable, Hashable {
    /// The floor of each bandwidth, as a share of max(1, spread of both sets).
    public static let relativeBandwidthFloor = 1e-3
    /// The weight of the uniform density mixed into both densities for the KL divergence.
    public static let klSmoothing = 1e-6

    /// The generated set's values (finite ones only).
    public let generated: [Double]
    /// The reference set's values (finite ones only).
    public let reference: [Double]
    /// The grid the densities are evaluated on: `gridStart + i · gridSpacing`.
    public let gridStart: Double
    /// The distance between grid points.
    public let gridSpacing: Double
    /// The generated set's density on the grid.
    public let generatedDensity: [Double]
    /// The reference set's density on the grid.
    public let referenceDensity: [Double]
    /// ∫ min(p_generated, p_reference) dx.
    public let overlappingArea: Double
    /// KL(reference ‖ generated), in nats.
    public let klDivergence: Double

    /// Compares the values of one statistic; `nan` values (undefined for a piece) are left
    /// out. Returns nil when either set has no finite value.
    public init?(generated: [Double], reference: [Double]) {
        let generated = generated.filter(\.isFinite)
        let reference = reference.filter(\.isFinite)
        guard !generated.isEmpty, !reference.isEmpty else { return nil }
        self.generated = generated
        self.reference = reference

        let all = generated + reference
        let low = all.min()!, high = all.max()!
        let floor = Self.relativeBandwidthFloor * max(1, high - low)
        let generatedEstimate = KernelDensityEstimate(values: generated, minimumBandwidth: floor)
        let referenceEstimate = KernelDensityEstimate(values: reference, minimumBandwidth: floor)
        let wide = max(generatedEstimate.bandwidth, referenceEstimate.bandwidth)
        let narrow = min(generatedEstimate.bandwidth, referenceEstimate.bandwidth)
        let start = low - 6 * wide
        let width = high - low + 12 * wide
        let count = min(max(Int((width / (narrow / 32)).rounded(.up)) + 1, 4_001), 1_000_001)
        let spacing = width / Double(count - 1)
        gridStart = start
        gridSpacing = spacing
        generatedDensity = generatedEstimate.densities(start: start, spacing: spacing, count: count)
        referenceDensity = referenceEstimate.densities(start: start, spacing: spacing, count: count)

        overlappingArea = Self.integral(zip(generatedDensity, referenceDensity).map { min($0, $1) }, spacing: spacing)
        klDivergence = Self.klDivergence(from: referenceDensity, to: generatedDensity, spacing: spacing)
    }

    /// The mean of the generated values.
    public var generatedMean: Double {
        generated.reduce(0, +) / Double(generated.count)
    }

    /// The mean of the reference values.
    public var referenceMean: Double {
        reference.reduce(0, +) / Double(reference.count)
    }

    /// The grid points.
    public var grid: [Double] {
        (0..<generatedDensity.count).map { gridStart + Double($0) * gridSpacing }
    }

    /// The trapezoidal integral of samples `spacing` apart.
    static func integral(_ samples: [Double], spacing: Double) -> Double {
        guard samples.count >= 2 else { return 0 }
        return (samples.reduce(0, +) - 0.5 * (samples.first! + samples.last!)) * spacing
    }

    /// KL(p ‖ q) in nats of two densities on one grid, renormalised and smoothed (see the type).
    static func klDivergence(from p: [Double], to q: [Double], spacing: Double) -> Double {
        let width = spacing * Double(p.count - 1)
        let uniform = 1 / width
        let pMass = integral(p, spacing: spacing)
        let qMass = integral(q, spacing: spacing)
        let smoothedP = p.map { (1 - klSmoothing) * $0 / pMass + klSmoothing * uniform }
        let smoothedQ = q.map { (1 - klSmoothing) * $0 / qMass + klSmoothing * uniform }
        let integrand = zip(smoothedP, smoothedQ).map { $0 * log($0 / $1) }
        return max(0, integral(integrand, spacing: spacing))
    }
}
