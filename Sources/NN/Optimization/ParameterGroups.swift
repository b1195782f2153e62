import Engine

/// A parameter together with its dotted name (`levels.0.blocks.3.attn.qkv.weight`).
public struct NamedParameter: @unchecked Sendable {
    // @unchecked Sendable: `Tensor` is a reference type; sharing a parameter between threads
    // is safe under the engine's rule that in-place updates are not run concurrently with uses.

    /// The dotted path from the root layer.
    public let name: String
    /// The parameter tensor (a leaf that requires gradients).
    public let tensor: Tensor

    /// Pairs a name with a tensor.
    public init(name: String, tensor: Tensor) {
        self.name = name
        self.tensor = tensor
    }
}

/// Splits parameters into the group that gets weight decay and the group that does not.
///
/// The rule (by shape and name, applied to the dotted name): a parameter is **not** decayed
/// when any of these holds —
/// - its rank is below 2 (biases, LayerNorm scales and shifts, 1-D tokens);
/// - its last name component is `bias`;
/// - a name component contains `norm` (normalisation layers, whatever their shape);
/// - a name component ends with `emb` or `embedding` (lookup tables: `tok_emb`, `class_emb`,
///   `class_embedding`); a projection such as `patch_embed` is a Linear layer and is decayed;
/// - a name component starts with `pos` (learned positions: `pos`, `positions`, `pos_embed`);
/// - a name component contains `token` (`mask_token`, `cond_tokens`, `null_token`).
/// Every other parameter (the weight matrices of Linear layers) is decayed.
public struct ParameterGroups: Sendable {
    /// Parameters that get weight decay.
    public let decay: [NamedParameter]
    /// Parameters that get none.
    public let noDecay: [NamedParameter]

    /// Splits `parameters` by ``excludesWeightDecay(name:shape:)``, keeping their order.
    public init(_ parameters: [NamedParameter]) {
        var decay: [NamedParameter] = []
        var noDecay: [NamedParameter] = []
        for parameter in parameters {
            if Self.excludesWeightDecay(name: parameter.name, shape: parameter.tensor.shape) {
                noDecay.append(parameter)
            } else {
                decay.append(parameter)
            }
        }
        self.decay = decay
        self.noDecay = noDecay
    }

    /// Whether the parameter called `name` with this shape is exempt from weight decay.
    public static func excludesWeightDecay(name: String, shape: [Int]) -> Bool {
        let components = name.split(separator: ".")
        if shape.count < 2 || components.last == "bias" { return true }
        return components.contains { component in
            component.contains("norm") || component.hasSuffix("emb") || component.hasSuffix("embedding")
                || component.hasPrefix("pos") || component.contains("token")
        }
    }
}
