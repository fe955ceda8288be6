import NN
import Tensor

/// Per-call inputs every block of the spatio-temporal UNet shares. temb [B*F, T]; context
/// [B*F, L, D]; imageOnly [B, F] (1 marks a frame treated as a still image); framePositions [B*F]
/// (nil: each video's arange).
public struct FrameBatchConditioning {
    public let temb: Tensor
    public let context: Tensor
    public let frames: Int
    public let imageOnly: Tensor?
    public let framePositions: Tensor?
}

/// One level of SVD's UNet on its way down or up: resnets (SpatioTemporalResBlock), optionally each
/// followed by a TransformerSpatioTemporal (the "CrossAttn" blocks), then an optional resampler.
/// Down levels record every resnet/attention output and the downsampled output as skips; up levels
/// concatenate one skip (popped from the end) onto the input of each resnet.
final class SpatioTemporalLevel: Module {
    let resnets: [SpatioTemporalResBlock]
    let attentions: [TransformerSpatioTemporal]
    let downsampler: Downsample2D?
    let upsampler: Upsample2D?

    /// `resnetChannels[i]` = (in, out) of resnet i; `heads` nil for a level without attention.
    init(_ w: WeightScope, resnetChannels: [(Int, Int)], timeChannels: Int, eps: Float, heads: Int?, contextDim: Int,
         transformerLayers: Int, downsample: Bool, upsample: Bool) throws {
        resnets = try resnetChannels.enumerated().map { i, io in
            try SpatioTemporalResBlock(w["resnets.\(i)"], inChannels: io.0, outChannels: io.1, timeChannels: timeChannels, eps: eps)
        }
        attentions = try heads.map { heads in
            try resnetChannels.enumerated().map { i, io in
                try TransformerSpatioTemporal(w["attentions.\(i)"], channels: io.1, heads: heads, headDim: io.1 / heads,
                                              contextDim: contextDim, layers: transformerLayers)
            }
        } ?? []
        let last = resnetChannels.last!.1
        downsampler = downsample ? try Downsample2D(w["downsamplers.0"], channels: last, padding: 1) : nil
        upsampler = upsample ? try Upsample2D(w["upsamplers.0"], channels: last) : nil
    }

    /// Down pass: x [B*F, C, H, W] -> (output, skips appended in order).
    func down(_ x: Tensor, _ c: FrameBatchConditioning, skips: inout [Tensor]) -> Tensor {
        var h = x
        for i in resnets.indices {
            h = layer(i, h, c)
            skips.append(h)
        }
        if let downsampler {
            h = downsampler(h)
            skips.append(h)
        }
        return h
    }

    /// Up pass: each resnet takes cat([h, skips.popLast()], channels).
    func up(_ x: Tensor, _ c: FrameBatchConditioning, skips: inout [Tensor]) -> Tensor {
        var h = x
        for i in resnets.indices {
            h = layer(i, Tensor.concat([h, skips.removeLast()], axis: 1), c)
        }
        return upsampler.map { $0(h) } ?? h
    }

    /// Resnet i, then its attention when the level has one.
    func layer(_ i: Int, _ x: Tensor, _ c: FrameBatchConditioning) -> Tensor {
        let h = resnets[i](x, temb: c.temb, frames: c.frames, imageOnly: c.imageOnly)
        guard i < attentions.count else { return h }
        return attentions[i](h, context: c.context, frames: c.frames, imageOnly: c.imageOnly, framePositions: c.framePositions)
    }

    var namedParameters: [(String, Tensor)] {
        resnets.flatMap(\.namedParameters) + attentions.flatMap(\.namedParameters)
            + (downsampler?.namedParameters ?? []) + (upsampler?.namedParameters ?? [])
    }
}

/// SVD's UNetMidBlockSpatioTemporal: resnet, then (attention, resnet) pairs.
final class SpatioTemporalMiddle: Module {
    let resnets: [SpatioTemporalResBlock]
    let attentions: [TransformerSpatioTemporal]

    init(_ w: WeightScope, channels: Int, timeChannels: Int, heads: Int, contextDim: Int, transformerLayers: Int) throws {
        resnets = try (0..<2).map {
            try SpatioTemporalResBlock(w["resnets.\($0)"], inChannels: channels, outChannels: channels,
                                       timeChannels: timeChannels, eps: 1e-5)
        }
        attentions = [try TransformerSpatioTemporal(w["attentions.0"], channels: channels, heads: heads,
                                                    headDim: channels / heads, contextDim: contextDim,
                                                    layers: transformerLayers)]
    }

    func callAsFunction(_ x: Tensor, _ c: FrameBatchConditioning) -> Tensor {
        var h = resnets[0](x, temb: c.temb, frames: c.frames, imageOnly: c.imageOnly)
        for (attention, resnet) in zip(attentions, resnets.dropFirst()) {
            h = attention(h, context: c.context, frames: c.frames, imageOnly: c.imageOnly, framePositions: c.framePositions)
            h = resnet(h, temb: c.temb, frames: c.frames, imageOnly: c.imageOnly)
        }
        return h
    }

    var namedParameters: [(String, Tensor)] {
        resnets.flatMap(\.namedParameters) + attentions.flatMap(\.namedParameters)
    }
}
