import Engine
import Foundation
import PianoRoll

/// The dynamics of a model's training music, style by style: the ``PieceDynamics`` (mean and
/// spread of the velocities) of crops cut from the training songs the way validation crops
/// are — up to four evenly spaced per song, `data.crop_length` steps each — at most
/// ``maximumCropsPerStyle`` per style, spread evenly over them.
///
/// Generation draws a new piece's dynamics from its style's crops: the network decides which
/// notes are louder than others but, left alone, draws every piece at about the corpus's
/// average loudness. The trainer writes the table into every
/// checkpoint's `state.json`.
public struct DynamicsTable: Sendable, Codable, Equatable {
    /// The crops of one style.
    public struct Style: Sendable, Codable, Equatable {
        /// The style's name (nil for music without a style label).
        public var style: String?
        /// The mean velocity of each crop.
        public var meanVelocities: [Double]
        /// The velocity spread of each crop, in the order of ``meanVelocities``.
        public var velocitySpreads: [Double]

        /// The crops of `style`: crop `i` has mean velocity `meanVelocities[i]` and spread
        /// `velocitySpreads[i]` (the two arrays are as long).
        public init(style: String?, meanVelocities: [Double], velocitySpreads: [Double]) {
            precondition(meanVelocities.count == velocitySpreads.count, "one spread per mean velocity")
            self.style = style
            self.meanVelocities = meanVelocities
            self.velocitySpreads = velocitySpreads
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            style = try container.decodeIfPresent(String.self, forKey: .style)
            meanVelocities = try container.decode([Double].self, forKey: .meanVelocities)
            velocitySpreads = try container.decode([Double].self, forKey: .velocitySpreads)
            guard meanVelocities.count == velocitySpreads.count else {
                throw DecodingError.dataCorruptedError(forKey: .velocitySpreads, in: container, debugDescription:
                    "dynamics: \(meanVelocities.count) mean velocities but \(velocitySpreads.count) velocity spreads")
            }
        }

        /// Crop `index`'s dynamics.
        public func dynamics(at index: Int) -> PieceDynamics {
            PieceDynamics(meanVelocity: meanVelocities[index], velocitySpread: velocitySpreads[index])
        }
    }

    /// The most crops kept per style.
    public static let maximumCropsPerStyle = 256
    /// The fewest notes a crop needs to count.
    public static let minimumNotesPerCrop = 8

    /// The styles, in class order (music without a label last).
    public var styles: [Style]

    /// A table of these styles.
    public init(styles: [Style]) {
        self.styles = styles
    }

    /// The crops of `style`: that style's, else those of unlabeled music, else every style's
    /// together (nil when the table is empty).
    public func crops(of style: String?) -> Style? {
        if let match = styles.first(where: { $0.style == style && !$0.meanVelocities.isEmpty }) { return match }
        if let unlabeled = styles.first(where: { $0.style == nil && !$0.meanVelocities.isEmpty }) { return unlabeled }
        let pooled = Style(style: style, meanVelocities: styles.flatMap(\.meanVelocities),
                           velocitySpreads: styles.flatMap(\.velocitySpreads))
        return pooled.meanVelocities.isEmpty ? nil : pooled
    }

    /// One crop's dynamics of `style` (see ``crops(of:)``), drawn uniformly with `generator`.
    public func draw(for style: String?, using generator: inout Engine.RandomGenerator) -> PieceDynamics? {
        guard let crops = crops(of: style) else { return nil }
        let index = Int(generator.next() % UInt64(crops.meanVelocities.count))
        return crops.dynamics(at: index)
    }
}
