import NN
import Tensor

/// Shape of a spatio-temporal UNet. `.svd` is Stable Video Diffusion's (diffusers'
/// UNetSpatioTemporalConditionModel defaults); the last down level and the first up level have no
/// attention, the others do.
public struct UNetSpatioTemporalConfig: Sendable, Equatable {
    public var inChannels = 8, outChannels = 4
    public var blockChannels = [320, 640, 1280, 1280]
    public var heads = [5, 10, 20, 20]
    public var layersPerBlock = 2
    public var transformerLayers = 1
    public var contextDim = 1024
    /// Width of each added time id's sinusoid (SVD: fps, motion bucket, noise augmentation, 256 each;
    /// sv3d_p: noise augmentation 256, polar 512, azimuth 512); the sinusoids are concatenated into
    /// add_embedding, so its input width is their sum.
    public var addedTimeIdWidths = [256, 256, 256]
    /// Whether callers give each frame's position for the temporal layers' frame-position embedding
    /// (Orbit: the view's index in the 96-view orbit, so a training subset of views and a full orbit
    /// mean the same thing) instead of diffusers' arange over the frames. Orbit's config key
    /// `orbit_frame_positions`; diffusers ignores it.
    public var explicitFramePositions = false

    /// Stable Video Diffusion's UNet: 1.52 B parameters.
    public static let svd = UNetSpatioTemporalConfig()

    /// Orbit's CPU default (23.9 M parameters; the bench's `unet_mid_96f_32` size): three levels of
    /// 64, 128 and 256 channels, head width 64, one layer per level, CLIP-width context, and the
    /// per-frame camera ids of sv3d_p (cond_aug 256, polar angle 512, azimuth 512).
    public static let small: UNetSpatioTemporalConfig = {
        var c = UNetSpatioTemporalConfig()
        c.blockChannels = [64, 128, 256]
        c.heads = [1, 2, 4]
        c.layersPerBlock = 1
        c.addedTimeIdWidths = [256, 512, 512]
        return c
    }()

    public init() {}
}

/// diffusers' UNetSpatioTemporalConditionModel. sample [B, F, Cin, H, W], timestep [B] (SVD feeds
/// EDM's c_noise; [1] or [] for the whole batch, as diffusers takes it), context [B, L, contextDim]
/// (shared by a video's frames), addedTimeIds [B, ids]
/// -> [B, F, Cout, H, W]. H and W must be divisible by 2^(levels-1) (see `inputProblem`).
public final class UNetSpatioTemporal: Module {
    public let config: UNetSpatioTemporalConfig
    let convIn, convOut: Conv2d
    let timeEmbedding, addEmbedding: TimestepEmbedding
    let downLevels, upLevels: [SpatioTemporalLevel]
    let middle: SpatioTemporalMiddle
    let normOut: GroupNorm

    public init(_ w: WeightScope, config: UNetSpatioTemporalConfig = .svd) throws {
        self.config = config
        let ch = config.blockChannels, levels = ch.count, time = 4 * ch[0]
        convIn = try Conv2d(w["conv_in"], inChannels: config.inChannels, outChannels: ch[0], kernel: 3, padding: 1)
        timeEmbedding = try TimestepEmbedding(w["time_embedding"], inChannels: ch[0], timeEmbedDim: time)
        addEmbedding = try TimestepEmbedding(w["add_embedding"], inChannels: config.addedTimeIdWidths.reduce(0, +),
                                             timeEmbedDim: time)
        let layers = config.layersPerBlock
        downLevels = try (0..<levels).map { i in
            let inCh = i == 0 ? ch[0] : ch[i - 1], last = i == levels - 1
            return try SpatioTemporalLevel(
                w["down_blocks.\(i)"], resnetChannels: (0..<layers).map { ($0 == 0 ? inCh : ch[i], ch[i]) },
                timeChannels: time, eps: last ? 1e-5 : 1e-6, heads: last ? nil : config.heads[i],
                contextDim: config.contextDim, transformerLayers: config.transformerLayers, downsample: !last, upsample: false)
        }
        middle = try SpatioTemporalMiddle(w["mid_block"], channels: ch[levels - 1], timeChannels: time,
                                          heads: config.heads[levels - 1], contextDim: config.contextDim,
                                          transformerLayers: config.transformerLayers)
        let rch = Array(ch.reversed()), rheads = Array(config.heads.reversed())
        upLevels = try (0..<levels).map { i in
            let out = rch[i], previous = i == 0 ? rch[0] : rch[i - 1], skipIn = rch[min(i + 1, levels - 1)]
            let resnetChannels = (0...layers).map { j -> (Int, Int) in
                ((j == 0 ? previous : out) + (j == layers ? skipIn : out), out)
            }
            return try SpatioTemporalLevel(
                w["up_blocks.\(i)"], resnetChannels: resnetChannels, timeChannels: time, eps: 1e-6,
                heads: i == 0 ? nil : rheads[i], contextDim: config.contextDim,
                transformerLayers: config.transformerLayers, downsample: false, upsample: i != levels - 1)
        }
        normOut = try GroupNorm(w["conv_norm_out"], groups: 32, channels: ch[0], eps: 1e-5)
        convOut = try Conv2d(w["conv_out"], inChannels: ch[0], outChannels: config.outChannels, kernel: 3, padding: 1)
    }

