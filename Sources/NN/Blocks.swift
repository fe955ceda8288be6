import Tensor

/// diffusers' ResnetBlock2D ("default" time-embedding norm): norm1 -> SiLU -> conv1 (+ projected
/// time embedding) -> norm2 -> SiLU -> conv2, plus the input (1x1 conv_shortcut when channels change).
public final class ResnetBlock2D: Module {
    let norm1, norm2: GroupNorm
    let conv1, conv2: Conv2d
    let timeProjection: Linear?
    let shortcut: Conv2d?

    public init(_ w: WeightScope, inChannels: Int, outChannels: Int, groups: Int, eps: Float, timeChannels: Int? = nil) throws {
        norm1 = try GroupNorm(w["norm1"], groups: groups, channels: inChannels, eps: eps)
        conv1 = try Conv2d(w["conv1"], inChannels: inChannels, outChannels: outChannels, kernel: 3, padding: 1)
        timeProjection = try timeChannels.map { try Linear(w["time_emb_proj"], inFeatures: $0, outFeatures: outChannels) }
        norm2 = try GroupNorm(w["norm2"], groups: groups, channels: outChannels, eps: eps)
        conv2 = try Conv2d(w["conv2"], inChannels: outChannels, outChannels: outChannels, kernel: 3, padding: 1)
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

/// diffusers' Downsample2D with a conv and padding 0: zero-pad right and bottom by one, then a
/// 3x3 stride-2 convolution.
public final class Downsample2D: Module {
    let conv: Conv2d

    public init(_ w: WeightScope, channels: Int) throws {
        conv = try Conv2d(w["conv"], inChannels: channels, outChannels: channels, kernel: 3, stride: 2)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { conv(x.padded2d(top: 0, bottom: 1, left: 0, right: 1)) }

    public var namedParameters: [(String, Tensor)] { conv.namedParameters }
}
