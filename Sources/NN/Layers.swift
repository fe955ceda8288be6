import Tensor

/// torch.nn.Linear: weight [out, in], bias [out].
public final class Linear: Module {
    public let weight: Tensor
    public let bias: Tensor?
    private let keys: (String, String)

    public init(_ w: WeightScope, inFeatures: Int, outFeatures: Int, bias: Bool = true) throws {
        weight = try w.load("weight", shape: [outFeatures, inFeatures], initializer: .fanIn(inFeatures))
        self.bias = bias ? try w.load("bias", shape: [outFeatures], initializer: .fanIn(inFeatures)) : nil
        keys = (w.key("weight"), w.key("bias"))
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { x.linear(weight: weight, bias: bias) }

    public var namedParameters: [(String, Tensor)] {
        [(keys.0, weight)] + (bias.map { [(keys.1, $0)] } ?? [])
    }
}

/// torch.nn.Conv2d: weight [out, in / groups, kh, kw], bias [out].
public final class Conv2d: Module {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: (Int, Int), padding: (Int, Int), groups: Int
    private let keys: (String, String)

    /// A square kernel with equal strides and padding on both axes.
    public convenience init(_ w: WeightScope, inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1,
                            padding: Int = 0, groups: Int = 1, bias: Bool = true) throws {
        try self.init(w, inChannels: inChannels, outChannels: outChannels, kernelSize: (kernel, kernel), stride: (stride, stride),
                      padding: (padding, padding), groups: groups, bias: bias)
    }

    /// kernelSize, stride and padding as (height, width); a (1, k) kernel on [N, C, 1, L] is torch's Conv1d.
    public init(_ w: WeightScope, inChannels: Int, outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (Int, Int) = (0, 0), groups: Int = 1, bias: Bool = true) throws {
        let fanIn = inChannels / groups * kernelSize.0 * kernelSize.1
        weight = try w.load("weight", shape: [outChannels, inChannels / groups, kernelSize.0, kernelSize.1], initializer: .fanIn(fanIn))
        self.bias = bias ? try w.load("bias", shape: [outChannels], initializer: .fanIn(fanIn)) : nil
        (self.stride, self.padding, self.groups) = (stride, padding, groups)
        keys = (w.key("weight"), w.key("bias"))
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.conv2d(weight: weight, bias: bias, stride: stride, padding: padding, groups: groups)
    }

    public var namedParameters: [(String, Tensor)] { [(keys.0, weight)] + (bias.map { [(keys.1, $0)] } ?? []) }
}

/// The frame-axis convolution of SVD's TemporalResnetBlock (diffusers Conv3d, kernel (k, 1, 1)):
/// weight [out, in, k, 1, 1], bias [out], on x [N, C, F, H, W].
public final class TemporalConv: Module {
    public let weight: Tensor
    public let bias: Tensor?
    private let keys: (String, String)

    public init(_ w: WeightScope, inChannels: Int, outChannels: Int, kernel: Int = 3, bias: Bool = true) throws {
        let fanIn = inChannels * kernel
        weight = try w.load("weight", shape: [outChannels, inChannels, kernel, 1, 1], initializer: .fanIn(fanIn))
        self.bias = bias ? try w.load("bias", shape: [outChannels], initializer: .fanIn(fanIn)) : nil
        keys = (w.key("weight"), w.key("bias"))
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { x.temporalConv(weight: weight, bias: bias) }

    public var namedParameters: [(String, Tensor)] { [(keys.0, weight)] + (bias.map { [(keys.1, $0)] } ?? []) }
}

/// torch.nn.GroupNorm with affine weight/bias [C].
public final class GroupNorm: Module {
    public let weight: Tensor?, bias: Tensor?
    public let groups: Int, eps: Float
    private let keys: (String, String)

    public init(_ w: WeightScope, groups: Int, channels: Int, eps: Float = 1e-5, affine: Bool = true) throws {
        weight = affine ? try w.load("weight", shape: [channels], initializer: .ones) : nil
        bias = affine ? try w.load("bias", shape: [channels], initializer: .zeros) : nil
        self.groups = groups
        self.eps = eps
        keys = (w.key("weight"), w.key("bias"))
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { x.groupNorm(groups: groups, gamma: weight, beta: bias, eps: eps) }

    public var namedParameters: [(String, Tensor)] {
        guard let weight, let bias else { return [] }
        return [(keys.0, weight), (keys.1, bias)]
    }
}

/// torch.nn.LayerNorm over the last axis.
public final class LayerNorm: Module {
    public let weight: Tensor?, bias: Tensor?
    public let eps: Float
    private let keys: (String, String)

    public init(_ w: WeightScope, dim: Int, eps: Float = 1e-5, affine: Bool = true) throws {
        weight = affine ? try w.load("weight", shape: [dim], initializer: .ones) : nil
        bias = affine ? try w.load("bias", shape: [dim], initializer: .zeros) : nil
        self.eps = eps
        keys = (w.key("weight"), w.key("bias"))
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { x.layerNorm(gamma: weight, beta: bias, eps: eps) }

    public var namedParameters: [(String, Tensor)] {
        guard let weight, let bias else { return [] }
        return [(keys.0, weight), (keys.1, bias)]
    }
}

/// diffusers' Attention (to_q, to_k, to_v, to_out.0): multi-head self- or cross-attention on
/// x [B, L, queryDim] with context [B, Lc, contextDim].
public final class Attention: Module {
    public let toQ, toK, toV, toOut: Linear
    public let heads: Int, headDim: Int

    public init(_ w: WeightScope, queryDim: Int, contextDim: Int? = nil, heads: Int, headDim: Int,
                qkvBias: Bool = false, outBias: Bool = true) throws {
        let inner = heads * headDim
        toQ = try Linear(w["to_q"], inFeatures: queryDim, outFeatures: inner, bias: qkvBias)
        toK = try Linear(w["to_k"], inFeatures: contextDim ?? queryDim, outFeatures: inner, bias: qkvBias)
        toV = try Linear(w["to_v"], inFeatures: contextDim ?? queryDim, outFeatures: inner, bias: qkvBias)
        toOut = try Linear(w["to_out.0"], inFeatures: inner, outFeatures: queryDim, bias: outBias)
        self.heads = heads
        self.headDim = headDim
    }

    public func callAsFunction(_ x: Tensor, context: Tensor? = nil) -> Tensor {
        let ctx = context ?? x
        let (b, l) = (x.shape[0], x.shape[1])
        // [B, L, H*D] -> [B, H, L, D]
        func heads(_ t: Tensor) -> Tensor {
            t.reshaped([t.shape[0], t.shape[1], self.heads, headDim]).permuted([0, 2, 1, 3])
        }
        let o = Tensor.attention(q: heads(toQ(x)), k: heads(toK(ctx)), v: heads(toV(ctx)))
        return toOut(o.permuted([0, 2, 1, 3]).reshaped([b, l, self.heads * headDim]))
    }

    public var namedParameters: [(String, Tensor)] {
        [toQ, toK, toV, toOut].flatMap(\.namedParameters)
    }
}

/// diffusers' GEGLU: proj Linear(dimIn, 2 dimOut), output hidden * gelu(gate).
public final class GEGLU: Module {
    public let proj: Linear

    public init(_ w: WeightScope, dimIn: Int, dimOut: Int) throws {
        proj = try Linear(w["proj"], inFeatures: dimIn, outFeatures: 2 * dimOut)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { proj(x).geglu() }

    public var namedParameters: [(String, Tensor)] { proj.namedParameters }
}
