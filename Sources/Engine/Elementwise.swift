/// Broadcasting binary arithmetic (`+ - * /`), scalar arithmetic and unary maps.

/// One elementwise binary operation, as a SIMD and a scalar function.
protocol BinaryOperation {
    static func apply(_ a: Vec, _ b: Vec) -> Vec
    static func apply(_ a: Float, _ b: Float) -> Float
}

enum AddOperation: BinaryOperation {
    @inline(__always) static func apply(_ a: Vec, _ b: Vec) -> Vec { a + b }
    @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a + b }
}

enum SubtractOperation: BinaryOperation {
    @inline(__always) static func apply(_ a: Vec, _ b: Vec) -> Vec { a - b }
    @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a - b }
}

enum MultiplyOperation: BinaryOperation {
    @inline(__always) static func apply(_ a: Vec, _ b: Vec) -> Vec { a * b }
    @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a * b }
}

enum DivideOperation: BinaryOperation {
    @inline(__always) static func apply(_ a: Vec, _ b: Vec) -> Vec { a / b }
    @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a / b }
}

/// How two shapes broadcast: the result shape and, after merging dimensions that can be
/// walked as one, each operand's stride per dimension (0 where it is broadcast).
struct BroadcastLayout {
    let shape: [Int]
    /// Merged dimensions, outermost first: (size, stride in a, stride in b).
    let dimensions: [(size: Int, strideA: Int, strideB: Int)]

    init(_ a: [Int], _ b: [Int]) {
        let rank = max(a.count, b.count)
        let paddedA = Array(repeating: 1, count: rank - a.count) + a
        let paddedB = Array(repeating: 1, count: rank - b.count) + b
        var shape: [Int] = []
        for (x, y) in zip(paddedA, paddedB) {
            require(x == y || x == 1 || y == 1, "shapes \(a) and \(b) do not broadcast")
            shape.append(x == 1 ? y : x)
        }
        self.shape = shape
        var strideA = 1, strideB = 1
        var dims: [(size: Int, strideA: Int, strideB: Int)] = []
        for axis in stride(from: rank - 1, through: 0, by: -1) {
            let size = shape[axis]
            if size == 1 { continue }
            let sa = paddedA[axis] == 1 ? 0 : strideA
            let sb = paddedB[axis] == 1 ? 0 : strideB
            if let last = dims.last,
               last.strideA * last.size == sa || (last.strideA == 0 && sa == 0),
               last.strideB * last.size == sb || (last.strideB == 0 && sb == 0),
               (last.strideA == 0) == (sa == 0), (last.strideB == 0) == (sb == 0) {
                dims[dims.count - 1] = (last.size * size, last.strideA, last.strideB)
            } else {
                dims.append((size, sa, sb))
            }
            strideA *= paddedA[axis]
            strideB *= paddedB[axis]
        }
        if dims.isEmpty { dims = [(1, 0, 0)] }
        dimensions = dims.reversed()
    }
}

@inline(__always)
func binaryRow<Op: BinaryOperation>(_: Op.Type, _ a: UnsafePointer<Float>, _ strideA: Int,
                                    _ b: UnsafePointer<Float>, _ strideB: Int,
                                    _ out: UnsafeMutablePointer<Float>, _ n: Int) {
    var i = 0
    switch (strideA, strideB) {
    case (1, 1):
        while i + 8 <= n { store(Op.apply(load(a + i), load(b + i)), out + i); i += 8 }
        while i < n { out[i] = Op.apply(a[i], b[i]); i += 1 }
    case (1, 0):
        let vb = Vec(repeating: b[0])
        while i + 8 <= n { store(Op.apply(load(a + i), vb), out + i); i += 8 }
        while i < n { out[i] = Op.apply(a[i], b[0]); i += 1 }
    case (0, 1):
        let va = Vec(repeating: a[0])
        while i + 8 <= n { store(Op.apply(va, load(b + i)), out + i); i += 8 }
        while i < n { out[i] = Op.apply(a[0], b[i]); i += 1 }
    default:
        while i < n { out[i] = Op.apply(a[i * strideA], b[i * strideB]); i += 1 }
    }
}

func broadcastBinary<Op: BinaryOperation>(_ op: Op.Type, _ a: Tensor, _ b: Tensor) -> Tensor {
    let layout = BroadcastLayout(a.shape, b.shape)
    let out = Tensor(uninitializedShape: layout.shape)
    if out.count == 0 { return out }
    let dims = layout.dimensions
    let inner = dims[dims.count - 1]
    let outer = Array(dims.dropLast())
    let rows = out.count / inner.size
    let pa = a.pointer, pb = b.pointer, po = out.pointer
    Engine.parallelRowSegments(rows: rows, width: inner.size) { row, columns in
        var offsetA = columns.lowerBound * inner.strideA, offsetB = columns.lowerBound * inner.strideB
        var rest = row
        for dim in outer.reversed() {
            let index = rest % dim.size
            rest /= dim.size
            offsetA += index * dim.strideA
            offsetB += index * dim.strideB
        }
        binaryRow(op, pa + offsetA, inner.strideA, pb + offsetB, inner.strideB,
                  po + row * inner.size + columns.lowerBound, columns.count)
    }
    return out
}

