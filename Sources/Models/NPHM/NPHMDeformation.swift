import Foundation
import NN
import Tensor

/// MonoNPHM's backward deformation: a posed point x and the condition [compressed identity,
/// expression code] give an offset and hyper-coordinates, so the canonical query is [x + offset, h].
/// The identity is compressed from the whole geometry code and the predicted anchors. A DeepSDF
/// MLP: softplus hidden layers, and at `deformationSkip` the input joins the hidden state again,
/// cat(h, input) / sqrt 2.
final class NPHMDeformation: Module {
    let compressor: Linear
    let layers: [Linear]
    let config: NPHMConfiguration

    init(_ w: WeightScope, config c: NPHMConfiguration) throws {
        config = c
        compressor = try Linear(w["compressor"], inFeatures: c.identityCodeLength + 3 * c.anchors, outFeatures: c.compressedIdentity)
        let input = 3 + c.compressedIdentity + c.expressionCode
        layers = try (0...c.deformationLayers).map { l in
            let inFeatures = l == 0 ? input : l == c.deformationSkip ? c.deformationHidden + input : c.deformationHidden
            return try Linear(w["layers"]["\(l)"], inFeatures: inFeatures, outFeatures: l == c.deformationLayers ? 3 + c.hyperDimensions : c.deformationHidden)
        }
    }

    var namedParameters: [(String, Tensor)] { compressor.namedParameters + layers.flatMap(\.namedParameters) }

    /// x [S * N, 3] posed points (N per sample), geometry codes [S, identityCodeLength], anchors
    /// [S, A, 3], expression codes [S, E] -> canonical coordinates [S * N, 3 + hyper].
    func canonical(_ x: Dual, geometry: Tensor, anchors: Tensor, expression: Tensor) -> Dual {
        let samples = geometry.shape[0], perSample = x.shape[0] / samples
        let identity = Tensor.concat([geometry, anchors.reshaped([samples, -1])], axis: 1).linear(weight: compressor.weight, bias: compressor.bias)
        let condition = Tensor.concat([identity, expression], axis: 1)  // [S, C]
        // A layer on [x, condition] splits its weight: the condition's part once per sample.
        func onInput(_ layer: Linear, columns: Range<Int>, bias: Bool) -> Dual {
            let w = layer.weight
            let pointPart = x.linear(weight: w.slice(axis: 1, columns.lowerBound..<(columns.lowerBound + 3)), bias: bias ? layer.bias : nil)
            let conditionPart = condition.linear(weight: w.slice(axis: 1, (columns.lowerBound + 3)..<columns.upperBound))
            return (pointPart.reshaped([samples, perSample, -1]) + conditionPart.unsqueezed(1)).reshaped([samples * perSample, -1])
        }
        let inputWidth = 3 + condition.shape[1], hidden = config.deformationHidden
        var h = onInput(layers[0], columns: 0..<inputWidth, bias: true)
        for l in 1...config.deformationLayers {
            h = h.softplus(beta: config.softplusBeta)
            let layer = layers[l]
            if l == config.deformationSkip {
                // lin(cat(h, input) / sqrt 2), the linear split into its two column blocks.
                let mixed = h.linear(weight: layer.weight.slice(axis: 1, 0..<hidden)) + onInput(layer, columns: hidden..<(hidden + inputWidth), bias: false)
                h = mixed * (1 / Float(2).squareRoot()) + layer.bias!
            } else {
                h = h.linear(weight: layer.weight, bias: layer.bias)
            }
        }
        let offset = h.lastAxis(0..<3)
        return Dual.concatLast([x + offset, h.lastAxis(3..<(3 + config.hyperDimensions))])
    }
}
