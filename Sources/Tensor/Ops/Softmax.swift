import ShadersCPU

extension Tensor {
    /// Softmax along `axis` (last by default).
    public func softmax(axis: Int = -1) -> Tensor {
        let a = normalizedAxis(axis)
        if a != rank - 1 { return transposed(a, rank - 1).softmax().transposed(a, rank - 1) }
        let cols = shape[rank - 1], rows = count / Swift.max(cols, 1)
        let x = contiguous()
        let out = Tensor.uninitialized(shape)
        parallelFor(rows, grain: 8) { lo, hi in
            nn_softmax_fwd(x.data + lo * cols, out.data + lo * cols, nil, Int64(hi - lo), Int64(cols), Int64(cols))
        }
        let y = out.detached()  // not `out` itself: out -> node -> closure -> out would never be freed
        return record(out, inputs: [self]) { g in
            let gc = g.contiguous()
            let dx = Tensor.uninitialized(y.shape)
            parallelFor(rows, grain: 8) { lo, hi in
                nn_softmax_bwd(y.data + lo * cols, gc.data + lo * cols, dx.data + lo * cols, Int64(hi - lo),
                               Int64(cols), Int64(cols))
            }
            return [dx]
        }
    }

    /// log(softmax(x)) along the last axis, computed stably.
    public func logSoftmax() -> Tensor {
        let m = noGrad { max(axis: -1, keepDims: true) }
        let shifted = self - m
        return shifted - shifted.exp().sum(axes: [-1], keepDims: true).log()
    }
}
