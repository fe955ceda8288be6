import NN
import Tensor

/// One small MLP per member type (MonoNPHM's ensemble): the input is [global code, local code,
/// features], `hiddenLayers` hidden layers, one output layer. Rows of one type run as one GEMM per
/// layer. The codes are the same for every point of a (sample, anchor), so the first layer's code
/// part runs once per (sample, anchor) and is added to each row's pre-activation.
final class NPHMMembers: Module {
    /// layers[type][layer]: [hidden, code + features] first, [out, hidden] last.
    let layers: [[Linear]]
    let codeWidth: Int

    init(_ w: WeightScope, types: Int, codeWidth: Int, features: Int, hidden: Int, hiddenLayers: Int, outputs: Int) throws {
        self.codeWidth = codeWidth
        layers = try (0..<types).map { t in
            try (0...hiddenLayers).map { l in
                try Linear(w["\(t)"]["\(l)"], inFeatures: l == 0 ? codeWidth + features : hidden,
                           outFeatures: l == hiddenLayers ? outputs : hidden)
            }
        }
    }

    var namedParameters: [(String, Tensor)] { layers.flatMap { $0.flatMap(\.namedParameters) } }

    /// Type `type`'s network on rows: `codes` [C, codeWidth] the distinct codes, `codeOfRow` [n] which
    /// code each row uses, `features` [N, F] and `featureRows` [n] the feature row of each row (nil:
    /// n = N, in order). Returns the output [n, outputs] and the last hidden layer's pre-activation
    /// [n, hidden] (MonoNPHM's communication tap), that one only with `tap` (else nil).
    /// Without a gradient to record (inside `noGrad`, no spatial tangents) the network runs fused
    /// (`RowMLP`); otherwise as recorded tensor operations.
    func callAsFunction(type: Int, codes: Tensor, codeOfRow: [Int32], features: Dual, featureRows: [Int32]? = nil,
                        activation: RowActivation, tap: Bool) -> (output: Dual, lastPreActivation: Dual?) {
        let net = layers[type], first = net[0]
        let codeTerm = codes.linear(weight: first.weight.slice(axis: 1, 0..<codeWidth))
        let firstFeatures = first.weight.slice(axis: 1, codeWidth..<first.weight.shape[1])
        if !GradMode.isEnabled && features.tangent == nil {
            let mlp = RowMLP(layers: [(firstFeatures, first.bias)] + net.dropFirst().map { ($0.weight, $0.bias) }, activation: activation)
            let (output, pre) = mlp(features.value, rows: featureRows, firstLayerTerm: (codeTerm, codeOfRow), tapLastHidden: tap)
            return (Dual(output), pre.map { Dual($0) })
        }
        let rows = featureRows.map(features.gatherRows) ?? features
        var pre = rows.linear(weight: firstFeatures, bias: first.bias) + codeTerm.gatherRows(codeOfRow)
        for layer in net.dropFirst().dropLast() { pre = pre.activated(activation).linear(weight: layer.weight, bias: layer.bias) }
        return (pre.activated(activation).linear(weight: net[net.count - 1].weight, bias: net[net.count - 1].bias), tap ? pre : nil)
    }
}
