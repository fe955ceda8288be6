import NN
import Tensor

/// The ArcFace IResNet backbone (Deng et al. 2019; insightface's arcface_torch/backbones/iresnet.py,
/// key names kept): a 112x112 aligned face -> an identity embedding. iresnet18/34/50/100 use block
/// counts [2,2,2,2], [3,4,6,3], [3,4,14,3], [3,13,30,3] and widths 64-512; tiny widths serve tests.
/// Checkpoints need `num_batches_tracked` dropped (Tools/convert/iresnet.py).
public final class IResNet: Module {
    public struct Config: Sendable {
        public var blocks: [Int]
        public var widths: [Int] = [64, 128, 256, 512]
        public var stem: Int = 64
        public var features: Int = 512
        public var inputSize: Int = 112

        public init(blocks: [Int], widths: [Int] = [64, 128, 256, 512], stem: Int = 64, features: Int = 512, inputSize: Int = 112) {
            (self.blocks, self.widths, self.stem, self.features, self.inputSize) = (blocks, widths, stem, features, inputSize)
        }

        public static let r18 = Config(blocks: [2, 2, 2, 2])
        public static let r34 = Config(blocks: [3, 4, 6, 3])
        public static let r50 = Config(blocks: [3, 4, 14, 3])
        public static let r100 = Config(blocks: [3, 13, 30, 3])
    }

    /// IBasicBlock: bn1 -> conv1 (3x3) -> bn2 -> prelu -> conv2 (3x3, stride) -> bn3, plus the
    /// identity or a 1x1 strided conv + BN downsample.
    final class Block: Module {
        let bn1, bn2, bn3: BatchNorm
        let conv1, conv2: Conv2d
        let prelu: PReLU
        let downsample: (Conv2d, BatchNorm)?

        init(_ w: WeightScope, inChannels: Int, channels: Int, stride: Int) throws {
            bn1 = try BatchNorm(w["bn1"], channels: inChannels)
            conv1 = try Conv2d(w["conv1"], inChannels: inChannels, outChannels: channels, kernel: 3, padding: 1, bias: false)
            bn2 = try BatchNorm(w["bn2"], channels: channels)
            prelu = try PReLU(w["prelu"], channels: channels)
            conv2 = try Conv2d(w["conv2"], inChannels: channels, outChannels: channels, kernel: 3, stride: stride, padding: 1, bias: false)
            bn3 = try BatchNorm(w["bn3"], channels: channels)
            downsample = stride != 1 || inChannels != channels
                ? (try Conv2d(w["downsample.0"], inChannels: inChannels, outChannels: channels, kernel: 1, stride: stride, bias: false),
                   try BatchNorm(w["downsample.1"], channels: channels))
                : nil
        }

        func callAsFunction(_ x: Tensor) -> Tensor {
            let out = bn3(conv2(prelu(bn2(conv1(bn1(x))))))
            return out + (downsample.map { $0.1($0.0(x)) } ?? x)
        }

        var namedParameters: [(String, Tensor)] {
            ([bn1, conv1, bn2, prelu, conv2, bn3] as [Module]).flatMap(\.namedParameters)
                + (downsample.map { $0.0.namedParameters + $0.1.namedParameters } ?? [])
        }
    }

    public let config: Config
    let conv1: Conv2d
    let bn1: BatchNorm
    let prelu: PReLU
    let layers: [[Block]]
    let bn2: BatchNorm
    let fc: Linear
    let features: BatchNorm

    public init(_ w: WeightScope, config: Config) throws {
        self.config = config
        conv1 = try Conv2d(w["conv1"], inChannels: 3, outChannels: config.stem, kernel: 3, padding: 1, bias: false)
        bn1 = try BatchNorm(w["bn1"], channels: config.stem)
        prelu = try PReLU(w["prelu"], channels: config.stem)
        var inChannels = config.stem
        var stages: [[Block]] = []
        for (i, (count, width)) in zip(config.blocks, config.widths).enumerated() {
            var stage: [Block] = []
            for b in 0..<count {
                stage.append(try Block(w["layer\(i + 1).\(b)"], inChannels: inChannels, channels: width, stride: b == 0 ? 2 : 1))
                inChannels = width
            }
            stages.append(stage)
        }
        layers = stages
        bn2 = try BatchNorm(w["bn2"], channels: inChannels)
        let side = config.inputSize / 16
        fc = try Linear(w["fc"], inFeatures: inChannels * side * side, outFeatures: config.features)
        features = try BatchNorm(w["features"], channels: config.features)
    }

    /// x [N, 3, S, S] (insightface normalises an RGB crop as (x / 255 - 0.5) / 0.5) -> [N, features].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == 3 && x.shape[2] == config.inputSize && x.shape[3] == config.inputSize,
                     "IResNet expects [N, 3, \(config.inputSize), \(config.inputSize)], got \(x.shape)")
        var h = prelu(bn1(conv1(x)))
        for stage in layers { for block in stage { h = block(h) } }
        h = bn2(h)
        return features(fc(h.reshaped([x.shape[0], -1])))
    }

    public var namedParameters: [(String, Tensor)] {
        conv1.namedParameters + bn1.namedParameters + prelu.namedParameters
            + layers.flatMap { $0.flatMap(\.namedParameters) } + bn2.namedParameters + fc.namedParameters + features.namedParameters
    }
}
