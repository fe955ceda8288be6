import Tensor

/// diffusers' ResnetBlock2D ("default" time-embedding norm): norm1 -> SiLU -> conv1 (+ projected
/// time embedding) -> norm2 -> SiLU -> conv2, plus the input (1x1 conv_shortcut when channels change).
/// A (1, 3) kernel makes it the 1D block of a UNet over sequences [N, C, 1, L].
public final class ResnetBlock2D: Module {
    let norm1, norm2: GroupNorm
    let conv1, conv2: Conv2d
    let timeProjection: Linear?
    let shortcut: Conv2d?

    public init(_ w: WeightScope, inChannels: Int, outChannels: Int, groups: Int, eps: Float, timeChannels: Int? = nil,
                kernel: (Int, Int) = (3, 3)) throws {
        let padding = (kernel.0 / 2, kernel.1 / 2)
        norm1 = try GroupNorm(w["norm1"], groups: groups, channels: inChannels, eps: eps)
        conv1 = try Conv2d(w["conv1"], inChannels: inChannels, outChannels: outChannels, kernelSize: kernel, padding: padding)
        timeProjection = try timeChannels.map { try Linear(w["time_emb_proj"], inFeatures: $0, outFeatures: outChannels) }
        norm2 = try GroupNorm(w["norm2"], groups: groups, channels: outChannels, eps: eps)
        conv2 = try Conv2d(w["conv2"], inChannels: outChannels, outChannels: outChannels, kernelSize: kernel, padding: padding)
        shortcut = inChannels == outChannels ? nil
            : try Conv2d(w["conv_shortcut"], inChannels: inChannels, outChannels: outChannels, kernel: 1)
    }

    /// x [N, C, H, W]; temb [N, T] when the block has a time projection.
    public func callAsFunction(_ x: Tensor, temb: Tensor? = nil) -> Tensor {
        var h = conv1(norm1(x).silu())
        if let timeProjection, let temb {
            h = h + timeProjection(temb.silu()).reshaped([temb.shape[0], -1, 1, 1])
        }
        h = conv2(norm2(h).silu())
        return (shortcut.map { $0(x) } ?? x) + h
    }

    public var namedParameters: [(String, Tensor)] {
        norm1.namedParameters + conv1.namedParameters + (timeProjection?.namedParameters ?? []) + norm2.namedParameters
            + conv2.namedParameters + (shortcut?.namedParameters ?? [])
    }
}

/// diffusers' Downsample2D with a conv: a 3x3 stride-2 convolution. Padding 0 (the VAE's variant)
/// zero-pads only right and bottom by one; padding 1 (the UNet's) pads every side.
public final class Downsample2D: Module {
    let conv: Conv2d
    let padding: Int

    public init(_ w: WeightScope, channels: Int, padding: Int = 0) throws {
        precondition(padding == 0 || padding == 1, "Downsample2D padding is 0 or 1")
        self.padding = padding
        conv = try Conv2d(w["conv"], inChannels: channels, outChannels: channels, kernel: 3, stride: 2, padding: padding)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        padding == 1 ? conv(x) : conv(x.padded2d(top: 0, bottom: 1, left: 0, right: 1))
    }

    public var namedParameters: [(String, Tensor)] { conv.namedParameters }
}

/// diffusers' Upsample2D with a conv: nearest-neighbour x2, then a 3x3 convolution (padding 1).
public final class Upsample2D: Module {
    let conv: Conv2d

    public init(_ w: WeightScope, channels: Int) throws {
        conv = try Conv2d(w["conv"], inChannels: channels, outChannels: channels, kernel: 3, padding: 1)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { conv(x.upsampleNearest()) }

    public var namedParameters: [(String, Tensor)] { conv.namedParameters }
}

/// diffusers' TimestepEmbedding: linear_1 -> SiLU -> linear_2 (the time and added-time MLPs;
/// `outDim` for the frame-position embedding, which maps back to the channel count).
public final class TimestepEmbedding: Module {
    let linear1, linear2: Linear

    public init(_ w: WeightScope, inChannels: Int, timeEmbedDim: Int, outDim: Int? = nil) throws {
        linear1 = try Linear(w["linear_1"], inFeatures: inChannels, outFeatures: timeEmbedDim)
        linear2 = try Linear(w["linear_2"], inFeatures: timeEmbedDim, outFeatures: outDim ?? timeEmbedDim)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { linear2(linear1(x).silu()) }

    public var namedParameters: [(String, Tensor)] { linear1.namedParameters + linear2.namedParameters }
}

/// diffusers' TemporalResnetBlock on x [B, C, F, H, W]: group norm (32 groups) -> SiLU -> 3-tap
/// frame conv (+ per-frame projected time embedding) -> group norm -> SiLU -> frame conv, plus the
/// input (1x1x1 conv_shortcut when channels change). temb [B, F, T].
public final class TemporalResnetBlock: Module {
    let norm1, norm2: GroupNorm
    let conv1, conv2: TemporalConv
    let timeProjection: Linear?
    let shortcut: TemporalConv?

    public init(_ w: WeightScope, inChannels: Int, outChannels: Int, eps: Float, timeChannels: Int?) throws {
        norm1 = try GroupNorm(w["norm1"], groups: 32, channels: inChannels, eps: eps)
        conv1 = try TemporalConv(w["conv1"], inChannels: inChannels, outChannels: outChannels)
        timeProjection = try timeChannels.map { try Linear(w["time_emb_proj"], inFeatures: $0, outFeatures: outChannels) }
        norm2 = try GroupNorm(w["norm2"], groups: 32, channels: outChannels, eps: eps)
        conv2 = try TemporalConv(w["conv2"], inChannels: outChannels, outChannels: outChannels)
        shortcut = inChannels == outChannels ? nil : try TemporalConv(w["conv_shortcut"], inChannels: inChannels, outChannels: outChannels, kernel: 1)
    }

