import Synchronization

/// A size-bucketed pool of float buffers, so that a training loop that allocates the same
/// tensor sizes every step reuses memory instead of calling `malloc`.
///
/// Requests are rounded up to a size class (four classes per power of two, so at most 25%
/// of a buffer is unused) and served from that class's free list. Buffers come back when
/// their ``Storage`` is released. The pool keeps at most ``BufferPool/retainedLimitBytes``
/// of free buffers; beyond that they are freed. ``drain()`` frees them all.
public enum BufferPool {
    /// The most memory (in bytes) the pool keeps in its free lists (default 1 GiB). A
    /// training step whose buffers fit under it allocates nothing after the first step; the
    /// fractal model's step (level 0, then the lower levels in chunks) reuses nearly every
    /// buffer with 1 GiB, and a larger limit only holds more memory.
    public static var retainedLimitBytes: Int {
        get { state.withLock { $0.limit } }
        set { state.withLock { $0.limit = max(0, newValue) } }
    }

    /// Counters describing how the pool has been used (for tests and benchmarks).
    public struct Statistics: Sendable, Equatable {
        /// Buffers handed out from a free list.
        public var reused = 0
        /// Buffers that had to be newly allocated.
        public var allocated = 0
        /// Bytes currently held in free lists.
        public var retainedBytes = 0
    }

    /// The pool's counters so far.
    public static var statistics: Statistics { state.withLock { $0.statistics } }

    /// Frees every buffer held in the free lists.
    public static func drain() {
        state.withLock { state in
            for (_, list) in state.free { for address in list { UnsafeMutableRawPointer(bitPattern: address)!.deallocate() } }
            state.free.removeAll()
            state.statistics.retainedBytes = 0
        }
    }

    private struct State: ~Copyable {
        var free: [Int: [UInt]] = [:]   // size class → addresses of free buffers
        var statistics = Statistics()
        var limit = 1 << 30
    }

    private static let state = Mutex(State())

    /// The number of floats a buffer for `count` floats really holds.
    static func sizeClass(_ count: Int) -> Int {
        if count <= 16 { return 16 }
        let top = Int.bitWidth - (count - 1).leadingZeroBitCount - 1   // floor(log2(count-1))
        let quarter = 1 << (top - 2)
        return ((count + quarter - 1) / quarter) * quarter
    }

    static func take(count: Int) -> (UnsafeMutablePointer<Float>, Int) {
        let capacity = sizeClass(count)
        let reused: UInt? = state.withLock { state in
            guard let address = state.free[capacity]?.popLast() else {
                state.statistics.allocated += 1
                return nil
            }
            state.statistics.reused += 1
            state.statistics.retainedBytes -= capacity * 4
            return address
        }
        let raw = reused.flatMap { UnsafeMutableRawPointer(bitPattern: $0) } ?? UnsafeMutableRawPointer.allocate(byteCount: capacity * 4, alignment: 64)
        return (raw.bindMemory(to: Float.self, capacity: capacity), capacity)
    }

    static func give(_ pointer: UnsafeMutablePointer<Float>, capacity: Int) {
        let address = UInt(bitPattern: pointer)
        let kept = state.withLock { state in
            guard state.statistics.retainedBytes + capacity * 4 <= state.limit else { return false }
            state.free[capacity, default: []].append(address)
            state.statistics.retainedBytes += capacity * 4
            return true
        }
        if !kept { pointer.deallocate() }
    }
}

/// The memory behind one or more tensors (several when reshaped views share it).
final class Storage: @unchecked Sendable {
    // @unchecked Sendable: the buffer is written only while a tensor is being built by the
    // op that owns it (or by explicit in-place updates such as an optimiser step, which the
    // caller serialises); after that it is only read.
    let pointer: UnsafeMutablePointer<Float>
    let count: Int
    private let capacity: Int
    /// Counts in-place changes of the contents (``Tensor/withUnsafeMutableBufferPointer(_:)``),
    /// so that forms derived from them, such as a packed weight, know when they are stale.
    let contentsVersion = Atomic<Int>(0)
    /// The packed form of this storage as a weight, when inference asked for one.
    let packed = Mutex<PackedCache?>(nil)

    init(count: Int) {
        self.count = count
        (pointer, capacity) = BufferPool.take(count: max(count, 1))
    }

    deinit { BufferPool.give(pointer, capacity: capacity) }
}