/// Applies `body` to every SIMD chunk of `input` (and a scalar version to the tail).
func unaryMap(_ input: Tensor, _ vector: (Vec) -> Vec, _ scalar: (Float) -> Float) -> Tensor {
    let out = Tensor(uninitializedShape: input.shape)
    let pi = input.pointer, po = out.pointer
    Engine.parallelChunks((input.count + 7) / 8, grain: Engine.elementwiseGrain / 8) { range in
        let start = range.lowerBound * 8
        let end = min(input.count, range.upperBound * 8)
        var i = start
        while i + 8 <= end { store(vector(load(pi + i)), po + i); i += 8 }
        while i < end { po[i] = scalar(pi[i]); i += 1 }
    }
    return out
}

extension Tensor {
    /// Sums this tensor down to `target`, a shape it was broadcast from (the backward of
    /// broadcasting).
    func summed(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let padded = Array(repeating: 1, count: rank - target.count) + target
        var axes: [Int] = []
        for axis in 0..<rank where padded[axis] == 1 && shape[axis] != 1 { axes.append(axis) }
        return sum(alongAxes: axes).reshaped(target)
    }

    /// `self + other` without recording, for accumulating gradients.
    func adding(_ other: Tensor) -> Tensor { broadcastBinary(AddOperation.self, self, other) }

    /// Adds `other` (same shape) into this tensor's storage.
    func addInPlace(_ other: Tensor) {
        require(shape == other.shape, "shapes \(shape) and \(other.shape) differ")
        let p = pointer, q = other.pointer
        Engine.parallelChunks((count + 7) / 8, grain: Engine.elementwiseGrain / 8) { range in
            let end = min(count, range.upperBound * 8)
            var i = range.lowerBound * 8
            while i + 8 <= end { store(load(p + i) + load(q + i), p + i); i += 8 }
            while i < end { p[i] += q[i]; i += 1 }
        }
    }

    /// Elementwise sum with NumPy broadcasting.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastBinary(AddOperation.self, a, b)
        return record(out, inputs: [a, b]) { g in
            [a.needsGradient ? g.summed(toShape: a.shape) : nil,
             b.needsGradient ? g.summed(toShape: b.shape) : nil]
        }
    }

    /// Elementwise difference with NumPy broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastBinary(SubtractOperation.self, a, b)
        return record(out, inputs: [a, b]) { g in
            [a.needsGradient ? g.summed(toShape: a.shape) : nil,
             b.needsGradient ? g.scaled(by: -1).summed(toShape: b.shape) : nil]
        }
    }

    /// Elementwise product with NumPy broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastBinary(MultiplyOperation.self, a, b)
        let da = a.detached(), db = b.detached()
        return record(out, inputs: [a, b]) { g in
            [a.needsGradient ? (g * db).summed(toShape: a.shape) : nil,
             b.needsGradient ? (g * da).summed(toShape: b.shape) : nil]
        }
    }

    /// Elementwise quotient with NumPy broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastBinary(DivideOperation.self, a, b)
        let da = a.detached(), db = b.detached()
        return record(out, inputs: [a, b]) { g in
            [a.needsGradient ? (g / db).summed(toShape: a.shape) : nil,
             b.needsGradient ? (g * da / (db * db)).scaled(by: -1).summed(toShape: b.shape) : nil]
        }
    }

    /// Every element times `factor`.
    public func scaled(by factor: Float) -> Tensor {
        let out = unaryMap(self, { $0 * factor }, { $0 * factor })
        return Tensor.record(out, inputs: [self]) { g in [g.scaled(by: factor)] }
    }

    /// Every element plus `value`.
    public func adding(_ value: Float) -> Tensor {
        let out = unaryMap(self, { $0 + value }, { $0 + value })
        return Tensor.record(out, inputs: [self]) { g in [g] }
    }

    /// Elementwise square.
    public func squared() -> Tensor {
        let out = unaryMap(self, { $0 * $0 }, { $0 * $0 })
        let x = detached()
        return Tensor.record(out, inputs: [self]) { g in [(g * x).scaled(by: 2)] }
    }

    /// Elementwise e^x.
    public func exp() -> Tensor {
        let out = unaryMap(self, { fastExp($0) }, { fastExp($0) })
        let y = out.detached()
        return Tensor.record(out, inputs: [self]) { g in [g * y] }
    }

    /// Elementwise natural logarithm.
    public func log() -> Tensor {
        let out = unaryMap(self, { v in var r = v; for j in 0..<8 { r[j] = scalarLog(v[j]) }; return r }, { scalarLog($0) })
        let x = detached()
        return Tensor.record(out, inputs: [self]) { g in [g / x] }
    }

    /// Elementwise max(x, 0).
    public func relu() -> Tensor {
        let out = unaryMap(self, { $0.replacing(with: 0, where: $0 .< 0) }, { max($0, 0) })
        let x = detached()
        return Tensor.record(out, inputs: [self]) { g in
            [broadcastBinary(MultiplyOperation.self, g,
                             unaryMap(x, { Vec(repeating: 1).replacing(with: 0, where: $0 .<= 0) }, { $0 > 0 ? 1 : 0 }))]
        }
    }

    /// Elementwise negation.
    public static prefix func - (x: Tensor) -> Tensor { x.scaled(by: -1) }
    /// Adds a constant.
    public static func + (a: Tensor, b: Float) -> Tensor { a.adding(b) }
    /// Subtracts a constant.
    public static func - (a: Tensor, b: Float) -> Tensor { a.adding(-b) }
    /// Multiplies by a constant.
    public static func * (a: Tensor, b: Float) -> Tensor { a.scaled(by: b) }
    /// Multiplies by a constant.
    public static func * (a: Float, b: Tensor) -> Tensor { b.scaled(by: a) }
    /// Divides by a constant.
    public static func / (a: Tensor, b: Float) -> Tensor { a.scaled(by: 1 / b) }
}