    public func callAsFunction(_ x: Tensor, temb: Tensor?) -> Tensor {
        var h = conv1(norm1(x).silu())
        if let timeProjection, let temb {
            let t = timeProjection(temb.silu())                                   // [B, F, C]
            h = h + t.permuted([0, 2, 1]).reshaped([t.shape[0], t.shape[2], t.shape[1], 1, 1])
        }
        h = conv2(norm2(h).silu())
        return (shortcut.map { $0(x) } ?? x) + h
    }

    public var namedParameters: [(String, Tensor)] {
        norm1.namedParameters + conv1.namedParameters + (timeProjection?.namedParameters ?? []) + norm2.namedParameters
            + conv2.namedParameters + (shortcut?.namedParameters ?? [])
    }
}

/// diffusers' AlphaBlender ("learned_with_images"): alpha spatial + (1 - alpha) temporal with
/// alpha = sigmoid(mix_factor) for video frames and 1 for image-only frames.
public final class AlphaBlender: Module {
    public let mixFactor: Tensor
    private let key: String

    /// switchSpatialToTemporal: alpha weighs the temporal branch instead (the temporal VAE decoder).
    public let switchSpatialToTemporal: Bool

    public init(_ w: WeightScope, initial: Float = 0.5, switchSpatialToTemporal: Bool = false) throws {
        mixFactor = try w.load("mix_factor", shape: [1], initializer: .constant(initial))
        key = w.key("mix_factor")
        self.switchSpatialToTemporal = switchSpatialToTemporal
    }

    /// spatial, temporal [B, C, F, ...]; imageOnly [B, F] (1 = image frame) or nil (all video).
    public func callAsFunction(spatial: Tensor, temporal: Tensor, imageOnly: Tensor? = nil) -> Tensor {
        var alpha = mixFactor.sigmoid().reshaped([1, 1, 1] + [Int](repeating: 1, count: spatial.rank - 3))
        if let imageOnly {
            // where(image, 1, sigmoid(m)) = sigmoid(m) + image (1 - sigmoid(m)), as [B, 1, F, 1...]
            let shape = [imageOnly.shape[0], 1, imageOnly.shape[1]] + [Int](repeating: 1, count: spatial.rank - 3)
            alpha = alpha + imageOnly.reshaped(shape) * (1 - alpha)
        }
        return switchSpatialToTemporal ? spatial * (1 - alpha) + temporal * alpha : spatial * alpha + temporal * (1 - alpha)
    }

    public var namedParameters: [(String, Tensor)] { [(key, mixFactor)] }
}

/// diffusers' SpatioTemporalResBlock: a ResnetBlock2D per frame (32 groups), then a
/// TemporalResnetBlock across frames, blended by an AlphaBlender. x [B*F, C, H, W], temb [B*F, T].
public final class SpatioTemporalResBlock: Module {
    let spatial: ResnetBlock2D
    let temporal: TemporalResnetBlock
    let mixer: AlphaBlender

    public init(_ w: WeightScope, inChannels: Int, outChannels: Int, timeChannels: Int?, eps: Float = 1e-6,
                temporalEps: Float? = nil, switchSpatialToTemporalMix: Bool = false) throws {
        spatial = try ResnetBlock2D(w["spatial_res_block"], inChannels: inChannels, outChannels: outChannels, groups: 32,
                                    eps: eps, timeChannels: timeChannels)
        temporal = try TemporalResnetBlock(w["temporal_res_block"], inChannels: outChannels, outChannels: outChannels,
                                           eps: temporalEps ?? eps, timeChannels: timeChannels)
        mixer = try AlphaBlender(w["time_mixer"], switchSpatialToTemporal: switchSpatialToTemporalMix)
    }

    public func callAsFunction(_ x: Tensor, temb: Tensor?, frames: Int, imageOnly: Tensor? = nil) -> Tensor {
        let s = spatial(x, temb: temb)
        let (bf, c, h, w) = (s.shape[0], s.shape[1], s.shape[2], s.shape[3])
        let b = bf / frames
        let video = s.reshaped([b, frames, c, h, w]).permuted([0, 2, 1, 3, 4]).contiguous()     // [B, C, F, H, W]
        let t = temporal(video, temb: temb?.reshaped([b, frames, -1]))
        let mixed = mixer(spatial: video, temporal: t, imageOnly: imageOnly)
        return mixed.permuted([0, 2, 1, 3, 4]).reshaped([bf, c, h, w])
    }

    public var namedParameters: [(String, Tensor)] { spatial.namedParameters + temporal.namedParameters + mixer.namedParameters }
}

/// The VAE's mid-block attention: single-head self-attention over the group-normed pixels of
/// x [N, C, H, W], added back to x (keys group_norm, to_q, to_k, to_v, to_out.0).
public final class PixelSelfAttention: Module {
    let norm: GroupNorm
    let attention: Attention

    public init(_ w: WeightScope, channels: Int, groups: Int = 32) throws {
        norm = try GroupNorm(w["group_norm"], groups: groups, channels: channels, eps: 1e-6)
        attention = try Attention(w, queryDim: channels, heads: 1, headDim: channels, qkvBias: true)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let tokens = norm(x).reshaped([n, c, h * w]).transposed(1, 2)                // [N, HW, C]
        return x + attention(tokens).transposed(1, 2).reshaped([n, c, h, w])
    }

    public var namedParameters: [(String, Tensor)] { norm.namedParameters + attention.namedParameters }
}
