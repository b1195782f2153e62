import Synchronization

/// A contiguous, row-major array of `Float` with a shape, that can take part in automatic
/// differentiation.
///
/// Tensors are values in practice: ops never change their inputs, they return new tensors.
/// The exceptions are explicit in-place updates on leaves (``withUnsafeMutableBufferPointer(_:)``,
/// used by optimisers) — don't update a tensor that a recorded tape still needs.
///
/// A tensor created with `requiresGrad: true` is a *leaf* (a parameter): `backward()` adds
/// its gradient into ``grad``. Tensors made by ops inside ``Engine/withGradients(_:)`` carry
/// the record of the op that made them when any input needs a gradient.
public final class Tensor: @unchecked Sendable {
    // @unchecked Sendable: shape, storage and flags are immutable after creation; `grad` and
    // the storage contents are mutated only by `backward()` and explicit in-place updates,
    // which the caller must not run concurrently with other uses of the same tensor (the
    // same contract as any optimiser step).

    /// The size of each dimension, outermost first.
    public let shape: [Int]
    /// The number of elements (the product of `shape`).
    public let count: Int
    /// Whether this tensor is a leaf whose gradient `backward()` accumulates into ``grad``.
    public let requiresGrad: Bool
    /// The accumulated gradient of the last `backward()` calls (leaves only); `nil` until one
    /// reaches this tensor. It is never shared with another tensor, so it may be updated in place.
    public internal(set) var grad: Tensor?

    let storage: Storage
    var record: Record?

    init(shape: [Int], storage: Storage, requiresGrad: Bool = false) {
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.storage = storage
        self.requiresGrad = requiresGrad
        require(storage.count >= count, "storage too small for shape \(shape)")
    }

    /// A tensor whose contents the caller fills in before anyone else sees it.
    init(uninitializedShape shape: [Int]) {
        require(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.storage = Storage(count: count)
        self.requiresGrad = false
    }

    /// A tensor holding `scalars` (row-major) with the given shape.
    public init(shape: [Int], scalars: [Float], requiresGrad: Bool = false) {
        require(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        let count = shape.reduce(1, *)
        require(scalars.count == count, "\(scalars.count) scalars do not fill shape \(shape)")
        self.shape = shape
        self.count = count
        self.storage = Storage(count: count)
        self.requiresGrad = requiresGrad
        if count > 0 {
            scalars.withUnsafeBufferPointer { source in
                storage.pointer.update(from: source.baseAddress!, count: count)
            }
        }
    }

    /// A tensor with every element equal to `value`.
    public convenience init(shape: [Int], repeating value: Float, requiresGrad: Bool = false) {
        let filled = Tensor(uninitializedShape: shape)
        let pointer = filled.storage.pointer
        Engine.parallelRowSegments(rows: 1, width: filled.count) { _, columns in
            (pointer + columns.lowerBound).update(repeating: value, count: columns.count)
        }
        self.init(shape: shape, storage: filled.storage, requiresGrad: requiresGrad)
    }

    /// A one-element tensor of shape `[]` holding `value`.
    public convenience init(_ value: Float) {
        self.init(shape: [], scalars: [value])
    }

    /// A copy of `other`'s values as a new tensor (a new leaf when `requiresGrad`).
    public convenience init(copying other: Tensor, requiresGrad: Bool = false) {
        let copy = Tensor(uninitializedShape: other.shape)
        copy.storage.pointer.update(from: other.storage.pointer, count: other.count)
        self.init(shape: other.shape, storage: copy.storage, requiresGrad: requiresGrad)
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, repeating: 0, requiresGrad: requiresGrad)
    }

    /// A tensor of ones.
    public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, repeating: 1, requiresGrad: requiresGrad)
    }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The elements in row-major order (a copy).
    public var scalars: [Float] {
        Array(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// The only element of a one-element tensor.
    public var item: Float {
        require(count == 1, "item needs a one-element tensor, not shape \(shape)")
        return storage.pointer[0]
    }

    /// Whether `backward()` will propagate a gradient through this tensor.
    public var needsGradient: Bool { requiresGrad || record != nil }

    /// The same values without the tape record (no gradient flows back through the result).
    public func detached() -> Tensor {
        Tensor(shape: shape, storage: storage)
    }

    /// Reads the elements in place.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// Changes the elements in place (for optimiser steps and loaders). Every tensor that
    /// shares this storage (reshaped views) sees the change.
    public func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        defer { storage.contentsVersion.add(1, ordering: .releasing) }
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }

    /// Forgets the accumulated gradient.
    public func zeroGradient() { grad = nil }

    var pointer: UnsafeMutablePointer<Float> { storage.pointer }

    /// Normalises a possibly negative axis.
    func axis(_ axis: Int) -> Int {
        let normalised = axis < 0 ? axis + rank : axis
        require(normalised >= 0 && normalised < rank, "axis \(axis) out of range for shape \(shape)")
        return normalised
    }
}

extension Tensor: CustomStringConvertible {
    /// The shape and (up to 8) values.
    public var description: String {
        let shown = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(count > 8 ? ", …" : "")])"
    }
}
