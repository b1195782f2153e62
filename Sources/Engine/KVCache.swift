/// Keys and values of the tokens generated so far, for autoregressive sampling that
/// attends one new token at a time without re-encoding the prefix.
///
/// Storage is allocated once for `capacity` tokens per sequence. Each step appends the new
/// tokens' keys and values (`append`), then attends the new tokens' queries over everything
/// cached (`attend`), causally: a new token sees the prefix and itself. Inference only (no
/// gradients are recorded).
public final class KVCache {
    /// The number of sequences decoded side by side.
    public let batch: Int
    /// The number of attention heads.
    public let heads: Int
    /// The width of a key or value row (`heads · headDimension`).
    public let width: Int
    /// The most tokens one sequence can hold.
    public let capacity: Int
    /// The number of tokens cached so far (the same for every sequence).
    public private(set) var length = 0

    private let keys: Tensor
    private let values: Tensor

    /// Allocates room for `capacity` tokens of `batch` sequences with rows of `width`
    /// floats split into `heads` heads.
    public init(batch: Int, heads: Int, width: Int, capacity: Int) {
        require(batch > 0 && capacity > 0 && heads > 0 && width % heads == 0,
                     "KVCache: need batch, capacity > 0 and width \(width) divisible by heads \(heads)")
        self.batch = batch
        self.heads = heads
        self.width = width
        self.capacity = capacity
        keys = Tensor(uninitializedShape: [batch, capacity, width])
        values = Tensor(uninitializedShape: [batch, capacity, width])
    }

    /// Forgets every cached token (the storage is kept).
    public func reset() { length = 0 }

    /// Appends the keys and values (each `[batch, newTokens, width]`) of the next tokens.
    public func append(key: Tensor, value: Tensor) {
        require(key.shape == value.shape && key.rank == 3 && key.shape[0] == batch && key.shape[2] == width,
                     "KVCache.append: key \(key.shape) and value \(value.shape) should be [\(batch), tokens, \(width)]")
        let tokens = key.shape[1]
        require(length + tokens <= capacity, "KVCache.append: \(length + tokens) tokens exceed the capacity \(capacity)")
        for (source, target) in [(key, keys), (value, values)] {
            copyBlocks(from: source.pointer, fromRow: tokens * width, fromOffset: 0,
                       to: target.pointer, toRow: capacity * width, toOffset: length * width,
                       width: tokens * width, rows: batch)
        }
        length += tokens
    }

    /// Attends `query` (`[batch, newTokens, width]`, the queries of the tokens appended last)
    /// over all cached tokens, causally. Returns `[batch, newTokens, width]`, equal to the
    /// corresponding rows of full causal attention over the whole sequence.
    public func attend(query: Tensor) -> Tensor {
        require(query.rank == 3 && query.shape[0] == batch && query.shape[2] == width,
                     "KVCache.attend: query \(query.shape) should be [\(batch), tokens, \(width)]")
        let tokens = query.shape[1]
        require(tokens <= length, "KVCache.attend: \(tokens) queries but only \(length) cached tokens")
        let out = Tensor(uninitializedShape: [batch, tokens, width])
        func cached(_ t: Tensor) -> AttentionLayout.Operand { .init(base: t.pointer, batchStride: capacity * width, rowStride: width) }
        let layout = AttentionLayout(
            batch: batch, heads: heads, headDimension: width / heads, queryLength: tokens, keyLength: length,
            query: .init(base: query.pointer, batchStride: tokens * width, rowStride: width),
            key: cached(keys), value: cached(values),
            output: .init(base: out.pointer, batchStride: tokens * width, rowStride: width),
            causal: true, keyPadding: nil)
        layout.forward(probabilities: nil)
        return out
    }
}
