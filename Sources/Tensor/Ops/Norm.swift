import ShadersCPU

// Group norm (Wu & He 2018) and layer norm over the C kernels in Shaders-CPU/nn_norm.c.

extension Tensor {
    /// torch.nn.functional.group_norm: x [N, C, ...], `groups` dividing C, affine gamma/beta [C].
    public func groupNorm(groups: Int, gamma: Tensor? = nil, beta: Tensor? = nil, eps: Float = 1e-5) -> Tensor {
        precondition(rank >= 2 && shape[1] % groups == 0, "groupNorm: \(shape) with \(groups) groups")
        let n = shape[0], c = shape[1], s = count / (n * c)
        let x = contiguous()
        let gm = gamma?.contiguous(), bt = beta?.contiguous()
        let out = Tensor.uninitialized(shape)
        let mean = Tensor.uninitialized([n * groups]), rstd = Tensor.uninitialized([n * groups])
        parallelFor(n * groups) { lo, hi in
            nn_group_norm_fwd(x.data, gm?.data, bt?.data, out.data, mean.data, rstd.data, Int64(c), Int64(s),
                              Int64(groups), eps, Int64(lo), Int64(hi))
        }
        let inputs = [self] + [gamma, beta].compactMap { $0 }
        return record(out, inputs: inputs) { g in
            let gc = g.contiguous()
            let dx = Tensor.uninitialized(self.shape)
            let dgPart = Tensor.uninitialized([n, c]), dbPart = Tensor.uninitialized([n, c])
            parallelFor(n * groups) { lo, hi in
                nn_group_norm_bwd(x.data, gm?.data, mean.data, rstd.data, gc.data, dx.data, dgPart.data, dbPart.data,
                                  Int64(c), Int64(s), Int64(groups), Int64(lo), Int64(hi))
            }
            var grads: [Tensor?] = [dx]
            if gamma != nil { grads.append(dgPart.sumAxisKeepingDim(0).reshaped([c])) }
            if beta != nil { grads.append(dbPart.sumAxisKeepingDim(0).reshaped([c])) }
            return grads
        }
    }

    /// torch.nn.functional.layer_norm over the last axis: x [..., D], gamma/beta [D].
    public func layerNorm(gamma: Tensor? = nil, beta: Tensor? = nil, eps: Float = 1e-5) -> Tensor {
        let d = shape[rank - 1], rows = count / Swift.max(d, 1)
        let x = contiguous()
        let gm = gamma?.contiguous(), bt = beta?.contiguous()
        let out = Tensor.uninitialized(shape)
        let mean = Tensor.uninitialized([rows]), rstd = Tensor.uninitialized([rows])
        parallelFor(rows, grain: 16) { lo, hi in
            nn_layer_norm_fwd(x.data, gm?.data, bt?.data, out.data, mean.data, rstd.data, Int64(d), eps,
                              Int64(lo), Int64(hi))
        }
        let inputs = [self] + [gamma, beta].compactMap { $0 }
        return record(out, inputs: inputs) { g in
            let gc = g.contiguous()
            let dx = Tensor.uninitialized(self.shape)
            let chunks = Swift.min(rows, Parallel.threads * 4)
            let dgPart = Tensor(zeros: [chunks, d]), dbPart = Tensor(zeros: [chunks, d])
            parallelChunks(rows, chunks: chunks) { chunk, lo, hi in
                nn_layer_norm_bwd(x.data, gm?.data, mean.data, rstd.data, gc.data, dx.data,
                                  dgPart.data + chunk * d, dbPart.data + chunk * d, Int64(d), Int64(lo), Int64(hi))
            }
            var grads: [Tensor?] = [dx]
            if gamma != nil { grads.append(dgPart.sumAxisKeepingDim(0).reshaped([d])) }
            if beta != nil { grads.append(dbPart.sumAxisKeepingDim(0).reshaped([d])) }
            return grads
        }
    }
}
