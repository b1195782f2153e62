import Synchronization

/// The numerical core of FractalMIDI: fp32 CPU tensors, reverse-mode automatic
/// differentiation and fast kernels (OpenBLAS `sgemm` for matrix products, Swift SIMD on a
/// persistent thread pool for everything else).
///
/// ## Tensors
/// A ``Tensor`` is an immutable-by-default, contiguous, row-major array of `Float` with a
/// shape. Its storage comes from a size-bucketed buffer pool and goes back to the pool when
/// the last tensor that uses it is released, so a training loop that allocates the same
/// sizes every step does not hit `malloc` after its first step. `reshaped(_:)` is free
/// (it shares storage); every other op writes a new tensor.
///
/// ## The tape and gradient scopes
/// Nothing is recorded by default (sampling and evaluation pay no bookkeeping). Inside
/// ``Engine/withGradients(_:)`` every op whose inputs need gradients records a node
/// (its inputs and a backward closure) on its output; that chain of records is the tape.
/// Records are numbered in the order they are made, so `backward()` replays them newest
/// first. Leaves are tensors created with `requiresGrad: true` (the parameters);
/// `loss.backward()` (loss must have one element) adds each leaf's gradient into its
/// ``Tensor/grad`` — gradients accumulate across `backward()` calls until you clear them
/// with ``Tensor/zeroGradient()``. The tape lives as long as the output tensors that hold
/// it: drop the loss and its buffers go back to the pool.
///
/// ```swift
/// let w = Tensor.randomNormal([4, 3], generator: &rng, requiresGrad: true)
/// let loss = Engine.withGradients { (x.matmul(w) - y).squared().mean() }
/// loss.backward()          // w.grad now holds d loss / d w
/// ```
///
/// ``Engine/withoutGradients(_:)`` suspends recording inside a gradient scope.
///
/// ## Ops (each with its backward)
/// - Products: ``Tensor/matmul(_:transposeSelf:transposeOther:)`` (2-D, batched, or a batch
///   of rows times one matrix as a single GEMM; transposes are `sgemm` flags),
///   ``Tensor/linear(weight:bias:)`` (PyTorch's `[out, in]` weight, bias written before the
///   GEMM accumulates onto it). Outside a gradient scope, a parameter's weight (a tensor made
///   with `requiresGrad: true`) is packed once into a ``PackedWeight`` and reused by every
///   later call until its contents change; inference then pays no per-call packing. Inside a
///   gradient scope, a narrow layer over many rows (a lower level's training batch) packs its
///   weight for the call and uses the same kernel for the forward product and the input
///   gradient (``PackedWeight/suitsProduct(rows:inputFeatures:outputFeatures:)``).
/// - Arithmetic with NumPy broadcasting: `+ - * /` between tensors and with scalars,
///   `scaled(by:)`, `squared()`, `exp()`, `log()`, `relu()`, `sigmoid()`, `gelu()` (exact erf form).
/// - Reductions: `sum`/`mean` over axes or all elements.
/// - Shapes: `reshaped` (free), `permuted`, `transposed`, `sliced(alongAxis:_:)`,
///   `concatenate(_:alongAxis:)`, `expanded(to:)`.
/// - Indexing: `indexSelect`, `scatterAdd` (index-add), `embedding`, `maskedFill`, `select(where:_:_:)`.
/// - Layers: `layerNorm(weight:bias:epsilon:)`, `softmax`, `logSoftmax`,
///   `dropout(probability:generator:)`, `crossEntropy` and `binaryCrossEntropy` (weighted
///   means), and fused multi-head attention `attention(query:key:value:heads:causal:keyPaddingMask:)`
///   / `attention(packedQKV:heads:causal:keyPaddingMask:)` (optionally with fused dropout on
///   the attention weights, `dropout:generator:`); ``KVCache`` for incremental decoding.
///
/// ## Threads
/// ``Engine/setThreadCount(_:)`` (default: all cores) sizes the engine's ``ThreadPool``,
/// which runs every kernel. OpenBLAS stays on one thread: a large product is cut into
/// strips, one per pool thread, each a one-thread `sgemm`. No process-wide setting changes
/// while the engine runs, so it may be called from several threads at once (a caller that
/// finds the pool busy runs its work on its own thread, with the same bits), and no second
/// set of threads competes for the cores.
/// Attention over short sequences never calls `sgemm`: a register-blocked SIMD kernel
/// handles each (sequence, head) in L1, in parallel over the batch. Packed-weight products
/// share their panels out over the pool, whose threads spin briefly between jobs.
///
/// Results are deterministic: every kernel partitions its work so that each output element
/// is computed by one thread in a fixed order, and reductions across rows use fixed-size
/// blocks combined in a fixed order (no atomic float accumulation). The same inputs, seeds
/// and thread count give bit-identical results (all Swift kernels give the same bits at any
/// thread count; only large `sgemm` products, cut into one strip per thread, may round
/// differently at another thread count).
///
/// ## Randomness, memory and speed
/// ``Engine/RandomGenerator`` is the seedable, counter-based generator for initialisation,
/// dropout and sampling. ``BufferPool`` holds released buffers for reuse and reports how
/// often it reused one. ``EngineBenchmark`` times the standard workloads (raw `sgemm`,
/// `linear`, a transformer block forward and backward).
public enum Engine {
    /// The number of threads the engine's kernels use (OpenBLAS itself stays on one).
    public static var threadCount: Int { sharedPool.withLock { $0.threadCount } }

    /// Sets how many threads the engine's kernels may use (at least 1).
    /// The default is the number of cores.
    public static func setThreadCount(_ count: Int) {
        let count = max(1, count)
        sharedPool.withLock { pool in
            if pool.threadCount != count { pool = ThreadPool(threadCount: count) }
        }
    }

    /// Whether ops on this thread (or task) are currently being recorded for `backward()`.
    public static var isRecording: Bool { GradientScope.recording }

    /// Runs `body` with recording on: ops on tensors that need gradients build the tape.
    public static func withGradients<R>(_ body: () throws -> R) rethrows -> R {
        try GradientScope.$recording.withValue(true) { try body() }
    }

    /// Runs `body` with recording off (for example an evaluation inside a training step).
    public static func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
        try GradientScope.$recording.withValue(false) { try body() }
    }

    /// Runs `body(part)` once for each `part` in `0..<parts`, the parts spread over the pool's
    /// threads, and returns when all are done. Inside a part the engine's kernels run serially
    /// on its thread, so this suits independent pieces of work
    /// whose every op is too small to share out by itself: a sampler's short sequences, some
    /// of the batch on each thread. With one thread, or from inside another parallel job, the
    /// parts run in order on the caller. Parts must write disjoint outputs.
    public static func runConcurrently(_ parts: Int, _ body: (Int) -> Void) {
        pool.parallelFor(max(parts, 0), body)
    }

    static let sharedPool = Mutex(ThreadPool(threadCount: ThreadPool.availableCores))

    /// The pool kernels run on.
    static var pool: ThreadPool { sharedPool.withLock { $0 } }
}

enum GradientScope {
    @TaskLocal static var recording = false
}
