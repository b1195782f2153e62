import Foundation

/// A one-dimensional Gaussian kernel density estimate of a sample, with Scott's bandwidth.
///
/// Scott's rule as in `scipy.stats.gaussian_kde`: bandwidth = sample standard deviation
/// (n − 1 in the denominator) × n^(−1/5). A sample of one value, or of equal values, has no
/// spread; its bandwidth is raised to a floor that the caller chooses (see
/// ``DistributionComparison``).
public struct KernelDensityEstimate: Sendable, Hashable {
    /// The sample.
    public let values: [Double]
    /// The standard deviation of each Gaussian kernel.
    public let bandwidth: Double

    /// The estimate of `values` (finite, at least one) with Scott's bandwidth, at least `minimumBandwidth`.
    public init(values: [Double], minimumBandwidth: Double) {
        precondition(!values.isEmpty, "a kernel density estimate needs at least one value")
        self.values = values
        bandwidth = max(Self.scottBandwidth(of: values), minimumBandwidth)
    }

    /// Scott's bandwidth of `values`: standard deviation (n − 1 denominator) × n^(−1/5); 0 for
    /// fewer than two values.
    public static func scottBandwidth(of values: [Double]) -> Double {
        let n = Double(values.count)
        guard values.count >= 2 else { return 0 }
        let mean = values.reduce(0, +) / n
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        return variance.squareRoot() * pow(n, -0.2)
    }

    /// The density at `x`.
    public func density(at x: Double) -> Double {
        let norm = 1 / (Double(values.count) * bandwidth * (2 * Double.pi).squareRoot())
        return values.reduce(0) { sum, value in
            let z = (x - value) / bandwidth
            return sum + exp(-0.5 * z * z)
        } * norm
    }

    /// The density at the points `start + i·spacing`, `i` in `0..<count`. Kernels are cut at
    /// ±9 bandwidths, where they fall below 10⁻¹⁷ of their peak.
    public func densities(start: Double, spacing: Double, count: Int) -> [Double] {
        var result = [Double](repeating: 0, count: count)
        let norm = 1 / (Double(values.count) * bandwidth * (2 * Double.pi).squareRoot())
        let reach = 9 * bandwidth
        result.withUnsafeMutableBufferPointer { density in
            for value in values {
                let first = max(0, Int(((value - reach - start) / spacing).rounded(.up)))
                let last = min(count - 1, Int(((value + reach - start) / spacing).rounded(.down)))
                guard first <= last else { continue }
                for index in first...last {
                    let z = (start + Double(index) * spacing - value) / bandwidth
                    density[index] += exp(-0.5 * z * z) * norm
                }
            }
        }
        return result
    }
}