    /// What is wrong with a call's inputs for this model, or nil when they fit: the one check both the
    /// forward pass (a precondition) and `orbit verify-model` (an error naming the file) apply.
    public func inputProblem(sample: Tensor, timestep: Tensor, context: Tensor, addedTimeIds: Tensor) -> String? {
        let ids = config.addedTimeIdWidths.count, factor = 1 << (config.blockChannels.count - 1)
        guard sample.rank == 5 else { return "sample is \(sample.shape), want [B, F, \(config.inChannels), H, W]" }
        let (b, f) = (sample.shape[0], sample.shape[1])
        guard sample.shape.allSatisfy({ $0 > 0 }), context.shape.allSatisfy({ $0 > 0 }) else {
            return "empty input: sample \(sample.shape) and encoder_hidden_states \(context.shape) need every size at least 1"
        }
        guard sample.shape[2] == config.inChannels, sample.shape[3] % factor == 0, sample.shape[4] % factor == 0,
              timestep.shape == [b] || (timestep.rank <= 1 && timestep.count == 1),
              context.rank == 3, context.shape[0] == b, context.shape[2] == config.contextDim,
              addedTimeIds.shape == [b, ids] || addedTimeIds.shape == [b, f, ids]
        else {
            return "inputs do not fit the model: sample \(sample.shape) (want [B, F, \(config.inChannels), H, W] with H and W "
                + "multiples of \(factor)), timestep \(timestep.shape) (want [\(b)], or [1] or [] for the whole batch), encoder_hidden_states \(context.shape) "
                + "(want [\(b), L, \(config.contextDim)]), added time ids \(addedTimeIds.shape) (want [\(b), \(ids)] or [\(b), \(f), \(ids)])"
        }
        return nil
    }

    /// addedTimeIds is [B, ids] (the same ids on every frame, diffusers' path) or [B, F, ids] (a camera
    /// per frame, SV3D's path: polar angle and azimuth in radians). framePositions [B, F] (required when
    /// the config's `explicitFramePositions` is set, ignored otherwise).
    public func callAsFunction(_ sample: Tensor, timestep: Tensor, context: Tensor, addedTimeIds: Tensor,
                               imageOnly: Tensor? = nil, framePositions: Tensor? = nil) -> Tensor {
        if let problem = inputProblem(sample: sample, timestep: timestep, context: context, addedTimeIds: addedTimeIds) {
            preconditionFailure("UNetSpatioTemporal: \(problem)")
        }
        let (b, f) = (sample.shape[0], sample.shape[1])
        // One timestep (0-dim or [1]) serves the whole batch, as diffusers broadcasts it: [B].
        let timestep = timestep.shape == [b] ? timestep : timestep.reshaped([1]).expanded(to: [b]).contiguous()
        let t = timeEmbedding(Tensor.timestepEmbedding(timestep, dim: config.blockChannels[0], flipSinToCos: true,
                                                       downscaleFreqShift: 0))
        // [B*F, T]: the time embedding plus the added-time embedding, per video (then repeated over its
        // frames, as diffusers does) or per frame.
        let emb = addedTimeIds.rank == 3
            ? t.perFrame(f) + addEmbedding(addedTimeSinusoids(addedTimeIds.reshaped([b * f, -1])))
            : (t + addEmbedding(addedTimeSinusoids(addedTimeIds))).perFrame(f)
        precondition(!config.explicitFramePositions || framePositions?.shape == [b, f],
                     "this UNet needs frame positions [\(b), \(f)], got \(framePositions.map { "\($0.shape)" } ?? "none")")
        let positions = config.explicitFramePositions ? framePositions!.reshaped([b * f]) : nil
        let conditioning = FrameBatchConditioning(temb: emb, context: context.perFrame(f), frames: f, imageOnly: imageOnly,
                                                  framePositions: positions)

        var h = convIn(sample.reshaped([b * f] + Array(sample.shape[2...])))
        var skips = [h]
        for level in downLevels { h = level.down(h, conditioning, skips: &skips) }
        h = middle(h, conditioning)
        for level in upLevels { h = level.up(h, conditioning, skips: &skips) }
        h = convOut(normOut(h).silu())
        return h.reshaped([b, f] + Array(h.shape[1...]))
    }

    /// ids [N, n] -> [N, sum of widths]: id j through a cos-first sinusoid of width addedTimeIdWidths[j].
    func addedTimeSinusoids(_ ids: Tensor) -> Tensor {
        Tensor.concat(config.addedTimeIdWidths.enumerated().map { j, width in
            Tensor.timestepEmbedding(ids.slice(axis: 1, j..<(j + 1)).reshaped([-1]), dim: width, flipSinToCos: true,
                                     downscaleFreqShift: 0)
        }, axis: 1)
    }

    public var namedParameters: [(String, Tensor)] {
        convIn.namedParameters + timeEmbedding.namedParameters + addEmbedding.namedParameters
            + downLevels.flatMap(\.namedParameters) + middle.namedParameters + upLevels.flatMap(\.namedParameters)
            + normOut.namedParameters + convOut.namedParameters
    }
}

extension Tensor {
    /// [B, ...] -> [B*F, ...], each row repeated for the F frames of its video (repeat_interleave).
    func perFrame(_ frames: Int) -> Tensor {
        let rest = Array(shape.dropFirst())
        return reshaped([shape[0], 1] + rest).expanded(to: [shape[0], frames] + rest).contiguous()
            .reshaped([shape[0] * frames] + rest)
    }
}
