import Engine

/// A building block of a network that owns parameters and child layers, each under a stable
/// name, so a model's parameters have dotted names (`levels.0.blocks.3.attn.qkv.weight`)
/// that match PyTorch's `state_dict` keys and the safetensors checkpoints.
///
/// A conforming class lists its own parameters in ``parameters`` and its sub-layers in
/// ``children``; the extension methods walk the tree. Layers are reference types: a
/// parameter is a leaf `Tensor` updated in place by the optimizer and by loading.
public protocol Layer: AnyObject {
    /// The parameters this layer owns directly, by local name (`weight`, `bias`), in a fixed order.
    var parameters: [(name: String, tensor: Tensor)] { get }
    /// The sub-layers, by local name (`attn`, `blocks.0` uses name `0` inside a ``LayerList``).
    var children: [(name: String, layer: any Layer)] { get }
    /// Whether the layer is in training mode (dropout active). Set through ``setTraining(_:)``.
    var isTraining: Bool { get set }
}

extension Layer {
    /// No parameters of its own by default.
    public var parameters: [(name: String, tensor: Tensor)] { [] }
    /// No children by default.
    public var children: [(name: String, layer: any Layer)] { [] }

    /// Every parameter of this layer and its descendants with its dotted name, depth first,
    /// own parameters before children's.
    public func namedParameters(prefix: String = "") -> [NamedParameter] {
        var result = parameters.map { NamedParameter(name: prefix + $0.name, tensor: $0.tensor) }
        for child in children {
            result += child.layer.namedParameters(prefix: prefix + child.name + ".")
        }
        return result
    }

    /// The number of scalar parameters.
    public var parameterCount: Int {
        namedParameters().reduce(0) { $0 + $1.tensor.count }
    }

    /// Switches this layer and all its descendants to training (`true`) or evaluation mode.
    public func setTraining(_ training: Bool) {
        isTraining = training
        for child in children { child.layer.setTraining(training) }
    }

    /// Clears every parameter's gradient.
    public func zeroGradients() {
        for parameter in namedParameters() { parameter.tensor.zeroGradient() }
    }

    /// The parameters as a safetensors file (names prefixed by `prefix`).
    public func exportParameters(into file: inout SafeTensorsFile, prefix: String = "") {
        for parameter in namedParameters(prefix: prefix) {
            file.set(parameter.name, floats: parameter.tensor.scalars, shape: parameter.tensor.shape)
        }
    }

    /// Copies values from `file` into every parameter (names prefixed by `prefix`). Each must
    /// exist as F32 with the parameter's shape; everything is checked before anything is changed.
    public func importParameters(from file: SafeTensorsFile, prefix: String = "") throws(SafeTensorsError) {
        let named = namedParameters(prefix: prefix)
        var values: [[Float]] = []
        values.reserveCapacity(named.count)
        for parameter in named {
            values.append(try file.floats(parameter.name, shape: parameter.tensor.shape))
        }
        for (parameter, source) in zip(named, values) {
            parameter.tensor.withUnsafeMutableBufferPointer { target in
                _ = target.update(fromContentsOf: source)
            }
        }
    }
}

/// An ordered list of layers of one kind whose names are their indices (`blocks.0`, `blocks.1`).
public final class LayerList<Element: Layer>: Layer {
    /// The layers.
    public let layers: [Element]
    /// Whether the layer is in training mode (see ``Layer/isTraining``).
    public var isTraining: Bool = true

    /// A list of `layers`.
    public init(_ layers: [Element]) {
        self.layers = layers
    }

    /// The layers named by their index.
    public var children: [(name: String, layer: any Layer)] {
        layers.enumerated().map { (String($0.offset), $0.element as any Layer) }
    }
}
