import NN
import Tensor

/// diffusers' AutoencoderKLTemporalDecoder (SVD's VAE): the AutoencoderKL encoder (with quant_conv,
/// no post_quant_conv) and a decoder whose every resnet is a SpatioTemporalResBlock (eps 1e-6,
/// temporal eps 1e-5, learned mix weighing the temporal branch), ending in a 3-tap convolution
/// across frames (time_conv_out).
public final class AutoencoderKLTemporalDecoder: Module {
    /// Generated latents are z * scalingFactor (config.json's `scaling_factor`; SD's 0.18215); SVD's
    /// conditioning latent is not scaled.
    public let scalingFactor: Float
    public let encoder: VAEEncoder
    public let decoder: TemporalDecoder

    /// A diffusers component folder (config.json, diffusion_pytorch_model.safetensors), loaded strictly.
    public static func load(directory: String) throws -> AutoencoderKLTemporalDecoder {
        let config = try VAEEncoder.Config(diffusersConfigAt: directory + "/config.json")
        return try WeightLoader.load(path: directory + "/diffusion_pytorch_model.safetensors") {
            try AutoencoderKLTemporalDecoder($0, config: config)
        }
    }

    public init(_ w: WeightScope, config: VAEEncoder.Config) throws {
        scalingFactor = config.scalingFactor
        encoder = try VAEEncoder(w, config: config)
        decoder = try TemporalDecoder(w["decoder"], config: config)
    }

    /// z [B*F, latent, h, w] (unscaled: divide generated latents by 0.18215 first) -> images
    /// [B*F, 3, 8h, 8w] in [-1, 1], decoded `chunk` frames at a time to bound memory (the temporal
    /// layers then see one chunk, as diffusers' decode_chunk_size does).
    public func decode(_ z: Tensor, frames: Int, chunk: Int? = nil) -> Tensor {
        let step = chunk ?? frames
        let parts = stride(from: 0, to: z.shape[0], by: step).map { start -> Tensor in
            let end = Swift.min(start + step, z.shape[0])
            return decoder(z.slice(axis: 0, start..<end), frames: end - start)
        }
        return parts.count == 1 ? parts[0] : Tensor.concat(parts, axis: 0)
    }

    public var namedParameters: [(String, Tensor)] { encoder.namedParameters + decoder.namedParameters }
}

/// diffusers' TemporalDecoder on z [B*F, latent, h, w] -> [B*F, out, h * 2^(levels-1), ...].
public final class TemporalDecoder: Module {
    let convIn, convOut: Conv2d
    let midResnets: [SpatioTemporalResBlock]
    let midAttention: PixelSelfAttention
    let up: [([SpatioTemporalResBlock], Upsample2D?)]
    let normOut: GroupNorm
    let timeConvOut: TemporalConv

    public init(_ w: WeightScope, config c: VAEEncoder.Config) throws {
        let chans = Array(c.blockOutChannels.reversed()), top = chans[0], layers = c.layersPerBlock
        func resnet(_ scope: WeightScope, _ inCh: Int, _ outCh: Int) throws -> SpatioTemporalResBlock {
            try SpatioTemporalResBlock(scope, inChannels: inCh, outChannels: outCh, timeChannels: nil, eps: 1e-6,
                                       temporalEps: 1e-5, switchSpatialToTemporalMix: true)
        }
        convIn = try Conv2d(w["conv_in"], inChannels: c.latentChannels, outChannels: top, kernel: 3, padding: 1)
        midResnets = try (0..<layers).map { try resnet(w["mid_block.resnets.\($0)"], top, top) }
        midAttention = try PixelSelfAttention(w["mid_block.attentions.0"], channels: top, groups: c.groups)
        up = try chans.enumerated().map { i, out in
            let block = w["up_blocks.\(i)"], previous = i == 0 ? top : chans[i - 1]
            let resnets = try (0...layers).map { try resnet(block["resnets.\($0)"], $0 == 0 ? previous : out, out) }
            let upsample = i < chans.count - 1 ? try Upsample2D(block["upsamplers.0"], channels: out) : nil
            return (resnets, upsample)
        }
        normOut = try GroupNorm(w["conv_norm_out"], groups: c.groups, channels: chans[chans.count - 1], eps: 1e-6)
        convOut = try Conv2d(w["conv_out"], inChannels: chans[chans.count - 1], outChannels: c.inChannels, kernel: 3, padding: 1)
        timeConvOut = try TemporalConv(w["time_conv_out"], inChannels: c.inChannels, outChannels: c.inChannels)
    }

    public func callAsFunction(_ z: Tensor, frames: Int) -> Tensor {
        // Mid block: resnet, then (attention, resnet) for the one attention (diffusers zips them).
        var h = midResnets[0](convIn(z), temb: nil, frames: frames)
        if midResnets.count > 1 { h = midResnets[1](midAttention(h), temb: nil, frames: frames) }
        for resnet in midResnets.dropFirst(2) { h = resnet(h, temb: nil, frames: frames) }
        for (resnets, upsample) in up {
            for resnet in resnets { h = resnet(h, temb: nil, frames: frames) }
            if let upsample { h = upsample(h) }
        }
        h = convOut(normOut(h).silu())
        let (bf, c, hh, ww) = (h.shape[0], h.shape[1], h.shape[2], h.shape[3])
        let video = h.reshaped([bf / frames, frames, c, hh, ww]).permuted([0, 2, 1, 3, 4]).contiguous()   // [B, C, F, H, W]
        return timeConvOut(video).permuted([0, 2, 1, 3, 4]).reshaped([bf, c, hh, ww])
    }

    public var namedParameters: [(String, Tensor)] {
        convIn.namedParameters + midResnets.flatMap(\.namedParameters) + midAttention.namedParameters
            + up.flatMap { $0.0.flatMap(\.namedParameters) + ($0.1?.namedParameters ?? []) }
            + normOut.namedParameters + convOut.namedParameters + timeConvOut.namedParameters
    }
}
