// Resampling on [N, C, H, W]: nearest upsampling and average / max pooling (no padding).

import ShadersCPU

extension Tensor {
    /// Nearest-neighbour upsampling by an integer factor (diffusers' Upsample2D uses 2).
    public func upsampleNearest(scale: Int = 2) -> Tensor {
        precondition(rank == 4, "upsampleNearest expects [N, C, H, W], got \(shape)")
        let (nc, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        let x = contiguous()
        let out = Tensor.uninitialized([shape[0], shape[1], h * scale, w * scale])
        let (px, po) = (x.data, out.data)
        parallelFor(nc, grain: 4) { lo, hi in
            for p in lo..<hi { for y in 0..<(h * scale) {
                let src = px + (p * h + y / scale) * w, dst = po + (p * h * scale + y) * w * scale
                for xo in 0..<(w * scale) { dst[xo] = src[xo / scale] }
            } }
        }
        return record(out, inputs: [self]) { g in
            [g.reshaped([nc, h, scale, w, scale]).sum(axes: [2, 4]).reshaped(self.shape)]
        }
    }

    /// Average pooling with a square window.
    public func avgPool2d(kernel: Int, stride: Int? = nil) -> Tensor {
        pool2d(kernel: kernel, stride: stride ?? kernel, isMax: false)
    }

    /// Max pooling with a square window; the gradient goes to the first maximum of each window.
    public func maxPool2d(kernel: Int, stride: Int? = nil) -> Tensor {
        pool2d(kernel: kernel, stride: stride ?? kernel, isMax: true)
    }

    private func pool2d(kernel k: Int, stride s: Int, isMax: Bool) -> Tensor {
        precondition(rank == 4, "pooling expects [N, C, H, W], got \(shape)")
        let (nc, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        let size = ConvGeometry(c: 1, h: h, w: w, kh: k, kw: k, stride: (s, s), op: "pooling \(shape)")
        let (ho, wo) = (size.ho, size.wo)
        let x = contiguous()
        let out = Tensor.uninitialized([shape[0], shape[1], ho, wo])
        // Max pooling: the flat index within its plane of each window's first maximum.
        let argmax: UnsafeMutablePointer<Int32>? = isMax ? .allocate(capacity: nc * ho * wo) : nil
        let (px, po) = (x.data, out.data)
        let dims = (Int64(h), Int64(w), Int64(k), Int64(s), Int64(ho), Int64(wo))
        let phaseFloats = Int(nn_pool2d_scratch_floats(Int64(w), Int64(k), Int64(s)))
        parallelFor(nc, grain: 4) { lo, hi in
            let phases = UnsafeMutablePointer<Float>.allocate(capacity: phaseFloats)
            defer { phases.deallocate() }
            nn_pool2d_fwd(px, po, argmax, dims.0, dims.1, dims.2, dims.3, dims.4, dims.5, Int64(lo), Int64(hi), phases)
        }
        let indices = argmax.map { PooledIndices($0) }
        return record(out, inputs: [self]) { g in
            let gc = g.contiguous()
            let dx = Tensor.uninitialized(self.shape)
            let (pg, pd) = (gc.data, dx.data)
            parallelFor(nc, grain: 4) { lo, hi in
                nn_pool2d_bwd(pg, indices?.pointer, pd, dims.0, dims.1, dims.2, dims.3, dims.4, dims.5, Int64(lo), Int64(hi))
            }
            return [dx]
        }
    }
}

/// Max pooling's argmax buffer, owned by the backward closure (freed with the graph).
private final class PooledIndices {
    let pointer: UnsafeMutablePointer<Int32>
    init(_ pointer: UnsafeMutablePointer<Int32>) { self.pointer = pointer }
    deinit { pointer.deallocate() }
}
