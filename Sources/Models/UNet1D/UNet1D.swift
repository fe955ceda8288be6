import Foundation
import NN
import Tensor

/// Sizes of the 1D denoising UNet of the head model's latent prior (1D-DiffNPHR's idea: a UNet
/// over the flattened latent vector as a one-channel sequence).
public struct UNet1DConfiguration: Codable, Sendable, Equatable {
    /// Sequence length: a multiple of 2^(levels - 1).
    public var length = 2272
    /// Channels per level; every level but the last halves the length.
    public var channels = [32, 64, 128]
    public var groups = 8
    /// Width of the timestep (and condition) embedding.
    public var embedding = 128
    /// Width of the condition vector (0: unconditional).
    public var condition = 128

    public init() {}

    /// Throws unless the sizes build a UNet: 1 to 16 levels, sizes from 1 to `ModelSizeLimits.maximumWidth`
    /// (the condition may be 0), the length a multiple of 2^(levels - 1), channels divisible by the groups.
    public func validated() throws -> UNet1DConfiguration {
        guard (1...16).contains(channels.count) else { throw WeightError("UNet1D: \(channels.count) levels of channels; 1 to 16 expected") }
        let sizes = [("length", length), ("groups", groups), ("embedding", embedding)] + channels.map { ("channels", $0) }
        if let (key, value) = sizes.first(where: { !(1...ModelSizeLimits.maximumWidth).contains($0.1) }) {
            throw WeightError("UNet1D: \(key) \(value) is not a size from 1 to \(ModelSizeLimits.maximumWidth)")
        }
        guard (0...ModelSizeLimits.maximumWidth).contains(condition) else {
            throw WeightError("UNet1D: condition \(condition) is not a width from 0 to \(ModelSizeLimits.maximumWidth)")
        }
        let factor = 1 << (channels.count - 1)
        guard length % factor == 0 else { throw WeightError("UNet1D: length \(length) must divide by \(factor)") }
        guard channels.allSatisfy({ $0 % groups == 0 }) else { throw WeightError("UNet1D: channels \(channels) must divide by \(groups) groups") }
        return self
    }
}

/// The prior's denoiser on x [B, L]: a UNet of ResNet blocks over [B, C, 1, L] with (1, 3) kernels
/// (torch Conv1d), one block per level down and up with skip concatenation, two in the middle,
/// stride-2 convolutions down, nearest doubling and a convolution up. The sinusoidal timestep
/// embedding (cos first) through a 2-layer MLP plus a linear embedding of the condition enters every
/// block.
public final class UNet1D: Module {
    public let config: UNet1DConfiguration
    let timeEmbedding: TimestepEmbedding
    let conditionEmbedding: Linear?
    let convIn: Conv2d
    let down: [ResnetBlock2D], downsample: [Conv2d]
    let middle: [ResnetBlock2D]
    let upsample: [Conv2d], up: [ResnetBlock2D]
    let normOut: GroupNorm
    let convOut: Conv2d

    public init(_ w: WeightScope, config: UNet1DConfiguration) throws {
        let c = try config.validated()
        self.config = c
        let (kernel, padding) = ((1, 3), (0, 1))
        let base = c.channels[0], last = c.channels.count - 1
        timeEmbedding = try TimestepEmbedding(w["time_embedding"], inChannels: base, timeEmbedDim: c.embedding)
        conditionEmbedding = c.condition > 0 ? try Linear(w["condition_embedding"], inFeatures: c.condition, outFeatures: c.embedding) : nil
        convIn = try Conv2d(w["conv_in"], inChannels: 1, outChannels: base, kernelSize: kernel, padding: padding)
        func block(_ scope: WeightScope, _ from: Int, _ to: Int) throws -> ResnetBlock2D {
            try ResnetBlock2D(scope, inChannels: from, outChannels: to, groups: c.groups, eps: 1e-5, timeChannels: c.embedding, kernel: kernel)
        }
        down = try c.channels.indices.map { l in try block(w["down"]["\(l)"], l == 0 ? base : c.channels[l - 1], c.channels[l]) }
        downsample = try (0..<last).map { l in
            try Conv2d(w["downsample"]["\(l)"], inChannels: c.channels[l], outChannels: c.channels[l], kernelSize: kernel, stride: (1, 2), padding: padding)
        }
        middle = try (0..<2).map { try block(w["middle"]["\($0)"], c.channels[last], c.channels[last]) }
        upsample = try (0..<last).map { l in
            try Conv2d(w["upsample"]["\(l)"], inChannels: c.channels[l + 1], outChannels: c.channels[l], kernelSize: kernel, padding: padding)
        }
        up = try c.channels.indices.map { l in try block(w["up"]["\(l)"], 2 * c.channels[l], c.channels[l]) }
        normOut = try GroupNorm(w["norm_out"], groups: c.groups, channels: base)
        convOut = try Conv2d(w["conv_out"], inChannels: base, outChannels: 1, kernelSize: kernel, padding: padding)
    }

    public var namedParameters: [(String, Tensor)] {
        timeEmbedding.namedParameters + (conditionEmbedding?.namedParameters ?? []) + convIn.namedParameters
            + down.flatMap(\.namedParameters) + downsample.flatMap(\.namedParameters) + middle.flatMap(\.namedParameters)
            + upsample.flatMap(\.namedParameters) + up.flatMap(\.namedParameters) + normOut.namedParameters + convOut.namedParameters
    }

    /// x [B, L], timesteps [B], condition [B, condition] (zeros: unconditional) -> [B, L].
    public func callAsFunction(_ x: Tensor, timesteps: Tensor, condition: Tensor?) -> Tensor {
        let b = x.shape[0]
        var embedding = timeEmbedding(Tensor.timestepEmbedding(timesteps, dim: config.channels[0], flipSinToCos: true, downscaleFreqShift: 0))
        if let conditionEmbedding, let condition { embedding = embedding + conditionEmbedding(condition) }
        var h = convIn(x.reshaped([b, 1, 1, config.length]))
        var skips: [Tensor] = []
        for l in down.indices {
            h = down[l](h, temb: embedding)
            skips.append(h)
            if l < downsample.count { h = downsample[l](h) }
        }
        for block in middle { h = block(h, temb: embedding) }
        for l in up.indices.reversed() {
            if l < upsample.count { h = upsample[l](Self.doubled(h)) }
            h = up[l](Tensor.concat([h, skips[l]], axis: 1), temb: embedding)
        }
        return convOut(normOut(h).silu()).reshaped([b, config.length])
    }

    /// Nearest-neighbour doubling of the last axis: [B, C, 1, L] -> [B, C, 1, 2L].
    static func doubled(_ x: Tensor) -> Tensor {
        let (b, c, l) = (x.shape[0], x.shape[1], x.shape[3])
        return x.reshaped([b, c, l, 1]).expanded(to: [b, c, l, 2]).reshaped([b, c, 1, 2 * l])
    }
}
