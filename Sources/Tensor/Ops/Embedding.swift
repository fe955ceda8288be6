import Foundation

extension Tensor {
    /// Sinusoidal timestep embedding as diffusers' `get_timestep_embedding`: t [N] -> [N, dim],
    /// frequencies exp(-ln(maxPeriod) * i / (dim/2 - shift)), halves [sin, cos] or [cos, sin] when
    /// `flipSinToCos` (SVD uses cos first). Differentiable in t: d sin(t f)/dt = f cos(t f).
    public static func timestepEmbedding(_ t: Tensor, dim: Int, flipSinToCos: Bool = false,
                                         downscaleFreqShift: Float = 1, scale: Float = 1,
                                         maxPeriod: Float = 10000) -> Tensor {
        precondition(t.rank == 1, "timesteps must be 1-D, got \(t.shape)")
        let half = dim / 2
        let freqs = (0..<half).map { i -> Float in
            Foundation.exp(-Foundation.log(maxPeriod) * Float(i) / (Float(half) - downscaleFreqShift))
        }
        let f = Tensor(freqs, shape: [1, half])
        let arg = t.reshaped([t.shape[0], 1]) * f * scale
        let (s, c) = (arg.sin(), arg.cos())
        var emb = Tensor.concat(flipSinToCos ? [c, s] : [s, c], axis: 1)
        if dim % 2 == 1 { emb = emb.padded([(0, 0), (0, 1)]) }
        return emb
    }

    public func sin() -> Tensor {
        let src = contiguous()
        let out = Tensor.uninitialized(shape)
        for i in 0..<count { out.data[i] = Foundation.sin(src.data[i]) }
        return record(out, inputs: [self]) { g in [g * self.cos()] }
    }

    public func cos() -> Tensor {
        let src = contiguous()
        let out = Tensor.uninitialized(shape)
        for i in 0..<count { out.data[i] = Foundation.cos(src.data[i]) }
        return record(out, inputs: [self]) { g in [-(g * self.sin())] }
    }
}
